//! One contract for the storage ports, run against the in-memory fake, SQLite and PostgreSQL:
//! the cases are in `ports/`, one file per port, each case a test of its own on every backend.
// Wallet amounts are written in hundredths grouped as such: 150_50 is 150.50.
#![allow(clippy::inconsistent_digit_grouping)]

/// For each contract case `name(stores)`: a module `name` with one test per backend (each on a
/// store of its own), and the case in the module's `CASES`.
#[macro_export]
macro_rules! contract_cases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn in_memory() {
                    super::$name($crate::support::Stores::in_memory()).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let (stores, _file) = $crate::support::Stores::sqlite().await;
                    super::$name(stores).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some((stores, _database)) = $crate::support::Stores::postgres().await else {
                        return;
                    };
                    super::$name(stores).await;
                }
            }
        )*

        pub(crate) const CASES: &[(&str, $crate::support::Case)] =
            &[$((stringify!($name), |s| Box::pin($name(s)))),*];
    };
}

mod change_log;
mod plans;
mod ports;
mod support;

use support::*;

async fn run_contract(stores: Stores) {
    for (name, case) in ports::all_cases() {
        eprintln!("contract case: {name}");
        case(stores.clone()).await;
    }
}

/// One server per SQLite file: a second claim of the same file is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_is_claimed_by_one_server() {
    let (_stores, dir) = Stores::sqlite().await;
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let second = Database::open(&url).await.unwrap();
    assert!(
        !second.claim_sole_use(std::time::Duration::from_millis(200)).await,
        "one server per SQLite file"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_lookups_use_indexes() {
    plans::record_statements();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db").display().to_string();
    run_contract(Stores::of(
        Database::open(&format!("sqlite://{path}")).await.unwrap(),
    ))
    .await;
    plans::sqlite_plans_use_indexes(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_lookups_use_indexes() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    plans::record_statements();
    run_contract(Stores::of(Database::open(db.url()).await.unwrap())).await;
    let url = db.url().to_owned();
    tokio::task::spawn_blocking(move || plans::postgres_plans_use_indexes(&url))
        .await
        .unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let database = Database::open(&url).await.unwrap();
    assert_eq!(database.migrate().await.unwrap(), 0);
    if let Some(db) = clientele_testkit::postgres_database() {
        let database = Database::open(db.url()).await.unwrap();
        assert_eq!(database.migrate().await.unwrap(), 0);
    }
}

#[test]
fn bad_urls_are_refused_clearly() {
    for url in ["mysql://x", "sqlite://", "data.db"] {
        assert!(Database::connect(url).is_err(), "{url}");
    }
}

/// Whether `needle` occurs in the file at `path` (missing file: no).
fn file_contains(path: &std::path::Path, needle: &str) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

#[tokio::test]
async fn sqlite_removes_a_secret_from_the_files_not_only_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.db");
    let database = Database::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let secret = "RemovedSecretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF";
    database.get_or_insert("jwt_secret", secret).await.unwrap();
    database.get_or_insert("kept", "kept-value").await.unwrap();
    let wal = dir.path().join("secrets.db-wal");
    assert!(
        file_contains(&path, secret) || file_contains(&wal, secret),
        "the value is in the files to begin with"
    );
    database.remove("jwt_secret").await.unwrap();
    assert_eq!(database.get("jwt_secret").await.unwrap(), None);
    assert!(
        !file_contains(&path, secret),
        "the value is left in the database file"
    );
    assert!(!file_contains(&wal, secret), "the value is left in the WAL");
    assert_eq!(database.get("kept").await.unwrap().as_deref(), Some("kept-value"));
    database.get_or_insert("after", "x").await.unwrap();
    assert_eq!(
        database.get("after").await.unwrap().as_deref(),
        Some("x"),
        "still usable"
    );
}

async fn holds_data_once_an_account_exists(database: Database) {
    assert!(
        !database.holds_data().await.unwrap(),
        "a new database holds nothing"
    );
    database.get_or_insert("admin_token_sha256", "x").await.unwrap();
    assert!(
        !database.holds_data().await.unwrap(),
        "instance secrets are not data"
    );
    AccountRepository::insert(&database, &full_account())
        .await
        .unwrap();
    assert!(database.holds_data().await.unwrap());
}

#[tokio::test]
async fn sqlite_tells_a_database_with_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("data.db").display());
    holds_data_once_an_account_exists(Database::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_tells_a_database_with_data() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    holds_data_once_an_account_exists(Database::open(db.url()).await.unwrap()).await;
}

