//! "Write content that answers this objection" end to end on the embedded defaults (offline
//! generator, SQLite or PostgreSQL): a call becomes objections, `POST /objections/{id}/generate`
//! answers 202 with a job, the job writes a piece from the objection, its quotes and the ICP
//! context, and the piece is linked back to the objection. And the learned preferences' admin
//! routes: list, rewrite, delete.

use std::time::Duration;

use growth_core::domain::{ContentType, Role};
use growth_core::learn::PreferenceRecord;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const DISCOVERY_CALL: &str = include_str!("../../../growth-core/tests/fixtures/sales_calls/discovery-call.txt");

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.req(method, path, token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls `GET /generate/status/{job}` until it is no longer `processing`.
async fn wait(app: &TestApp, token: &str, job: &str) -> Value {
    for _ in 0..600 {
        let (status, v) = send(app, Method::GET, &format!("/generate/status/{job}"), token, None).await;
        assert_eq!(status, 200, "{v}");
        if v["status"] != "processing" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the job did not finish");
}

#[tokio::test]
async fn content_answering_an_objection_is_written_from_it_and_linked_back() {
    let app = spawn_app().await;
    let approver = app.token(Role::Approver).await;
    let viewer = app.token(Role::Viewer).await;
    let body = json!({"text": DISCOVERY_CALL, "title": "Discovery call", "source_type": "sales_call", "source_id": "call-1"});
    let (status, got) = send(&app, Method::POST, "/sources", &approver, Some(body)).await;
    assert_eq!(status, 201, "{got}");
    let source = got["source"]["id"].as_str().unwrap().to_owned();
    let (status, extraction) = send(&app, Method::POST, "/icp-profiles/extract", &approver, Some(json!({"source_id": source}))).await;
    assert_eq!(status, 200, "{extraction}");
    let objection = extraction["objections"][0].clone();
    let quote = extraction["extracted"]["objections"][0]["quote"].as_str().unwrap().to_owned();
    let id = objection["id"].as_str().unwrap().to_owned();
    assert_eq!(objection["content_generated"], false);

    // Viewers may not ask; an unknown objection is 404; a bad type is 422.
    assert_eq!(send(&app, Method::POST, &format!("/objections/{id}/generate"), &viewer, None).await.0, 403);
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(send(&app, Method::POST, &format!("/objections/{unknown}/generate"), &approver, None).await.0, 404);
    let (status, bad) =
        send(&app, Method::POST, &format!("/objections/{id}/generate"), &approver, Some(json!({"content_types": ["tweet"]}))).await;
    assert_eq!(status, 422, "{bad}");

    // No body: one LinkedIn post.
    let r = app.req(Method::POST, &format!("/objections/{id}/generate"), &approver).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let accepted: Value = r.json().await.unwrap();
    assert_eq!(accepted["status"], "processing");
    let job = accepted["job_id"].as_str().unwrap().to_owned();
    let done = wait(&app, &approver, &job).await;
    assert_eq!(done["status"], "completed", "{done}");
    let items = done["generated_items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{done}");
    assert_eq!(items[0]["content_type"], "linkedin_post");
    let item_id = items[0]["id"].as_str().unwrap().to_owned();

    // The piece: written from the objection and the customer's words, in review.
    let (_, item) = send(&app, Method::GET, &format!("/content/{item_id}"), &viewer, None).await;
    assert_eq!(item["status"], "in_review", "{item}");
    let content = item["content"].as_str().unwrap();
    let words = |t: &str| t.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 3).map(str::to_lowercase).collect::<Vec<_>>();
    let said: Vec<String> = words(&quote);
    let shared = said.iter().filter(|w| content.to_lowercase().contains(w.as_str())).count();
    assert!(shared * 2 >= said.len(), "the piece draws on the customer's words ({quote}): {content}");

    // Linked back.
    let (_, listed) = send(&app, Method::GET, "/objections", &viewer, None).await;
    let o = listed["objections"].as_array().unwrap().iter().find(|o| o["id"] == id.as_str()).unwrap().clone();
    assert_eq!(o["content_generated"], true, "{o}");
    assert_eq!(o["content_item_ids"], json!([item_id]), "{o}");

    // Two types asked: two more pieces, all linked.
    let (status, accepted) = send(
        &app,
        Method::POST,
        &format!("/objections/{id}/generate"),
        &approver,
        Some(json!({"content_types": ["newsletter", "linkedin_post"]})),
    )
    .await;
    assert_eq!(status, 202, "{accepted}");
    let done = wait(&app, &approver, accepted["job_id"].as_str().unwrap()).await;
    assert_eq!(done["generated_items"].as_array().unwrap().len(), 2, "{done}");
    let (_, listed) = send(&app, Method::GET, "/objections", &viewer, None).await;
    let o = listed["objections"].as_array().unwrap().iter().find(|o| o["id"] == id.as_str()).unwrap().clone();
    assert_eq!(o["content_item_ids"].as_array().unwrap().len(), 3, "{o}");
}

#[tokio::test]
async fn an_admin_reads_rewrites_and_deletes_learned_preferences() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let approver = app.token(Role::Approver).await;
    let record = |text: &str| PreferenceRecord {
        id: uuid::Uuid::now_v7(),
        content_type: ContentType::LinkedinPost,
        content_item_id: None,
        context_embedding: vec![0.5; 8],
        preference: text.into(),
        created_at: chrono::Utc::now(),
    };
    let a = app.state.engine.store().insert_preference(record("short sentences, no emoji")).await.unwrap();
    let b = app.state.engine.store().insert_preference(record("end with a question")).await.unwrap();

    let (status, list) = send(&app, Method::GET, "/learning/preferences", &admin, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!((list["total"].as_u64(), list["learning"].as_bool()), (Some(2), Some(false)), "offline: nothing new is learned");
    assert_eq!(list["preferences"][0]["preference"], "short sentences, no emoji");
    assert_eq!(list["preferences"][0]["context_dimensions"], 8);
    assert_eq!(send(&app, Method::GET, "/learning/preferences", &approver, None).await.0, 403);
    let (_, none) = send(&app, Method::GET, "/learning/preferences?content_type=newsletter", &admin, None).await;
    assert_eq!(none["total"], 0);

    let (status, edited) =
        send(&app, Method::PATCH, &format!("/learning/preferences/{}", a.id), &admin, Some(json!({"preference": " short sentences "})))
            .await;
    assert_eq!((status, edited["preference"].as_str()), (200, Some("short sentences")), "{edited}");
    let (status, empty) =
        send(&app, Method::PATCH, &format!("/learning/preferences/{}", a.id), &admin, Some(json!({"preference": "  "}))).await;
    assert_eq!(status, 422, "{empty}");

    let r = app.req(Method::DELETE, &format!("/learning/preferences/{}", b.id), &admin).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(send(&app, Method::DELETE, &format!("/learning/preferences/{}", b.id), &admin, None).await.0, 404);
    assert_eq!(send(&app, Method::DELETE, "/learning/preferences/not-an-id", &admin, None).await.0, 404);
    let (_, list) = send(&app, Method::GET, "/learning/preferences", &admin, None).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["preferences"][0]["preference"], "short sentences");
}

crate::helpers::postgres_too!(
    content_answering_an_objection_is_written_from_it_and_linked_back,
    an_admin_reads_rewrites_and_deletes_learned_preferences
);
