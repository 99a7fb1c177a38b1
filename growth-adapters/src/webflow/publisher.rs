//! [`WebflowPublisher`]: blog posts as CMS items.

use async_trait::async_trait;
use chrono::Utc;
use growth_core::Error;
use growth_core::domain::Platform;
use growth_core::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use serde_json::{Map, Value, json};

use super::client::Client;
use super::config::{PublishMode, WebflowConfig};
use super::models::CollectionItem;
use super::slug::{slugify, with_suffix};
use crate::http::join_url;
use crate::markdown::to_safe_html;

/// Publishes blog posts to a Webflow CMS collection. See the [module docs](super).
#[derive(Debug, Clone)]
pub struct WebflowPublisher {
    client: Client,
    config: WebflowConfig,
}

impl WebflowPublisher {
    /// A publisher for `config`.
    ///
    /// # Errors
    /// [`Error::Config`] when the collection id or the token cannot be used, or no slug can be tried.
    pub fn new(config: WebflowConfig) -> Result<Self, Error> {
        if config.max_slug_attempts == 0 {
            return Err(Error::Config("webflow: max_slug_attempts must be at least 1".into()));
        }
        if config.body_field.trim().is_empty() {
            return Err(Error::Config("webflow: body_field names the collection field for the post body".into()));
        }
        Ok(Self { client: Client::new(&config)?, config })
    }

    /// The item's name: the request's title.
    fn name(req: &PublishRequest) -> Result<&str, Error> {
        req.title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::invalid_field("title", "webflow: a blog post needs a title (the CMS item name)"))
    }

    /// The first slug to try: `platform_data.slug` when given, else the title's, else the item id.
    fn base_slug(req: &PublishRequest) -> Result<String, Error> {
        let given = req.platform_data.get("slug").and_then(Value::as_str).map(slugify).filter(|s| !s.is_empty());
        let slug = given.unwrap_or_else(|| slugify(Self::name(req).unwrap_or_default()));
        Ok(if slug.is_empty() { slugify(&format!("post-{}", req.content_item_id)) } else { slug })
    }

    /// `fieldData`: `platform_data.field_data` (extra collection fields), then name, slug, body and
    /// our id, which extra fields cannot override.
    fn field_data(&self, req: &PublishRequest, slug: &str) -> Result<Map<String, Value>, Error> {
        let mut fields = match req.platform_data.get("field_data") {
            Some(Value::Object(extra)) => extra.clone(),
            Some(Value::Null) | None => Map::new(),
            Some(_) => return Err(Error::invalid_field("platform_data.field_data", "webflow: field_data must be an object")),
        };
        fields.insert("name".into(), Value::String(Self::name(req)?.to_owned()));
        fields.insert("slug".into(), Value::String(slug.to_owned()));
        fields.insert(self.config.body_field.clone(), Value::String(to_safe_html(&req.content)));
        if let Some(field) = &self.config.content_id_field {
            fields.insert(field.clone(), Value::String(req.content_item_id.to_string()));
        }
        Ok(fields)
    }

    /// Whether `item` is the one an earlier attempt of `req` created: by our id field when
    /// configured, else by name.
    fn is_ours(&self, item: &CollectionItem, req: &PublishRequest) -> bool {
        match &self.config.content_id_field {
            Some(field) => item.field(field) == Some(req.content_item_id.to_string().as_str()),
            None => Self::name(req).is_ok_and(|name| item.field("name").map(str::trim) == Some(name)),
        }
    }

    fn url(&self, slug: &str) -> Option<String> {
        let site = self.config.site_url.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        let path = self.config.collection_path.trim_matches('/');
        Some(if path.is_empty() { join_url(site, slug) } else { join_url(&join_url(site, path), slug) })
    }

    fn publication(&self, item: &CollectionItem, log: Value) -> Publication {
        let slug = item.field("slug").unwrap_or_default();
        Publication {
            platform_post_id: item.id.clone(),
            url: self.url(slug),
            published_at: item.last_published.or(item.created_on).unwrap_or_else(Utc::now),
            via: "webflow".into(),
            log,
        }
    }

    /// Whether `item` is as far as the configured mode takes it: in `StagedThenPublish`, published.
    fn is_done(&self, item: &CollectionItem) -> bool {
        self.config.mode != PublishMode::StagedThenPublish || item.last_published.is_some()
    }

    /// The publish step of `StagedThenPublish` for an item that is not live yet.
    async fn finish(&self, mut item: CollectionItem, mut log: Vec<Value>) -> Result<Publication, Error> {
        if !self.is_done(&item) {
            log.push(self.client.publish(&item.id).await?);
            item.last_published = Some(Utc::now());
        }
        Ok(self.publication(&item, json!({"exchanges": log})))
    }
}

#[async_trait]
impl Publisher for WebflowPublisher {
    fn platform(&self) -> Platform {
        Platform::WEBFLOW
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: false, reconcile: true, metrics: false }
    }

    /// Creates the item (live, or staged and then published, per [`PublishMode`]). A taken slug
    /// is looked up: our own earlier item is returned (published first if it still has to be),
    /// anybody else's makes us try `slug-2`, `slug-3` … up to `max_slug_attempts`.
    ///
    /// In `StagedThenPublish`, a failed publish step leaves a staged item and returns the publish
    /// step's error; sending the request again is safe: the slug leads back to that item, which is
    /// then published instead of created twice.
    async fn publish(&self, req: &PublishRequest) -> Result<Publication, Error> {
        let base = Self::base_slug(req)?;
        let live = self.config.mode == PublishMode::Live;
        for attempt in 1..=self.config.max_slug_attempts {
            let slug = with_suffix(&base, attempt);
            let fields = self.field_data(req, &slug)?;
            match self.client.create(live, &fields).await {
                Ok((item, exchange)) => return self.finish(item, vec![exchange]).await,
                Err(Error::Conflict { message }) => match self.client.find_by_slug(&slug).await? {
                    Some(item) if self.is_ours(&item, req) => {
                        tracing::info!(item = %item.id, %slug, "webflow: the slug holds our earlier item; not creating another");
                        let found = json!({"found_by_slug": slug, "item_id": item.id, "after": message});
                        return self.finish(item, vec![found]).await;
                    }
                    Some(_) => tracing::debug!(%slug, "webflow: slug taken by another item; trying the next"),
                    // The conflict is not about a slug we can see: do not guess.
                    None => return Err(Error::Conflict { message }),
                },
                Err(e) => return Err(e),
            }
        }
        Err(Error::conflict(format!(
            "webflow: slugs `{base}` to `{}` are all taken by other items",
            with_suffix(&base, self.config.max_slug_attempts)
        )))
    }

    /// Walks the slugs `publish` would try, in order: our item → `Some`; a free slug → `None`
    /// (`publish` fills slugs in order, so none after it can be ours); another's item → next.
    /// In `StagedThenPublish`, our item that is still unpublished is `None` too: resending is safe,
    /// because `publish` finds that item by its slug and publishes it instead of creating another.
    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>, Error> {
        let base = Self::base_slug(req)?;
        for attempt in 1..=self.config.max_slug_attempts {
            let slug = with_suffix(&base, attempt);
            match self.client.find_by_slug(&slug).await? {
                None => return Ok(None),
                Some(item) if self.is_ours(&item, req) => {
                    if !self.is_done(&item) {
                        return Ok(None);
                    }
                    let log = json!({"reconciled_by_slug": slug, "item_id": item.id});
                    return Ok(Some(self.publication(&item, log)));
                }
                Some(_) => {}
            }
        }
        Ok(None)
    }
}
