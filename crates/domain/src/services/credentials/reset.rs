//! Resetting a forgotten password with a mailed code.

use crate::error::DomainError;
use crate::flow::{Purpose, Refusal};
use crate::ports::{Commit, PassphraseTokens};
use crate::services::support::reapply::on_current_account;
use crate::services::support::secret_mail::{refused, SecretMail, SecretMails};
use crate::services::{Deps, FlowDeps, LinkSettings};
use crate::tenant::TenantId;
use crate::values::Password;
use std::sync::Arc;

const PASSPHRASE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// Resetting a forgotten password: a code mailed to the account's address, redeemed for a new
/// passphrase.
pub struct PasswordReset {
    kit: SecretMails,
    passphrase_tokens: Arc<dyn PassphraseTokens>,
}

impl PasswordReset {
    pub fn new(deps: Deps, flows: FlowDeps, passphrase_tokens: Arc<dyn PassphraseTokens>) -> Self {
        PasswordReset {
            kit: SecretMails { deps, flows },
            passphrase_tokens,
        }
    }

    /// Where the links in `tenant`'s messages point (the surfaces resolve a client's
    /// `reset_uri` against it).
    pub async fn links_for(&self, tenant: &TenantId) -> Result<LinkSettings, DomainError> {
        self.kit.flows.messages.links_for(tenant).await
    }

    /// Mails a reset code to the account with this address, if there is one. `link` has been
    /// resolved by [`crate::links::resolve`]; the code is appended to its path.
    pub async fn request_password_reset(
        &self,
        tenant: &TenantId,
        email: &str,
        link: &str,
    ) -> Result<(), DomainError> {
        let now = self.kit.deps.clock.now();
        let Some(account) = self.kit.deps.account_by_email(tenant, email).await? else {
            return Ok(());
        };
        // The link was resolved for the tenant already: only its code (and, for Clientele's own
        // reset page, the tenant) is added.
        on_current_account(self.kit.deps.accounts.as_ref(), account, |account| async move {
            if !account.status.may_sign_in() {
                return Ok(()); // closed (or never activated): nothing is mailed
            }
            let address = account.address();
            let mut commit = Commit::at(now);
            let mail = SecretMail::PasswordReset { link };
            let issued = self
                .kit
                .issue_mail(
                    &mut commit,
                    &account,
                    Purpose::PasswordReset,
                    &address,
                    None,
                    mail,
                )
                .await?;
            if issued.is_none() {
                return Ok(()); // locked: no new code until it expires
            }
            // Two requests at once: the one that loses to the other's flow is done as well.
            self.kit.flows.commits.commit_issued(&account, commit).await
        })
        .await
    }

    /// Resets the password with the mailed code: sets a new random passphrase, revokes every
    /// session, and returns the passphrase in a token signed with the code (seed 001).
    pub async fn reset_password(
        &self,
        tenant: &TenantId,
        email: &str,
        code: &str,
    ) -> Result<String, DomainError> {
        let now = self.kit.deps.clock.now();
        let account = self.kit.deps.account_by_email(tenant, email).await?;
        let Some(account) = account.filter(|a| a.status.may_sign_in()) else {
            return Err(refused(Refusal::Invalid));
        };
        let open = self
            .kit
            .flows
            .secrets
            .flows
            .find_open(tenant, account.uuid, Purpose::PasswordReset)
            .await?;
        // Named by an address, not by a mailed identifier: an expired or locked code answers
        // like a wrong one, or the answer would tell that the address has an account.
        let flow = self
            .kit
            .flows
            .secrets
            .check(open, Purpose::PasswordReset, code, now)
            .await
            .map_err(|e| match e {
                DomainError::SecretRefused(_) => refused(Refusal::Invalid),
                other => other,
            })?;
        let passphrase = Password::candidate(&self.kit.deps.random.string_from(PASSPHRASE_ALPHABET, 16))
            .expect("16 characters are a valid candidate");
        let token = self
            .passphrase_tokens
            .passphrase_token(&passphrase, code.trim())
            .map_err(|e| DomainError::Unavailable(e.to_string()))?;
        let hash = self.kit.deps.passwords.hash(&passphrase).await?;
        // Every session, every other open flow (an email change, a closing code, a sign-in
        // challenge proven with the old password) ends with it.
        self.kit
            .consume(account, &flow, |account| {
                account.reset_password(hash.clone(), now)
            })
            .await?;
        Ok(token)
    }
}
