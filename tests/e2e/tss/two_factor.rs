//! TSS two-factor changes: held for the texted code, which survives a gateway outage, works once and expires.

use super::*;

crate::on_both_backends_by_hand!(
    two_factor_changes_wait_for_the_texted_code,
    codes_survive_a_gateway_outage_work_once_and_expire,
);

/// Turning two-factor on, changing the number with it on, and turning it off: each waits for a
/// code texted through a real HTTP gateway; a changed number replaces every session.
async fn two_factor_changes_wait_for_the_texted_code(backend: clientele_e2e::Backend) {
    let Some(storage) = clientele_e2e::Storage::new(backend) else {
        return;
    };
    let sms = clientele_testkit::SmsSink::start().await;
    let server = Server::start(&storage, &[("CLIENTELE_SMS_URL", &sms.url())]);
    in_india(&server).await;
    let (email, password, token) = server.signed_in_customer().await;
    let other_device = server.login(&email, &password).await;
    let seed = json!({"firstname": "John", "lastname": "Doe", "gender": "male",
                      "birthdate": "1990-05-15", "telephone": "9876543210"});
    assert_eq!(post_profile(&server, &token, seed.clone()).await.0, 200);

    // Nothing about the number or the switch changes: applied at once.
    let mut unchanged = seed.clone();
    unchanged["is_two_fa"] = json!(false);
    unchanged["lastname"] = json!("Doe-Smith");
    let (status, answer) = two_factor(&server, &token, unchanged).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (
            &answer["is_profile_updated"],
            &answer["is_otp_sent"],
            &answer["valid_token_count"]
        ),
        (&json!(true), &json!(false), &json!(2)),
        "{answer}"
    );

    // The number the profile edit set (two-factor off) was told to the address, once.
    let notices = |log: &str| log.matches("Your phone number was changed").count();
    let phone_notices = notices(&server.log_once_it_holds("Your phone number was changed"));
    assert_eq!(phone_notices, 1);

    // Turning it on: the seed's answer, and a code to the number.
    let mut on = seed.clone();
    on["is_two_fa"] = json!(true);
    let (status, answer) = two_factor(&server, &token, on.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"telephone": "9876543210", "is_otp_sent": true, "message": "OTP Sent successfully!",
               "disable_birthdate": true})
    );
    let wait = Duration::from_secs(15);
    let code = sms.nth_code("+919876543210", 1, wait).await;
    assert_eq!(code.len(), 6);
    let (status, problem) = two_factor(&server, &token, on.clone()).await;
    assert_eq!(status, 429, "asking again at once sends nothing: {problem}");
    assert_eq!(
        server.get_json("/api/user/profile", &token).await.1["is_two_fa"],
        0,
        "held"
    );
    let wrong = if code == "999999" { "111111" } else { "999999" };
    let (status, problem) =
        verify_otp(&server, &token, json!({"telephone": "9876543210", "otp": wrong})).await;
    assert_eq!(status, 400);
    // The refusal speaks of the texted code.
    assert_eq!(
        (
            &problem["title"],
            problem["detail"].as_str().map(|d| d.starts_with("This code"))
        ),
        (&json!("Invalid Code"), Some(true)),
        "{problem}"
    );
    let (status, _) = verify_otp(&server, &token, json!({"telephone": "9812345670", "otp": code})).await;
    assert_eq!(status, 400, "bound to the number it went to");
    let (status, verified) =
        verify_otp(&server, &token, json!({"telephone": "9876543210", "otp": code})).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(
        (
            &verified["is_two_fa"],
            &verified["access_token"],
            &verified["valid_token_count"],
            &verified["lastname"]
        ),
        (&json!(1), &json!(token), &json!(2), &json!("Doe")),
        "the whole held edit applies; the number did not change: the token in hand stays"
    );
    let (status, _) = verify_otp(&server, &token, json!({"telephone": "9876543210", "otp": code})).await;
    assert_eq!(status, 400, "used once");
    // Without an SMTP server, mail goes to the log: the notice, and no word of a number change.
    let log = server.log_once_it_holds("Two-step sign-in is on");
    assert!(
        log.contains("Two-step sign-in is on"),
        "a notice to the address:\n{log}"
    );
    assert_eq!(notices(&log), phone_notices, "{log}");

    // With it on, a new number through the plain profile edit: the rest applies, the number waits.
    let mut moved = seed.clone();
    moved["telephone"] = json!("9812345670");
    moved["firstname"] = json!("Johnny");
    let (status, profile) = post_profile(&server, &token, moved).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(
        (
            &profile["firstname"],
            &profile["telephone"],
            &profile["is_otp_sent"]
        ),
        (&json!("Johnny"), &json!("9876543210"), &json!(true))
    );
    let code = sms.nth_code("+919812345670", 1, wait).await;
    let (status, verified) =
        verify_otp(&server, &token, json!({"telephone": "9812345670", "otp": code})).await;
    assert_eq!(status, 200, "{verified}");
    let new_token = verified["access_token"].as_str().unwrap().to_owned();
    assert_ne!(new_token, token);
    let log = server.log_once_it_holds("Your phone number was changed");
    assert!(log.contains("Your phone number was changed"), "{log}");
    assert_eq!(verified["telephone"], "9812345670");
    assert_eq!(verified["valid_token_count"], 1, "{verified}");
    for old in [&token, &other_device] {
        assert_eq!(
            server.get_json("/api/user/profile", old).await.0,
            401,
            "signed out"
        );
    }
    assert_eq!(
        server.get_json("/api/user/profile", &new_token).await.1["telephone"],
        "9812345670"
    );

    // Turning it off: the code goes to the current number; five wrong tries lock it.
    let mut off = seed.clone();
    off["telephone"] = json!("9812345670");
    off["is_two_fa"] = json!(false);
    let (status, answer) = two_factor(&server, &new_token, off).await;
    assert_eq!(
        (status, &answer["telephone"]),
        (200, &json!("9812345670")),
        "{answer}"
    );
    let code = sms.nth_code("+919812345670", 2, wait).await;
    let wrong = if code == "999999" { "111111" } else { "999999" };
    for _ in 0..5 {
        let (status, _) = verify_otp(
            &server,
            &new_token,
            json!({"telephone": "9812345670", "otp": wrong}),
        )
        .await;
        assert_eq!(status, 400);
    }
    let (status, problem) = verify_otp(
        &server,
        &new_token,
        json!({"telephone": "9812345670", "otp": code}),
    )
    .await;
    assert_eq!(status, 429, "locked even for the right code: {problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .ends_with("once it has expired."),
        "a locked code cannot be replaced before it expires: {problem}"
    );
    assert_eq!(
        server.get_json("/api/user/profile", &new_token).await.1["is_two_fa"],
        1
    );

    // The texts carry the code on its own line and nothing else secret; the log has no code.
    for text in sms.texts_to("+919812345670").await {
        assert!(text.contains("\nCode: "), "{text}");
    }
    assert!(!server.log().contains(&code), "no code in the log");

    // Two-factor sign-in: the right password answers a challenge and texts a code.
    let login = |password: String| {
        let (server, email) = (&server, email.clone());
        async move {
            let response = server
                .http
                .post(server.url("/customers/login"))
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap();
            status_and_json(response).await
        }
    };
    let (status, challenged) = login(password.clone()).await;
    assert_eq!(status, 202, "{challenged}");
    assert_eq!(
        (&challenged["otp_required"], &challenged["telephone"]),
        (&json!(true), &json!("••••••5670"))
    );
    assert!(challenged.get("token").is_none());
    let challenge = challenged["challenge"].as_str().unwrap().to_owned();
    let code = sms.nth_code("+919812345670", 3, wait).await;
    let (status, again) = login(password.clone()).await;
    assert_eq!(
        (status, &again["challenge"]),
        (202, &json!(challenge)),
        "the same challenge, no new text"
    );
    server.wait_until_outbox_drained().await;
    assert_eq!(sms.texts_to("+919812345670").await.len(), 3);
    assert_eq!(login("not the password".into()).await.0, 401);
    let redeem = |otp: String| {
        let (server, challenge) = (&server, challenge.clone());
        async move {
            let response = server
                .http
                .post(server.url("/customers/login/verify-otp"))
                .json(&json!({"challenge": challenge, "otp": otp}))
                .send()
                .await
                .unwrap();
            status_and_json(response).await
        }
    };
    let failures = || async {
        let (_, trail) = admin(
            &server,
            reqwest::Method::GET,
            "/admin/v1/audit?kind=sign_in_failed",
            None,
        )
        .await;
        trail["entries"].as_array().unwrap().len()
    };
    let before = failures().await;
    let wrong = if code == "999999" { "111111" } else { "999999" };
    assert_eq!(redeem(wrong.into()).await.0, 400);
    assert_eq!(
        failures().await,
        before + 1,
        "a wrong code counts toward the sign-in lockout"
    );
    let (status, signed_in) = redeem(code.clone()).await;
    assert_eq!(status, 200, "{signed_in}");
    let token = signed_in["token"].as_str().unwrap();
    assert_eq!(server.get_json("/api/user/profile", token).await.0, 200);
    assert_eq!(redeem(code).await.0, 400, "a challenge signs in once");

    // While two-factor is on, the number changes only with a code, on every surface.
    let response = server
        .http
        .patch(server.url("/customers/self"))
        .bearer_auth(token)
        .json(&json!({"phone": "+14155550199"}))
        .send()
        .await
        .unwrap();
    let (status, problem) = status_and_json(response).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"]["phone"].is_array(), "{problem}");

    // A challenge proven with a password that has changed since is gone with it.
    let (status, pending) = login(password.clone()).await;
    assert_eq!(status, 202);
    sms.nth_code("+919812345670", 4, wait).await;
    let new_password = "A fresh password 2024";
    let (status, _) = change_password(
        &server,
        token,
        json!({"old_password": password, "password": new_password}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, fresh) = login(new_password.into()).await;
    assert_eq!(status, 202, "{fresh}");
    assert_ne!(
        fresh["challenge"], pending["challenge"],
        "a new challenge, not the cancelled one"
    );
    sms.nth_code("+919812345670", 5, wait).await;
}

