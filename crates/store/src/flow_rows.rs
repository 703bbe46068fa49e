//! Flow and outbox rows, and their conversion to and from the domain's types.

use clientele_domain::account::AccountUuid;
use clientele_domain::flow::{Channel, Flow, FlowId, FlowStatus, Purpose};
use clientele_domain::message::{DeliveryStatus, MessageId, OutboundMessage, StoredMessage};
use clientele_domain::pending_change::PendingChange;
use clientele_domain::ports::StoreError;
use clientele_domain::tenant::TenantId;
use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::errors::corrupt;
use crate::rows::{from_db_time, parse_uuid, to_db_time};
use crate::schema::{flows, outbox};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = flows, primary_key(uuid))]
pub struct FlowRow {
    pub uuid: String,
    pub tenant_id: String,
    pub account_uuid: String,
    pub purpose: String,
    pub channel: String,
    pub target: String,
    pub secret_digest: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub pending_change: Option<String>,
    pub expires_at: PrimitiveDateTime,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    pub version: i64,
    pub sent: i32,
    pub sent_at: Option<PrimitiveDateTime>,
}

/// A pending change as its column holds it, in the form each purpose has always had: the new
/// address as written, or the held edit or sign-in as JSON.
fn stored_change(change: &PendingChange) -> String {
    let json = |value: Result<String, serde_json::Error>| value.expect("plain data serialises");
    match change {
        PendingChange::NewAddress(address) => address.clone(),
        PendingChange::HeldEdit(edit) => json(serde_json::to_string(edit)),
        PendingChange::SignIn(sign_in) => json(serde_json::to_string(sign_in)),
        PendingChange::Enrolment(factor) => json(serde_json::to_string(factor)),
    }
}

/// The pending change a flow of `purpose` keeps, from its column.
fn read_change(purpose: Purpose, stored: String) -> Result<PendingChange, StoreError> {
    let unreadable = |_| corrupt("pending change");
    Ok(match purpose {
        Purpose::EmailChange => PendingChange::NewAddress(stored),
        Purpose::PhoneChange => PendingChange::HeldEdit(serde_json::from_str(&stored).map_err(unreadable)?),
        Purpose::SecondFactor => PendingChange::SignIn(serde_json::from_str(&stored).map_err(unreadable)?),
        Purpose::FactorEnrolment => {
            PendingChange::Enrolment(serde_json::from_str(&stored).map_err(unreadable)?)
        }
        Purpose::Activation | Purpose::PasswordReset | Purpose::Deactivation => {
            return Err(corrupt("pending change"))
        }
    })
}

impl From<&Flow> for FlowRow {
    fn from(f: &Flow) -> Self {
        FlowRow {
            uuid: f.id.0.to_string(),
            tenant_id: f.tenant.as_str().to_owned(),
            account_uuid: f.account.0.to_string(),
            purpose: f.purpose.as_str().to_owned(),
            channel: f.channel.as_str().to_owned(),
            target: f.target.clone(),
            secret_digest: f.secret_digest.clone(),
            status: f.status.as_str().to_owned(),
            attempts: f.attempts,
            max_attempts: f.max_attempts,
            pending_change: f.pending_change.as_ref().map(stored_change),
            expires_at: to_db_time(f.expires_at),
            created_at: to_db_time(f.created_at),
            updated_at: to_db_time(f.updated_at),
            version: f.version,
            sent: f.sent,
            sent_at: Some(to_db_time(f.sent_at)),
        }
    }
}

impl TryFrom<FlowRow> for Flow {
    type Error = StoreError;

    fn try_from(r: FlowRow) -> Result<Self, StoreError> {
        let purpose = Purpose::parse(&r.purpose).ok_or_else(|| corrupt("flow purpose"))?;
        Ok(Flow {
            id: FlowId(parse_uuid(&r.uuid)?),
            tenant: TenantId::parse(&r.tenant_id).ok_or_else(|| corrupt("tenant"))?,
            account: AccountUuid(parse_uuid(&r.account_uuid)?),
            purpose,
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("channel"))?,
            target: r.target,
            secret_digest: r.secret_digest,
            status: FlowStatus::parse(&r.status).ok_or_else(|| corrupt("flow status"))?,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            pending_change: match (purpose, r.pending_change) {
                (_, None) => None,
                (purpose, Some(stored)) => Some(read_change(purpose, stored)?),
            },
            expires_at: from_db_time(r.expires_at),
            created_at: from_db_time(r.created_at),
            updated_at: from_db_time(r.updated_at),
            version: r.version,
            sent: r.sent,
            sent_at: from_db_time(r.sent_at.unwrap_or(r.updated_at)),
        })
    }
}

/// What an erased message's recipient and subject read.
pub const ERASED: &str = "(erased)";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox, primary_key(uuid))]
pub struct OutboxRow {
    pub uuid: String,
    pub tenant_id: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub sealed_body: String,
    pub masked_text: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: PrimitiveDateTime,
    pub last_error: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub sent_at: Option<PrimitiveDateTime>,
    pub claim: Option<String>,
    pub forget_recipient: bool,
    pub account_uuid: Option<String>,
    pub sender: Option<String>,
    pub reply_to: Option<String>,
    pub language: Option<String>,
}

impl From<&OutboundMessage> for OutboxRow {
    fn from(m: &OutboundMessage) -> Self {
        OutboxRow {
            uuid: m.id.0.to_string(),
            tenant_id: m.tenant.as_str().to_owned(),
            channel: m.channel.as_str().to_owned(),
            recipient: m.recipient.clone(),
            subject: m.subject.clone(),
            sealed_body: m.sealed_body.clone(),
            masked_text: m.masked_text.clone(),
            status: DeliveryStatus::Pending.as_str().to_owned(),
            attempts: 0,
            next_attempt_at: to_db_time(m.created_at),
            last_error: None,
            created_at: to_db_time(m.created_at),
            sent_at: None,
            claim: None,
            forget_recipient: m.forget_recipient,
            account_uuid: m.account.map(|a| a.0.to_string()),
            sender: m.sender.clone(),
            reply_to: m.reply_to.clone(),
            language: m.language.clone(),
        }
    }
}

impl TryFrom<OutboxRow> for StoredMessage {
    type Error = StoreError;

    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        Ok(StoredMessage {
            message: OutboundMessage {
                id: MessageId(parse_uuid(&r.uuid)?),
                tenant: TenantId::parse(&r.tenant_id).ok_or_else(|| corrupt("tenant"))?,
                channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("channel"))?,
                recipient: r.recipient,
                subject: r.subject,
                sealed_body: r.sealed_body,
                masked_text: r.masked_text,
                created_at: from_db_time(r.created_at),
                forget_recipient: r.forget_recipient,
                account: r
                    .account_uuid
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?
                    .map(AccountUuid),
                sender: r.sender,
                reply_to: r.reply_to,
                language: r.language,
            },
            status: DeliveryStatus::parse(&r.status).ok_or_else(|| corrupt("delivery status"))?,
            attempts: r.attempts,
            next_attempt_at: from_db_time(r.next_attempt_at),
            last_error: r.last_error,
            sent_at: r.sent_at.map(from_db_time),
        })
    }
}
