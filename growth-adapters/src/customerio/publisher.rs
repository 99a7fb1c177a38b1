//! [`CustomerIoPublisher`]: the `Publisher` implementation.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use growth_core::domain::Platform;
use growth_core::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use growth_core::{Error, Result};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::client::Client;
use super::config::CustomerIoConfig;
use super::error::PLATFORM;
use super::html::newsletter_html;
use super::models::{Trigger, TriggerResponse, id_text};
use crate::http::{MinInterval, response_log};

/// The key of the broadcast-trigger limit in the limiter (one limit for the whole workspace).
const LIMIT_KEY: &str = "broadcast-trigger";
/// Customer.io's cap on a trigger's `data`, in bytes.
const MAX_DATA_BYTES: usize = 50_000;
/// Customer.io's cap on `ids` or `emails` in one trigger.
const MAX_RECIPIENTS: usize = 10_000;
/// Allowance for clocks when comparing a trigger's `created_at` with our attempt.
const CLOCK_SKEW_SECS: i64 = 60;

/// The data keys the broadcast's message reads as `{{trigger.<key>}}`.
pub mod data_keys {
    /// The subject line.
    pub const SUBJECT: &str = "subject";
    /// The preview (preheader) text, when given.
    pub const PREVIEW_TEXT: &str = "preview_text";
    /// The newsletter body, sanitised HTML (use `{{trigger.body_html}}` in the template).
    pub const BODY_HTML: &str = "body_html";
    /// The schedule being executed: our marker for `reconcile`.
    pub const SCHEDULE_ID: &str = "growth_schedule_id";
    /// The content item.
    pub const CONTENT_ID: &str = "growth_content_id";
}

/// Sends newsletters as Customer.io API-triggered broadcasts.
///
/// Clones share the limiter. The time of a schedule's send is persisted on the schedule (the
/// request's `attempted_at`), never kept here.
#[derive(Clone, Debug)]
pub struct CustomerIoPublisher {
    client: Client,
    broadcast_id: Option<u64>,
    segment_id: Option<u64>,
    limiter: Arc<MinInterval>,
    max_limiter_wait: Duration,
}

impl CustomerIoPublisher {
    /// A publisher with `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the key cannot be a header value or the HTTP client cannot be built.
    pub fn new(config: CustomerIoConfig) -> Result<Self> {
        Ok(Self {
            client: Client::new(&config)?,
            broadcast_id: config.broadcast_id,
            segment_id: config.segment_id,
            limiter: Arc::new(MinInterval::new(config.min_trigger_interval)),
            max_limiter_wait: config.max_limiter_wait,
        })
    }

    fn broadcast_id(&self, req: &PublishRequest) -> Result<u64> {
        match req.platform_data.get("broadcast_id") {
            Some(v) => v.as_u64().ok_or_else(|| Error::invalid_field("platform_data.broadcast_id", "must be a broadcast id (a number)")),
            None => self.broadcast_id.ok_or_else(|| {
                Error::Config(
                    "customerio: no broadcast to trigger: set `broadcast_id` in the Customer.io settings or `platform_data.broadcast_id`"
                        .into(),
                )
            }),
        }
    }

