//! Keys that a stolen database must not give away, the move of an earlier version's JWT key
//! out of the database, and warnings about settings.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use base64::Engine;
use clientele_e2e::dump::{every_value, execute};
use clientele_e2e::{post, Backend, Server, Storage, ADMIN_TOKEN, JWT_SECRET};
use clientele_testkit::{DownSmtp, SmtpSink};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&b64url().decode(payload).unwrap()).unwrap()
}

fn signed_with(claims: &Value, key: &[u8]) -> String {
    encode(&Header::default(), claims, &EncodingKey::from_secret(key)).unwrap()
}

async fn profile_status(server: &Server, token: &str) -> u16 {
    server.get_json("/api/v2/my/profile", token).await.0
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The byte strings a stored value could stand for as a key: itself, and its hex or base64
/// decoding.
fn key_candidates(value: &str) -> Vec<Vec<u8>> {
    let mut candidates = vec![value.as_bytes().to_vec()];
    let trimmed = value.trim().trim_end_matches('=');
    let pairs = value.as_bytes().chunks_exact(2);
    if value.is_ascii() && pairs.remainder().is_empty() {
        if let Ok(bytes) = pairs
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16))
            .collect::<Result<Vec<u8>, _>>()
        {
            candidates.push(bytes);
        }
    }
    for engine in [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        if let Ok(bytes) = engine.decode(trimmed) {
            candidates.push(bytes);
        }
    }
    candidates
}

