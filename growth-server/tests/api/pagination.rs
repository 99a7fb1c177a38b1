//! Every list answers `limit`, `offset` and `total`, and refuses a bad `limit` alike (422 naming
//! it, never clamped); `GET /content` filters by status, platform and time.

use chrono::Duration;
use growth_core::domain::{ContentStatus, ContentTransition, ContentType, NewContentItem, Platform, Role};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::spawn_app;

/// Each list and the smallest role that reads it.
const LISTS: [(&str, Role); 10] = [
    ("/sources", Role::Viewer),
    ("/content", Role::Viewer),
    ("/content/pending", Role::Viewer),
    ("/knowledge", Role::Viewer),
    ("/icp-profiles", Role::Viewer),
    ("/objections", Role::Viewer),
    ("/analytics/leads", Role::Approver),
    ("/users", Role::Admin),
    ("/learning/rules", Role::Admin),
    ("/learning/preferences", Role::Admin),
];

/// Tried as a frontend would: `/knowledge?limit=` was a 422 while `/sources` had no total and
/// `/icp-profiles` no paging at all.
#[tokio::test]
async fn every_list_pages_alike_with_a_total_and_refuses_a_bad_limit() {
    let app = spawn_app().await;
    for (path, role) in LISTS {
        let token = app.token(role).await;
        let r = app.req(Method::GET, &format!("{path}?limit=1&offset=0"), &token).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let page: Value = r.json().await.unwrap();
        assert_eq!((page["limit"].as_u64(), page["offset"].as_u64()), (Some(1), Some(0)), "{path}: {page}");
        assert!(page["total"].is_u64(), "{path}: {page}");
        let page: Value = app.req(Method::GET, path, &token).send().await.unwrap().json().await.unwrap();
        assert!(page["limit"].as_u64().unwrap() >= 10, "{path}: a default page size: {page}");
        for bad in ["0", "100000", "abc", "-1"] {
            let r = app.req(Method::GET, &format!("{path}?limit={bad}"), &token).send().await.unwrap();
            assert_eq!(r.status(), 422, "{path}?limit={bad}");
            assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
            let p: Value = r.json().await.unwrap();
            assert_eq!(p["field"], "limit", "{path}?limit={bad}: {p}");
        }
    }
}

#[tokio::test]
async fn content_lists_by_status_platform_and_time_with_a_total() {
    let app = spawn_app().await;
    let store = app.state.engine.store().clone();
    let now = app.state.engine.clock().now();
    let post = |text: &str| NewContentItem::draft(ContentType::LinkedinPost, None, text);
    let draft = store.insert_content(post("in review")).await.unwrap();
    let news = store.insert_content(NewContentItem::draft(ContentType::Newsletter, None, "news")).await.unwrap();
    let mut scheduled = Vec::new();
    for days in [1, 2, 3] {
        let item = store.insert_content(post(&format!("in {days} days"))).await.unwrap();
        store.transition_content(item.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
        let to = ContentTransition {
            scheduled_publish_time: Some(now + Duration::days(days)),
            ..ContentTransition::to(ContentStatus::Scheduled)
        };
        scheduled.push(store.transition_content(item.id, to).await.unwrap().id.to_string());
    }
    let token = app.token(Role::Viewer).await;
    let get = |q: String| {
        let req = app.req(Method::GET, &format!("/content{q}"), &token);
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let ids = |page: &Value| page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let all = get(String::new()).await;
    assert_eq!((all["total"].as_u64(), all["limit"].as_u64(), all["offset"].as_u64()), (Some(5), Some(50), Some(0)), "{all}");
    let page = get("?status=scheduled&limit=2&offset=1".into()).await;
    assert_eq!(ids(&page), scheduled[1..]);
    assert_eq!(page["total"], 3, "the total ignores the page");
    let page = get("?status=in_review,approved".into()).await;
    assert_eq!(ids(&page), [draft.id.to_string(), news.id.to_string()]);
    let page = get(format!("?platform={}", news.platform())).await;
    assert_eq!(ids(&page), [news.id.to_string()]);
    let page = get(format!("?platform={}&status=in_review", Platform::LINKEDIN)).await;
    assert_eq!(ids(&page), [draft.id.to_string()]);
    // A calendar window: by the scheduled time.
    let from = (now + Duration::hours(36)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (now + Duration::days(4)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let page = get(format!("?from={from}&to={to}")).await;
    assert_eq!(ids(&page), scheduled[1..]);
    assert_eq!(page["total"], 2);
    // Refusals name the field.
    let backwards = format!("?from={to}&to={from}");
    for (q, field) in
        [("?status=lost", "status"), ("?platform=NOT%20A%20PLATFORM", "platform"), ("?from=yesterday", "from"), (&backwards, "to")]
    {
        let r = app.req(Method::GET, &format!("/content{q}"), &token).send().await.unwrap();
        assert_eq!(r.status(), 422, "{q}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["field"], field, "{q}: {p}");
    }
    assert_eq!(app.client.get(format!("{}/content", app.address)).send().await.unwrap().status(), 401);
}

crate::helpers::postgres_too!(
    every_list_pages_alike_with_a_total_and_refuses_a_bad_limit,
    content_lists_by_status_platform_and_time_with_a_total
);