    /// The trigger body: `data` (subject, preview text, HTML body, our markers) and one audience.
    fn trigger_body(&self, req: &PublishRequest) -> Result<Value> {
        let pd = &req.platform_data;
        let subject = req
            .title
            .as_deref()
            .or_else(|| pd.get("subject").and_then(Value::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::invalid_field("title", "a newsletter needs a subject line (the title)"))?;
        if req.content.trim().is_empty() {
            return Err(Error::invalid_field("content", "nothing to publish"));
        }
        let mut data = match pd.get("data") {
            Some(Value::Object(extra)) => extra.clone(),
            Some(_) => return Err(Error::invalid_field("platform_data.data", "must be an object")),
            None => Map::new(),
        };
        data.insert(data_keys::SUBJECT.into(), subject.into());
        if let Some(preview) = pd.get("preview_text").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()) {
            data.insert(data_keys::PREVIEW_TEXT.into(), preview.into());
        }
        data.insert(data_keys::BODY_HTML.into(), newsletter_html(&req.content).into());
        data.insert(data_keys::SCHEDULE_ID.into(), req.schedule_id.to_string().into());
        data.insert(data_keys::CONTENT_ID.into(), req.content_item_id.to_string().into());
        let size = serde_json::to_vec(&data).map(|b| b.len()).unwrap_or(usize::MAX);
        if size > MAX_DATA_BYTES {
            return Err(Error::invalid_field(
                "content",
                format!("Customer.io takes at most {MAX_DATA_BYTES} bytes of trigger data; this newsletter makes {size}"),
            ));
        }
        let mut body = Map::new();
        body.insert("data".into(), Value::Object(data));
        self.add_audience(pd, &mut body)?;
        Ok(Value::Object(body))
    }

