//! The publishing log: what was sent and what came back, credentials redacted.

use reqwest::RequestBuilder;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value, json};

use super::{HttpResponse, redacted};

/// The request as it goes out (method, URL, headers with credentials replaced by `[REDACTED]`)
/// with `body`, its JSON body.
pub(crate) fn request_log(request: &RequestBuilder, body: Option<&Value>) -> Value {
    let mut log = match request.try_clone().and_then(|r| r.build().ok()) {
        Some(r) => json!({"method": r.method().as_str(), "url": r.url().as_str(), "headers": headers_json(r.headers())}),
        None => json!({}),
    };
    if let (Some(body), Some(map)) = (body, log.as_object_mut()) {
        map.insert("body".to_owned(), body.clone());
    }
    log
}

/// A 2xx answer: status, headers (redacted like the request's) and the body, as JSON when it is.
pub(crate) fn response_log(response: &HttpResponse) -> Value {
    let body = if response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&response.body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&response.body).into_owned()))
    };
    json!({"status": response.status.as_u16(), "headers": headers_json(&response.headers), "body": body})
}

fn headers_json(headers: &HeaderMap) -> Value {
    Value::Object(redacted(headers).into_iter().map(|(k, v)| (k, Value::String(v))).collect::<Map<_, _>>())
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use reqwest::StatusCode;
    use secrecy::SecretString;

    use super::*;
    use crate::http::{AuthScheme, auth_header};

    #[test]
    fn the_log_keeps_the_exchange_and_hides_the_credential() {
        let client = reqwest::Client::new();
        let auth = auth_header(AuthScheme::Bearer, &SecretString::from("s3cr3t")).unwrap();
        let req = client.post("https://example.com/rest/posts").header("authorization", auth).header("linkedin-version", "202601");
        let log = request_log(&req, Some(&json!({"a": 1})));
        assert_eq!(log["method"], "POST");
        assert_eq!(log["url"], "https://example.com/rest/posts");
        assert_eq!(log["headers"]["authorization"], "[REDACTED]");
        assert_eq!(log["headers"]["linkedin-version"], "202601");
        assert_eq!(log["body"], json!({"a": 1}));
        assert!(!log.to_string().contains("s3cr3t"));

        let resp = HttpResponse { status: StatusCode::OK, headers: HeaderMap::new(), body: Bytes::from_static(b"{\"id\":3}") };
        assert_eq!(response_log(&resp), json!({"status": 200, "headers": {}, "body": {"id": 3}}));
    }
}
