//! What a publisher keeps of one exchange for the publishing log.

use reqwest::RequestBuilder;
use serde_json::{Value, json};

use super::{HttpResponse, body_text, redacted};

/// One request and its answer as JSON: method, URL, headers with credentials shown as
/// `[REDACTED]`, the JSON body sent (`body`, as the caller gives it) and the status and body
/// received (JSON when it is JSON, else short text).
pub fn exchange_log(request: &RequestBuilder, body: Option<&Value>, response: &HttpResponse) -> Value {
    let sent = request.try_clone().and_then(|r| r.build().ok());
    let (method, url, headers) = match &sent {
        Some(r) => (r.method().as_str().to_owned(), r.url().to_string(), redacted(r.headers())),
        None => (String::new(), String::new(), Vec::new()),
    };
    let headers: serde_json::Map<String, Value> = headers.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let received = serde_json::from_slice::<Value>(&response.body).unwrap_or_else(|_| Value::String(body_text(&response.body)));
    json!({
        "request": {"method": method, "url": url, "headers": headers, "body": body},
        "response": {"status": response.status.as_u16(), "body": received},
    })
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;
    use secrecy::SecretString;

    use super::*;
    use crate::http::{AuthScheme, auth_header};

    #[test]
    fn the_log_shows_the_exchange_but_not_the_credential() {
        let request = reqwest::Client::new()
            .post("https://api.example.com/v1/pages")
            .header("authorization", auth_header(AuthScheme::Bearer, &SecretString::from("ntn_secret")).unwrap())
            .header("notion-version", "2025-09-03");
        let response = HttpResponse { status: StatusCode::OK, headers: HeaderMap::new(), body: r#"{"id":"p1"}"#.into() };
        let log = exchange_log(&request, Some(&json!({"a": 1})), &response);
        assert!(!log.to_string().contains("ntn_secret"), "{log}");
        assert_eq!(log["request"]["headers"]["authorization"], "[REDACTED]");
        assert_eq!(log["request"]["headers"]["notion-version"], "2025-09-03");
        assert_eq!(log["request"]["method"], "POST");
        assert_eq!(log["request"]["body"]["a"], 1);
        assert_eq!(log["response"]["body"]["id"], "p1");
    }
}
