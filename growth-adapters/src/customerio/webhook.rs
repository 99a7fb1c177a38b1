//! Customer.io reporting webhooks: signature check and a tolerant event parser.
//!
//! - **Signature**: `X-CIO-Signature` is `hex(HMAC-SHA256(signing key, "v0:" + X-CIO-Timestamp +
//!   ":" + raw body))` (official reporting-webhooks spec, "Securely verifying requests").
//!   [`verify_signature`] checks it in constant time over the **raw** body bytes, and refuses a
//!   timestamp outside a window around now (a replayed or stale delivery, or one from the future).
//! - **Events**: `{"event_id", "object_type": "email", "metric": "opened", "timestamp", "data":
//!   {"trigger_id", "broadcast_id", "delivery_id", "action_id", …}}`. [`parse_reporting_webhook`]
//!   turns email events into [`EmailEvent`]s keyed by issue (`trigger_id` for API-triggered
//!   broadcasts, so every issue sent through one broadcast gets its own numbers) and lists the
//!   rest (SMS, push, customer subscription changes) as ignored. It accepts one event or an
//!   array, ids as numbers or strings, flags as booleans, strings or 0/1, and a metric written
//!   `email_opened` as well as `opened`.
//!
//! Fold the events with [`growth_core::measure::email::NewsletterTally`] (idempotent per event
//! id: Customer.io retries failed deliveries for seven days, so duplicates do arrive).

use std::time::Duration;

use chrono::{DateTime, Utc};
use growth_core::measure::email::{EmailEvent, EmailEventKind, IssueKey};
use growth_core::{Error, Result};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-cio-signature";
/// The timestamp header (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-cio-timestamp";
/// How far a delivery's timestamp may be from now by default: 5 minutes either way.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Checks a delivery's `X-CIO-Signature` against the signing key `secret`.
///
/// `timestamp_header` and `signature_header` are the header values as received; `raw_body` the
/// body bytes exactly as received (never re-serialised JSON); `now` the current time; `window`
/// how far the timestamp may be from `now` in either direction.
///
/// # Errors
/// [`Error::Unauthenticated`] (answer 401) when the timestamp is missing, not a Unix time, or
/// outside the window, or the signature is missing, not hex, or does not match;
/// [`Error::Config`] when `secret` is empty.
pub fn verify_signature(
    secret: &SecretString,
    timestamp_header: &str,
    signature_header: &str,
    raw_body: &[u8],
    now: DateTime<Utc>,
    window: Duration,
) -> Result<()> {
    let key = secret.expose_secret().as_bytes();
    if key.is_empty() {
        return Err(Error::Config("customerio: the reporting webhook signing key is empty".into()));
    }
    let ts_text = timestamp_header.trim();
    let ts: i64 = ts_text.parse().map_err(|_| refused(format!("the {TIMESTAMP_HEADER} header {ts_text:?} is not a Unix time")))?;
    let skew = (now.timestamp() - ts).unsigned_abs();
    if skew > window.as_secs() {
        let when = if ts < now.timestamp() { "old" } else { "in the future" };
        return Err(refused(format!(
            "the delivery's timestamp is {skew} s {when}, outside the {} s window (stale, replayed or clock skew)",
            window.as_secs()
        )));
    }
    let signature = signature_header.trim();
    let expected = hex::decode(signature).map_err(|_| refused(format!("the {SIGNATURE_HEADER} header is not a hex HMAC-SHA256")))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| Error::Config("customerio: unusable signing key".into()))?;
    mac.update(b"v0:");
    mac.update(ts_text.as_bytes());
    mac.update(b":");
    mac.update(raw_body);
    mac.verify_slice(&expected).map_err(|_| refused("the signature does not match the body".into()))
}

fn refused(why: String) -> Error {
    Error::Unauthenticated(format!("customer.io reporting webhook refused: {why}"))
}

/// What one webhook delivery held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportingDelivery {
    /// The email events, in the order received.
    pub events: Vec<EmailEvent>,
    /// Events that are not about an email (SMS, push, in-app, customer subscription changes):
    /// `(event_id, object_type, metric)`.
    pub ignored: Vec<(String, String, String)>,
}

