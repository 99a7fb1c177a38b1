//! Wire types of the embeddings endpoint.

use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(crate) struct EmbeddingRequest<'a> {
    pub(crate) model: &'a str,
    pub(crate) input: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) dimensions: Option<usize>,
    pub(crate) encoding_format: &'static str,
}

#[derive(Deserialize)]
pub(crate) struct EmbeddingResponse {
    pub(crate) data: Vec<EmbeddingData>,
}

#[derive(Deserialize)]
pub(crate) struct EmbeddingData {
    pub(crate) index: usize,
    pub(crate) embedding: Vec<f32>,
}

#[derive(Deserialize)]
pub(crate) struct ApiErrorBody {
    pub(crate) error: ApiError,
}

#[derive(Deserialize)]
pub(crate) struct ApiError {
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) param: Option<String>,
    #[serde(default)]
    pub(crate) code: Option<String>,
}
