//! On PostgreSQL every instance forgets what any instance changes by reading the change log that
//! triggers write in each changing transaction. Transactions commit in any order: a change whose
//! transaction began first and committed last is forgotten all the same.

use std::time::Duration as StdDuration;

use crate::support::*;
use diesel::{Connection, PgConnection, RunQueryDsl};

/// The first name `sessions` serves for `session` now.
async fn served(s: &Stores, session: &Session) -> String {
    let (_, account) = s
        .sessions
        .find_active(session.id, T0)
        .await
        .unwrap()
        .expect("the session is active");
    account
        .profile
        .first_name
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default()
}

/// What `sessions` serves for `session` once it is `wanted`, or after two seconds.
async fn served_within(s: &Stores, session: &Session, wanted: &str) -> String {
    let deadline = std::time::Instant::now() + StdDuration::from_secs(2);
    loop {
        let name = served(s, session).await;
        if name == wanted || std::time::Instant::now() > deadline {
            return name;
        }
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
}

/// Renames with the triggers off (as a replica applies changes): the change log does not hear
/// of it.
fn rename_unlogged(conn: &mut PgConnection, account: &Account, name: &str) {
    diesel::sql_query("SET session_replication_role = replica")
        .execute(conn)
        .unwrap();
    rename(conn, account, name);
    diesel::sql_query("SET session_replication_role = DEFAULT")
        .execute(conn)
        .unwrap();
}

/// Once memory answers (the follower has read the log): a change that is not logged then goes
/// unseen, and the principal held is served as it was. What it serves.
async fn memory_answers(s: &Stores, raw: &mut PgConnection, account: &Account, session: &Session) -> String {
    let mut held = served(s, session).await;
    for attempt in 0.. {
        rename_unlogged(raw, account, &format!("Unlogged{attempt}"));
        let now = served(s, session).await;
        if now == held {
            break;
        }
        assert!(attempt < 100, "memory never answered");
        held = now;
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    held
}

/// That `session` is served `wanted` from memory: a change that is not logged does not show.
/// (After reaching `wanted` by polling, which a load from the database also does while the
/// lease lapses for a moment.)
async fn held_in_memory(
    s: &Stores,
    raw: &mut PgConnection,
    account: &Account,
    session: &Session,
    wanted: &str,
) {
    rename_unlogged(raw, account, "Probe");
    assert_eq!(
        served_within(s, session, wanted).await,
        wanted,
        "served from memory, not loaded"
    );
}

fn rename(conn: &mut PgConnection, account: &Account, name: &str) {
    diesel::sql_query("UPDATE accounts SET first_name = $1 WHERE uuid = $2")
        .bind::<diesel::sql_types::Text, _>(name)
        .bind::<diesel::sql_types::Text, _>(account.uuid.0.to_string())
        .execute(conn)
        .unwrap();
}

async fn signed_in(s: &Stores) -> (Account, Session) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let session = session_of(&account, T0 + Duration::hours(1));
    assert!(s.sessions.create(&session, None, &[]).await.unwrap());
    (account, session)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_forgets_a_change_committed_after_later_ones() {
    let Some((s, db)) = Stores::postgres().await else {
        return;
    };
    let (first, first_session) = signed_in(&s).await;
    let (second, second_session) = signed_in(&s).await;
    let mut raw = PgConnection::establish(db.url()).unwrap();

    let held = memory_answers(&s, &mut raw, &first, &first_session).await;
    assert_eq!(served_within(&s, &second_session, "Ann").await, "Ann");

    // A transaction that began first, still open while a later one commits and is read...
    let url = db.url().to_owned();
    let late = first.clone();
    let (began, has_begun) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let slow = std::thread::spawn(move || {
        let mut conn = PgConnection::establish(&url).unwrap();
        conn.transaction(|conn| {
            rename(conn, &late, "Late");
            began.send(()).unwrap();
            let _ = released.recv();
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    });
    has_begun.recv().unwrap();
    rename(&mut raw, &second, "Early");
    assert_eq!(served_within(&s, &second_session, "Early").await, "Early");
    held_in_memory(&s, &mut raw, &second, &second_session, "Early").await;
    // (Polled: under load the follower may miss its lease for a moment, and the principal is then
    // loaded from the database.)
    assert_eq!(
        served_within(&s, &first_session, &held).await,
        held,
        "held, as committed before the slow transaction"
    );

    // ...is read once it commits.
    release.send(()).unwrap();
    slow.join().unwrap();
    assert_eq!(
        served_within(&s, &first_session, "Late").await,
        "Late",
        "the change committed last, by the transaction that began first"
    );
    held_in_memory(&s, &mut raw, &first, &first_session, "Late").await;
}

/// What this instance wrote stays held, also once the log tells it back: the account's next
/// request needs no load. A later version written elsewhere is forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_holds_its_own_edit_and_forgets_a_later_version() {
    let Some((s, db)) = Stores::postgres().await else {
        return;
    };
    let (account, session) = signed_in(&s).await;
    let mut raw = PgConnection::establish(db.url()).unwrap();
    memory_answers(&s, &mut raw, &account, &session).await;

    let mut account = reloaded(&s, &account).await;
    account.profile.first_name = Some(Name::parse("Written").unwrap());
    let updated = Event::about(&account, EventType::CustomerUpdated, serde_json::json!({}), T0);
    s.commits
        .commit(Commit::at(T0).updating(account.clone()).announcing(updated))
        .await
        .unwrap();
    // The follower reads the edit's own row meanwhile.
    tokio::time::sleep(StdDuration::from_millis(100)).await;
    rename_unlogged(&mut raw, &account, "Unlogged");
    assert_eq!(
        served_within(&s, &session, "Written").await,
        "Written",
        "held as written, not loaded again"
    );

    diesel::sql_query("UPDATE accounts SET first_name = 'Later', version = version + 1 WHERE uuid = $1")
        .bind::<diesel::sql_types::Text, _>(account.uuid.0.to_string())
        .execute(&mut raw)
        .unwrap();
    assert_eq!(served_within(&s, &session, "Later").await, "Later");
    held_in_memory(&s, &mut raw, &account, &session, "Later").await;
}

/// The log does not grow without bound: rows every follower has read are pruned, also while a
/// transaction stays open (and that transaction's own change is still read once it commits).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_prunes_the_change_log() {
    let Some((s, db)) = Stores::postgres().await else {
        return;
    };
    let (account, _) = signed_in(&s).await;
    let (open, open_session) = signed_in(&s).await;
    let mut raw = PgConnection::establish(db.url()).unwrap();
    memory_answers(&s, &mut raw, &open, &open_session).await;

    let (url, late) = (db.url().to_owned(), open.clone());
    let (began, has_begun) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let slow = std::thread::spawn(move || {
        let mut conn = PgConnection::establish(&url).unwrap();
        conn.transaction(|conn| {
            rename(conn, &late, "Finally");
            began.send(()).unwrap();
            let _ = released.recv();
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    });
    has_begun.recv().unwrap();
    rename(&mut raw, &account, "Logged");
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rows: i64,
    }
    // What other sessions see: the open transaction's row is not among them.
    let logged = || {
        diesel::sql_query("SELECT count(*) AS rows FROM memory_changes")
            .get_result::<Count>(&mut PgConnection::establish(db.url()).unwrap())
            .unwrap()
            .rows
    };
    assert!(logged() >= 1, "the rename is logged");
    let deadline = std::time::Instant::now() + StdDuration::from_secs(30);
    while logged() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the log was not pruned within 30 s while a transaction stayed open"
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }

    release.send(()).unwrap();
    slow.join().unwrap();
    assert_eq!(
        served_within(&s, &open_session, "Finally").await,
        "Finally",
        "the open transaction's change, read once it commits"
    );
    held_in_memory(&s, &mut raw, &open, &open_session, "Finally").await;
}

/// An instance of an earlier version listens on the channel that carried changes before: while
/// one is connected, every change read tells it to forget everything (a payload it cannot read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_tells_an_earlier_version_to_forget() {
    use diesel::connection::SimpleConnection;
    let Some((s, db)) = Stores::postgres().await else {
        return;
    };
    let (account, _) = signed_in(&s).await;
    let mut older = PgConnection::establish(db.url()).unwrap();
    older
        .batch_execute("SET application_name = 'clientele-principal-listener'; LISTEN clientele_principals")
        .unwrap();
    let mut raw = PgConnection::establish(db.url()).unwrap();
    // The follower looks for them every 5 s.
    let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        rename(&mut raw, &account, "Changed");
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        let heard = older
            .notifications_iter()
            .map(|n| n.unwrap().payload)
            .collect::<Vec<_>>();
        if heard.iter().any(|payload| payload == "changed") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the earlier version's listener was not told within 20 s"
        );
    }
    drop(s);
}
