//! The CL2C surface (seed 002): `PUT /v1/cl2c/user` with a tenant's API key.

use clientele_e2e::{status_and_json, Backend, Server, Storage, ADMIN_TOKEN};
use serde_json::{json, Value};

crate::on_both_backends_by_hand!(cl2c_user);

struct Tenant {
    key: String,
    key_id: String,
}

async fn tenant_with_key(server: &Server, id: &str) -> Tenant {
    let admin = |path: String, body: Value| {
        let request = server
            .http
            .post(server.url(&path))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body);
        async move { status_and_json(request.send().await.unwrap()).await }
    };
    let (status, _) = admin("/admin/v1/tenants".into(), json!({"id": id, "name": id})).await;
    assert_eq!(status, 201);
    let (status, key) = admin(format!("/admin/v1/tenants/{id}/api-keys"), json!({"name": "app"})).await;
    assert_eq!(status, 201);
    Tenant {
        key: key["key"].as_str().unwrap().to_owned(),
        key_id: key["id"].as_str().unwrap().to_owned(),
    }
}

async fn customer_in(server: &Server, tenant: &str, email: &str, password: &str) -> Value {
    let response = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(ADMIN_TOKEN)
        .header("tenant", tenant)
        .json(&json!({"email": email, "password": password, "firstName": "Jo", "lastName": "Before"}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// `PUT /v1/cl2c/user` as the seed's JavaScript example sends it; the request id the server
/// answered with comes back too.
async fn put_user(
    server: &Server,
    tenant: Option<&str>,
    key: Option<&str>,
    bearer: Option<&str>,
    body: Value,
) -> (u16, Value, String) {
    let mut request = server
        .http
        .put(server.url("/v1/cl2c/user"))
        .header("Content-Type", "application/json");
    if let Some(tenant) = tenant {
        request = request.header("tenant", tenant);
    }
    if let Some(key) = key {
        request = request.header("X-API-Key", key);
    }
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.body(body.to_string()).send().await.unwrap();
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (status, body) = status_and_json(response).await;
    (status, body, request_id)
}

fn seed_body(id: &str) -> Value {
    json!({"id": id, "firstName": "John", "lastName": "Doe", "phoneNumber": "+1234567890",
           "pushToken": "push_token_example"})
}

/// The seed's default error shape, for `status`, with the request's id as `errorId`.
fn assert_default_error(body: &Value, status: u16, request_id: &str) {
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "errorId",
            "exception",
            "messages",
            "source",
            "statusCode",
            "supportMessage"
        ],
        "{body}"
    );
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["errorId"], request_id, "{body}");
    assert!(!request_id.is_empty());
    assert!(
        body["messages"][0].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let exception = body["exception"].as_str().unwrap();
    assert!(
        exception.chars().all(|c| c.is_ascii_alphanumeric()) && !exception.is_empty(),
        "no internal type name or trace: {exception}"
    );
}

async fn cl2c_user(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    // The test client connects from 127.0.0.1, here the trusted proxy that sets the country.
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_COUNTRY_HEADER", "CF-IPCountry"),
            ("CLIENTELE_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    );
    let acme = tenant_with_key(&server, "acme").await;
    let other = tenant_with_key(&server, "other").await;
    let email = format!(
        "john.doe.{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let customer = customer_in(&server, "acme", &email, "john's password 1").await;
    let id = customer["uuid"].as_str().unwrap().to_owned();

    // The seed's example, as it is.
    let (status, user, _) = put_user(&server, Some("acme"), Some(&acme.key), None, seed_body(&id)).await;
    assert_eq!(status, 200, "{user}");
    let keys: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "authLocation",
            "authValidUpto",
            "authenticated",
            "email",
            "emailConfirmed",
            "firstName",
            "id",
            "lastName",
            "phoneNumber",
            "userName",
            "walletAddress"
        ]
    );
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["firstName"], "John");
    assert_eq!(user["lastName"], "Doe");
    assert_eq!(user["phoneNumber"], "+1234567890");
    assert_eq!(user["email"], email.as_str());
    assert_eq!(user["emailConfirmed"], true);
    assert_eq!(user["userName"], email.split('@').next().unwrap());
    assert_eq!(
        (
            &user["authenticated"],
            &user["authValidUpto"],
            &user["authLocation"]
        ),
        (&json!(false), &Value::Null, &Value::Null)
    );

    // Signed in through a proxy that says where from: the session shows.
    let login = server
        .http
        .post(server.url("/customers/login"))
        .header("tenant", "acme")
        .header("CF-IPCountry", "us")
        .json(&json!({"email": email, "password": "john's password 1"}))
        .send()
        .await
        .unwrap();
    let (status, login) = status_and_json(login).await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().unwrap().to_owned();
    let (status, user, _) = put_user(
        &server,
        Some("acme"),
        Some(&acme.key),
        Some(&token),
        json!({"id": id, "firstName": "John"}),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["authenticated"], true);
    assert_eq!(user["authLocation"], "US");
    let valid = user["authValidUpto"].as_str().unwrap();
    assert!(
        valid.ends_with('Z') && valid.len() == "2024-11-05T19:42:26.587Z".len(),
        "{valid}"
    );
    // A value that is no country code is not kept (it would be shown back as it came).
    let odd = server
        .http
        .post(server.url("/customers/login"))
        .header("tenant", "acme")
        .header("CF-IPCountry", "<b>x</b>")
        .json(&json!({"email": email, "password": "john's password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 200);
    let (_, latest, _) = put_user(
        &server,
        Some("acme"),
        Some(&acme.key),
        None,
        json!({"id": id, "firstName": "John"}),
    )
    .await;
    assert_eq!(latest["authLocation"], Value::Null, "{latest}");
    // PUT: what is omitted is cleared.
    assert_eq!(
        (&user["lastName"], &user["phoneNumber"]),
        (&Value::Null, &Value::Null),
        "{user}"
    );

    // Validation: the seed's problem shape and messages.
    let (status, problem, _) = put_user(
        &server,
        Some("acme"),
        Some(&acme.key),
        None,
        json!({"id": id, "lastName": "Doe", "phoneNumber": "12-not-a-phone", "extra": 1}),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    for key in ["type", "title", "status", "detail", "instance", "errors"] {
        assert!(problem.get(key).is_some(), "{key}: {problem}");
    }
    assert_eq!(problem["errors"]["firstName"], json!(["First name is required"]));
    assert_eq!(
        problem["errors"]["phoneNumber"],
        json!(["Invalid phone number format"])
    );
    assert!(problem["errors"]["extra"].is_array());
    let (status, problem, _) = put_user(
        &server,
        Some("acme"),
        Some(&acme.key),
        None,
        json!({"firstName": "John"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(problem["errors"]["id"].is_array(), "{problem}");

    // Every other failure: the default shape, errorId = the request id.
    let right_prefix_wrong_secret = format!("{}{}", &acme.key[..17], "A".repeat(32));
    let refusals = [
        (None, Some(acme.key.as_str())),
        (Some("acme"), Some(right_prefix_wrong_secret.as_str())),
        (Some("acme"), None),
        (Some("acme"), Some("clk_not-a-key")),
        (Some("other"), Some(acme.key.as_str())),
        (Some("nobody"), Some(acme.key.as_str())),
        (Some("acme"), Some(other.key.as_str())),
    ];
    let mut first_refusal: Option<Value> = None;
    for (tenant, key) in refusals {
        let (status, body, request_id) = put_user(&server, tenant, key, None, seed_body(&id)).await;
        assert_eq!(status, 401, "{tenant:?}: {body}");
        assert_default_error(&body, 401, &request_id);
        let mut alike = body.clone();
        alike.as_object_mut().unwrap().remove("errorId");
        match &first_refusal {
            None => first_refusal = Some(alike),
            Some(first) => assert_eq!(&alike, first, "every refusal reads alike ({tenant:?})"),
        }
    }
    // acme's user through other's key: no such user there.
    let (status, body, request_id) =
        put_user(&server, Some("other"), Some(&other.key), None, seed_body(&id)).await;
    assert_eq!(status, 404, "{body}");
    assert_default_error(&body, 404, &request_id);
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        put_user(&server, Some("acme"), Some(&acme.key), None, seed_body(&unknown))
            .await
            .0,
        404
    );

    // A token sent along must be that user's.
    let someone = customer_in(
        &server,
        "acme",
        &format!("s{}@example.com", uuid::Uuid::new_v4().simple()),
        "someone's password",
    )
    .await;
    let (status, body, request_id) = put_user(
        &server,
        Some("acme"),
        Some(&acme.key),
        Some(&token),
        seed_body(someone["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_default_error(&body, 401, &request_id);
    assert_eq!(
        put_user(
            &server,
            Some("acme"),
            Some(&acme.key),
            Some("not.a.token"),
            seed_body(&id)
        )
        .await
        .0,
        401
    );

    // Too large a body: the default shape too.
    let huge = json!({"id": id, "firstName": "x".repeat(100_000)});
    let (status, body, request_id) = put_user(&server, Some("acme"), Some(&acme.key), None, huge).await;
    assert_eq!(status, 413, "{body}");
    assert_default_error(&body, 413, &request_id);

    // A revoked key fails on the next request.
    let revoked = server
        .http
        .delete(server.url(&format!("/admin/v1/tenants/acme/api-keys/{}", acme.key_id)))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(
        put_user(&server, Some("acme"), Some(&acme.key), None, seed_body(&id))
            .await
            .0,
        401
    );

    // The last use of a key is recorded.
    let (_, keys) = status_and_json(
        server
            .http
            .get(server.url("/admin/v1/tenants/acme/api-keys"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(keys["apiKeys"][0]["lastUsedAt"].is_string(), "{keys}");
}

/// A key over its rate gets 429 with Retry-After, in the default shape; other keys go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_has_its_own_rate() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let server = Server::start(&storage, &[("CLIENTELE_API_KEY_RATE_LIMIT_PER_MINUTE", "10")]);
    let busy = tenant_with_key(&server, "busy").await;
    let calm = tenant_with_key(&server, "calm").await;
    let user = customer_in(&server, "busy", "b@example.com", "busy password 1").await;
    let id = user["uuid"].as_str().unwrap();
    let mut refused = None;
    for _ in 0..11 {
        let response = server
            .http
            .put(server.url("/v1/cl2c/user"))
            .header("tenant", "busy")
            .header("X-API-Key", &busy.key)
            .json(&seed_body(id))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status(), 200);
    }
    let refused = refused.expect("the 11th request in a minute is refused");
    assert!(refused.headers().contains_key("retry-after"));
    let request_id = refused.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (_, body) = status_and_json(refused).await;
    assert_default_error(&body, 429, &request_id);
    let other_user = customer_in(&server, "calm", "c@example.com", "calm password 1").await;
    let (status, _, _) = put_user(
        &server,
        Some("calm"),
        Some(&calm.key),
        None,
        seed_body(other_user["uuid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200, "another key is not held back");
}
