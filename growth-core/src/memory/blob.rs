//! [`InMemoryBlobStore`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use bytes::Bytes;

use crate::Result;
use crate::blob::{BlobRef, BlobStore, validate_blob_key};

/// Blobs in a map.
#[derive(Clone, Debug, Default)]
pub struct InMemoryBlobStore {
    blobs: Arc<RwLock<HashMap<String, Bytes>>>,
}

#[async_trait]
impl BlobStore for InMemoryBlobStore {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<BlobRef> {
        validate_blob_key(key)?;
        self.blobs.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.to_owned(), bytes);
        Ok(BlobRef { key: key.to_owned(), url: format!("memory://{key}") })
    }

    async fn get(&self, key: &str) -> Result<Bytes> {
        validate_blob_key(key)?;
        self.blobs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
            .ok_or_else(|| crate::Error::not_found("blob", key))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        validate_blob_key(key)?;
        self.blobs.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
        Ok(())
    }
}
