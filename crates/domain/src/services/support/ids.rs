//! Numeric ids are random (not sequential, so they reveal nothing about sign-up order or
//! volume); the rare collision is resolved by drawing again. A derived username that is taken
//! is drawn again the same way (see [`crate::account::NewAccount::into_account`]).

use std::future::Future;

use crate::account::{AccountUuid, PublicId};
use crate::error::DomainError;
use crate::ports::{Randomness, StoreError, UniqueKey};

const ATTEMPTS: usize = 5;

/// Calls `insert` with fresh ids (and the attempt's number, from 0) until its write does not
/// collide on an id or a username. `insert` answers the result of its write inside the result
/// of what it did before writing.
pub(crate) async fn with_fresh_ids<T, F, Fut>(
    random: &dyn Randomness,
    mut insert: F,
) -> Result<T, DomainError>
where
    F: FnMut(AccountUuid, PublicId, usize) -> Fut,
    Fut: Future<Output = Result<Result<T, StoreError>, DomainError>>,
{
    for attempt in 0..ATTEMPTS {
        let ids = (
            AccountUuid(random.uuid()),
            PublicId(random.int_in(PublicId::MIN, PublicId::MAX)),
        );
        match insert(ids.0, ids.1, attempt).await? {
            Err(StoreError::Duplicate(UniqueKey::PublicId | UniqueKey::Id | UniqueKey::Username)) => continue,
            other => return Ok(other?),
        }
    }
    Err(DomainError::Unavailable("could not allocate a numeric id".into()))
}
