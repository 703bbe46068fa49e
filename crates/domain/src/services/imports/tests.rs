use super::candidate::LineRules;
use super::run::Seen;
use crate::account::AccountStatus;
use crate::imports::ImportLine;
use crate::ports::MockPasswordHasher;
use crate::services::support::test_support::{account, T0};
use crate::tenant::TenantId;
use crate::values::{PasswordHash, PhoneRegion};

/// A hasher that adopts `good…` hashes and refuses the rest.
fn hasher() -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_adopt().returning(|hash, _, _| {
        if hash.starts_with("good") {
            Ok(PasswordHash::imported(hash))
        } else {
            Err("unknown password hash format".into())
        }
    });
    hasher
}

fn line(fields: &[(&str, &str)]) -> ImportLine {
    ImportLine::from_fields(7, fields.iter().map(|(k, v)| (*k, (*v).to_owned())))
}

fn check(
    hasher: &MockPasswordHasher,
    fields: &[(&str, &str)],
) -> Result<super::candidate::Candidate, String> {
    let tenant = TenantId::default_tenant();
    let rules = LineRules {
        tenant: &tenant,
        region: PhoneRegion::parse("DE"),
        passwords: hasher,
        firebase: None,
        now: T0,
    };
    rules.check(&line(fields))
}

#[test]
fn a_full_line_makes_the_account_it_describes() {
    let hasher = hasher();
    let candidate = check(
        &hasher,
        &[
            ("email", "Ann@Example.com"),
            ("passwordHash", "good$hash"),
            ("emailVerified", "true"),
            ("firstName", "Ann"),
            ("phone", "030 901820"),
            ("birthday", "1990-05-15"),
            ("createdAt", "2020-01-02T03:04:05Z"),
            ("externalId", "old-7"),
            ("uuid", "6f1c0a2e-4b7d-4e21-9a3f-0c5d8e7b1a01"),
        ],
    )
    .unwrap();
    assert_eq!(candidate.line, 7);
    assert_eq!(candidate.new.status, AccountStatus::Active);
    assert!(candidate.new.email_confirmed);
    assert!(candidate.new.password_hash.unwrap().is_imported());
    assert_eq!(
        candidate.new.profile.phone.unwrap().as_str(),
        "+4930901820",
        "national, in the tenant's region"
    );
    let account = candidate_account(
        check(
            &hasher,
            &[("email", "a@b.test"), ("createdAt", "2020-01-02T03:04:05Z")],
        )
        .unwrap(),
    );
    assert_eq!(account.created_at.year(), 2020);
    assert_eq!(account.profile.username.as_deref(), Some("a"));
}

fn candidate_account(candidate: super::candidate::Candidate) -> crate::account::Account {
    let base = account();
    candidate.account(base.uuid, base.public_id, T0, 0)
}

#[test]
fn an_unverified_line_waits_for_activation() {
    let candidate = check(&hasher(), &[("email", "a@b.test")]).unwrap();
    assert_eq!(candidate.new.status, AccountStatus::PendingActivation);
    assert!(!candidate.new.email_confirmed);
    assert_eq!(candidate.new.password_hash, None);
}

#[test]
fn each_problem_is_named() {
    let hasher = hasher();
    let refused = |fields: &[(&str, &str)]| check(&hasher, fields).unwrap_err();
    assert!(refused(&[("firstName", "Ann")]).contains("email is required"));
    assert!(refused(&[("email", "nope")]).starts_with("email"));
    assert!(refused(&[("email", "a@b.test"), ("passwordHash", "md5")]).starts_with("passwordHash"));
    assert!(refused(&[("email", "a@b.test"), ("emailVerified", "maybe")]).contains("emailVerified"));
    assert!(refused(&[("email", "a@b.test"), ("phone", "12")]).starts_with("phone"));
    assert!(refused(&[("email", "a@b.test"), ("birthday", "1990-13-01")]).starts_with("birthday"));
    assert!(refused(&[
        ("email", "a@b.test"),
        ("uuid", "00000000-0000-0000-0000-000000000000")
    ])
    .starts_with("uuid"));
    assert!(
        refused(&[("email", "a@b.test"), ("createdAt", "2999-01-01T00:00:00Z")]).starts_with("createdAt")
    );
    assert!(refused(&[("email", "a@b.test"), ("password", "hunter2hunter2")]).contains("in clear"));
}

