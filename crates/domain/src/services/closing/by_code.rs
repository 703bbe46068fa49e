//! Closing one's own account by an emailed code (B2Core's profile deactivation): starting
//! mails a six-digit code, valid 15 minutes, 5 tries, kept across resends; confirming it closes
//! the account through [`AccountClosing`], in the same commit as the code is used.

use std::sync::Arc;

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{Flow, FlowId, FlowStatus, Purpose, Refusal, SendClass};
use crate::messages::Content;
use crate::ports::Commit;
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::support::FlowDeps;
use crate::services::AccountClosing;
use crate::services::{Authenticated, Deps};
use crate::tenant::ClosingDecision;

/// Most codes one deactivation mails; past it, asking again is `Locked` until the flow expires
/// (each code lives 15 minutes), so a token cannot turn this into a mail a minute for ever.
pub const MAX_SENDS: i32 = 5;

/// A started deactivation: its flow (id, sends, expiry) and where the code went.
#[derive(Debug, Clone)]
pub struct DeactivationStarted {
    pub flow: Flow,
    pub account: Account,
}

pub struct Deactivation {
    deps: Deps,
    flows: FlowDeps,
    closing: Arc<AccountClosing>,
}

fn refused(refusal: Refusal) -> DomainError {
    DomainError::SecretRefused(refusal)
}

impl Deactivation {
    pub fn new(deps: Deps, flows: FlowDeps, closing: Arc<AccountClosing>) -> Self {
        Deactivation { deps, flows, closing }
    }

