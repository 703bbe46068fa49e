//! The account's strong factors as transitions: adding or removing one, and replacing the
//! recovery codes, are credential events (other open flows end, the customer is told); using
//! one is a plain write of the account (when it was used, which step) that races like an edit.

use time::OffsetDateTime;

use super::methods::open;
use super::{AccountEvent, IllegalTransition, Transition};
use crate::account::Account;
use crate::factors::{Factor, FactorId, FactorSecret};

impl Account {
    /// `factor` confirmed, with `recovery_codes` (digests) when it is the first strong factor.
    pub fn add_factor(
        &self,
        factor: Factor,
        recovery_codes: Option<Vec<String>>,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        open(self)?;
        let mut after = self.clone();
        after.factors.list.push(factor);
        if let Some(codes) = recovery_codes {
            after.factors.recovery_codes = codes;
        }
        after.updated_at = now;
        Ok(Transition::new(self, after, vec![AccountEvent::FactorAdded]))
    }

    /// The factor `id` removed; with the last strong factor go the recovery codes (they stand
    /// in for a factor that is no longer there). The back office removes from closed accounts
    /// too (`open_only` false).
    pub fn remove_factor(
        &self,
        id: FactorId,
        open_only: bool,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        if open_only {
            open(self)?;
        }
        if self.factors.find(id).is_none() {
            return Err(IllegalTransition::NoSuchFactor);
        }
        let mut after = self.clone();
        after.factors.list.retain(|f| f.id != id);
        if !after.factors.any() {
            after.factors.recovery_codes.clear();
        }
        after.updated_at = now;
        Ok(Transition::new(self, after, vec![AccountEvent::FactorRemoved]))
    }

    /// A new set of recovery codes (digests) in place of the old one.
    pub fn replace_recovery_codes(
        &self,
        codes: Vec<String>,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        open(self)?;
        if !self.factors.any() {
            return Err(IllegalTransition::NoStrongFactor);
        }
        let mut after = self.clone();
        after.factors.recovery_codes = codes;
        after.updated_at = now;
        Ok(Transition::new(
            self,
            after,
            vec![AccountEvent::RecoveryCodesReplaced],
        ))
    }

    /// The account once the authenticator app `id` signed in with a code of `step`: that step
    /// and every earlier one are spent. `None` if the factor is gone or the step is spent
    /// (a replayed code).
    pub fn totp_used(&self, id: FactorId, step: u64, now: OffsetDateTime) -> Option<Account> {
        let mut after = self.clone();
        let factor = after.factors.list.iter_mut().find(|f| f.id == id)?;
        let FactorSecret::Totp { last_step, .. } = &mut factor.secret else {
            return None;
        };
        if last_step.is_some_and(|spent| step <= spent) {
            return None;
        }
        *last_step = Some(step);
        factor.last_used_at = Some(now);
        Some(after)
    }

    /// The account once the passkey `credential_id` signed in, kept as `passkey` now (its sign
    /// counter moved). `None` if the account has no such passkey.
    pub fn passkey_used(&self, credential_id: &str, passkey: String, now: OffsetDateTime) -> Option<Account> {
        let mut after = self.clone();
        let factor = after.factors.list.iter_mut().find(
            |f| matches!(&f.secret, FactorSecret::Webauthn { credential_id: id, .. } if id == credential_id),
        )?;
        factor.secret = FactorSecret::Webauthn {
            credential_id: credential_id.to_owned(),
            passkey,
        };
        factor.last_used_at = Some(now);
        Some(after)
    }

    /// The account once the recovery code at `index` of its set was used: gone from the set.
    pub fn recovery_code_used(&self, index: usize) -> Option<Account> {
        let mut after = self.clone();
        (index < after.factors.recovery_codes.len()).then(|| {
            after.factors.recovery_codes.remove(index);
            after
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::Factors;
    use crate::lifecycle::SessionsEnded;
    use crate::services::support::test_support::account as active_account;
    use uuid::Uuid;

    fn totp(id: u128) -> Factor {
        Factor {
            id: FactorId(Uuid::from_u128(id)),
            name: "app".into(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            last_used_at: None,
            secret: FactorSecret::Totp {
                sealed: "sealed".into(),
                last_step: None,
            },
        }
    }

    #[test]
    fn adding_and_removing_factors_are_credential_events_that_end_open_flows() {
        let now = time::OffsetDateTime::now_utc();
        let account = active_account();
        let added = account
            .add_factor(totp(1), Some(vec!["d".into(); 10]), now)
            .unwrap();
        assert_eq!(added.events(), [AccountEvent::FactorAdded]);
        assert!(added.ends_open_flows());
        assert_eq!(added.sessions(), SessionsEnded::None);
        let with_app = added.after().clone();
        let removing = with_app
            .remove_factor(FactorId(Uuid::from_u128(1)), true, now)
            .unwrap();
        assert_eq!(
            removing.sessions(),
            SessionsEnded::AllButCurrent,
            "a lost device's sessions end"
        );
        assert_eq!(added.after().factors.recovery_codes.len(), 10);
        let with = added.after().clone();
        let removed = with
            .remove_factor(FactorId(Uuid::from_u128(1)), true, now)
            .unwrap();
        assert_eq!(
            removed.after().factors,
            Factors::default(),
            "the codes go with the last factor"
        );
        assert_eq!(
            with.remove_factor(FactorId(Uuid::from_u128(9)), true, now),
            Err(IllegalTransition::NoSuchFactor)
        );
        assert_eq!(
            account.replace_recovery_codes(vec![], now),
            Err(IllegalTransition::NoStrongFactor)
        );
    }

    #[test]
    fn a_totp_step_is_spent_once_and_earlier_steps_with_it() {
        let now = time::OffsetDateTime::now_utc();
        let account = active_account()
            .add_factor(totp(1), None, now)
            .unwrap()
            .after()
            .clone();
        let id = FactorId(Uuid::from_u128(1));
        let used = account.totp_used(id, 100, now).unwrap();
        assert!(used.totp_used(id, 100, now).is_none(), "replayed");
        assert!(used.totp_used(id, 99, now).is_none(), "an earlier step");
        assert!(used.totp_used(id, 101, now).is_some());
        assert!(account
            .totp_used(FactorId(Uuid::from_u128(2)), 100, now)
            .is_none());
    }
}
