//! Enrolling an authenticator app: a secret shown once (with its `otpauth` URI and QR code),
//! kept sealed in a pending enrolment that expires, and confirmed by a first code from the app.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{account_label, FactorConfirmed, StrongFactors};
use crate::error::{DomainError, FieldErrors};
use crate::factors::{Factor, FactorId, FactorSecret, NAME_MAX};
use crate::flow::{FlowId, Purpose};
use crate::pending_change::{PendingChange, PendingFactor, PendingKind};
use crate::services::Authenticated;

pub const NAME: &str = "name";
pub const CODE: &str = "code";

/// An enrolment waiting for the app's first code.
#[derive(Debug, Clone)]
pub struct AppEnrolmentStarted {
    pub id: FlowId,
    /// Base32, for typing into the app.
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
    pub expires_at: OffsetDateTime,
}

/// A factor's name as given: trimmed, 1-64 characters without control characters.
pub(super) fn factor_name(given: Option<&str>, default: &str) -> Result<String, DomainError> {
    let name = given.map(str::trim).unwrap_or(default);
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(FieldErrors::single(NAME, format!("must be 1-{NAME_MAX} characters")).into());
    }
    Ok(name.to_owned())
}

impl StrongFactors {
    /// Starts enrolling an authenticator app for the caller (recent sign-in needed). Asking
    /// again replaces the pending enrolment's secret.
    pub async fn start_app(
        &self,
        who: &Authenticated,
        name: Option<&str>,
    ) -> Result<AppEnrolmentStarted, DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let name = factor_name(name, "Authenticator app")?;
        let account = self.current(who).await?;
        let secret = self.ports.apps.new_secret();
        let sealed = self.ports.sealer.seal(&secret);
        let issuer = match self.flows.tenants.get_tenant(&account.tenant).await? {
            Some(tenant) => tenant.name,
            None => account.tenant.as_str().to_owned(),
        };
        let label = account_label(&account);
        let enrolment = self.ports.apps.enrolment(&secret, &issuer, &label);
        let pending = PendingChange::Enrolment(PendingFactor {
            name,
            sealed,
            kind: PendingKind::Totp,
        });
        let flow = self
            .flows
            .open_unsent(
                &self.deps,
                account,
                Purpose::FactorEnrolment,
                &label,
                pending,
                Some(&who.session),
            )
            .await?;
        Ok(AppEnrolmentStarted {
            id: flow.id,
            secret,
            uri: enrolment.uri,
            qr_svg: enrolment.qr_svg,
            expires_at: flow.expires_at,
        })
    }

    /// Confirms the pending enrolment `id` with the app's current `code` (recent sign-in
    /// needed). A wrong code is a field error on `code` and counts toward the enrolment's five
    /// tries; an unknown enrolment is `NotFound`, an expired one `Expired`.
    pub async fn confirm_app(
        &self,
        who: &Authenticated,
        id: &str,
        code: &str,
    ) -> Result<FactorConfirmed, DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let wrong = || DomainError::from(FieldErrors::single(CODE, "is not the code the app shows"));
        let tenant = &who.account.tenant;
        let id = Uuid::parse_str(id.trim()).map_err(|_| DomainError::NotFound)?;
        let repository = &self.flows.secrets.flows;
        let flow = repository
            .find(tenant, FlowId(id))
            .await?
            .filter(|f| f.purpose == Purpose::FactorEnrolment && f.account == who.account.uuid)
            .filter(|f| {
                matches!(&f.pending_change, Some(PendingChange::Enrolment(p)) if p.kind == PendingKind::Totp)
            })
            .ok_or(DomainError::NotFound)?;
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldErrors::single(CODE, "must be the six digits the app shows").into());
        }
        let (counted, pending, secret) = self
            .counted_enrolment(&flow, PendingKind::Totp, || DomainError::NotFound)
            .await?;
        let step = self.ports.apps.step_of(&secret, code, now).ok_or_else(wrong)?;
        let factor = Factor {
            id: FactorId(flow.id.0),
            name: pending.name,
            created_at: now,
            last_used_at: None,
            // The confirming code is spent: it cannot sign in as well.
            secret: FactorSecret::Totp {
                sealed: pending.sealed,
                last_step: Some(step),
            },
        };
        self.add_confirmed(who, factor, &counted).await
    }
}
