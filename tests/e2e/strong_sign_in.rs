//! Strong sign-in through the real binary: an authenticator app enrolled with the secret the
//! service answers (codes computed here as an app would), recovery codes, the challenge's rules
//! (a spent step, five wrong answers), notices, the back office's removal, and a copy of the
//! database that cannot generate codes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clientele_e2e::{dump, Backend, Server, Storage};
use clientele_testkit::{SmsSink, SmtpSink};
use reqwest::Method;
use serde_json::{json, Value};
use totp_rs::{Builder, Secret};

crate::on_both_backends_by_hand!(
    an_authenticator_app_and_recovery_codes_sign_in_once_each,
    texted_codes_stand_beside_an_app_and_are_sent_only_when_asked_for,
);

/// Sensitive changes need a sign-in at most this old.
const REAUTH_SECS: u64 = 8;

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// The code an app with `secret` shows `steps` steps from now (negative: earlier).
pub(crate) fn code(secret: &str, steps: i64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let at = unix_now() as i64 + steps * 30;
    totp.generate(at as u64).to_string()
}

/// A code no step near now has.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-2..=2).map(|s| code(secret, s)).collect();
    (0..)
        .map(|n: u32| format!("{:06}", (n * 7919) % 1_000_000))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// Waits until the current 30-second step has at least `secs` seconds left, so that codes
