//! What every use case with an emailed or texted secret shares: issuing (or re-issuing) a
//! secret, checking one, and putting a message in the outbox.

use std::sync::Arc;

use time::OffsetDateTime;

use super::reapply::Attempt;
use super::{Authenticated, Deps};
use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{
    self, Channel, Flow, FlowId, FlowSettings, FlowStatus, FlowWrite, Purpose, Refusal, Reissue, SendClass,
};
use crate::lifecycle::MadeBy;
use crate::lifecycle::Transition;
use crate::message::{MessageId, OutboundMessage};
use crate::pending_change::PendingChange;
use crate::ports::{
    Commit, FlowRepository, Sealer, SecretDigester, StoreError, TenantRepository, UniqueKey, UnitOfWork,
};
use crate::templates::{code_text, compose, AccountChange, Template, MASK};
use crate::tenant::{Tenant, TenantId};
use crate::values::Locale;

/// Where links in messages point.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// The customer-facing web app's base URL (`CLIENTELE_PUBLIC_URL`).
    pub public_url: String,
    /// Origins absolute links may point to (`CLIENTELE_ALLOWED_REDIRECTS`).
    pub allowed_origins: Vec<String>,
    /// The tenant a page link acts for, when not the default one: the page must send it.
    pub tenant: Option<TenantId>,
}

impl LinkSettings {
    /// A link to a page of the web app, naming the tenant (`?tenant=`) unless it is the default,
    /// with the page's secrets in the fragment: browsers never send a fragment to a server, so
    /// the secret stays out of access logs, proxies and `Referer` headers.
    pub fn page(&self, path: &str, fragment: &str) -> String {
        let base = format!("{}{}", self.public_url.trim_end_matches('/'), path);
        match &self.tenant {
            Some(tenant) => format!("{base}?tenant={tenant}#{fragment}"),
            None => format!("{base}#{fragment}"),
        }
    }

    /// `link` naming the tenant (`tenant=` in its query, before any fragment) unless it is the
    /// default: the page it opens must send it (a reset link, say, whose code is in its path).
    pub fn naming_tenant(&self, link: &str) -> String {
        let Some(tenant) = &self.tenant else {
            return link.to_owned();
        };
        let cut = link.find('#').unwrap_or(link.len());
        let (before, fragment) = link.split_at(cut);
        let separator = if before.contains('?') { '&' } else { '?' };
        format!("{before}{separator}tenant={tenant}{fragment}")
    }

    /// The links of `tenant`'s messages: its web app, when it has one, instead of the
    /// instance's public URL; its redirect origins (and its web app's) besides the instance's.
    pub fn for_tenant(&self, tenant: Option<&Tenant>) -> LinkSettings {
        let Some(tenant) = tenant else {
            return self.clone();
        };
        let settings = &tenant.settings;
        let mut allowed_origins = self.allowed_origins.clone();
        allowed_origins.extend(settings.allowed_redirect_origins.iter().cloned());
        allowed_origins.extend(settings.web_app_url.iter().cloned());
        LinkSettings {
            public_url: settings
                .web_app_url
                .clone()
                .unwrap_or_else(|| self.public_url.clone()),
            allowed_origins,
            tenant: (tenant.id != TenantId::default_tenant()).then(|| tenant.id.clone()),
        }
    }
}

/// Whether a limited commit was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    Written,
    HeldBack,
}

/// Logs that the send limit held back a message to `account`'s recipient.
pub(crate) fn held_back(account: &Account) {
    tracing::warn!(
        event = "send_limited",
        tenant = account.tenant.as_str(),
        account = %account.uuid.0,
        "security event"
    );
}

/// The ports and settings flows need, besides [`Deps`].
#[derive(Clone)]
pub struct FlowDeps {
    pub flows: Arc<dyn FlowRepository>,
    pub commits: Arc<dyn UnitOfWork>,
    pub digester: Arc<dyn SecretDigester>,
    pub sealer: Arc<dyn Sealer>,
    pub settings: FlowSettings,
    /// The instance's links; a tenant's settings may override them (see [`Self::links_for`]).
    pub links: LinkSettings,
    pub tenants: Arc<dyn TenantRepository>,
}

