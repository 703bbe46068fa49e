//! Moving in: customers imported with their earlier systems' password hashes (one per scheme,
//! made by each scheme's reference implementation: `scripts/import-fixtures.py`) sign in with
//! their own passwords and hold a bcrypt hash afterwards; refused lines are reported with their
//! numbers; a run killed midway finishes when run again, with nothing doubled. The same over
//! HTTP: `import_http.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clientele_e2e::dump::strings;
use clientele_e2e::{command_for, post, run_command, Backend, Server, Storage};
use reqwest::Method;
use serde_json::{json, Value};

crate::on_both_backends_by_hand!(
    every_scheme_signs_in_once_and_moves_to_bcrypt,
    refused_lines_are_reported_and_a_second_run_doubles_nothing,
    a_killed_import_finishes_when_run_again,
);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/fixtures/import")
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(name)).unwrap()).unwrap()
}

/// The hash the database holds for `email` (of the default tenant).
fn stored_hash(storage: &Storage, email: &str) -> String {
    let sql = format!(
        "SELECT COALESCE(password_hash, '') AS v FROM accounts WHERE tenant_id = 'default' AND email_normalized = '{}'",
        email.to_lowercase()
    );
    strings(storage, &sql).pop().unwrap_or_default()
}

pub(crate) fn customers_of_default(storage: &Storage) -> usize {
    strings(
        storage,
        "SELECT CAST(COUNT(*) AS TEXT) AS v FROM accounts WHERE tenant_id = 'default'",
    )[0]
    .parse()
    .unwrap()
}

/// The answer to a sign-in, without its `instance` (each answer's own id).
pub(crate) async fn login(server: &Server, email: &str, password: &str) -> (u16, Value) {
    let (status, mut body) = post(
        server,
        "/customers/login",
        json!({"email": email, "password": password}),
    )
    .await;
    if let Some(problem) = body.as_object_mut() {
        problem.remove("instance");
    }
    (status, body)
}

/// `POST /admin/v1/tenants/default/imports{query}` of `body` as `media_type`, by the back office.
pub(crate) async fn post_import(
    server: &Server,
    query: &str,
    media_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Result<reqwest::Response> {
    server
        .http
        .post(server.url(&format!("/admin/v1/tenants/default/imports{query}")))
        .bearer_auth(clientele_e2e::ADMIN_TOKEN)
        .header("content-type", media_type)
        .body(body)
        .send()
        .await
}

/// A JSON Lines import that completes (201): its report.
pub(crate) async fn imported(server: &Server, query: &str, lines: &[Value]) -> Value {
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let response = post_import(server, query, "application/x-ndjson", body)
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn every_scheme_signs_in_once_and_moves_to_bcrypt(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &[]);
    let firebase = fixture_json("firebase.json");
    let mut args = vec!["import", "--tenant", "default"];
    let cli: Vec<String> = firebase["cli"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    args.extend(cli.iter().map(String::as_str));
    let file = fixtures().join("schemes.jsonl");
    args.push(file.to_str().unwrap());
    let run = run_command(&storage, &args);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("15 lines, 15 imported"), "{}", run.stdout);

    let passwords: BTreeMap<String, String> = serde_json::from_value(fixture_json("passwords.json")).unwrap();
    assert_eq!(passwords.len(), 15);
    let unknown = login(&server, "nobody@import.test", "Some-Password-123").await;
    assert_eq!(unknown.0, 401);
    for (email, password) in &passwords {
        let before = stored_hash(&storage, email);
        assert!(
            before.starts_with("import:"),
            "{email} is stored as imported: {before}"
        );
        // A wrong password: the same answer as for an address nobody has.
        let wrong = login(&server, email, &format!("{password}x")).await;
        assert_eq!(wrong, unknown, "{email} with a wrong password");
        assert!(
            stored_hash(&storage, email).starts_with("import:"),
            "{email}: a wrong password changes nothing"
        );
        let (status, body) = login(&server, email, password).await;
        assert_eq!(
            status, 200,
            "{email} signs in with the earlier system's password: {body}"
        );
        let after = stored_hash(&storage, email);
        assert!(
            after.starts_with("$2b$04$"),
            "{email} now holds a bcrypt hash: {after}"
        );
        // And signs in again with the same password, against the new hash.
        assert_eq!(login(&server, email, password).await.0, 200, "{email} again");
        assert_eq!(stored_hash(&storage, email), after, "rehashed once");
    }
    // The earlier system's public ids and ids are kept.
    let lines: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let with_uuid: Vec<&Value> = lines.iter().filter(|l| l["uuid"].is_string()).collect();
    assert!(!with_uuid.is_empty());
    for line in with_uuid {
        let uuid = line["uuid"].as_str().unwrap();
        let (status, customer) = server
            .admin(Method::GET, &format!("/admin/v1/customers/{uuid}"), None)
            .await;
        assert_eq!(status, 200, "{customer}");
        assert_eq!(customer["email"], line["email"]);
    }
    let (status, found) = server
        .admin(Method::GET, "/admin/v1/customers?q=old-3", None)
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["customers"][0]["externalId"], "old-3", "{found}");
    // One audit entry for the run, none per customer.
    let kinds = strings(
        &storage,
        "SELECT kind AS v FROM audit_log WHERE tenant_id = 'default' AND kind = 'customers_imported'",
    );
    assert_eq!(kinds.len(), 1);
}

