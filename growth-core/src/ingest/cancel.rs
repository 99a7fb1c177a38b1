//! Cooperative cancellation of CPU-heavy work (parsing, chunking, embedding), and a count of the
//! work it did.
//!
//! The heavy entry points ([`crate::transcript::parse_with`], [`Chunker::chunk_text_with`],
//! [`Chunker::chunk_transcript_with`], [`KnowledgeIndexer::index_transcript_with`]) take a
//! [`&CancelFlag`](CancelFlag) and look at it between bounded pieces of work (a parsing phase, a
//! chunk, a batch of embeddings): once it is cancelled they stop and return [`Cancelled`] (or
//! `Error::Transient` from the ones that return the library error). Work already done is dropped.
//!
//! A server runs them on the blocking pool and cancels when the request goes away:
//!
//! ```
//! # async fn demo(bytes: Vec<u8>) -> growth_core::Result<()> {
//! use growth_core::ingest::CancelFlag;
//! use growth_core::transcript;
//!
//! let cancel = CancelFlag::new();
//! // Dropping this guard (the handler's future is dropped when the client disconnects)
//! // cancels the work still running on the blocking thread.
//! let _guard = cancel.cancel_on_drop();
//! let worker = cancel.clone();
//! let parsed = tokio::task::spawn_blocking(move || transcript::parse_with(&bytes, None, &worker))
//!     .await
//!     .map_err(|e| growth_core::Error::internal("the parsing task failed", e))??;
//! # let _ = parsed; Ok(()) }
//! ```
//!
//! The async entry points of this crate that do such work ([`KnowledgeIndexer::index_transcript`],
//! [`SourceIngest::ingest_manual`]) already do this: their CPU work runs on tokio's blocking pool
//! under a flag that is cancelled when their future is dropped.
//!
//! [`CancelFlag::work`] counts units of work (bytes scanned or tokenized) done under the flag: a
//! progress figure, and the operation counter tests use to show that work grows linearly with the
//! input, without timing anything.
//!
//! [`Chunker::chunk_text_with`]: crate::knowledge::Chunker::chunk_text_with
//! [`Chunker::chunk_transcript_with`]: crate::knowledge::Chunker::chunk_transcript_with
//! [`KnowledgeIndexer::index_transcript_with`]: crate::knowledge::KnowledgeIndexer::index_transcript_with
//! [`KnowledgeIndexer::index_transcript`]: crate::knowledge::KnowledgeIndexer::index_transcript
//! [`SourceIngest::ingest_manual`]: crate::ingest::SourceIngest::ingest_manual

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A shared, cloneable cancellation flag with a work counter. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct CancelFlag {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    work: AtomicU64,
    parent: Option<CancelFlag>,
}

/// The work was cancelled through its [`CancelFlag`] before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cancelled before it finished (the request went away or the service is shutting down)")]
pub struct Cancelled;

impl From<Cancelled> for crate::Error {
    /// A cancelled piece of work is `Transient`: nothing is wrong with the input, and running it
    /// again (a retried job, after a restart) completes it.
    fn from(e: Cancelled) -> Self {
        crate::Error::transient(e.to_string())
    }
}

impl CancelFlag {
    /// A flag that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the work running under this flag (and every clone). Idempotent.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::Release);
    }

    /// A flag that is cancelled when this one is (but not the other way round), and whose work
    /// also counts in this one.
    pub fn child(&self) -> Self {
        Self { inner: Arc::new(Inner { parent: Some(self.clone()), ..Inner::default() }) }
    }

    /// Whether [`cancel`](Self::cancel) was called on this flag or on a flag it is a
    /// [`child`](Self::child) of.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::Acquire) || self.inner.parent.as_ref().is_some_and(Self::is_cancelled)
    }

    /// `Err(Cancelled)` once the flag is cancelled.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() { Err(Cancelled) } else { Ok(()) }
    }

    /// Units of work (bytes scanned or tokenized) done so far under this flag.
    pub fn work(&self) -> u64 {
        self.inner.work.load(Ordering::Relaxed)
    }

    /// Adds `units` of work, then [`check`](Self::check)s.
    pub fn add_work(&self, units: usize) -> Result<(), Cancelled> {
        let mut flag = Some(self);
        while let Some(f) = flag {
            f.inner.work.fetch_add(units as u64, Ordering::Relaxed);
            flag = f.inner.parent.as_ref();
        }
        self.check()
    }

    /// A guard that cancels the flag when it is dropped (unless [`CancelOnDrop::disarm`]ed):
    /// hold it in the future that waits for the work, so dropping that future stops the work.
    #[must_use = "the flag is cancelled as soon as the guard is dropped"]
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop { flag: Some(self.clone()) }
    }
}

