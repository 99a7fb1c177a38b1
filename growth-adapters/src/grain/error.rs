//! Grain's error answers. The body shape is undocumented (**UNVERIFIED**): a `message` or
//! `error` string (or `error.message`) is used when present, else the body text.

use growth_core::Error;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::http::{classify_status, error_message, retry_after};

pub(super) fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    classify_status("grain", status, &error_message(body), retry_after(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_kept_and_statuses_keep_their_meaning() {
        let e = parse_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), br#"{"message":"bad cursor"}"#);
        assert!(matches!(&e, Error::Permanent(m) if m.ends_with("bad cursor")), "{e:?}");
        assert!(matches!(parse_error(StatusCode::NOT_FOUND, &HeaderMap::new(), b""), Error::NotFound { .. }));
    }
}
