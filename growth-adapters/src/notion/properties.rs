//! Page properties in Notion's shapes.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::config::{NotionProperties, StatusKind};

/// Notion's longest `text.content`.
const MAX_TEXT: usize = 2000;

/// What a tracking page says.
pub(super) struct Tracking<'a> {
    pub(super) title: &'a str,
    pub(super) content_id: &'a str,
    pub(super) status: Option<&'a str>,
    pub(super) url: Option<&'a str>,
    pub(super) published_at: Option<DateTime<Utc>>,
}

/// The `properties` object; properties whose configured name is empty are left out, and so are
/// values not given (an update then leaves them as they are).
pub(super) fn properties(names: &NotionProperties, t: &Tracking<'_>) -> Map<String, Value> {
    let mut p = Map::new();
    let mut put = |name: &str, value: Value| {
        if !name.trim().is_empty() {
            p.insert(name.to_owned(), value);
        }
    };
    put(&names.title, json!({"title": [text(t.title)]}));
    put(&names.content_id, json!({"rich_text": [text(t.content_id)]}));
    if let Some(status) = t.status {
        let kind = match names.status_kind {
            StatusKind::Select => "select",
            StatusKind::Status => "status",
        };
        put(&names.status, json!({ kind: {"name": status} }));
    }
    if let Some(at) = t.published_at {
        put(&names.published_at, json!({"date": {"start": at.to_rfc3339_opts(SecondsFormat::Secs, true)}}));
    }
    if let Some(url) = t.url {
        put(&names.url, json!({"url": url}));
    }
    p
}

/// A rich-text object, cut to Notion's 2,000 characters.
fn text(s: &str) -> Value {
    let s = match s.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => &s[..i],
        None => s,
    };
    json!({"type": "text", "text": {"content": s}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_property_gets_its_notion_shape() {
        let at = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().with_timezone(&Utc);
        let t = Tracking {
            title: "The PLG Paradox",
            content_id: "c-1",
            status: Some("Published"),
            url: Some("https://x/y"),
            published_at: Some(at),
        };
        let p = Value::Object(properties(&NotionProperties::default(), &t));
        assert_eq!(p["Name"]["title"][0]["text"]["content"], "The PLG Paradox");
        assert_eq!(p["Content ID"]["rich_text"][0]["text"]["content"], "c-1");
        assert_eq!(p["Status"]["select"]["name"], "Published");
        assert_eq!(p["Published"]["date"]["start"], "2026-11-25T10:00:00Z");
        assert_eq!(p["URL"]["url"], "https://x/y");
    }

    #[test]
    fn a_status_property_a_blank_name_and_a_long_title() {
        let names = NotionProperties { status_kind: StatusKind::Status, url: String::new(), ..NotionProperties::default() };
        let long = "é".repeat(2500);
        let t = Tracking { title: &long, content_id: "c", status: Some("Scheduled"), url: Some("https://x"), published_at: None };
        let p = properties(&names, &t);
        assert_eq!(p["Status"]["status"]["name"], "Scheduled");
        assert!(!p.contains_key("URL") && !p.contains_key(""));
        assert!(!p.contains_key("Published"));
        assert_eq!(p["Name"]["title"][0]["text"]["content"].as_str().unwrap().chars().count(), 2000);
    }
}