/// Cancels its [`CancelFlag`] when dropped; see [`CancelFlag::cancel_on_drop`].
#[derive(Debug)]
pub struct CancelOnDrop {
    flag: Option<CancelFlag>,
}

impl CancelOnDrop {
    /// Lets the work go on after the guard is dropped.
    pub fn disarm(mut self) {
        self.flag = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = &self.flag {
            flag.cancel();
        }
    }
}

/// Runs `work` on tokio's blocking pool under a fresh flag that is cancelled when `parent` is, or
/// when the returned future is dropped. Small jobs (`inline`) run on the calling thread instead.
pub(crate) async fn run_blocking<T, F>(parent: &CancelFlag, inline: bool, work: F) -> crate::Result<T>
where
    T: Send + 'static,
    F: FnOnce(&CancelFlag) -> crate::Result<T> + Send + 'static,
{
    if inline {
        return work(parent);
    }
    let flag = parent.child();
    let guard = flag.cancel_on_drop();
    let worker = flag.clone();
    let out = tokio::task::spawn_blocking(move || work(&worker)).await;
    guard.disarm();
    out.map_err(|e| crate::Error::internal("a blocking task failed", e))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag_and_the_work_count() {
        let a = CancelFlag::new();
        let b = a.clone();
        assert_eq!(b.add_work(10), Ok(()));
        assert_eq!(a.work(), 10);
        a.cancel();
        assert!(b.is_cancelled());
        assert_eq!(b.add_work(1), Err(Cancelled));
        assert_eq!(a.work(), 11);
    }

    #[test]
    fn a_child_is_cancelled_with_its_parent_and_counts_its_work_there() {
        let parent = CancelFlag::new();
        let child = parent.child();
        child.add_work(5).unwrap();
        assert_eq!((parent.work(), child.work()), (5, 5));
        child.cancel();
        assert!(!parent.is_cancelled());
        let other = parent.child();
        parent.cancel();
        assert!(other.is_cancelled());
    }

    #[test]
    fn the_guard_cancels_when_dropped_unless_disarmed() {
        let flag = CancelFlag::new();
        flag.cancel_on_drop().disarm();
        assert!(!flag.is_cancelled());
        drop(flag.cancel_on_drop());
        assert!(flag.is_cancelled());
    }

    #[test]
    fn cancelled_is_a_transient_library_error() {
        let e: crate::Error = Cancelled.into();
        assert!(e.is_retryable(), "{e}");
        assert!(e.to_string().contains("cancelled"), "{e}");
    }

    #[tokio::test]
    async fn dropping_the_waiting_future_cancels_the_blocking_work() {
        let parent = CancelFlag::new();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (seen_tx, seen_rx) = std::sync::mpsc::channel();
        let fut = run_blocking(&parent, false, move |flag| {
            let _ = started_tx.send(());
            while !flag.is_cancelled() {
                std::thread::yield_now();
            }
            let _ = seen_tx.send(());
            Err::<(), _>(Cancelled.into())
        });
        let mut fut = Box::pin(fut);
        // Poll once so the blocking task is spawned, then drop the future.
        tokio::select! {
            biased;
            _ = &mut fut => panic!("the work cannot finish before it is cancelled"),
            _ = tokio::task::spawn_blocking(move || started_rx.recv()) => {}
        }
        drop(fut);
        tokio::task::spawn_blocking(move || seen_rx.recv()).await.unwrap().unwrap();
        assert!(!parent.is_cancelled(), "the caller's own flag is left alone");
    }

    #[tokio::test]
    async fn cancelling_the_parent_flag_stops_the_work() {
        let parent = CancelFlag::new();
        let p = parent.clone();
        let fut = run_blocking(&parent, false, move |flag| {
            while !flag.is_cancelled() {
                std::thread::yield_now();
            }
            Err::<(), _>(Cancelled.into())
        });
        p.cancel();
        let err = fut.await.unwrap_err();
        assert!(err.is_retryable(), "{err}");
    }
}
