//! An event: ids and what changed, never personal data and never a secret, so that it may
//! outlive the erasure of the customer it names.

use std::fmt;

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::account::{Account, AccountUuid};
use crate::tenant::TenantId;

macro_rules! event_types {
    ($($variant:ident => $text:literal,)*) => {
        /// What happened. More types will come: code outside this crate matches with a fallback.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventType { $($variant,)* }

        impl EventType {
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $text,)* }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|t| t.as_str() == raw)
            }
        }
    };
}

event_types! {
    CustomerCreated => "customer.created",
    CustomerActivated => "customer.activated",
    CustomerUpdated => "customer.updated",
    CustomerEmailChanged => "customer.email_changed",
    CustomerPhoneChanged => "customer.phone_changed",
    CustomerPasswordChanged => "customer.password_changed",
    CustomerFactorAdded => "customer.factor_added",
    CustomerFactorRemoved => "customer.factor_removed",
    CustomerDeactivated => "customer.deactivated",
    CustomerDeletionRequested => "customer.deletion_requested",
    CustomerDeletionRejected => "customer.deletion_rejected",
    CustomerErased => "customer.erased",
    CustomerReactivated => "customer.reactivated",
    LoyaltyPosted => "loyalty.posted",
    OrderCreated => "order.created",
    OrderUpdated => "order.updated",
    ImportCompleted => "import.completed",
    WebhookTest => "webhook.test",
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happened to a customer (or, for `webhook.test`, to no one), as a commit
/// records it. `data` holds only ids, names of fields, statuses and amounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub tenant: TenantId,
    pub account: Option<AccountUuid>,
    pub kind: EventType,
    pub data: Map<String, Value>,
    pub at: OffsetDateTime,
}

impl Event {
    /// An event about `account`, with `data` besides its ids.
    pub fn about(account: &Account, kind: EventType, data: Value, at: OffsetDateTime) -> Self {
        Event::of(&account.tenant, account.uuid, kind, data, at)
    }

    /// An event about the account `account` of `tenant`.
    pub fn of(
        tenant: &TenantId,
        account: AccountUuid,
        kind: EventType,
        data: Value,
        at: OffsetDateTime,
    ) -> Self {
        Event {
            tenant: tenant.clone(),
            account: Some(account),
            kind,
            data: match data {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            at,
        }
    }
}

/// An event as the store keeps it for delivery: its id (the `webhook-id` every delivery and
/// retry of it carries) and the customer's numeric id, read from the account it names.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: String,
    pub event: Event,
    pub customer_id: Option<i64>,
}

impl StoredEvent {
    /// The body every endpoint receives, the same on every try: `type`, `timestamp` and `data`
    /// with the customer's ids and the tenant first.
    pub fn body(&self) -> String {
        let event = &self.event;
        let mut data = Map::new();
        if let Some(account) = event.account {
            data.insert("customerId".into(), json!(self.customer_id));
            data.insert("customerUuid".into(), json!(account.0.to_string()));
        }
        data.insert("tenant".into(), json!(event.tenant.as_str()));
        for (key, value) in &event.data {
            data.insert(key.clone(), value.clone());
        }
        json!({
            "type": event.kind.as_str(),
            "timestamp": event.at.format(&Rfc3339).unwrap_or_default(),
            "data": data,
        })
        .to_string()
    }
}
