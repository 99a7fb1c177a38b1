//! `GET /metrics`: Prometheus text with route templates, never raw ids.

use growth_core::domain::Role;
use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn requests_are_counted_and_timed_under_their_route_template() {
    let app = spawn_app().await;
    let token = app.token(Role::Viewer).await;
    let id = "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f";
    assert_eq!(app.get("/health").await.status(), 200);
    assert_eq!(app.req(Method::GET, &format!("/content/{id}"), &token).send().await.unwrap().status(), 404);
    assert_eq!(app.get("/no/such/route").await.status(), 404);
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = r.text().await.unwrap();
    let counted = |route: &str, status: &str| {
        text.lines().any(|l| {
            l.starts_with("growth_http_requests_total{")
                && l.contains("method=\"GET\"")
                && l.contains(&format!("route=\"{route}\""))
                && l.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(counted("/health", "200"), "{text}");
    assert!(counted("/content/{id}", "404"), "{text}");
    assert!(counted("unmatched", "404"), "{text}");
    assert!(text.contains("growth_http_request_duration_seconds_bucket{"), "{text}");
    assert!(!text.contains(id), "raw ids never become labels");
    assert!(!text.contains("/no/such/route"), "unknown paths never become labels");
}
