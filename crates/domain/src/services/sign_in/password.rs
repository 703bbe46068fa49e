use std::sync::OnceLock;

use time::{Duration, OffsetDateTime};

use crate::account::Account;
use crate::audit::{Actor, AuditKind};
use crate::error::DomainError;
use crate::ports::{AccessClaims, HashError};
use crate::services::Deps;
use crate::session::{masked_address, Session, SessionId, SignInMethod};
use crate::sign_in_throttle::lock_after;
use crate::tenant::TenantId;
use crate::values::{Password, PasswordHash};

#[derive(Debug, Clone)]
pub struct SignInSettings {
    /// How long a session (and its access token) lives.
    pub session_ttl: Duration,
}

impl Default for SignInSettings {
    fn default() -> Self {
        SignInSettings {
            session_ttl: Duration::hours(24),
        }
    }
}

/// A new session and the access token that names it.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: Session,
}

/// The caller of an authenticated request: a live session and its account as loaded now.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: Session,
    pub account: Account,
}

/// Sign-in with email and password, and the check of access tokens on every request.
pub struct SignIn {
    deps: Deps,
    settings: SignInSettings,
    /// A hash to verify against when there is no real one, so that unknown addresses, locked
    /// and password-less accounts cost the same time as a wrong password.
    decoy: OnceLock<PasswordHash>,
}

impl SignIn {
    pub fn new(deps: Deps, settings: SignInSettings) -> Self {
        SignIn {
            deps,
            settings,
            decoy: OnceLock::new(),
        }
    }

    /// Every failure is the same `Unauthenticated`, whatever went wrong.
    pub async fn sign_in(
        &self,
        tenant: &TenantId,
        email: &str,
        password: &str,
    ) -> Result<SignedIn, DomainError> {
        self.sign_in_from(tenant, email, password, None).await
    }

    /// As [`Self::sign_in`], recording on the session the country the sign-in came from, as
    /// a trusted proxy reported it.
    pub async fn sign_in_from(
        &self,
        tenant: &TenantId,
        email: &str,
        password: &str,
        country: Option<String>,
    ) -> Result<SignedIn, DomainError> {
        let (account, hash) = self.checked(tenant, email, password).await?;
        let now = self.deps.clock.now();
        self.forget_failures(&account).await?;
        self.open_session(&account, Some(&hash), now, country, SignInMethod::Password)
            .await
    }

    /// After a complete sign-in: past failures and any lock are forgotten.
    pub(crate) async fn forget_failures(&self, account: &Account) -> Result<(), DomainError> {
        if account.sign_in.failures > 0 || account.sign_in.locked_until.is_some() {
            self.deps
                .accounts
                .reset_sign_in_failures(&account.tenant, account.uuid)
                .await?;
        }
        Ok(())
    }

    /// The account `email` names, once `password` is proven its (failures counted, the lockout
    /// applied), with the hash the password was checked against. The count of failures is
    /// left for the caller to forget once the whole sign-in (a second factor too) succeeds.
    /// Every failure is the same `Unauthenticated`.
    pub(crate) async fn checked(
        &self,
        tenant: &TenantId,
        email: &str,
        password: &str,
    ) -> Result<(Account, PasswordHash), DomainError> {
        let now = self.deps.clock.now();
        let password = Password::candidate(password).map_err(|_| DomainError::Unauthenticated)?;
        let account = self.deps.account_by_email(tenant, email).await?;
        let Some(account) = account else {
            return self.refuse(&password).await;
        };
        if account.sign_in.is_locked(now) {
            return self.refuse(&password).await;
        }
        let Some(hash) = &account.password_hash else {
            return self.refuse(&password).await;
        };
        let matches = match self.deps.passwords.verify(&password, hash).await {
            Ok(matches) => matches,
            // A hash we cannot read is treated as a wrong password: the customer resets it.
            Err(HashError::Malformed) => false,
            // Nothing was checked (hashing at capacity or gone): nothing is counted against the
            // account, and the caller is told to retry.
            Err(not_checked) => return Err(not_checked.into()),
        };
        if !matches {
            self.count_failure(&account, now).await?;
            return Err(DomainError::Unauthenticated);
        }
        if !account.status.may_sign_in() {
            return Err(DomainError::Unauthenticated);
        }
        if hash.is_imported() {
            return self.adopted(account, &password).await;
        }
        let hash = hash.clone();
        Ok((account, hash))
    }

