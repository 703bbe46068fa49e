//! One address gets at most the send limit's messages, whoever asks.

use super::*;

crate::on_both_backends_by_hand!(one_address_gets_at_most_the_send_limit,);

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
