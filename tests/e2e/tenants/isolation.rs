//! Two tenants on one instance never meet: accounts, sign-in, tokens, the back office, mails.

use clientele_e2e::{status_and_json, Backend, Server, Storage, ADMIN_TOKEN};
use serde_json::json;

use super::{admin, call, without_instance};

crate::on_both_backends_by_hand!(tenants_never_meet);

/// Two tenants on one instance: the same address is two accounts, each signs in only in its
/// own tenant, tokens stay in theirs, the back office sees one tenant at a time, and each
/// tenant's mails point to its own web app.
async fn tenants_never_meet(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = clientele_testkit::SmtpSink::start();
    let server = Server::start(&storage, &[("CLIENTELE_SMTP_URL", &smtp.url())]);
    use reqwest::Method;
    let wait = std::time::Duration::from_secs(15);
    for (id, name) in [("alpha", "Alpha"), ("beta", "Beta")] {
        let (status, body) = admin(
            &server,
            Method::POST,
            "/admin/v1/tenants",
            Some(json!({"id": id, "name": name})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = admin(
        &server,
        Method::PATCH,
        "/admin/v1/tenants/beta",
        Some(json!({"settings": {"webAppUrl": "https://app.beta.example"}})),
    )
    .await;
    assert_eq!(status, 200);

    // The same address in both tenants, with different passwords: two accounts.
    let email = format!("t{}@example.com", uuid::Uuid::new_v4().simple());
    let create = |tenant: &'static str, password: &'static str| {
        let body = json!({"email": email, "password": password});
        let request = server
            .http
            .post(server.url("/admin/v1/customers"))
            .bearer_auth(ADMIN_TOKEN)
            .header("tenant", tenant)
            .json(&body);
        async move { status_and_json(request.send().await.unwrap()).await }
    };
    let (status, alpha_customer) = create("alpha", "alpha password 1").await;
    assert_eq!(
        (status, &alpha_customer["tenant"]),
        (201, &json!("alpha")),
        "{alpha_customer}"
    );
    let (status, beta_customer) = create("beta", "beta password 2").await;
    assert_eq!(
        (status, &beta_customer["tenant"]),
        (201, &json!("beta")),
        "{beta_customer}"
    );
    assert_ne!(alpha_customer["uuid"], beta_customer["uuid"]);
    let login = |tenant: Option<&'static str>, password: &'static str| {
        let body = json!({"email": email, "password": password});
        call(
            &server,
            Method::POST,
            "/customers/login",
            tenant,
            None,
            Some(body),
        )
    };
    let (status, alpha) = login(Some("alpha"), "alpha password 1").await;
    assert_eq!(status, 200, "{alpha}");
    let alpha_token = alpha["token"].as_str().unwrap().to_owned();
    let (status, beta) = login(Some("beta"), "beta password 2").await;
    assert_eq!(status, 200, "{beta}");
    let beta_token = beta["token"].as_str().unwrap().to_owned();
    let (wrong_tenant, refused) = login(Some("beta"), "alpha password 1").await;
    assert_eq!(wrong_tenant, 401);
    assert_eq!(
        login(None, "alpha password 1").await.0,
        401,
        "not in the default tenant"
    );

    // An unknown or malformed tenant reads exactly like a wrong password.
    for unknown in ["nobody", "Not A Slug", ""] {
        let (status, problem) = login(Some(unknown), "alpha password 1").await;
        assert_eq!(status, 401, "{unknown:?}");
        assert_eq!(
            without_instance(problem),
            without_instance(refused.clone()),
            "{unknown:?}"
        );
    }

    // A token works only with its own tenant's header.
    for path in ["/customers/self", "/api/v2/my/profile"] {
        let (status, body) = call(
            &server,
            Method::GET,
            path,
            Some("alpha"),
            Some(&alpha_token),
            None,
        )
        .await;
        assert_eq!(status, 200, "{path}: {body}");
        for other in [Some("beta"), None, Some("nobody")] {
            let (status, _) = call(&server, Method::GET, path, other, Some(&alpha_token), None).await;
            assert_eq!(status, 401, "{path} with tenant {other:?}");
        }
    }
    let (_, me) = call(
        &server,
        Method::GET,
        "/customers/self",
        Some("beta"),
        Some(&beta_token),
        None,
    )
    .await;
    assert_eq!(me["email"], email.as_str());

    // The back office sees one tenant at a time.
    let uuid = alpha_customer["uuid"].as_str().unwrap();
    let path = format!("/admin/v1/customers/{uuid}");
    let read = |tenant: Option<&'static str>| {
        let mut request = server.http.get(server.url(&path)).bearer_auth(ADMIN_TOKEN);
        if let Some(tenant) = tenant {
            request = request.header("tenant", tenant);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(read(Some("alpha")).await, 200);
    assert_eq!(read(Some("beta")).await, 404);
    assert_eq!(read(None).await, 404);
    assert_eq!(read(Some("nobody")).await, 401);

    // Mails of beta point to beta's web app; alpha's to the instance's public URL.
    let reset = |tenant: &'static str| {
        let body = json!({"email": email, "reset_uri": "/reset"});
        call(
            &server,
            Method::POST,
            "/customers/password_reset",
            Some(tenant),
            None,
            Some(body),
        )
    };
    assert_eq!(reset("beta").await, (200, json!({"result": "email_sent"})));
    let mail = smtp.wait_for(&email, "Reset your password", wait);
    let code = mail.line("Code").unwrap();
    assert!(
        mail.text
            .lines()
            .any(|line| line.trim() == format!("https://app.beta.example/reset/{code}")),
        "{}",
        mail.text
    );
    // An absolute link to beta's web app is allowed for beta only.
    let absolute = json!({"email": email, "reset_uri": "https://app.beta.example/r"});
    let (status, _) = call(
        &server,
        Method::POST,
        "/customers/password_reset",
        Some("beta"),
        None,
        Some(absolute.clone()),
    )
    .await;
    assert_eq!(status, 200);
    let (status, problem) = call(
        &server,
        Method::POST,
        "/customers/password_reset",
        Some("alpha"),
        None,
        Some(absolute),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    // Codes stay in their tenant: with a reset open in each, beta's code does not work in
    // alpha, and alpha's own still does.
    assert_eq!(reset("alpha").await, (200, json!({"result": "email_sent"})));
    // Beta's mails may still be arriving: wait for the one that links to alpha's URL.
    let alpha_mail = || {
        smtp.received()
            .into_iter()
            .rev()
            .find(|m| m.to.contains(&email) && m.text.contains("http://127.0.0.1:8080/reset/"))
    };
    let deadline = std::time::Instant::now() + wait;
    while alpha_mail().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let alpha_mail = alpha_mail().expect("alpha's reset mail, linking to the instance's public URL");
    let alpha_code = alpha_mail.line("Code").unwrap();
    assert_ne!(alpha_code, code);
    assert!(
        alpha_mail
            .text
            .lines()
            .any(|line| line.trim() == format!("http://127.0.0.1:8080/reset/{alpha_code}")),
        "a reset_uri of the caller's stays <reset_uri>/<code>: {}",
        alpha_mail.text
    );
    let do_reset = |tenant: &'static str, code: String| {
        let body = json!({"email": email, "code": code});
        call(
            &server,
            Method::POST,
            "/customers/do_reset",
            Some(tenant),
            None,
            Some(body),
        )
    };
    assert_eq!(
        do_reset("alpha", code.clone()).await.0,
        400,
        "beta's code does not work in alpha"
    );
    assert_eq!(login(Some("alpha"), "alpha password 1").await.0, 200);
    assert_eq!(
        do_reset("alpha", alpha_code).await.0,
        200,
        "alpha's own code does"
    );
    // A link to Clientele's own reset page names the tenant, for the page to send.
    let own_page = json!({"email": email, "reset_uri": "/customers/do_reset"});
    let (status, _) = call(
        &server,
        Method::POST,
        "/customers/password_reset",
        Some("alpha"),
        None,
        Some(own_page),
    )
    .await;
    assert_eq!(status, 200);
    let deadline = std::time::Instant::now() + wait;
    let page_mail = loop {
        let found = smtp
            .received()
            .into_iter()
            .find(|m| m.to.contains(&email) && m.text.contains("/customers/do_reset/"));
        if let Some(found) = found {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail linking to the reset page"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let page_code = page_mail.line("Code").unwrap();
    assert!(
        page_mail.text.contains(&format!(
            "http://127.0.0.1:8080/customers/do_reset/{page_code}?tenant=alpha"
        )),
        "{}",
        page_mail.text
    );
    assert_eq!(
        login(Some("beta"), "beta password 2").await.0,
        200,
        "beta's password is untouched"
    );

    let newcomer = format!("n{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, _) = call(
        &server,
        Method::POST,
        "/customers/signup",
        Some("beta"),
        None,
        Some(json!({"email": newcomer})),
    )
    .await;
    assert_eq!(status, 202);
    let mail = smtp.wait_for(&newcomer, "Activate your account", wait);
    let (identifier, secret) = (mail.line("Identifier").unwrap(), mail.line("Secret").unwrap());
    assert!(
        mail.text.contains(&format!(
            "https://app.beta.example/customers/activate?tenant=beta#identifier={identifier}&secret={secret}"
        )),
        "a page link names its tenant in the query, its secret in the fragment: {}",
        mail.text
    );
    let activate = |tenant: &'static str| {
        let body = json!({"identifier": identifier, "secret": secret,
                          "password": "a good passphrase", "password_check": "a good passphrase"});
        call(
            &server,
            Method::POST,
            "/customers/activate",
            Some(tenant),
            None,
            Some(body),
        )
    };
    assert_eq!(
        activate("alpha").await.0,
        400,
        "beta's activation does not work in alpha"
    );
    assert_eq!(activate("beta").await, (200, json!({"result": "activated"})));
    let (status, _) = call(
        &server,
        Method::POST,
        "/customers/signup",
        Some("alpha"),
        None,
        Some(json!({"email": newcomer})),
    )
    .await;
    assert_eq!(status, 202);
    let deadline = std::time::Instant::now() + wait;
    while smtp.count_to(&newcomer) < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mails: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.to.contains(&newcomer))
        .collect();
    assert_eq!(mails.len(), 2, "one activation mail per tenant");
    let alpha_mail = mails
        .iter()
        .find(|m| m.text.contains("http://127.0.0.1:8080/customers/activate?"))
        .expect("alpha's activation mail links to the instance's public URL");
    assert!(alpha_mail.text.contains("tenant=alpha"), "{}", alpha_mail.text);
}
