//! The outbox publisher: conformance, idempotency, reconcile, file contents, path safety.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use growth_core::ManualClock;
use growth_core::domain::{ContentId, ContentType, Platform, ScheduleId};
use growth_core::publish::outbox::OutboxPublisher;
use growth_core::publish::{PublishRequest, Publisher};

fn request(title: &str, content: &str) -> PublishRequest {
    PublishRequest {
        schedule_id: ScheduleId::new(),
        content_item_id: ContentId::new(),
        content_type: ContentType::LinkedinPost,
        title: Some(title.into()),
        content: content.into(),
        platform_data: serde_json::Value::Null,
        attempted_at: None,
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 14, 0, 0).unwrap()))
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        out.push(entry.strip_prefix(dir).unwrap().display().to_string());
    }
    out.sort();
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[cfg(feature = "testkit")]
#[tokio::test]
async fn the_outbox_publisher_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    growth_core::testkit::publisher::run_all(|| {
        let root = root.clone();
        async move { Arc::new(OutboxPublisher::new(root, Platform::LINKEDIN)) as Arc<dyn Publisher> }
    })
    .await;
}

#[tokio::test]
async fn publishing_writes_markdown_with_front_matter_and_an_html_preview() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = OutboxPublisher::new(dir.path().into(), Platform::LINKEDIN).with_clock(clock());
    let req = request("The PLG Paradox", "Most teams add a free plan.\n\nThat's <not> it.");
    let p = outbox.publish(&req).await.unwrap();

    let md_path = dir.path().join("linkedin").join(format!("{}.md", req.schedule_id));
    let html_path = dir.path().join("linkedin").join(format!("{}.html", req.schedule_id));
    assert_eq!(outbox.markdown_path(req.schedule_id), md_path);
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert_eq!(
        md,
        format!(
            "---\ntitle: \"The PLG Paradox\"\ncontent_id: \"{}\"\ncontent_type: \"linkedin_post\"\nschedule_id: \"{}\"\n\
             platform: \"linkedin\"\npublished_at: \"2026-03-02T14:00:00Z\"\n---\n\nMost teams add a free plan.\n\nThat's <not> it.\n",
            req.content_item_id, req.schedule_id
        )
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("<p>Most teams add a free plan.</p>\n<p>That's &lt;not&gt; it.</p>"), "{html}");
    assert!(html.contains("<title>The PLG Paradox</title>"));

    assert_eq!(p.platform_post_id, format!("outbox:linkedin:{}", req.schedule_id));
    assert_eq!(p.via, "outbox");
    assert_eq!(p.published_at, Utc.with_ymd_and_hms(2026, 3, 2, 14, 0, 0).unwrap());
    let url = url::Url::parse(p.url.as_deref().unwrap()).unwrap();
    assert_eq!(url.scheme(), "file");
    assert_eq!(url.to_file_path().unwrap(), std::path::absolute(&md_path).unwrap());
    assert_eq!(files_under(dir.path()).len(), 2, "no temporary files are left: {:?}", files_under(dir.path()));
}

#[tokio::test]
async fn publishing_the_same_schedule_twice_writes_once_and_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let outbox = OutboxPublisher::new(dir.path().into(), Platform::CUSTOMER_IO).with_clock(clock.clone());
    let req = request("Issue 12", "This week: pricing pages.");
    let first = outbox.publish(&req).await.unwrap();
    let md_before = std::fs::read_to_string(outbox.markdown_path(req.schedule_id)).unwrap();

    clock.advance(Duration::hours(3));
    let mut edited = req.clone();
    edited.content = "Something else entirely.".into();
    let second = outbox.publish(&edited).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(std::fs::read_to_string(outbox.markdown_path(req.schedule_id)).unwrap(), md_before);
    assert_eq!(files_under(dir.path()).len(), 2);
}

