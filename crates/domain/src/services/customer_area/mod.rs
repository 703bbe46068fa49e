//! The Customer area's use cases: sign-up and activation, editing oneself (with email changes
//! confirmed by a key sent to the new address), password reset, and deleting one's account.

use time::OffsetDateTime;

use std::sync::Arc;

use super::flow_kit::{FlowDeps, Issued, LinkSettings, Sent};
use super::ids::with_fresh_ids;
use super::reapply::{on_current_account, Attempt};
use super::{Authenticated, Deps};
use crate::account::{Account, AccountStatus, NewAccount};
use crate::customer_edit::{full_name, split_name, CustomerEdit};
use crate::error::{DomainError, FieldErrors};
use crate::flow::{Flow, FlowId, Purpose, Refusal, SendClass};
use crate::lifecycle::MadeBy;
use crate::lifecycle::{IllegalTransition, Transition};
use crate::links;
use crate::pending_change::PendingChange;
use crate::ports::{AccountWrite, Commit, PassphraseTokens, StoreError};
use crate::profile::Profile;
use crate::templates::{Template, MASK};
use crate::tenant::TenantId;
use crate::values::{Email, Locale, Password};

const PASSPHRASE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A sign-up or an invitation: an account waiting for its activation.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: Email,
    pub profile: Profile,
}

/// Which secret a mail carries, and so its template and link.
#[derive(Clone, Copy)]
enum SecretMail<'l> {
    Activation,
    EmailChange,
    /// `link` is the resolved reset link; the code is appended to its path.
    PasswordReset {
        link: &'l str,
    },
}

impl SecretMail<'_> {
    fn link(&self, links: &LinkSettings, identifier: &str, secret: &str) -> String {
        match self {
            SecretMail::Activation => links.page(
                "/customers/activate",
                &format!("identifier={identifier}&secret={secret}"),
            ),
            SecretMail::EmailChange => links.page(
                "/customers/newemail_confirm",
                &format!("identifier={identifier}&key={secret}"),
            ),
            SecretMail::PasswordReset { link } => {
                let link = links::with_segment(link, secret);
                // The reset page at /customers/do_reset must be told the tenant; any other
                // reset_uri stays `<reset_uri>/<code>`, as the seed has it.
                let own_page = format!("{}/customers/do_reset/", links.public_url.trim_end_matches('/'));
                if link.starts_with(&own_page) {
                    links.naming_tenant(&link)
                } else {
                    link
                }
            }
        }
    }

    fn template<'a>(
        &self,
        name: &'a str,
        identifier: &'a str,
        secret: &'a str,
        link: &'a str,
    ) -> Template<'a> {
        match self {
            SecretMail::Activation => Template::Activation {
                name,
                identifier,
                secret,
                link,
            },
            SecretMail::EmailChange => Template::EmailChangeKey {
                name,
                identifier,
                key: secret,
                link,
            },
            SecretMail::PasswordReset { .. } => Template::PasswordReset {
                name,
                code: secret,
                link,
            },
        }
    }
}

pub struct CustomerArea {
    deps: Deps,
    flows: FlowDeps,
    passphrase_tokens: Arc<dyn PassphraseTokens>,
}

fn refused(refusal: Refusal) -> DomainError {
    DomainError::SecretRefused(refusal)
}

impl CustomerArea {
    pub fn new(deps: Deps, flows: FlowDeps, passphrase_tokens: Arc<dyn PassphraseTokens>) -> Self {
        CustomerArea {
            deps,
            flows,
            passphrase_tokens,
        }
    }

    /// Where the links in `tenant`'s messages point (the surfaces resolve a client's
    /// `reset_uri` against it).
    pub async fn links_for(&self, tenant: &TenantId) -> Result<LinkSettings, DomainError> {
        self.flows.links_for(tenant).await
    }

    /// Adds the issued flow and the mail carrying its secret (with a masked copy) to `commit`.
    #[allow(clippy::too_many_arguments)]
    fn add_secret_mail(
        &self,
        commit: &mut Commit,
        links: &LinkSettings,
        account: &Account,
        recipient: &str,
        issued: Issued,
        mail: SecretMail<'_>,
        now: OffsetDateTime,
    ) {
        let identifier = issued.flow.id.to_string();
        let name = account.greeting_for(recipient);
        let clear_link = mail.link(links, &identifier, &issued.secret);
        let masked_link = mail.link(links, &identifier, MASK);
        let clear = mail.template(&name, &identifier, &issued.secret, &clear_link);
        let masked = mail.template(&name, &identifier, MASK, &masked_link);
        commit.flows.extend(issued.writes);
        commit.messages.push(
            self.flows
                .message(&self.deps, account, recipient, &clear, Some(&masked), now),
        );
    }

    /// The flow named by an emailed `identifier`, once `secret` has been checked against it.
    async fn checked_flow(
        &self,
        tenant: &TenantId,
        identifier: &str,
        purpose: Purpose,
        secret: &str,
        now: OffsetDateTime,
    ) -> Result<Flow, DomainError> {
        let flow = match identifier.trim().parse() {
            Ok(id) => self.flows.flows.find(tenant, FlowId(id)).await?,
            Err(_) => None,
        };
        self.flows.check(flow, purpose, secret, now).await
    }

    /// The account a checked flow belongs to.
    async fn account_of(&self, flow: &Flow) -> Result<Account, DomainError> {
        self.deps
            .accounts
            .find_by_uuid(&flow.tenant, flow.account)
            .await?
            .ok_or(refused(Refusal::Invalid))
    }

    /// Commits the transition a checked secret allows, consuming its flow. `change` decides on
    /// the account as stored (refused: the account may no longer have it, so the secret is
    /// refused); an unrelated concurrent edit of the account makes it decide again, while a
    /// flow that moved meanwhile (the secret used, re-issued, or ended by another transition)
    /// refuses the secret.
    async fn consume(
        &self,
        account: Account,
        flow: &Flow,
        change: impl Fn(&Account) -> Result<Transition, IllegalTransition>,
    ) -> Result<(), DomainError> {
        on_current_account(self.deps.accounts.as_ref(), account, |account| {
            let transition = change(&account).map_err(|_| refused(Refusal::Invalid));
            async move {
                let commit = self.flows.apply(
                    &self.deps,
                    Commit::at(self.deps.clock.now()),
                    &transition?,
                    MadeBy::customer().completing(flow),
                );
                // The flow moved (used, re-issued, cancelled): the secret in hand is spent.
                self.flows.commits.commit(commit).await.map_err(|e| match e {
                    StoreError::FlowChanged => Attempt::Failed(refused(Refusal::Invalid)),
                    other => other.into(),
                })
            }
        })
        .await
    }

    /// The Customer area's `name` of an account.
    pub fn name_of(account: &Account) -> Option<String> {
        full_name(&account.profile)
    }
}

mod email_change;
mod reset;
mod sign_up;

#[cfg(test)]
mod tests;