/// Reads a reporting webhook body (one event or an array of events).
///
/// # Errors
/// [`Error::InvalidInput`] when the body is not JSON, an event is not an object, or an email
/// event lacks its `event_id`, `metric` or `timestamp`.
pub fn parse_reporting_webhook(body: &[u8]) -> Result<ReportingDelivery> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Error::invalid(format!("not a Customer.io reporting webhook (not JSON: {e})")))?;
    let items = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut out = ReportingDelivery::default();
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(Error::invalid(format!("customer.io webhook: event #{} is not an object", i + 1)));
        };
        let text = |k: &str| obj.get(k).and_then(id_text);
        let metric_raw = text("metric").ok_or_else(|| Error::invalid_field("metric", "customer.io webhook: an event has no metric"))?;
        let metric_lower = metric_raw.to_ascii_lowercase();
        let (prefix_type, metric) = match metric_lower.split_once('_') {
            Some((t @ ("email" | "sms" | "push" | "in_app" | "slack" | "webhook" | "whatsapp" | "customer"), m)) => (Some(t), m),
            _ => (None, metric_lower.as_str()),
        };
        let object_type = text("object_type").map(|t| t.to_ascii_lowercase()).or(prefix_type.map(str::to_owned));
        let event_id = text("event_id").unwrap_or_default();
        if object_type.as_deref().is_some_and(|t| t != "email") {
            out.ignored.push((event_id, object_type.unwrap_or_default(), metric.to_owned()));
            continue;
        }
        if event_id.is_empty() {
            return Err(Error::invalid_field(
                "event_id",
                "customer.io webhook: an email event has no event_id, so it cannot be deduplicated",
            ));
        }
        let ts = obj
            .get("timestamp")
            .and_then(as_i64)
            .ok_or_else(|| Error::invalid_field("timestamp", format!("customer.io webhook: event {event_id} has no Unix timestamp")))?;
        let occurred_at = DateTime::<Utc>::from_timestamp(ts, 0).ok_or_else(|| {
            Error::invalid_field("timestamp", format!("customer.io webhook: event {event_id}: timestamp {ts} is out of range"))
        })?;
        let empty = serde_json::Map::new();
        let data = obj.get("data").and_then(Value::as_object).unwrap_or(&empty);
        out.events.push(EmailEvent {
            kind: kind(metric, data),
            issue: issue(data),
            delivery_id: data.get("delivery_id").and_then(id_text),
            event_id,
            occurred_at,
        });
    }
    Ok(out)
}

fn kind(metric: &str, data: &serde_json::Map<String, Value>) -> EmailEventKind {
    let flag = |k: &str| data.get(k).is_some_and(truthy);
    match metric {
        "sent" => EmailEventKind::Sent,
        "delivered" => EmailEventKind::Delivered,
        "opened" => EmailEventKind::Opened { prefetched: flag("prefetched"), proxied: flag("proxied"), synthetic: flag("synthetic") },
        "clicked" => EmailEventKind::Clicked {
            href: data.get("href").and_then(Value::as_str).map(str::to_owned),
            link_id: data.get("link_id").and_then(as_i64),
            machine: flag("machine"),
        },
        "bounced" => EmailEventKind::Bounced,
        "unsubscribed" => EmailEventKind::Unsubscribed,
        "converted" => EmailEventKind::Converted,
        "spammed" => EmailEventKind::Spammed,
        "dropped" => EmailEventKind::Dropped,
        "failed" => EmailEventKind::Failed,
        other => EmailEventKind::Other(other.to_owned()),
    }
}

fn issue(data: &serde_json::Map<String, Value>) -> IssueKey {
    let id = |k: &str| data.get(k).and_then(as_u64);
    match (id("trigger_id"), id("broadcast_id"), id("newsletter_id"), id("campaign_id")) {
        (Some(trigger_id), broadcast_id, _, _) => IssueKey::Trigger { broadcast_id, trigger_id },
        (None, Some(broadcast_id), _, _) => IssueKey::Broadcast { broadcast_id },
        (None, None, Some(newsletter_id), _) => IssueKey::Newsletter { newsletter_id },
        (None, None, None, Some(campaign_id)) => IssueKey::Campaign { campaign_id },
        _ => IssueKey::Unknown,
    }
}