    /// `account`, whose imported hash `password` was just proven against, with that hash
    /// replaced by one of Clientele's own: the earlier system's scheme is used once, and its
    /// hash is gone. A sign-in that lost the race to replace it checks the password against the
    /// winner's hash.
    async fn adopted(
        &self,
        mut account: Account,
        password: &Password,
    ) -> Result<(Account, PasswordHash), DomainError> {
        let imported = account
            .password_hash
            .clone()
            .ok_or(DomainError::Unauthenticated)?;
        let own = self.deps.passwords.hash(password).await?;
        let replaced = self
            .deps
            .accounts
            .replace_password_hash(&account.tenant, account.uuid, &imported, &own)
            .await?;
        if !replaced {
            // Another sign-in replaced it first (a retried request, say): the password is
            // checked against what that one wrote, as any later sign-in would be.
            let current = self
                .deps
                .accounts
                .find_by_uuid(&account.tenant, account.uuid)
                .await?
                .filter(|a| a.status.may_sign_in())
                .ok_or(DomainError::Unauthenticated)?;
            let hash = current
                .password_hash
                .clone()
                .filter(|h| !h.is_imported())
                .ok_or(DomainError::Unauthenticated)?;
            return match self.deps.passwords.verify(password, &hash).await {
                Ok(true) => Ok((current, hash)),
                Ok(false) | Err(HashError::Malformed) => Err(DomainError::Unauthenticated),
                Err(not_checked) => Err(not_checked.into()),
            };
        }
        account.password_hash = Some(own.clone());
        account.version += 1;
        Ok((account, own))
    }

    /// Refuses a sign-in that names no tenant of this instance, after the same work as a wrong
    /// password, so that the answer and its timing do not tell tenants apart from typos.
    pub async fn refuse_without_tenant(&self, password: &str) -> DomainError {
        let Ok(password) = Password::candidate(password) else {
            return DomainError::Unauthenticated;
        };
        match self.refuse::<()>(&password).await {
            Err(refusal) => refusal,
            Ok(()) => DomainError::Unauthenticated,
        }
    }

