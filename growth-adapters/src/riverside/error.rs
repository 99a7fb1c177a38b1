//! Riverside's error answers (body shape undocumented: the common message keys, else the text).
//! A 429 without `Retry-After` takes its wait from `x-ratelimit-reset` (seconds).

use std::time::Duration;

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::http::{classify_status, error_message, retry_after};

pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let reset = || {
        let secs: f64 = headers.get("x-ratelimit-reset")?.to_str().ok()?.trim().parse().ok()?;
        (secs.is_finite() && (0.0..1e9).contains(&secs)).then(|| Duration::from_secs_f64(secs))
    };
    let wait = retry_after(headers).or_else(|| if status == StatusCode::TOO_MANY_REQUESTS { reset() } else { None });
    classify_status("riverside", status, &error_message(body), wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_takes_its_wait_from_the_rate_limit_reset_header() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", "180".parse().unwrap());
        let e = parse_error(StatusCode::TOO_MANY_REQUESTS, &h, b"");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(180)));
        h.insert("retry-after", "5".parse().unwrap());
        assert_eq!(parse_error(StatusCode::TOO_MANY_REQUESTS, &h, b"").retry_after(), Some(Duration::from_secs(5)));
    }
}
