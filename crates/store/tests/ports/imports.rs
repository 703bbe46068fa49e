//! Customer imports: a batch inserts the accounts new to the tenant in one transaction, tells
//! the existing ones (by email or external id) and the taken keys apart, rolls everything back
//! on a dry run; run records round-trip, and finishing writes its audit entry.

use crate::support::*;
use clientele_domain::imports::{ImportCounts, ImportId, ImportRecord, ImportStatus, RefusedLine};
use clientele_domain::ports::{Existing, Placed};

/// A tenant of the case's own, so that emails and numbers never meet another case's.
async fn own_tenant(s: &Stores) -> TenantId {
    let tenant = new_tenant();
    s.tenants.insert_tenant(&tenant).await.unwrap();
    tenant.id
}

fn imported(tenant: &TenantId, email: &str) -> Account {
    let mut account = full_account();
    account.tenant = tenant.clone();
    account.email = Some(Email::parse(email).unwrap());
    account.two_factor = false;
    account.sign_in = SignInThrottle::default();
    account.profile.referral_code = None;
    account.profile.username = Some(email.split('@').next().unwrap().to_owned());
    account.password_hash = Some(PasswordHash::imported("pbkdf2_sha256$1000$salt$hash"));
    account
}

pub(crate) async fn a_batch_inserts_the_new_and_tells_the_rest_apart(s: Stores) {
    let tenant = own_tenant(&s).await;
    let existing = imported(&tenant, "old@import.test");
    s.imports
        .insert_new(&tenant, std::slice::from_ref(&existing), true)
        .await
        .unwrap();

    let same_email = imported(&tenant, "OLD@import.test");
    let same_external = Account {
        external_id: existing.external_id.clone(),
        ..imported(&tenant, "renamed@import.test")
    };
    let fresh = imported(&tenant, "new@import.test");
    let taken_phone = Account {
        profile: Profile {
            phone: existing.profile.phone.clone(),
            ..imported(&tenant, "phone@import.test").profile
        },
        ..imported(&tenant, "phone@import.test")
    };
    let taken_id = Account {
        public_id: existing.public_id,
        ..imported(&tenant, "id@import.test")
    };
    let other = Account {
        external_id: Some(format!("other-{}", Uuid::new_v4())),
        ..imported(&tenant, "other@import.test")
    };
    s.imports
        .insert_new(&tenant, std::slice::from_ref(&other), true)
        .await
        .unwrap();
    // The email of one customer, the external id of another: both named.
    let two_customers = Account {
        external_id: other.external_id.clone(),
        ..imported(&tenant, "old@import.test")
    };
    let batch = [
        same_email,
        same_external,
        fresh.clone(),
        taken_phone,
        taken_id,
        two_customers,
    ];
    let placed = s.imports.insert_new(&tenant, &batch, true).await.unwrap();
    let found = |by_email, other| {
        Placed::Existing(Existing {
            uuid: existing.uuid,
            external_id: existing.external_id.clone(),
            by_email,
            other,
        })
    };
    assert_eq!(
        placed,
        vec![
            found(true, None),
            found(false, None),
            Placed::Imported,
            Placed::Taken(UniqueKey::Phone),
            Placed::Taken(UniqueKey::PublicId),
            found(true, Some(other.uuid)),
        ]
    );
    let stored = reloaded(&s, &fresh).await;
    assert_eq!(stored, fresh, "every column as given, the imported hash too");
    assert!(stored.password_hash.unwrap().is_imported());
    assert!(s
        .accounts
        .find_by_email(&tenant, "phone@import.test")
        .await
        .unwrap()
        .is_none());
}

pub(crate) async fn a_dry_run_writes_nothing_but_says_what_would_happen(s: Stores) {
    let tenant = own_tenant(&s).await;
    let first = imported(&tenant, "first@import.test");
    let placed = s
        .imports
        .insert_new(
            &tenant,
            &[first.clone(), imported(&tenant, "second@import.test")],
            false,
        )
        .await
        .unwrap();
    assert_eq!(placed, vec![Placed::Imported, Placed::Imported]);
    assert!(s
        .accounts
        .find_by_uuid(&tenant, first.uuid)
        .await
        .unwrap()
        .is_none());
    let again = s
        .imports
        .insert_new(&tenant, std::slice::from_ref(&first), true)
        .await
        .unwrap();
    assert_eq!(
        again,
        vec![Placed::Imported],
        "nothing of the dry run was left behind"
    );
}

pub(crate) async fn run_records_round_trip_and_finishing_audits(s: Stores) {
    let tenant = own_tenant(&s).await;
    let mut record = ImportRecord {
        id: ImportId(Uuid::new_v4()),
        tenant: tenant.clone(),
        dry_run: false,
        status: ImportStatus::Running,
        started_at: T0,
        progressed_at: T0,
        finished_at: None,
        counts: ImportCounts::default(),
        refusals: vec![],
    };
    s.imports.save(&record).await.unwrap();
    assert_eq!(
        s.imports.find(&tenant, record.id).await.unwrap(),
        Some(record.clone())
    );
    record.counts = ImportCounts {
        lines: 5,
        imported: 2,
        updated: 1,
        skipped: 1,
        refused: 1,
    };
    record.refusals.push(RefusedLine {
        line: 4,
        email: Some("bad@".into()),
        reason: "email is not an address".into(),
    });
    record.status = ImportStatus::Completed;
    record.progressed_at = T0 + Duration::seconds(3);
    record.finished_at = Some(T0 + Duration::seconds(3));
    let audit = AuditEntry {
        id: Uuid::new_v4(),
        tenant: tenant.clone(),
        account: AccountUuid(Uuid::nil()),
        kind: AuditKind::CustomersImported,
        actor: Actor::Admin,
        request_id: None,
        client_address: None,
        device: None,
        at: T0,
        detail: Some("5 lines".into()),
    };
    let event = Event {
        tenant: tenant.clone(),
        account: None,
        kind: EventType::ImportCompleted,
        data: Default::default(),
        at: T0,
    };
    let hook = Endpoint {
        id: WebhookId(Uuid::new_v4()),
        tenant: tenant.clone(),
        url: "https://hooks.example.com/in".into(),
        events: EventFilter::Only(vec![EventType::ImportCompleted]),
        description: None,
        sealed_secret: "sealed".into(),
        previous_secret: None,
        created_at: T0,
        updated_at: T0,
        disabled_at: None,
        failing_since: None,
    };
    s.webhooks.create_endpoint(&hook).await.unwrap();
    s.imports.finish(&record, &audit, &[event]).await.unwrap();
    let delivered = s.webhooks.deliveries(&tenant, hook.id, None, 10).await.unwrap();
    assert_eq!(delivered.len(), 1, "one import.completed for the run");
    assert_eq!(delivered[0].event_type, EventType::ImportCompleted);
    assert_eq!(delivered[0].account, None);
    assert_eq!(
        s.imports.find(&tenant, record.id).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(s.imports.recent(&tenant, 5).await.unwrap(), vec![record.clone()]);
    let other = new_tenant().id;
    assert_eq!(
        s.imports.find(&other, record.id).await.unwrap(),
        None,
        "runs are the tenant's"
    );
    let entries = s
        .audit
        .list_audit(&tenant, None, Some(AuditKind::CustomersImported), 10)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
}

crate::contract_cases!(
    a_batch_inserts_the_new_and_tells_the_rest_apart,
    a_dry_run_writes_nothing_but_says_what_would_happen,
    run_records_round_trip_and_finishing_audits,
);
