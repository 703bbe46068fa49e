use clientele_domain::ports::{StoreError, UniqueKey};
use diesel::result::{DatabaseErrorKind, Error};

/// Maps diesel's errors onto the storage ports' contract. Unique violations are told apart by
/// the constraint (PostgreSQL) or the columns named in the message (SQLite).
pub fn from_diesel(error: Error) -> StoreError {
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let names = format!(
                "{} {}",
                info.constraint_name().unwrap_or_default(),
                info.message()
            );
            // The one-open-flow index names the purpose (PostgreSQL: its name; SQLite: the
            // columns `flows.account_uuid, flows.purpose`).
            let key = if names.contains("purpose") {
                UniqueKey::OpenFlow
            } else if names.contains("email") {
                UniqueKey::Email
            } else if names.contains("public_id") {
                UniqueKey::PublicId
            } else if names.contains("username") {
                UniqueKey::Username
            } else if names.contains("referral") {
                UniqueKey::ReferralCode
            } else if names.contains("phone") {
                UniqueKey::Phone
            } else if names.contains("external_id") {
                UniqueKey::ExternalId
            } else {
                UniqueKey::Id
            };
            StoreError::Duplicate(key)
        }
        other => StoreError::Unavailable(other.to_string()),
    }
}

pub fn from_pool(error: diesel::r2d2::PoolError) -> StoreError {
    StoreError::Unavailable(format!("no database connection: {error}"))
}

/// A stored value that does not parse back: the row was written by something else.
pub fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(format!("unreadable stored {what}"))
}
