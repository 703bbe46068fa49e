//! Rows as stored, and their conversion to and from the domain's types.

use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
use clientele_domain::customer_search::SearchKeys;
use clientele_domain::ports::StoreError;
use clientele_domain::profile::{Address, Profile};
use clientele_domain::session::{Session, SessionId, SignInMethod};
use clientele_domain::sign_in_throttle::SignInThrottle;
use clientele_domain::tenant::TenantId;
use clientele_domain::values::{Birthday, Email, Locale, Name, PasswordHash, Phone};
use diesel::prelude::*;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

use crate::errors::corrupt;
use crate::schema::{accounts, sessions};

/// Timestamps are stored as UTC without a zone.
pub fn to_db_time(at: OffsetDateTime) -> PrimitiveDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    PrimitiveDateTime::new(utc.date(), utc.time())
}

pub fn from_db_time(at: PrimitiveDateTime) -> OffsetDateTime {
    at.assume_utc()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = accounts, primary_key(uuid), treat_none_as_null = true)]
pub struct AccountRow {
    pub uuid: String,
    pub tenant_id: String,
    pub public_id: i64,
    pub status: String,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub email_confirmed: bool,
    pub email_temporary: bool,
    pub password_hash: Option<String>,
    pub two_factor: bool,
    pub username: Option<String>,
    pub nickname: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub birthday: Option<String>,
    pub birthday_locked: bool,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub address: String,
    pub locale: Option<String>,
    pub push_token: Option<String>,
    pub wallet_address: Option<String>,
    pub subscriptions: String,
    pub referral_code: Option<String>,
    pub failed_sign_ins: i32,
    pub sign_in_locked_until: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    pub version: i64,
    /// JSON (see `clientele_domain::factors::Factors`).
    pub factors: String,
    pub external_id: Option<String>,
    pub email_key: Option<String>,
    pub first_name_key: Option<String>,
    pub last_name_key: Option<String>,
}

fn text<T: ToString>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(ToString::to_string)
}

impl From<&Account> for AccountRow {
    fn from(a: &Account) -> Self {
        let p = &a.profile;
        let keys = SearchKeys::of(a);
        AccountRow {
            uuid: a.uuid.0.to_string(),
            tenant_id: a.tenant.as_str().to_owned(),
            public_id: a.public_id.0,
            status: a.status.as_str().to_owned(),
            email: a.email.as_ref().map(|e| e.as_str().to_owned()),
            email_normalized: a.email.as_ref().map(|e| e.normalized().to_owned()),
            email_confirmed: a.email_confirmed,
            email_temporary: a.email_temporary,
            password_hash: a.password_hash.as_ref().map(|h| h.as_str().to_owned()),
            two_factor: a.two_factor,
            username: p.username.clone(),
            nickname: text(&p.nickname),
            first_name: text(&p.first_name),
            middle_name: text(&p.middle_name),
            last_name: text(&p.last_name),
            birthday: p.birthday.map(|b| b.to_iso_date()),
            birthday_locked: p.birthday_locked,
            gender: p.gender.clone(),
            phone: text(&p.phone),
            mobile: text(&p.mobile),
            address: serde_json::to_string(&p.address).expect("an address always serialises"),
            locale: text(&p.locale),
            push_token: p.push_token.clone(),
            wallet_address: p.wallet_address.clone(),
            subscriptions: serde_json::to_string(&p.subscriptions).expect("strings always serialise"),
            referral_code: p.referral_code.clone(),
            failed_sign_ins: a.sign_in.failures,
            sign_in_locked_until: a.sign_in.locked_until.map(to_db_time),
            created_at: to_db_time(a.created_at),
            updated_at: to_db_time(a.updated_at),
            version: a.version,
            factors: serde_json::to_string(&a.factors).expect("factors always serialise"),
            external_id: a.external_id.clone(),
            email_key: keys.email,
            first_name_key: keys.first_name,
            last_name_key: keys.last_name,
        }
    }
}

