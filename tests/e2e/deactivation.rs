//! B2Core's profile deactivation (seed 000): a code mailed, confirmed, the account closed.

use std::time::Duration;

use clientele_e2e::{status_and_json, Server, ADMIN_TOKEN};
use clientele_testkit::SmtpSink;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);
const PATH: &str = "/api/v2/my/profile/deactivation";

crate::on_both_backends_with_mail!(
    the_seed_flow_closes_the_account_once,
    wrong_codes_lock_and_other_accounts_flows_are_not_found,
    approval_required_creates_a_request,
    keeping_data_closes_and_the_back_office_can_reopen,
);

crate::on_both_backends_by_hand!(a_resent_code_replaces_the_first_and_expires);

/// A customer with a first and last name, signed in: (email, password, token, numeric id).
async fn customer(server: &Server) -> (String, String, String, i64) {
    let email = format!("d{}@example.com", uuid::Uuid::new_v4().simple());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let created = server
        .create_customer(&email, &password, json!({"firstName": "John", "lastName": "Doe"}))
        .await;
    let token = server.login(&email, &password).await;
    (email, password, token, created["id"].as_i64().unwrap())
}

async fn start(server: &Server, token: &str) -> (u16, Value) {
    // As the seed's curl does it.
    let response = server
        .http
        .get(server.url(PATH))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    status_and_json(response).await
}

async fn confirm(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.post_as(token, PATH, &body).await
}

fn code_of(smtp: &SmtpSink, email: &str) -> u64 {
    let mail = smtp.wait_for(email, "Confirm closing your account", WAIT);
    let code = mail.line("Code").unwrap();
    assert_eq!(code.len(), 6, "{code}");
    assert!(!code.starts_with('0'), "an integer keeps every digit: {code}");
    code.parse().unwrap()
}

async fn the_seed_flow_closes_the_account_once(server: Server, smtp: SmtpSink) {
    let (email, password, token, id) = customer(&server).await;
    let (status, started) = start(&server, &token).await;
    assert_eq!(status, 200, "{started}");
    let keys: Vec<&str> = started.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "data",
            "done",
            "expiredAt",
            "sent",
            "sentAt",
            "uuid",
            "workflow"
        ]
    );
    assert_eq!(started["code"], 200);
    assert_eq!(started["done"], false);
    assert_eq!(started["workflow"], "email");
    assert_eq!(started["sent"], 1);
    assert_eq!(
        started["data"],
        json!({"status": 0, "entity_id": id, "entity_type": "client", "recipient": {
            "class": "B2B\\TCA\\Confirmations\\Recipients\\EmailRecipient",
            "template": "DeletePersonalData", "email": email, "name": "John Doe", "url": "",
            "method": "email"}})
    );
    let parse = |v: &Value| {
        time::OffsetDateTime::parse(
            v.as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert!(
        started["sentAt"].as_str().unwrap().ends_with("+00:00"),
        "{started}"
    );
    assert_eq!(
        parse(&started["expiredAt"]) - parse(&started["sentAt"]),
        time::Duration::minutes(15)
    );
    let code = code_of(&smtp, &email);
    let uuid = started["uuid"].as_str().unwrap().to_owned();

    // Asking again at once: the same procedure, nothing mailed.
    let (status, again) = start(&server, &token).await;
    assert_eq!(
        (status, &again["uuid"], &again["sent"]),
        (200, &json!(uuid), &json!(1))
    );
    server.wait_until_outbox_drained().await;
    assert_eq!(smtp.count_to(&email), 1, "no second mail within the cooldown");

    // 20 confirmations at once with the right code: exactly one wins (five tries are counted,
    // so five of them contend for the code; the rest find the tries used up).
    let tries = (0..20).map(|_| confirm(&server, &token, json!({"uuid": uuid, "code": code})));
    let answers = futures_util::future::join_all(tries).await;
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 202)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert_eq!(
        winners[0],
        &json!({"code": 202, "data": {"requestCreated": false}, "done": true, "uuid": uuid,
                "workflow": "B2B\\TCA\\Wizards\\Workflow\\TerminateWorkflow"})
    );
    // The others: the code already used (400), the procedure already erased with the
    // account's data (404), the token already revoked (401), or the five tries used up (429).
    for (status, body) in &answers {
        assert!(
            [202, 400, 401, 404, 429].contains(status),
            "{status} {body}\n{}",
            server.log()
        );
    }
    // Closed at once: the token in hand and the password no longer work.
    assert_eq!(server.get_json("/api/v2/my/profile", &token).await.0, 401);
    assert_eq!(server.login_status(&email, &password).await, 401);
    // Erased (the default policy): the address is free for a new account.
    server
        .create_customer(&email, "a new password 1", json!({}))
        .await;
}

