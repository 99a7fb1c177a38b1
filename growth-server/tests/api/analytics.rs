//! Analytics through the API: a lead posted with a tagged URL shows up attributed in both
//! endpoints; the summary's numbers on a seeded fixture counted by hand; signed Customer.io
//! reporting webhooks (forged and stale refused); roles and bad input.

use chrono::Utc;
use growth_core::domain::{
    ContentStatus, ContentTransition, ContentType, NewContentItem, NewPublishingLog, NewSchedule, Platform, PublishStatus, Role,
};
use growth_core::measure::utm::{UtmTags, tag_url};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const LEADS_TOKEN: &str = "leads-token-0123456789";
const CIO_KEY: &str = "cio-signing-key";

async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.analytics.leads_token = Some(LEADS_TOKEN.to_owned().into());
        s.analytics.customerio_signing_key = Some(CIO_KEY.to_owned().into());
    })
    .await
}

/// An item published now through the outbox; answers (item id, schedule id).
async fn published(app: &TestApp, token: &str, title: &str) -> (String, String) {
    let i = NewContentItem::draft(ContentType::LinkedinPost, Some(title.into()), "Read https://productled.com/guide today.");
    let id = app.state.engine.store().insert_content(i).await.unwrap().id.to_string();
    let v: Value = app.req(Method::POST, &format!("/publish/{id}"), token).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "published", "{v}");
    (id, v["schedule_id"].as_str().unwrap().to_owned())
}

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status);
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_lead_posted_with_a_tagged_url_shows_up_attributed_in_content_and_leads() {
    let app = app().await;
    let token = app.token(Role::Approver).await;
    let (id, _) = published(&app, &token, "The PLG Paradox").await;
    let tags = UtmTags::for_item(Platform::LINKEDIN, "ep-47", id.parse().unwrap());
    let url = tag_url("https://productled.com/demo", &tags).unwrap();

    let body = json!({"email": "Ana@Example.com", "url": url, "kind": "demo_request", "event_id": "form-1"});
    let first = json_of(app.req(Method::POST, "/leads", &token).json(&body).send().await.unwrap(), 200).await;
    assert_eq!((first["created"].as_bool(), first["event"]["content_item_id"].as_str()), (Some(true), Some(id.as_str())));
    // The automation's redelivery, with the leads token: counted once.
    let again =
        app.client.post(format!("{}/leads", app.address)).header("x-growth-webhook-token", LEADS_TOKEN).json(&body).send().await.unwrap();
    assert_eq!(json_of(again, 200).await["created"], false);
    let bought = json!({"email": "ana@example.com", "url": url, "kind": "purchase", "revenue_usd": 49.99, "event_id": "order-1"});
    let r =
        app.client.post(format!("{}/leads", app.address)).header("x-growth-webhook-token", LEADS_TOKEN).json(&bought).send().await.unwrap();
    assert_eq!(r.status(), 200);

    let c = json_of(app.req(Method::GET, &format!("/analytics/content/{id}"), &token).send().await.unwrap(), 200).await;
    assert_eq!(
        (c["demo_requests"].as_u64(), c["purchases"].as_u64(), c["attributed_revenue_usd"].as_f64()),
        (Some(1), Some(1), Some(49.99)),
        "{c}"
    );
    assert_eq!(c["model"], "last_touch");
    let page = json_of(app.req(Method::GET, "/analytics/leads", &token).send().await.unwrap(), 200).await;
    assert_eq!((page["total"].as_u64(), page["limit"].as_u64(), page["offset"].as_u64()), (Some(1), Some(100), Some(0)), "{page}");
    let leads = page["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["email"], "ana@example.com");
    assert_eq!(leads[0]["events"].as_array().unwrap().len(), 2);
    assert_eq!(leads[0]["attributed_to"][0]["content_id"], id.as_str());
    assert_eq!(leads[0]["attributed_to"][0]["conversions"], 2);

    // Refusals: a wrong token, a viewer, bad input.
    let wrong =
        app.client.post(format!("{}/leads", app.address)).header("x-growth-webhook-token", "nope").json(&body).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(app.req(Method::POST, "/leads", &viewer).json(&body).send().await.unwrap().status(), 403);
    assert_eq!(app.req(Method::GET, "/analytics/leads", &viewer).send().await.unwrap().status(), 403, "leads are personal data");
    for bad in [
        json!({"email": "not-an-email", "kind": "lead_signup"}),
        json!({"email": "a@b.co", "kind": "signed_up"}),
        json!({"email": "a@b.co", "kind": "lead_signup", "url": "not a url"}),
    ] {
        let r = app.req(Method::POST, "/leads", &token).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let r = app.req(Method::GET, &format!("/analytics/content/{id}?model=u_shaped"), &token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = app.req(Method::GET, &format!("/analytics/content/{}", uuid::Uuid::now_v7()), &token).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_summary_numbers_are_exact_on_a_fixture_counted_by_hand() {
    let app = app().await;
    let token = app.token(Role::Approver).await;
    let (a, schedule_a) = published(&app, &token, "The PLG Paradox").await;
    let (b, _) = published(&app, &token, "Free is not a strategy").await;
    // Reach 3200 + 800 = 4000; engagements (150+12+8+240) + (20+1+0+5) = 410 + 26 = 436.
    let csv = format!(
        "content_id,platform,impressions,clicks,likes,comments,shares\n{a},linkedin,3200,240,150,12,8\n{b},linkedin,800,5,20,1,0\n"
    );
    let r = app.req(Method::POST, "/analytics/import", &token).header("content-type", "text/csv").body(csv).send().await.unwrap();
    assert_eq!(json_of(r, 200).await["imported"], 2);
    let url = tag_url("https://productled.com/", &UtmTags::for_item(Platform::LINKEDIN, "ep", a.parse().unwrap())).unwrap();
    for (i, email) in ["a@example.com", "b@example.com", "c@example.com"].iter().enumerate() {
        let lead = json!({"email": email, "url": url, "kind": "lead_signup", "event_id": format!("e{i}")});
        assert_eq!(app.req(Method::POST, "/leads", &token).json(&lead).send().await.unwrap().status(), 200);
    }

    let today = Utc::now().date_naive();
    let s = json_of(
        app.req(Method::GET, &format!("/analytics/summary?start_date={today}&end_date={today}"), &token).send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(s["period"], format!("{today} to {today}"));
    assert_eq!(s["metrics"], json!({"posts_published": 2, "total_reach": 4000, "total_engagements": 436, "new_leads": 3}));
    assert_eq!(s["top_performer"]["title"], "The PLG Paradox");
    assert_eq!(s["top_performer"]["likes"], 150);
    // Two pieces approved and published, 10 manual minutes each, no edits: 20 min ≈ 0.3 h.
    assert_eq!(s["time_saved_hours"], 0.3);
    assert_eq!(s["time_saved_basis"]["estimate"], true);
    assert_eq!(s["reach_by_day"][0]["reach"], 4000);

    // The publication's early metrics are the synced numbers.
    let st = json_of(app.req(Method::GET, &format!("/publish/status/{schedule_a}"), &token).send().await.unwrap(), 200).await;
    assert_eq!((st["early_metrics"]["likes"].as_i64(), st["early_metrics"]["comments"].as_i64()), (Some(150), Some(12)), "{st}");
    let history = json_of(app.req(Method::GET, &format!("/analytics/content/{a}/history"), &token).send().await.unwrap(), 200).await;
    assert_eq!(history[0]["metrics"]["impressions"], 3200);

    // Bad input: precise problems, nothing written.
    let r = app.req(Method::GET, &format!("/analytics/summary?start_date={today}&end_date=2020-01-01"), &token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = app.req(Method::GET, "/analytics/summary?start_date=yesterday", &token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let bad = "content_id,impressions\nnot-a-uuid,12\n";
    let r = app.req(Method::POST, "/analytics/import", &token).body(bad).send().await.unwrap();
    let p = json_of(r, 422).await;
    assert_eq!(p["field"], "line 2, column content_id", "{p}");
}

#[tokio::test]
async fn sync_is_for_admins_and_answers_when_done() {
    let app = app().await;
    let approver = app.token(Role::Approver).await;
    published(&app, &approver, "A post").await;
    assert_eq!(app.req(Method::POST, "/analytics/sync", &approver).send().await.unwrap().status(), 403);
    let admin = app.token(Role::Admin).await;
    let r = json_of(app.req(Method::POST, "/analytics/sync", &admin).send().await.unwrap(), 200).await;
    assert_eq!((r["considered"].as_u64(), r["no_source"].as_u64()), (Some(1), Some(1)), "no metrics source configured: {r}");
}

fn sign(key: &str, ts: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn forged_or_stale_customerio_webhooks_are_refused_and_a_signed_one_counts_once() {
    let app = app().await;
    // A newsletter published through Customer.io as trigger 7.
    let store = app.state.engine.store().clone();
    let item = store.insert_content(NewContentItem::draft(ContentType::Newsletter, Some("Issue 12".into()), "Hello")).await.unwrap();
    for to in [ContentStatus::InReview, ContentStatus::Approved] {
        if store.get_content(item.id).await.unwrap().status != to {
            store.transition_content(item.id, ContentTransition::to(to)).await.unwrap();
        }
    }
    let now = Utc::now();
    let sch = store
        .create_schedule(NewSchedule {
            content_item_id: item.id,
            platform: Platform::CUSTOMER_IO,
            // Not due: the app's own publishing loop must not claim it before the test does.
            scheduled_time: now + chrono::Duration::hours(1),
            timezone: "UTC".into(),
        })
        .await
        .unwrap();
    store.transition_content(item.id, ContentTransition::to(ContentStatus::Scheduled)).await.unwrap();
    store.claim_schedule(sch.id, "t", std::time::Duration::from_secs(60)).await.unwrap().expect("claimed by id");
    let log = NewPublishingLog {
        content_item_id: item.id,
        schedule_id: Some(sch.id),
        platform: Platform::CUSTOMER_IO,
        status: PublishStatus::Success,
        request_payload: json!({}),
        response_data: json!({}),
        error_message: None,
        published_url: None,
    };
    store.record_publication(sch.id, "t", Some("7".into()), None, now, log).await.unwrap();

    let body = json!([
        {"event_id": "ev1", "object_type": "email", "metric": "delivered", "timestamp": now.timestamp(), "data": {"trigger_id": 7, "broadcast_id": 9, "delivery_id": "d1"}},
        {"event_id": "ev2", "object_type": "email", "metric": "opened", "timestamp": now.timestamp(), "data": {"trigger_id": 7, "broadcast_id": 9, "delivery_id": "d1", "prefetched": false, "proxied": false, "synthetic": false}},
        {"event_id": "ev3", "object_type": "email", "metric": "opened", "timestamp": now.timestamp(), "data": {"trigger_id": 7, "broadcast_id": 9, "delivery_id": "d2", "prefetched": true}}
    ])
    .to_string();
    let post = |ts: Option<i64>, sig: Option<String>, body: String| {
        let mut r = app.client.post(format!("{}/webhooks/customerio", app.address)).body(body);
        if let Some(ts) = ts {
            r = r.header("x-cio-timestamp", ts.to_string());
        }
        if let Some(sig) = sig {
            r = r.header("x-cio-signature", sig);
        }
        r.send()
    };
    let ts = now.timestamp();
    assert_eq!(post(None, None, body.clone()).await.unwrap().status(), 401, "unsigned");
    assert_eq!(post(Some(ts), Some(sign("wrong-key", ts, &body)), body.clone()).await.unwrap().status(), 401, "forged");
    let tampered = body.replace("\"ev3\"", "\"ev4\"");
    assert_eq!(post(Some(ts), Some(sign(CIO_KEY, ts, &body)), tampered).await.unwrap().status(), 401, "body changed after signing");
    let stale = ts - 3600;
    let r = post(Some(stale), Some(sign(CIO_KEY, stale, &body)), body.clone()).await.unwrap();
    assert_eq!(r.status(), 401, "stale");
    assert!(r.text().await.unwrap().contains("window"));
    assert!(store.list_snapshots(item.id).await.unwrap().is_empty(), "refused deliveries wrote nothing");

    let ok = json_of(post(Some(ts), Some(sign(CIO_KEY, ts, &body)), body.clone()).await.unwrap(), 200).await;
    assert_eq!(ok, json!({"recorded": 3, "duplicates": 0, "unmatched": 0}));
    let again = json_of(post(Some(ts), Some(sign(CIO_KEY, ts, &body)), body.clone()).await.unwrap(), 200).await;
    assert_eq!(again["duplicates"], 3, "Customer.io retries count once");
    let snap = &store.list_snapshots(item.id).await.unwrap()[0];
    assert_eq!((snap.metrics.delivered, snap.metrics.human_opens), (Some(1), Some(1)), "the prefetched open is not a person");
}

#[tokio::test]
async fn a_lead_on_a_linked_page_without_utm_content_is_attributed_in_content_and_leads() {
    let app = app().await;
    let token = app.token(Role::Approver).await;
    let (id, _) = published(&app, &token, "The PLG Paradox").await;
    // The page the post links to, tagged by hand without utm_content (a link copied from the post).
    let url = "https://www.productled.com/guide/?utm_source=linkedin&utm_medium=social";
    let body = json!({"email": "bo@example.com", "url": url, "kind": "lead_signup", "event_id": "form-9"});
    let r = json_of(app.req(Method::POST, "/leads", &token).json(&body).send().await.unwrap(), 200).await;
    assert_eq!(r["event"]["content_item_id"], id.as_str(), "{r}");
    let c = json_of(app.req(Method::GET, &format!("/analytics/content/{id}"), &token).send().await.unwrap(), 200).await;
    assert_eq!(c["lead_signups"], 1, "{c}");
    let leads = json_of(app.req(Method::GET, "/analytics/leads", &token).send().await.unwrap(), 200).await["leads"].clone();
    assert_eq!(leads[0]["attributed_to"][0]["content_id"], id.as_str(), "{leads}");
    // A page the post does not link to is kept, unattributed.
    let other = json!({"email": "cy@example.com", "url": "https://productled.com/pricing", "kind": "lead_signup"});
    let r = json_of(app.req(Method::POST, "/leads", &token).json(&other).send().await.unwrap(), 200).await;
    assert_eq!(r["event"]["content_item_id"], Value::Null, "{r}");
}

#[tokio::test]
async fn post_leads_answers_before_the_n8n_enrichment_which_a_job_stores_later() {
    use wiremock::matchers::{header, method as http_method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let n8n = MockServer::start().await;
    // The workflow takes its time ("When Last Node Finishes").
    Mock::given(http_method("POST"))
        .and(path("/webhook/enrich-lead"))
        .and(header("x-n8n-auth", "n8n-secret"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"company": "ProductLed"})).set_delay(std::time::Duration::from_secs(1)),
        )
        .mount(&n8n)
        .await;
    let uri = n8n.uri();
    let app = spawn_app_with(|s| {
        let mut c =
            growth_adapters::n8n::N8nConfig::new(format!("{uri}/webhook/enrich-lead"), "X-N8N-Auth", "n8n-secret".to_owned().into());
        c.timeout = std::time::Duration::from_secs(20);
        s.analytics.n8n = Some(c);
    })
    .await;
    let token = app.token(Role::Approver).await;
    let body = json!({"email": "dee@example.com", "kind": "demo_request", "url": "https://productled.com/demo"});
    let r = json_of(app.req(Method::POST, "/leads", &token).json(&body).send().await.unwrap(), 200).await;
    assert_eq!(r["created"], true);
    assert_eq!(r["lead"]["enrichment"], Value::Null, "the answer does not wait for n8n: {r}");
    let lead_id: growth_core::measure::LeadId = serde_json::from_value(r["lead"]["id"].clone()).unwrap();
    // The worker's job stores the workflow's answer once it comes.
    let store = app.state.engine.store();
    let mut enriched = None;
    for _ in 0..300 {
        let lead = growth_core::store::MeasureStore::get_lead(store.as_ref(), lead_id).await.unwrap();
        if lead.enrichment.is_some() {
            enriched = lead.enrichment;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(enriched, Some(json!({"company": "ProductLed"})));
}

crate::helpers::postgres_too!(
    a_lead_posted_with_a_tagged_url_shows_up_attributed_in_content_and_leads,
    the_summary_numbers_are_exact_on_a_fixture_counted_by_hand,
    forged_or_stale_customerio_webhooks_are_refused_and_a_signed_one_counts_once,
    a_lead_on_a_linked_page_without_utm_content_is_attributed_in_content_and_leads,
    post_leads_answers_before_the_n8n_enrichment_which_a_job_stores_later,
);
