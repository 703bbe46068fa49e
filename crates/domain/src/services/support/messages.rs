//! Composing the messages the outbox sends: sealed for it, with a masked copy for the back
//! office, and links pointing where the tenant's settings say.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::Channel;
use crate::message::{MessageId, OutboundMessage};
use crate::ports::{Sealer, TenantRepository};
use crate::services::{Deps, LinkSettings};
use crate::templates::{code_text, compose, AccountChange, Template, MASK};
use crate::tenant::TenantId;
use crate::values::Locale;

/// Composes messages and their links.
#[derive(Clone)]
pub struct Messages {
    pub sealer: Arc<dyn Sealer>,
    /// The instance's links; a tenant's settings may override them (see [`Self::links_for`]).
    pub links: LinkSettings,
    pub tenants: Arc<dyn TenantRepository>,
    /// How long a texted code is valid, as its text says.
    pub code_ttl: Duration,
}

impl Messages {
    /// Where the links in `tenant`'s messages point.
    pub async fn links_for(&self, tenant: &TenantId) -> Result<LinkSettings, DomainError> {
        let tenant = self.tenants.get_tenant(tenant).await?;
        Ok(self.links.for_tenant(tenant.as_ref()))
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
        let minutes = self.code_ttl.whole_minutes().max(1);
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
