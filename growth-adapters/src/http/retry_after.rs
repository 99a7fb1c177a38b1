//! Reading the server's "wait this long" headers.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The wait a response asks for: `retry-after-ms` (milliseconds, may be fractional) first, then
/// `Retry-After` as delta-seconds (integer or fractional) or as an HTTP-date.
///
/// A date in the past is a zero wait; an unreadable or negative value is ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, SystemTime::now())
}

pub(crate) fn retry_after_at(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(ms) = header_str(headers, "retry-after-ms").and_then(non_negative_float) {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = header_str(headers, RETRY_AFTER.as_str())?;
    if let Some(secs) = non_negative_float(value) {
        return Some(Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A header value as trimmed text, when present and visible ASCII.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

fn non_negative_float(s: &str) -> Option<f64> {
    let v: f64 = s.parse().ok()?;
    // Bounded so `Duration::from_secs_f64` cannot panic on absurd values.
    (v.is_finite() && (0.0..=1e9).contains(&v)).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn delta_seconds_are_read_as_integers_or_fractions() {
        assert_eq!(retry_after(&headers(&[("retry-after", "7")])), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers(&[("retry-after", "0.25")])), Some(Duration::from_millis(250)));
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let h = headers(&[("retry-after", "30"), ("retry-after-ms", "150")]);
        assert_eq!(retry_after(&h), Some(Duration::from_millis(150)));
    }

    #[test]
    fn an_http_date_is_turned_into_the_wait_from_now() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        let h = headers(&[("retry-after", "Wed, 21 Oct 2026 07:28:30 GMT")]);
        assert_eq!(retry_after_at(&h, now), Some(Duration::from_secs(30)));
        let past = headers(&[("retry-after", "Wed, 21 Oct 2026 07:27:00 GMT")]);
        assert_eq!(retry_after_at(&past, now), Some(Duration::ZERO));
    }

    #[test]
    fn garbage_and_negative_values_are_ignored() {
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "1e300")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
