//! Edits of one account made on this instance take turns: each decides on the account the one
//! before it left, instead of all of them racing for the same version and most deciding again
//! (a burst of edits of one account would otherwise exhaust their attempts and answer 409
//! although nothing conflicts). Edits from other instances still meet a version check and
//! decide again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::lock::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::account::AccountUuid;
use crate::tenant::TenantId;

type Key = (TenantId, AccountUuid);
type Queues = HashMap<Key, Arc<AsyncMutex<()>>>;

#[derive(Default)]
pub struct EditTurns {
    queues: Mutex<Queues>,
}

/// An account's turn: the next edit of it waits until this drops.
pub struct Turn<'a> {
    _guard: OwnedMutexGuard<()>,
    waited: bool,
    _leaving: Leaving<'a>,
}

/// Forgets the account's queue once nobody holds or waits for it: when a turn ends, and when a
/// wait is given up (its request dropped), so memory stays bounded.
struct Leaving<'a> {
    turns: &'a EditTurns,
    key: Key,
    queue: Option<Arc<AsyncMutex<()>>>,
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        // Our own handle goes first, so that the count below is of the others.
        drop(self.queue.take());
        let mut queues = self.turns.queues();
        if queues
            .get(&self.key)
            .is_some_and(|queue| Arc::strong_count(queue) == 1)
        {
            queues.remove(&self.key);
        }
    }
}

impl EditTurns {
    fn queues(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the turn of `tenant`'s `account`.
    pub async fn take(&self, tenant: &TenantId, account: AccountUuid) -> Turn<'_> {
        let key = (tenant.clone(), account);
        let queue = self.queues().entry(key.clone()).or_default().clone();
        // Holds the only handle besides the lock's own, so that a wait given up (its request
        // dropped) forgets the queue too.
        let leaving = Leaving {
            turns: self,
            key,
            queue: Some(queue),
        };
        let queue = || leaving.queue.clone().expect("held until dropped");
        let (guard, waited) = match queue().try_lock_owned() {
            Some(guard) => (guard, false),
            None => (queue().lock_owned().await, true),
        };
        Turn {
            _guard: guard,
            waited,
            _leaving: leaving,
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use futures_util::FutureExt;

    use super::*;

    fn acme() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn edits_of_one_account_take_turns_and_leave_nothing_behind() {
        let turns = Arc::new(EditTurns::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let waited = Arc::new(AtomicUsize::new(0));
        let account = AccountUuid(uuid::Uuid::from_u128(1));
        let edits = (0..16).map(|_| {
            let (turns, inside, waited) = (turns.clone(), inside.clone(), waited.clone());
            tokio::spawn(async move {
                let turn = turns.take(&acme(), account).await;
                if turn.waited() {
                    waited.fetch_add(1, Ordering::SeqCst);
                }
                assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two at once");
                tokio::time::sleep(Duration::from_millis(2)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for edit in edits.collect::<Vec<_>>() {
            edit.await.unwrap();
        }
        assert!(waited.load(Ordering::SeqCst) > 0, "nobody waited: no turns taken");
        assert_eq!(turns.accounts(), 0, "nothing left behind by the burst");
    }

    #[tokio::test]
    async fn a_turn_says_whether_it_waited_and_other_accounts_do_not_wait() {
        let turns = EditTurns::default();
        let account = AccountUuid(uuid::Uuid::from_u128(1));
        let first = turns.take(&acme(), account).await;
        assert!(!first.waited());
        // The same uuid in another tenant, and another account: their own queues.
        let other_tenant = turns
            .take(&TenantId::parse("other").unwrap(), account)
            .now_or_never()
            .expect("another tenant's account does not wait");
        let other = turns
            .take(&acme(), AccountUuid(uuid::Uuid::from_u128(2)))
            .now_or_never()
            .expect("another account does not wait");
        drop((other_tenant, other));
        // The next edit waits, and says so.
        let tenant = acme();
        let mut second = Box::pin(turns.take(&tenant, account));
        assert!((&mut second).now_or_never().is_none(), "waits for the first");
        drop(first);
        let second = second.await;
        assert!(second.waited());
        // A wait given up (its request dropped) after the turn before it ended leaves nothing
        // behind either.
        let mut given_up = Box::pin(turns.take(&tenant, account));
        assert!((&mut given_up).now_or_never().is_none());
        drop(second);
        drop(given_up);
        assert_eq!(turns.accounts(), 0);
    }
}
