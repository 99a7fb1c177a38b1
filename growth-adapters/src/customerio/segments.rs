//! [`CustomerIoSegments`]: the RightMessage segment of a lead, read from the Customer.io person
//! attributes RightMessage syncs it into (RightMessage has no server-side API and no webhooks
//! for segments: `reference/analytics.md` §4). Implements `growth_core::measure::SegmentReader`.
//!
//! `GET /v1/customers/{email}/attributes?id_type=email` (App API, `Authorization: Bearer`)
//! answers `{"customer": {"id": …, "identifiers": {…}, "attributes": {…}, …}}`; the segment is
//! the configured attribute (default [`DEFAULT_SEGMENT_ATTRIBUTE`]): a text as it is, a number
//! or boolean as text, a list of texts joined with `,` (RightMessage can sync several segments
//! as tags). A person Customer.io does not know (404), or without the attribute, has no segment.

use async_trait::async_trait;
use growth_core::measure::SegmentReader;
use growth_core::{Error, Result};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use serde_json::Value;

use super::config::CustomerIoConfig;
use super::error::{PLATFORM, parse_error};
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, join_url, path_segment};

/// The person attribute read when none is configured.
pub const DEFAULT_SEGMENT_ATTRIBUTE: &str = "rm_segment";

/// Reads a person's segment from their Customer.io attributes (see the module docs).
#[derive(Clone, Debug)]
pub struct CustomerIoSegments {
    client: HttpClient,
    base_url: String,
    auth: HeaderValue,
    attribute: String,
}

#[derive(Deserialize)]
struct Answer {
    customer: Person,
}

#[derive(Deserialize)]
struct Person {
    #[serde(default)]
    attributes: serde_json::Map<String, Value>,
}

impl CustomerIoSegments {
    /// A reader with `config`'s App API key and region, reading `attribute` (blank: the default).
    ///
    /// # Errors
    /// `Error::Config` when the key cannot be sent or the HTTP client cannot be built.
    pub fn new(config: &CustomerIoConfig, attribute: Option<&str>) -> Result<Self> {
        let attribute = attribute.map(str::trim).filter(|a| !a.is_empty()).unwrap_or(DEFAULT_SEGMENT_ATTRIBUTE).to_owned();
        Ok(Self {
            client: HttpClient::new(PLATFORM, &config.http, parse_error)?,
            base_url: config.app_api_base().to_owned(),
            auth: auth_header(AuthScheme::Bearer, &config.app_api_key)?,
            attribute,
        })
    }

    /// The attribute read.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }
}

fn as_segment(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().filter_map(as_segment).collect::<Vec<_>>().join(","),
        Value::Null | Value::Object(_) => String::new(),
    };
    (!s.is_empty()).then_some(s)
}

#[async_trait]
impl SegmentReader for CustomerIoSegments {
    async fn segment(&self, email: &str) -> Result<Option<String>> {
        let id = path_segment("email", email.trim())?;
        let url = join_url(&self.base_url, &format!("/v1/customers/{id}/attributes"));
        let req = self.client.request(Method::GET, &url).query(&[("id_type", "email")]).header(AUTHORIZATION, self.auth.clone());
        let resp = match self.client.send(req, Idempotency::Idempotent).await {
            Ok(r) => r,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let answer: Answer = resp.json(PLATFORM)?;
        Ok(answer.customer.attributes.get(&self.attribute).and_then(as_segment))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_numbers_and_tag_lists_are_segments_and_blanks_are_not() {
        assert_eq!(as_segment(&serde_json::json!(" founder ")), Some("founder".into()));
        assert_eq!(as_segment(&serde_json::json!(3)), Some("3".into()));
        assert_eq!(as_segment(&serde_json::json!(["plg", "", "enterprise"])), Some("plg,enterprise".into()));
        assert_eq!(as_segment(&serde_json::json!("")), None);
        assert_eq!(as_segment(&Value::Null), None);
        assert_eq!(as_segment(&serde_json::json!({"a": 1})), None);
    }
}
