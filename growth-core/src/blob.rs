//! Blob storage for uploaded files (audio, PDFs, transcripts).

use std::fmt::Debug;

use async_trait::async_trait;
use bytes::Bytes;

use crate::Result;

/// Where a blob was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRef {
    /// The key it was stored under.
    pub key: String,
    /// A URL naming it (`file://…`, `s3://bucket/key`, `memory://key`).
    pub url: String,
}

/// Stores and reads whole files by key.
///
/// Contract: `put` then `get` of the same key returns the same bytes; `put` of an existing key
/// replaces it; `get` of a missing key is `Error::NotFound`; `delete` of a missing key is not an
/// error (deleting is idempotent). Keys are relative paths of
/// `[A-Za-z0-9._-]` segments separated by `/`; anything else is `Error::InvalidInput`.
#[async_trait]
pub trait BlobStore: Send + Sync + Debug + 'static {
    /// Stores `bytes` under `key`.
    async fn put(&self, key: &str, bytes: Bytes) -> Result<BlobRef>;
    /// Reads the bytes under `key`.
    async fn get(&self, key: &str) -> Result<Bytes>;
    /// Removes the blob under `key` (nothing when there is none).
    async fn delete(&self, key: &str) -> Result<()>;
}

/// Checks a blob key against the contract of [`BlobStore`].
pub fn validate_blob_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
    if ok { Ok(()) } else { Err(crate::Error::invalid_field("key", format!("`{key}` is not a valid blob key"))) }
}

fn _assert_dyn(_: &dyn BlobStore) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_escape_the_store_are_refused() {
        for bad in ["", "/abs", "a//b", "../x", "a/../b", "a b", "a\\b", "sources/\u{e9}"] {
            assert!(validate_blob_key(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "sources/2026/ep-47.mp3", "x_y.z-1"] {
            assert!(validate_blob_key(good).is_ok(), "{good:?}");
        }
    }
}
