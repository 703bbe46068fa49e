//! What a transition tells the tenant's systems: one event per account event, and
//! `customer.updated` naming the profile fields that changed (never their values).

use serde_json::{json, Value};

use super::{AccountEvent, Transition};
use crate::account::Account;
use crate::factors::Factor;
use crate::profile::Profile;
use crate::webhooks::{Event, EventType};

/// The names (as the API spells them) of the profile fields that differ, the phone excepted
/// when its change is an event of its own.
pub fn changed_fields(before: &Account, after: &Account) -> Vec<&'static str> {
    let (b, a): (&Profile, &Profile) = (&before.profile, &after.profile);
    let mut names = Vec::new();
    let mut differs = |name: &'static str, changed: bool| {
        if changed {
            names.push(name);
        }
    };
    differs("username", b.username != a.username);
    differs("nickname", b.nickname != a.nickname);
    differs("firstName", b.first_name != a.first_name);
    differs("middleName", b.middle_name != a.middle_name);
    differs("lastName", b.last_name != a.last_name);
    differs("birthday", b.birthday != a.birthday);
    differs("gender", b.gender != a.gender);
    differs("phone", b.phone != a.phone);
    differs("mobile", b.mobile != a.mobile);
    differs("address", b.address != a.address);
    differs("locale", b.locale != a.locale);
    differs("pushToken", b.push_token != a.push_token);
    differs("walletAddress", b.wallet_address != a.wallet_address);
    differs("subscriptions", b.subscriptions != a.subscriptions);
    differs("referralCode", b.referral_code != a.referral_code);
    differs("externalId", before.external_id != after.external_id);
    names
}

fn factor_data(factor: Option<&Factor>, fallback: &str) -> Value {
    match factor {
        Some(factor) => json!({"factor": factor.secret.kind().as_str(), "factorId": factor.id.0.to_string()}),
        None => json!({"factor": fallback}),
    }
}

impl Transition {
    /// The events this transition announces, in order.
    pub fn announcements(&self) -> Vec<Event> {
        let (before, after) = (&self.before, &self.after);
        let at = after.updated_at;
        let added = || {
            after
                .factors
                .list
                .iter()
                .find(|f| !before.factors.list.contains(f))
        };
        let removed = || {
            before
                .factors
                .list
                .iter()
                .find(|f| after.factors.find(f.id).is_none())
        };
        let mut events: Vec<Event> = self
            .events
            .iter()
            .filter_map(|event| {
                let (kind, data) = match event {
                    AccountEvent::Activated => (EventType::CustomerActivated, json!({})),
                    AccountEvent::EmailChanged => (EventType::CustomerEmailChanged, json!({})),
                    AccountEvent::PasswordChanged => {
                        (EventType::CustomerPasswordChanged, json!({"reset": false}))
                    }
                    AccountEvent::PasswordReset => {
                        (EventType::CustomerPasswordChanged, json!({"reset": true}))
                    }
                    AccountEvent::PhoneChanged => (EventType::CustomerPhoneChanged, json!({})),
                    AccountEvent::TwoFactorEnabled => {
                        (EventType::CustomerFactorAdded, json!({"factor": "sms"}))
                    }
                    AccountEvent::TwoFactorDisabled => {
                        (EventType::CustomerFactorRemoved, json!({"factor": "sms"}))
                    }
                    AccountEvent::FactorAdded => {
                        (EventType::CustomerFactorAdded, factor_data(added(), "unknown"))
                    }
                    AccountEvent::FactorRemoved => (
                        EventType::CustomerFactorRemoved,
                        factor_data(removed(), "unknown"),
                    ),
                    AccountEvent::RecoveryCodesReplaced => return None,
                    AccountEvent::Deactivated => (EventType::CustomerDeactivated, json!({})),
                    AccountEvent::Erased => (EventType::CustomerErased, json!({})),
                    AccountEvent::Reactivated => (EventType::CustomerReactivated, json!({})),
                };
                Some(Event::about(after, kind, data, at))
            })
            .collect();
        if !self.events.contains(&AccountEvent::Erased) {
            let mut fields = changed_fields(before, after);
            if self.events.contains(&AccountEvent::PhoneChanged) {
                fields.retain(|f| *f != "phone");
            }
            if !fields.is_empty() {
                events.push(Event::about(
                    after,
                    EventType::CustomerUpdated,
                    json!({"fields": fields}),
                    at,
                ));
            }
        }
        events
    }
}