/// A string or a number as text (ids arrive as either).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
        Value::String(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const KEY: &str = "cio-signing-key";

    fn sign(ts: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
        mac.update(format!("v0:{ts}:").as_bytes());
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_613_063_089, 0).unwrap()
    }

    #[test]
    fn a_signed_fresh_delivery_is_accepted() {
        let body = br#"{"metric":"sent","event_id":"01E4C4CT6YDC7Y5M7FE1GWWPQJ","object_type":"email","timestamp":1613063089}"#;
        let sig = sign("1613063089", body);
        verify_signature(&SecretString::from(KEY), "1613063089", &sig, body, now(), DEFAULT_WINDOW).unwrap();
        verify_signature(&SecretString::from(KEY), " 1613063089 ", &sig.to_uppercase(), body, now(), DEFAULT_WINDOW).unwrap();
    }

    #[test]
    fn a_forged_or_tampered_delivery_is_refused() {
        let body = br#"{"metric":"sent"}"#;
        let sig = sign("1613063089", body);
        let secret = SecretString::from(KEY);
        let check = |ts: &str, sig: &str, body: &[u8]| verify_signature(&secret, ts, sig, body, now(), DEFAULT_WINDOW);
        assert!(
            matches!(check("1613063089", &sig, br#"{"metric":"opened"}"#), Err(Error::Unauthenticated(m)) if m.contains("does not match"))
        );
        // The timestamp is part of what is signed: moving it breaks the signature.
        assert!(matches!(check("1613063090", &sig, body), Err(Error::Unauthenticated(_))));
        assert!(matches!(check("1613063089", "zz", body), Err(Error::Unauthenticated(m)) if m.contains("not a hex")));
        assert!(matches!(check("1613063089", "", body), Err(Error::Unauthenticated(_))));
        assert!(matches!(check("yesterday", &sig, body), Err(Error::Unauthenticated(m)) if m.contains("not a Unix time")));
        let other_key = SecretString::from("another-key");
        assert!(verify_signature(&other_key, "1613063089", &sig, body, now(), DEFAULT_WINDOW).is_err());
    }

    #[test]
    fn stale_and_future_timestamps_are_refused_even_when_signed() {
        let body = b"{}";
        let secret = SecretString::from(KEY);
        let old = (now().timestamp() - 301).to_string();
        let e = verify_signature(&secret, &old, &sign(&old, body), body, now(), DEFAULT_WINDOW).unwrap_err();
        assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("301 s old")), "{e}");
        let future = (now().timestamp() + 301).to_string();
        let e = verify_signature(&secret, &future, &sign(&future, body), body, now(), DEFAULT_WINDOW).unwrap_err();
        assert!(matches!(&e, Error::Unauthenticated(m) if m.contains("in the future")), "{e}");
        let edge = (now().timestamp() - 300).to_string();
        verify_signature(&secret, &edge, &sign(&edge, body), body, now(), DEFAULT_WINDOW).unwrap();
    }

    #[test]
    fn an_empty_signing_key_is_a_configuration_error() {
        assert!(matches!(verify_signature(&SecretString::from(""), "1", "00", b"", now(), DEFAULT_WINDOW), Err(Error::Config(_))));
    }

    #[test]
    fn flags_and_ids_are_read_in_any_spelling() {
        let body = br#"[{"metric":"email_opened","event_id":"e1","timestamp":"1613063089",
            "data":{"trigger_id":"7","broadcast_id":9,"delivery_id":"d1","prefetched":"true","proxied":1,"synthetic":false}}]"#;
        let d = parse_reporting_webhook(body).unwrap();
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.events[0].kind, EmailEventKind::Opened { prefetched: true, proxied: true, synthetic: false });
        assert_eq!(d.events[0].issue, IssueKey::Trigger { broadcast_id: Some(9), trigger_id: 7 });
    }

    #[test]
    fn non_email_events_are_ignored_and_email_events_need_an_id() {
        let d = parse_reporting_webhook(br#"{"metric":"subscribed","event_id":"c1","object_type":"customer","timestamp":1}"#).unwrap();
        assert!(d.events.is_empty());
        assert_eq!(d.ignored, vec![("c1".to_owned(), "customer".to_owned(), "subscribed".to_owned())]);
        assert!(matches!(
            parse_reporting_webhook(br#"{"metric":"sent","object_type":"email","timestamp":1}"#),
            Err(Error::InvalidInput { field: Some(f), .. }) if f == "event_id"
        ));
        assert!(matches!(parse_reporting_webhook(b"not json"), Err(Error::InvalidInput { .. })));
        assert!(matches!(parse_reporting_webhook(b"[1]"), Err(Error::InvalidInput { .. })));
    }
}
