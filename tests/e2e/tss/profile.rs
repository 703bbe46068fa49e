//! The TSS profile: what the back office posted, the seed's edit and its rules, one number for one customer.

use super::*;

crate::on_both_backends_with_mail!(
    the_profile_shows_what_the_back_office_posted,
    the_seed_edit_applies_and_the_rules_hold,
    twenty_customers_claiming_one_number_one_wins,
);

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
            json!({"kind": "tss_money", "amount": 100, "expiresOn": in_days(30)}),
            "m-1",
        ),
        (
            json!({"kind": "tss_money", "amount": "600.00", "expiresOn": in_days(150)}),
            "m-2",
        ),
        (
            json!({"kind": "tss_points", "amount": 1250, "expiresOn": in_days(60)}),
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
            json!({"kind": "cashback", "amount": -1, "expiresOn": in_days(3), "reference": "x"}),
            "expiresOn",
        ),
        (
            json!({"kind": "cashback", "amount": 1, "expiresOn": "30/04/2026", "reference": "x"}),
            "expiresOn",
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
        let order = json!({"reference": reference, "amount": amount, "status": status, "placedAt": "2026-11-30T10:00:00Z"});
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
    assert_eq!(listing["balances"]["tssMoney"]["spendable"], 500.0, "{listing}");
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
