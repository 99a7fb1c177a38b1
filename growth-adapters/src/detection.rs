//! What the remote AI detectors (`gptzero`, `originality`) share: the report with per-sentence
//! highlights, and the tolerant reading of their answers.
//!
//! Both detectors implement `growth_core::quality::AiDetector`, whose [`AiDetection`] carries the
//! human score and the platform's answer verbatim (`raw`). Their inherent `scan` method returns a
//! [`DetectionReport`]: the same detection plus the sentences or blocks the platform scored, each
//! located in the scanned text where it can be found, so a reviewer can be shown *which* parts
//! read as machine-written.
//!
//! Parts of both APIs are unverified (see `shared/reference/apis.md` §12), so answers are read
//! leniently: unknown fields are ignored, documented alternative names are accepted, a number
//! may arrive as a string, and every probability is clamped to `0..=1`.

use growth_core::quality::AiDetection;
use growth_core::{Error, Result};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde_json::Value;

use crate::http::{classify_status, error_message, retry_after};

/// One sentence or block a detector scored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Highlight {
    /// The text as the detector returned it.
    pub text: String,
    /// 0–1, the detector's probability that this part is machine-written.
    pub ai_probability: f64,
    /// Whether the detector marks this part as machine-written (its own flag when it sends one,
    /// else `ai_probability >= 0.5`).
    pub flagged: bool,
    /// Byte range `[start, end)` of `text` in the scanned text, on char boundaries, when it was
    /// found there verbatim (detectors may normalise whitespace; then `None`).
    pub span: Option<[usize; 2]>,
}

/// A detection with the parts the detector scored.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectionReport {
    /// What `AiDetector::detect` returns.
    pub detection: AiDetection,
    /// The scored sentences or blocks, in the detector's order; empty when it sent none.
    pub highlights: Vec<Highlight>,
}

/// `InvalidInput` for a text with nothing to score, checked before any request is sent (and
/// billed).
pub(crate) fn require_text(text: &str) -> Result<()> {
    if text.chars().any(char::is_alphanumeric) {
        Ok(())
    } else {
        Err(Error::invalid_field("text", "nothing to score: the text has no words"))
    }
}

/// A probability read leniently: a number or a numeric string, clamped to `0..=1`; anything else
/// (null, text, NaN) is `None`.
pub(crate) fn probability(value: &Value) -> Option<f64> {
    let v = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    v.is_finite().then(|| v.clamp(0.0, 1.0))
}

/// The first of `keys` present in `object` as a readable probability.
pub(crate) fn first_probability(object: &Value, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| object.get(*k).and_then(probability))
}

/// The first of `keys` present in `object` as a string.
pub(crate) fn first_str<'a>(object: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| object.get(*k).and_then(Value::as_str))
}

/// The first of `keys` present in `object` as a boolean (`true`/`false` or `"true"`/`"false"`).
#[cfg_attr(not(feature = "gptzero"), allow(dead_code, reason = "only GPTZero sends flags"))]
pub(crate) fn first_bool(object: &Value, keys: &[&str]) -> Option<bool> {
    keys.iter().find_map(|k| match object.get(*k)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

/// Sets each highlight's span by finding its text in `scanned`, in order, each search starting
/// where the previous match ended (so a repeated sentence maps to its own occurrence).
pub(crate) fn locate(scanned: &str, highlights: &mut [Highlight]) {
    let mut from = 0;
    for h in highlights.iter_mut() {
        let needle = h.text.trim();
        if needle.is_empty() {
            continue;
        }
        let found = scanned.get(from..).and_then(|rest| rest.find(needle)).map(|i| from + i).or_else(|| scanned.find(needle));
        if let Some(start) = found {
            let end = start + needle.len();
            h.span = Some([start, end]);
            if start >= from {
                from = end;
            }
        }
    }
}

/// The error table both detectors share, after their own special cases: 400/422 →
/// `InvalidInput` (the text or a parameter was refused), 402 or a body saying the credits are
/// used up → `Permanent` naming the cause (retrying cannot help until the account is topped up),
/// then the shared meanings (401 → `Unauthenticated`, 403 → `PermissionDenied`, 429 →
/// `RateLimited` with `Retry-After`, 408/5xx → `Transient`). 404/405 mean the endpoint is wrong
/// (`Config`), since a scan looks nothing up.
pub(crate) fn classify(platform: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let message = error_message(body);
    let lowercase = lowercase_text(body);
    if status == StatusCode::PAYMENT_REQUIRED || (status.is_client_error() && says_out_of_credits(&lowercase)) {
        return Error::Permanent(format!(
            "{platform}: the account has no credits left for this scan (HTTP {status}: {message}); top it up, then retry"
        ));
    }
    match status.as_u16() {
        400 | 422 => Error::invalid(format!("{platform} refused the scan (HTTP {status}): {message}")),
        // The scan endpoint itself is missing: a wrong `base_url` or path, not a missing entity.
        404 | 405 => Error::Config(format!("{platform}: the scan endpoint answered HTTP {status}; check the configured base URL and path")),
        _ => classify_status(platform, status, &message, retry_after(headers)),
    }
}

/// The lowercase body of an error answer, to look for well-known phrases in.
pub(crate) fn lowercase_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).to_lowercase()
}

