//! The data export (`clientele.export.v1`): everything held about one account, as the
//! customer (`GET /customers/self/export`) and the back office (`GET
//! /admin/v1/customers/{id}/export`) receive it. docs/export.md describes every field; a new
//! field may be added within v1, a field changed or removed makes v2.

use actix_web::http::header::{
    self, CacheControl, CacheDirective, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::HttpResponse;
use clientele_domain::services::AccountData;
use clientele_domain::Account;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::customers::AdminCustomer;
use crate::admin::deletion_requests::AdminDeletionRequest;
use crate::admin::loyalty::{AdminOrder, AdminWalletEntry};
use crate::admin::outbox::OutboxMessage;
use crate::render::{rfc3339, text};
use crate::surfaces::customer_area::factors::FactorListBody;
use crate::surfaces::customer_area::sessions::{ActivityBody, SessionBody};

pub const SCHEMA: &str = "clientele.export.v1";

/// Everything Clientele holds about one account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportDocument {
    /// `clientele.export.v1`.
    #[schema(example = "clientele.export.v1")]
    schema: &'static str,
    #[schema(format = DateTime)]
    exported_at: String,
    /// The account as the back office sees it (id, uuid, status, email, names, …).
    customer: AdminCustomer,
    /// Every profile field any surface reads or writes.
    profile: ExportedProfile,
    /// An email change waiting for its key.
    #[schema(format = Email)]
    pending_email: Option<String>,
    /// Live sessions, newest first.
    sessions: Vec<SessionBody>,
    /// Second factors by kind and name (never a secret).
    factors: FactorListBody,
    /// The account's security events, newest first, as `GET /customers/self/activity` shows
    /// them.
    events: Vec<ActivityBody>,
    wallet_entries: Vec<AdminWalletEntry>,
    orders: Vec<AdminOrder>,
    /// Messages sent or queued to the account, newest first, secrets masked.
    messages: Vec<OutboxMessage>,
    deletion_requests: Vec<AdminDeletionRequest>,
}

/// The profile fields of every surface.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedProfile {
    username: Option<String>,
    nickname: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    #[schema(format = Date)]
    birthday: Option<String>,
    gender: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    address: ExportedAddress,
    locale: Option<String>,
    /// The app's push notification token.
    push_token: Option<String>,
    wallet_address: Option<String>,
    /// Newsletters and other subscriptions (consents).
    subscriptions: Vec<String>,
    referral_code: Option<String>,
    /// Whether sign-in asks for a texted code (TSS two-factor).
    two_factor: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedAddress {
    line: Option<String>,
    town: Option<String>,
    postcode: Option<String>,
    region: Option<String>,
    country: Option<String>,
}

impl From<&Account> for ExportedProfile {
    fn from(a: &Account) -> Self {
        let p = &a.profile;
        ExportedProfile {
            username: p.username.clone(),
            nickname: text(&p.nickname),
            first_name: text(&p.first_name),
            middle_name: text(&p.middle_name),
            last_name: text(&p.last_name),
            birthday: p.birthday.map(|b| b.to_iso_date()),
            gender: p.gender.clone(),
            phone: text(&p.phone),
            mobile: text(&p.mobile),
            address: ExportedAddress {
                line: p.address.line.clone(),
                town: p.address.town.clone(),
                postcode: p.address.postcode.clone(),
                region: p.address.region.clone(),
                country: p.address.country.clone(),
            },
            locale: text(&p.locale),
            push_token: p.push_token.clone(),
            wallet_address: p.wallet_address.clone(),
            subscriptions: p.subscriptions.clone(),
            referral_code: p.referral_code.clone(),
            two_factor: a.two_factor,
        }
    }
}

impl From<&AccountData> for ExportDocument {
    fn from(data: &AccountData) -> Self {
        ExportDocument {
            schema: SCHEMA,
            exported_at: rfc3339(data.exported_at),
            customer: AdminCustomer::from(&data.account),
            profile: ExportedProfile::from(&data.account),
            pending_email: data.pending_email.as_ref().map(|p| p.email.clone()),
            sessions: data.sessions.iter().map(|s| SessionBody::of(s, None)).collect(),
            factors: FactorListBody::from(&data.factors),
            events: data.audit.iter().map(ActivityBody::from).collect(),
            wallet_entries: data.wallet.iter().map(AdminWalletEntry::from).collect(),
            orders: data.orders.iter().map(AdminOrder::from).collect(),
            messages: data.messages.iter().map(OutboxMessage::from).collect(),
            deletion_requests: data
                .deletion_requests
                .iter()
                .map(|r| AdminDeletionRequest::of(r, data.exported_at))
                .collect(),
        }
    }
}

/// The export as a JSON attachment, never stored by a cache on the way.
pub fn attachment(data: &AccountData) -> HttpResponse {
    let name = format!("clientele-export-{}.json", data.account.public_id);
    HttpResponse::Ok()
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(ExportDocument::from(data))
}
