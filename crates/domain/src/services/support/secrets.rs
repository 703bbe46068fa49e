//! Issuing a secret for a flow (or re-issuing the open one's) and checking one presented.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{
    self, Channel, Flow, FlowId, FlowSettings, FlowStatus, FlowWrite, Purpose, Refusal, Reissue,
};
use crate::pending_change::PendingChange;
use crate::ports::{FlowRepository, SecretDigester};
use crate::services::Deps;

/// Issues and checks the secrets of flows.
#[derive(Clone)]
pub struct Secrets {
    pub flows: Arc<dyn FlowRepository>,
    pub digester: Arc<dyn SecretDigester>,
    pub settings: FlowSettings,
}

/// A secret just issued: the flow write to commit and the secret to put in the message.
pub struct Issued {
    pub writes: Vec<FlowWrite>,
    pub flow: Flow,
    pub secret: String,
}

impl Secrets {
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

    /// Counts a try at `flow` before the answer is judged: the flow as counted, or why no
    /// try can be counted (locked, expired, no longer open), logged as a security event.
    /// Counting the last allowed try locks the flow (see [`FlowRepository::register_attempt`]).
    pub async fn count_try(&self, flow: &Flow, now: OffsetDateTime) -> Result<Flow, DomainError> {
        match self.flows.register_attempt(&flow.tenant, flow.id, now).await? {
            Some(counted) => Ok(counted),
            None => {
                let current = self.flows.find(&flow.tenant, flow.id).await?;
                Err(refused(flow, flow::refusal_of(current.as_ref(), now)))
            }
        }
    }

    /// Checks `presented` against `flow` (which must have `purpose`): the try is counted before
    /// the comparison (see [`Self::count_try`]). A right secret returns the flow as counted:
    /// commit [`Flow::consume`] with the change it allows.
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
        let counted = self.count_try(&flow, now).await?;
        if self.digester.matches(presented.trim(), &counted.secret_digest) {
            return Ok(counted);
        }
        Err(refused(&flow, Refusal::Invalid))
    }
}

/// A refused secret, logged: an operator follows one account through the log (tenant and
/// account, no secret).
fn refused(flow: &Flow, refusal: Refusal) -> DomainError {
    tracing::warn!(
        event = "secret_refused",
        reason = ?refusal,
        purpose = flow.purpose.as_str(),
        tenant = flow.tenant.as_str(),
        account = %flow.account.0,
        "security event"
    );
    DomainError::SecretRefused(refusal)
}
