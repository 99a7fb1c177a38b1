//! The S3 blob store against a real S3 API: `moto` in server mode (`python3 -m moto.server`) on a
//! free local port, reached through object_store's S3 client with an endpoint override and plain
//! HTTP. Skipped with a note when moto is not installed (`pip install 'moto[server]'`), unless
//! `GROWTH_REQUIRE_S3=1` (CI), which turns the skip into a failure.

#![cfg(feature = "s3")]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests: a failed setup should abort the test loudly")]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use growth_core::Error;
use growth_core::blob::BlobStore;
use growth_store::ObjectBlobStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BUCKET: &str = "growth-blobs";

/// A moto server, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto, or `None` (skip) when it is not installed — a failure under `GROWTH_REQUIRE_S3=1`.
async fn moto() -> Option<Moto> {
    let installed = Command::new("python3")
        .args(["-c", "import moto.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var("GROWTH_REQUIRE_S3").as_deref() != Ok("1"),
            "GROWTH_REQUIRE_S3=1 but moto is not installed: pip install 'moto[server]'"
        );
        eprintln!("skipping the S3 blob store test: moto is not installed (pip install 'moto[server]')");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto");
    let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
    // Up when it answers (a cold Python start takes a second or two).
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            create_bucket(port).await;
            return Some(moto);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto did not start on port {port}");
}

/// `PUT /<bucket>` (moto needs no signature for it; object_store cannot create buckets).
async fn create_bucket(port: u16) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let req = format!("PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "creating the bucket: {answer}");
}

fn options(endpoint: &str) -> Vec<(String, String)> {
    [
        ("aws_endpoint", endpoint),
        ("aws_allow_http", "true"),
        ("aws_region", "us-east-1"),
        ("aws_access_key_id", "testing"),
        ("aws_secret_access_key", "testing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[tokio::test]
async fn the_s3_blob_store_passes_the_blob_suite() {
    let Some(moto) = moto().await else { return };
    let endpoint = moto.endpoint.clone();
    growth_core::testkit::blob::run_all(|| {
        let endpoint = endpoint.clone();
        async move {
            // A fresh prefix per check: each starts from an empty store.
            let url = format!("s3://{BUCKET}/suite-{}", uuid::Uuid::new_v4().simple());
            std::sync::Arc::new(ObjectBlobStore::from_url(&url, options(&endpoint)).unwrap()) as std::sync::Arc<dyn BlobStore>
        }
    })
    .await;
}

#[tokio::test]
async fn the_s3_blob_store_puts_gets_replaces_and_deletes_against_moto() {
    let Some(moto) = moto().await else { return };
    // As `blob_url = "s3://growth-blobs/uploads"` with `[blob_options]` configures it.
    let store = ObjectBlobStore::from_url(&format!("s3://{BUCKET}/uploads"), options(&moto.endpoint)).unwrap();
    let key = "sources/abc123/episode-47.vtt";
    let put = store.put(key, Bytes::from_static(b"WEBVTT\n\nhello")).await.unwrap();
    assert_eq!(put.url, format!("s3://{BUCKET}/uploads/{key}"));
    assert_eq!(store.get(key).await.unwrap(), Bytes::from_static(b"WEBVTT\n\nhello"));
    // A put of an existing key replaces it.
    store.put(key, Bytes::from_static(b"second")).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), Bytes::from_static(b"second"));
    // Large enough to be more than one network read.
    let big = Bytes::from(vec![7_u8; 3 * 1024 * 1024]);
    store.put("sources/big/file.mp3", big.clone()).await.unwrap();
    assert_eq!(store.get("sources/big/file.mp3").await.unwrap(), big);
    // Deleting is idempotent; a missing key is NotFound.
    store.delete(key).await.unwrap();
    store.delete(key).await.unwrap();
    assert!(matches!(store.get(key).await, Err(Error::NotFound { .. })), "deleted");
    assert!(matches!(store.get("sources/never/put.txt").await, Err(Error::NotFound { .. })));
    // Keys outside the contract are refused before any request.
    assert!(matches!(store.put("../escape", Bytes::new()).await, Err(Error::InvalidInput { .. })));
    // The objects are under the prefix in the bucket.
    let raw = AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(&moto.endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .build()
        .unwrap();
    let got = raw.get(&Path::from("uploads/sources/big/file.mp3")).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.len(), big.len());
}

/// The blob store itself overwrites on `put` (an upload's key is its content hash, so a second
/// write is the same bytes); a create-only write is what S3-compatible stores must honour for
/// anything that relies on it, checked here against the same server.
#[tokio::test]
async fn a_create_only_put_fails_when_the_object_exists() {
    let Some(moto) = moto().await else { return };
    let raw = AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(&moto.endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .build()
        .unwrap();
    let path = Path::from("locks/once");
    let create = || PutOptions { mode: PutMode::Create, ..PutOptions::default() };
    raw.put_opts(&path, PutPayload::from_static(b"first"), create()).await.unwrap();
    let second = raw.put_opts(&path, PutPayload::from_static(b"second"), create()).await;
    assert!(matches!(second, Err(object_store::Error::AlreadyExists { .. })), "{second:?}");
    assert_eq!(raw.get(&path).await.unwrap().bytes().await.unwrap(), Bytes::from_static(b"first"));
}