/// Whether an error answer says the account has run out of credits or words (not a rate limit:
/// waiting will not help).
pub(crate) fn says_out_of_credits(body_lowercase: &str) -> bool {
    const PHRASES: &[&str] = &[
        "insufficient credit",
        "not enough credit",
        "out of credit",
        "no credits",
        "credits exhausted",
        "insufficient_quota",
        "insufficient quota",
        "insufficient balance",
        "payment required",
        "word limit",
    ];
    PHRASES.iter().any(|p| body_lowercase.contains(p))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn probabilities_accept_numbers_and_numeric_strings_and_are_clamped() {
        assert_eq!(probability(&json!(0.25)), Some(0.25));
        assert_eq!(probability(&json!("0.75")), Some(0.75));
        assert_eq!(probability(&json!(1.7)), Some(1.0));
        assert_eq!(probability(&json!(-0.2)), Some(0.0));
        assert_eq!(probability(&json!(null)), None);
        assert_eq!(probability(&json!("high")), None);
        assert_eq!(probability(&json!("NaN")), None);
    }

    #[test]
    fn a_text_without_words_is_invalid_input() {
        for empty in ["", "  \n\t", "— ! …"] {
            assert!(matches!(require_text(empty), Err(Error::InvalidInput { .. })), "{empty:?}");
        }
        assert!(require_text("Hi.").is_ok());
    }

    #[test]
    fn highlights_are_located_in_order_and_repeats_map_to_their_own_occurrence() {
        let text = "Yes. No way. Yes. Gone";
        let h = |t: &str| Highlight { text: t.to_owned(), ai_probability: 0.5, flagged: true, span: None };
        let mut hs = vec![h("Yes."), h(" No way. "), h("Yes."), h("Not there")];
        locate(text, &mut hs);
        assert_eq!(hs[0].span, Some([0, 4]));
        assert_eq!(hs[1].span, Some([5, 12]));
        assert_eq!(hs[2].span, Some([13, 17]));
        assert_eq!(hs[3].span, None);
        for s in hs.iter().filter_map(|h| h.span) {
            assert!(text.is_char_boundary(s[0]) && text.is_char_boundary(s[1]));
        }
    }

    #[test]
    fn the_shared_table_gives_each_status_its_meaning() {
        let c = |s: u16, body: &str| classify("det", StatusCode::from_u16(s).unwrap(), &HeaderMap::new(), body.as_bytes());
        assert!(
            matches!(c(400, r#"{"error":"document is required"}"#), Error::InvalidInput { message, .. } if message.contains("document is required"))
        );
        assert!(matches!(c(422, "{}"), Error::InvalidInput { .. }));
        assert!(matches!(c(402, "{}"), Error::Permanent(m) if m.contains("no credits left")));
        assert!(matches!(c(403, r#"{"error":"Insufficient credits"}"#), Error::Permanent(m) if m.contains("no credits left")));
        assert!(matches!(c(401, "{}"), Error::Unauthenticated(_)));
        assert!(matches!(c(403, "{}"), Error::PermissionDenied(_)));
        assert!(matches!(c(429, "{}"), Error::RateLimited { .. }));
        assert!(matches!(c(502, "bad gateway"), Error::Transient { .. }));
        assert!(matches!(c(404, "{}"), Error::Config(_)));
    }

    #[test]
    fn credit_exhaustion_is_recognised_but_a_rate_limit_is_not() {
        assert!(says_out_of_credits("{\"error\":\"insufficient credits to run this scan\"}"));
        assert!(says_out_of_credits("you are out of credits"));
        assert!(!says_out_of_credits("too many requests, slow down"));
    }
}
