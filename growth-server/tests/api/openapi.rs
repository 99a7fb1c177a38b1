//! `GET /openapi.json` (OpenAPI 3.1 from the code) and Swagger UI at `/docs`, offline.

use serde_json::Value;

use crate::helpers::spawn_app;

/// Every route the router serves (method, path template), docs and metrics included.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/metrics"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/accept-invite"),
    ("get", "/me"),
    ("get", "/users"),
    ("post", "/users/invite"),
    ("patch", "/users/{id}"),
    ("post", "/users/{id}/disable"),
    ("post", "/users/{id}/enable"),
    ("post", "/users/{id}/reset-password"),
    ("post", "/webhooks/grain"),
    ("post", "/webhooks/grain/{token}"),
    ("post", "/webhooks/riverside"),
    ("post", "/webhooks/riverside/{token}"),
    ("get", "/sources"),
    ("post", "/sources"),
    ("get", "/sources/{id}"),
    ("delete", "/sources/{id}"),
    ("get", "/knowledge"),
    ("post", "/knowledge"),
    ("get", "/knowledge/search"),
    ("get", "/knowledge/{id}"),
    ("put", "/knowledge/{id}"),
    ("delete", "/knowledge/{id}"),
    ("get", "/icp-profiles"),
    ("post", "/icp-profiles"),
    ("get", "/icp-profiles/{id}"),
    ("put", "/icp-profiles/{id}"),
    ("delete", "/icp-profiles/{id}"),
    ("get", "/objections"),
    ("post", "/icp-profiles/extract"),
    ("get", "/learning/rules"),
    ("get", "/learning/rules/{id}"),
    ("patch", "/learning/rules/{id}"),
    ("post", "/learning/rules/{id}/approve"),
    ("post", "/learning/rules/{id}/retire"),
    ("post", "/learning/rules/{id}/rollback"),
    ("post", "/learning/run"),
    ("get", "/learning/best-time"),
    ("post", "/quality/check"),
    ("post", "/generate/podcast"),
    ("get", "/generate/status/{job_id}"),
    ("get", "/content"),
    ("get", "/content/pending"),
    ("post", "/content/bulk-approve"),
    ("get", "/content/{id}"),
    ("patch", "/content/{id}"),
    ("get", "/content/{id}/versions"),
    ("get", "/content/{id}/edits"),
    ("post", "/content/{id}/approve"),
    ("post", "/content/{id}/reject"),
    ("post", "/content/{id}/unapprove"),
    ("post", "/publish/{id}"),
    ("get", "/publish/status/{schedule_id}"),
    ("post", "/publish/{id}/cancel"),
    ("post", "/publish/{id}/reschedule"),
    ("post", "/publish/{id}/reconcile"),
    ("post", "/publish/{id}/resolve"),
    ("get", "/analytics/summary"),
    ("get", "/analytics/content/{id}"),
    ("get", "/analytics/content/{id}/history"),
    ("get", "/analytics/leads"),
    ("post", "/analytics/sync"),
    ("post", "/analytics/import"),
    ("post", "/leads"),
    ("post", "/webhooks/customerio"),
    ("get", "/learning/preferences"),
    ("patch", "/learning/preferences/{id}"),
    ("delete", "/learning/preferences/{id}"),
    ("post", "/objections/{id}/generate"),
];

/// Resolves a `$ref` to `#/components/schemas/<name>`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

fn properties<'a>(doc: &'a Value, schema: &'a Value) -> Vec<&'a str> {
    resolve(doc, schema)["properties"].as_object().map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default()
}

#[tokio::test]
async fn the_description_is_openapi_3_1_and_lists_every_route_the_router_serves() {
    let app = spawn_app().await;
    let r = app.get("/openapi.json").await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    let mut missing = Vec::new();
    for (method, path) in ROUTES {
        let op = &doc["paths"][path][method];
        if !op.is_object() {
            missing.push(format!("{method} {path}"));
            continue;
        }
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} lists its responses");
        for param in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
            let declared = op["parameters"].as_array().into_iter().flatten().any(|p| p["name"] == param && p["in"] == "path");
            assert!(declared, "{method} {path} declares its path parameter `{param}`");
        }
    }
    assert!(missing.is_empty(), "not described: {missing:?}");
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "operation ids are unique: {ids:?}");
    let documented: usize =
        paths.values().map(|item| item.as_object().map_or(0, |o| o.keys().filter(|k| ROUTES.iter().any(|(m, _)| m == k)).count())).sum();
    assert_eq!(documented, ROUTES.len(), "no operation is described that the router does not serve");
    // Every route in the list is really served (not a 404 from the fallback).
    for (method, path) in ROUTES {
        let concrete = path
            .replace("{token}", "t")
            .replace("{id}", "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f")
            .replace("{job_id}", "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f")
            .replace("{schedule_id}", "0190c9f2-7a1b-7c3d-8e4f-5a6b7c8d9e0f");
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let resp = app.client.request(m, format!("{}{concrete}", app.address)).send().await.unwrap();
        let problem: Value = resp.json().await.unwrap_or(Value::Null);
        assert_ne!(problem["detail"], "no such route", "{method} {path} is served");
    }
}

