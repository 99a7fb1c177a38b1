//! Blob storage on [`object_store`]: a local directory by default, S3 (or anything else
//! `object_store` parses from a URL) by configuration.

use std::path::Path as FsPath;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use growth_core::blob::{BlobRef, BlobStore, validate_blob_key};
use growth_core::{Error, Result};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// A [`BlobStore`] on any `object_store` backend.
#[derive(Clone, Debug)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    url_base: String,
}

impl ObjectBlobStore {
    /// Files under `dir` (created if missing).
    pub fn local(dir: impl AsRef<FsPath>) -> Result<Self> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::Config(format!("cannot create blob directory {}: {e}", dir.display())))?;
        let abs = dir.canonicalize().map_err(|e| Error::Config(format!("cannot resolve blob directory {}: {e}", dir.display())))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(&abs)
            .map_err(|e| Error::Config(format!("cannot use blob directory {}: {e}", abs.display())))?;
        Ok(Self { store: Arc::new(fs), prefix: Path::default(), url_base: format!("file://{}", abs.display()) })
    }

    /// A store named by URL (`s3://bucket/prefix`, `file:///dir` …) with backend options
    /// (`aws_region`, `aws_endpoint`, `aws_access_key_id` …) taken from configuration, never
    /// from the environment.
    pub fn from_url(url: &str, options: impl IntoIterator<Item = (String, String)>) -> Result<Self> {
        let parsed = url::Url::parse(url).map_err(|e| Error::Config(format!("invalid blob store URL `{url}`: {e}")))?;
        if parsed.scheme() == "file" {
            return Self::local(parsed.path());
        }
        if cfg!(not(feature = "s3")) && matches!(parsed.scheme(), "s3" | "s3a") {
            return Err(Error::Config(format!("`{url}` needs S3 support: build with the `s3` feature")));
        }
        let (store, prefix) =
            object_store::parse_url_opts(&parsed, options).map_err(|e| Error::Config(format!("cannot use blob store `{url}`: {e}")))?;
        Ok(Self { store: Arc::from(store), prefix, url_base: url.trim_end_matches('/').to_owned() })
    }

    fn location(&self, key: &str) -> Path {
        key.split('/').fold(self.prefix.clone(), |p, seg| p.join(seg))
    }
}

fn map_err(key: &str, e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => Error::not_found("blob", key),
        other => Error::Transient { message: format!("blob store: {other}"), retry_after: None },
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<BlobRef> {
        validate_blob_key(key)?;
        self.store.put(&self.location(key), PutPayload::from(bytes)).await.map_err(|e| map_err(key, e))?;
        Ok(BlobRef { key: key.to_owned(), url: format!("{}/{key}", self.url_base) })
    }

    async fn get(&self, key: &str) -> Result<Bytes> {
        validate_blob_key(key)?;
        let got = self.store.get(&self.location(key)).await.map_err(|e| map_err(key, e))?;
        got.bytes().await.map_err(|e| map_err(key, e))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        validate_blob_key(key)?;
        match self.store.delete(&self.location(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_err(key, e)),
        }
    }
}
