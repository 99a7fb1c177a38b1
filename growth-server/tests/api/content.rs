//! The review workflow: pending bundles, versioned edits with recorded spans, approve / reject /
//! bulk approve with smart scheduling.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};
use growth_core::domain::{ContentType, NewContentItem, NewSource, Role, SourceStatus};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const POST: &str =
    "We priced at $49 and lost two customers.\n\nThen we asked them why, and the answer surprised us.\n\nReply with your pricing question.";

/// A completed source with `n` items of the default bundle's types in review.
async fn bundle(app: &TestApp, title: &str, n: usize) -> (String, Vec<String>) {
    let new = NewSource {
        source_type: Some(growth_core::domain::SourceType::Podcast),
        source_id: Some(format!("ep-{title}")),
        title: Some(title.into()),
        description: None,
        metadata: json!({}),
        file_url: None,
        file_hash: None,
        transcript: Some("Host: hi".into()),
        transcript_source: None,
    };
    let s = app.state.engine.store().create_source(new).await.unwrap().value;
    app.state.engine.store().set_source_status(s.id, SourceStatus::Processing, None).await.unwrap();
    app.state.engine.store().set_source_status(s.id, SourceStatus::Completed, None).await.unwrap();
    let types = [ContentType::LinkedinPost; 7].into_iter().chain([
        ContentType::PreInterview,
        ContentType::PostPublish,
        ContentType::Newsletter,
        ContentType::BlogPost,
    ]);
    let mut ids = Vec::new();
    for t in types.take(n) {
        let mut item = NewContentItem::draft(t, Some(format!("{title} {t}")), POST);
        item.source_id = Some(s.id);
        ids.push(app.state.engine.store().insert_content(item).await.unwrap().id.to_string());
    }
    (s.id.to_string(), ids)
}

