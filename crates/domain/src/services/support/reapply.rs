//! The one way a use case survives a concurrent writer: decide on the account as stored,
//! commit (version-checked), and on a lost race reload the account and decide again, so that
//! every decision, including whether the account may still be changed at all, is made on the
//! state it is committed against.

use std::future::Future;

use crate::account::Account;
use crate::error::DomainError;
use crate::ports::{AccountRepository, StoreError, UniqueKey};

/// How often a decision is made again after losing a race: more than a burst of concurrent
/// writers to one account can win in a row (each round one of them commits), so that edits of
/// one account at once all go through, each re-applied to what the others left, and a refusal
/// comes only from a real conflict.
pub(crate) const ATTEMPTS: usize = 64;
/// For a change that must not give way to a burst of edits (closing an account): more than a
/// burst of concurrent edits can win in a row.
pub(crate) const PERSISTENT_ATTEMPTS: usize = 100;

/// The versions of the account a caller last read and means to change (an HTTP `If-Match`): the
/// change applies only while the account is still at one of them. `any()` sets no condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfVersion(Option<Vec<i64>>);

impl IfVersion {
    pub fn any() -> Self {
        IfVersion(None)
    }

    /// Only while the account is at one of `versions` (none: never).
    pub fn one_of(versions: Vec<i64>) -> Self {
        IfVersion(Some(versions))
    }

    /// Whether the change is conditional: then it starts from the account as stored, not as an
    /// authentication cache may still hold it (and a change that writes nothing is checked too).
    pub(crate) fn is_conditional(&self) -> bool {
        self.0.is_some()
    }

    /// Checked on the account the decision is made on, so a lost race re-checks it too.
    pub(crate) fn holds_for(&self, account: &Account) -> Result<(), DomainError> {
        match &self.0 {
            Some(versions) if !versions.contains(&account.version) => Err(DomainError::PreconditionFailed),
            _ => Ok(()),
        }
    }
}

/// The caller's account to decide on first: `held` (as authentication found it), or as stored
/// when `reload` — a conditional change, or one that waited for another edit to go first
/// (`held` is older than that edit then).
pub(crate) async fn account_to_decide_on(
    accounts: &dyn AccountRepository,
    held: &Account,
    reload: bool,
) -> Result<Account, DomainError> {
    if !reload {
        return Ok(held.clone());
    }
    accounts
        .find_by_uuid(&held.tenant, held.uuid)
        .await?
        .ok_or(DomainError::Unauthenticated)
}

/// Why one decision did not go through.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// Another writer changed the account, or opened or re-issued the flow this decision
    /// wanted to open or re-issue, first: decide again on the account as it is now.
    Stale,
    /// The answer for the caller.
    Failed(DomainError),
}

impl From<DomainError> for Attempt {
    fn from(error: DomainError) -> Self {
        Attempt::Failed(error)
    }
}

impl From<StoreError> for Attempt {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::VersionMismatch
            | StoreError::FlowChanged
            | StoreError::Duplicate(UniqueKey::OpenFlow) => Attempt::Stale,
            other => Attempt::Failed(other.into()),
        }
    }
}

/// Runs `decide` on `account`, then on the reloaded account after each lost race. `decide` must
/// check everything it relies on (the account's status above all) on the account it is given,
/// and commit against that account's version.
pub(crate) async fn on_current_account<T, F, Fut>(
    accounts: &dyn AccountRepository,
    account: Account,
    decide: F,
) -> Result<T, DomainError>
where
    F: FnMut(Account) -> Fut,
    Fut: Future<Output = Result<T, Attempt>>,
{
    deciding_again(accounts, account, ATTEMPTS, decide).await
}

/// [`on_current_account`] with a budget of `attempts` decisions.
pub(crate) async fn deciding_again<T, F, Fut>(
    accounts: &dyn AccountRepository,
    mut account: Account,
    attempts: usize,
    mut decide: F,
) -> Result<T, DomainError>
where
    F: FnMut(Account) -> Fut,
    Fut: Future<Output = Result<T, Attempt>>,
{
    for attempt in 1..=attempts {
        let (tenant, uuid) = (account.tenant.clone(), account.uuid);
        match decide(account).await {
            Ok(done) => return Ok(done),
            Err(Attempt::Failed(error)) => return Err(error),
            Err(Attempt::Stale) if attempt == attempts => break,
            Err(Attempt::Stale) => {
                account = accounts
                    .find_by_uuid(&tenant, uuid)
                    .await?
                    .ok_or(DomainError::NotFound)?;
            }
        }
    }
    Err(StoreError::VersionMismatch.into())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::account::AccountStatus;
    use crate::ports::MockAccountRepository;
    use crate::services::support::test_support::account;

    #[tokio::test]
    async fn a_lost_race_decides_again_on_the_reloaded_account() {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_find_by_uuid().times(1).returning(|_, _| {
            let mut fresh = account();
            fresh.version = 9;
            Ok(Some(fresh))
        });
        let seen = std::sync::Mutex::new(Vec::new());
        let result = on_current_account(&accounts, account(), |a| {
            seen.lock().unwrap().push(a.version);
            async move {
                if a.version == 9 {
                    Ok(a.version)
                } else {
                    Err(Attempt::Stale)
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(result, 9);
        assert_eq!(*seen.lock().unwrap(), vec![3, 9]);
    }

    #[tokio::test]
    async fn the_reloaded_account_is_what_the_decision_sees() {
        // The race was lost to a deactivation: the second decision sees it and refuses.
        let mut accounts = MockAccountRepository::new();
        accounts.expect_find_by_uuid().returning(|_, _| {
            let mut gone = account();
            gone.status = AccountStatus::Deactivated;
            Ok(Some(gone))
        });
        let result: Result<(), _> = on_current_account(&accounts, account(), |a| async move {
            match a.status {
                AccountStatus::Deactivated => Err(Attempt::Failed(DomainError::Unauthenticated)),
                _ => Err(Attempt::Stale),
            }
        })
        .await;
        assert!(matches!(result, Err(DomainError::Unauthenticated)));
    }

    #[tokio::test]
    async fn endless_races_end_in_a_conflict() {
        let mut accounts = MockAccountRepository::new();
        accounts
            .expect_find_by_uuid()
            .returning(|_, _| Ok(Some(account())));
        let tries = AtomicUsize::new(0);
        let result: Result<(), _> = on_current_account(&accounts, account(), |_| {
            tries.fetch_add(1, Ordering::SeqCst);
            async { Err(StoreError::VersionMismatch.into()) }
        })
        .await;
        assert!(matches!(result, Err(DomainError::Conflict(_))));
        assert_eq!(tries.load(Ordering::SeqCst), ATTEMPTS);
    }
}
