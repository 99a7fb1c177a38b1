//! Group commit: the writes of concurrent publishes share one store transaction.
//!
//! Each publish pays two durable writes: "a send starts" before the request leaves, and "it was
//! published" after. One commit (one fsync) each caps a worker at the disk's fsync rate. A
//! [`GroupCommit`] lets callers that arrive while a commit is in flight queue their writes; the
//! next caller to get its turn commits everything queued in one batch, and every caller gets its
//! own answer. Nothing is acknowledged before the commit that holds it returns, so "durable before
//! it is reported" holds exactly as with one commit per write.
//!
//! Cancellation is safe: a caller dropped after queueing may still have its write committed by
//! another (the write was legitimate: the send happened or is about to be refused by the lease
//! check); a turn holder dropped mid-commit drops the queued answers, and their callers see an
//! error — for a publication that means its claim lapses to `unknown` and is reconciled, never
//! resent blindly.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use crate::{Error, Result};

type Waiter<I, O> = (I, oneshot::Sender<Result<O>>);

/// Batches concurrent writes of items `I`, each answered with a `Result<O>`.
#[derive(Debug)]
pub(crate) struct GroupCommit<I, O> {
    pending: Mutex<Vec<Waiter<I, O>>>,
    turn: tokio::sync::Mutex<()>,
}

impl<I, O> Default for GroupCommit<I, O> {
    fn default() -> Self {
        Self { pending: Mutex::new(Vec::new()), turn: tokio::sync::Mutex::new(()) }
    }
}

impl<I: Send, O: Send> GroupCommit<I, O> {
    fn pending(&self) -> MutexGuard<'_, Vec<Waiter<I, O>>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `item` with others queued at the same time: `commit` gets the batch and answers
    /// each entry in order (`Err` for the whole batch when nothing was written).
    pub(crate) async fn submit<F, Fut>(&self, item: I, commit: F) -> Result<O>
    where
        F: FnOnce(Vec<I>) -> Fut,
        Fut: Future<Output = Result<Vec<Result<O>>>>,
    {
        let (tx, rx) = oneshot::channel();
        self.pending().push((item, tx));
        {
            let _turn = self.turn.lock().await;
            // Everything queued so far, ours included unless an earlier turn already took it.
            let batch = std::mem::take(&mut *self.pending());
            if !batch.is_empty() {
                let (items, waiters): (Vec<I>, Vec<_>) = batch.into_iter().unzip();
                let n = items.len();
                match commit(items).await {
                    Ok(answers) if answers.len() == n => {
                        for (w, a) in waiters.into_iter().zip(answers) {
                            let _ = w.send(a);
                        }
                    }
                    Ok(answers) => {
                        let message = format!("a group commit of {n} writes answered {}", answers.len());
                        for w in waiters {
                            let _ = w.send(Err(Error::internal_msg(message.clone())));
                        }
                    }
                    Err(e) => {
                        let message = format!("a group commit of {n} writes failed: {e}");
                        for w in waiters {
                            let _ = w.send(Err(Error::internal_msg(message.clone())));
                        }
                    }
                }
            }
        }
        rx.await.unwrap_or_else(|_| Err(Error::internal_msg("a group commit was abandoned")))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_writes_share_commits_and_each_gets_its_own_answer() {
        let group = Arc::new(GroupCommit::<u32, u32>::default());
        let commits = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64u32)
            .map(|i| {
                let (group, commits) = (group.clone(), commits.clone());
                tokio::spawn(async move {
                    group
                        .submit(i, |batch| async move {
                            commits.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                            Ok(batch.into_iter().map(|x| if x % 7 == 0 { Err(Error::conflict("seven")) } else { Ok(x * 10) }).collect())
                        })
                        .await
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            let answer = t.await.unwrap();
            if i % 7 == 0 {
                assert!(matches!(answer, Err(Error::Conflict { .. })), "{i}: {answer:?}");
            } else {
                assert_eq!(answer.unwrap(), i as u32 * 10);
            }
        }
        let n = commits.load(Ordering::SeqCst);
        assert!(n < 64, "64 writes queued behind a 5 ms commit share commits ({n} commits)");
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_write_in_it() {
        let group = GroupCommit::<u32, u32>::default();
        let answer = group.submit(1, |_| async { Err(Error::conflict("disk full")) }).await;
        assert!(matches!(answer, Err(Error::Internal { ref message, .. }) if message.contains("disk full")), "{answer:?}");
    }
}
