//! Several instances starting together on one database: each runs the migrations at start, and
//! none of them may fail for it; the schema is migrated exactly once.

use clientele_store::Database;

const INSTANCES: usize = 4;

/// Starts `INSTANCES` at once, as `Database::open` does: all connect at once (a fresh SQLite
/// file is switched to WAL by each), then all migrate at once, each on its own worker thread.
/// Returns how many migrations each one applied.
async fn start_together(url: &str) -> Vec<usize> {
    let connects: Vec<_> = (0..INSTANCES)
        .map(|_| {
            let url = url.to_owned();
            tokio::spawn(async move { Database::connect(&url).expect("connecting") })
        })
        .collect();
    let mut databases = Vec::new();
    for connect in connects {
        databases.push(connect.await.expect("an instance panicked"));
    }
    let migrations: Vec<_> = databases
        .into_iter()
        .map(|database| tokio::spawn(async move { database.migrate().await.expect("migrating") }))
        .collect();
    let mut applied = Vec::new();
    for migration in migrations {
        applied.push(migration.await.expect("an instance panicked"));
    }
    applied.sort_unstable();
    applied
}

fn assert_migrated_once(applied: &[usize]) {
    let (last, others) = applied.split_last().unwrap();
    assert!(*last > 0, "nobody migrated: {applied:?}");
    assert!(
        others.iter().all(|&n| n == 0),
        "migrated more than once: {applied:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_on_sqlite_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    assert_migrated_once(&start_together(&url).await);
    assert_eq!(Database::open(&url).await.unwrap().migrate().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_on_postgres_migrate_once() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    assert_migrated_once(&start_together(db.url()).await);
    assert_eq!(
        Database::open(db.url()).await.unwrap().migrate().await.unwrap(),
        0
    );
}

/// An instance of an earlier version still connected (its listener, by name) would not read the
/// change log: the migration that brings it refuses to run, and runs once it is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refuses_the_change_log_while_an_earlier_version_listens() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    let mut older = diesel::PgConnection::establish(db.url()).unwrap();
    older
        .batch_execute("SET application_name = 'clientele-principal-listener'; LISTEN clientele_principals")
        .unwrap();
    let refused = clientele_store::Database::open(db.url())
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(refused.contains("earlier Clientele version"), "{refused}");
    drop(older);
    // Its server process leaves pg_stat_activity a moment after the connection closes.
    let mut watcher = diesel::PgConnection::establish(db.url()).unwrap();
    for _ in 0..500 {
        let gone = diesel::dsl::sql::<diesel::sql_types::Bool>(
            "NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'clientele-principal-listener' \
             AND datname = current_database())",
        );
        if diesel::RunQueryDsl::get_result::<bool>(diesel::select(gone), &mut watcher).unwrap() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    clientele_store::Database::open(db.url())
        .await
        .expect("migrated once it is gone");
}
