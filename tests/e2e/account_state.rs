//! The account as one state machine, end to end: no secret outlives the state it was issued
//! for (the takeover paths a review found), a birthday is final on every surface, and a mail to
//! an address nobody has proven carries no text its sender chose.

use std::time::Duration;

use clientele_e2e::{post, reset_token_claims, status_and_json, Server};
use clientele_testkit::SmtpSink;
use serde_json::{json, Value};

crate::on_both_backends_with_mail!(
    a_pending_email_change_dies_with_a_password_reset,
    a_pending_email_change_dies_with_a_password_change,
    a_reset_code_dies_with_a_confirmed_email_change,
    a_closing_code_dies_with_a_password_reset,
    a_birthday_once_set_is_final_on_every_customer_surface,
    an_activation_mail_carries_no_name_the_sender_chose,
);

const WAIT: Duration = Duration::from_secs(15);

fn unique_email(tag: &str) -> String {
    format!("{tag}{}@example.com", uuid::Uuid::new_v4().simple())
}

/// Asks for an email change to `to` with `token` (a stolen session, say), and returns the
/// identifier and key mailed to `to`.
async fn email_change_key(server: &Server, smtp: &SmtpSink, token: &str, to: &str) -> (String, String) {
    let (status, body) = server
        .patch_as(token, "/customers/self", &json!({"email": to}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mail = smtp.wait_for(to, "Confirm your new email address", WAIT);
    (mail.line("Identifier").unwrap(), mail.line("Key").unwrap())
}

/// Resets `email`'s password with the mailed code (the `n`th reset mail to it); returns the new
/// passphrase.
async fn reset_password(server: &Server, smtp: &SmtpSink, email: &str, n: usize) -> String {
    let reset = json!({"email": email, "reset_uri": "/customers/do_reset"});
    assert_eq!(post(server, "/customers/password_reset", reset).await.0, 200);
    let code = nth_mail_line(smtp, email, "Reset your password", n, "Code");
    let (status, body) = post(
        server,
        "/customers/do_reset",
        json!({"email": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claims = reset_token_claims(body["token"].as_str().unwrap(), &code);
    claims["passphrase"].as_str().unwrap().to_owned()
}

/// The `label` line of the `n`th mail (from 1) to `to` with `subject`, once it has arrived.
fn nth_mail_line(smtp: &SmtpSink, to: &str, subject: &str, n: usize, label: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let mails: Vec<_> = smtp
            .received()
            .into_iter()
            .filter(|m| m.subject == subject && m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect();
        if let Some(mail) = mails.get(n - 1) {
            return mail.line(label).unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail {n} '{subject}' to {to}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

async fn confirm_email(server: &Server, identifier: &str, key: &str) -> u16 {
    post(
        server,
        "/customers/newemail_confirm",
        json!({"identifier": identifier, "key": key}),
    )
    .await
    .0
}

/// The account's address as it is now, read with a fresh sign-in.
async fn address_of(server: &Server, email: &str, password: &str) -> Value {
    let token = server.login(email, password).await;
    server.get_json("/customers/self", &token).await.1["email"].clone()
}

async fn a_pending_email_change_dies_with_a_password_reset(server: Server, smtp: SmtpSink) {
    let (email, _, stolen) = server.signed_in_customer().await;
    let attacker = unique_email("attacker");
    let (identifier, key) = email_change_key(&server, &smtp, &stolen, &attacker).await;
    // The owner notices (the notice to the old address) and resets the password.
    smtp.wait_for(&email, "Your email address is being changed", WAIT);
    let passphrase = reset_password(&server, &smtp, &email, 1).await;
    assert_eq!(
        confirm_email(&server, &identifier, &key).await,
        400,
        "the key ended with the reset"
    );
    assert_eq!(address_of(&server, &email, &passphrase).await, email.as_str());
    assert_eq!(server.login_status(&attacker, &passphrase).await, 401);
}

async fn a_pending_email_change_dies_with_a_password_change(server: Server, smtp: SmtpSink) {
    let (email, password, token) = server.signed_in_customer().await;
    let attacker = unique_email("attacker");
    let (identifier, key) = email_change_key(&server, &smtp, &token, &attacker).await;
    let new_password = "A-new-password-7731";
    let (status, body) = server
        .post_as(
            &token,
            "/api/user/change-password",
            &json!({"old_password": password, "password": new_password}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(confirm_email(&server, &identifier, &key).await, 400);
    assert_eq!(address_of(&server, &email, new_password).await, email.as_str());
}

async fn a_reset_code_dies_with_a_confirmed_email_change(server: Server, smtp: SmtpSink) {
    let (email, password, token) = server.signed_in_customer().await;
    // Whoever reads the old mailbox asks for a reset code...
    let reset = json!({"email": email, "reset_uri": "/customers/do_reset"});
    assert_eq!(post(&server, "/customers/password_reset", reset).await.0, 200);
    let code = nth_mail_line(&smtp, &email, "Reset your password", 1, "Code");
    // ...while the owner moves to a new address (which the notice to the old one names).
    let new_email = unique_email("moved");
    let (identifier, key) = email_change_key(&server, &smtp, &token, &new_email).await;
    assert_eq!(confirm_email(&server, &identifier, &key).await, 200);
    for address in [&email, &new_email] {
        let (status, body) = post(
            &server,
            "/customers/do_reset",
            json!({"email": address, "code": code}),
        )
        .await;
        assert_eq!(status, 400, "{address}: {body}");
    }
    assert_eq!(
        server.login_status(&new_email, &password).await,
        200,
        "password unchanged"
    );
}

async fn a_closing_code_dies_with_a_password_reset(server: Server, smtp: SmtpSink) {
    const PATH: &str = "/api/v2/my/profile/deactivation";
    let (email, _, stolen) = server.signed_in_customer().await;
    let response = server
        .http
        .get(server.url(PATH))
        .bearer_auth(&stolen)
        .send()
        .await
        .unwrap();
    let (status, started) = status_and_json(response).await;
    assert_eq!(status, 200, "{started}");
    let code: u64 = nth_mail_line(&smtp, &email, "Confirm closing your account", 1, "Code")
        .parse()
        .unwrap();
    let passphrase = reset_password(&server, &smtp, &email, 1).await;
    let fresh = server.login(&email, &passphrase).await;
    let (status, body) = server
        .post_as(&fresh, PATH, &json!({"uuid": started["uuid"], "code": code}))
        .await;
    assert!(
        [400, 404].contains(&status),
        "the code ended with the reset: {status} {body}"
    );
    assert_eq!(
        server.get_json("/api/v2/my/profile", &fresh).await.0,
        200,
        "the account is open"
    );
}

async fn a_birthday_once_set_is_final_on_every_customer_surface(server: Server, _smtp: SmtpSink) {
    let (_, _, token) = server.signed_in_customer().await;
    let b2core = |method: reqwest::Method, body: &'static str| {
        let request = server
            .http
            .request(method, server.url("/api/v2/my/profile"))
            .bearer_auth(&token)
            .body(body);
        async move { status_and_json(request.send().await.unwrap()).await }
    };
    let (status, body) = b2core(reqwest::Method::PATCH, r#"{"info": {"birthday": "1990-05-15"}}"#).await;
    assert_eq!(status, 200, "set once: {body}");
    for (method, body) in [
        (reqwest::Method::PATCH, r#"{"info": {"birthday": "1991-06-16"}}"#),
        (reqwest::Method::PATCH, r#"{"info": {"birthday": null}}"#),
        (reqwest::Method::PATCH, r#"{"info": null}"#),
        (reqwest::Method::PUT, r#"{"info": {"birthday": "1991-06-16"}}"#),
    ] {
        let (status, problem) = b2core(method.clone(), body).await;
        assert_eq!(status, 400, "{method} {body}: {problem}");
        assert!(problem["errors"]["info.birthday"].is_array(), "{problem}");
    }
    let tss = json!({"firstname": "Ann", "lastname": "Lee", "gender": "female",
                     "birthdate": "1991-06-16", "telephone": "+14155550199"});
    let (status, problem) = server.post_as(&token, "/api/user/profile", &tss).await;
    assert_eq!(status, 400, "{problem}");
    let (_, profile) = server.get_json("/api/v2/my/profile", &token).await;
    assert_eq!(profile["info"]["birthday"], "1990-05-15T00:00:00+00:00");
    // A PUT that leaves it out keeps it.
    let (status, body) = b2core(reqwest::Method::PUT, r#"{"nickname": "Put"}"#).await;
    assert_eq!(
        (status, &body["info"]["birthday"]),
        (200, &json!("1990-05-15T00:00:00+00:00"))
    );
    let (_, tss_profile) = server.get_json("/api/user/profile", &token).await;
    assert_eq!(tss_profile["birthdate"], "1990-05-15");
    assert_eq!(tss_profile["disable_birthdate"], true);

    // The back office corrects it; for the customer it stays final.
    let id = profile["id"].as_i64().unwrap();
    let path = format!("/admin/v1/customers/{id}");
    let (status, customer) = server
        .admin(
            reqwest::Method::PATCH,
            &path,
            Some(json!({"birthday": "1991-06-16"})),
        )
        .await;
    assert_eq!(
        (status, &customer["birthday"]),
        (200, &json!("1991-06-16")),
        "{customer}"
    );
    let (status, _) = b2core(reqwest::Method::PATCH, r#"{"info": {"birthday": "1992-07-17"}}"#).await;
    assert_eq!(status, 400);
    for (body, field) in [
        (json!({"birthday": "someday"}), "birthday"),
        (json!({"email": "x@example.com"}), "email"),
        (json!({"shoe": 1}), "shoe"),
    ] {
        let (status, problem) = server.admin(reqwest::Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, 400, "{problem}");
        assert!(problem["errors"][field].is_array(), "{problem}");
    }
    // A number the back office sets is a transition like any, audited with the admin as actor.
    let (status, customer) = server
        .admin(
            reqwest::Method::PATCH,
            &path,
            Some(json!({"phone": "+14155550177"})),
        )
        .await;
    assert_eq!(
        (status, &customer["phone"]),
        (200, &json!("+14155550177")),
        "{customer}"
    );
    let (_, audit) = server
        .admin(reqwest::Method::GET, "/admin/v1/audit?kind=phone_changed", None)
        .await;
    let actors: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["actor"])
        .collect();
    assert_eq!(actors, [&json!("admin")], "{audit}");
    let (_, corrected) = server
        .admin(
            reqwest::Method::GET,
            "/admin/v1/audit?kind=profile_corrected",
            None,
        )
        .await;
    let entries = corrected["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "the birthday and the number: {corrected}");
    assert!(entries.iter().all(|e| e["actor"] == "admin"), "{corrected}");
}

async fn an_activation_mail_carries_no_name_the_sender_chose(server: Server, smtp: SmtpSink) {
    let email = unique_email("victim");
    let lure = "URGENT Callzebra Visitquokka";
    let (status, _) = post(
        &server,
        "/customers/signup",
        json!({"email": email, "name": lure}),
    )
    .await;
    assert_eq!(status, 202);
    let mail = smtp.wait_for(&email, "Activate your account", WAIT);
    for word in lure.split_whitespace() {
        assert!(
            !mail.text.contains(word),
            "{word} in the activation mail:\n{}",
            mail.text
        );
        assert!(!mail.html.contains(word), "{word} in the activation mail's HTML");
    }
}