    /// Starts (or resumes) the caller's deactivation: a code is mailed unless one was mailed
    /// less than a minute ago; a locked flow sends nothing until it expires (`Locked`).
    pub async fn start(&self, who: &Authenticated) -> Result<DeactivationStarted, DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let account = on_current_account(
            self.deps.accounts.as_ref(),
            who.account.clone(),
            |account| async move {
                if !account.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
                // A temporary placeholder address is no way to reach the customer.
                let Some(email) = account.email.clone().filter(|_| !account.email_temporary) else {
                    return Err(DomainError::Conflict(
                        "the account has no email address to send a code to".into(),
                    )
                    .into());
                };
                let open = self
                    .flows
                    .secrets
                    .flows
                    .find_open(&account.tenant, account.uuid, Purpose::Deactivation)
                    .await?;
                let recent = open.as_ref().is_some_and(|f| {
                    f.status == FlowStatus::Pending
                        && f.expires_at > now
                        && now - f.sent_at < self.flows.settings.resend_after
                });
                if recent {
                    return Ok(account);
                }
                let spent = open.as_ref().is_some_and(|f| {
                    f.status == FlowStatus::Pending && f.expires_at > now && f.sent >= MAX_SENDS
                });
                if spent {
                    return Err(refused(Refusal::Locked).into());
                }
                let issued = self
                    .flows
                    .secrets
                    .issue(
                        &self.deps,
                        &account,
                        Purpose::Deactivation,
                        email.as_str(),
                        None,
                        now,
                    )
                    .await?
                    .ok_or_else(|| refused(Refusal::Locked))?;
                let name = account.greeting_for(email.as_str());
                let clear = Content::ClosingCode {
                    name: &name,
                    code: &issued.secret,
                    minutes: self.flows.settings.deactivation_ttl.whole_minutes().max(1),
                };
                // Not once the caller's session has ended (a reset won a race with it).
                let mut commit = Commit::at(now).made_from(&who.session);
                commit.flows.extend(issued.writes);
                commit.messages.push(
                    self.flows
                        .messages
                        .message(&self.deps, &account, email.as_str(), &clear, now)
                        .await?,
                );
                // A concurrent start that won has mailed a code this very moment: answer its flow.
                self.flows
                    .commits
                    .commit_issued_for_caller(&account, commit, SendClass::SignedInCode)
                    .await?;
                Ok::<_, Attempt>(account)
            },
        )
        .await?;
        let flow = self
            .flows
            .secrets
            .flows
            .find_open(&account.tenant, account.uuid, Purpose::Deactivation)
            .await?
            .ok_or_else(|| DomainError::Unavailable("the deactivation flow vanished".into()))?;
        Ok(DeactivationStarted { flow, account })
    }

    /// Confirms the caller's deactivation `identifier` with `code`: the account is closed as its
    /// tenant's policy says (the answer says which). Another account's flow is `NotFound`; a
    /// wrong, used or replaced code `Invalid`, an expired one `Expired`, too many tries `Locked`.
    pub async fn confirm(
        &self,
        who: &Authenticated,
        identifier: &str,
        code: &str,
    ) -> Result<(FlowId, ClosingDecision), DomainError> {
        let now = self.deps.clock.now();
        let id = uuid::Uuid::parse_str(identifier.trim()).map_err(|_| DomainError::NotFound)?;
        let flow = self
            .flows
            .secrets
            .flows
            .find(&who.account.tenant, FlowId(id))
            .await?
            .filter(|f| f.account == who.account.uuid && f.purpose == Purpose::Deactivation)
            .ok_or(DomainError::NotFound)?;
        let counted = self
            .flows
            .secrets
            .check(Some(flow), Purpose::Deactivation, code, now)
            .await?;
        let decision = self.closing.close(who, Some(&counted)).await?;
        Ok((counted.id, decision))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use time::Duration;

    use super::*;
    use crate::flow::{Channel, FlowSettings, FlowWrite};
    use crate::ports::{
        MockAccountRepository, MockFlowRepository, MockPasswordHasher, MockSealer, MockSecretDigester,
        MockSessionRepository, MockTenantRepository, MockUnitOfWork,
    };
    use crate::services::support::test_support::{account, deps_with, T0};
    use crate::services::LinkSettings;
    use crate::session::{Session, SessionId};

    fn open_flow(sent_ago: Duration) -> Flow {
        let account = account();
        Flow {
            id: FlowId(uuid::Uuid::from_u128(5)),
            tenant: account.tenant.clone(),
            account: account.uuid,
            purpose: Purpose::Deactivation,
            channel: Channel::Email,
            target: "ann@example.com".into(),
            secret_digest: "digest".into(),
            status: FlowStatus::Pending,
            attempts: 0,
            max_attempts: 5,
            pending_change: None,
            expires_at: T0 + Duration::minutes(10),
            created_at: T0 - sent_ago,
            updated_at: T0 - sent_ago,
            sent: 1,
            sent_at: T0 - sent_ago,
            version: 1,
        }
    }

    /// `start` with one open flow last sent `sent_ago`; the commits it made.
    async fn start_with(sent_ago: Duration) -> Vec<Commit> {
        start_with_sends(sent_ago, 1).await.unwrap()
    }

    async fn start_with_sends(sent_ago: Duration, sent: i32) -> Result<Vec<Commit>, DomainError> {
        let flow = Flow {
            sent,
            ..open_flow(sent_ago)
        };
        let mut flows = MockFlowRepository::new();
        flows
            .expect_find_open()
            .returning(move |_, _, _| Ok(Some(flow.clone())));
        let made = Arc::new(Mutex::new(Vec::new()));
        let mut commits = MockUnitOfWork::new();
        let seen = made.clone();
        commits.expect_commit().returning(move |c| {
            seen.lock().unwrap().push(c);
            Ok(())
        });
        let mut digester = MockSecretDigester::new();
        digester.expect_digest().returning(|_| "new digest".into());
        let mut sealer = MockSealer::new();
        sealer.expect_seal().returning(|t| t.len().to_string());
        let mut tenants = MockTenantRepository::new();
        tenants.expect_get_tenant().returning(|_| Ok(None));
        let commits: Arc<dyn crate::ports::UnitOfWork> = Arc::new(commits);
        let flow_deps = FlowDeps::new(
            crate::services::FlowPorts {
                flows: Arc::new(flows),
                commits: commits.clone(),
                digester: Arc::new(digester),
                sealer: Arc::new(sealer),
                tenants: Arc::new(tenants),
                renderer: Arc::new(crate::services::support::test_support::LinesRenderer),
                templates: Arc::new(crate::services::support::test_support::no_templates()),
                branding: crate::messages::InstanceBranding::from_config(
                    "Clientele <no-reply@localhost>",
                    None,
                ),
            },
            FlowSettings::default(),
            LinkSettings {
                public_url: "http://127.0.0.1:8080".into(),
                allowed_origins: Vec::new(),
                tenant: None,
            },
        );
        let deps = deps_with(
            MockAccountRepository::new(),
            MockSessionRepository::new(),
            MockPasswordHasher::new(),
        );
        let closing = Arc::new(AccountClosing::new(deps.clone(), flow_deps.clone()));
        let deactivation = Deactivation::new(deps, flow_deps, closing);
        let who = Authenticated {
            session: Session {
                id: SessionId(uuid::Uuid::from_u128(9)),
                tenant: account().tenant,
                account: account().uuid,
                created_at: T0,
                expires_at: T0 + Duration::hours(1),
                revoked_at: None,
                country: None,
                device: None,
                ip: None,
                sign_in_method: crate::session::SignInMethod::Password,
                last_seen_at: T0,
            },
            account: account(),
        };
        deactivation.start(&who).await?;
        let made = made.lock().unwrap().clone();
        Ok(made)
    }

    #[tokio::test]
    async fn a_sixth_mail_is_refused_until_the_flow_expires() {
        assert!(start_with_sends(Duration::seconds(61), MAX_SENDS).await.is_err());
        assert!(start_with_sends(Duration::seconds(61), MAX_SENDS - 1)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_start_within_a_minute_of_the_last_mail_sends_nothing() {
        assert!(start_with(Duration::seconds(30)).await.is_empty());
    }

    #[tokio::test]
    async fn a_later_start_sends_a_fresh_code_for_the_same_flow() {
        let commits = start_with(Duration::seconds(61)).await;
        let [commit] = &commits[..] else {
            panic!("one commit expected, not {}", commits.len());
        };
        let [FlowWrite::Replace(replaced)] = &commit.flows[..] else {
            panic!("the open flow replaced: {:?}", commit.flows);
        };
        assert_eq!(replaced.id, FlowId(uuid::Uuid::from_u128(5)), "the same uuid");
        assert_eq!(
            (replaced.sent, replaced.sent_at),
            (2, T0),
            "counted as a second send"
        );
        assert_eq!(commit.messages.len(), 1, "one mail");
        assert!(
            !commit.messages[0].masked_text.contains("aaaaaa"),
            "the code is masked for the back office"
        );
    }
}