    /// Exactly one audience selector, with only the companion flags Customer.io allows for it
    /// (extra fields make it refuse the trigger).
    fn add_audience(&self, pd: &Value, body: &mut Map<String, Value>) -> Result<()> {
        let given: Vec<&str> = ["segment_id", "ids", "emails"].into_iter().filter(|k| pd.get(*k).is_some()).collect();
        if given.len() > 1 {
            return Err(Error::invalid_field("platform_data", format!("give one audience, not {}", given.join(" and "))));
        }
        let list = |key: &str| -> Result<Vec<Value>> {
            let items = pd
                .get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| Error::invalid_field(format!("platform_data.{key}"), "must be a list"))?;
            if items.is_empty() || items.len() > MAX_RECIPIENTS {
                return Err(Error::invalid_field(format!("platform_data.{key}"), format!("must hold 1 to {MAX_RECIPIENTS} entries")));
            }
            Ok(items.clone())
        };
        match given.first().copied() {
            Some("segment_id") => {
                let id = pd["segment_id"]
                    .as_u64()
                    .ok_or_else(|| Error::invalid_field("platform_data.segment_id", "must be a segment id (a number)"))?;
                body.insert("recipients".into(), json!({"segment": {"id": id}}));
            }
            Some("ids") => {
                body.insert("ids".into(), Value::Array(list("ids")?));
                body.insert("id_ignore_missing".into(), true.into());
            }
            Some(_) => {
                body.insert("emails".into(), Value::Array(list("emails")?));
                body.insert("email_ignore_missing".into(), true.into());
                body.insert("email_add_duplicates".into(), false.into());
            }
            None => {
                if let Some(id) = self.segment_id {
                    body.insert("recipients".into(), json!({"segment": {"id": id}}));
                }
            }
        }
        Ok(())
    }

    /// Waits for the trigger slot up to `max_limiter_wait`, else answers `RateLimited`.
    async fn acquire_slot(&self) -> Result<()> {
        let deadline = Instant::now() + self.max_limiter_wait;
        loop {
            match self.limiter.try_acquire(LIMIT_KEY) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let wait = e.retry_after().unwrap_or(Duration::from_millis(100)).max(Duration::from_millis(1));
                    if Instant::now() + wait > deadline {
                        return Err(e);
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

fn seconds_to_time(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.filter(|s| *s > 0).and_then(|s| DateTime::from_timestamp(s, 0))
}

#[async_trait]
impl Publisher for CustomerIoPublisher {
    fn platform(&self) -> Platform {
        Platform::CUSTOMER_IO
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }

    async fn publish(&self, req: &PublishRequest) -> Result<Publication> {
        let broadcast = self.broadcast_id(req)?;
        let body = self.trigger_body(req)?;
        self.acquire_slot().await?;
        let (request, result) = self.client.trigger(broadcast, &body).await;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                match &e {
                    // Customer.io's own window: nobody here triggers before it is over.
                    Error::RateLimited { retry_after } => {
                        self.limiter.block_for(LIMIT_KEY, retry_after.unwrap_or(Duration::from_secs(10)));
                    }
                    // Nothing reached Customer.io (connect error, 408): the slot is still free.
                    Error::Transient { .. } => self.limiter.release(LIMIT_KEY),
                    _ => {}
                }
                return Err(e);
            }
        };
        let id = response.json::<TriggerResponse>(PLATFORM).ok().and_then(|r| id_text(&r.id));
        let Some(id) = id else {
            return Err(Error::OutcomeUnknown(format!(
                "{PLATFORM}: Customer.io accepted the trigger of broadcast {broadcast} (HTTP {}) but its answer names no trigger id; \
                 reconcile before resending",
                response.status
            )));
        };
        tracing::info!(schedule_id = %req.schedule_id, broadcast, trigger_id = %id, "customer.io broadcast triggered");
        Ok(Publication {
            platform_post_id: id,
            url: None,
            published_at: Utc::now(),
            via: PLATFORM.to_owned(),
            log: json!({"request": request, "response": response_log(&response)}),
        })
    }

    /// Reads the broadcast's triggers (`GET /v1/broadcasts/{id}/triggers`).
    ///
    /// Customer.io's documented trigger object (`id`, `broadcast_id`, `created_at`,
    /// `processed_at`) carries no data, so a trigger cannot be matched to a schedule by a marker;
    /// a trigger whose `data` does carry this schedule's `growth_schedule_id` (an account that
    /// echoes it) is the publication. Otherwise the only positive proof that the first trigger did
    /// not happen is the list itself: `None` (absent, safe to send again) only when the send's
    /// persisted time is known (`req.attempted_at`) and the broadcast has **no** trigger created
    /// since then (minus a minute of clock skew). Any trigger since then — or an unknown send
    /// time — is `OutcomeUnknown` naming the candidates, for a person to check: a newsletter is
    /// never re-sent automatically on a guess.
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        let broadcast = self.broadcast_id(req)?;
        let (request, list) = self.client.triggers(broadcast).await?;
        let marker = req.schedule_id.to_string();
        let marker_of = |t: &Trigger| t.data.as_ref().map(|d| d.get(data_keys::SCHEDULE_ID).and_then(Value::as_str).map(str::to_owned));
        if let Some(t) = list.triggers.iter().find(|t| marker_of(t).flatten().as_deref() == Some(marker.as_str())) {
            let id =
                id_text(&t.id).ok_or_else(|| Error::Permanent(format!("unexpected response from {PLATFORM}: a trigger without an id")))?;
            tracing::info!(schedule_id = %req.schedule_id, broadcast, trigger_id = %id, "customer.io trigger found by reconcile");
            return Ok(Some(Publication {
                platform_post_id: id,
                url: None,
                published_at: seconds_to_time(t.created_at).unwrap_or_else(Utc::now),
                via: PLATFORM.to_owned(),
                log: json!({"reconciled": true, "request": request, "response": {"trigger": t}}),
            }));
        }
        let since = req.attempted_at.map(|at| at.timestamp() - CLOCK_SKEW_SECS);
        let candidates: Vec<String> = list
            .triggers
            .iter()
            .filter(|t| marker_of(t).flatten().is_none())
            .filter(|t| since.is_none_or(|s| t.created_at.is_none_or(|c| c >= s)))
            .filter_map(|t| id_text(&t.id))
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let when = since
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .map_or_else(|| "(the time of the send is unknown)".to_owned(), |s| format!("since {}", s.to_rfc3339()));
        Err(Error::OutcomeUnknown(format!(
            "{PLATFORM}: broadcast {broadcast} has trigger(s) {} {when} that may be this newsletter (Customer.io does not show a \
             trigger's data); check them in Customer.io before resending",
            candidates.join(", ")
        )))
    }
}
