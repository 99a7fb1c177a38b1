//! Publishing through the API on the default configuration: the outbox takes the post, with no
//! platform account at all; one schedule per item and platform; cancel; the worker's loop.

use std::time::Duration;

use chrono::Utc;
use growth_core::domain::{ContentType, NewContentItem, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn item(app: &TestApp, t: ContentType) -> String {
    let i = NewContentItem::draft(t, Some("Pricing lessons".into()), "We priced at $49.\n\nReply with your question.");
    app.state.engine.store().insert_content(i).await.unwrap().id.to_string()
}

#[tokio::test]
async fn an_item_goes_out_through_the_outbox_with_no_configuration_at_all() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let id = item(&app, ContentType::LinkedinPost).await;
    let r = app.req(Method::POST, &format!("/publish/{id}"), &token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "published", "{v}");
    let url = v["published_url"].as_str().unwrap();
    assert!(url.starts_with("file://"), "{url}");
    let path = url.trim_start_matches("file://");
    assert!(std::fs::read_to_string(path).unwrap().contains("We priced at $49."));
    let s: Value = app
        .req(Method::GET, &format!("/publish/status/{}", v["schedule_id"].as_str().unwrap()), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((s["status"].as_str(), s["via"].as_str()), (Some("published"), Some("outbox")));
    assert!(s["published_at"].is_string() && s["published_url"] == v["published_url"]);
    let content: Value = app.req(Method::GET, &format!("/content/{id}"), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(content["status"], "published");
    // Published items are not published again.
    assert_eq!(app.req(Method::POST, &format!("/publish/{id}"), &token).send().await.unwrap().status(), 409);
}

#[tokio::test]
async fn publishing_again_moves_the_one_pending_schedule_and_cancel_returns_the_item() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let id = item(&app, ContentType::Newsletter).await;
    let first = (Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let v: Value = app
        .req(Method::POST, &format!("/publish/{id}"), &token)
        .json(&json!({"schedule_time": first}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((v["status"].as_str(), v["platform"].as_str()), (Some("scheduled"), Some("customer_io")));
    let later = (Utc::now() + chrono::Duration::days(4)).to_rfc3339();
    let w: Value = app
        .req(Method::POST, &format!("/publish/{id}"), &token)
        .json(&json!({"schedule_time": later}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(w["schedule_id"], v["schedule_id"], "the same schedule, moved");
    assert_ne!(w["scheduled_for"], v["scheduled_for"]);
    let sid = v["schedule_id"].as_str().unwrap();
    let c: Value = app.req(Method::POST, &format!("/publish/{sid}/cancel"), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(c["status"], "cancelled");
    let content: Value = app.req(Method::GET, &format!("/content/{id}"), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(content["status"], "approved");
    assert_eq!(app.req(Method::POST, &format!("/publish/{sid}/cancel"), &token).send().await.unwrap().status(), 409);
}

#[tokio::test]
async fn bad_publish_requests_are_precise() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let id = item(&app, ContentType::LinkedinPost).await;
    let past = (Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    assert_eq!(
        app.req(Method::POST, &format!("/publish/{id}"), &token).json(&json!({"schedule_time": past})).send().await.unwrap().status(),
        422
    );
    assert_eq!(
        app.req(Method::POST, &format!("/publish/{id}"), &token).json(&json!({"platform": "notion"})).send().await.unwrap().status(),
        422
    );
    assert_eq!(
        app.req(Method::POST, &format!("/publish/{id}"), &token).json(&json!({"platform": "myspace"})).send().await.unwrap().status(),
        422
    );
    assert_eq!(
        app.req(Method::POST, &format!("/publish/{id}"), &token)
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(app.req(Method::POST, &format!("/publish/{}", uuid::Uuid::now_v7()), &token).send().await.unwrap().status(), 404);
    assert_eq!(app.req(Method::GET, &format!("/publish/status/{}", uuid::Uuid::now_v7()), &token).send().await.unwrap().status(), 404);
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(app.req(Method::POST, &format!("/publish/{id}"), &viewer).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_worker_publishes_a_schedule_when_it_falls_due() {
    let app = spawn_app_with(|s| s.publishing.interval_secs = 1).await;
    let token = app.token(Role::Approver).await;
    let id = item(&app, ContentType::BlogPost).await;
    let at = (Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let v: Value = app
        .req(Method::POST, &format!("/content/{id}/approve"), &token)
        .json(&json!({"schedule_time": at}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = v["schedule_id"].as_str().unwrap().to_owned();
    for _ in 0..100 {
        let s: Value = app.req(Method::GET, &format!("/publish/status/{sid}"), &token).send().await.unwrap().json().await.unwrap();
        if s["status"] == "published" {
            assert_eq!(s["platform"], "webflow");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the schedule was not published by the worker");
}

/// A LinkedIn account on a fake that takes `delay` to answer `POST /rest/posts`.
async fn slow_linkedin(delay: Duration) -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .respond_with(
            wiremock::ResponseTemplate::new(201).insert_header("x-restli-id", "urn:li:share:7012345678901234567").set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

fn linkedin_settings(server: &wiremock::MockServer) -> growth_adapters::linkedin::LinkedInConfig {
    serde_json::from_value(json!({
        "access_token": "t", "api_version": "202601", "author": "urn:li:person:8675309", "base_url": server.uri()
    }))
    .unwrap()
}

#[tokio::test]
async fn publishing_now_claims_only_this_schedule_and_answers_202_while_the_send_goes_on() {
    let server = slow_linkedin(Duration::from_millis(1500)).await;
    let app = spawn_app_with(|s| {
        s.publishing.linkedin = Some(linkedin_settings(&server));
        s.publishing.now_wait_ms = 100;
        s.publishing.interval_secs = 3600;
    })
    .await;
    let token = app.token(Role::Approver).await;
    // Someone else's post, due now, that the loop has not sent yet: publish-now must not touch it.
    let other = item(&app, ContentType::BlogPost).await;
    let soon = (Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let o: Value = app
        .req(Method::POST, &format!("/content/{other}/approve"), &token)
        .json(&json!({"schedule_time": soon}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let id = item(&app, ContentType::LinkedinPost).await;
    let r = app.req(Method::POST, &format!("/publish/{id}"), &token).send().await.unwrap();
    assert_eq!(r.status(), 202, "the send outlasts the short wait");
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["status"].as_str(), v["schedule_status"].as_str()), (Some("publishing"), Some("claimed")), "{v}");
    let sid = v["schedule_id"].as_str().unwrap().to_owned();
    let mut done = Value::Null;
    for _ in 0..100 {
        done = app.req(Method::GET, &format!("/publish/status/{sid}"), &token).send().await.unwrap().json().await.unwrap();
        if done["status"] == "published" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "published", "the detached send finished after the answer: {done}");
    assert_eq!((done["attempt"].as_i64(), done["last_attempt_at"].is_string()), (Some(1), true));
    let theirs: Value = app
        .req(Method::GET, &format!("/publish/status/{}", o["schedule_id"].as_str().unwrap()), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["status"], "pending", "publish-now sent nobody else's due post");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "one send");
}

/// Puts `id` (approved and scheduled) into `unknown` the way a timed-out send does.
async fn unknown_schedule(app: &TestApp, id: &str) -> String {
    use growth_core::domain::{ContentId, ScheduleOutcome};
    let id: ContentId = id.parse().unwrap();
    let store = app.state.engine.store();
    let write = growth_core::store::ApprovalWrite {
        content_item_id: id,
        platform: growth_core::domain::Platform::LINKEDIN,
        scheduled_time: Utc::now() + chrono::Duration::days(1),
        timezone: "UTC".into(),
    };
    let (_, s) = store.approve_and_schedule(&[write]).await.unwrap().remove(0);
    store.claim_schedule(s.id, "w-test", Duration::from_secs(60)).await.unwrap().unwrap();
    let s = store.start_attempt(s.id, "w-test").await.unwrap();
    store.finish_attempt(s.id, "w-test", s.attempt, ScheduleOutcome::Unknown { error: "timeout after send".into() }).await.unwrap();
    s.id.to_string()
}

#[tokio::test]
async fn an_unknown_outcome_is_resolved_by_an_admin_and_audited() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let approver = app.token(Role::Approver).await;
    let id = item(&app, ContentType::LinkedinPost).await;
    let sid = unknown_schedule(&app, &id).await;
    let url = format!("/publish/{sid}/resolve");
    let body = json!({"outcome": "published", "url": "https://www.linkedin.com/feed/update/urn:li:share:1/"});
    assert_eq!(app.req(Method::POST, &url, &approver).json(&body).send().await.unwrap().status(), 403, "admins only");
    for bad in [json!({"outcome": "published"}), json!({"outcome": "maybe"}), json!({"outcome": "published", "url": "not a url"})] {
        let r = app.req(Method::POST, &url, &admin).json(&bad).send().await.unwrap();
        assert!(matches!(r.status().as_u16(), 400 | 422), "{bad}: {}", r.status());
    }
    let r = app.req(Method::POST, &url, &admin).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["status"].as_str(), v["published_url"].as_str()), (Some("published"), body["url"].as_str()));
    let content: Value = app.req(Method::GET, &format!("/content/{id}"), &admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(content["status"], "published");
    let logs = app.state.engine.store().list_publish_logs(id.parse().unwrap()).await.unwrap();
    let audit = logs.last().unwrap();
    assert!(audit.request_payload["resolved_by"].as_str().is_some_and(|a| !a.is_empty() && a != "unknown"), "{audit:?}");
    assert_eq!(app.req(Method::POST, &url, &admin).json(&body).send().await.unwrap().status(), 409, "only an unknown outcome");

    // Not published: the schedule fails (a person reschedules it to send it).
    let id = item(&app, ContentType::LinkedinPost).await;
    let sid = unknown_schedule(&app, &id).await;
    let r =
        app.req(Method::POST, &format!("/publish/{sid}/resolve"), &admin).json(&json!({"outcome": "not_published"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "failed");
    let content: Value = app.req(Method::GET, &format!("/content/{id}"), &admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(content["status"], "failed");
}

#[tokio::test]
async fn an_unknown_outcome_can_be_cancelled_or_rescheduled() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let id = item(&app, ContentType::LinkedinPost).await;
    let sid = unknown_schedule(&app, &id).await;
    let c: Value = app.req(Method::POST, &format!("/publish/{sid}/cancel"), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(c["status"], "cancelled");

    let id = item(&app, ContentType::LinkedinPost).await;
    let sid = unknown_schedule(&app, &id).await;
    let later = (Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let r =
        app.req(Method::POST, &format!("/publish/{sid}/reschedule"), &token).json(&json!({"schedule_time": later})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "pending");
}

crate::helpers::postgres_too!(
    publishing_now_claims_only_this_schedule_and_answers_202_while_the_send_goes_on,
    an_unknown_outcome_is_resolved_by_an_admin_and_audited,
    an_unknown_outcome_can_be_cancelled_or_rescheduled,
    an_item_goes_out_through_the_outbox_with_no_configuration_at_all,
    publishing_again_moves_the_one_pending_schedule_and_cancel_returns_the_item,
    bad_publish_requests_are_precise,
    the_worker_publishes_a_schedule_when_it_falls_due,
);