pub fn parse_uuid(raw: &str) -> Result<Uuid, StoreError> {
    raw.parse().map_err(|_| corrupt("uuid"))
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        let birthday = match r.birthday {
            Some(raw) => Some(Birthday::from_stored(
                Date::parse(&raw, format_description!("[year]-[month]-[day]"))
                    .map_err(|_| corrupt("birthday"))?,
            )),
            None => None,
        };
        let profile = Profile {
            username: r.username,
            nickname: r.nickname.map(Name::from_stored),
            first_name: r.first_name.map(Name::from_stored),
            middle_name: r.middle_name.map(Name::from_stored),
            last_name: r.last_name.map(Name::from_stored),
            birthday,
            birthday_locked: r.birthday_locked,
            gender: r.gender,
            phone: r.phone.map(Phone::from_stored),
            mobile: r.mobile.map(Phone::from_stored),
            address: serde_json::from_str::<Address>(&r.address).map_err(|_| corrupt("address"))?,
            locale: r.locale.map(Locale::from_stored),
            push_token: r.push_token,
            wallet_address: r.wallet_address,
            subscriptions: serde_json::from_str(&r.subscriptions).map_err(|_| corrupt("subscriptions"))?,
            referral_code: r.referral_code,
        };
        Ok(Account {
            uuid: AccountUuid(parse_uuid(&r.uuid)?),
            public_id: PublicId(r.public_id),
            tenant: TenantId::parse(&r.tenant_id).ok_or_else(|| corrupt("tenant"))?,
            status: AccountStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            email: r.email.map(Email::from_stored),
            email_confirmed: r.email_confirmed,
            email_temporary: r.email_temporary,
            password_hash: r.password_hash.map(PasswordHash::from_stored),
            two_factor: r.two_factor,
            factors: serde_json::from_str(&r.factors).map_err(|_| corrupt("factors"))?,
            external_id: r.external_id,
            profile,
            sign_in: SignInThrottle {
                failures: r.failed_sign_ins,
                locked_until: r.sign_in_locked_until.map(from_db_time),
            },
            created_at: from_db_time(r.created_at),
            updated_at: from_db_time(r.updated_at),
            version: r.version,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions, primary_key(uuid))]
pub struct SessionRow {
    pub uuid: String,
    pub tenant_id: String,
    pub account_uuid: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub country: Option<String>,
    pub device: Option<String>,
    pub ip: Option<String>,
    pub sign_in_method: String,
    pub last_seen_at: Option<PrimitiveDateTime>,
}

impl From<&Session> for SessionRow {
    fn from(s: &Session) -> Self {
        SessionRow {
            uuid: s.id.0.to_string(),
            tenant_id: s.tenant.as_str().to_owned(),
            account_uuid: s.account.0.to_string(),
            created_at: to_db_time(s.created_at),
            expires_at: to_db_time(s.expires_at),
            revoked_at: s.revoked_at.map(to_db_time),
            country: s.country.clone(),
            device: s.device.clone(),
            ip: s.ip.clone(),
            sign_in_method: s.sign_in_method.as_str().to_owned(),
            last_seen_at: Some(to_db_time(s.last_seen_at)),
        }
    }
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;

    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        Ok(Session {
            id: SessionId(parse_uuid(&r.uuid)?),
            tenant: TenantId::parse(&r.tenant_id).ok_or_else(|| corrupt("tenant"))?,
            account: AccountUuid(parse_uuid(&r.account_uuid)?),
            created_at: from_db_time(r.created_at),
            expires_at: from_db_time(r.expires_at),
            revoked_at: r.revoked_at.map(from_db_time),
            country: r.country,
            device: r.device,
            ip: r.ip,
            sign_in_method: SignInMethod::parse(&r.sign_in_method)
                .ok_or_else(|| corrupt("sign-in method"))?,
            last_seen_at: from_db_time(r.last_seen_at.unwrap_or(r.created_at)),
        })
    }
}