async fn no_key_material_in_the_database(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_ADMIN_TOKEN", ""),
            ("CLIENTELE_JWT_SECRET", ""),
            ("CLIENTELE_SMTP_URL", &smtp.url()),
        ],
    );
    let log = server.log();
    let token_file = storage.admin_token_file();
    assert!(log.contains(&token_file.display().to_string()), "{log}");
    assert_eq!(mode(&token_file), 0o600);
    assert_eq!(mode(&storage.key_file()), 0o600);
    let admin = std::fs::read_to_string(&token_file).unwrap().trim().to_owned();
    let key_text = std::fs::read_to_string(storage.key_file()).unwrap();
    let mut key_lines = key_text.lines();
    assert_eq!(key_lines.next(), Some("clientele-master-key v1"));
    let master_b64 = key_lines.next().unwrap().to_owned();
    let master = base64::engine::general_purpose::STANDARD
        .decode(&master_b64)
        .unwrap();
    let master_hex: String = master.iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        !log.contains(&admin) && !log.contains(&master_b64),
        "no secret in the log"
    );

    // Sign up and activate one customer; the back office creates another, who asks for a
    // password reset; a third sign-up stays pending.
    let email = format!("k{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, _) = post(&server, "/customers/signup", json!({"email": email})).await;
    assert_eq!(status, 202);
    let mail = smtp.wait_for(&email, "Activate your account", WAIT);
    let (identifier, secret) = (mail.line("Identifier").unwrap(), mail.line("Secret").unwrap());
    let password = "Correct-Horse-Battery-31";
    let (status, _) = post(
        &server,
        "/customers/activate",
        json!({"identifier": identifier, "secret": secret, "password": password, "password_check": password}),
    )
    .await;
    assert_eq!(status, 200);
    let token = server.login(&email, password).await;
    let other = format!("k{}@example.com", uuid::Uuid::new_v4().simple());
    let response = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(&admin)
        .json(&json!({"email": other, "password": "Another-Password-77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "the generated admin token works");
    let other_token = server.login(&other, "Another-Password-77").await;
    let (status, _) = post(
        &server,
        "/customers/password_reset",
        json!({"email": other, "reset_uri": "/customers/do_reset"}),
    )
    .await;
    assert_eq!(status, 200);
    let code = smtp
        .wait_for(&other, "Reset your password", WAIT)
        .line("Code")
        .unwrap();
    let pending = format!("k{}@example.com", uuid::Uuid::new_v4().simple());
    post(&server, "/customers/signup", json!({"email": pending})).await;
    let pending_secret = smtp
        .wait_for(&pending, "Activate your account", WAIT)
        .line("Secret")
        .unwrap();

    let values = every_value(&storage);
    assert!(
        values.iter().any(|(column, _)| column.starts_with("outbox.")),
        "the dump reads the tables: {values:?}"
    );
    for (column, value) in &values {
        for (what, secret) in [
            ("the master key (base64)", master_b64.as_str()),
            ("the master key (hex)", master_hex.as_str()),
            ("the admin token", admin.as_str()),
            ("an access token", token.as_str()),
            ("an activation secret", secret.as_str()),
            ("a pending activation secret", pending_secret.as_str()),
            ("a reset code", code.as_str()),
        ] {
            assert!(!value.contains(secret), "{what} is in {column}");
        }
    }

    // No stored value signs an access token the server accepts.
    assert_eq!(profile_status(&server, &token).await, 200);
    assert_eq!(profile_status(&server, &other_token).await, 200);
    let claims = claims_of(&token);
    let mut tried = std::collections::HashSet::new();
    for (column, value) in &values {
        for key in key_candidates(value) {
            if tried.insert(key.clone()) {
                let forged = signed_with(&claims, &key);
                assert_eq!(
                    profile_status(&server, &forged).await,
                    401,
                    "a value of {column} signs tokens"
                );
            }
        }
    }
    assert!(tried.len() > 20, "only {} candidate keys", tried.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_database_holds_no_key_material() {
    no_key_material_in_the_database(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_database_holds_no_key_material() {
    no_key_material_in_the_database(Backend::Postgres).await;
}

/// An installation of an earlier version: its JWT key in `instance_secrets`, no key file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_versions_jwt_key_moves_out_and_its_sessions_stay_valid() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let generated = [("CLIENTELE_JWT_SECRET", "")];
    let server = Server::start(&storage, &generated);
    let (_, _, token) = server.signed_in_customer().await;
    assert!(server.terminate().success());

    // What the earlier version left: the key in the database, no key file, no fingerprint of
    // a master key. The session above is one it signed, with the stored key itself.
    let old_secret = "OldVersionJwtSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
    execute(
        &storage,
        &format!("INSERT INTO instance_secrets (name, value) VALUES ('jwt_secret', '{old_secret}')"),
    );
    execute(
        &storage,
        "DELETE FROM instance_secrets WHERE name = 'master_key_check'",
    );
    std::fs::remove_file(storage.key_file()).unwrap();
    let old_token = signed_with(&claims_of(&token), old_secret.as_bytes());

    let server = Server::start(&storage, &generated);
    assert_eq!(
        profile_status(&server, &old_token).await,
        200,
        "a session signed before the upgrade is still valid"
    );
    assert_eq!(
        profile_status(&server, &token).await,
        401,
        "the key file that signed this one is gone"
    );
    assert!(
        !every_value(&storage).iter().any(|(_, v)| v.contains(old_secret)),
        "the old key left the database"
    );
    // Its bytes too: not in a free page of the database file, nor in the WAL.
    let database = storage.dir().join("e2e.db");
    for file in [database.clone(), database.with_extension("db-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes
                .windows(old_secret.len())
                .any(|w| w == old_secret.as_bytes()),
            "the old key is still in {}",
            file.display()
        );
    }
    assert_eq!(mode(&storage.key_file()), 0o600);
    let text = std::fs::read_to_string(storage.key_file()).unwrap();
    assert!(text.starts_with("clientele-master-key legacy\n"), "{text}");
    assert!(
        server.log().contains("moved the JWT signing key"),
        "{}",
        server.log()
    );
    assert!(!server.log().contains(old_secret));
    let (email, password, _) = server.signed_in_customer().await;
    assert!(server.terminate().success());

    // Later starts read the legacy key file.
    let server = Server::start(&storage, &generated);
    assert_eq!(profile_status(&server, &old_token).await, 200);
    let fresh = server.login(&email, &password).await;
    assert_eq!(profile_status(&server, &fresh).await, 200);
    assert!(!server.log().contains("moved the JWT signing key"));
}

/// An installation of an earlier version that ran with `CLIENTELE_JWT_SECRET`: that version
/// stored no key and derived the digest and sealing keys from the setting. A code it mailed,
/// and mail it sealed but could not send yet, still work after the upgrade.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_versions_jwt_secret_keeps_pending_codes_and_unsent_mail() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    // The earlier version's keys are exactly those of a `legacy` key file holding the setting.
    let earlier_key = storage.dir().join("earlier.key");
    std::fs::write(
        &earlier_key,
        format!(
            "clientele-master-key legacy\n{}\n",
            base64::engine::general_purpose::STANDARD.encode(JWT_SECRET)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&earlier_key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let down = DownSmtp::start();
    let smtp_url = down.url();
    let mail = [
        ("CLIENTELE_SMTP_URL", smtp_url.as_str()),
        ("CLIENTELE_DELIVERY_RETRY_SECS", "1"),
    ];
    let earlier_key_setting = earlier_key.display().to_string();
    let mut env = mail.to_vec();
    env.push(("CLIENTELE_MASTER_KEY_FILE", &earlier_key_setting));
    let server = Server::start(&storage, &env);
    let (_, _, token) = server.signed_in_customer().await;
    let email = format!("k{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, _) = post(&server, "/customers/signup", json!({"email": email})).await;
    assert_eq!(status, 202);
    // Tried once with the mail server down, and pending.
    server.wait_until_tried(&email).await;
    assert!(server.terminate().success());
    // What the earlier version left: no key file, no fingerprint, no row.
    execute(
        &storage,
        "DELETE FROM instance_secrets WHERE name = 'master_key_check'",
    );
    std::fs::remove_file(&earlier_key).unwrap();

    let smtp = down.come_up();
    let server = Server::start(&storage, &mail);
    assert_eq!(profile_status(&server, &token).await, 200);
    let sent = smtp.wait_for(&email, "Activate your account", WAIT);
    let (identifier, secret) = (sent.line("Identifier").unwrap(), sent.line("Secret").unwrap());
    let password = "Correct-Horse-Battery-31";
    let (status, _) = post(
        &server,
        "/customers/activate",
        json!({"identifier": identifier, "secret": secret, "password": password, "password_check": password}),
    )
    .await;
    assert_eq!(status, 200, "the code mailed before the upgrade is valid");
    let text = std::fs::read_to_string(storage.key_file()).unwrap();
    assert!(text.starts_with("clientele-master-key legacy\n"), "{text}");
    assert!(server.log().contains("CLIENTELE_JWT_SECRET"), "{}", server.log());
    assert!(!server.log().contains(JWT_SECRET));
    assert!(server.terminate().success());
    let server = Server::start(&storage, &mail);
    assert_eq!(server.login_status(&email, password).await, 200);
}

/// Instances sharing one PostgreSQL database, each with its own working directory (another
/// machine, or a container's ephemeral storage).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_a_database_must_share_the_master_key() {
    let Some(storage) = Storage::new(Backend::Postgres) else {
        return;
    };
    let unset = [("CLIENTELE_JWT_SECRET", "")];
    let first = Server::start(&storage, &unset);
    let (_, _, token) = first.signed_in_customer().await;

    let elsewhere = tempfile::tempdir().unwrap();
    let log = Server::refused_in(&storage, elsewhere.path(), &unset);
    assert!(
        log.contains("master key differs from the one the database was set up with"),
        "{log}"
    );
    assert!(
        log.contains("give every instance the same CLIENTELE_MASTER_KEY or CLIENTELE_MASTER_KEY_FILE"),
        "{log}"
    );
    assert!(
        !elsewhere.path().join("data/clientele.key").exists(),
        "no key file of its own"
    );
    let other_key = hex_of(&[9u8; 32]);
    let log = Server::refused_in(
        &storage,
        elsewhere.path(),
        &[("CLIENTELE_JWT_SECRET", ""), ("CLIENTELE_MASTER_KEY", &other_key)],
    );
    assert!(log.contains("CLIENTELE_MASTER_KEY_FILE"), "{log}");
    assert!(!log.contains(&other_key), "{log}");
    assert_eq!(
        profile_status(&first, &token).await,
        200,
        "the first one still serves"
    );
    assert!(first.terminate().success());

    // The same key everywhere: the one the first instance generated.
    let text = std::fs::read_to_string(storage.key_file()).unwrap();
    let key = text.lines().nth(1).unwrap().to_owned();
    let shared = [
        ("CLIENTELE_JWT_SECRET", ""),
        ("CLIENTELE_MASTER_KEY", key.as_str()),
    ];
    let first = Server::start(&storage, &shared);
    let second = Server::start_in(&storage, elsewhere.path(), &shared);
    assert_eq!(profile_status(&second, &token).await, 200);
    let (_, _, token_of_second) = second.signed_in_customer().await;
    assert_eq!(profile_status(&first, &token_of_second).await, 200);
    assert!(!elsewhere.path().join("data/clientele.key").exists());
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misspelt_variables_and_cheap_hashing_are_warned_about() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_SMTP_ULR", "smtp://127.0.0.1:2525"),
            ("CLIENTELE_TEST_POSTGRES_URL", "postgres://ignored"),
        ],
    );
    let log = server.log();
    let warning = log
        .lines()
        .find(|l| l.contains("CLIENTELE_SMTP_ULR"))
        .unwrap_or_else(|| panic!("no warning: {log}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("did you mean CLIENTELE_SMTP_URL?"), "{warning}");
    assert!(!log.contains("CLIENTELE_TEST_POSTGRES_URL"), "{log}");
    assert!(log.contains("CLIENTELE_BCRYPT_COST is 4"), "{log}");
    // Nothing prevents serving.
    assert_eq!(
        server
            .http
            .get(server.url("/admin/v1/customers/1"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[test]
fn an_unknown_key_in_the_configuration_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clientele.toml"),
        "listen = \"127.0.0.1:0\"\nbcrypt_cots = 10\n",
    )
    .unwrap();
    let output = std::process::Command::new(clientele_e2e::binary())
        .current_dir(dir.path())
        .env_remove("CLIENTELE_LISTEN")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown key `bcrypt_cots`"), "{stderr}");
    assert!(stderr.contains("did you mean `bcrypt_cost`?"), "{stderr}");
}
