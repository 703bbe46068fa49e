//! Tenants and API keys through the back office and the command line.

use clientele_e2e::dump::every_value;
use clientele_e2e::{run_command, status_and_json, Backend, Server, Storage, ADMIN_TOKEN};
use serde_json::{json, Value};

use super::admin;

crate::on_both_backends_by_hand!(tenants_and_keys);

async fn tenants_and_keys(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &[]);
    use reqwest::Method;

    // Tenants.
    let created = server
        .http
        .post(server.url("/admin/v1/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"id": "acme", "name": "Acme Ltd"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["location"], "/admin/v1/tenants/acme");
    let (_, body) = status_and_json(created).await;
    assert_eq!(body["id"], "acme");
    assert_eq!(body["name"], "Acme Ltd");
    assert_eq!(body["settings"]["webAppUrl"], Value::Null);
    let (status, body) = admin(
        &server,
        Method::POST,
        "/admin/v1/tenants",
        Some(json!({"id": "acme", "name": "Again"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = admin(
        &server,
        Method::POST,
        "/admin/v1/tenants",
        Some(json!({"id": "Not A Slug", "name": "", "x": 1})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    for field in ["id", "name", "x"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let (status, body) = admin(&server, Method::GET, "/admin/v1/tenants", None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme", "default"]);
    assert_eq!(
        admin(&server, Method::GET, "/admin/v1/tenants/nobody", None)
            .await
            .0,
        404
    );

    let (status, body) = admin(
        &server,
        Method::PATCH,
        "/admin/v1/tenants/acme",
        Some(
            json!({"name": "Acme", "settings": {"webAppUrl": "https://app.acme.example/",
            "allowedRedirectOrigins": ["https://shop.acme.example"], "phoneRegion": "in"}}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Acme");
    assert_eq!(body["settings"]["webAppUrl"], "https://app.acme.example");
    assert_eq!(
        body["settings"]["allowedRedirectOrigins"],
        json!(["https://shop.acme.example"])
    );
    assert_eq!(body["settings"]["phoneRegion"], "IN");
    let (status, body) = admin(
        &server,
        Method::PATCH,
        "/admin/v1/tenants/acme",
        Some(json!({"settings": {"webAppUrl": "javascript:alert(1)", "phoneRegion": 5, "colour": "red"}})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    for field in ["settings.webAppUrl", "settings.phoneRegion", "settings.colour"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let (_, body) = admin(&server, Method::GET, "/admin/v1/tenants/acme", None).await;
    assert_eq!(
        body["settings"]["webAppUrl"], "https://app.acme.example",
        "nothing applied"
    );
    let (status, body) = admin(
        &server,
        Method::PATCH,
        "/admin/v1/tenants/acme",
        Some(json!({"settings": {"webAppUrl": null}})),
    )
    .await;
    assert_eq!(
        (status, &body["settings"]["webAppUrl"]),
        (200, &Value::Null),
        "{body}"
    );
    assert_eq!(
        admin(
            &server,
            Method::PATCH,
            "/admin/v1/tenants/nobody",
            Some(json!({"name": "x"}))
        )
        .await
        .0,
        404
    );

    // Keys: shown once, listed by prefix, stored only as a digest, revoked once.
    let created = server
        .http
        .post(server.url("/admin/v1/tenants/acme/api-keys"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"name": "shop backend"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let (_, issued) = status_and_json(created).await;
    let key = issued["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("clk_") && key.len() == 4 + 12 + 1 + 32, "{key}");
    assert!(key.starts_with(issued["prefix"].as_str().unwrap()));
    let key_id = issued["id"].as_str().unwrap().to_owned();
    let (status, listed) = admin(&server, Method::GET, "/admin/v1/tenants/acme/api-keys", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["apiKeys"][0]["id"], key_id.as_str());
    assert_eq!(listed["apiKeys"][0]["name"], "shop backend");
    assert_eq!(listed["apiKeys"][0]["revokedAt"], Value::Null);
    assert!(!listed.to_string().contains(&key), "a listing shows the key");
    let (_, others) = admin(&server, Method::GET, "/admin/v1/tenants/default/api-keys", None).await;
    assert_eq!(others["apiKeys"], json!([]));
    assert!(
        every_value(&storage)
            .iter()
            .all(|(_, value)| !value.contains(&key[4 + 12..])),
        "the key's secret part is stored in clear"
    );
    assert_eq!(
        admin(
            &server,
            Method::POST,
            "/admin/v1/tenants/nobody/api-keys",
            Some(json!({"name": "x"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        admin(
            &server,
            Method::POST,
            "/admin/v1/tenants/acme/api-keys",
            Some(json!({}))
        )
        .await
        .0,
        400
    );
    let revoke = |tenant: &str, id: &str| {
        let request = server
            .http
            .delete(server.url(&format!("/admin/v1/tenants/{tenant}/api-keys/{id}")))
            .bearer_auth(ADMIN_TOKEN);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(revoke("default", &key_id).await, 404, "another tenant's key");
    assert_eq!(revoke("acme", "not-a-uuid").await, 404);
    assert_eq!(revoke("acme", &key_id).await, 204);
    assert_eq!(
        revoke("acme", &key_id).await,
        204,
        "revoking twice changes nothing"
    );
    let (_, listed) = admin(&server, Method::GET, "/admin/v1/tenants/acme/api-keys", None).await;
    assert!(listed["apiKeys"][0]["revokedAt"].is_string(), "{listed}");

    // Without the admin token: nothing.
    let anonymous = server
        .http
        .get(server.url("/admin/v1/tenants"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // The same from the command line, on the same database while the server runs.
    let made = run_command(
        &storage,
        &["tenant", "create", "--id", "cli-made", "--name", "From the CLI"],
    );
    assert!(made.success, "{}", made.stderr);
    let (status, body) = admin(&server, Method::GET, "/admin/v1/tenants/cli-made", None).await;
    assert_eq!((status, &body["name"]), (200, &json!("From the CLI")), "{body}");
    let again = run_command(
        &storage,
        &["tenant", "create", "--id", "cli-made", "--name", "Again"],
    );
    assert!(
        !again.success && again.stderr.matches("exists already").count() == 1,
        "said once: {}",
        again.stderr
    );
    let bad = run_command(&storage, &["tenant", "create", "--id", "Bad Id", "--name", "x"]);
    assert!(
        !bad.success && bad.stderr.contains("id: must be"),
        "{}",
        bad.stderr
    );
    let listed = run_command(&storage, &["tenant", "list"]);
    assert_eq!(listed.stdout.lines().next(), Some("ID\tNAME\tCREATED"));
    assert!(
        listed
            .stdout
            .lines()
            .any(|l| l.starts_with("cli-made\tFrom the CLI\t")),
        "{}",
        listed.stdout
    );
    // One timestamp form, to the second in UTC, whichever way the tenant was made.
    assert!(
        listed.stdout.lines().skip(1).all(|l| {
            let created = l.rsplit('\t').next().unwrap_or_default();
            created.len() == 20 && created.ends_with('Z') && created.as_bytes()[10] == b'T'
        }),
        "{}",
        listed.stdout
    );

    let created = run_command(
        &storage,
        &["api-key", "create", "--tenant", "cli-made", "--name", "mobile"],
    );
    assert!(created.success, "{}", created.stderr);
    let cli_key = created.stdout.trim().to_owned();
    assert!(cli_key.starts_with("clk_") && cli_key.len() == 49, "{cli_key}");
    let (_, listed_http) = admin(&server, Method::GET, "/admin/v1/tenants/cli-made/api-keys", None).await;
    let cli_key_id = listed_http["apiKeys"][0]["id"].as_str().unwrap().to_owned();
    assert!(cli_key.starts_with(listed_http["apiKeys"][0]["prefix"].as_str().unwrap()));
    let listed = run_command(&storage, &["api-key", "list", "--tenant", "cli-made"]);
    assert!(
        listed
            .stdout
            .starts_with("ID\tPREFIX\tNAME\tCREATED\tLAST USED\tREVOKED\n")
            && listed
                .stdout
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with(&format!("{cli_key_id}\t"))),
        "{}",
        listed.stdout
    );
    assert!(!listed.stdout.contains(&cli_key), "a listing shows the key");
    // The key works (a user it does not know is a 404, not a 401), a few times so that any
    // memory of it is warm; revoked from the command line while the server runs, it stops
    // working at once.
    let use_key = || {
        let request = server
            .http
            .put(server.url("/v1/cl2c/user"))
            .header("tenant", "cli-made")
            .header("X-API-Key", &cli_key)
            .json(&json!({"id": uuid::Uuid::new_v4().to_string(), "firstName": "Jo"}));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for _ in 0..3 {
        assert_eq!(use_key().await, 404);
    }
    let revoked = run_command(
        &storage,
        &["api-key", "revoke", "--tenant", "cli-made", &cli_key_id],
    );
    assert!(revoked.success, "{}", revoked.stderr);
    let refused_within = std::time::Instant::now();
    while use_key().await != 401 {
        assert!(
            refused_within.elapsed() < std::time::Duration::from_secs(1),
            "a key revoked from the command line still works"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (_, listed_http) = admin(&server, Method::GET, "/admin/v1/tenants/cli-made/api-keys", None).await;
    assert!(listed_http["apiKeys"][0]["revokedAt"].is_string());
    let unknown = run_command(&storage, &["api-key", "list", "--tenant", "nobody"]);
    assert!(
        !unknown.success && unknown.stderr.contains("no such tenant"),
        "{}",
        unknown.stderr
    );
    for output in [&made, &created, &listed, &revoked] {
        assert!(!output.stderr.contains(&cli_key) && !output.stderr.contains(ADMIN_TOKEN));
    }
}