#[tokio::test]
async fn concurrent_publishes_of_one_schedule_create_one_post() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(OutboxPublisher::new(dir.path().into(), Platform::WEBFLOW));
    let req = request("Blog", "Body.");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (o, r) = (outbox.clone(), req.clone());
            tokio::spawn(async move { o.publish(&r).await.unwrap() })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "{results:?}");
    assert_eq!(files_under(dir.path()).len(), 2, "{:?}", files_under(dir.path()));
}

#[tokio::test]
async fn reconcile_finds_a_published_post_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = OutboxPublisher::new(dir.path().into(), Platform::LINKEDIN).with_clock(clock());
    let req = request("A", "Body.");
    assert_eq!(outbox.reconcile(&req).await.unwrap(), None);
    let published = outbox.publish(&req).await.unwrap();
    assert_eq!(outbox.reconcile(&req).await.unwrap(), Some(published));
    assert_eq!(outbox.reconcile(&request("B", "Other.")).await.unwrap(), None);

    // Another platform's outbox in the same directory does not see it.
    let other = OutboxPublisher::new(dir.path().into(), Platform::WEBFLOW);
    assert_eq!(other.reconcile(&req).await.unwrap(), None);
}

#[tokio::test]
async fn a_missing_preview_is_rewritten_on_the_next_publish() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = OutboxPublisher::new(dir.path().into(), Platform::LINKEDIN).with_clock(clock());
    let req = request("A", "Body.");
    let first = outbox.publish(&req).await.unwrap();
    std::fs::remove_file(outbox.html_path(req.schedule_id)).unwrap();
    assert_eq!(outbox.publish(&req).await.unwrap(), first);
    assert!(outbox.html_path(req.schedule_id).exists());
}

#[tokio::test]
async fn titles_and_content_never_choose_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("outbox");
    let outbox = OutboxPublisher::new(root.clone(), Platform::LINKEDIN);
    let mut req = request("../../../etc/passwd", "../../escape\n---\ntitle: \"pwned\"\n---");
    req.platform_data = serde_json::json!({ "slug": "../../../x" });
    outbox.publish(&req).await.unwrap();
    let files = files_under(dir.path());
    assert_eq!(files, vec![format!("outbox/linkedin/{}.html", req.schedule_id), format!("outbox/linkedin/{}.md", req.schedule_id)]);
    let md = std::fs::read_to_string(outbox.markdown_path(req.schedule_id)).unwrap();
    assert!(md.starts_with("---\ntitle: \"../../../etc/passwd\"\n"), "{md}");
    // The post's own `---` lines are body, after the real front matter.
    assert_eq!(outbox.reconcile(&req).await.unwrap().map(|p| p.platform_post_id), Some(format!("outbox:linkedin:{}", req.schedule_id)));
}

#[tokio::test]
async fn an_empty_post_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = OutboxPublisher::new(dir.path().into(), Platform::LINKEDIN);
    let err = outbox.publish(&request("Empty", "  \n ")).await.unwrap_err();
    assert!(matches!(err, growth_core::Error::InvalidInput { .. }), "{err}");
    assert!(files_under(dir.path()).is_empty());
}

#[tokio::test]
async fn a_foreign_file_in_the_outbox_is_an_error_not_a_publication() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = OutboxPublisher::new(dir.path().into(), Platform::LINKEDIN);
    let req = request("A", "Body.");
    std::fs::create_dir_all(outbox.platform_dir()).unwrap();
    std::fs::write(outbox.markdown_path(req.schedule_id), "just some notes").unwrap();
    assert!(matches!(outbox.reconcile(&req).await.unwrap_err(), growth_core::Error::Internal { .. }));
    assert!(matches!(outbox.publish(&req).await.unwrap_err(), growth_core::Error::Internal { .. }));
}

#[test]
fn the_outbox_is_idempotent_and_reconciles() {
    let caps = OutboxPublisher::new("x".into(), Platform::NOTION).capabilities();
    assert!(caps.idempotency_key && caps.reconcile && !caps.metrics);
}
