//! CORS from `http.cors_origins`.

use reqwest::Method;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const APP: &str = "https://app.example.com";

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, format!("{}/content/00000000-0000-0000-0000-000000000000", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PATCH")
        .header("Access-Control-Request-Headers", "authorization,if-match,content-type")
        .send()
        .await
        .unwrap()
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_preflight_from_a_configured_origin_is_allowed_with_the_headers_the_app_sends() {
    let app = spawn_app_with(|s| s.http.cors_origins = vec![APP.into()]).await;
    let r = preflight(&app, APP).await;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(header(&r, "access-control-allow-origin"), Some(APP));
    let methods = header(&r, "access-control-allow-methods").unwrap_or_default().to_ascii_lowercase();
    assert!(methods.contains("patch") && methods.contains("delete"), "{methods}");
    let headers = header(&r, "access-control-allow-headers").unwrap_or_default().to_ascii_lowercase();
    for h in ["authorization", "if-match", "if-none-match", "content-type"] {
        assert!(headers.contains(h), "{h} is allowed: {headers}");
    }
    assert_eq!(header(&r, "access-control-allow-credentials"), None, "tokens are headers, never cookies");

    let r = app.client.get(format!("{}/health", app.address)).header("Origin", APP).send().await.unwrap();
    assert_eq!(header(&r, "access-control-allow-origin"), Some(APP));
    let exposed = header(&r, "access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    for h in ["etag", "retry-after", "x-request-id"] {
        assert!(exposed.contains(h), "{h} is exposed: {exposed}");
    }
}

#[tokio::test]
async fn a_preflight_from_another_origin_gets_no_allow_origin() {
    let app = spawn_app_with(|s| s.http.cors_origins = vec![APP.into()]).await;
    let r = preflight(&app, "https://evil.example.net").await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_star_allows_any_origin_without_credentials() {
    let app = spawn_app_with(|s| s.http.cors_origins = vec!["*".into()]).await;
    let r = preflight(&app, "https://anywhere.example.org").await;
    assert_eq!(header(&r, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&r, "access-control-allow-credentials"), None);
}

#[tokio::test]
async fn without_configured_origins_there_are_no_cors_headers() {
    let app = spawn_app().await;
    let r = preflight(&app, APP).await;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    let r = app.client.get(format!("{}/health", app.address)).header("Origin", APP).send().await.unwrap();
    assert_eq!(header(&r, "access-control-allow-origin"), None);
}
