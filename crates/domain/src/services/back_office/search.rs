//! Finding customers: one search text read as every key it could be (an email prefix, a name
//! prefix, a phone number as the tenant's region reads it, a numeric id, a UUID, an earlier
//! system's id), each looked up through its index, merged newest first and paged by position.

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::account::{Account, AccountStatus, AccountUuid, PublicId};
use crate::customer_search::{CustomerQuery, SearchKey, SearchKeys, SearchPosition};
use crate::error::{DomainError, FieldErrors};
use crate::services::profile::view::phone_region;
use crate::services::{Deps, FlowDeps};
use crate::tenant::TenantId;
use crate::values::{Phone, PhoneRegion};

/// Most customers one page holds.
pub const PAGE_LIMIT: i64 = 100;

/// What the back office asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    pub text: Option<String>,
    pub status: Option<AccountStatus>,
    pub created_from: Option<OffsetDateTime>,
    pub created_before: Option<OffsetDateTime>,
    /// The previous page's `next`, as given.
    pub cursor: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub customers: Vec<Account>,
    /// Where the next page starts, if there is one.
    pub next: Option<String>,
}

pub struct CustomerSearch {
    deps: Deps,
    flows: FlowDeps,
    default_region: Option<PhoneRegion>,
}

impl CustomerSearch {
    pub fn new(deps: Deps, flows: FlowDeps, default_region: Option<PhoneRegion>) -> Self {
        CustomerSearch {
            deps,
            flows,
            default_region,
        }
    }

    /// The tenant's customers that `request` selects, newest first, one page.
    pub async fn search(&self, tenant: &TenantId, request: SearchRequest) -> Result<SearchPage, DomainError> {
        let mut errors = FieldErrors::new();
        if !(1..=PAGE_LIMIT).contains(&request.limit) {
            errors.add("limit", format!("must be between 1 and {PAGE_LIMIT}"));
        }
        let after = match request.cursor.as_deref().map(SearchPosition::decode) {
            Some(None) => {
                errors.add("cursor", "is not a cursor this search gave");
                None
            }
            Some(position) => position,
            None => None,
        };
        if let (Some(from), Some(before)) = (request.created_from, request.created_before) {
            if from >= before {
                errors.add("created_to", "must be later than created_from");
            }
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let text = request.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let keys = match text {
            None => vec![SearchKey::All],
            Some(text) => {
                let region = phone_region(&self.flows, tenant, self.default_region).await?;
                keys_for(text, region)
            }
        };
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        // Whether a lookup had more than a page: decided on what it returned, not on what the
        // check below kept, so that a page cut short never ends the paging.
        let mut beyond = false;
        for key in keys {
            let query = CustomerQuery {
                tenant: tenant.clone(),
                key,
                status: request.status,
                created_from: request.created_from,
                created_before: request.created_before,
                after,
                // One more than a page: whether another page follows.
                limit: request.limit + 1,
            };
            let rows = self.deps.accounts.search(&query).await?;
            beyond |= rows.len() as i64 > request.limit;
            for account in rows {
                // A prefix range may hold more than the prefix (an erased customer's
                // placeholder address, say): only what the query admits counts.
                if query.admits(&account) && seen.insert(account.uuid) {
                    found.push(account);
                }
            }
        }
        found.sort_by_key(|a| std::cmp::Reverse((a.created_at, a.public_id.0)));
        let more = beyond || found.len() as i64 > request.limit;
        found.truncate(request.limit as usize);
        let next = more
            .then(|| found.last().map(|last| SearchPosition::of(last).encode()))
            .flatten();
        Ok(SearchPage {
            customers: found,
            next,
        })
    }
}

/// Every key `text` could be.
fn keys_for(text: &str, region: Option<PhoneRegion>) -> Vec<SearchKey> {
    let mut keys = Vec::new();
    if let Ok(uuid) = uuid::Uuid::parse_str(text) {
        keys.push(SearchKey::Uuid(AccountUuid(uuid)));
    }
    if let Ok(id) = text.parse::<i64>() {
        keys.push(SearchKey::PublicId(PublicId(id)));
    }
    let phone_like = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && text.chars().filter(char::is_ascii_digit).count() >= 5;
    if phone_like {
        if let Ok(phone) = Phone::parse_in(text, region) {
            keys.push(SearchKey::Phone(phone.as_str().to_owned()));
        }
    }
    let lower = SearchKeys::of_text(text);
    if !phone_like {
        keys.push(SearchKey::EmailPrefix(lower.clone()));
        if !text.contains('@') {
            keys.push(SearchKey::FirstNamePrefix(lower.clone()));
            keys.push(SearchKey::LastNamePrefix(lower));
        }
    }
    keys.push(SearchKey::ExternalId(text.to_owned()));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_read_as_every_key_it_could_be() {
        let de = PhoneRegion::parse("DE");
        assert_eq!(
            keys_for("Ann", de),
            [
                SearchKey::EmailPrefix("ann".into()),
                SearchKey::FirstNamePrefix("ann".into()),
                SearchKey::LastNamePrefix("ann".into()),
                SearchKey::ExternalId("Ann".into()),
            ]
        );
        assert_eq!(
            keys_for("ann@exa", de),
            [
                SearchKey::EmailPrefix("ann@exa".into()),
                SearchKey::ExternalId("ann@exa".into())
            ]
        );
        let national = keys_for("030 1234567", de);
        assert!(
            national.contains(&SearchKey::Phone("+49301234567".into())),
            "{national:?}"
        );
        let numeric = keys_for("58937470420006", de);
        assert_eq!(numeric[0], SearchKey::PublicId(PublicId(58937470420006)));
        assert!(numeric.contains(&SearchKey::ExternalId("58937470420006".into())));
        let uuid = "0b7c1a9e-7f1e-4f55-9a0c-1f2e3d4c5b6a";
        assert_eq!(
            keys_for(uuid, de)[0],
            SearchKey::Uuid(AccountUuid(uuid.parse().unwrap()))
        );
    }
}