async fn wrong_codes_lock_and_other_accounts_flows_are_not_found(server: Server, smtp: SmtpSink) {
    let (email, _, token, _) = customer(&server).await;
    let (_, started) = start(&server, &token).await;
    let uuid = started["uuid"].as_str().unwrap().to_owned();
    let code = code_of(&smtp, &email);

    // Someone else's procedure: not found, whatever the code.
    let (_, _, other_token, _) = customer(&server).await;
    let (status, problem) = confirm(&server, &other_token, json!({"uuid": uuid, "code": code})).await;
    assert_eq!(status, 404, "{problem}");
    let (status, _) = confirm(
        &server,
        &token,
        json!({"uuid": uuid::Uuid::new_v4(), "code": code}),
    )
    .await;
    assert_eq!(status, 404);
    // Shapes: the code as a string of digits is accepted, anything else is a field error.
    for bad in [
        json!({"uuid": uuid}),
        json!({"uuid": uuid, "code": "12ab56"}),
        json!({"uuid": uuid, "code": 1.5}),
    ] {
        let (status, problem) = confirm(&server, &token, bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert!(problem["errors"]["code"].is_array(), "{problem}");
    }

    let wrong = if code == 999_999 { 111_111 } else { code + 1 };
    for _ in 0..5 {
        let (status, _) = confirm(&server, &token, json!({"uuid": uuid, "code": wrong.to_string()})).await;
        assert_eq!(status, 400);
    }
    let (status, problem) = confirm(&server, &token, json!({"uuid": uuid, "code": code.to_string()})).await;
    assert_eq!(
        status, 429,
        "five tries used: locked even for the right code: {problem}"
    );
    assert_eq!(problem["type"], "urn:clientele:problem:secret-locked");
    let (status, _) = start(&server, &token).await;
    assert_eq!(status, 429, "no new code while locked");
    assert_eq!(
        server.get_json("/api/v2/my/profile", &token).await.0,
        200,
        "still open"
    );
}

/// Under `settings` (PATCHed on /admin/v1/settings), a customer closes the account with the
/// mailed code: (email, password, numeric id, the confirmation's `data`). The account is
/// closed at once whatever the settings.
async fn closed_by_code_under(
    server: &Server,
    smtp: &SmtpSink,
    settings: Value,
) -> (String, String, i64, Value) {
    let patched = server
        .http
        .patch(server.url("/admin/v1/settings"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let (email, password, token, id) = customer(server).await;
    let (_, started) = start(server, &token).await;
    let uuid = started["uuid"].as_str().unwrap().to_owned();
    let code = code_of(smtp, &email);
    let (status, body) = confirm(server, &token, json!({"uuid": uuid, "code": code})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        server.login_status(&email, &password).await,
        401,
        "closed at once"
    );
    (email, password, id, body["data"].clone())
}

async fn approval_required_creates_a_request(server: Server, smtp: SmtpSink) {
    let (_, _, _, data) =
        closed_by_code_under(&server, &smtp, json!({"deletionRequiresApproval": true})).await;
    assert_eq!(data, json!({"requestCreated": true}));
}

async fn keeping_data_closes_and_the_back_office_can_reopen(server: Server, smtp: SmtpSink) {
    let (email, password, id, data) =
        closed_by_code_under(&server, &smtp, json!({"deletePersonalData": false})).await;
    assert_eq!(data, json!({"requestCreated": false}));
    let reopened = server
        .http
        .post(server.url(&format!("/admin/v1/customers/{id}/reactivate")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, customer) = status_and_json(reopened).await;
    assert_eq!(
        (status, &customer["status"]),
        (200, &json!("active")),
        "{customer}"
    );
    assert_eq!(customer["email"], email.as_str(), "its data was kept");
    assert_eq!(
        server.login_status(&email, &password).await,
        200,
        "back with its password"
    );
}

/// The `n`th code mailed to `email` (counting from 1), once it has arrived.
fn nth_code(smtp: &SmtpSink, email: &str, n: usize) -> u64 {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let codes: Vec<String> = smtp
            .received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == email))
            .filter_map(|m| m.line("Code"))
            .collect();
        if let Some(code) = codes.get(n - 1) {
            return code.parse().unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "code {n} never came: {codes:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// With a thirty-second resend cooldown and codes living a minute: asking again after the
/// cooldown mails a fresh code on the same procedure (`sent` 2) and the first code stops
/// working; once the procedure's `expiredAt` has passed, the right code is a 410 and asking
/// again starts afresh. The service runs in-process, its clock moved rather than waited for.
async fn a_resent_code_replaces_the_first_and_expires(backend: clientele_e2e::Backend) {
    let Some(storage) = clientele_e2e::Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let server = Server::start_in_process(
        &storage,
        &[
            ("CLIENTELE_SMTP_URL", &smtp.url()),
            ("CLIENTELE_DEACTIVATION_TTL_SECS", "60"),
            ("CLIENTELE_CODE_RESEND_SECS", "30"),
        ],
    );
    let (email, password, token, _) = customer(&server).await;
    let (status, first) = start(&server, &token).await;
    assert_eq!((status, &first["sent"]), (200, &json!(1)), "{first}");
    let uuid = first["uuid"].as_str().unwrap().to_owned();
    let first_code = nth_code(&smtp, &email, 1);

    server.clock().advance(Duration::from_secs(31));
    let (status, second) = start(&server, &token).await;
    assert_eq!(
        (status, &second["uuid"], &second["sent"]),
        (200, &json!(uuid), &json!(2)),
        "after the cooldown: a fresh code on the same procedure: {second}"
    );
    let second_code = nth_code(&smtp, &email, 2);
    if first_code != second_code {
        let (status, problem) = confirm(&server, &token, json!({"uuid": uuid, "code": first_code})).await;
        assert_eq!(status, 400, "the replaced code: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with("This closing code"),
            "{problem}"
        );
    }

    // Past the procedure's expiry (shown to the second, so a second more), even the right code
    // is refused as expired.
    let expired_at = time::OffsetDateTime::parse(
        second["expiredAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let wait = expired_at - server.clock().now() + time::Duration::milliseconds(1_100);
    if wait.is_positive() {
        server.clock().advance(wait.unsigned_abs());
    }
    let (status, problem) = confirm(&server, &token, json!({"uuid": uuid, "code": second_code})).await;
    assert_eq!(status, 410, "{problem}");
    assert_eq!(problem["type"], "urn:clientele:problem:secret-expired");
    assert_eq!(
        server.login_status(&email, &password).await,
        200,
        "an expired code closes nothing"
    );
    // Asking again starts a new procedure with a new code.
    let (status, third) = start(&server, &token).await;
    assert_eq!(status, 200, "{third}");
    assert_ne!(third["uuid"], json!(uuid), "{third}");
    assert_eq!(third["sent"], 1, "{third}");
    nth_code(&smtp, &email, 3);
}
