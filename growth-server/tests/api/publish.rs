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

crate::helpers::postgres_too!(
    an_item_goes_out_through_the_outbox_with_no_configuration_at_all,
    publishing_again_moves_the_one_pending_schedule_and_cancel_returns_the_item,
    bad_publish_requests_are_precise,
    the_worker_publishes_a_schedule_when_it_falls_due,
);