    /// Checks a bearer token: signature, expiry, and that its session is still live.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, DomainError> {
        let claims = self
            .deps
            .tokens
            .verify(token)
            .map_err(|_| DomainError::Unauthenticated)?;
        let now = self.deps.clock.now();
        let (session, account) = self
            .deps
            .sessions
            .find_active(claims.session, now)
            .await?
            .ok_or(DomainError::Unauthenticated)?;
        // The token, its session and the session's account all name one (tenant, uuid): a uuid
        // alone may name accounts of two tenants.
        let consistent = session.account == claims.account
            && session.tenant == claims.tenant
            && account.uuid == session.account
            && account.tenant == session.tenant;
        if !consistent || !account.status.may_sign_in() {
            return Err(DomainError::Unauthenticated);
        }
        if session.seen_long_ago(now) {
            // Bookkeeping for the customer's session list: a failed write fails no request.
            let seen_before = now - crate::session::LAST_SEEN_GRANULARITY;
            let _ = self
                .deps
                .sessions
                .touch(&session.tenant, session.id, now, seen_before)
                .await;
        }
        Ok(Authenticated { session, account })
    }

    /// Opens a session for `account`, signed into by `method` with the password whose hash is
    /// `checked` (if one was): refused if the account closed or its password changed since it was read.
    pub(crate) async fn open_session(
        &self,
        account: &Account,
        checked: Option<&PasswordHash>,
        now: OffsetDateTime,
        country: Option<String>,
        method: SignInMethod,
    ) -> Result<SignedIn, DomainError> {
        let session = Session {
            id: SessionId(self.deps.random.uuid()),
            tenant: account.tenant.clone(),
            account: account.uuid,
            created_at: now,
            expires_at: now + self.settings.session_ttl,
            revoked_at: None,
            country: country.filter(|c| is_country(c)).map(|c| c.to_ascii_uppercase()),
            device: self.deps.request.device(),
            ip: self
                .deps
                .request
                .client_address()
                .and_then(|a| masked_address(&a)),
            sign_in_method: method,
            last_seen_at: now,
        };
        let succeeded = self
            .deps
            .audit_entry(account, AuditKind::SignInSucceeded, Actor::Customer, None);
        self.open(account, checked, session, &[succeeded]).await
    }

    /// A session to take the place of `replaced` (signed out by a change of number), to be
    /// committed with the change (see `ports::SessionReplacement`): signed in when `replaced`
    /// was and ending when it would have, so that replacing a session never counts as a new
    /// sign-in (for the recent sign-in sensitive changes need).
    pub(crate) fn replacement_for(&self, replaced: &Session) -> Session {
        Session {
            id: SessionId(self.deps.random.uuid()),
            revoked_at: None,
            ..replaced.clone()
        }
    }

    /// The access token of `session`, a session of `account` already stored.
    pub(crate) fn token_for(&self, account: &Account, session: Session) -> Result<SignedIn, DomainError> {
        let claims = AccessClaims {
            session: session.id,
            account: account.uuid,
            tenant: account.tenant.clone(),
            issued_at: self.deps.clock.now(),
            expires_at: session.expires_at,
        };
        let token = self
            .deps
            .tokens
            .issue(&claims)
            .map_err(|e| DomainError::Unavailable(e.to_string()))?;
        Ok(SignedIn { token, session })
    }

    /// Stores `session` (with `audit`) if the account is still open with the password
    /// `checked`, and issues its token.
    async fn open(
        &self,
        account: &Account,
        checked: Option<&PasswordHash>,
        session: Session,
        audit: &[crate::audit::AuditEntry],
    ) -> Result<SignedIn, DomainError> {
        if !self
            .deps
            .sessions
            .create(&session, checked.cloned(), audit)
            .await?
        {
            // Closed since it was read.
            return Err(DomainError::Unauthenticated);
        }
        self.token_for(account, session)
    }

    async fn count_failure(&self, account: &Account, now: OffsetDateTime) -> Result<(), DomainError> {
        count_sign_in_failure(&self.deps, account, now).await
    }

    async fn refuse<T>(&self, password: &Password) -> Result<T, DomainError> {
        let decoy = match self.decoy.get() {
            Some(hash) => hash.clone(),
            None => {
                let throwaway = Password::candidate(&self.deps.random.string_from(b"abcdefghijklmnop", 16))
                    .expect("16 letters are a valid candidate");
                let hash = self.deps.passwords.hash(&throwaway).await?;
                self.decoy.get_or_init(|| hash).clone()
            }
        };
        // Under overload an unknown address must answer as a known one does: retry later.
        match self.deps.passwords.verify(password, &decoy).await {
            Err(not_checked @ (HashError::Busy | HashError::Unavailable)) => Err(not_checked.into()),
            _ => Err(DomainError::Unauthenticated),
        }
    }
}

/// What a proxy's country header may hold: a code of two or three letters (`US`, `USA`), or
/// `XX`/`T1`-style placeholders some proxies send; anything else is not recorded.
fn is_country(value: &str) -> bool {
    (2..=3).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A wrong password counted toward `account`'s sign-in lockout, wherever it was typed (signing
/// in, or confirming the old password to change it).
pub(crate) async fn count_sign_in_failure(
    deps: &Deps,
    account: &Account,
    now: OffsetDateTime,
) -> Result<(), DomainError> {
    let failed = deps.audit_entry(account, AuditKind::SignInFailed, Actor::Customer, None);
    let failures = deps
        .accounts
        .record_sign_in_failure(&account.tenant, account.uuid, &failed)
        .await?;
    if let Some(lock) = lock_after(failures) {
        let locked = deps.audit_entry(account, AuditKind::SignInLocked, Actor::Customer, None);
        deps.accounts
            .lock_sign_in(&account.tenant, account.uuid, now + lock, &locked)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
