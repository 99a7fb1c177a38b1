//! Learning through the API: reviewers' edits become proposed rules, an admin approves, edits,
//! rolls back and retires them, active rules shape generation and the slop gate; a call becomes
//! an ICP profile and objections with verbatim quotes.

use growth_core::domain::{ContentType, NewContentItem, Role};
use growth_core::generate::GenerationRequest;
use growth_core::quality::DraftUnderReview;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const FOUNDERS_TALK: &str = include_str!("../../../growth-core/tests/fixtures/transcripts/changelog/founders-talk-55.md");
const DISCOVERY_CALL: &str = include_str!("../../../growth-core/tests/fixtures/sales_calls/discovery-call.txt");

/// Whole-word, case-insensitive.
fn says(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'').any(|w| w.eq_ignore_ascii_case(word))
}

/// A post of about 45 words with "really" twice.
fn post(i: usize) -> String {
    format!(
        "Story {i}: we really grew revenue by 38% after we cut the free plan and asked every trial user one question about pricing.\n\n\
         The team really cared about onboarding, so we rewrote the first email and measured activation every week for a quarter.\n\n\
         Reply with your pricing question."
    )
}

/// `n` posts edited by an approver through `PATCH /content/{id}`, each time deleting "really".
async fn reviewer_deletes_really(app: &TestApp, n: usize) {
    let approver = app.token(Role::Approver).await;
    for i in 0..n {
        let text = post(i);
        let item = app.state.engine.store().insert_content(NewContentItem::draft(ContentType::LinkedinPost, None, &text)).await.unwrap();
        let edited = text.replace("we really grew", "we grew").replace("really cared", "cared");
        let r = app.req(Method::PATCH, &format!("/content/{}", item.id), &approver).json(&json!({"content": edited})).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.req(method, path, token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn offline_drafts(app: &TestApp) -> Vec<String> {
    let req = GenerationRequest {
        content_type: ContentType::LinkedinPost,
        count: 7,
        system: Vec::new(),
        instruction: String::new(),
        source_text: FOUNDERS_TALK.to_owned(),
        source_title: Some("Founders Talk 55".into()),
        max_tokens: None,
    };
    app.state.engine.generator().generate(req).await.unwrap().drafts.into_iter().map(|d| d.content).collect()
}

#[tokio::test]
async fn rules_are_mined_reviewed_applied_and_rolled_back_end_to_end() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    let approver = app.token(Role::Approver).await;

    // Nothing recorded yet: nothing proposed. Only admins may mine.
    let (status, run) = send(&app, Method::POST, "/learning/run", &admin, None).await;
    assert_eq!((status, run["proposed"].as_array().unwrap().len()), (200, 0), "{run}");
    assert_eq!(send(&app, Method::POST, "/learning/run", &approver, None).await.0, 403);
    assert_eq!(send(&app, Method::GET, "/learning/rules", &approver, None).await.0, 403);

    // Before any rule, the offline generator keeps the speakers' "really".
    assert!(offline_drafts(&app).await.iter().any(|d| says(d, "really")), "the fixture must exercise the rule");

    reviewer_deletes_really(&app, 4).await;
    let (status, run) = send(&app, Method::POST, "/learning/run", &admin, None).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!((run["edits_read"].as_u64().unwrap() >= 4, run["saves"].as_u64()), (true, Some(4)), "{run}");
    let proposed = run["proposed"].as_array().unwrap();
    let rule =
        proposed.iter().find(|r| r["kind"] == json!({"kind": "banned_phrase", "phrase": "really"})).unwrap_or_else(|| panic!("{run}"));
    assert_eq!((rule["status"].as_str(), rule["version"].as_u64(), rule["support"].as_u64()), (Some("proposed"), Some(1), Some(4)));
    assert_eq!(rule["provenance"].as_array().unwrap().len(), 8, "the edit spans behind it: two per save");
    let id = rule["id"].as_str().unwrap().to_owned();
    // Mining again proposes nothing new.
    let (_, again) = send(&app, Method::POST, "/learning/run", &admin, None).await;
    assert!(again["proposed"].as_array().unwrap().iter().all(|r| r["id"] != id.as_str()), "{again}");

    let (_, listed) = send(&app, Method::GET, "/learning/rules?status=proposed", &admin, None).await;
    assert!(listed["rules"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str()), "{listed}");
    assert_eq!(send(&app, Method::GET, "/learning/rules?status=bogus", &admin, None).await.0, 422);

    // Approve: active, in the generator and in the slop gate.
    let (status, approved) = send(&app, Method::POST, &format!("/learning/rules/{id}/approve"), &admin, None).await;
    assert_eq!((status, approved["rule"]["status"].as_str()), (200, Some("active")), "{approved}");
    assert_eq!(send(&app, Method::POST, &format!("/learning/rules/{id}/approve"), &admin, None).await.0, 409, "already active");
    for d in offline_drafts(&app).await {
        assert!(!says(&d, "really"), "an active banned phrase is applied to every offline draft: {d}");
    }
    let draft = DraftUnderReview { content_type: ContentType::LinkedinPost, title: None, content: post(9) };
    let report = app.state.engine.quality().report(&draft).await.unwrap();
    let slop = report.verdicts.iter().find(|v| v.gate == "slop").unwrap();
    assert!(!slop.passed);
    assert!(slop.findings.iter().any(|f| f.text == "really" && f.message == "reviewers delete \"really\" (learned rule)"), "{slop:?}");

    // Edit: version 2 says "very" and is active at once; version 1 is retired.
    let path = format!("/learning/rules/{id}");
    let (status, edited) =
        send(&app, Method::PATCH, &path, &admin, Some(json!({"rule": {"kind": "banned_phrase", "phrase": "very"}}))).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!((edited["rule"]["version"].as_u64(), edited["rule"]["status"].as_str()), (Some(2), Some("active")));
    assert_eq!((edited["also_changed"][0]["version"].as_u64(), edited["also_changed"][0]["status"].as_str()), (Some(1), Some("retired")));
    assert!(offline_drafts(&app).await.iter().any(|d| says(d, "really")), "v1 is out of use");

    // Roll back: version 1 is active again, version 2 retired.
    let (status, back) = send(&app, Method::POST, &format!("/learning/rules/{id}/rollback"), &admin, None).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!((back["rule"]["version"].as_u64(), back["rule"]["status"].as_str()), (Some(1), Some("active")));
    let (_, history) = send(&app, Method::GET, &path, &admin, None).await;
    let statuses: Vec<(u64, &str)> =
        history["rules"].as_array().unwrap().iter().map(|r| (r["version"].as_u64().unwrap(), r["status"].as_str().unwrap())).collect();
    assert_eq!(statuses, vec![(1, "active"), (2, "retired")]);
    for d in offline_drafts(&app).await {
        assert!(!says(&d, "really"), "{d}");
    }

    // Retire: out of use; nothing left to roll back.
    let (status, retired) = send(&app, Method::POST, &format!("/learning/rules/{id}/retire"), &admin, None).await;
    assert_eq!((status, retired["rule"]["status"].as_str()), (200, Some("retired")));
    assert_eq!(send(&app, Method::POST, &format!("/learning/rules/{id}/rollback"), &admin, None).await.0, 409);
    assert!(offline_drafts(&app).await.iter().any(|d| says(d, "really")));
    let (_, active) = send(&app, Method::GET, "/learning/rules?status=active", &admin, None).await;
    assert_eq!(active["total"], 0, "{active}");

    // Best time with no published post yet: a slot from the prior, after now.
    let (status, best) = send(&app, Method::GET, "/learning/best-time?platform=linkedin", &approver, None).await;
    assert_eq!(status, 200, "{best}");
    assert_eq!(best["predicted_engagement"]["from_prior"], true, "{best}");
    assert!(best["best_publish_time"].as_str().unwrap() > chrono::Utc::now().to_rfc3339().as_str());
    assert_eq!(send(&app, Method::GET, "/learning/best-time?platform=", &approver, None).await.0, 422);
    assert_eq!(send(&app, Method::GET, "/learning/best-time?platform=linkedin", &app.token(Role::Viewer).await, None).await.0, 403);
}

#[tokio::test]
async fn bad_rule_changes_are_precise_problems_and_write_nothing() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin).await;
    reviewer_deletes_really(&app, 3).await;
    let (_, run) = send(&app, Method::POST, "/learning/run", &admin, None).await;
    let id =
        run["proposed"].as_array().unwrap().iter().find(|r| r["kind"]["phrase"] == "really").unwrap()["id"].as_str().unwrap().to_owned();
    let path = format!("/learning/rules/{id}");
    let before = app.state.engine.learning().rule_history(id.parse().unwrap()).await.unwrap();

    let (status, p) = send(&app, Method::PATCH, &path, &admin, Some(json!({"rule": {"kind": "max_words", "max": 3}}))).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("max")), "{p}");
    let (status, p) = send(&app, Method::PATCH, &path, &admin, Some(json!({"content_type": "tiktok"}))).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("content_type")), "{p}");
    assert_eq!(send(&app, Method::PATCH, &path, &admin, Some(json!({}))).await.0, 422, "nothing to change");
    assert_eq!(send(&app, Method::PATCH, &path, &admin, Some(json!({"rule": {"kind": "shout"}}))).await.0, 422);
    assert_eq!(send(&app, Method::POST, &format!("{path}/approve"), &admin, Some(json!({"version": 7}))).await.0, 404);
    assert_eq!(send(&app, Method::POST, &format!("{path}/rollback"), &admin, None).await.0, 409, "nothing active");
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(send(&app, Method::POST, &format!("/learning/rules/{unknown}/approve"), &admin, None).await.0, 404);
    assert_eq!(send(&app, Method::POST, "/learning/rules/not-a-uuid/retire", &admin, None).await.0, 404);
    assert_eq!(app.state.engine.learning().rule_history(id.parse().unwrap()).await.unwrap(), before, "nothing was written");

    // Editing a proposal keeps it proposed (version 2), and the explicit version is approved.
    let (status, e) = send(&app, Method::PATCH, &path, &admin, Some(json!({"content_type": null}))).await;
    assert_eq!((status, e["rule"]["status"].as_str(), e["rule"]["content_type"].clone()), (200, Some("proposed"), Value::Null), "{e}");
    let (status, a) = send(&app, Method::POST, &format!("{path}/approve"), &admin, Some(json!({"version": 2}))).await;
    assert_eq!((status, a["rule"]["version"].as_u64()), (200, Some(2)), "{a}");
}

