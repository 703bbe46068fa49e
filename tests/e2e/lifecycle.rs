//! The process: start-up secrets, restart, graceful shutdown, migrations, what it logs.

use std::process::Command;

use clientele_e2e::{binary, Backend, Server, Storage, ADMIN_TOKEN};
use serde_json::json;

/// The generated admin token, read from the file whose path the log names.
fn generated_admin_token(storage: &Storage, log: &str) -> Option<String> {
    let path = storage.admin_token_file();
    log.lines()
        .find(|l| l.contains("generated the back-office admin token"))
        .filter(|l| l.contains(&path.display().to_string()))?;
    Some(std::fs::read_to_string(path).unwrap().trim().to_owned())
}

async fn admin_status(server: &Server, token: &str) -> u16 {
    let response = server
        .http
        .get(server.url("/admin/v1/customers/1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

async fn survives_restart(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    // No admin token and no JWT secret configured: both are generated once and kept.
    let unset = [("CLIENTELE_ADMIN_TOKEN", ""), ("CLIENTELE_JWT_SECRET", "")];
    let first = Server::start(&storage, &unset);
    let admin = generated_admin_token(&storage, &first.log())
        .expect("the first start writes the admin token to a file and logs where");
    assert!(!first.log().contains(&admin), "the token itself is not printed");
    assert_eq!(
        admin_status(&first, &admin).await,
        404,
        "the generated token is accepted"
    );
    assert_eq!(admin_status(&first, ADMIN_TOKEN).await, 401);
    let response = first
        .http
        .post(first.url("/admin/v1/customers"))
        .bearer_auth(&admin)
        .json(&json!({"email": "keep@example.com", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let token = first.login("keep@example.com", "correct horse").await;
    first
        .http
        .patch(first.url("/api/v2/my/profile"))
        .bearer_auth(&token)
        .body(r#"{"nickname": "Persisted"}"#)
        .send()
        .await
        .unwrap();
    assert!(first.terminate().success(), "SIGTERM ends the process cleanly");

    let second = Server::start(&storage, &unset);
    assert_eq!(
        generated_admin_token(&storage, &second.log()),
        None,
        "generated once only"
    );
    assert_eq!(
        admin_status(&second, &admin).await,
        404,
        "the same admin token still works"
    );
    let (_, profile) = second.get_json("/api/v2/my/profile", &token).await;
    assert_eq!(
        profile["nickname"], "Persisted",
        "the old session and the data survive a restart"
    );
    assert!(
        !second.log().contains(&admin),
        "the admin token is never printed again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_restart_with_generated_secrets() {
    survives_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_restart_with_generated_secrets() {
    survives_restart(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_log() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let server = Server::start(&storage, &[]);
    let password = "Sentinel-Password-4f1c9e";
    server
        .create_customer("sentinel@example.com", password, json!({}))
        .await;
    let token = server.login("sentinel@example.com", password).await;
    server
        .http
        .post(server.url("/customers/login"))
        .json(&json!({"email": "sentinel@example.com", "password": "Wrong-Sentinel-77ab"}))
        .send()
        .await
        .unwrap();
    server
        .http
        .get(server.url("/api/v2/my/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let log = server.log_once_it_holds("/api/v2/my/profile");
    assert!(log.contains("/api/v2/my/profile"), "requests are logged: {log}");
    for secret in [
        password,
        "Wrong-Sentinel-77ab",
        &token,
        ADMIN_TOKEN,
        clientele_e2e::JWT_SECRET,
    ] {
        assert!(!log.contains(secret), "{secret} appears in the log");
    }
}

#[test]
fn migrate_applies_once_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        Command::new(binary())
            .arg("migrate")
            .env(
                "CLIENTELE_DATABASE_URL",
                format!("sqlite://{}/m.db", dir.path().display()),
            )
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{first:?}");
    // stdout carries the log too: look for the report line itself.
    let applied = |output: &std::process::Output| {
        String::from_utf8_lossy(&output.stdout).lines().find_map(|l| {
            l.strip_suffix(" migration(s) applied")
                .and_then(|n| n.parse::<usize>().ok())
        })
    };
    assert!(applied(&first).is_some_and(|n| n > 0), "{first:?}");
    assert_eq!(applied(&run()), Some(0));
}

#[test]
fn bad_configuration_is_a_clear_error() {
    for (key, value, says) in [
        ("CLIENTELE_BCRYPT_COST", "99", "BCRYPT_COST"),
        ("CLIENTELE_DATABASE_URL", "mysql://x", "database URL"),
        ("CLIENTELE_ADMIN_TOKEN", "short", "ADMIN_TOKEN"),
    ] {
        let output = Command::new(binary())
            .env("CLIENTELE_LISTEN", "127.0.0.1:0")
            .env(key, value)
            .current_dir(tempfile::tempdir().unwrap().path())
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{key}={value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
