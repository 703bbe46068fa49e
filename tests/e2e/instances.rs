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

/// Polls `check` until it holds; how long that took (failing after 5 s, naming `what`).
async fn holds_within<F, Fut>(what: &str, check: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the other instance still serves what was before: {what}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    started.elapsed()
}

/// Polls `server` until `done` holds for its answer; how long that took.
async fn seen_within<F>(server: &Server, token: &str, done: F) -> Duration
where
    F: Fn(&(u16, Value)) -> bool,
{
    holds_within("the customer as before", || async {
        done(&get_self(server, token).await)
    })
    .await
}

/// Two instances sharing one PostgreSQL database (and its master key), each in a working
/// directory of its own; `None` without PostgreSQL.
fn two_instances() -> Option<(Storage, Server, Server, tempfile::TempDir)> {
    let storage = Storage::new(Backend::Postgres)?;
    let shared = [("CLIENTELE_MASTER_KEY", MASTER_KEY)];
    let a = Server::start(&storage, &shared);
    let elsewhere = tempfile::tempdir().unwrap();
    let b = Server::start_in(&storage, elsewhere.path(), &shared);
    Some((storage, a, b, elsewhere))
}

fn terminate_listeners(url: &str) {
    let mut conn = diesel::pg::PgConnection::establish(url).unwrap();
    conn.batch_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'clientele-change-follower' AND datname = current_database()",
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
                 WHERE application_name = 'clientele-change-follower' AND datname = current_database()",
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
    let Some((storage, a, b, _elsewhere)) = two_instances() else {
        return;
    };
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

/// A session signed out on one instance (by its owner from another device, or by the customer
/// signing out) is refused by the other at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_on_one_instance_is_refused_by_the_other_at_once() {
    let Some((_storage, a, b, _elsewhere)) = two_instances() else {
        return;
    };
    let (email, password, laptop) = a.signed_in_customer().await;
    let phone = a.login(&email, &password).await;
    for _ in 0..3 {
        assert_eq!(get_self(&b, &phone).await.0, 200);
    }
    let (_, listed) = a.get_json("/customers/self/sessions", &laptop).await;
    let phone_id = listed["sessions"][0]["id"].as_str().unwrap().to_owned();
    let ended = a
        .http
        .delete(a.url(&format!("/customers/self/sessions/{phone_id}")))
        .bearer_auth(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    let took = seen_within(&b, &phone, |(s, _)| *s == 401).await;
    eprintln!("a session ended on one instance was refused by the other after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");

    for _ in 0..3 {
        assert_eq!(get_self(&b, &laptop).await.0, 200);
    }
    let out = a
        .http
        .post(a.url("/customers/logout"))
        .bearer_auth(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let took = seen_within(&b, &laptop, |(s, _)| *s == 401).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// Each instance holds an account's waiting email change in memory for the profile reads: one
/// started or withdrawn on one instance shows on the other at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_email_change_shows_on_the_other_instance_at_once() {
    let Some((_storage, a, b, _elsewhere)) = two_instances() else {
        return;
    };
    let (_, _, token) = a.signed_in_customer().await;
    let pending = || async { b.get_json("/api/v2/my/profile", &token).await.1["pendingEmail"].clone() };
    for _ in 0..3 {
        assert_eq!(pending().await, Value::Null, "nothing waits, as B holds it");
    }
    let new_email = format!("n{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, _) = a
        .patch_as(&token, "/customers/self", &json!({"email": new_email}))
        .await;
    assert_eq!(status, 200);
    let took = holds_within("the waiting change", || async {
        pending().await == new_email.as_str()
    })
    .await;
    eprintln!("an email change started on one instance showed on the other after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    let withdrawn = a
        .http
        .delete(a.url("/customers/self/pending-email"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), 204);
    let took = holds_within("the withdrawal", || async { pending().await == Value::Null }).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// Besides principals, each instance holds tenants, API keys and loyalty standings in memory:
/// what one instance changes of them, the other stops serving at once too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_keys_and_wallets_changed_on_one_instance_are_served_fresh_by_the_other() {
    use reqwest::Method;
    let Some((_storage, a, b, _elsewhere)) = two_instances() else {
        return;
    };

    // A customer with a phone number, shown by B's TSS profile (tenant settings and wallet in
    // B's memory after its first answers).
    let email = format!("m{}@example.com", uuid::Uuid::new_v4().simple());
    let created = a
        .create_customer(
            &email,
            "a long enough password",
            json!({"phone": "+919876543210"}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let token = a.login(&email, "a long enough password").await;
    let profile = || async { b.get_json("/api/user/profile", &token).await.1 };
    for _ in 0..3 {
        assert_eq!(profile().await["telephone"], "+919876543210");
    }
    let (status, _) = a
        .admin(
            Method::PATCH,
            "/admin/v1/tenants/default",
            Some(json!({"settings": {"phoneRegion": "IN"}})),
        )
        .await;
    assert_eq!(status, 200);
    let took = holds_within("the tenant's phone region", || async {
        profile().await["telephone"] == "9876543210"
    })
    .await;
    eprintln!("a tenant setting was served by the other instance after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");

    for _ in 0..3 {
        assert_eq!(profile().await["cashback"], 0.0);
    }
    let (status, _) = a
        .admin(
            Method::POST,
            &format!("/admin/v1/customers/{id}/wallet"),
            Some(json!({"kind": "cashback", "amount": 12.5, "reference": "c-1"})),
        )
        .await;
    assert_eq!(status, 201);
    let took = holds_within("the wallet's balance", || async {
        profile().await["cashback"] == 12.5
    })
    .await;
    eprintln!("a wallet credit was served by the other instance after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    let (status, _) = a
        .admin(
            Method::POST,
            &format!("/admin/v1/customers/{id}/orders"),
            Some(json!({"reference": "o-1", "amount": 30, "status": "completed", "placedAt": "2026-01-02T03:04:05Z"})),
        )
        .await;
    assert_eq!(status, 201);
    let took = holds_within("the order statistics", || async {
        profile().await["order_count"] == 1
    })
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");

    // An API key B has verified from memory: revoked on A, refused by B at once.
    let (status, key) = a
        .admin(
            Method::POST,
            "/admin/v1/tenants/default/api-keys",
            Some(json!({"name": "app"})),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let put = || {
        let request = b
            .http
            .put(b.url("/v1/cl2c/user"))
            .header("tenant", "default")
            .header("X-API-Key", key["key"].as_str().unwrap())
            .json(&json!({"id": created["uuid"], "firstName": "John"}));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for _ in 0..3 {
        assert_eq!(put().await, 200);
    }
    let revoked = a
        .http
        .delete(a.url(&format!(
            "/admin/v1/tenants/default/api-keys/{}",
            key["id"].as_str().unwrap()
        )))
        .bearer_auth(clientele_e2e::ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let took = holds_within("the revoked key", || async { put().await == 401 }).await;
    eprintln!("a revoked key was refused by the other instance after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// Each instance holds what the tenant's webhook endpoints receive, and writes an edit none of
/// them receives as one statement: an endpoint created through one instance receives the next
/// edit through either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_created_on_one_instance_receives_the_edits_made_through_the_other() {
    use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};
    let Some(storage) = Storage::new(Backend::Postgres) else {
        return;
    };
    let shared = [
        ("CLIENTELE_MASTER_KEY", MASTER_KEY),
        ("CLIENTELE_WEBHOOK_ALLOW_HTTP_LOOPBACK", "true"),
    ];
    let a = Server::start(&storage, &shared);
    let elsewhere = tempfile::tempdir().unwrap();
    let b = Server::start_in(&storage, elsewhere.path(), &shared);
    let (_, _, token) = a.signed_in_customer().await;
    let edit_on = |server: &Server, nickname: String| {
        let request = server
            .http
            .patch(server.url("/api/v2/my/profile"))
            .bearer_auth(&token)
            .json(&json!({ "nickname": nickname }));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Both instances learn that the tenant has no endpoint.
    assert_eq!(edit_on(&a, "before-a".into()).await, 200);
    assert_eq!(edit_on(&b, "before-b".into()).await, 200);

    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let nicknames = || async {
        receiver
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .filter(|body| body["type"] == "customer.updated")
            .count()
    };
    let (status, _) = a
        .admin(
            reqwest::Method::POST,
            "/admin/v1/tenants/default/webhooks",
            Some(json!({"url": receiver.uri(), "events": ["customer.updated"]})),
        )
        .await;
    assert_eq!(status, 201);
    // The very next edit through either instance is announced, whether or not B has heard of
    // the endpoint yet (deliveries follow within the workers' polling: waited for generously).
    assert_eq!(edit_on(&a, "after-a".into()).await, 200);
    assert_eq!(edit_on(&b, "after-b".into()).await, 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    while nicknames().await < 2 {
        assert!(
            Instant::now() < deadline,
            "not every edit after the endpoint's creation was delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(nicknames().await, 2, "two edits, two events");
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

/// Two instances on one PostgreSQL and one SMTP server: each outbox message is delivered once
/// (both workers claim from the same outbox; a lapsed lease is the next test's), and failed
/// sign-ins on either instance count toward one lockout. (The per-client rate limit is each
/// instance's own: docs/scaling.md gives the arithmetic.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_deliver_each_message_once_and_share_the_lockout() {
    let Some(storage) = Storage::new(Backend::Postgres) else {
        return;
    };
    let smtp = clientele_testkit::SmtpSink::start();
    let url = smtp.url();
    let shared = [
        ("CLIENTELE_MASTER_KEY", MASTER_KEY),
        ("CLIENTELE_SMTP_URL", url.as_str()),
    ];
    let a = Server::start(&storage, &shared);
    let elsewhere = tempfile::tempdir().unwrap();
    let b = Server::start_in(&storage, elsewhere.path(), &shared);

    // Sign-ups through both: both workers race for the same outbox rows.
    let addresses: Vec<String> = (0..24)
        .map(|i| format!("twin{i}-{}@example.com", uuid::Uuid::new_v4().simple()))
        .collect();
    let signups = addresses.iter().enumerate().map(|(i, email)| {
        let server = if i % 2 == 0 { &a } else { &b };
        async move {
            let response = server
                .http
                .post(server.url("/customers/signup"))
                .json(&json!({"email": email}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
        }
    });
    futures_util::future::join_all(signups).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let delivered =
        |smtp: &clientele_testkit::SmtpSink| addresses.iter().map(|a| smtp.count_to(a)).sum::<usize>();
    while delivered(&smtp) < addresses.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Longer than a batch of either worker: a second delivery would have happened by now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for address in &addresses {
        assert_eq!(smtp.count_to(address), 1, "{address}: delivered exactly once");
    }

    // Ten failures, five on each instance, lock the account everywhere.
    let (email, password, _) = a.signed_in_customer().await;
    for server in [&a, &b] {
        for _ in 0..5 {
            assert_eq!(server.login_status(&email, "not the password").await, 401);
        }
    }
    assert_eq!(a.login_status(&email, &password).await, 401, "locked on A");
    assert_eq!(b.login_status(&email, &password).await, 401, "locked on B");
    let (status, audit) = a
        .admin(reqwest::Method::GET, "/admin/v1/audit?kind=sign_in_locked", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        audit["entries"].as_array().unwrap().len(),
        1,
        "one lockout, counted across instances: {audit}"
    );
}

/// An instance killed in the middle of a send holds its claim until the lease lapses; then the
/// other instance delivers the message, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_of_a_killed_instance_passes_to_the_other_once_its_lease_lapses() {
    let Some(storage) = Storage::new(Backend::Postgres) else {
        return;
    };
    // An SMTP server that accepts and then says nothing: the send hangs, the claim is held.
    let (stalled_url, accepted) = clientele_testkit::silent_smtp_server();
    let a = Server::start(
        &storage,
        &[
            ("CLIENTELE_MASTER_KEY", MASTER_KEY),
            ("CLIENTELE_SMTP_URL", &stalled_url),
            // The lease: one round of this timeout plus a minute.
            ("CLIENTELE_SMTP_TIMEOUT_SECS", "20"),
        ],
    );
    let email = format!("claimed-{}@example.com", uuid::Uuid::new_v4().simple());
    let response = a
        .http
        .post(a.url("/customers/signup"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    accepted
        .recv_timeout(Duration::from_secs(15))
        .expect("A claimed the message and is sending it");
    let killed_at = Instant::now();
    drop(a); // SIGKILL, mid-send

    let smtp = clientele_testkit::SmtpSink::start();
    let url = smtp.url();
    let elsewhere = tempfile::tempdir().unwrap();
    let b = Server::start_in(
        &storage,
        elsewhere.path(),
        &[
            ("CLIENTELE_MASTER_KEY", MASTER_KEY),
            ("CLIENTELE_SMTP_URL", url.as_str()),
        ],
    );
    let mail = smtp.wait_for(&email, "Activate your account", Duration::from_secs(120));
    let took = killed_at.elapsed();
    eprintln!("the other instance delivered the killed one's claim after {took:?}");
    assert!(mail.line("Secret").is_some());
    assert!(
        took >= Duration::from_secs(60),
        "not before the killed claimant's lease lapsed: {took:?}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.count_to(&email), 1, "once");
    drop(b);
}
