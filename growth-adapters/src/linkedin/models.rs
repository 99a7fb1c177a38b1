//! Wire types (`pub(crate)`: never part of the public API).

use serde::{Deserialize, Serialize};

use super::config::Visibility;

/// `POST /rest/posts` body: a text-only post.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatePost<'a> {
    pub(crate) author: &'a str,
    pub(crate) commentary: &'a str,
    pub(crate) visibility: Visibility,
    pub(crate) distribution: Distribution,
    pub(crate) lifecycle_state: &'static str,
    pub(crate) is_reshare_disabled_by_author: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Distribution {
    pub(crate) feed_distribution: &'static str,
    pub(crate) target_entities: &'static [&'static str],
    pub(crate) third_party_distribution_channels: &'static [&'static str],
}

impl Distribution {
    pub(crate) fn main_feed() -> Self {
        Self { feed_distribution: "MAIN_FEED", target_entities: &[], third_party_distribution_channels: &[] }
    }
}

/// `GET /rest/posts?q=author` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct PostsPage {
    #[serde(default)]
    pub(crate) elements: Vec<Post>,
}

/// The fields of a post we read (the Posts API record; unknown fields ignored).
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Post {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) commentary: String,
    #[serde(default)]
    pub(crate) created_at: Option<i64>,
    #[serde(default)]
    pub(crate) published_at: Option<i64>,
    #[serde(default)]
    pub(crate) last_modified_at: Option<i64>,
    #[serde(default)]
    pub(crate) lifecycle_state: Option<String>,
}

/// The token endpoint's answer.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) expires_in: i64,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    #[serde(default)]
    pub(crate) refresh_token_expires_in: Option<i64>,
}