#[tokio::test]
async fn pending_groups_items_by_source_with_totals_pages_and_revalidation() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let (a, _) = bundle(&app, "Episode 47", 11).await;
    let (b, _) = bundle(&app, "Episode 48", 3).await;
    let r = app.req(Method::GET, "/content/pending", &token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["total_pending"], 14);
    let bundles = v["bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), 2);
    assert_eq!((bundles[0]["id"].as_str(), bundles[0]["total_items"].as_u64()), (Some(a.as_str()), Some(11)));
    assert_eq!(bundles[0]["source_title"], "Episode 47");
    assert_eq!(bundles[0]["source_type"], "podcast");
    let item = &bundles[0]["items"][0];
    for key in ["id", "content_type", "title", "content", "icp_score", "predicted_engagement", "scheduled_time", "status"] {
        assert!(item.get(key).is_some(), "{key}");
    }
    assert_eq!(item["status"], "in_review");
    let second: Value = app.req(Method::GET, "/content/pending?limit=1&offset=1", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(second["bundles"].as_array().unwrap().len(), 1);
    assert_eq!(second["bundles"][0]["id"], b.as_str());
    let r = app.req(Method::GET, "/content/pending", &token).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    // An edit changes the page: the old ETag no longer matches and the new text is served.
    let approver = app.token(Role::Approver).await;
    let first = bundles[0]["items"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .req(Method::PATCH, &format!("/content/{first}"), &approver)
        .json(&json!({"content": "Edited text.\n\nReply below."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app.req(Method::GET, "/content/pending", &token).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["bundles"][0]["items"][0]["content"], "Edited text.\n\nReply below.");
    assert_eq!(app.req(Method::GET, "/content/pending?limit=x", &token).send().await.unwrap().status(), 422);
}

#[tokio::test]
async fn an_edit_makes_a_new_version_records_its_spans_and_a_stale_editor_gets_409() {
    let app = spawn_app().await;
    let (_, ids) = bundle(&app, "E", 1).await;
    let id = &ids[0];
    let token = app.token(Role::Approver).await;
    let r = app.req(Method::GET, &format!("/content/{id}"), &token).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let item: Value = r.json().await.unwrap();
    assert_eq!(item["version"], 1);
    assert!(item["quality"]["verdicts"].is_array(), "verdicts come with the item");
    assert_eq!(app.req(Method::GET, &format!("/content/{id}"), &token).header("if-none-match", &etag).send().await.unwrap().status(), 304);

    let edited = POST.replace("We priced at $49", "We priced at $29");
    let r = app
        .req(Method::PATCH, &format!("/content/{id}"), &token)
        .header("if-match", &etag)
        .json(&json!({"content": edited}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let new_etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["version"].as_i64(), v["content"].as_str()), (Some(2), Some(edited.as_str())));
    assert!(v["updated_at"].is_string() && v["id"] == json!(id));

    // The same stale precondition again: 409, nothing written.
    let r = app
        .req(Method::PATCH, &format!("/content/{id}"), &token)
        .header("if-match", &etag)
        .json(&json!({"content": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = app.req(Method::PATCH, &format!("/content/{id}"), &token).json(&json!({"content": "x", "version": 1})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    // The title alone, against the current version.
    let r = app
        .req(Method::PATCH, &format!("/content/{id}"), &token)
        .header("if-match", &new_etag)
        .json(&json!({"title": "Pricing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let versions: Value = app.req(Method::GET, &format!("/content/{id}/versions"), &token).send().await.unwrap().json().await.unwrap();
    let vs = versions["versions"].as_array().unwrap();
    assert_eq!(vs.iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(vs[0]["content"], POST, "every prior version is kept");
    let edits: Value = app.req(Method::GET, &format!("/content/{id}/edits"), &token).send().await.unwrap().json().await.unwrap();
    let edits = edits["edits"].as_array().unwrap();
    assert!(
        edits.iter().any(|e| e["section"] == "hook" && e["original_text"] == "$49" && e["edited_text"] == "$29" && e["version"] == 2),
        "{edits:?}"
    );
    assert!(edits.iter().any(|e| e["section"] == "title" && e["version"] == 3), "{edits:?}");

    // Bad input.
    let bad = [(json!({}), 422), (json!({"content": "  "}), 422), (json!({"content": "x", "extra": 1}), 422)];
    for (body, status) in bad {
        assert_eq!(app.req(Method::PATCH, &format!("/content/{id}"), &token).json(&body).send().await.unwrap().status(), status, "{body}");
    }
    let r = app
        .req(Method::PATCH, &format!("/content/{id}"), &token)
        .header("if-match", "\"banana\"")
        .json(&json!({"content": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(
        app.req(Method::PATCH, &format!("/content/{id}"), &viewer).json(&json!({"content": "x"})).send().await.unwrap().status(),
        403
    );
    assert_eq!(app.req(Method::GET, &format!("/content/{}", uuid::Uuid::now_v7()), &viewer).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn concurrent_edits_of_one_version_accept_exactly_one() {
    let app = spawn_app().await;
    let (_, ids) = bundle(&app, "C", 1).await;
    let token = app.token(Role::Approver).await;
    let id = ids[0].clone();
    let mut tasks = Vec::new();
    for n in 0..16 {
        let req = app.req(Method::PATCH, &format!("/content/{id}"), &token).json(&json!({"content": format!("{POST} {n}"), "version": 1}));
        tasks.push(tokio::spawn(async move { req.send().await.unwrap().status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    let item: Value = app.req(Method::GET, &format!("/content/{id}"), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(item["version"], 2);
}

#[tokio::test]
async fn approve_schedules_reject_keeps_the_reason_and_illegal_moves_are_409() {
    let app = spawn_app().await;
    let (_, ids) = bundle(&app, "A", 3).await;
    let token = app.token(Role::Approver).await;
    let at = (Utc::now() + Duration::days(2)).format("%Y-%m-%dT%H:%M:00Z").to_string();
    let r = app
        .req(Method::POST, &format!("/content/{}/approve", ids[0]), &token)
        .json(&json!({"schedule_time": at, "platform": "linkedin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "approved");
    assert_eq!(v["scheduled_for"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), at.parse::<DateTime<Utc>>().unwrap());
    assert!(v["schedule_id"].is_string());
    let item: Value = app.req(Method::GET, &format!("/content/{}", ids[0]), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(item["status"], "scheduled");
    assert_eq!(
        app.req(Method::POST, &format!("/content/{}/approve", ids[0]), &token)
            .json(&json!({"schedule_time": at}))
            .send()
            .await
            .unwrap()
            .status(),
        409
    );

    // Without a time: the next good slot in New York, on a business day, in the future.
    let r = app.req(Method::POST, &format!("/content/{}/approve", ids[1]), &token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let when: DateTime<Utc> = r.json::<Value>().await.unwrap()["scheduled_for"].as_str().unwrap().parse().unwrap();
    let local = when.with_timezone(&chrono_tz::America::New_York);
    assert!(when > Utc::now() && !matches!(local.weekday(), Weekday::Sat | Weekday::Sun) && (7..=18).contains(&local.hour()), "{local}");

    let past = (Utc::now() - Duration::days(1)).to_rfc3339();
    assert_eq!(
        app.req(Method::POST, &format!("/content/{}/approve", ids[2]), &token)
            .json(&json!({"schedule_time": past}))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        app.req(Method::POST, &format!("/content/{}/reject", ids[2]), &token).json(&json!({"reason": " "})).send().await.unwrap().status(),
        422
    );
    let r = app
        .req(Method::POST, &format!("/content/{}/reject", ids[2]), &token)
        .json(&json!({"reason": "Off-brand, doesn't sound like me"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": "rejected"}));
    let item: Value = app.req(Method::GET, &format!("/content/{}", ids[2]), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(item["rejection_reason"], "Off-brand, doesn't sound like me");
    assert_eq!(
        app.req(Method::POST, &format!("/content/{}/reject", ids[0]), &token)
            .json(&json!({"reason": "late"}))
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
    assert_eq!(app.req(Method::POST, &format!("/content/{}/approve", ids[2]), &token).send().await.unwrap().status(), 409);
}

#[tokio::test]
async fn bulk_approve_spreads_a_bundle_smartly_and_a_bad_id_writes_nothing() {
    let app = spawn_app().await;
    let (_, ids) = bundle(&app, "B", 11).await;
    let (_, other) = bundle(&app, "R", 1).await;
    let token = app.token(Role::Approver).await;
    app.req(Method::POST, &format!("/content/{}/reject", other[0]), &token).json(&json!({"reason": "no"})).send().await.unwrap();

    let mut with_rejected = ids.clone();
    with_rejected.push(other[0].clone());
    let r = app.req(Method::POST, "/content/bulk-approve", &token).json(&json!({"content_ids": with_rejected})).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let r = app.req(Method::POST, "/content/bulk-approve", &token).json(&json!({"content_ids": ["nope"]})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let pending: Value = app.req(Method::GET, "/content/pending", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(pending["total_pending"], 11, "nothing was approved");

    let start = (Utc::now() + Duration::days(1)).date_naive().to_string();
    let r = app
        .req(Method::POST, "/content/bulk-approve", &token)
        .json(&json!({"content_ids": ids, "schedule_config": {"start_date": start, "distribution": "smart"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["approved"], 11);
    let items = v["scheduled_items"].as_array().unwrap();
    let mut per_day: BTreeMap<(String, chrono::NaiveDate), usize> = BTreeMap::new();
    for i in items {
        assert!(i["schedule_id"].is_string());
        let at: DateTime<Utc> = i["scheduled_for"].as_str().unwrap().parse().unwrap();
        let local = at.with_timezone(&chrono_tz::America::New_York);
        assert!(!matches!(local.weekday(), Weekday::Sat | Weekday::Sun), "{local}");
        *per_day.entry((i["platform"].as_str().unwrap().to_owned(), local.date_naive())).or_default() += 1;
    }
    assert!(per_day.iter().all(|((p, _), n)| p != "linkedin" || *n <= 2), "LinkedIn's daily cap: {per_day:?}");
    let pending: Value = app.req(Method::GET, "/content/pending", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(pending["total_pending"], 0);
}

/// Reproduces "an approved or scheduled item can never be edited or withdrawn": back to review
/// cancels its pending schedule with it, and editing a scheduled item sends it back to review.
#[tokio::test]
async fn a_scheduled_item_goes_back_to_review_and_an_edit_of_one_sends_it_back_too() {
    let app = spawn_app().await;
    let (_, ids) = bundle(&app, "B", 2).await;
    let token = app.token(Role::Approver).await;
    let at = (Utc::now() + Duration::days(2)).format("%Y-%m-%dT%H:%M:00Z").to_string();
    let schedule_of = |v: Value| v["schedule_id"].as_str().unwrap().to_owned();
    let mut schedules = Vec::new();
    for id in &ids {
        let r = app.req(Method::POST, &format!("/content/{id}/approve"), &token).json(&json!({"schedule_time": at})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        schedules.push(schedule_of(r.json().await.unwrap()));
    }
    // Withdraw the first: back in review, its schedule cancelled.
    let r = app.req(Method::POST, &format!("/content/{}/unapprove", ids[0]), &token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!({"status": "in_review", "cancelled_schedule_ids": [schedules[0]]}));
    let s: Value = app.req(Method::GET, &format!("/publish/status/{}", schedules[0]), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(s["status"], "cancelled", "{s}");
    assert_eq!(app.req(Method::POST, &format!("/content/{}/unapprove", ids[0]), &token).send().await.unwrap().status(), 409);
    // It can be approved again.
    let r =
        app.req(Method::POST, &format!("/content/{}/approve", ids[0]), &token).json(&json!({"schedule_time": at})).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // Editing the second (scheduled) sends it back to review with the edit, schedule cancelled.
    let r = app
        .req(Method::PATCH, &format!("/content/{}", ids[1]), &token)
        .json(&json!({"content": "A rewritten post, after approval, that must be approved again before it goes out."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let item: Value = app.req(Method::GET, &format!("/content/{}", ids[1]), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(item["status"], "in_review", "{item}");
    assert_eq!(item["version"], 2);
    let s: Value = app.req(Method::GET, &format!("/publish/status/{}", schedules[1]), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(s["status"], "cancelled", "{s}");

    // Unknown ids and viewers.
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(app.req(Method::POST, &format!("/content/{unknown}/unapprove"), &token).send().await.unwrap().status(), 404);
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(app.req(Method::POST, &format!("/content/{}/unapprove", ids[0]), &viewer).send().await.unwrap().status(), 403);
}

crate::helpers::postgres_too!(
    a_scheduled_item_goes_back_to_review_and_an_edit_of_one_sends_it_back_too,
    pending_groups_items_by_source_with_totals_pages_and_revalidation,
    an_edit_makes_a_new_version_records_its_spans_and_a_stale_editor_gets_409,
    concurrent_edits_of_one_version_accept_exactly_one,
    approve_schedules_reject_keeps_the_reason_and_illegal_moves_are_409,
    bulk_approve_spreads_a_bundle_smartly_and_a_bad_id_writes_nothing,
);
