//! What the use cases with a mailed secret share (activation, email change, password reset):
//! the secret's mail with its link and masked copy, checking a secret named by its flow's
//! identifier, and committing the transition a checked secret allows.

use time::OffsetDateTime;

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{Flow, FlowId, Purpose, Refusal};
use crate::lifecycle::MadeBy;
use crate::lifecycle::{IllegalTransition, Transition};
use crate::links;
use crate::messages::Content;
use crate::pending_change::PendingChange;
use crate::ports::{Commit, StoreError};
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::support::{FlowDeps, LinkSettings};
use crate::services::Deps;
use crate::tenant::TenantId;

/// Which secret a mail carries, and so its template and link.
#[derive(Clone, Copy)]
pub(crate) enum SecretMail<'l> {
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

    fn content<'a>(
        &self,
        name: &'a str,
        recipient: &'a str,
        identifier: &'a str,
        secret: &'a str,
        link: &'a str,
    ) -> Content<'a> {
        match self {
            SecretMail::Activation => Content::Activation {
                name,
                identifier,
                secret,
                link,
            },
            SecretMail::EmailChange => Content::EmailChangeKey {
                name,
                new_address: recipient,
                identifier,
                key: secret,
                link,
            },
            SecretMail::PasswordReset { .. } => Content::PasswordReset {
                name,
                code: secret,
                link,
            },
        }
    }
}

/// The ports a mailed-secret use case works with, and the steps they share.
#[derive(Clone)]
pub(crate) struct SecretMails {
    pub(crate) deps: Deps,
    pub(crate) flows: FlowDeps,
}

pub(crate) fn refused(refusal: Refusal) -> DomainError {
    DomainError::SecretRefused(refusal)
}

impl SecretMails {
    /// Issues a secret for `purpose` of `account` and adds its flow writes and the mail that
    /// carries it (with a masked copy for the back office) to `commit`. `None`, with nothing
    /// added, while the open flow is locked.
    pub(crate) async fn issue_mail(
        &self,
        commit: &mut Commit,
        account: &Account,
        purpose: Purpose,
        recipient: &str,
        pending_change: Option<PendingChange>,
        mail: SecretMail<'_>,
    ) -> Result<Option<FlowId>, DomainError> {
        let now = commit.now;
        let issued = self
            .flows
            .secrets
            .issue(&self.deps, account, purpose, recipient, pending_change, now)
            .await?;
        let Some(issued) = issued else {
            return Ok(None);
        };
        let links = self.flows.messages.links_for(&account.tenant).await?;
        let identifier = issued.flow.id.to_string();
        let name = account.greeting_for(recipient);
        let link = mail.link(&links, &identifier, &issued.secret);
        let content = mail.content(&name, recipient, &identifier, &issued.secret, &link);
        let message = self
            .flows
            .messages
            .message(&self.deps, account, recipient, &content, now)
            .await?;
        commit.flows.extend(issued.writes);
        commit.messages.push(message);
        Ok(Some(issued.flow.id))
    }

    /// The flow named by an emailed `identifier`, once `secret` has been checked against it.
    pub(crate) async fn checked_flow(
        &self,
        tenant: &TenantId,
        identifier: &str,
        purpose: Purpose,
        secret: &str,
        now: OffsetDateTime,
    ) -> Result<Flow, DomainError> {
        let flow = match identifier.trim().parse() {
            Ok(id) => self.flows.secrets.flows.find(tenant, FlowId(id)).await?,
            Err(_) => None,
        };
        self.flows.secrets.check(flow, purpose, secret, now).await
    }

    /// The account a checked flow belongs to.
    pub(crate) async fn account_of(&self, flow: &Flow) -> Result<Account, DomainError> {
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
    pub(crate) async fn consume(
        &self,
        account: Account,
        flow: &Flow,
        change: impl Fn(&Account) -> Result<Transition, IllegalTransition>,
    ) -> Result<(), DomainError> {
        on_current_account(self.deps.accounts.as_ref(), account, |account| {
            let transition = change(&account).map_err(|_| refused(Refusal::Invalid));
            async move {
                let commit = self
                    .flows
                    .apply(
                        &self.deps,
                        Commit::at(self.deps.clock.now()),
                        &transition?,
                        MadeBy::customer().completing(flow),
                    )
                    .await?;
                // The flow moved (used, re-issued, cancelled): the secret in hand is spent.
                self.flows.commits.commit(commit).await.map_err(|e| match e {
                    StoreError::FlowChanged => Attempt::Failed(refused(Refusal::Invalid)),
                    other => other.into(),
                })
            }
        })
        .await
    }
}

#[cfg(test)]
#[path = "secret_mail_tests.rs"]
mod tests;
