//! What the back office asks when it looks for customers: which key, which filters, and where
//! the previous page ended. A page ends at a position in newest-first order (creation time,
//! then numeric id), so that customers created meanwhile neither repeat nor shift a page.

use time::OffsetDateTime;

use crate::account::{Account, AccountStatus, AccountUuid, PublicId};
use crate::tenant::TenantId;

/// What an account is found by, as a store keeps it beside the account: its address while it
/// has one (an erased account's placeholder is no one's), its names lower-cased. The store
/// ranges over these for the prefix keys; the search compares with the same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchKeys {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl SearchKeys {
    pub fn of(account: &Account) -> Self {
        let lower = |name: &Option<crate::values::Name>| name.as_ref().map(|n| n.as_str().to_lowercase());
        SearchKeys {
            email: account.customer_email().map(|e| e.normalized().to_owned()),
            first_name: lower(&account.profile.first_name),
            last_name: lower(&account.profile.last_name),
        }
    }

    /// The text a search for `text` ranges over: lower-cased as the keys are.
    pub fn of_text(text: &str) -> String {
        text.to_lowercase()
    }
}

/// The one key a store lookup matches on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    All,
    /// The start of the normalised (lower-cased) address.
    EmailPrefix(String),
    /// The start of the first name, lower-cased.
    FirstNamePrefix(String),
    /// The start of the last name, lower-cased.
    LastNamePrefix(String),
    /// A phone number in E.164.
    Phone(String),
    PublicId(PublicId),
    Uuid(AccountUuid),
    ExternalId(String),
}

/// Where a page ended: customers strictly older than this (in newest-first order) follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchPosition {
    pub created_at: OffsetDateTime,
    pub public_id: PublicId,
}

impl SearchPosition {
    pub fn of(account: &Account) -> Self {
        SearchPosition {
            created_at: account.created_at,
            public_id: account.public_id,
        }
    }

    /// An opaque cursor for the API.
    pub fn encode(&self) -> String {
        let plain = format!("{}:{}", self.created_at.unix_timestamp_nanos(), self.public_id.0);
        plain.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// `None` for anything [`Self::encode`] did not write (nor a time no store keeps).
    pub fn decode(cursor: &str) -> Option<Self> {
        let cursor = cursor.trim();
        if !cursor.len().is_multiple_of(2) || cursor.len() > 80 {
            return None;
        }
        let bytes = (0..cursor.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let plain = String::from_utf8(bytes).ok()?;
        let (nanos, id) = plain.split_once(':')?;
        let created_at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
        (1900..=9999).contains(&created_at.year()).then_some(())?;
        Some(SearchPosition {
            created_at,
            public_id: PublicId(id.parse().ok()?),
        })
    }

    /// Whether `account` comes after this position in newest-first order.
    pub fn precedes(&self, account: &Account) -> bool {
        (account.created_at, account.public_id.0) < (self.created_at, self.public_id.0)
    }
}

/// One store lookup of a search: a key and the filters, newest first, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerQuery {
    pub tenant: TenantId,
    pub key: SearchKey,
    pub status: Option<AccountStatus>,
    /// Created at or after.
    pub created_from: Option<OffsetDateTime>,
    /// Created strictly before.
    pub created_before: Option<OffsetDateTime>,
    pub after: Option<SearchPosition>,
    pub limit: i64,
}

impl CustomerQuery {
    /// The upper end of the range of texts that start with `prefix`, compared byte by byte.
    pub fn prefix_end(prefix: &str) -> String {
        format!("{prefix}{}", char::MAX)
    }

    /// Whether `account` answers this query (what a store's lookup selects, and what the
    /// search checks of every row a range returned).
    pub fn admits(&self, account: &Account) -> bool {
        let starts = |value: Option<String>, prefix: &str| value.is_some_and(|v| v.starts_with(prefix));
        let keys = SearchKeys::of(account);
        let key = match &self.key {
            SearchKey::All => true,
            SearchKey::EmailPrefix(p) => starts(keys.email, p),
            SearchKey::FirstNamePrefix(p) => starts(keys.first_name, p),
            SearchKey::LastNamePrefix(p) => starts(keys.last_name, p),
            SearchKey::Phone(phone) => account
                .profile
                .phone
                .as_ref()
                .is_some_and(|p| p.as_str() == phone),
            SearchKey::PublicId(id) => account.public_id == *id,
            SearchKey::Uuid(uuid) => account.uuid == *uuid,
            SearchKey::ExternalId(id) => account.external_id.as_deref() == Some(id.as_str()),
        };
        key && account.tenant == self.tenant
            && self.status.is_none_or(|s| account.status == s)
            && self.created_from.is_none_or(|from| account.created_at >= from)
            && self
                .created_before
                .is_none_or(|before| account.created_at < before)
            && self.after.is_none_or(|after| after.precedes(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_refuses_what_it_did_not_write() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_765_000_000_123_456_000).unwrap();
        let position = SearchPosition {
            created_at: at,
            public_id: PublicId(58937470420006),
        };
        assert_eq!(SearchPosition::decode(&position.encode()), Some(position));
        for bad in ["", "zz", "3a", "abc", &"00".repeat(50)] {
            assert_eq!(SearchPosition::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_prefix_range_ends_after_every_text_that_starts_with_it() {
        let end = CustomerQuery::prefix_end("ann");
        assert!("anna@example.com" < end.as_str());
        assert!("annz" < end.as_str());
        assert!("ano" > end.as_str());
    }
}