/// A secret just issued: the flow write to commit and the secret to put in the message.
pub struct Issued {
    pub writes: Vec<FlowWrite>,
    pub flow: Flow,
    pub secret: String,
}

impl FlowDeps {
    /// `SignInAgain` unless `who` signed in within the re-authentication window: what a
    /// sensitive change asks of the session that makes it, so a token copied from a device
    /// (or a device left signed in) cannot take the account over.
    pub fn require_recent_sign_in(
        &self,
        who: &Authenticated,
        now: OffsetDateTime,
    ) -> Result<(), DomainError> {
        if now - who.session.created_at <= self.settings.reauth_max_age {
            Ok(())
        } else {
            Err(DomainError::SignInAgain)
        }
    }

    /// Where the links in `tenant`'s messages point.
    pub async fn links_for(&self, tenant: &TenantId) -> Result<LinkSettings, DomainError> {
        let tenant = self.tenants.get_tenant(tenant).await?;
        Ok(self.links.for_tenant(tenant.as_ref()))
    }

    /// A new secret for `purpose` of `account`, replacing the open flow's (its tries kept), or
    /// `None` while the open flow is locked.
    pub async fn issue(
        &self,
        deps: &Deps,
        account: &Account,
        purpose: Purpose,
        target: &str,
        pending_change: Option<PendingChange>,
        now: OffsetDateTime,
    ) -> Result<Option<Issued>, DomainError> {
        let open = self
            .flows
            .find_open(&account.tenant, account.uuid, purpose)
            .await?;
        let (alphabet, len) = purpose.secret_shape();
        let mut secret = deps.random.string_from(alphabet, len);
        // Numeric codes never start with 0, so a client that sends them as integers (as
        // B2Core's seed does) loses nothing.
        if alphabet.iter().all(u8::is_ascii_digit) && secret.starts_with('0') {
            secret.replace_range(..1, &deps.random.int_in(1, 9).to_string());
        }
        let expires_at = now + self.settings.ttl(purpose);
        let channel = match purpose {
            Purpose::PhoneChange | Purpose::SecondFactor => Channel::Sms,
            _ => Channel::Email,
        };
        let (writes, flow) = match flow::reissue(open.as_ref(), now) {
            Reissue::Refused => return Ok(None),
            Reissue::Replace(existing) => {
                let flow = Flow {
                    target: target.to_owned(),
                    secret_digest: self.digester.digest(&secret),
                    pending_change,
                    expires_at,
                    updated_at: now,
                    sent: existing.sent + 1,
                    sent_at: now,
                    ..*existing
                };
                (vec![FlowWrite::Replace(flow.clone())], flow)
            }
            Reissue::Fresh(previous) => {
                let flow = Flow {
                    id: FlowId(deps.random.uuid()),
                    tenant: account.tenant.clone(),
                    account: account.uuid,
                    purpose,
                    channel,
                    target: target.to_owned(),
                    secret_digest: self.digester.digest(&secret),
                    status: FlowStatus::Pending,
                    attempts: 0,
                    max_attempts: self.settings.max_attempts,
                    pending_change,
                    expires_at,
                    created_at: now,
                    updated_at: now,
                    sent: 1,
                    sent_at: now,
                    version: 0,
                };
                let mut writes: Vec<FlowWrite> = previous
                    .into_iter()
                    .map(|id| FlowWrite::Cancel {
                        tenant: account.tenant.clone(),
                        id,
                    })
                    .collect();
                writes.push(FlowWrite::Insert(flow.clone()));
                (writes, flow)
            }
        };
        Ok(Some(Issued { writes, flow, secret }))
    }

