//! [`NotionPublisher`]: one tracking page per content item.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::Platform;
use growth_core::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use serde_json::{Value, json};

use super::client::Client;
use super::config::NotionConfig;
use super::models::Page;
use super::properties::{Tracking, properties};

/// Keeps a tracking page per content item in a Notion database. See the [module docs](super).
#[derive(Debug, Clone)]
pub struct NotionPublisher {
    client: Client,
    config: NotionConfig,
}

impl NotionPublisher {
    /// A publisher for `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the version is not a date, the id its version needs is missing or
    /// not a Notion id, the token cannot be a header, or no content id property is named (without
    /// it a page cannot be found again).
    pub fn new(config: NotionConfig) -> Result<Self, Error> {
        if config.properties.content_id.trim().is_empty() || config.properties.title.trim().is_empty() {
            return Err(Error::Config("notion: properties.title and properties.content_id must name database properties".into()));
        }
        Ok(Self { client: Client::new(&config)?, config })
    }

    /// Creates or updates the tracking page of `req` with `status`, the post's `url` and when it
    /// went out: the page in `platform_data.notion_page_id` (or `page_id`) when given and still
    /// there, else the page whose content id property is `req.content_item_id`, else a new page.
    /// This is what the scheduler calls after a post goes out on another platform.
    ///
    /// # Errors
    /// As [`Publisher::publish`]: a timeout or 5xx while creating is `Error::OutcomeUnknown`
    /// (call it again only after [`Publisher::reconcile`], or simply call this again: it looks
    /// the page up first); updates are repeatable and retried.
    pub async fn upsert_tracking(
        &self,
        req: &PublishRequest,
        status: &str,
        url: Option<&str>,
        published_at: Option<DateTime<Utc>>,
    ) -> Result<Publication, Error> {
        let content_id = req.content_item_id.to_string();
        let title = title(req, &content_id);
        let tracking = Tracking { title: &title, content_id: &content_id, status: Some(status), url, published_at };
        let props = properties(&self.config.properties, &tracking);

        if let Some(page_id) = given_page_id(req) {
            match self.client.update_page(page_id, props.clone()).await {
                Ok((page, log)) => return Ok(self.publication(&page, published_at, json!({"exchanges": [log]}))),
                // Deleted or no longer shared: find it or make a new one.
                Err(Error::NotFound { .. }) => tracing::info!(page_id, "notion: the given tracking page is gone; looking it up"),
                Err(e) => return Err(e),
            }
        }
        let (found, query_log) = self.client.find(&self.config.properties.content_id, &content_id).await?;
        if let Some(page) = found.first() {
            let (page, log) = self.client.update_page(&page.id, props).await?;
            return Ok(self.publication(&page, published_at, json!({"exchanges": [query_log, log]})));
        }
        let (page, log) = self.client.create_page(props).await?;
        Ok(self.publication(&page, published_at, json!({"exchanges": [query_log, log]})))
    }

    fn publication(&self, page: &Page, published_at: Option<DateTime<Utc>>, log: Value) -> Publication {
        Publication {
            platform_post_id: page.id.clone(),
            url: page.url.clone(),
            published_at: published_at.or(page.last_edited_time).unwrap_or_else(Utc::now),
            via: "notion".into(),
            log,
        }
    }
}

/// The page title: the request's, else the first line of the content, else the content id.
fn title(req: &PublishRequest, content_id: &str) -> String {
    req.title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .or_else(|| req.content.lines().map(|l| l.trim().trim_start_matches('#').trim()).find(|l| !l.is_empty()))
        .unwrap_or(content_id)
        .to_owned()
}

fn given_page_id(req: &PublishRequest) -> Option<&str> {
    ["notion_page_id", "page_id"].iter().find_map(|k| req.platform_data.get(*k).and_then(Value::as_str)).filter(|s| !s.trim().is_empty())
}

#[async_trait]
impl Publisher for NotionPublisher {
    fn platform(&self) -> Platform {
        Platform::NOTION
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }

    /// [`upsert_tracking`](NotionPublisher::upsert_tracking) with the configured published status,
    /// `platform_data.url` and now.
    async fn publish(&self, req: &PublishRequest) -> Result<Publication, Error> {
        let url = req.platform_data.get("url").and_then(Value::as_str);
        self.upsert_tracking(req, &self.config.published_status, url, Some(Utc::now())).await
    }

    /// Queries the tracking database for the page whose content id property is the request's.
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>, Error> {
        let (found, log) = self.client.find(&self.config.properties.content_id, &req.content_item_id.to_string()).await?;
        Ok(found.first().map(|page| self.publication(page, None, json!({"exchanges": [log]}))))
    }
}

/// Notion as a tracker: every publication elsewhere upserts the item's tracking page with the
/// published status, the post's URL and when it went out (the platform in the page's properties).
#[async_trait]
impl growth_core::publish::Tracker for NotionPublisher {
    fn name(&self) -> &str {
        "notion"
    }

    async fn track(&self, event: &growth_core::publish::TrackEvent) -> Result<(), Error> {
        let mut req = event.request.clone();
        req.platform_data = json!({
            "status": "published",
            "url": event.publication.url,
            "platform": event.platform,
            "published_at": event.publication.published_at,
        });
        let url = event.publication.url.as_deref();
        self.upsert_tracking(&req, &self.config.published_status, url, Some(event.publication.published_at)).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use growth_core::domain::{ContentId, ContentType, ScheduleId};

    use super::*;

    fn req(title: Option<&str>, content: &str) -> PublishRequest {
        PublishRequest {
            schedule_id: ScheduleId::new(),
            content_item_id: ContentId::new(),
            content_type: ContentType::LinkedinPost,
            title: title.map(str::to_owned),
            content: content.into(),
            platform_data: Value::Null,
            attempted_at: None,
        }
    }

    #[test]
    fn the_title_falls_back_to_the_first_line_then_the_id() {
        assert_eq!(title(&req(Some(" T "), "x"), "id"), "T");
        assert_eq!(title(&req(None, "\n## Hook line\nmore"), "id"), "Hook line");
        assert_eq!(title(&req(Some(""), " "), "id"), "id");
    }

    #[test]
    fn a_page_id_comes_from_platform_data() {
        let mut r = req(None, "");
        assert_eq!(given_page_id(&r), None);
        r.platform_data = json!({"page_id": "p"});
        assert_eq!(given_page_id(&r), Some("p"));
        r.platform_data = json!({"notion_page_id": "n", "page_id": "p"});
        assert_eq!(given_page_id(&r), Some("n"));
    }
}
