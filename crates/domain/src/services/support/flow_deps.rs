//! What every use case with an emailed or texted secret needs, by responsibility: issuing and
//! checking secrets ([`Secrets`]), committing within the send limit ([`Commits`]), composing
//! messages ([`Messages`]); and asking for a recent sign-in and storing an edit.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::FlowSettings;
use crate::lifecycle::{MadeBy, Transition};
use crate::messages::InstanceBranding;
use crate::ports::{
    Commit, FlowRepository, MessageRenderer, MessageTemplates, Sealer, SecretDigester, StoreError,
    TenantRepository, UnitOfWork,
};
use crate::services::support::{Commits, Messages, Secrets};
use crate::services::{Authenticated, Deps, LinkSettings};

/// The ports flows are stored, checked, committed and sealed through.
#[derive(Clone)]
pub struct FlowPorts {
    pub flows: Arc<dyn FlowRepository>,
    pub commits: Arc<dyn UnitOfWork>,
    pub digester: Arc<dyn SecretDigester>,
    pub sealer: Arc<dyn Sealer>,
    pub tenants: Arc<dyn TenantRepository>,
    pub renderer: Arc<dyn MessageRenderer>,
    pub templates: Arc<dyn MessageTemplates>,
    /// Every tenant's sender and brand where it set none (the instance's configuration).
    pub branding: InstanceBranding,
}

/// The parts flows need, besides [`Deps`].
#[derive(Clone)]
pub struct FlowDeps {
    pub secrets: Secrets,
    pub commits: Commits,
    pub messages: Messages,
    pub tenants: Arc<dyn TenantRepository>,
    pub settings: FlowSettings,
}

impl FlowDeps {
    pub fn new(ports: FlowPorts, settings: FlowSettings, links: LinkSettings) -> Self {
        FlowDeps {
            secrets: Secrets {
                flows: ports.flows,
                digester: ports.digester,
                settings: settings.clone(),
            },
            commits: Commits {
                unit_of_work: ports.commits,
                send_limit: settings.send_limit,
            },
            messages: Messages {
                sealer: ports.sealer,
                links,
                tenants: ports.tenants.clone(),
                renderer: ports.renderer,
                templates: ports.templates,
                branding: ports.branding,
                code_ttl: settings.code_ttl,
            },
            tenants: ports.tenants,
            settings,
        }
    }

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

    /// Stores an edit (version-checked): a plain one as an update of the account (with the
    /// `customer.updated` it announces, if a field changed), one that is an event (a new phone number, a first address) through the unit of work with its
    /// consequences (see [`Self::apply`]). Answers the account as stored.
    pub async fn store_edit(
        &self,
        deps: &Deps,
        transition: &Transition,
        by: MadeBy<'_>,
    ) -> Result<Account, StoreError> {
        let next = transition.after();
        let commit = if transition.is_credential_event() {
            self.apply(deps, Commit::at(next.updated_at), transition, by)
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))?
        } else {
            let announced = transition.announcements();
            if announced.is_empty() {
                return deps.accounts.update(next).await;
            }
            // The edit and its `customer.updated` in one transaction.
            let mut commit = Commit::at(next.updated_at).updating(next.clone());
            commit.events = announced;
            commit
        };
        self.commits.commit(commit).await?;
        Ok(Account {
            version: next.version + 1,
            ..next.clone()
        })
    }
}