/// The gateway is down for the first two tries: the request still succeeds and the code
/// arrives once it is back. Twenty confirmations at once: one wins. A code past its lifetime
/// is a 410 (the service runs in-process, its clock moved past the lifetime).
async fn codes_survive_a_gateway_outage_work_once_and_expire(backend: clientele_e2e::Backend) {
    let Some(storage) = clientele_e2e::Storage::new(backend) else {
        return;
    };
    let sms = clientele_testkit::SmsSink::failing_first(2).await;
    let server = Server::start_in_process(
        &storage,
        &[
            ("CLIENTELE_SMS_URL", &sms.url()),
            ("CLIENTELE_DELIVERY_RETRY_SECS", "1"),
            ("CLIENTELE_CODE_TTL_SECS", "60"),
            ("CLIENTELE_CODE_RESEND_SECS", "1"),
        ],
    );
    in_india(&server).await;
    let (_, _, token) = server.signed_in_customer().await;
    let mut on = json!({"firstname": "John", "lastname": "Doe", "gender": "male",
                        "birthdate": "0000-00-00", "telephone": "9876543210", "is_two_fa": true});
    let (status, answer) = two_factor(&server, &token, on.clone()).await;
    assert_eq!(
        (status, &answer["is_otp_sent"]),
        (200, &json!(true)),
        "the gateway being down fails nothing"
    );
    let code = sms.nth_code("+919876543210", 1, Duration::from_secs(20)).await;

    let tries = (0..20).map(|_| verify_otp(&server, &token, json!({"telephone": "9876543210", "otp": code})));
    let answers = futures_util::future::join_all(tries).await;
    let won = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(won, 1, "{answers:?}");
    // The others: the code used (400), the tries used up (429), or the caller's token already
    // signed out by the winner's change of number (401).
    assert!(
        answers.iter().all(|(s, _)| [200, 400, 401, 429].contains(s)),
        "{answers:?}"
    );
    // The number was new: the winner's answer carries the token to use from now on.
    let winner = answers.iter().find(|(s, _)| *s == 200).unwrap();
    let token = winner.1["access_token"].as_str().unwrap().to_owned();

    on["is_two_fa"] = json!(false);
    let (status, _) = two_factor(&server, &token, on.clone()).await;
    assert_eq!(status, 200);
    let code = sms.nth_code("+919876543210", 2, Duration::from_secs(20)).await;
    server.clock().advance(Duration::from_secs(61));
    let (status, problem) =
        verify_otp(&server, &token, json!({"telephone": "9876543210", "otp": code})).await;
    assert_eq!(status, 410, "{problem}");
    assert_eq!(
        server.get_json("/api/user/profile", &token).await.1["is_two_fa"],
        1,
        "nothing applied"
    );

    // Asked again, in time: off, and the customer hears of it.
    let (status, _) = two_factor(&server, &token, on).await;
    assert_eq!(status, 200);
    let code = sms.nth_code("+919876543210", 3, Duration::from_secs(20)).await;
    let (status, verified) =
        verify_otp(&server, &token, json!({"telephone": "9876543210", "otp": code})).await;
    assert_eq!((status, &verified["is_two_fa"]), (200, &json!(0)), "{verified}");
    let log = server.log_once_it_holds("Two-step sign-in is off");
    assert!(log.contains("Two-step sign-in is off"), "{log}");
}