    /// Checks `presented` against `flow` (which must have `purpose`): the try is counted before
    /// the comparison, and counting the last allowed try locks the flow (see
    /// [`FlowRepository::register_attempt`]). A right secret returns the flow as counted: commit
    /// [`Flow::consume`] with the change it allows.
    pub async fn check(
        &self,
        flow: Option<Flow>,
        purpose: Purpose,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<Flow, DomainError> {
        let Some(flow) = flow.filter(|f| f.purpose == purpose) else {
            return Err(DomainError::SecretRefused(Refusal::Invalid));
        };
        let refused = |r: Refusal| {
            // An operator follows one account through the log: tenant and account, no secret.
            tracing::warn!(
                event = "secret_refused",
                reason = ?r,
                purpose = flow.purpose.as_str(),
                tenant = flow.tenant.as_str(),
                account = %flow.account.0,
                "security event"
            );
            Err(DomainError::SecretRefused(r))
        };
        let Some(counted) = self.flows.register_attempt(&flow.tenant, flow.id, now).await? else {
            let current = self.flows.find(&flow.tenant, flow.id).await?;
            return refused(flow::refusal_of(current.as_ref(), now));
        };
        if self.digester.matches(presented.trim(), &counted.secret_digest) {
            return Ok(counted);
        }
        refused(Refusal::Invalid)
    }

    /// Commits a decision that issued a secret (and its message) for someone who need not be
    /// signed in (sign-up, reset), relying on `account` as it was read: a concurrent request
    /// for the same purpose that opened or re-issued the flow first has sent a secret at this
    /// very moment, so the request is done and answers like it; an account changed meanwhile
    /// (closed, say) makes the caller decide again. A recipient sent as many messages as the
    /// send limit allows gets nothing, and the answer is the same (the old secret stays
    /// valid): asking is no way to flood a mailbox or a phone, nor to learn whether an address
    /// has an account.
    pub(crate) async fn commit_issued(&self, account: &Account, commit: Commit) -> Result<(), Attempt> {
        self.commit_issued_as(account, commit, SendClass::Secret)
            .await
            .map(drop)
    }

    /// Like [`Self::commit_issued`], for a caller who proved who they are (signed in, or the
    /// password at sign-in): held back by the send limit, they are told to wait (`TooSoon`),
    /// since no code is on its way.
    pub(crate) async fn commit_issued_for_caller(
        &self,
        account: &Account,
        commit: Commit,
        class: SendClass,
    ) -> Result<(), Attempt> {
        match self.commit_issued_as(account, commit, class).await? {
            Sent::Written => Ok(()),
            Sent::HeldBack => Err(self.send_limited().into()),
        }
    }

    /// What a caller who proved who they are hears when the send limit holds their message
    /// back: wait (at most the limit's window).
    pub(crate) fn send_limited(&self) -> DomainError {
        let window = self.settings.send_limit.map_or(60, |l| l.window.whole_seconds());
        DomainError::SendLimited(window.max(1) as u64)
    }

    async fn commit_issued_as(
        &self,
        account: &Account,
        commit: Commit,
        class: SendClass,
    ) -> Result<Sent, Attempt> {
        let commit = commit.relying_on(account);
        match self.commit_limited(account, commit, class).await {
            Err(StoreError::FlowChanged | StoreError::Duplicate(UniqueKey::OpenFlow)) => Ok(Sent::Written),
            other => Ok(other?),
        }
    }

    /// Commits `commit` within the send limit of `class`; a commit the limit holds back
    /// writes nothing and logs a security event.
    pub(crate) async fn commit_limited(
        &self,
        account: &Account,
        commit: Commit,
        class: SendClass,
    ) -> Result<Sent, StoreError> {
        match self
            .commits
            .commit(commit.limiting_sends(self.settings.send_limit, class))
            .await
        {
            Ok(()) => Ok(Sent::Written),
            Err(StoreError::SendLimited) => {
                held_back(account);
                Ok(Sent::HeldBack)
            }
            Err(other) => Err(other),
        }
    }

    /// A text message with `code` to `number` (E.164), sealed for the outbox; the back office
    /// reads it with the code masked.
    pub fn code_text(
        &self,
        deps: &Deps,
        account: &Account,
        number: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> OutboundMessage {
        let locale = account.profile.locale.as_ref();
        let minutes = self.settings.code_ttl.whole_minutes().max(1);
        OutboundMessage {
            id: MessageId(deps.random.uuid()),
            tenant: account.tenant.clone(),
            channel: Channel::Sms,
            recipient: number.to_owned(),
            subject: "Verification code".into(),
            // Texts have no HTML part; the sealed form keeps the mail's two parts.
            sealed_body: format!(
                "{}.{}",
                self.sealer.seal(&code_text(code, minutes, locale)),
                self.sealer.seal("")
            ),
            masked_text: code_text(MASK, minutes, locale),
            created_at: now,
            forget_recipient: false,
            account: Some(account.uuid),
        }
    }

    /// Stores an edit (version-checked): a plain one as an update of the account, one that is
    /// an event (a new phone number, a first address) through the unit of work with its
    /// consequences (see [`Self::apply`]). Answers the account as stored.
    pub async fn store_edit(
        &self,
        deps: &Deps,
        transition: &Transition,
        by: MadeBy<'_>,
    ) -> Result<Account, StoreError> {
        let next = transition.after();
        if !transition.is_credential_event() {
            return deps.accounts.update(next).await;
        }
        let commit = self.apply(deps, Commit::at(next.updated_at), transition, by);
        self.commits.commit(commit).await?;
        Ok(Account {
            version: next.version + 1,
            ..next.clone()
        })
    }

    /// A notice to the account's confirmed address that `change` happened (no secret in it);
    /// `None` when it has none.
    pub fn change_notice(
        &self,
        deps: &Deps,
        account: &Account,
        change: AccountChange,
        now: OffsetDateTime,
    ) -> Option<OutboundMessage> {
        // Only an address the customer proved: a notice to one they did not is no notice to them.
        let address = account.confirmed_email()?;
        let notice = Template::AccountChanged {
            name: &account.greeting_for(address.as_str()),
            change,
        };
        Some(self.message(deps, account, address.as_str(), &notice, None, now))
    }

    /// The message for `clear`, sealed for the outbox, with `masked` (the same template with
    /// the secret masked) kept readable for the back office.
    pub fn message(
        &self,
        deps: &Deps,
        account: &Account,
        recipient: &str,
        clear: &Template<'_>,
        masked: Option<&Template<'_>>,
        now: OffsetDateTime,
    ) -> OutboundMessage {
        let locale: Option<&Locale> = account.profile.locale.as_ref();
        let composed = compose(clear, locale);
        let masked_text = match masked {
            Some(masked) => compose(masked, locale).text,
            None => composed.text.clone(),
        };
        OutboundMessage {
            id: MessageId(deps.random.uuid()),
            tenant: account.tenant.clone(),
            channel: Channel::Email,
            recipient: recipient.to_owned(),
            subject: composed.subject,
            sealed_body: format!(
                "{}.{}",
                self.sealer.seal(&composed.text),
                self.sealer.seal(&composed.html)
            ),
            masked_text,
            created_at: now,
            forget_recipient: false,
            account: Some(account.uuid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_a_tenant_other_than_the_default() {
        let mut links = LinkSettings {
            public_url: "https://id.example".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        };
        assert_eq!(
            links.naming_tenant("https://id.example/customers/do_reset/C0DE"),
            "https://id.example/customers/do_reset/C0DE"
        );
        links.tenant = TenantId::parse("beta");
        assert_eq!(
            links.naming_tenant("https://id.example/customers/do_reset/C0DE"),
            "https://id.example/customers/do_reset/C0DE?tenant=beta"
        );
        assert_eq!(
            links.naming_tenant("https://app.example/reset?x=1#top"),
            "https://app.example/reset?x=1&tenant=beta#top"
        );
        assert_eq!(
            links.page("/customers/activate", "identifier=I&secret=S"),
            "https://id.example/customers/activate?tenant=beta#identifier=I&secret=S"
        );
    }
}
