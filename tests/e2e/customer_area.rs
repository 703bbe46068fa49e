//! Customer area (seed 001) flows end to end: secrets are read from mail received by a real
//! SMTP server.

use std::time::Duration;

use clientele_e2e::{post, reset_token_claims, status_and_json, Server, ADMIN_TOKEN};
use clientele_testkit::{ReceivedMail, SmtpSink};
use futures_util::future::join_all;
use serde_json::{json, Value};

crate::on_both_backends_with_mail!(
    signup_activation_and_sign_in,
    twenty_concurrent_activations_one_success,
    five_wrong_tries_lock_and_asking_again_does_not_reset_them,
    email_change_takes_effect_only_when_confirmed,
    password_reset_mails_a_code_and_do_reset_returns_the_passphrase,
    deleting_the_account_erases_it_and_frees_the_address,
    the_back_office_invites_and_reads_the_outbox_masked,
    concurrent_self_edits_of_different_fields_are_both_kept,
    a_new_phone_number_is_told_to_the_address,
);

crate::on_both_backends_by_hand!(one_address_gets_at_most_the_send_limit);

const WAIT: Duration = Duration::from_secs(15);

fn unique_email() -> String {
    format!("c{}@example.com", uuid::Uuid::new_v4().simple())
}

fn activation_mail(smtp: &SmtpSink, email: &str) -> ReceivedMail {
    smtp.wait_for(email, "Activate your account", WAIT)
}

/// The audit trail holds exactly one entry of `kind`, by the customer, under a request id, from
/// the client's address, and none of `secrets`; the log names the event with its tenant, account
/// and request id, and none of `secrets` either.
async fn audited_once(server: &Server, kind: &str, secrets: &[&str]) {
    let response = server
        .http
        .get(server.url(&format!("/admin/v1/audit?kind={kind}")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, audit) = status_and_json(response).await;
    assert_eq!(status, 200, "{audit}");
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{kind}: {audit}");
    assert_eq!(entries[0]["actor"], "customer");
    let request_id = entries[0]["requestId"].as_str().unwrap_or_default();
    assert!(!request_id.is_empty(), "{audit}");
    assert_eq!(entries[0]["clientAddress"], "127.0.0.1", "{audit}");
    let account = entries[0]["account"].as_str().unwrap();
    let log = server.log_once_it_holds(&format!("event=\"{kind}\""));
    let line = log
        .lines()
        .find(|line| line.contains("security event") && line.contains(&format!("event=\"{kind}\"")))
        .unwrap_or_else(|| panic!("no security event {kind} in the log:\n{log}"));
    for expected in ["tenant=\"default\"", account, request_id] {
        assert!(line.contains(expected), "{kind}: {expected} missing from {line}");
    }
    for secret in secrets {
        assert!(
            !audit.to_string().contains(secret),
            "{kind}: a secret in the audit trail"
        );
        assert!(!log.contains(secret), "{kind}: a secret in the log");
    }
}

async fn activate(server: &Server, identifier: &str, secret: &str, password: &str) -> (u16, Value) {
    post(
        server,
        "/customers/activate",
        json!({"identifier": identifier, "secret": secret, "password": password, "password_check": password}),
    )
    .await
}

async fn signup_activation_and_sign_in(server: Server, smtp: SmtpSink) {
    let email = unique_email();
    let (status, body) = post(
        &server,
        "/customers/signup",
        json!({"email": email, "name": "Test Name"}),
    )
    .await;
    assert_eq!((status, body), (202, json!({"result": "email_sent"})));
    let mail = activation_mail(&smtp, &email);
    let (identifier, secret) = (mail.line("Identifier").unwrap(), mail.line("Secret").unwrap());
    assert_eq!(secret.len(), 10);
    assert!(
        mail.text.contains(&format!(
            "/customers/activate#identifier={identifier}&secret={secret}"
        )),
        "the link carries its secrets in the fragment, which browsers never send: {}",
        mail.text
    );
    // Pending: cannot sign in, and the refusal reads exactly like a wrong password's.
    let pending = post(
        &server,
        "/customers/login",
        json!({"email": email, "password": "whatever-password"}),
    )
    .await;
    let unknown = post(
        &server,
        "/customers/login",
        json!({"email": unique_email(), "password": "x-password"}),
    )
    .await;
    assert_eq!(pending.0, 401);
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("instance");
        v
    };
    assert_eq!(strip(pending.1), strip(unknown.1));

    let (status, problem) = activate(&server, &identifier, "WRONGWRONG", "a good passphrase").await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (400, Some("urn:clientele:problem:invalid-secret"))
    );
    let mismatch = json!({"identifier": identifier, "secret": secret, "password": "a good passphrase",
        "password_check": "another passphrase"});
    let (status, problem) = post(&server, "/customers/activate", mismatch).await;
    assert_eq!(status, 400);
    assert!(problem["errors"].get("password_check").is_some(), "{problem}");
    for weak in ["short", "password123"] {
        let (status, problem) = activate(&server, &identifier, &secret, weak).await;
        assert_eq!(status, 400);
        assert!(problem["errors"].get("password").is_some(), "{weak}: {problem}");
    }
    let long = "ü".repeat(64);
    let (status, body) = activate(&server, &identifier, &secret.to_lowercase(), &long).await;
    assert_eq!(
        (status, body),
        (200, json!({"result": "activated"})),
        "case-insensitive secret, 64 chars accepted"
    );
    audited_once(&server, "activated", &[&secret, &long, &email]).await;
    assert_eq!(
        activate(&server, &identifier, &secret, &long).await.0,
        400,
        "a secret works once"
    );

    let token = server.login(&email, &long).await;
    let (_, me) = get_self(&server, &token).await;
    let keys: Vec<&str> = me.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "address",
        "mobile",
        "phone",
        "name",
        "country",
        "address_town",
        "address_postcode",
        "email",
        "id",
        "subscriptions",
        "address_region",
    ] {
        assert!(keys.contains(&key), "{key} missing from {me}");
    }
    assert_eq!(me["name"], "Test Name");
    assert!(me["id"].as_str().unwrap().parse::<i64>().is_ok());

    // Signing up again with an active address mails a notice, no secret.
    assert_eq!(
        post(&server, "/customers/signup", json!({"email": email}))
            .await
            .0,
        202
    );
    let notice = smtp.wait_for(&email, "You already have an account", WAIT);
    assert_eq!(notice.line("Secret"), None);
    assert_eq!(
        post(&server, "/customers/signup", json!({"email": "nope"}))
            .await
            .0,
        400
    );
}

