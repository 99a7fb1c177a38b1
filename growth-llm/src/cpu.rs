//! Keeping CPU-heavy work (hashing, tokenizing large batches) off the async executor's threads.

use growth_core::{Error, Result};

/// Inputs below this many bytes are processed inline: a hop to the blocking pool would cost more.
pub(crate) const INLINE_BYTES: usize = 64 * 1024;

/// Runs `f` on tokio's blocking pool when called inside a tokio runtime, inline otherwise.
pub(crate) async fn run<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.spawn_blocking(f).await.map_err(|e| {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic())
            }
            Error::internal("a blocking task was cancelled", e)
        }),
        Err(_) => Ok(f()),
    }
}

/// Total bytes of `inputs`.
pub(crate) fn total_bytes(inputs: &[String]) -> usize {
    inputs.iter().map(String::len).sum()
}
