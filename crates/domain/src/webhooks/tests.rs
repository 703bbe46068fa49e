use std::net::IpAddr;

use serde_json::{json, Value};
use time::macros::datetime;
use time::Duration;
use uuid::Uuid;

use super::*;
use crate::account::{AccountStatus, AccountUuid};
use crate::tenant::TenantId;

fn strict() -> UrlPolicy {
    UrlPolicy::default()
}

#[test]
fn only_https_to_public_addresses_unless_the_operator_allows_more() {
    let ok = strict().parse("https://hooks.example.com/in?x=1").unwrap();
    assert_eq!(ok.host(), "hooks.example.com");
    assert_eq!(
        strict().parse("http://hooks.example.com/").unwrap_err(),
        UrlRefusal::NotHttps
    );
    assert_eq!(
        strict().parse("ftp://hooks.example.com/").unwrap_err(),
        UrlRefusal::NotHttps
    );
    for malformed in [
        "hooks.example.com",
        "https://user:pw@hooks.example.com/",
        "https://",
        "https://exa mple.com/",
        "https://example.com:0/",
        "https://example.com:99999/",
        "https://[::1/",
        "https://[2606:4700::1]x/",
        "https://example.com:+443/",
    ] {
        assert_eq!(
            strict().parse(malformed).unwrap_err(),
            UrlRefusal::Malformed,
            "{malformed}"
        );
    }
    for private in [
        "https://127.0.0.1/",
        "https://localhost/",
        "https://api.localhost/",
        "https://10.0.0.8/",
        "https://172.16.4.4/",
        "https://192.168.1.1/",
        "https://169.254.169.254/latest",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[fd12::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[64:ff9b::a00:1]/",
        "https://[::127.0.0.1]/",
        "https://[fec0::1]/",
        "https://[2002:7f00:1::]/",
        "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    ] {
        assert!(
            matches!(strict().parse(private), Err(UrlRefusal::PrivateAddress(_))),
            "{private}"
        );
    }
    // The old IPv4 forms an HTTP client would read as an address are refused, not resolved.
    for numeric in [
        "https://2130706433/",
        "https://0x7f.1/",
        "https://127.1/",
        "https://017700000001/",
        "https://10.0.0.1./",
    ] {
        assert_eq!(
            strict().parse(numeric).unwrap_err(),
            UrlRefusal::Malformed,
            "{numeric}"
        );
    }
    assert_eq!(
        strict().parse("https://hooks.example.com./in").unwrap().host(),
        "hooks.example.com"
    );
    assert!(matches!(
        strict().parse("https://localhost./"),
        Err(UrlRefusal::PrivateAddress(_))
    ));
    assert!(strict().parse("https://93.184.215.14/").is_ok());
    assert!(strict().parse("https://[2606:4700::6810:84e5]/").is_ok());

    let development = UrlPolicy {
        allow_loopback: true,
        allow_private: false,
    };
    assert!(development.parse("http://127.0.0.1:8080/hook").is_ok());
    assert!(development.parse("http://localhost:8080/hook").is_ok());
    assert_eq!(
        development.parse("http://10.0.0.8/").unwrap_err(),
        UrlRefusal::NotHttps
    );
    assert!(matches!(
        development.parse("https://10.0.0.8/"),
        Err(UrlRefusal::PrivateAddress(_))
    ));
    let internal = UrlPolicy {
        allow_loopback: false,
        allow_private: true,
    };
    assert!(internal.parse("https://10.0.0.8/").is_ok());
    assert!(internal.admits("169.254.1.1".parse::<IpAddr>().unwrap()));
}

#[test]
fn an_endpoint_receives_the_types_it_names_or_every_type() {
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(EventFilter::parse(&names(&["*"])).unwrap(), EventFilter::All);
    let some = EventFilter::parse(&names(&[
        "customer.updated",
        "customer.created",
        "customer.created",
    ]))
    .unwrap();
    assert!(some.admits(EventType::CustomerCreated));
    assert!(!some.admits(EventType::OrderCreated));
    assert_eq!(some.stored(), "customer.created,customer.updated");
    assert_eq!(EventFilter::from_stored(&some.stored()), Some(some));
    for wrong in [
        &[][..],
        &["customer.nope"][..],
        &["*", "customer.created"][..],
        &["webhook.test"][..],
    ] {
        assert!(EventFilter::parse(&names(wrong)).is_err(), "{wrong:?}");
    }
}

fn endpoint() -> Endpoint {
    let at = datetime!(2026-12-07 12:00 UTC);
    Endpoint {
        id: WebhookId(Uuid::from_u128(1)),
        tenant: TenantId::default_tenant(),
        url: "https://hooks.example.com/".into(),
        events: EventFilter::All,
        description: None,
        sealed_secret: "current".into(),
        previous_secret: None,
        created_at: at,
        updated_at: at,
        disabled_at: None,
        failing_since: None,
    }
}

#[test]
fn a_rotated_out_secret_signs_beside_the_new_one_for_a_day() {
    let now = datetime!(2026-12-07 13:00 UTC);
    let rotated = endpoint().rotated("new".into(), now);
    assert_eq!(rotated.signing_secrets(now), vec!["new", "current"]);
    assert_eq!(
        rotated.signing_secrets(now + Duration::hours(23)),
        vec!["new", "current"]
    );
    assert_eq!(rotated.signing_secrets(now + Duration::hours(24)), vec!["new"]);
}

#[test]
fn re_enabling_forgets_the_failure_streak_and_a_disabled_endpoint_receives_nothing() {
    let now = datetime!(2026-12-07 13:00 UTC);
    let mut disabled = endpoint();
    disabled.disabled_at = Some(now);
    disabled.failing_since = Some(now - Duration::days(3));
    assert!(!disabled.receives(EventType::CustomerCreated));
    let again = disabled.changed(
        EndpointChange {
            disabled: Some(false),
            ..EndpointChange::default()
        },
        now,
    );
    assert!(again.receives(EventType::CustomerCreated));
    assert_eq!(again.failing_since, None);
}

fn account() -> crate::Account {
    let at = datetime!(2026-12-07 12:00 UTC);
    crate::NewAccount {
        tenant: TenantId::default_tenant(),
        status: AccountStatus::Active,
        email: crate::values::Email::parse("ann@example.com").unwrap(),
        email_confirmed: true,
        password_hash: None,
        profile: crate::Profile::default(),
        external_id: None,
    }
    .into_account(AccountUuid(Uuid::from_u128(7)), crate::PublicId(41), at, 0)
}

#[test]
fn the_body_carries_ids_and_what_changed_in_the_specification_s_envelope() {
    let account = account();
    let event = Event::about(
        &account,
        EventType::CustomerUpdated,
        json!({"fields": ["firstName"]}),
        datetime!(2026-12-07 12:00:01 UTC),
    );
    let stored = StoredEvent {
        id: "evt_1".into(),
        event,
        customer_id: Some(41),
    };
    let body: Value = serde_json::from_str(&stored.body()).unwrap();
    assert_eq!(
        body,
        json!({
            "type": "customer.updated",
            "timestamp": "2026-12-07T12:00:01Z",
            "data": {
                "customerId": 41,
                "customerUuid": "00000000-0000-0000-0000-000000000007",
                "tenant": "default",
                "fields": ["firstName"],
            }
        })
    );
}

#[test]
fn an_edit_announces_the_names_of_the_fields_it_changed_and_never_their_values() {
    let before = account();
    let mut next = before.clone();
    next.profile.first_name = Some(crate::values::Name::parse("Zoë").unwrap());
    next.profile.locale = Some(crate::values::Locale::parse("de").unwrap());
    let transition = before.edit(next, datetime!(2026-12-07 12:05 UTC)).unwrap();
    let events = transition.announcements();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventType::CustomerUpdated);
    assert_eq!(
        Value::Object(events[0].data.clone()),
        json!({"fields": ["firstName", "locale"]})
    );
    assert!(!serde_json::to_string(&events[0].data).unwrap().contains("Zo"));
}

#[test]
fn erasing_announces_the_erasure_alone_with_nothing_but_ids() {
    let before = account();
    let closed = before
        .deactivate(datetime!(2026-12-07 12:05 UTC))
        .unwrap()
        .after()
        .clone();
    let erased = closed.erase(datetime!(2026-12-07 12:06 UTC)).unwrap();
    let events = erased.announcements();
    assert_eq!(
        events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EventType::CustomerErased]
    );
    assert!(events[0].data.is_empty());
}
