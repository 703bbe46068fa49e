//! Two instances on one PostgreSQL database behave as one service: what one changes, the other
//! stops serving at once, although each holds authenticated principals in memory.

use std::time::{Duration, Instant};

use clientele_e2e::{status_and_json, Backend, Server, Storage};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};

/// Both instances get this key (they must share one).
const MASTER_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";

async fn get_self(server: &Server, token: &str) -> (u16, Value) {
    server.get_json("/customers/self", token).await
}

/// Polls `server` until `done` holds for its answer; how long that took.
async fn seen_within<F>(server: &Server, token: &str, done: F) -> Duration
where
    F: Fn(&(u16, Value)) -> bool,
{
    let started = Instant::now();
    loop {
        let answer = get_self(server, token).await;
        if done(&answer) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the other instance still answers {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn terminate_listeners(url: &str) {
    let mut conn = diesel::pg::PgConnection::establish(url).unwrap();
    conn.batch_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'clientele-principal-listener' AND datname = current_database()",
    )
    .unwrap();
}

/// The listeners' server processes, stopped (SIGSTOP) until dropped: connections that stay up
/// but answer nothing, as behind a dead network path. Continued on drop, whatever happens.
struct SilencedListeners(Vec<String>);

impl SilencedListeners {
    fn silence(url: &str) -> Self {
        #[derive(diesel::QueryableByName)]
        struct Backend {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pid: i32,
        }
        let mut conn = diesel::pg::PgConnection::establish(url).unwrap();
        let pids: Vec<String> = diesel::RunQueryDsl::load::<Backend>(
            diesel::sql_query(
                "SELECT pid FROM pg_stat_activity \
                 WHERE application_name = 'clientele-principal-listener' AND datname = current_database()",
            ),
            &mut conn,
        )
        .unwrap()
        .into_iter()
        .map(|b| b.pid.to_string())
        .collect();
        assert_eq!(pids.len(), 2, "one listener per instance");
        for pid in &pids {
            let stopped = std::process::Command::new("kill")
                .args(["-STOP", pid])
                .status()
                .unwrap();
            assert!(stopped.success(), "stopping PostgreSQL backend {pid}");
        }
        SilencedListeners(pids)
    }
}

impl Drop for SilencedListeners {
    fn drop(&mut self) {
        for pid in &self.0 {
            let _ = std::process::Command::new("kill").args(["-CONT", pid]).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_instance_changes_the_other_stops_serving_at_once() {
    let Some(storage) = Storage::new(Backend::Postgres) else {
        return;
    };
    let shared = [("CLIENTELE_MASTER_KEY", MASTER_KEY)];
    let a = Server::start(&storage, &shared);
    let elsewhere = tempfile::tempdir().unwrap();
    let b = Server::start_in(&storage, elsewhere.path(), &shared);
    let (_, _, token) = a.signed_in_customer().await;

    // B has the principal in memory after its first answers.
    for _ in 0..3 {
        assert_eq!(get_self(&b, &token).await.0, 200);
    }
    let patch = |name: &'static str| {
        let request = a.http.patch(a.url("/customers/self")).bearer_auth(&token);
        async move { status_and_json(request.json(&json!({"name": name})).send().await.unwrap()).await }
    };
    assert_eq!(patch("Changed Once").await.0, 200);
    let took = seen_within(&b, &token, |(s, body)| {
        *s == 200 && body["name"] == "Changed Once"
    })
    .await;
    eprintln!("a profile change was served by the other instance after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");

    // The listeners lose their connections; a change made while nobody listens must not leave
    // the old principal in B's memory once its listener is back.
    for _ in 0..3 {
        get_self(&b, &token).await;
    }
    terminate_listeners(&storage.url);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(patch("Changed Unheard").await.0, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await; // reconnected meanwhile
    let (status, body) = get_self(&b, &token).await;
    assert_eq!(
        (status, &body["name"]),
        (200, &json!("Changed Unheard")),
        "{body}"
    );

    // The listeners' connections stay up but go silent (no error, no notification): B must
    // stop answering from memory by itself, within its lease, and serve A's change.
    for _ in 0..3 {
        get_self(&b, &token).await;
    }
    let silenced = SilencedListeners::silence(&storage.url);
    assert_eq!(patch("Changed While Silent").await.0, 200);
    let took = seen_within(&b, &token, |(s, body)| {
        *s == 200 && body["name"] == "Changed While Silent"
    })
    .await;
    eprintln!("with its listener silent, the other instance served a change after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    drop(silenced);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Closing the account on A: B refuses the token at once.
    for _ in 0..3 {
        get_self(&b, &token).await;
    }
    let deleted = a
        .http
        .delete(a.url("/customers/self"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let took = seen_within(&b, &token, |(s, _)| *s == 401).await;
    eprintln!("a deletion was refused by the other instance after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// SQLite is served by one process per file: a second one would write unheard by the first's
/// memory, so it refuses to start and says why; the first keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_one_sqlite_file_is_refused() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let first = Server::start(&storage, &[]);
    let (_, _, token) = first.signed_in_customer().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let log = Server::refused_in(&storage, elsewhere.path(), &[]);
    assert!(
        log.contains("another Clientele process serves this SQLite database"),
        "{log}"
    );
    assert_eq!(
        get_self(&first, &token).await.0,
        200,
        "the first one still serves"
    );
    assert!(first.terminate().success());
    // Once it has stopped, another may serve the file.
    let next = Server::start_in(&storage, elsewhere.path(), &[]);
    assert_eq!(get_self(&next, &token).await.0, 200);
}
