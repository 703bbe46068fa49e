//! A signed-in customer edits themself, changes their address, resets a forgotten password, and closes the account.

use super::*;

crate::on_both_backends_with_mail!(
    email_change_takes_effect_only_when_confirmed,
    password_reset_mails_a_code_and_do_reset_returns_the_passphrase,
    deleting_the_account_erases_it_and_frees_the_address,
    concurrent_self_edits_of_different_fields_are_both_kept,
    a_new_phone_number_is_told_to_the_address,
    a_waiting_email_change_is_shown_and_withdrawn,
);

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

async fn a_waiting_email_change_is_shown_and_withdrawn(server: Server, smtp: SmtpSink) {
    let (email, _, token) = server.signed_in_customer().await;
    let (status, _) = server.get_json("/customers/self/pending-email", &token).await;
    assert_eq!(status, 404, "nothing waits");
    let (_, profile) = server.get_json("/api/v2/my/profile", &token).await;
    assert!(profile.get("pendingEmail").is_none(), "{profile}");

    let new_email = unique_email();
    let (status, body) = patch_self(&server, &token, json!({"email": new_email})).await;
    assert_eq!(status, 200, "{body}");
    let key_mail = smtp.wait_for(&new_email, "Confirm your new email address", WAIT);
    let (status, pending) = server.get_json("/customers/self/pending-email", &token).await;
    assert_eq!(status, 200, "{pending}");
    assert_eq!(pending["pendingEmail"], new_email.as_str());
    let expires = pending["expiresAt"].as_str().unwrap().to_owned();
    let (_, profile) = server.get_json("/api/v2/my/profile", &token).await;
    assert_eq!(profile["pendingEmail"], new_email.as_str(), "{profile}");
    assert_eq!(profile["pendingEmailExpiresAt"], expires.as_str());
    assert_eq!(profile["email"], email.as_str());
    let (_, me) = get_self(&server, &token).await;
    assert!(
        me.get("pendingEmail").is_none(),
        "the seed's shape stays as it is: {me}"
    );

    let (status, body) = server
        .request(
            reqwest::Method::DELETE,
            "/customers/self/pending-email",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        server.get_json("/customers/self/pending-email", &token).await.0,
        404
    );
    let (_, profile) = server.get_json("/api/v2/my/profile", &token).await;
    assert!(profile.get("pendingEmail").is_none(), "{profile}");
    let confirm =
        json!({"identifier": key_mail.line("Identifier").unwrap(), "key": key_mail.line("Key").unwrap()});
    let (status, refused) = post(&server, "/customers/newemail_confirm", confirm).await;
    assert!(
        (400..500).contains(&status),
        "the withdrawn key works no more: {status} {refused}"
    );
    assert_eq!(get_self(&server, &token).await.1["email"], email.as_str());
    let (status, _) = server
        .request(
            reqwest::Method::DELETE,
            "/customers/self/pending-email",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 404, "nothing left to withdraw");
    audited_once(&server, "email_change_withdrawn", &[&new_email]).await;

    // The profile reads hold the waiting change in memory: a change locked by wrong keys, or
    // confirmed, is no longer shown.
    let shown = || async { server.get_json("/api/v2/my/profile", &token).await.1["pendingEmail"].clone() };
    let confirmed_email = unique_email();
    assert_eq!(
        patch_self(&server, &token, json!({"email": confirmed_email}))
            .await
            .0,
        200
    );
    let mail = smtp.wait_for(&confirmed_email, "Confirm your new email address", WAIT);
    assert_eq!(shown().await, confirmed_email.as_str());
    let confirm = json!({"identifier": mail.line("Identifier").unwrap(), "key": mail.line("Key").unwrap()});
    assert_eq!(post(&server, "/customers/newemail_confirm", confirm).await.0, 200);
    let (_, profile) = server.get_json("/api/v2/my/profile", &token).await;
    assert_eq!(profile["email"], confirmed_email.as_str());
    assert!(profile.get("pendingEmail").is_none(), "confirmed: {profile}");
    let locked_email = unique_email();
    assert_eq!(
        patch_self(&server, &token, json!({"email": locked_email}))
            .await
            .0,
        200
    );
    let mail = smtp.wait_for(&locked_email, "Confirm your new email address", WAIT);
    assert_eq!(shown().await, locked_email.as_str());
    let identifier = mail.line("Identifier").unwrap();
    for _ in 0..5 {
        let wrong = json!({"identifier": identifier, "key": "WRONGWRONGWRONG1"});
        post(&server, "/customers/newemail_confirm", wrong).await;
    }
    assert_eq!(shown().await, Value::Null, "locked: no longer waiting");
}
