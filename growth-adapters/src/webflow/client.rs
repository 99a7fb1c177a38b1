//! The Webflow calls: item create (staged or live), list by slug, publish.

use growth_core::Error;
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use super::config::WebflowConfig;
use super::error::{PLATFORM, parse_create_error, parse_error};
use super::models::{CollectionItem, CreateItem, ItemList, PublishItems, PublishedItems};
use crate::http::{AuthScheme, HttpClient, Idempotency, auth_header, exchange_log, join_url};

#[derive(Clone)]
pub(super) struct Client {
    http: HttpClient,
    /// The same client (and rate-limit bucket) with the create error table.
    create_http: HttpClient,
    token: HeaderValue,
    collection_url: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("collection_url", &self.collection_url).finish_non_exhaustive()
    }
}

impl Client {
    pub(super) fn new(config: &WebflowConfig) -> Result<Self, Error> {
        let id = config.collection_id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::Config(format!("webflow: `{}` is not a collection id", config.collection_id)));
        }
        let http = HttpClient::new(PLATFORM, &config.http, parse_error)?;
        Ok(Self {
            create_http: http.with_classifier(parse_create_error),
            http,
            token: auth_header(AuthScheme::Bearer, &config.api_token)?,
            collection_url: join_url(&config.base_url, &format!("/v2/collections/{id}")),
        })
    }

    fn request(&self, http: &HttpClient, method: Method, url: &str) -> reqwest::RequestBuilder {
        http.request(method, url)
            .header(reqwest::header::AUTHORIZATION, self.token.clone())
            .header(reqwest::header::ACCEPT, "application/json")
    }

    /// `POST /items` (staged) or `/items/live`: not idempotent, never resent on a timeout.
    pub(super) async fn create(&self, live: bool, field_data: &serde_json::Map<String, Value>) -> Result<(CollectionItem, Value), Error> {
        let url = format!("{}/items{}", self.collection_url, if live { "/live" } else { "" });
        let body = CreateItem { is_archived: false, is_draft: false, field_data };
        let logged = serde_json::to_value(&body).map_err(|e| Error::internal("webflow: cannot encode the item", e))?;
        let req = self.request(&self.create_http, Method::POST, &url).json(&body);
        let log = req.try_clone();
        let resp = self.create_http.send(req, Idempotency::NonIdempotent).await?;
        let item: CollectionItem = resp.json(PLATFORM)?;
        Ok((item, log.map(|r| exchange_log(&r, Some(&logged), &resp)).unwrap_or_default()))
    }

    /// `GET /items?slug=…`: the staged item with that slug, if any.
    pub(super) async fn find_by_slug(&self, slug: &str) -> Result<Option<CollectionItem>, Error> {
        let url = format!("{}/items", self.collection_url);
        let req = self.request(&self.http, Method::GET, &url).query(&[("slug", slug), ("limit", "100")]);
        let list: ItemList = self.http.send(req, Idempotency::Idempotent).await?.json(PLATFORM)?;
        Ok(list.items.into_iter().find(|i| i.field("slug") == Some(slug)))
    }

    /// `POST /items/publish` with one id: publishing an item twice is harmless, so it is retried.
    pub(super) async fn publish(&self, item_id: &str) -> Result<Value, Error> {
        let url = format!("{}/items/publish", self.collection_url);
        let body = PublishItems { item_ids: [item_id] };
        let logged = json!({"itemIds": [item_id]});
        let req = self.request(&self.http, Method::POST, &url).json(&body);
        let log = req.try_clone();
        let resp = self.http.send(req, Idempotency::Idempotent).await?;
        let answer: PublishedItems = resp.json(PLATFORM)?;
        if !answer.published_item_ids.iter().any(|id| id == item_id) {
            return Err(Error::Permanent(format!(
                "webflow: item {item_id} was created but not published: {}",
                Value::Array(answer.errors)
            )));
        }
        Ok(log.map(|r| exchange_log(&r, Some(&logged), &resp)).unwrap_or_default())
    }
}