/// computed now are judged in the step they were computed for.
pub(crate) async fn away_from_a_step_boundary(secs: u64) {
    let left = 30 - unix_now() % 30;
    if left < secs {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

async fn login(server: &Server, email: &str, password: &str) -> (u16, Value) {
    let body = json!({"email": email, "password": password});
    server
        .request(Method::POST, "/customers/login", None, Some(body))
        .await
}

/// Enrols an app named `name` for `token`'s customer, confirmed with the previous step's code
/// (a clock a little behind): the secret and what the confirmation answered.
pub(crate) async fn enrol(server: &Server, token: &str, name: &str) -> (String, Value) {
    let (status, started) = server
        .request(
            Method::POST,
            "/customers/self/factors/totp",
            Some(token),
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    let id = started["id"].as_str().unwrap();
    let path = format!("/customers/self/factors/totp/{id}/confirm");
    let (status, confirmed) = server
        .request(
            Method::POST,
            &path,
            Some(token),
            Some(json!({"code": code(&secret, -1)})),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    (secret, confirmed)
}

fn start(storage: &Storage, smtp: &SmtpSink, sms: &SmsSink) -> Server {
    let reauth = REAUTH_SECS.to_string();
    Server::start(
        storage,
        &[
            ("CLIENTELE_SMTP_URL", &smtp.url()),
            ("CLIENTELE_SMS_URL", &sms.url()),
            ("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0"),
            ("CLIENTELE_REAUTH_MAX_AGE_SECS", &reauth),
        ],
    )
}

async fn an_authenticator_app_and_recovery_codes_sign_in_once_each(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let (smtp, sms) = (SmtpSink::start(), SmsSink::start().await);
    let server = start(&storage, &smtp, &sms);
    away_from_a_step_boundary(12).await;
    let (email, password, token) = server.signed_in_customer().await;
    let signed_in_at = std::time::Instant::now();
    let (status, none) = server
        .request(Method::GET, "/customers/self/factors", Some(&token), None)
        .await;
    assert_eq!(
        (status, none),
        (200, json!({"factors": [], "recoveryCodesLeft": 0}))
    );

    // Enrolment: the secret, its URI and QR code; a wrong code names `code`.
    let (status, started) = server
        .request(
            Method::POST,
            "/customers/self/factors/totp",
            Some(&token),
            Some(json!({"name": "Phone"})),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    let uri = started["otpauthUri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    for part in [
        format!("secret={secret}"),
        "issuer=".into(),
        "algorithm=SHA1&digits=6&period=30".into(),
        email.replace('@', "%40"),
    ] {
        assert!(uri.contains(&part), "{uri} lacks {part}");
    }
    assert!(started["qrSvg"].as_str().unwrap().contains("<svg"), "{started}");
    let confirm = format!(
        "/customers/self/factors/totp/{}/confirm",
        started["id"].as_str().unwrap()
    );
    let wrong = json!({"code": wrong_code(&secret)});
    let (status, problem) = server
        .request(Method::POST, &confirm, Some(&token), Some(wrong))
        .await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["errors"]["code"].is_array() || problem["errors"]["code"].is_string(),
        "{problem}"
    );
    // The previous step's code is still taken (a phone's clock a little behind).
    let (status, confirmed) = server
        .request(
            Method::POST,
            &confirm,
            Some(&token),
            Some(json!({"code": code(&secret, -1)})),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(
        (confirmed["type"].as_str(), confirmed["name"].as_str()),
        (Some("totp"), Some("Phone"))
    );
    let codes: Vec<String> = confirmed["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{confirmed}");
    assert!(codes.iter().all(|c| c.replace('-', "").len() >= 12), "{codes:?}");
    let (status, again) = server
        .request(
            Method::POST,
            &confirm,
            Some(&token),
            Some(json!({"code": code(&secret, 0)})),
        )
        .await;
    assert_eq!(status, 404, "an enrolment confirms once: {again}");

    let notice = smtp.wait_for(&email, "A new sign-in factor was added", Duration::from_secs(15));
    assert!(
        !notice.text.contains(&secret) && !notice.text.contains(&codes[0]),
        "{}",
        notice.text
    );
    let (_, listed) = server
        .request(Method::GET, "/customers/self/factors", Some(&token), None)
        .await;
    assert_eq!(listed["recoveryCodesLeft"], 10, "{listed}");
    assert_eq!(listed["factors"][0]["id"], confirmed["id"], "{listed}");

    // A copy of the database holds neither the app's secret nor a recovery code.
    for (column, value) in dump::every_value(&storage) {
        assert!(!value.contains(&secret), "the app's secret in clear in {column}");
        for code in &codes {
            assert!(
                !value.contains(code.as_str()) && !value.contains(&code.replace('-', "")),
                "a recovery code in {column}"
            );
        }
    }

    // The password alone answers a challenge: nothing is texted, the app or a recovery code
    // redeems it.
    let (status, challenge) = login(&server, &email, &password).await;
    assert_eq!(status, 202, "{challenge}");
    assert_eq!(challenge["otp_required"], true);
    assert_eq!(challenge["factors"], json!(["totp", "recovery_code"]));
    assert!(challenge.get("telephone").is_none(), "{challenge}");
    let now_code = code(&secret, 0);
    let verify = |challenge: &Value, answer: Value| {
        let mut body = json!({"challenge": challenge["challenge"]});
        body.as_object_mut()
            .unwrap()
            .extend(answer.as_object().unwrap().clone());
        body
    };
    let (status, signed_in) = server
        .request(
            Method::POST,
            "/customers/login/verify",
            None,
            Some(verify(&challenge, json!({"totp": now_code}))),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let app_token = signed_in["token"].as_str().unwrap().to_owned();
    let (_, sessions) = server.get_json("/customers/self/sessions", &app_token).await;
    assert_eq!(
        sessions["sessions"][0]["signInMethod"], "password+totp",
        "{sessions}"
    );
    assert_eq!(
        server
            .request(Method::GET, "/customers/self", Some(&app_token), None)
            .await
            .0,
        200
    );
    let (status, reused) = server
        .request(
            Method::POST,
            "/customers/login/verify",
            None,
            Some(verify(&challenge, json!({"totp": code(&secret, 1)}))),
        )
        .await;
    assert_eq!(status, 400, "a challenge works once: {reused}");

    let (_, challenge) = login(&server, &email, &password).await;
    let upper = codes[0].to_uppercase();
    let (status, signed_in) = server
        .request(
            Method::POST,
            "/customers/login/verify",
            None,
            Some(verify(&challenge, json!({"recoveryCode": upper}))),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let recovered_token = signed_in["token"].as_str().unwrap().to_owned();
    let (_, listed) = server
        .request(
            Method::GET,
            "/customers/self/factors",
            Some(&recovered_token),
            None,
        )
        .await;
    assert_eq!(listed["recoveryCodesLeft"], 9, "{listed}");
    let (_, sessions) = server
        .get_json("/customers/self/sessions", &recovered_token)
        .await;
    assert_eq!(
        sessions["sessions"][0]["signInMethod"], "password+recovery_code",
        "{sessions}"
    );
    let told = smtp.wait_for(&email, "A recovery code was used", Duration::from_secs(15));
    assert!(!told.text.contains(&codes[0]), "{}", told.text);
    assert!(listed["factors"][0]["lastUsedAt"].is_string(), "{listed}");

    // A used recovery code, a spent step, and wrong codes: five tries lock the challenge.
    let (_, challenge) = login(&server, &email, &password).await;
    let tries = [
        json!({"recoveryCode": codes[0]}),
        json!({"totp": now_code}),
        json!({"totp": wrong_code(&secret)}),
        json!({"recoveryCode": "aaaa-bbbb-cccc"}),
        json!({"totp": wrong_code(&secret)}),
    ];
    for (n, answer) in tries.into_iter().enumerate() {
        let (status, problem) = server
            .request(
                Method::POST,
                "/customers/login/verify",
                None,
                Some(verify(&challenge, answer)),
            )
            .await;
        assert_eq!(status, 400, "try {n}: {problem}");
    }
    let (status, problem) = server
        .request(
            Method::POST,
            "/customers/login/verify",
            None,
            Some(verify(&challenge, json!({"totp": code(&secret, 1)}))),
        )
        .await;
    assert_eq!(status, 429, "{problem}");
    assert_eq!(
        login(&server, &email, &password).await.0,
        429,
        "locked until it expires"
    );

    // New recovery codes replace the old, with a notice.
    let (status, replaced) = server
        .request(
            Method::POST,
            "/customers/self/recovery-codes",
            Some(&recovered_token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["recoveryCodes"].as_array().unwrap().len(), 10);
    smtp.wait_for(&email, "New recovery codes", Duration::from_secs(15));

    // Removing needs a recent sign-in.
    let waited = Duration::from_secs(REAUTH_SECS + 1).saturating_sub(signed_in_at.elapsed());
    tokio::time::sleep(waited).await;
    let factor = format!("/customers/self/factors/{}", confirmed["id"].as_str().unwrap());
    let (status, problem) = server.request(Method::DELETE, &factor, Some(&token), None).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (401, Some("urn:clientele:problem:sign-in-again")),
        "{problem}"
    );

    // The back office removes the factor of a customer who lost it: told, audited as the
    // admin's, and the password alone signs in again (the locked challenge ended with it).
    let me = server
        .request(Method::GET, "/customers/self", Some(&recovered_token), None)
        .await
        .1;
    let admin_factors = format!("/admin/v1/customers/{}/factors", me["id"].as_str().unwrap());
    let (status, seen) = server.admin(Method::GET, &admin_factors, None).await;
    assert_eq!(
        (status, &seen["factors"][0]["type"]),
        (200, &json!("totp")),
        "{seen}"
    );
    let one = format!("{admin_factors}/{}", confirmed["id"].as_str().unwrap());
    assert_eq!(server.admin(Method::DELETE, &one, None).await.0, 204);
    assert_eq!(server.admin(Method::DELETE, &one, None).await.0, 404);
    smtp.wait_for(&email, "A sign-in factor was removed", Duration::from_secs(15));
    let (status, _) = server
        .request(Method::GET, "/customers/self", Some(&recovered_token), None)
        .await;
    assert_eq!(status, 401, "a removed factor's sessions end with it");
    let (status, plain) = login(&server, &email, &password).await;
    assert_eq!(status, 200, "{plain}");
    let fresh = plain["token"].as_str().unwrap().to_owned();
    let (_, listed) = server
        .request(Method::GET, "/customers/self/factors", Some(&fresh), None)
        .await;
    assert_eq!(listed, json!({"factors": [], "recoveryCodesLeft": 0}));
    let story = server.audit_trail(me["id"].as_str().unwrap()).await;
    for expected in [
        ("factor_added", "customer"),
        ("recovery_code_used", "customer"),
        ("recovery_codes_replaced", "customer"),
        ("factor_removed", "admin"),
    ] {
        assert!(
            story.iter().any(|(k, a)| (k.as_str(), a.as_str()) == expected),
            "{expected:?} in {story:?}"
        );
    }
    // Every wrong answer counted toward the account's lockout, like a wrong password.
    let failed = story.iter().filter(|(k, _)| k == "sign_in_failed").count();
    assert_eq!(failed, 5, "{story:?}");

    // With a recent sign-in the customer removes a factor themself.
    let (_, second) = enrol(&server, &fresh, "Tablet").await;
    let path = format!("/customers/self/factors/{}", second["id"].as_str().unwrap());
    assert_eq!(
        server.request(Method::DELETE, &path, Some(&fresh), None).await.0,
        204
    );
    assert_eq!(
        server.request(Method::DELETE, &path, Some(&fresh), None).await.0,
        404
    );
    let unknown = "/customers/self/factors/00000000-0000-0000-0000-000000000000";
    assert_eq!(
        server
            .request(Method::DELETE, unknown, Some(&fresh), None)
            .await
            .0,
        404
    );
}

async fn texted_codes_stand_beside_an_app_and_are_sent_only_when_asked_for(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let (smtp, sms) = (SmtpSink::start(), SmsSink::start().await);
    let server = start(&storage, &smtp, &sms);
    crate::tss::in_india(&server).await;
    away_from_a_step_boundary(10).await;
    let (email, password, token) = server.signed_in_customer().await;
    // Texted codes on (TSS), then an app.
    let on = json!({"firstname": "Ann", "lastname": "Lee", "gender": "female",
                    "birthdate": "1990-05-15", "telephone": "9876543210", "is_two_fa": true});
    let (status, answer) = server.post_as(&token, "/api/user/profile/2fa", &on).await;
    assert_eq!(status, 200, "{answer}");
    let code_on = sms.nth_code("+919876543210", 1, Duration::from_secs(15)).await;
    let verify = json!({"telephone": "9876543210", "otp": code_on});
    let (status, answer) = server
        .post_as(&token, "/api/user/profile/verify-otp", &verify)
        .await;
    assert_eq!(status, 200, "{answer}");
    let token = answer["access_token"].as_str().unwrap().to_owned();
    let (secret, _) = enrol(&server, &token, "Phone").await;
    let (_, listed) = server
        .request(Method::GET, "/customers/self/factors", Some(&token), None)
        .await;
    let kinds: Vec<&str> = listed["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["sms", "totp"], "{listed}");
    let (status, refused) = server
        .request(Method::DELETE, "/customers/self/factors/sms", Some(&token), None)
        .await;
    assert_eq!(status, 409, "{refused}");

    let before = sms.texts_to("+919876543210").await.len();
    let (status, challenge) = login(&server, &email, &password).await;
    assert_eq!(status, 202, "{challenge}");
    assert_eq!(challenge["factors"], json!(["totp", "recovery_code", "sms"]));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sms.texts_to("+919876543210").await.len(),
        before,
        "nothing texted at sign-in"
    );
    let ask = json!({"challenge": challenge["challenge"]});
    let (status, texted) = server
        .request(Method::POST, "/customers/login/sms", None, Some(ask.clone()))
        .await;
    assert_eq!(status, 200, "{texted}");
    assert_eq!(texted["telephone"], "••••••3210");
    let texted = sms
        .nth_code("+919876543210", before + 1, Duration::from_secs(15))
        .await;
    let (status, _) = server
        .request(Method::POST, "/customers/login/sms", None, Some(ask))
        .await;
    assert_eq!(status, 200, "asked again within the wait");
    let body = json!({"challenge": challenge["challenge"], "otp": texted});
    let (status, signed_in) = server
        .request(Method::POST, "/customers/login/verify-otp", None, Some(body))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(
        sms.texts_to("+919876543210").await.len(),
        before + 1,
        "one code per wait"
    );
    let fresh = signed_in["token"].as_str().unwrap().to_owned();

    // The back office turns texted codes off for a customer who lost the number: told by mail.
    let me = server.get_json("/customers/self", &fresh).await.1;
    let sms_factor = format!("/admin/v1/customers/{}/factors/sms", me["id"].as_str().unwrap());
    assert_eq!(server.admin(Method::DELETE, &sms_factor, None).await.0, 204);
    assert_eq!(server.admin(Method::DELETE, &sms_factor, None).await.0, 404);
    smtp.wait_for(&email, "Two-step sign-in is off", Duration::from_secs(15));

    // A password changed while a challenge is open ends it: the app's right code no longer
    // redeems it.
    let login = json!({"email": email, "password": password});
    let (status, challenge) = server
        .request(Method::POST, "/customers/login", None, Some(login))
        .await;
    assert_eq!(
        (status, &challenge["factors"]),
        (202, &json!(["totp", "recovery_code"])),
        "{challenge}"
    );
    let change = json!({"old_password": password, "password": "a brand new passphrase"});
    let (status, changed) = server.post_as(&fresh, "/api/user/change-password", &change).await;
    assert_eq!(status, 200, "{changed}");
    let verify = json!({"challenge": challenge["challenge"], "totp": code(&secret, 0)});
    let (status, refused) = server
        .request(Method::POST, "/customers/login/verify", None, Some(verify))
        .await;
    assert_eq!(status, 400, "the challenge ended with the password: {refused}");
}