/// Method, path, the request's fields (if it has a body), the success status, the answer's fields.
type Case = (&'static str, &'static str, Option<&'static [&'static str]>, &'static str, &'static [&'static str]);

#[tokio::test]
async fn the_prd_endpoints_have_real_request_and_response_schemas() {
    let app = spawn_app().await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let body = |method: &str, path: &str| doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone();
    let answer = |method: &str, path: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"].clone()
    };
    let cases: &[Case] = &[
        ("post", "/auth/login", Some(&["email", "provider", "password", "id_token"]), "200", &["access_token", "refresh_token", "user"]),
        ("get", "/content/pending", None, "200", &["bundles", "total_pending"]),
        ("patch", "/content/{id}", Some(&["content", "title", "version"]), "200", &["id", "content", "version"]),
        (
            "post",
            "/content/{id}/approve",
            Some(&["schedule_time", "platform", "timezone"]),
            "200",
            &["status", "scheduled_for", "schedule_id"],
        ),
        ("post", "/content/{id}/reject", Some(&["reason"]), "200", &["status"]),
        ("post", "/content/bulk-approve", Some(&["content_ids", "schedule_config"]), "200", &["approved", "scheduled_items"]),
        (
            "post",
            "/generate/podcast",
            Some(&["source_type", "source_data", "generate_types"]),
            "202",
            &["job_id", "status", "estimated_time_seconds"],
        ),
        ("get", "/generate/status/{job_id}", None, "200", &["job_id", "status", "progress", "generated_items"]),
        ("get", "/publish/status/{schedule_id}", None, "200", &["status", "schedule_id", "platform", "published_url"]),
        ("post", "/publish/{id}", Some(&["platform", "schedule_time"]), "200", &["status", "schedule_id"]),
        ("post", "/webhooks/grain", Some(&["event", "recording_id"]), "200", &["status", "job_id"]),
        ("post", "/webhooks/riverside", Some(&["event", "episode_id"]), "200", &["status", "job_id"]),
    ];
    for (method, path, request, status, response) in cases {
        if let Some(fields) = request {
            let schema = body(method, path);
            let mut props = properties(&doc, &schema);
            if props.is_empty() {
                // `Option<Body>`: a oneOf of null and the body.
                for alt in resolve(&doc, &schema)["oneOf"].as_array().into_iter().flatten() {
                    props.extend(properties(&doc, alt));
                }
            }
            for f in *fields {
                assert!(props.contains(f), "{method} {path} request has `{f}`: {props:?}");
            }
        }
        let schema = answer(method, path, status);
        let props = properties(&doc, &schema);
        for f in *response {
            assert!(props.contains(f), "{method} {path} {status} answer has `{f}`: {props:?}");
        }
        let problem = &doc["paths"][path][method]["responses"];
        assert!(problem.as_object().unwrap().keys().any(|k| k.starts_with('4')), "{method} {path} lists its errors");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary_without_cdn_scripts() {
    let app = spawn_app().await;
    let r = app.get("/docs").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.to_lowercase().contains("swagger"), "{html}");
    for tag in html.split("<script").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        assert!(!tag.contains("http://") && !tag.contains("https://"), "an external script: <script{tag}>");
    }
    assert!(!html.contains("cdn"), "no CDN: {html}");
    let js = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(js.status(), 200, "the bundle is served locally");
    let init = app.get("/docs/swagger-initializer.js").await.text().await.unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
}

/// Tried as a new user would: Swagger's "Try it out" on `POST /sources` offered only a JSON box.
#[tokio::test]
async fn post_sources_is_described_as_json_or_a_multipart_form_with_a_binary_file() {
    let app = spawn_app().await;
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    let content = &doc["paths"]["/sources"]["post"]["requestBody"]["content"];
    assert!(properties(&doc, &content["application/json"]["schema"]).contains(&"text"), "{content}");
    let form = resolve(&doc, &content["multipart/form-data"]["schema"]);
    let file = &form["properties"]["file"];
    assert_eq!((file["type"].as_str(), file["format"].as_str()), (Some("string"), Some("binary")), "{form}");
    assert!(form["required"].as_array().unwrap().iter().any(|r| r == "file"), "the file is required: {form}");
    for field in ["format", "title", "description", "source_type", "source_id", "metadata"] {
        assert!(form["properties"][field].is_object(), "{field}: {form}");
    }
}
