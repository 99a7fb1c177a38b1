//! `POST /quality/check`: the live editor's report.

use growth_core::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_draft_full_of_slop_fails_with_findings_pointing_at_each_phrase() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let text = "In today's fast-paced world, it's important to delve into the ever-evolving landscape of PLG. \
        It's not just a strategy, it's a revolution.\n\nLet me know your thoughts!";
    let r = app
        .req(Method::POST, "/quality/check", &token)
        .json(&json!({"content": text, "content_type": "linkedin_post"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["passed"], false);
    let findings = report["findings"].as_array().unwrap();
    for phrase in ["delve", "fast-paced world", "ever-evolving"] {
        assert!(findings.iter().any(|f| f["text"].as_str().unwrap_or("").to_lowercase().contains(phrase)), "{phrase}: {findings:?}");
    }
    for f in findings {
        let (s, e) = (f["span"][0].as_u64().unwrap() as usize, f["span"][1].as_u64().unwrap() as usize);
        if e > s {
            assert_eq!(&text[s..e], f["text"].as_str().unwrap());
        }
    }
    let gates: Vec<&str> = report["verdicts"].as_array().unwrap().iter().map(|v| v["gate"].as_str().unwrap()).collect();
    assert_eq!(gates, ["slop", "hook", "cta", "length", "ai_likeness", "disfluency", "icp"]);
    assert!(report["ai_detection_score"].is_number());
    assert!(report["icp_score"].is_null(), "no ICP profiles yet");
}

#[tokio::test]
async fn with_an_icp_profile_the_report_scores_and_explains_the_fit() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let profile = json!({"pain_points": ["outbound stopped working"], "language_patterns": ["qualified demos", "board meeting"], "role": "VP Marketing"});
    assert_eq!(app.req(Method::POST, "/icp-profiles", &token).json(&profile).send().await.unwrap().status(), 201);
    let text = "Outbound stopped working for us. You've seen it in every board meeting: fewer qualified demos.\n\nReply and tell me what you tried.";
    let report: Value = app
        .req(Method::POST, "/quality/check", &token)
        .json(&json!({"content": text, "content_type": "linkedin_post"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let score = report["icp_score"].as_i64().unwrap();
    assert!(score >= 60, "{report}");
    assert_eq!(report["icp_passed"], true);
    let parts: Vec<&str> = report["icp"]["parts"].as_array().unwrap().iter().map(|p| p["part"].as_str().unwrap()).collect();
    assert_eq!(parts, ["language", "pain_points", "tone", "technical_level", "cta"]);
    assert!(report["icp"]["parts"][0]["matched"].as_array().unwrap().iter().any(|m| m == "qualified demos"), "{report}");
}

#[tokio::test]
async fn bad_check_requests_are_precise() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let r = app
        .req(Method::POST, "/quality/check", &token)
        .json(&json!({"content": "  ", "content_type": "linkedin_post"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "content");
    let r = app.req(Method::POST, "/quality/check", &token).json(&json!({"content": "x", "content_type": "tweet"})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = app
        .client
        .post(format!("{}/quality/check", app.address))
        .json(&json!({"content": "x", "content_type": "blog_post"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