/// A commit that erases an account holds its row (`FOR UPDATE`: its address, a unique key,
/// changes) and goes on to the account's flows. Counting the last try of one of those flows must
/// need the flow alone: when it also waited for the account (PostgreSQL checks the foreign key
/// of a row updated twice in one transaction), the two deadlocked and a racing confirmation of
/// B2Core's deactivation answered 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_counts_a_last_try_while_the_account_is_held() {
    use diesel::{Connection, RunQueryDsl};

    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    let s = Stores::of(Database::open(db.url()).await.unwrap());
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = Flow {
        attempts: 4,
        ..flow_of(&account, Purpose::Deactivation)
    };
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(flow.clone()));
    s.commits.commit(commit).await.unwrap();

    let (url, uuid) = (db.url().to_owned(), account.uuid.0.to_string());
    let (held, is_held) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        let _ = conn.transaction(|conn| {
            diesel::sql_query("UPDATE accounts SET email_normalized = 'held@example.com' WHERE uuid = $1")
                .bind::<diesel::sql_types::Text, _>(uuid)
                .execute(conn)?;
            held.send(()).unwrap();
            let _ = released.recv();
            Err::<(), _>(diesel::result::Error::RollbackTransaction)
        });
    });
    is_held.recv().unwrap();
    let counted = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        s.flows.register_attempt(&tenant(), flow.id, T0),
    )
    .await;
    release.send(()).unwrap();
    holder.join().unwrap();
    let counted = counted
        .expect("counting a try waited for the account held by another transaction")
        .unwrap()
        .unwrap();
    assert_eq!(
        (counted.attempts, counted.status),
        (5, FlowStatus::Locked),
        "the last try locks the flow"
    );
}

/// A sign-in whose password check ran while a closing committed: the session waits for the
/// closing's transaction and is then refused, instead of outliving the revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_opens_no_session_for_an_account_closing_meanwhile() {
    use diesel::{Connection, RunQueryDsl};

    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    let s = Stores::of(Database::open(db.url()).await.unwrap());
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let (url, uuid) = (db.url().to_owned(), account.uuid.0.to_string());
    let (held, is_held) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let closing = std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        conn.transaction(|conn| {
            diesel::sql_query("UPDATE accounts SET status = 'deactivated' WHERE uuid = $1")
                .bind::<diesel::sql_types::Text, _>(uuid)
                .execute(conn)?;
            held.send(()).unwrap();
            let _ = released.recv();
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    });
    is_held.recv().unwrap();
    let session = session_of(&account, T0 + Duration::hours(1));
    let sessions = s.sessions.clone();
    let opening = tokio::spawn(async move { sessions.create(&session, None, &[]).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !opening.is_finished(),
        "the session waits for the closing's transaction"
    );
    release.send(()).unwrap();
    closing.join().unwrap();
    assert_eq!(opening.await.unwrap(), Ok(false), "then sees the account closed");
}

