//! TSS user profile (seed 003): the profile with its wallet and orders, change-password.

use std::time::Duration;

use clientele_e2e::{post, status_and_json, Server, ADMIN_TOKEN};
use clientele_testkit::SmtpSink;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);

crate::on_both_backends_with_mail!(
    change_password_keeps_this_device_and_signs_out_the_others,
    a_wrong_old_password_is_named_and_counted,
    the_profile_shows_what_the_back_office_posted,
    the_seed_edit_applies_and_the_rules_hold,
    twenty_customers_claiming_one_number_one_wins,
);

crate::on_both_backends_by_hand!(
    two_factor_changes_wait_for_the_texted_code,
    codes_survive_a_gateway_outage_work_once_and_expire
);

async fn change_password(server: &Server, token: &str, body: Value) -> (u16, Value) {
    // As the seed's curl does it.
    server.post_as(token, "/api/user/change-password", &body).await
}

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

async fn admin(server: &Server, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    server.admin(method, path, body).await
}

fn in_days(days: i64) -> String {
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{day}")
}

async fn the_profile_shows_what_the_back_office_posted(server: Server, _smtp: SmtpSink) {
    use reqwest::Method;
    let (status, _) = admin(
        &server,
        Method::PATCH,
        "/admin/v1/tenants/default",
        Some(json!({"settings": {"phoneRegion": "IN"}})),
    )
    .await;
    assert_eq!(status, 200);
    let email = format!("t{}@example.com", uuid::Uuid::new_v4().simple());
    let password = "John's long password 7";
    let created = server
        .create_customer(
            &email,
            password,
            json!({"firstName": "John", "lastName": "Doe", "phone": "+919876543210", "birthday": "1990-05-15"}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let token = server.login(&email, password).await;

    // Nothing posted yet: zeros, and nothing expires.
    let (status, profile) = server.get_json("/api/user/profile?platform=web", &token).await;
    assert_eq!(status, 200, "{profile}");
    let keys: Vec<&str> = profile.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "user_id",
        "firstname",
        "lastname",
        "email",
        "telephone",
        "gender",
        "birthdate",
        "cashback",
        "tss_money",
        "tss_points",
        "next_Tss_Money_To_Expire",
        "tss_money_expiry",
        "next_Tss_Point_To_Expire",
        "tss_point_expiry",
        "order_count",
        "total_spending",
        "successful_orders",
        "disable_birthdate",
        "has_password",
        "is_two_fa",
        "referal_code",
    ];
    let mut keys = keys;
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(profile["user_id"], id);
    assert_eq!(
        profile["telephone"], "9876543210",
        "national form in the tenant's region"
    );
    assert_eq!(profile["birthdate"], "1990-05-15");
    assert_eq!(
        (profile["has_password"].clone(), profile["is_two_fa"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(profile["cashback"], 0.0);
    assert_eq!(profile["tss_money_expiry"], Value::Null);
    let code = profile["referal_code"].as_str().unwrap().to_owned();
    assert!(
        code.len() == 8 && code.starts_with("JOHN") && code[4..].bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    assert_eq!(
        server.get_json("/api/user/profile", &token).await.1["referal_code"],
        code.as_str(),
        "made once"
    );

    // The back office feeds the wallet; references make posts idempotent.
    let wallet = format!("/admin/v1/customers/{id}/wallet");
    let credit = json!({"kind": "cashback", "amount": 150.50, "reference": "c-1"});
    let first = admin(&server, Method::POST, &wallet, Some(credit.clone())).await;
    assert_eq!(first.0, 201);
    let again = admin(&server, Method::POST, &wallet, Some(credit)).await;
    assert_eq!(
        again, first,
        "a retried post changes nothing and reads as the first"
    );
    let (status, problem) = admin(
        &server,
        Method::POST,
        &wallet,
        Some(json!({"kind": "cashback", "amount": 1, "reference": "c-1"})),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    for (entry, reference) in [
        (
            json!({"kind": "tss_money", "amount": 100, "expires_on": in_days(30)}),
            "m-1",
        ),
        (
            json!({"kind": "tss_money", "amount": "600.00", "expires_on": in_days(150)}),
            "m-2",
        ),
        (
            json!({"kind": "tss_points", "amount": 1250, "expires_on": in_days(60)}),
            "p-1",
        ),
        (json!({"kind": "tss_money", "amount": -200}), "d-1"),
    ] {
        let mut body = entry.clone();
        body["reference"] = json!(reference);
        let (status, posted) = admin(&server, Method::POST, &wallet, Some(body)).await;
        assert_eq!(status, 201, "{entry}: {posted}");
    }
    let (status, problem) = admin(
        &server,
        Method::POST,
        &wallet,
        Some(json!({"kind": "tss_money", "amount": -10000, "reference": "d-2"})),
    )
    .await;
    assert_eq!(status, 409, "more than can be spent: {problem}");
    for (bad, field) in [
        (json!({"kind": "gold", "amount": 1, "reference": "x"}), "kind"),
        (
            json!({"kind": "cashback", "amount": 1.234, "reference": "x"}),
            "amount",
        ),
        (
            json!({"kind": "cashback", "amount": 0, "reference": "x"}),
            "amount",
        ),
        (
            json!({"kind": "cashback", "amount": -1, "expires_on": in_days(3), "reference": "x"}),
            "expires_on",
        ),
        (
            json!({"kind": "cashback", "amount": 1, "expires_on": "30/04/2026", "reference": "x"}),
            "expires_on",
        ),
        (json!({"kind": "cashback", "amount": 1}), "reference"),
    ] {
        let (status, problem) = admin(&server, Method::POST, &wallet, Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {problem}");
        assert!(problem["errors"][field].is_array(), "{bad}: {problem}");
    }

    // Orders: all counted, completed ones summed.
    let orders = format!("/admin/v1/customers/{id}/orders");
    for (reference, amount, status) in [
        ("A-1", 450.00, "completed"),
        ("A-2", 44550.00, "completed"),
        ("A-3", 10.0, "placed"),
    ] {
        let order = json!({"reference": reference, "amount": amount, "status": status, "placed_at": "2026-11-30T10:00:00Z"});
        let first = admin(&server, Method::POST, &orders, Some(order.clone())).await;
        assert_eq!(first.0, 201);
        assert_eq!(admin(&server, Method::POST, &orders, Some(order)).await, first);
    }
    let (status, patched) = admin(
        &server,
        Method::PATCH,
        &format!("{orders}/A-3"),
        Some(json!({"status": "cancelled"})),
    )
    .await;
    assert_eq!((status, &patched["status"]), (200, &json!("cancelled")));
    assert_eq!(
        admin(
            &server,
            Method::PATCH,
            &format!("{orders}/nope"),
            Some(json!({"status": "returned"}))
        )
        .await
        .0,
        404
    );

    let (_, profile) = server.get_json("/api/user/profile", &token).await;
    assert_eq!(profile["cashback"], 150.5);
    // 100 expiring in 30 days and 100 of the 600 were spent, first to expire first.
    assert_eq!(profile["tss_money"], 500.0);
    assert_eq!(profile["next_Tss_Money_To_Expire"], 500.0);
    assert_eq!(profile["tss_money_expiry"], in_days(150).as_str());
    assert_eq!(profile["tss_points"], 1250.0);
    assert_eq!(profile["next_Tss_Point_To_Expire"], 1250.0);
    assert_eq!(profile["tss_point_expiry"], in_days(60).as_str());
    assert_eq!(
        (
            profile["order_count"].clone(),
            profile["successful_orders"].clone(),
            profile["total_spending"].clone()
        ),
        (json!(3), json!(2), json!(45000.0))
    );
    let (_, listing) = admin(&server, Method::GET, &wallet, None).await;
    assert_eq!(listing["balances"]["tss_money"]["spendable"], 500.0, "{listing}");
    assert_eq!(listing["entries"].as_array().unwrap().len(), 5);

    // Only the back office posts; only the customer's own profile is shown.
    let response = server
        .http
        .post(server.url(&wallet))
        .json(&json!({"kind": "cashback", "amount": 1, "reference": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(server.get_json("/api/user/profile", "not a token").await.0, 401);
    let missing = "/admin/v1/customers/11111111111111/wallet";
    assert_eq!(
        admin(
            &server,
            Method::POST,
            missing,
            Some(json!({"kind": "cashback", "amount": 1, "reference": "x"}))
        )
        .await
        .0,
        404
    );
}

/// The default tenant reads national numbers as Indian ones, as the seed's `9876543210`.
pub(crate) async fn in_india(server: &Server) {
    let (status, _) = admin(
        server,
        reqwest::Method::PATCH,
        "/admin/v1/tenants/default",
        Some(json!({"settings": {"phoneRegion": "IN"}})),
    )
    .await;
    assert_eq!(status, 200);
}

async fn post_profile(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.post_as(token, "/api/user/profile", &body).await
}

async fn the_seed_edit_applies_and_the_rules_hold(server: Server, _smtp: SmtpSink) {
    in_india(&server).await;
    let (email, _, token) = server.signed_in_customer().await;
    // The seed's example, verbatim.
    let seed = json!({"firstname": "John", "lastname": "Doe", "gender": "male",
                      "birthdate": "1990-05-15", "telephone": "9876543210"});
    let (status, profile) = post_profile(&server, &token, seed.clone()).await;
    assert_eq!(status, 200, "{profile}");
    for (field, value) in [
        ("firstname", json!("John")),
        ("lastname", json!("Doe")),
        ("gender", json!("male")),
        ("birthdate", json!("1990-05-15")),
        ("telephone", json!("9876543210")),
        ("email", json!(email)),
        ("disable_birthdate", json!(true)),
    ] {
        assert_eq!(profile[field], value, "{field}: {profile}");
    }
    assert!(
        profile["cashback"].is_number() && profile["referal_code"].is_string(),
        "{profile}"
    );
    assert_eq!(
        server.get_json("/api/user/profile", &token).await.1,
        profile,
        "GET reads the same"
    );

    // The birthdate is locked once set: the same date or the marker pass, another is refused.
    let (status, _) = post_profile(&server, &token, seed.clone()).await;
    assert_eq!(status, 200, "the same edit again");
    let mut marker = seed.clone();
    marker["birthdate"] = json!("0000-00-00");
    let (status, profile) = post_profile(&server, &token, marker).await;
    assert_eq!((status, &profile["birthdate"]), (200, &json!("1990-05-15")));
    let mut other_day = seed.clone();
    other_day["birthdate"] = json!("1991-01-01");
    other_day["firstname"] = json!("Johnny");
    let (status, problem) = post_profile(&server, &token, other_day).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"]["birthdate"].is_array(), "{problem}");
    assert_eq!(
        server.get_json("/api/user/profile", &token).await.1["firstname"],
        "John",
        "nothing of a refused edit is applied"
    );

    // Markup and control characters go; the rest of the rules name their fields.
    let mut marked_up = seed.clone();
    marked_up["firstname"] = json!("<b>Jane</b>\u{0007}");
    marked_up["telephone"] = json!("+91 98765 43210");
    let (status, profile) = post_profile(&server, &token, marked_up).await;
    assert_eq!(
        (status, &profile["firstname"], &profile["telephone"]),
        (200, &json!("Jane"), &json!("9876543210"))
    );
    for (field, bad) in [
        ("gender", json!("robot")),
        ("telephone", json!("12345")),
        ("birthdate", json!("15/05/1990")),
        ("firstname", json!("<i></i>")),
        ("email", json!("not an address")),
    ] {
        let mut body = seed.clone();
        body[field] = bad.clone();
        let (status, problem) = post_profile(&server, &token, body).await;
        assert_eq!(status, 400, "{field} {bad}: {problem}");
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let (status, problem) =
        post_profile(&server, &token, json!({"firstname": "John", "nickname": "J"})).await;
    assert_eq!(status, 400);
    for field in ["lastname", "gender", "birthdate", "telephone", "nickname"] {
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    // An email in use stays; another one goes through the confirmed email change.
    let mut same_email = seed.clone();
    same_email["email"] = json!(email.to_uppercase());
    assert_eq!(post_profile(&server, &token, same_email).await.0, 200);
    let mut new_email = seed.clone();
    new_email["email"] = json!("someone.else@example.com");
    let (status, problem) = post_profile(&server, &token, new_email).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"]["email"].is_array(), "{problem}");

    // A number another customer holds: 409 naming it.
    let (_, _, other) = server.signed_in_customer().await;
    let mut taken = seed.clone();
    taken["firstname"] = json!("Other");
    let (status, problem) = post_profile(&server, &other, taken).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["errors"]["telephone"].is_array(), "{problem}");
}

async fn twenty_customers_claiming_one_number_one_wins(server: Server, _smtp: SmtpSink) {
    in_india(&server).await;
    let mut tokens = Vec::new();
    for _ in 0..20 {
        tokens.push(server.signed_in_customer().await.2);
    }
    let claim = json!({"firstname": "Racer", "lastname": "Doe", "gender": "other",
                       "birthdate": "0000-00-00", "telephone": "9812345678"});
    let answers =
        futures_util::future::join_all(tokens.iter().map(|t| post_profile(&server, t, claim.clone()))).await;
    let won = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(won, 1, "{answers:?}");
    assert!(answers.iter().all(|(s, _)| [200, 409].contains(s)), "{answers:?}");
}

async fn two_factor(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.post_as(token, "/api/user/profile/2fa", &body).await
}

async fn verify_otp(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.post_as(token, "/api/user/profile/verify-otp", &body).await
}

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
    let (status, _) = verify_otp(&server, &token, json!({"telephone": "9876543210", "otp": wrong})).await;
    assert_eq!(status, 400);
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