#[tokio::test]
async fn a_call_becomes_an_icp_profile_and_objections_with_verbatim_quotes() {
    let app = spawn_app().await;
    let approver = app.token(Role::Approver).await;
    let viewer = app.token(Role::Viewer).await;
    let mut sources = Vec::new();
    for i in 0..2 {
        let body = json!({"text": DISCOVERY_CALL, "title": format!("Discovery call {i}"), "source_type": "sales_call", "source_id": format!("call-{i}")});
        let (status, got) = send(&app, Method::POST, "/sources", &approver, Some(body)).await;
        assert_eq!(status, 201, "{got}");
        sources.push(got["source"]["id"].as_str().unwrap().to_owned());
    }

    let (status, first) = send(&app, Method::POST, "/icp-profiles/extract", &approver, Some(json!({"source_id": sources[0]}))).await;
    assert_eq!(status, 200, "{first}");
    let extracted = &first["extracted"];
    assert_eq!(extracted["customer_speakers"], json!(["Marcus Lee"]), "{extracted}");
    assert_eq!(first["profile"]["role"], "VP of Growth", "{first}");
    assert_eq!(first["profile"]["source_id"], sources[0].as_str());
    for list in ["pain_points", "goals", "objections", "language_patterns"] {
        let items = extracted[list].as_array().unwrap();
        assert!(!items.is_empty() || list == "language_patterns", "{list}: {extracted}");
        for item in items {
            assert_eq!(item["speaker"], "Marcus Lee", "{item}");
            let quote = item["quote"].as_str().unwrap();
            assert!(DISCOVERY_CALL.contains(quote), "a verbatim quote: {quote}");
        }
    }
    let objections = first["objections"].as_array().unwrap();
    assert!(!objections.is_empty());
    assert!(objections.iter().all(|o| o["frequency"] == 1), "{objections:?}");

    // The same objections on a second call are mentions of the known ones, not new rows.
    let (_, second) = send(&app, Method::POST, "/icp-profiles/extract", &approver, Some(json!({"source_id": sources[1]}))).await;
    assert!(second["objections"].as_array().unwrap().iter().all(|o| o["frequency"] == 2), "{second}");
    let (_, listed) = send(&app, Method::GET, "/objections", &viewer, None).await;
    assert_eq!(listed["total"].as_u64(), Some(objections.len() as u64), "{listed}");
    let (_, profiles) = send(&app, Method::GET, "/icp-profiles", &viewer, None).await;
    assert_eq!(profiles["total"], 2);

    // The daily job reads each new call once: a third call gets its profile, the two above are not read again.
    let body = json!({"text": DISCOVERY_CALL, "title": "Discovery call 2", "source_type": "sales_call", "source_id": "call-2"});
    let (_, third) = send(&app, Method::POST, "/sources", &approver, Some(body)).await;
    let third = third["source"]["id"].as_str().unwrap().to_owned();
    let store = app.state.engine.store();
    for _ in 0..500 {
        if store.get_source(third.parse().unwrap()).await.unwrap().status == growth_core::domain::SourceStatus::Completed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let since = app.state.engine.clock().now() - chrono::Duration::days(2);
    assert_eq!(app.state.engine.learning().update_icp_profiles(since).await.unwrap(), 1);
    assert_eq!(app.state.engine.learning().update_icp_profiles(since).await.unwrap(), 0);
    let (_, profiles) = send(&app, Method::GET, "/icp-profiles", &viewer, None).await;
    assert_eq!(profiles["total"], 3);
    assert!(profiles["profiles"].as_array().unwrap().iter().any(|p| p["source_id"] == third.as_str()));
    let (_, listed) = send(&app, Method::GET, "/objections", &viewer, None).await;
    assert!(listed["objections"].as_array().unwrap().iter().all(|o| o["frequency"] == 3), "{listed}");

    // Roles and bad input.
    assert_eq!(send(&app, Method::POST, "/icp-profiles/extract", &viewer, Some(json!({"source_id": sources[0]}))).await.0, 403);
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(send(&app, Method::POST, "/icp-profiles/extract", &approver, Some(json!({"source_id": unknown}))).await.0, 404);
    assert_eq!(send(&app, Method::POST, "/icp-profiles/extract", &approver, Some(json!({"source": "x"}))).await.0, 422);
    let body = json!({"text": "pricing pages convert when they show the number and nobody hides it", "source_type": "sales_call", "source_id": "no-speakers"});
    let (_, plain) = send(&app, Method::POST, "/sources", &approver, Some(body)).await;
    let (status, p) = send(&app, Method::POST, "/icp-profiles/extract", &approver, Some(json!({"source_id": plain["source"]["id"]}))).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(profiles["total"], send(&app, Method::GET, "/icp-profiles", &viewer, None).await.1["total"], "nothing written");
}

crate::helpers::postgres_too!(
    rules_are_mined_reviewed_applied_and_rolled_back_end_to_end,
    bad_rule_changes_are_precise_problems_and_write_nothing,
    a_call_becomes_an_icp_profile_and_objections_with_verbatim_quotes,
);