async fn refused_lines_are_reported_and_a_second_run_doubles_nothing(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &[]);
    let existing = server
        .create_customer(
            "kept@import.test",
            "Kept-Password-991",
            json!({"phone": "+4915112345678"}),
        )
        .await;
    let bcrypt = "$2b$04$EbzsXGIgBLKv1Y9MsObQ3epZWL6vx2a/TNT64DD.xWfFsIRWtqS9u";
    let lines = [
        json!({"email": "ann@import.test", "passwordHash": bcrypt, "emailVerified": true, "firstName": "Ann", "externalId": "e-1"}),
        json!({"email": "not an address"}),
        json!({"email": "ANN@import.test", "firstName": "Twice"}),
        json!({"email": "md5@import.test", "passwordHash": "5f4dcc3b5aa765d61d8327deb882cf99"}),
        json!({"email": "phone@import.test", "phone": "12"}),
        json!({"email": "taken@import.test", "phone": "+4915112345678"}),
        json!({"email": "clear@import.test", "password": "hunter2hunter2"}),
        json!({"email": "pending@import.test", "lastName": "Later"}),
        json!({"email": "kept@import.test", "firstName": "Renamed", "passwordHash": bcrypt}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let file = storage.dir().join("customers.jsonl");
    std::fs::write(&file, &text).unwrap();
    let report = storage.dir().join("refused.jsonl");
    let args = [
        "import",
        "--tenant",
        "default",
        "--report",
        report.to_str().unwrap(),
        file.to_str().unwrap(),
    ];

    let dry = run_command(
        &storage,
        &[
            "import",
            "--tenant",
            "default",
            "--dry-run",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(dry.code, Some(3), "{}{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout.contains("2 imported, 0 updated, 1 skipped, 6 refused"),
        "{}",
        dry.stdout
    );
    assert_eq!(customers_of_default(&storage), 1, "a dry run writes nothing");

    let first = run_command(&storage, &args);
    assert_eq!(
        first.code,
        Some(3),
        "some lines were refused: {}{}",
        first.stdout,
        first.stderr
    );
    assert!(
        first
            .stdout
            .contains("9 lines, 2 imported, 0 updated, 1 skipped, 6 refused"),
        "{}",
        first.stdout
    );
    let refused: Vec<Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let numbers: Vec<u64> = refused.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(numbers, vec![2, 3, 4, 5, 6, 7], "{refused:?}");
    let reason = |line: u64| {
        refused.iter().find(|r| r["line"] == line).unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason(2).contains("email"), "{}", reason(2));
    assert!(reason(3).contains("repeats an earlier line"), "{}", reason(3));
    assert!(reason(4).contains("passwordHash"), "{}", reason(4));
    assert!(reason(5).contains("phone"), "{}", reason(5));
    assert!(
        reason(6).contains("phone number already belongs"),
        "{}",
        reason(6)
    );
    assert!(reason(7).contains("in clear"), "{}", reason(7));
    assert_eq!(refused[0]["email"], "not an address");
    // Nothing of the refused lines, no message to anyone (no invitation was asked for).
    assert_eq!(customers_of_default(&storage), 3);
    let (_, pending) = server
        .admin(Method::GET, "/admin/v1/customers?q=pending@import.test", None)
        .await;
    assert_eq!(
        pending["customers"][0]["status"], "pending_activation",
        "{pending}"
    );
    let (_, outbox) = server.admin(Method::GET, "/admin/v1/outbox", None).await;
    assert!(!outbox.to_string().contains("pending@import.test"), "{outbox}");
    // The existing customer keeps everything, her password too.
    let (_, kept) = server
        .admin(
            Method::GET,
            &format!("/admin/v1/customers/{}", existing["id"]),
            None,
        )
        .await;
    assert_eq!(kept["firstName"], Value::Null, "{kept}");
    assert_eq!(
        login(&server, "kept@import.test", "Kept-Password-991").await.0,
        200
    );

    // Again: every line done before is skipped, nothing doubled.
    let second = run_command(&storage, &args);
    assert_eq!(second.code, Some(3));
    assert!(
        second
            .stdout
            .contains("0 imported, 0 updated, 3 skipped, 6 refused"),
        "{}",
        second.stdout
    );
    assert_eq!(customers_of_default(&storage), 3);

    // With update: profile fields change; a password the customer chose is never replaced,
    // nor a first one given; a line whose email is a customer with another external id is
    // refused. Through the server: on SQLite a command may not change customers a running
    // server holds in memory (it says so and changes nothing).
    if backend == Backend::Sqlite {
        let refused = run_command(
            &storage,
            &[
                "import",
                "--tenant",
                "default",
                "--update",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(refused.code, Some(1), "{}{}", refused.stdout, refused.stderr);
        assert!(
            refused.stderr.contains("a server is running"),
            "{}",
            refused.stderr
        );
    }
    let counts =
        |run: &Value| ["imported", "updated", "skipped", "refused"].map(|k| run[k].as_u64().unwrap());
    // Ann and the pending customer are as the file has them already: skipped.
    let update = imported(&server, "?update=true", &lines).await;
    assert_eq!(counts(&update), [0, 1, 2, 6], "{update}");
    let later = [
        json!({"email": "ann@import.test", "externalId": "e-2"}),
        json!({"email": "pending@import.test", "passwordHash": bcrypt}),
    ];
    let later = imported(&server, "?update=true", &later).await;
    assert_eq!(counts(&later), [0, 0, 1, 1], "{later}");
    let mismatch = &later["refusals"][0];
    assert_eq!(mismatch["line"], 1);
    assert!(
        mismatch["reason"]
            .as_str()
            .unwrap()
            .contains("another externalId"),
        "{mismatch}"
    );
    let (_, kept) = server
        .admin(
            Method::GET,
            &format!("/admin/v1/customers/{}", existing["id"]),
            None,
        )
        .await;
    assert_eq!(kept["firstName"], "Renamed", "{kept}");
    assert_eq!(
        login(&server, "kept@import.test", "Kept-Password-991").await.0,
        200
    );
    assert!(stored_hash(&storage, "kept@import.test").starts_with("$2b$"));
    assert_eq!(
        stored_hash(&storage, "pending@import.test"),
        "",
        "no first password by an import"
    );
    // A file with a plaintext password column is refused whole: nothing written.
    let csv = storage.dir().join("clear.csv");
    std::fs::write(&csv, "email,password\nnew@import.test,hunter2hunter2\n").unwrap();
    let clear = run_command(
        &storage,
        &["import", "--tenant", "default", csv.to_str().unwrap()],
    );
    assert_eq!(clear.code, Some(1), "{}", clear.stderr);
    assert!(clear.stderr.contains("in clear"), "{}", clear.stderr);
    assert_eq!(customers_of_default(&storage), 3);
}

const MANY: usize = 30_000;

async fn a_killed_import_finishes_when_run_again(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let bcrypt = "$2b$04$EbzsXGIgBLKv1Y9MsObQ3epZWL6vx2a/TNT64DD.xWfFsIRWtqS9u";
    let file = storage.dir().join("many.csv");
    let mut text = String::from("email,passwordHash,emailVerified,externalId\n");
    for i in 0..MANY {
        text.push_str(&format!("c{i}@many.test,{bcrypt},true,m-{i}\n"));
    }
    std::fs::write(&file, text).unwrap();
    // Migrations first, so the killed run is killed while importing.
    assert!(run_command(&storage, &["migrate"]).success);
    let mut child = command_for(
        &storage,
        &["import", "--tenant", "default", file.to_str().unwrap()],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let sql = "SELECT CAST(COUNT(*) AS TEXT) AS v FROM customer_imports";
        let started = strings(&storage, sql)[0] != "0";
        if started && customers_of_default(&storage) > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the import never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let midway = customers_of_default(&storage);
    assert!(midway < MANY, "killed midway ({midway} of {MANY})");

    let again = run_command(
        &storage,
        &["import", "--tenant", "default", file.to_str().unwrap()],
    );
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
    let expected = format!(
        "{MANY} lines, {} imported, 0 updated, {midway} skipped, 0 refused",
        MANY - midway
    );
    assert!(
        again.stdout.contains(&expected),
        "{} (expected {expected})",
        again.stdout
    );
    assert_eq!(customers_of_default(&storage), MANY, "everyone once");
    let distinct = strings(
        &storage,
        "SELECT CAST(COUNT(DISTINCT external_id) AS TEXT) AS v FROM accounts WHERE tenant_id = 'default'",
    );
    assert_eq!(distinct[0], MANY.to_string());
    // The killed run reads as interrupted once it has been silent long enough; the second
    // completed.
    let statuses = strings(
        &storage,
        "SELECT status AS v FROM customer_imports ORDER BY started_at",
    );
    assert_eq!(statuses, vec!["running", "completed"]);
}
