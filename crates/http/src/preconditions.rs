//! Conditional changes of a profile: its `ETag` is the account's version, and a change sent
//! with `If-Match` applies only while the account is still at a version it names (412
//! otherwise), so a client can change what it has read without overwriting what it has not.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderName, ETAG, IF_MATCH};
use actix_web::{FromRequest, HttpRequest};
use clientele_domain::services::IfVersion;
use clientele_domain::Account;

use crate::problem::Problem;

/// What a request's `If-Match` asks (nothing when it has none).
pub struct IfMatch(pub IfVersion);

impl IfMatch {
    /// Reads `If-Match` field values: `*` sets no condition (the account exists, or the request
    /// would not be authenticated); otherwise the strong tags name versions. Weak tags never
    /// match (If-Match compares strongly), nor does anything else, so a value we did not issue
    /// is a 412, never a change applied unconditionally.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<IfVersion> {
        let mut versions = Vec::new();
        let mut present = false;
        for tag in values.into_iter().flat_map(|v| v.split(',')).map(str::trim) {
            present = true;
            if tag == "*" {
                return Some(IfVersion::any());
            }
            // Exactly as issued: digits, no sign, no leading zero.
            let version = tag
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .filter(|t| t.bytes().all(|b| b.is_ascii_digit()) && (*t == "0" || !t.starts_with('0')))
                .and_then(|t| t.parse::<i64>().ok());
            versions.extend(version);
        }
        present.then(|| IfVersion::one_of(versions))
    }
}

impl FromRequest for IfMatch {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let values = req
            .headers()
            .get_all(IF_MATCH)
            .map(|v| v.to_str().unwrap_or_default());
        ready(Ok(IfMatch(IfMatch::parse(values).unwrap_or_default())))
    }
}

/// `If-Match` as the OpenAPI document states it.
#[derive(utoipa::IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchHeader(
    /// The profile's `ETag` as last read (or `*`): the change applies only while the profile
    /// is still at that version, a 412 otherwise.
    Option<String>,
);

/// The `ETag` of a profile read from `account`.
pub fn etag(account: &Account) -> (HeaderName, String) {
    (ETAG, format!("\"{}\"", account.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_versions_strongly() {
        assert_eq!(IfMatch::parse([]), None);
        assert_eq!(IfMatch::parse(["*"]), Some(IfVersion::any()));
        assert_eq!(IfMatch::parse(["\"3\""]), Some(IfVersion::one_of(vec![3])));
        assert_eq!(
            IfMatch::parse(["\"3\", W/\"4\"", "\"5\""]),
            Some(IfVersion::one_of(vec![3, 5])),
            "weak tags never match"
        );
        assert_eq!(
            IfMatch::parse(["3", "\"x\"", "", "\"03\"", "\"+3\""]),
            Some(IfVersion::one_of(vec![])),
            "what we did not issue matches nothing"
        );
    }
}
