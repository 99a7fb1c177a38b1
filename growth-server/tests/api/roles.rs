//! The role matrix: every protected route × {no token, viewer, approver, admin}. Without a token
//! it is 401; below the route's role 403; at or above it anything but 401/403 (the bodies are
//! well-formed so that the role check, not validation, decides for the roles that are too small).

use growth_core::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const ID: &str = "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f";

/// Method, path, body (`None`: no body), the smallest role allowed.
fn routes() -> Vec<(Method, String, Option<Value>, Role)> {
    use Role::{Admin, Approver, Viewer};
    let knowledge = json!({"item_type": "playbook", "title": "T", "content": "Open with the problem."});
    let icp = json!({"pain_points": ["slow onboarding"], "role": "Head of Growth"});
    vec![
        (Method::GET, "/me".into(), None, Viewer),
        (Method::GET, "/sources".into(), None, Viewer),
        (Method::GET, format!("/sources/{ID}"), None, Viewer),
        (Method::POST, "/sources".into(), Some(json!({"text": "Wes: onboarding is the product.", "title": "Notes"})), Approver),
        (Method::GET, "/knowledge".into(), None, Viewer),
        (Method::GET, "/knowledge/search?q=onboarding".into(), None, Viewer),
        (Method::GET, format!("/knowledge/{ID}"), None, Viewer),
        (Method::POST, "/knowledge".into(), Some(knowledge.clone()), Approver),
        (Method::PUT, format!("/knowledge/{ID}"), Some(knowledge), Approver),
        (Method::DELETE, format!("/knowledge/{ID}"), None, Approver),
        (Method::GET, "/icp-profiles".into(), None, Viewer),
        (Method::GET, format!("/icp-profiles/{ID}"), None, Viewer),
        (Method::POST, "/icp-profiles".into(), Some(icp.clone()), Approver),
        (Method::PUT, format!("/icp-profiles/{ID}"), Some(icp), Approver),
        (Method::DELETE, format!("/icp-profiles/{ID}"), None, Approver),
        (Method::GET, "/objections".into(), None, Viewer),
        (Method::POST, "/quality/check".into(), Some(json!({"content": "Hello.", "content_type": "linkedin_post"})), Viewer),
        (Method::GET, "/content/pending".into(), None, Viewer),
        (Method::GET, format!("/content/{ID}"), None, Viewer),
        (Method::GET, format!("/content/{ID}/versions"), None, Viewer),
        (Method::GET, format!("/content/{ID}/edits"), None, Viewer),
        (Method::PATCH, format!("/content/{ID}"), Some(json!({"content": "Edited."})), Approver),
        (Method::POST, format!("/content/{ID}/approve"), None, Approver),
        (Method::POST, format!("/content/{ID}/reject"), Some(json!({"reason": "off-voice"})), Approver),
        (Method::POST, "/content/bulk-approve".into(), Some(json!({"content_ids": [ID]})), Approver),
        (Method::POST, "/generate/podcast".into(), Some(json!({"source_type": "text", "source_data": "Wes: hi."})), Approver),
        (Method::GET, format!("/generate/status/{ID}"), None, Viewer),
        (Method::POST, format!("/publish/{ID}"), None, Approver),
        (Method::GET, format!("/publish/status/{ID}"), None, Viewer),
        (Method::POST, format!("/publish/{ID}/cancel"), None, Approver),
        (Method::POST, format!("/publish/{ID}/reschedule"), Some(json!({"schedule_time": "2031-01-01T09:00:00Z"})), Approver),
        (Method::POST, format!("/publish/{ID}/reconcile"), None, Approver),
        (Method::GET, "/users".into(), None, Admin),
        (Method::POST, "/users/invite".into(), Some(json!({"email": "new-hire@example.com", "role": "viewer"})), Admin),
    ]
}

fn rank(r: Role) -> u8 {
    match r {
        Role::Viewer => 0,
        Role::Approver => 1,
        _ => 2,
    }
}

async fn send(app: &TestApp, method: &Method, path: &str, body: Option<&Value>, token: Option<&str>) -> u16 {
    let mut req = app.client.request(method.clone(), format!("{}{path}", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_protected_route_wants_a_token_and_its_role() {
    let app = spawn_app_with(|s| {
        s.http.rate_limit_per_ip = 0;
        s.http.rate_limit_per_user = 0;
    })
    .await;
    let tokens = [
        (Role::Viewer, app.token(Role::Viewer).await),
        (Role::Approver, app.token(Role::Approver).await),
        (Role::Admin, app.token(Role::Admin).await),
    ];
    let mut wrong = Vec::new();
    for (method, path, body, min) in routes() {
        let status = send(&app, &method, &path, body.as_ref(), None).await;
        if status != 401 {
            wrong.push(format!("{method} {path} without a token: {status}, want 401"));
        }
        for (role, token) in &tokens {
            let status = send(&app, &method, &path, body.as_ref(), Some(token)).await;
            let allowed = rank(*role) >= rank(min);
            if allowed && matches!(status, 401 | 403) {
                wrong.push(format!("{method} {path} as {role}: {status}, want neither 401 nor 403"));
            }
            if !allowed && status != 403 {
                wrong.push(format!("{method} {path} as {role}: {status}, want 403"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn public_routes_answer_without_a_token() {
    let app = spawn_app_with(|s| s.http.rate_limit_per_ip = 0).await;
    for (method, path, body) in [
        (Method::GET, "/health", None),
        (Method::GET, "/ready", None),
        (Method::GET, "/metrics", None),
        (Method::GET, "/openapi.json", None),
        (Method::GET, "/docs/", None),
        (Method::POST, "/auth/login", Some(json!({"email": "a@example.com", "provider": "email", "password": "nope-nope-nope"}))),
        (Method::POST, "/auth/refresh", Some(json!({"refresh_token": "x"}))),
        (Method::POST, "/auth/logout", Some(json!({"refresh_token": "x"}))),
        (Method::POST, "/auth/accept-invite", Some(json!({"invite_token": "x", "password": "a long enough passphrase"}))),
    ] {
        let status = send(&app, &method, path, body.as_ref(), None).await;
        assert_ne!(status, 403, "{method} {path}");
        // Sign-in routes answer 401 for wrong credentials, which is their job, not a missing token.
        if !path.starts_with("/auth/") {
            assert!((200..300).contains(&status), "{method} {path}: {status}");
        }
    }
}

crate::helpers::postgres_too!(every_protected_route_wants_a_token_and_its_role,);
