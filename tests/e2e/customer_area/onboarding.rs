//! Signing up, being invited and activating, with the secret read from the mail.

use super::*;

crate::on_both_backends_with_mail!(
    signup_activation_and_sign_in,
    twenty_concurrent_activations_one_success,
    five_wrong_tries_lock_and_asking_again_does_not_reset_them,
    the_back_office_invites_and_reads_the_outbox_masked,
);

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
    // The refusal speaks of what the customer holds: the mailed link.
    assert_eq!(problem["title"], "Invalid Link", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().starts_with("This link"),
        "{problem}"
    );
    // An unknown tenant on a route without credentials is told as such, not as a token.
    let response = server
        .http
        .post(server.url("/customers/activate"))
        .header("tenant", "no-such-tenant")
        .json(&json!({"identifier": identifier, "secret": "x", "password": "a good passphrase", "password_check": "a good passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers().contains_key("www-authenticate"),
        "a 401 names a challenge"
    );
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("`tenant` header"),
        "{problem}"
    );
    // On a route that takes a customer's token, an unknown tenant is answered as a bad token:
    // nothing tells a tenant that exists from one that does not.
    let (_, _, token) = server.signed_in_customer().await;
    let refused = |tenant: Option<&'static str>, token: String| {
        let mut request = server.http.get(server.url("/customers/self")).bearer_auth(token);
        if let Some(tenant) = tenant {
            request = request.header("tenant", tenant);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let mut body: Value = response.json().await.unwrap();
            body.as_object_mut().unwrap().remove("instance");
            (status, body)
        }
    };
    let unknown_tenant = refused(Some("no-such-tenant"), token.clone()).await;
    let bad_token = refused(None, format!("{token}x")).await;
    assert_eq!(unknown_tenant.0, 401);
    assert_eq!(unknown_tenant, bad_token);
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
