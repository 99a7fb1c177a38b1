//! `ApiJson<T>`: a JSON body whose rejections are problem+json with a precise detail.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but a missing content type is 415, malformed JSON 400, and a body of the
/// wrong shape 422 naming what is wrong — all as problem+json.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "send `Content-Type: application/json`",
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", e.body_text()))
            }
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "Invalid input", e.body_text()))
            }
            Err(e) => Err(ApiError::new(e.status(), "bad-request", "Bad request", e.body_text())),
        }
    }
}

/// Like `axum::extract::Query`, but a bad query string is a 422 problem naming what is wrong.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(e) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "Invalid input", e.body_text())),
        }
    }
}

/// Parses a path id; a malformed one is a 404 naming it (no such thing can exist).
pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| growth_core::Error::not_found(what, raw).into())
}

/// A JSON body that may be absent (an empty body is `T::default()`); a present one must be JSON
/// of the right shape (400 malformed, 422 wrong shape, as [`ApiJson`]).
pub fn optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON", e.to_string())
        } else {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "Invalid input", e.to_string())
        }
    })
}
