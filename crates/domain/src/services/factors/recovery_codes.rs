//! Recovery codes: ten single-use codes that stand in for a lost factor, shown once and kept
//! only as keyed digests.

use super::StrongFactors;
use crate::account::Account;
use crate::error::DomainError;
use crate::factors::{
    shown_recovery_code, typed_recovery_code, RECOVERY_ALPHABET, RECOVERY_CODES, RECOVERY_LEN,
};
use crate::lifecycle::MadeBy;
use crate::ports::{Commit, SecretDigester};
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::{Authenticated, Deps};

/// A new set: the codes as shown to the customer, and their digests to keep.
pub(super) fn new_set(deps: &Deps, digester: &dyn SecretDigester) -> (Vec<String>, Vec<String>) {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = deps.random.string_from(RECOVERY_ALPHABET, RECOVERY_LEN);
            (shown_recovery_code(&raw), digester.digest(&raw))
        })
        .unzip()
}

/// Where in `account`'s set the code `typed` is, if it is one of them (every digest is
/// compared, each in constant time).
pub fn matching_recovery_code(
    account: &Account,
    digester: &dyn SecretDigester,
    typed: &str,
) -> Option<usize> {
    let typed = typed_recovery_code(typed);
    if typed.len() != RECOVERY_LEN {
        return None;
    }
    account
        .factors
        .recovery_codes
        .iter()
        .map(|digest| digester.matches(&typed, digest))
        .collect::<Vec<_>>()
        .into_iter()
        .position(|matched| matched)
}

impl StrongFactors {
    /// A new set of recovery codes in place of the old (which stop working). Needs a recent
    /// sign-in and a strong factor.
    pub async fn replace_recovery_codes(&self, who: &Authenticated) -> Result<Vec<String>, DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let account = self.current(who).await?;
        let digester = self.flows.secrets.digester.clone();
        on_current_account(self.deps.accounts.as_ref(), account, |current| {
            let digester = digester.clone();
            async move {
                let (shown, digests) = new_set(&self.deps, digester.as_ref());
                let transition = current
                    .replace_recovery_codes(digests, now)
                    .map_err(DomainError::from)?;
                let by = MadeBy::customer().from_session(who.session.id);
                let commit = self
                    .flows
                    .apply(&self.deps, Commit::at(now), &transition, by)
                    .await?;
                self.flows.commits.commit(commit).await?;
                Ok::<_, Attempt>(shown)
            }
        })
        .await
    }
}