#[test]
fn a_line_repeating_an_earlier_ones_key_is_a_duplicate() {
    let hasher = hasher();
    let mut seen = Seen::default();
    let first = check(
        &hasher,
        &[
            ("email", "a@b.test"),
            ("externalId", "x-1"),
            ("phone", "+4930901820"),
        ],
    )
    .unwrap();
    assert_eq!(seen.admit(&first), Ok(()));
    let same_email = check(&hasher, &[("email", "A@B.test")]).unwrap();
    assert!(seen.admit(&same_email).unwrap_err().starts_with("email"));
    let same_external = check(&hasher, &[("email", "c@b.test"), ("externalId", "x-1")]).unwrap();
    assert!(seen.admit(&same_external).unwrap_err().starts_with("externalId"));
    let same_phone = check(&hasher, &[("email", "d@b.test"), ("phone", "030 901820")]).unwrap();
    assert!(seen.admit(&same_phone).unwrap_err().starts_with("phone"));
    let other = check(&hasher, &[("email", "e@b.test"), ("externalId", "x-2")]).unwrap();
    assert_eq!(seen.admit(&other), Ok(()));
}

#[test]
fn an_update_never_replaces_a_password_of_the_customers_choosing() {
    let hasher = hasher();
    let candidate = check(
        &hasher,
        &[
            ("email", "a@b.test"),
            ("passwordHash", "good$new"),
            ("firstName", "Newname"),
        ],
    )
    .unwrap();
    let mut chosen = account();
    chosen.password_hash = Some(PasswordHash::from_stored("$2b$12$chosen".into()));
    let next = candidate.updating(&chosen).unwrap();
    assert_eq!(next.password_hash, chosen.password_hash);
    assert_eq!(next.profile.first_name.unwrap().as_str(), "Newname");
    let mut imported = account();
    imported.password_hash = Some(PasswordHash::imported("good$old"));
    let next = candidate.updating(&imported).unwrap();
    assert_eq!(next.password_hash, Some(PasswordHash::imported("good$new")));
}

#[test]
fn a_line_is_matched_only_to_the_customer_all_its_keys_name() {
    use crate::account::AccountUuid;
    use crate::ports::Existing;
    let hasher = hasher();
    let stored = AccountUuid(uuid::Uuid::from_u128(7));
    let found = |external_id: Option<&str>, other: Option<AccountUuid>| Existing {
        uuid: stored,
        external_id: external_id.map(str::to_owned),
        by_email: true,
        other,
    };
    let line = check(&hasher, &[("email", "a@b.test"), ("externalId", "x-1")]).unwrap();
    assert_eq!(line.is_the_same_as(&found(Some("x-1"), None)), Ok(()));
    assert_eq!(line.is_the_same_as(&found(None, None)), Ok(()), "an id to add");
    assert!(line
        .is_the_same_as(&found(Some("x-2"), None))
        .unwrap_err()
        .contains("another externalId"));
    let two = found(None, Some(AccountUuid(uuid::Uuid::from_u128(8))));
    assert!(line
        .is_the_same_as(&two)
        .unwrap_err()
        .contains("two different customers"));
    let with_uuid = check(
        &hasher,
        &[
            ("email", "a@b.test"),
            ("uuid", "6f1c0a2e-4b7d-4e21-9a3f-0c5d8e7b1a01"),
        ],
    )
    .unwrap();
    assert!(with_uuid
        .is_the_same_as(&found(None, None))
        .unwrap_err()
        .contains("another uuid"));
}

#[test]
fn an_update_gives_no_first_password() {
    let hasher = hasher();
    let candidate = check(&hasher, &[("email", "a@b.test"), ("passwordHash", "good$new")]).unwrap();
    let mut without = account();
    without.password_hash = None;
    assert_eq!(candidate.updating(&without).unwrap().password_hash, None);
}