async fn twenty_concurrent_activations_one_success(server: Server, smtp: SmtpSink) {
    let email = unique_email();
    post(&server, "/customers/signup", json!({"email": email})).await;
    let mail = activation_mail(&smtp, &email);
    let (identifier, secret) = (mail.line("Identifier").unwrap(), mail.line("Secret").unwrap());
    let attempts = (0..20).map(|_| activate(&server, &identifier, &secret, "a good passphrase"));
    let results = join_all(attempts).await;
    let successes = results.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(successes, 1, "{results:?}");
    assert!(
        results.iter().all(|(status, _)| [200, 400, 429].contains(status)),
        "{results:?}"
    );
}

async fn five_wrong_tries_lock_and_asking_again_does_not_reset_them(server: Server, smtp: SmtpSink) {
    let email = unique_email();
    post(&server, "/customers/signup", json!({"email": email})).await;
    let first = activation_mail(&smtp, &email);
    let identifier = first.line("Identifier").unwrap();
    for _ in 0..3 {
        assert_eq!(
            activate(&server, &identifier, "WRONGWRONG", "a good passphrase")
                .await
                .0,
            400
        );
    }
    // Asking again: a new secret for the same flow; the old one stops working.
    post(&server, "/customers/signup", json!({"email": email})).await;
    let deadline = std::time::Instant::now() + WAIT;
    while smtp.count_to(&email) < 2 {
        assert!(std::time::Instant::now() < deadline, "no second activation mail");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let second = activation_mail(&smtp, &email);
    assert_eq!(second.line("Identifier").unwrap(), identifier, "same flow");
    let (old, new) = (first.line("Secret").unwrap(), second.line("Secret").unwrap());
    assert_ne!(old, new);
    assert_eq!(
        activate(&server, &identifier, &old, "a good passphrase").await.0,
        400,
        "4th try"
    );
    assert_eq!(
        activate(&server, &identifier, "WRONGWRONG", "a good passphrase")
            .await
            .0,
        400,
        "5th try"
    );
    let (status, problem) = activate(&server, &identifier, &new, "a good passphrase").await;
    assert_eq!(
        status, 429,
        "locked after five tries, asking again did not reset them: {problem}"
    );
    assert_eq!(problem["type"], "urn:clientele:problem:secret-locked");
    let log = server.log_once_it_holds("reason=Locked");
    let refusals: Vec<_> = log
        .lines()
        .filter(|line| line.contains("event=\"secret_refused\""))
        .collect();
    assert!(
        refusals.iter().any(|l| l.contains("reason=Invalid"))
            && refusals.iter().any(|l| l.contains("reason=Locked")),
        "wrong and locked secrets are security events:\n{log}"
    );
    assert!(
        refusals
            .iter()
            .all(|l| l.contains("purpose=\"activation\"") && !l.contains(&email)),
        "{refusals:?}"
    );
    assert!(!log.contains(&new) && !log.contains(&old), "no secret in the log");
    // While locked, asking again sends no new secret.
    post(&server, "/customers/signup", json!({"email": email})).await;
    server.wait_until_outbox_drained().await;
    assert_eq!(smtp.count_to(&email), 2);
}

async fn patch_self(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.patch_as(token, "/customers/self", &body).await
}

async fn get_self(server: &Server, token: &str) -> (u16, Value) {
    server.get_json("/customers/self", token).await
}

async fn email_change_takes_effect_only_when_confirmed(server: Server, smtp: SmtpSink) {
    let (email, password, token) = server.signed_in_customer().await;
    let new_email = unique_email();
    let (_, before) = get_self(&server, &token).await;
    let (status, body) = patch_self(
        &server,
        &token,
        json!({"email": new_email, "name": "Ann Lee", "address_town": "Springfield", "id": before["id"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["email"],
        email.as_str(),
        "the old address stays until confirmed"
    );
    assert_eq!(body["name"], "Ann Lee");
    let key_mail = smtp.wait_for(&new_email, "Confirm your new email address", WAIT);
    let notice = smtp.wait_for(&email, "Your email address is being changed", WAIT);
    assert_eq!(notice.line("Key"), None, "the old address gets no secret");
    let (identifier, key) = (
        key_mail.line("Identifier").unwrap(),
        key_mail.line("Key").unwrap(),
    );
    assert_eq!(key.len(), 16);
    assert!(
        key_mail.text.contains(&format!(
            "/customers/newemail_confirm#identifier={identifier}&key={key}"
        )),
        "the link carries its secret in the fragment, never sent to a server: {}",
        key_mail.text
    );

    let (status, _) = post(
        &server,
        "/customers/newemail_confirm",
        json!({"identifier": identifier, "key": "X"}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = post(
        &server,
        "/customers/newemail_confirm",
        json!({"identifier": identifier, "key": key}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"result": "updated"})));
    assert_eq!(get_self(&server, &token).await.1["email"], new_email.as_str());
    audited_once(&server, "email_changed", &[&key, &new_email]).await;
    assert_eq!(server.login_status(&new_email, &password).await, 200);
    assert_eq!(server.login_status(&email, &password).await, 401);

    // Bad edits change nothing and name each field.
    let (status, problem) = patch_self(
        &server,
        &token,
        json!({"id": "1", "phone": "123", "email": "nope", "favourite": 1, "subscriptions": "news"}),
    )
    .await;
    assert_eq!(status, 400);
    for field in ["id", "phone", "email", "favourite", "subscriptions"] {
        assert!(problem["errors"].get(field).is_some(), "{field}: {problem}");
    }

    // The address must still be free when the key is used.
    let contested = unique_email();
    patch_self(&server, &token, json!({"email": contested})).await;
    let key_mail = smtp.wait_for(&contested, "Confirm your new email address", WAIT);
    server
        .create_customer(&contested, "someone else's password", json!({}))
        .await;
    let confirm =
        json!({"identifier": key_mail.line("Identifier").unwrap(), "key": key_mail.line("Key").unwrap()});
    assert_eq!(post(&server, "/customers/newemail_confirm", confirm).await.0, 409);
    let (status, _) = patch_self(&server, &token, json!({"email": contested})).await;
    assert_eq!(status, 409, "a taken address is refused at once");
}

async fn password_reset_mails_a_code_and_do_reset_returns_the_passphrase(server: Server, smtp: SmtpSink) {
    let (email, password, token) = server.signed_in_customer().await;
    let unknown = unique_email();
    let seed = json!({"email": unknown, "reset_uri": "/customers/do_reset"});
    assert_eq!(
        post(&server, "/customers/password_reset", seed).await,
        (200, json!({"result": "email_sent"}))
    );
    for bad in [
        "https://evil.example/reset",
        "//evil.example/x",
        "javascript:alert(1)",
        "",
        "   ",
    ] {
        let (status, problem) = post(
            &server,
            "/customers/password_reset",
            json!({"email": email, "reset_uri": bad}),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert!(problem["errors"]["reset_uri"].is_array(), "{bad:?}: {problem}");
    }
    let absolute = json!({"email": email.to_uppercase(), "reset_uri": "https://shop.example.com/reset"});
    assert_eq!(
        post(&server, "/customers/password_reset", absolute).await.1,
        json!({"result": "email_sent"})
    );
    let mail = smtp.wait_for(&email, "Reset your password", WAIT);
    let code = mail.line("Code").unwrap();
    assert!(
        mail.text
            .contains(&format!("https://shop.example.com/reset/{code}")),
        "{}",
        mail.text
    );
    assert_eq!(
        smtp.count_to(&unknown),
        0,
        "no mail for an address without an account"
    );

    let relative = json!({"email": email, "reset_uri": "/customers/do_reset"});
    post(&server, "/customers/password_reset", relative).await;
    let deadline = std::time::Instant::now() + WAIT;
    while smtp.count_to(&email) < 2 {
        assert!(std::time::Instant::now() < deadline, "no second reset mail");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let mail = smtp.wait_for(&email, "Reset your password", WAIT);
    let code = mail.line("Code").unwrap();
    assert!(
        mail.text.contains(&format!("/customers/do_reset/{code}")),
        "{}",
        mail.text
    );

    let (status, _) = post(
        &server,
        "/customers/do_reset",
        json!({"email": email, "code": "NOTTHECODE"}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = post(
        &server,
        "/customers/do_reset",
        json!({"email": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claims = reset_token_claims(body["token"].as_str().unwrap(), &code);
    let passphrase = claims["passphrase"].as_str().unwrap().to_owned();
    audited_once(&server, "password_reset", &[&code, &passphrase, &email]).await;
    let notice = smtp.wait_for(&email, "Your password was reset", WAIT);
    assert_eq!(notice.line("Code"), None, "a notice carries no secret");
    assert!(!notice.text.contains(&code) && !notice.text.contains(&passphrase));
    assert_eq!(
        claims.as_object().unwrap().len(),
        1,
        "the payload is just the passphrase: {claims}"
    );

    assert_eq!(server.login_status(&email, &passphrase).await, 200);
    assert_eq!(
        server.login_status(&email, &password).await,
        401,
        "the old password is gone"
    );
    assert_eq!(
        get_self(&server, &token).await.0,
        401,
        "every session was signed out"
    );
    assert_eq!(
        post(
            &server,
            "/customers/do_reset",
            json!({"email": email, "code": code})
        )
        .await
        .0,
        400,
        "once"
    );
}

async fn deleting_the_account_erases_it_and_frees_the_address(server: Server, smtp: SmtpSink) {
    let (email, password, token) = server.signed_in_customer().await;
    patch_self(
        &server,
        &token,
        json!({"name": "Erase Me", "address": "1 Main St", "phone": "+14155550123"}),
    )
    .await;
    let response = server
        .http
        .delete(server.url("/customers/self"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_json(response).await,
        (200, json!({"result": "deleted"}))
    );
    assert_eq!(get_self(&server, &token).await.0, 401);
    assert_eq!(server.login_status(&email, &password).await, 401);
    assert_eq!(
        post(&server, "/customers/signup", json!({"email": email}))
            .await
            .0,
        202
    );
    let mail = activation_mail(&smtp, &email);
    assert!(
        mail.line("Secret").is_some(),
        "the address is free for a new account"
    );
}

async fn the_back_office_invites_and_reads_the_outbox_masked(server: Server, smtp: SmtpSink) {
    let email = unique_email();
    let response = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"email": email, "firstName": "Invited"}))
        .send()
        .await
        .unwrap();
    let (status, created) = status_and_json(response).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "pending_activation");
    assert_eq!(created["hasPassword"], false);
    let mail = activation_mail(&smtp, &email);
    // The address is not proven yet: no name, whoever chose it.
    assert!(mail.text.starts_with("Hello,"), "{}", mail.text);
    assert!(!mail.text.contains("Invited"), "{}", mail.text);
    let secret = mail.line("Secret").unwrap();
    assert_eq!(
        activate(
            &server,
            &mail.line("Identifier").unwrap(),
            &secret,
            "a good passphrase"
        )
        .await
        .0,
        200
    );

    let listing = |query: &'static str| {
        let request = server
            .http
            .get(server.url(&format!("/admin/v1/outbox{query}")))
            .bearer_auth(ADMIN_TOKEN);
        async move { status_and_json(request.send().await.unwrap()).await }
    };
    let (status, body) = listing("?status=sent").await;
    assert_eq!(status, 200);
    let mine: Vec<&Value> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["recipient"] == email.as_str())
        .collect();
    assert_eq!(mine.len(), 1);
    let text = mine[0]["text"].as_str().unwrap();
    assert!(
        !text.contains(&secret) && text.contains("Secret: ••••••••"),
        "{text}"
    );
    assert!(!body.to_string().contains(&secret));
    assert_eq!(listing("?status=lost").await.0, 400);
    assert_eq!(listing("?limit=0").await.0, 400);
    assert_eq!(
        server
            .http
            .get(server.url("/admin/v1/outbox"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn concurrent_self_edits_of_different_fields_are_both_kept(server: Server, _smtp: SmtpSink) {
    let (_, _, token) = server.signed_in_customer().await;
    for round in 0..5 {
        let town = format!("Town {round}");
        let region = format!("Region {round}");
        let (a, b) = tokio::join!(
            patch_self(&server, &token, json!({"address_town": town})),
            patch_self(&server, &token, json!({"address_region": region})),
        );
        assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
        let (_, me) = get_self(&server, &token).await;
        assert_eq!(
            (me["address_town"].as_str(), me["address_region"].as_str()),
            (Some(&*town), Some(&*region))
        );
    }
}

/// A phone number set or changed from any surface (here the Customer area, two-factor off) is
/// audited and told to the confirmed address; saving the same number again is no change.
async fn a_new_phone_number_is_told_to_the_address(server: Server, smtp: SmtpSink) {
    let (email, _, token) = server.signed_in_customer().await;
    for _ in 0..2 {
        let (status, me) = patch_self(&server, &token, json!({"phone": "+14155550123"})).await;
        assert_eq!(
            (status, me["phone"].as_str()),
            (200, Some("+14155550123")),
            "{me}"
        );
    }
    let mail = smtp.wait_for(
        &email,
        "Your phone number was changed",
        std::time::Duration::from_secs(15),
    );
    assert!(
        !mail.text.contains("+14155550123"),
        "the number itself is not mailed"
    );
    audited_once(&server, "phone_changed", &[]).await;
}

/// Resets and sign-ups for one address, past `CLIENTELE_SEND_LIMIT`: every answer the same as
/// for an address without an account, and no more mail than the limit, in the database.
async fn one_address_gets_at_most_the_send_limit(backend: clientele_e2e::Backend) {
    let Some(storage) = clientele_e2e::Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_SMTP_URL", &smtp.url()),
            ("CLIENTELE_SEND_LIMIT", "3"),
            ("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0"),
        ],
    );
    let (email, unknown) = (unique_email(), unique_email());
    server
        .create_customer(&email, "a good passphrase", json!({}))
        .await;
    let reset = |address: &str| json!({"email": address, "reset_uri": "/customers/do_reset"});
    let unknown_answer = post(&server, "/customers/password_reset", reset(&unknown)).await;
    // Anyone can make sign-ups notify the address, in any case of its letters: those use up a
    // budget of their own, never the customer's reset codes.
    for variant in [
        email.clone(),
        email.to_uppercase(),
        email.clone(),
        email.to_uppercase(),
    ] {
        let signup = post(&server, "/customers/signup", json!({"email": variant})).await;
        assert_eq!(signup, (202, json!({"result": "email_sent"})));
    }
    for variant in [email.clone(), email.to_uppercase(), email.clone(), email.clone()] {
        let answer = post(&server, "/customers/password_reset", reset(&variant)).await;
        assert_eq!(answer, unknown_answer, "held back or not, the answer is the same");
    }
    let deadline = std::time::Instant::now() + WAIT;
    while smtp.count_to(&email) < 6 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, outbox) = server
        .admin(reqwest::Method::GET, "/admin/v1/outbox?limit=500", None)
        .await;
    assert_eq!(status, 200);
    let subjects: Vec<&str> = outbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["recipient"].as_str().unwrap().eq_ignore_ascii_case(&email))
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    let count = |subject: &str| subjects.iter().filter(|s| **s == subject).count();
    assert_eq!(
        (
            count("You already have an account"),
            count("Reset your password"),
            subjects.len()
        ),
        (3, 3, 6),
        "three of each, then nothing for the hour: {subjects:?}"
    );
    assert_eq!(smtp.count_to(&email), 6);
    let log = server.log_once_it_holds("send_limited");
    assert!(log.contains("event=\"send_limited\""), "a security event:\n{log}");
    assert!(!log.contains(&email), "the log names no address");

    // The newest code that was sent still works: holding back replaced no secret.
    let last = smtp
        .received()
        .into_iter()
        .rfind(|m| m.to.contains(&email) && m.subject == "Reset your password")
        .expect("a reset mail");
    let code = last.line("Code").unwrap();
    let (status, _) = post(
        &server,
        "/customers/do_reset",
        json!({"email": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200);

    // A signed-in customer asking for email-change keys past the limit is told to wait (the
    // customer knows the address: nothing to enumerate), and nothing of the edit applies.
    let (old, _, token) = server.signed_in_customer().await;
    let new = unique_email();
    for _ in 0..3 {
        let (status, me) = patch_self(&server, &token, json!({"email": new})).await;
        assert_eq!(status, 200, "{me}");
    }
    let response = server
        .http
        .patch(server.url("/customers/self"))
        .bearer_auth(&token)
        .json(&json!({"email": new, "name": "Not Applied"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "urn:clientele:problem:send-limited", "{problem}");
    let (_, me) = get_self(&server, &token).await;
    assert_eq!(
        (me["email"].as_str(), me["name"].as_str()),
        (Some(&*old), None),
        "{me}"
    );
    server.wait_until_outbox_drained().await;
    assert_eq!(smtp.count_to(&new), 3, "three keys, then none");

    // Signing an address up again and again draws on its limit, the first invitation included:
    // five sign-ups, three activation mails.
    let invited = unique_email();
    for _ in 0..5 {
        let signup = post(&server, "/customers/signup", json!({"email": invited})).await;
        assert_eq!(
            signup,
            (202, json!({"result": "email_sent"})),
            "the same, mailed or not"
        );
    }
    server.wait_until_outbox_drained().await;
    assert_eq!(smtp.count_to(&invited), 3, "three activation mails, then none");
    // Holding back replaced no secret: the newest one mailed works.
    let last = smtp
        .received()
        .into_iter()
        .rfind(|m| m.to.contains(&invited))
        .unwrap();
    let (status, _) = activate(
        &server,
        &last.line("Identifier").unwrap(),
        &last.line("Secret").unwrap(),
        "a good passphrase",
    )
    .await;
    assert_eq!(status, 200, "the newest secret mailed works");
}
