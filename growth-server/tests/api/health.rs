use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let r = app.get("/health").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"), "every answer carries a request id");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_answers_when_the_database_does() {
    let app = spawn_app().await;
    let r = app.get("/ready").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let database = if app.backend == crate::helpers::Backend::Postgres { "postgres" } else { "sqlite" };
    assert_eq!(body, serde_json::json!({"status": "ready", "database": database}));
}

#[tokio::test]
async fn ready_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.database.close().await;
    let r = app.get("/ready").await;
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(app.get("/health").await.status(), 200, "liveness does not depend on the database");
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_json_404() {
    let app = spawn_app().await;
    let r = app.get("/no/such/route").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["type"], "urn:growth:problem:not-found");
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn the_server_stops_gracefully_when_asked() {
    let app = spawn_app().await;
    app.shutdown.cancel();
    let done = tokio::time::timeout(std::time::Duration::from_secs(10), app.server).await;
    assert!(matches!(done, Ok(Ok(Ok(())))), "{done:?}");
}

crate::helpers::postgres_too!(ready_answers_when_the_database_does, ready_is_503_when_the_database_is_gone,);
