//! TSS change-password: this device stays signed in, the others are signed out; a wrong old password is named and counted.

use super::*;

crate::on_both_backends_with_mail!(
    change_password_keeps_this_device_and_signs_out_the_others,
    a_wrong_old_password_is_named_and_counted,
);

async fn change_password_keeps_this_device_and_signs_out_the_others(server: Server, smtp: SmtpSink) {
    let (email, password, token) = server.signed_in_customer().await;
    let other_device = server.login(&email, &password).await;
    // A reset code asked for before the change stops working after it.
    let (status, _) = post(
        &server,
        "/customers/password_reset",
        json!({"email": email, "reset_uri": "/customers/do_reset"}),
    )
    .await;
    assert_eq!(status, 200);
    let code = smtp
        .wait_for(&email, "Reset your password", WAIT)
        .line("Code")
        .unwrap();

    let new_password = "NewPassword456-horse";
    let (status, body) = change_password(
        &server,
        &token,
        json!({"old_password": password, "password": new_password}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"msg": "Password Updated"})));
    assert_eq!(
        server.get_json("/customers/self", &token).await.0,
        200,
        "this device stays"
    );
    assert_eq!(
        server.get_json("/customers/self", &other_device).await.0,
        401,
        "the others are out"
    );
    assert_eq!(
        server.login_status(&email, &password).await,
        401,
        "the old password is gone"
    );
    assert_eq!(server.login_status(&email, new_password).await, 200);
    let (status, _) = post(
        &server,
        "/customers/do_reset",
        json!({"email": email, "code": code}),
    )
    .await;
    assert_eq!(status, 400, "the reset code asked for before the change is void");
    let notice = smtp.wait_for(&email, "Your password was changed", WAIT);
    assert!(!notice.text.contains(new_password) && !notice.text.contains(&password));
    assert!(!server.log().contains(new_password), "no password in the log");
    let (_, trail) = status_and_json(
        server
            .http
            .get(server.url("/admin/v1/audit?kind=password_changed"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(trail["entries"].as_array().unwrap().len(), 1, "{trail}");
    assert_eq!(trail["entries"][0]["actor"], "customer");

    // The new password goes through the activation policy; the same one again is refused.
    for (weak, why) in [
        ("short", "too short"),
        ("password", "too common"),
        (new_password, "unchanged"),
    ] {
        let (status, problem) = change_password(
            &server,
            &token,
            json!({"old_password": new_password, "password": weak}),
        )
        .await;
        assert_eq!(status, 400, "{why}: {problem}");
        assert!(problem["errors"]["password"].is_array(), "{why}: {problem}");
    }
    // Shapes: missing and mistyped fields are named; unknown ones too.
    let (status, problem) = change_password(&server, &token, json!({"password": 5, "extra": true})).await;
    assert_eq!(status, 400);
    assert!(
        problem["errors"]["password"].is_array() && problem["errors"]["extra"].is_array(),
        "{problem}"
    );
    let (status, problem) =
        change_password(&server, &token, json!({"password": "Another-long-one-77"})).await;
    assert_eq!(status, 400);
    assert!(problem["errors"]["old_password"].is_array(), "{problem}");
    let response = server
        .http
        .post(server.url("/api/user/change-password"))
        .json(&json!({"old_password": new_password, "password": "Another-long-one-77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no token, no change");
}

async fn a_wrong_old_password_is_named_and_counted(server: Server, _smtp: SmtpSink) {
    let (email, password, token) = server.signed_in_customer().await;
    for _ in 0..9 {
        let (status, problem) = change_password(
            &server,
            &token,
            json!({"old_password": "not-the-password", "password": "NewPassword456-horse"}),
        )
        .await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(
            problem["errors"]["old_password"],
            json!(["is not your current password"]),
            "{problem}"
        );
    }
    // The tenth wrong password in all, typed at sign-in, locks the account as ten sign-ins would.
    assert_eq!(server.login_status(&email, "not-the-password").await, 401);
    assert_eq!(
        server.login_status(&email, &password).await,
        401,
        "wrong old passwords count toward the lockout"
    );
    let (status, problem) = change_password(
        &server,
        &token,
        json!({"old_password": password, "password": "NewPassword456-horse"}),
    )
    .await;
    assert_eq!(status, 400, "locked: refused without a check: {problem}");
}
