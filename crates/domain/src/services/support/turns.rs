//! Edits of one account made on this instance take turns: each decides on the account the one
//! before it left, instead of all of them racing for the same version and most deciding again
//! (a burst of edits of one account would otherwise exhaust their attempts and answer 409
//! although nothing conflicts). Edits from other instances still meet a version check and
//! decide again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::lock::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::account::AccountUuid;

#[derive(Default)]
pub struct EditTurns {
    queues: Mutex<HashMap<AccountUuid, Arc<AsyncMutex<()>>>>,
}

/// An account's turn: the next edit of it waits until this drops.
pub struct Turn<'a> {
    turns: &'a EditTurns,
    account: AccountUuid,
    guard: Option<OwnedMutexGuard<()>>,
    waited: bool,
}

impl EditTurns {
    fn queues(&self) -> std::sync::MutexGuard<'_, HashMap<AccountUuid, Arc<AsyncMutex<()>>>> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for `account`'s turn.
    pub async fn take(&self, account: AccountUuid) -> Turn<'_> {
        let queue = self.queues().entry(account).or_default().clone();
        let (guard, waited) = match queue.clone().try_lock_owned() {
            Some(guard) => (guard, false),
            None => (queue.lock_owned().await, true),
        };
        Turn {
            turns: self,
            account,
            guard: Some(guard),
            waited,
        }
    }

    #[cfg(test)]
    fn accounts(&self) -> usize {
        self.queues().len()
    }
}

impl Turn<'_> {
    /// Whether another edit went first: the account read before waiting is stale then.
    pub fn waited(&self) -> bool {
        self.waited
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        // Nobody else holds or waits for the queue: forget it, so memory stays bounded.
        let mut queues = self.turns.queues();
        if queues
            .get(&self.account)
            .is_some_and(|queue| Arc::strong_count(queue) == 1)
        {
            queues.remove(&self.account);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn edits_of_one_account_take_turns_and_leave_nothing_behind() {
        let turns = Arc::new(EditTurns::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let account = AccountUuid(uuid::Uuid::from_u128(1));
        let edits = (0..16).map(|_| {
            let (turns, inside) = (turns.clone(), inside.clone());
            tokio::spawn(async move {
                let _turn = turns.take(account).await;
                assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two at once");
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for edit in edits.collect::<Vec<_>>() {
            edit.await.unwrap();
        }
        // Another account's edit does not wait for this one's.
        let _one = turns.take(account).await;
        let _other = turns.take(AccountUuid(uuid::Uuid::from_u128(2))).await;
        drop((_one, _other));
        assert_eq!(turns.accounts(), 0);
    }
}
