//! Back office: creating and reading customers with the admin token.

use clientele_e2e::{status_and_json, Server, ADMIN_TOKEN};
use serde_json::{json, Value};

crate::on_both_backends!(
    admin_token_is_required,
    customers_are_created_and_read,
    bad_customers_are_refused
);

async fn admin_token_is_required(server: Server) {
    for auth in [
        None,
        Some("Bearer wrong-token-wrong-token"),
        Some("Basic YWRtaW46YWRtaW4="),
    ] {
        let mut request = server
            .http
            .post(server.url("/admin/v1/customers"))
            .json(&json!({"email": "a@b.co"}));
        if let Some(value) = auth {
            request = request.header("Authorization", value);
        }
        let (status, problem) = status_and_json(request.send().await.unwrap()).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(problem["status"], 401);
        let get = server
            .http
            .get(server.url("/admin/v1/customers/1"))
            .send()
            .await
            .unwrap();
        assert_eq!(get.status(), 401);
    }
}

async fn get(server: &Server, id: &str) -> (u16, Value) {
    status_and_json(
        server
            .http
            .get(server.url(&format!("/admin/v1/customers/{id}")))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn customers_are_created_and_read(server: Server) {
    let response = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(ADMIN_TOKEN)
        .json(
            &json!({"email": "Mixed.Case@Example.com", "password": "correct horse", "nickname": "Nick",
            "locale": "en_GB", "firstName": "Ann", "middleName": "M", "lastName": "Lee",
            "birthday": "1990-05-15", "phone": "+44 7700 900123"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/admin/v1/customers/{}", created["id"]));
    assert_eq!(created["status"], "active");
    assert_eq!(created["email"], "Mixed.Case@Example.com");
    assert_eq!(created["phone"], "+447700900123");
    assert_eq!(created["birthday"], "1990-05-15");
    let id = created["id"].as_i64().unwrap();
    assert!(
        (10_000_000_000_000..100_000_000_000_000).contains(&id),
        "14-digit numeric id"
    );
    assert!(!created.to_string().contains("correct horse"));

    assert_eq!(get(&server, &id.to_string()).await, (200, created.clone()));
    assert_eq!(
        get(&server, created["uuid"].as_str().unwrap()).await,
        (200, created.clone())
    );
    assert_eq!(get(&server, "12345").await.0, 404);
    assert_eq!(get(&server, &uuid::Uuid::new_v4().to_string()).await.0, 404);
    assert_eq!(get(&server, "not-an-id").await.0, 404);

    server.login("mixed.case@example.com", "correct horse").await;

    let duplicate = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"email": "MIXED.case@example.COM", "password": "another password"}))
        .send()
        .await
        .unwrap();
    let (status, problem) = status_and_json(duplicate).await;
    assert_eq!(status, 409, "{problem}");
}

async fn bad_customers_are_refused(server: Server) {
    let cases = [
        (json!({"password": "correct horse"}), vec!["email"]),
        (
            json!({"email": "nope", "password": "correct horse"}),
            vec!["email"],
        ),
        (json!({"email": "a@b.co", "password": ""}), vec!["password"]),
        (json!({"email": "a@b.co", "password": "short"}), vec!["password"]),
        (
            json!({"email": "a@b.co", "password": "correct horse", "locale": "xx_XXX", "phone": "123",
                "birthday": "2999-01-01", "firstName": "", "shoe": 1}),
            vec!["locale", "phone", "birthday", "firstName", "shoe"],
        ),
        (
            json!({"email": ["a@b.co"], "password": 12345678}),
            vec!["email", "password"],
        ),
        // A snake_case name is named as sent, with the one to use.
        (
            json!({"email": "a@b.co", "password": "correct horse", "first_name": "Sam"}),
            vec!["first_name"],
        ),
    ];
    for (body, fields) in cases {
        let response = server
            .http
            .post(server.url("/admin/v1/customers"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, problem) = status_and_json(response).await;
        assert_eq!(status, 400, "{body}: {problem}");
        for field in &fields {
            assert!(problem["errors"].get(field).is_some(), "{field} in {problem}");
        }
        assert_eq!(
            problem["errors"].as_object().unwrap().len(),
            fields.len(),
            "only the fields named: {problem}"
        );
        if fields == ["first_name"] {
            assert_eq!(
                problem["errors"]["first_name"][0],
                "is not a known field; the field is `firstName`"
            );
        }
    }
}
