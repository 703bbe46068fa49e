//! Resetting a forgotten password with a mailed code.

use super::*;

impl CustomerArea {
    /// Mails a reset code to the account with this address, if there is one. `link` has been
    /// resolved by [`links::resolve`]; the code is appended to its path.
    pub async fn request_password_reset(
        &self,
        tenant: &TenantId,
        email: &str,
        link: &str,
    ) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        let Some(account) = self.deps.account_by_email(tenant, email).await? else {
            return Ok(());
        };
        // The link was resolved for the tenant already: only its code (and, for Clientele's own
        // reset page, the tenant) is added.
        let links = &self.flows.links_for(tenant).await?;
        on_current_account(self.deps.accounts.as_ref(), account, |account| async move {
            if !account.status.may_sign_in() {
                return Ok(()); // closed (or never activated): nothing is mailed
            }
            let address = account.address();
            let issued = self
                .flows
                .issue(&self.deps, &account, Purpose::PasswordReset, &address, None, now)
                .await?;
            let Some(issued) = issued else {
                return Ok(()); // locked: no new code until it expires
            };
            let mut commit = Commit::at(now);
            self.add_secret_mail(
                &mut commit,
                links,
                &account,
                &address,
                issued,
                SecretMail::PasswordReset { link },
                now,
            );
            // Two requests at once: the one that loses to the other's flow is done as well.
            self.flows.commit_issued(&account, commit).await
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
        let now = self.deps.clock.now();
        let account = self.deps.account_by_email(tenant, email).await?;
        let Some(account) = account.filter(|a| a.status.may_sign_in()) else {
            return Err(refused(Refusal::Invalid));
        };
        let open = self
            .flows
            .flows
            .find_open(tenant, account.uuid, Purpose::PasswordReset)
            .await?;
        // Named by an address, not by a mailed identifier: an expired or locked code answers
        // like a wrong one, or the answer would tell that the address has an account.
        let flow = self
            .flows
            .check(open, Purpose::PasswordReset, code, now)
            .await
            .map_err(|e| match e {
                DomainError::SecretRefused(_) => refused(Refusal::Invalid),
                other => other,
            })?;
        let passphrase = Password::candidate(&self.deps.random.string_from(PASSPHRASE_ALPHABET, 16))
            .expect("16 characters are a valid candidate");
        let token = self
            .passphrase_tokens
            .passphrase_token(&passphrase, code.trim())
            .map_err(|e| DomainError::Unavailable(e.to_string()))?;
        let hash = self.deps.passwords.hash(&passphrase).await?;
        // Every session, every other open flow (an email change, a closing code, a sign-in
        // challenge proven with the old password) ends with it.
        self.consume(account, &flow, |account| {
            account.reset_password(hash.clone(), now)
        })
        .await?;
        Ok(token)
    }
}
