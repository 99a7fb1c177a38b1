//! The knowledge base, ICP profiles and retrieval through the API: what is saved is searchable,
//! the right item comes back for a query, and bad input writes nothing.

use growth_core::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn create(app: &TestApp, token: &str, item_type: &str, title: &str, content: &str) -> Value {
    let r = app
        .req(Method::POST, "/knowledge", token)
        .json(&json!({"item_type": item_type, "title": title, "content": content}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{title}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn retrieval_returns_the_right_knowledge_item_for_a_query() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let pricing = create(
        &app,
        &token,
        "playbook",
        "Pricing page playbook",
        "Show the price on the pricing page. Annual plans get two months free. Never hide pricing behind a demo call.",
    )
    .await;
    assert!(pricing["embedding_id"].is_string(), "indexed before answering: {pricing}");
    assert!(pricing["index"]["chunks"].as_u64().unwrap() >= 1);
    let hiring = create(
        &app,
        &token,
        "example_post",
        "Hiring post",
        "We hired our first engineer after forty interviews. Hiring slowly saved the company from bad culture fits.",
    )
    .await;
    create(
        &app,
        &token,
        "framework",
        "Podcast guest framework",
        "Book guests who run growth teams, prepare three questions, record on Tuesdays.",
    )
    .await;

    let q = |text: &str, extra: &str| format!("/knowledge/search?q={}&top_k=3{extra}", urlencode(text));
    let got: Value =
        app.req(Method::GET, &q("how should we show pricing and annual plans", ""), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["results"][0]["item_id"], pricing["id"], "{got}");
    assert_eq!(got["results"][0]["kind"], "playbook");
    assert!(got["results"][0]["score"].as_f64().unwrap() > 0.0);

    let got: Value =
        app.req(Method::GET, &q("interviews before hiring an engineer", ""), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["results"][0]["item_id"], hiring["id"], "{got}");

    // A kind filter keeps other kinds out.
    let got: Value =
        app.req(Method::GET, &q("how should we show pricing", "&kind=example_post"), &token).send().await.unwrap().json().await.unwrap();
    let results = got["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.iter().all(|r| r["kind"] == "example_post"), "{got}");

    // Transcripts are searchable once uploaded.
    let r = app
        .req(Method::POST, "/sources", &token)
        .json(&json!({"text": "Dana: our churn dropped when onboarding calls started within a day of signup"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let source: Value = r.json().await.unwrap();
    let got: Value =
        app.req(Method::GET, &q("onboarding calls reduce churn", "&kind=transcript"), &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["results"][0]["item_id"], source["source"]["id"], "{got}");
}

fn urlencode(s: &str) -> String {
    s.replace(' ', "%20")
}

#[tokio::test]
async fn update_reindexes_and_delete_removes_the_item_and_its_vectors() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let item = create(&app, &token, "playbook", "Cold email", "Open with the prospect's problem, not your product.").await;
    let id = item["id"].as_str().unwrap();
    let body = json!({"item_type": "playbook", "title": "Cold email", "content": "Open with the prospect's problem, not your product."});
    let r = app.req(Method::PUT, &format!("/knowledge/{id}"), &token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let same: Value = r.json().await.unwrap();
    assert_eq!(same["index"]["embedded"], 0, "unchanged text is not embedded again: {same}");
    let body = json!({"item_type": "playbook", "title": "Cold email", "content": "Lead with a customer quote about the cost of waiting."});
    let changed: Value = app.req(Method::PUT, &format!("/knowledge/{id}"), &token).json(&body).send().await.unwrap().json().await.unwrap();
    assert!(changed["index"]["embedded"].as_u64().unwrap() >= 1, "{changed}");
    assert_eq!(changed["content"], "Lead with a customer quote about the cost of waiting.");

    let r = app.req(Method::DELETE, &format!("/knowledge/{id}"), &token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.req(Method::GET, &format!("/knowledge/{id}"), &token).send().await.unwrap().status(), 404);
    assert_eq!(app.req(Method::DELETE, &format!("/knowledge/{id}"), &token).send().await.unwrap().status(), 404);
    let got: Value = app
        .req(Method::GET, "/knowledge/search?q=customer%20quote%20cost%20of%20waiting", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(got["results"].as_array().unwrap().iter().all(|r| r["item_id"] != json!(id)), "deleted items are not retrieved: {got}");
}

#[tokio::test]
async fn knowledge_bad_input_is_precise_and_writes_nothing() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let cases = [
        (json!({"item_type": "playbook", "title": "", "content": "x y z"}), 422, Some("title")),
        (json!({"item_type": "playbook", "title": "T", "content": "   "}), 422, Some("content")),
        (json!({"item_type": "recipe", "title": "T", "content": "x"}), 422, None),
        (json!({"item_type": "playbook", "title": "T", "content": "x", "metadata": [1]}), 422, Some("metadata")),
        (json!({"item_type": "playbook", "title": "T", "content": "x", "extra": 1}), 422, None),
    ];
    for (body, status, field) in cases {
        let r = app.req(Method::POST, "/knowledge", &token).json(&body).send().await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let p: Value = r.json().await.unwrap();
        if let Some(f) = field {
            assert_eq!(p["field"], f, "{p}");
        }
    }
    let r = app.req(Method::POST, "/knowledge", &token).header("content-type", "application/json").body("{").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(app.state.engine.store().list_knowledge(None).await.unwrap().is_empty());
    let r = app.req(Method::GET, "/knowledge/search?q=%20%20", &token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = app.req(Method::GET, "/knowledge/search?q=x&top_k=0", &token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = app.req(Method::GET, "/knowledge/search?q=x&kind=recipes", &token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = app.req(Method::GET, "/knowledge?type=recipe", &token).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

/// Tried as a new user would: `GET /knowledge?limit=2` answered 422 (the list took no paging).
#[tokio::test]
async fn the_knowledge_list_pages_like_every_other_list() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    for n in 0..5 {
        create(&app, &token, "playbook", &format!("Playbook {n}"), &format!("Step {n}: write it down.")).await;
    }
    let page = |q: &str| {
        let (app, token) = (&app, &token);
        let path = format!("/knowledge{q}");
        async move {
            let r = app.req(Method::GET, &path, token).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.json::<Value>().await.unwrap()
        }
    };
    let first = page("?limit=2").await;
    assert_eq!((first["total"].as_u64(), first["limit"].as_u64(), first["offset"].as_u64()), (Some(5), Some(2), Some(0)));
    let titles = |v: &Value| v["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(titles(&first), ["Playbook 0", "Playbook 1"], "oldest first");
    let last = page("?limit=2&offset=4").await;
    assert_eq!((titles(&last), last["total"].as_u64()), (vec!["Playbook 4".to_owned()], Some(5)));
    assert!(titles(&page("?offset=9").await).is_empty(), "past the end: an empty page, not an error");
    assert_eq!(page("?type=framework&limit=2").await["total"], 0, "the total counts what matches");
    let r = app.req(Method::GET, "/knowledge?limit=-1", &token).send().await.unwrap();
    assert_eq!(r.status(), 422, "a bad limit is still refused");
}

#[tokio::test]
async fn viewers_read_and_approvers_write_the_knowledge_base() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer).await;
    let body = json!({"item_type": "playbook", "title": "T", "content": "some content"});
    assert_eq!(app.req(Method::POST, "/knowledge", &viewer).json(&body).send().await.unwrap().status(), 403);
    assert_eq!(app.req(Method::GET, "/knowledge", &viewer).send().await.unwrap().status(), 200);
    assert_eq!(app.client.get(format!("{}/knowledge", app.address)).send().await.unwrap().status(), 401);
    assert_eq!(app.req(Method::GET, "/objections", &viewer).send().await.unwrap().status(), 200);
    assert_eq!(app.req(Method::POST, "/icp-profiles", &viewer).json(&json!({"role": "CTO"})).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn icp_profiles_are_indexed_in_their_own_namespace_and_retrievable() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let body = json!({
        "pain_points": ["our pipeline depends on outbound that stopped working"],
        "language_patterns": ["we need more qualified demos"],
        "goals": ["predictable inbound pipeline"],
        "role": "VP Marketing",
        "company_size": "50-200",
        "industry": "B2B SaaS"
    });
    let r = app.req(Method::POST, "/icp-profiles", &token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let profile: Value = r.json().await.unwrap();
    assert_eq!(profile["source"], "manual");
    assert!(profile["embedding_id"].is_string(), "{profile}");
    let id = profile["id"].as_str().unwrap();
    create(&app, &token, "playbook", "Pipeline", "Outbound pipeline qualified demos inbound").await;
    let got: Value = app
        .req(Method::GET, "/knowledge/search?q=qualified%20demos%20pipeline&kind=icp", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let results = got["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{got}");
    assert_eq!((results[0]["item_id"].as_str(), results[0]["kind"].as_str()), (Some(id), Some("icp")));

    let list: Value = app.req(Method::GET, "/icp-profiles", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 1);
    let r = app.req(Method::PUT, &format!("/icp-profiles/{id}"), &token).json(&json!({"role": "Head of Growth"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["role"], "Head of Growth");
    assert_eq!(app.req(Method::POST, "/icp-profiles", &token).json(&json!({})).send().await.unwrap().status(), 422);
    assert_eq!(app.req(Method::DELETE, &format!("/icp-profiles/{id}"), &token).send().await.unwrap().status(), 204);
    assert_eq!(app.req(Method::GET, &format!("/icp-profiles/{id}"), &token).send().await.unwrap().status(), 404);
    assert!(app.state.engine.store().list_icp_profiles().await.unwrap().is_empty());
}

#[tokio::test]
async fn start_up_refuses_an_embedder_that_disagrees_with_the_stored_vectors() {
    use growth_server::config::Settings;
    use growth_server::startup::Application;
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("kb.db").display()),
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        ..Settings::default()
    };
    let app = Application::build(settings.clone()).await.unwrap();
    let item = growth_core::domain::NewKnowledgeItem {
        item_type: growth_core::domain::KnowledgeItemType::Playbook,
        title: "T".into(),
        content: "Some playbook text worth indexing".into(),
        metadata: json!({}),
    };
    app.state().engine.knowledge().create_item(item).await.unwrap();
    app.state().database.close().await;
    drop(app);

    let mut other = settings;
    other.embedding.dimensions = 512;
    let err = Application::build(other).await.unwrap_err().to_string();
    assert!(err.contains("1536") && err.contains("512"), "the message names both dimensions: {err}");
}

crate::helpers::postgres_too!(
    retrieval_returns_the_right_knowledge_item_for_a_query,
    update_reindexes_and_delete_removes_the_item_and_its_vectors,
    knowledge_bad_input_is_precise_and_writes_nothing,
    icp_profiles_are_indexed_in_their_own_namespace_and_retrievable,
);