/// The TSS profile reads balances and order statistics with aggregates in SQL: as many
/// statements for a ledger of hundreds of entries and orders as for a handful.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_standing_costs_the_same_statements_whatever_the_ledger_holds() {
    plans::record_statements();
    let dir = tempfile::tempdir().unwrap();
    // Statements are recorded under the connection's URL: for SQLite, the file's path.
    let path = dir.path().join("standing.db").display().to_string();
    let s = Stores::of(Database::open(&format!("sqlite://{path}")).await.unwrap());
    let url = path;
    // The in-memory fake computes the standing from the ledger itself: the running sums the
    // database keeps must read the same.
    let fake = Stores::of(MemoryStore::new());
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    fake.accounts.insert(&account).await.unwrap();
    let today = T0.date();
    let post = |i: usize, kind: WalletKind, expires_in: Option<i64>, amount: i64| {
        let entry = wallet_entry(&account, kind, &format!("e-{i}"), amount, expires_in);
        let (stored, computed) = (s.loyalty.clone(), fake.loyalty.clone());
        async move {
            let posted = stored.post_wallet_entry(&entry, today, &unheard()).await.unwrap();
            assert_eq!(
                computed
                    .post_wallet_entry(&entry, today, &unheard())
                    .await
                    .unwrap(),
                posted
            );
        }
    };
    let standing = || async {
        let before = plans::statements_on(&url);
        let summary = s
            .loyalty
            .wallet_summary(&tenant(), account.uuid, today)
            .await
            .unwrap();
        let stats = s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap();
        let cost = plans::statements_on(&url) - before;
        let summary_computed = fake
            .loyalty
            .wallet_summary(&tenant(), account.uuid, today)
            .await
            .unwrap();
        let stats_computed = fake.loyalty.order_stats(&tenant(), account.uuid).await.unwrap();
        assert_eq!(
            (summary, stats),
            (summary_computed, stats_computed),
            "the sums agree with the ledger"
        );
        cost
    };
    for (i, kind) in WalletKind::ALL.into_iter().enumerate() {
        post(i, kind, Some(3), 1_00).await;
    }
    let few = standing().await;
    for i in 3..300 {
        let kind = WalletKind::ALL[i % 3];
        let expires_in = (i % 4 != 0).then_some((i % 50) as i64 + 1);
        post(i, kind, expires_in, if i % 7 == 0 { -50 } else { 2_00 }).await;
        let order = Order {
            tenant: account.tenant.clone(),
            account: account.uuid,
            reference: format!("o-{i}"),
            amount: Amount(10_00 + i as i64),
            status: if i % 2 == 0 {
                OrderStatus::Completed
            } else {
                OrderStatus::Placed
            },
            placed_at: T0,
        };
        s.loyalty.post_order(&order, &unheard()).await.unwrap();
        fake.loyalty.post_order(&order, &unheard()).await.unwrap();
        if i % 5 == 0 {
            let status = if i % 10 == 0 {
                OrderStatus::Returned
            } else {
                OrderStatus::Completed
            };
            for store in [&s, &fake] {
                store
                    .loyalty
                    .set_order_status(&tenant(), account.uuid, &order.reference, status, &unheard())
                    .await
                    .unwrap();
            }
        }
    }
    let many = standing().await;
    assert!(few > 0, "the recorder saw nothing");
    assert_eq!(
        many, few,
        "statements for 3 entries and for 300 entries and orders"
    );
    // Days go by: lots past their last day leave the balance; the sums still agree.
    for days in [5, 20, 49, 60] {
        let later = today + Duration::days(days);
        let stored = s
            .loyalty
            .wallet_summary(&tenant(), account.uuid, later)
            .await
            .unwrap();
        let computed = fake
            .loyalty
            .wallet_summary(&tenant(), account.uuid, later)
            .await
            .unwrap();
        assert_eq!(stored, computed, "{days} days later");
    }
}

/// What the store holds of each tenant's endpoints only says when to try a plain edit as one
/// statement: an endpoint written behind its back (unheard) still receives the very next edit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_the_store_has_not_heard_of_receives_the_next_edit_all_the_same() {
    use diesel::{Connection, RunQueryDsl};
    use support::*;
    let (s, dir) = Stores::sqlite().await;
    let tenant = ports::webhooks::own_tenant(&s).await;
    let mut account = full_account();
    account.tenant = tenant.clone();
    s.commits
        .commit(Commit::at(T0).inserting(&account))
        .await
        .unwrap();
    let mut edit = |at: OffsetDateTime| {
        let updated = Event::about(&account, EventType::CustomerUpdated, serde_json::json!({}), at);
        let commit = Commit::at(at).updating(account.clone()).announcing(updated);
        account.version += 1;
        let commits = s.commits.clone();
        async move { commits.commit(commit).await.unwrap() }
    };
    // The store now holds that the tenant has no endpoint.
    edit(T0 + Duration::seconds(1)).await;

    let endpoint = Uuid::new_v4();
    let mut raw =
        diesel::sqlite::SqliteConnection::establish(&dir.path().join("contract.db").display().to_string())
            .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO webhook_endpoints (tenant_id, uuid, url, events, sealed_secret, created_at, updated_at) \
         VALUES ('{tenant}', '{endpoint}', 'https://hooks.example.com/in', 'customer.created,customer.updated', \
         'sealed', '2026-11-22 10:00:00', '2026-11-22 10:00:00')"
    ))
    .execute(&mut raw)
    .unwrap();
    drop(raw);

    edit(T0 + Duration::seconds(2)).await;
    let delivered = s
        .webhooks
        .deliveries(&tenant, WebhookId(endpoint), None, 10)
        .await
        .unwrap();
    assert_eq!(
        delivered.iter().map(|d| d.event_type).collect::<Vec<_>>(),
        vec![EventType::CustomerUpdated],
        "the edit after the endpoint was written"
    );
}
