//! B2Core client profile (seed 000): the seed's examples verbatim, merge semantics, bad input.

use clientele_e2e::{status_and_json, Server};
use serde_json::{json, Value};

crate::on_both_backends!(
    seed_examples_work_verbatim,
    put_replaces_and_patch_merges,
    every_bad_input_is_a_400_naming_the_field_and_changes_nothing,
    customers_only_ever_see_their_own_profile,
    concurrent_edits_of_different_fields_are_both_kept,
);

async fn get_profile(server: &Server, token: &str) -> Value {
    let response = server
        .http
        .get(server.url("/api/v2/my/profile"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn send(server: &Server, method: reqwest::Method, token: &str, body: &str) -> (u16, Value) {
    let response = server
        .http
        .request(method, server.url("/api/v2/my/profile"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    status_and_json(response).await
}

async fn seed_examples_work_verbatim(server: Server) {
    let (email, _, token) = server.signed_in_customer().await;
    let profile = get_profile(&server, &token).await;
    for key in [
        "id",
        "email",
        "nickname",
        "locale",
        "info",
        "createdAt",
        "updatedAt",
    ] {
        assert!(profile.get(key).is_some(), "{key} missing from {profile}");
    }
    for key in ["firstName", "lastName", "middleName", "birthday"] {
        assert!(
            profile["info"].get(key).is_some(),
            "info.{key} missing from {profile}"
        );
    }
    assert_eq!(profile["email"], email.as_str());
    assert!(profile["id"].is_i64());

    // The seed's PUT, as curl sends it: --data-raw without a Content-Type header, so
    // curl labels it application/x-www-form-urlencoded.
    let body = r#"{
  "nickname": "Nickname",
  "locale": "en_US",
  "info": {
    "firstName": "James",
    "lastName": "Parker",
    "middleName": "William",
    "birthday": "2022-01-01T00:00:00+00:00"
  }
}"#;
    let response = server
        .http
        .put(server.url("/api/v2/my/profile"))
        .header("Authorization", format!("Bearer {token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, updated) = status_and_json(response).await;
    assert_eq!(status, 200, "{updated}");
    let expected = json!({"firstName": "James", "lastName": "Parker", "middleName": "William",
        "birthday": "2022-01-01T00:00:00+00:00"});
    assert_eq!(updated["info"], expected);
    assert_eq!(updated["nickname"], "Nickname");
    assert_eq!(updated["locale"], "en_US");
    assert_eq!(get_profile(&server, &token).await, updated);

    // And with no Content-Type at all.
    let response = server
        .http
        .put(server.url("/api/v2/my/profile"))
        .bearer_auth(&token)
        .body(r#"{"nickname": "Bare"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn put_replaces_and_patch_merges(server: Server) {
    let (_, _, token) = server.signed_in_customer().await;
    let full = r#"{"nickname": " Nick ", "locale": "en-us",
        "info": {"firstName": "Ann", "lastName": "Lee", "middleName": "May", "birthday": "1990-05-15"}}"#;
    let (status, body) = send(&server, reqwest::Method::PUT, &token, full).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nickname"], "Nick", "names are trimmed");
    assert_eq!(body["locale"], "en-US");
    assert_eq!(body["info"]["birthday"], "1990-05-15T00:00:00+00:00");

    let (_, body) = send(
        &server,
        reqwest::Method::PATCH,
        &token,
        r#"{"nickname": "Nicky"}"#,
    )
    .await;
    assert_eq!(body["nickname"], "Nicky");
    assert_eq!(body["locale"], "en-US", "PATCH keeps what it does not name");
    assert_eq!(body["info"]["firstName"], "Ann");

    let (_, body) = send(
        &server,
        reqwest::Method::PATCH,
        &token,
        r#"{"info": {"middleName": null}}"#,
    )
    .await;
    assert_eq!(body["info"]["middleName"], Value::Null, "null clears");
    assert_eq!(body["info"]["lastName"], "Lee");

    // The birthday, once set, is final (birthday rewards): clearing it is refused with the rest.
    let (status, problem) = send(&server, reqwest::Method::PATCH, &token, r#"{"info": null}"#).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"]["info.birthday"].is_array(), "{problem}");
    let (_, body) = send(
        &server,
        reqwest::Method::PATCH,
        &token,
        r#"{"info": {"firstName": null, "lastName": null, "middleName": null}}"#,
    )
    .await;
    assert_eq!(
        body["info"],
        json!({"firstName": null, "lastName": null, "middleName": null,
               "birthday": "1990-05-15T00:00:00+00:00"})
    );
    assert_eq!(body["nickname"], "Nicky");

    let (_, body) = send(&server, reqwest::Method::PATCH, &token, r#"{}"#).await;
    assert_eq!(body["nickname"], "Nicky", "an empty patch changes nothing");

    let (_, body) = send(
        &server,
        reqwest::Method::PUT,
        &token,
        r#"{"info": {"lastName": "Only"}}"#,
    )
    .await;
    assert_eq!(
        body["nickname"],
        Value::Null,
        "PUT clears what it omits, but a final birthday"
    );
    assert_eq!(body["locale"], Value::Null);
    assert_eq!(
        body["info"],
        json!({"firstName": null, "lastName": "Only", "middleName": null,
               "birthday": "1990-05-15T00:00:00+00:00"})
    );
}

async fn every_bad_input_is_a_400_naming_the_field_and_changes_nothing(server: Server) {
    let (_, _, token) = server.signed_in_customer().await;
    let (_, before) = send(
        &server,
        reqwest::Method::PUT,
        &token,
        r#"{"nickname": "Keep", "locale": "de", "info": {"firstName": "Ann", "birthday": "1990-05-15"}}"#,
    )
    .await;
    let long = "x".repeat(101);
    let cases: Vec<(String, &str)> = vec![
        (r#"{"nickname": ""}"#.into(), "nickname"),
        (r#"{"nickname": "   "}"#.into(), "nickname"),
        (format!(r#"{{"nickname": "{long}"}}"#), "nickname"),
        (r#"{"nickname": "bell\u0007"}"#.into(), "nickname"),
        (r#"{"nickname": 5}"#.into(), "nickname"),
        (r#"{"locale": "english"}"#.into(), "locale"),
        (r#"{"locale": ["en"]}"#.into(), "locale"),
        (r#"{"info": "James"}"#.into(), "info"),
        (r#"{"info": {"firstName": ""}}"#.into(), "info.firstName"),
        (r#"{"info": {"lastName": "new\nline"}}"#.into(), "info.lastName"),
        (r#"{"info": {"middleName": {}}}"#.into(), "info.middleName"),
        (r#"{"info": {"birthday": "2999-01-01"}}"#.into(), "info.birthday"),
        (
            r#"{"info": {"birthday": "1899-12-31T00:00:00+00:00"}}"#.into(),
            "info.birthday",
        ),
        (r#"{"info": {"birthday": "15/05/1990"}}"#.into(), "info.birthday"),
        (r#"{"info": {"birthday": "0000-00-00"}}"#.into(), "info.birthday"),
        (r#"{"info": {"shoeSize": 42}}"#.into(), "info.shoeSize"),
        (r#"{"favouriteColour": "blue"}"#.into(), "favouriteColour"),
        (r#"{"id": 1}"#.into(), "id"),
        (r#"{"email": "new@example.com"}"#.into(), "email"),
        (r#"{"status": "active"}"#.into(), "status"),
        (
            r#"{"createdAt": "2020-01-01T00:00:00+00:00"}"#.into(),
            "createdAt",
        ),
    ];
    for method in [reqwest::Method::PUT, reqwest::Method::PATCH] {
        for (body, field) in &cases {
            // A valid change alongside the bad one must not be applied either.
            let body = body.replacen('{', r#"{"locale": "fr", "#, 1).replace(", }", "}");
            let (status, problem) = send(&server, method.clone(), &token, &body).await;
            assert_eq!(status, 400, "{method} {body}: {problem}");
            assert_eq!(problem["status"], 400);
            assert!(
                problem["errors"].get(*field).is_some(),
                "{method} {body}: {problem}"
            );
            assert!(
                problem["type"].is_string()
                    && problem["title"].is_string()
                    && problem["instance"].is_string()
            );
        }
        for body in [
            "",
            "{",
            "not json",
            "[]",
            "\"text\"",
            "null",
            "{\"nickname\": \"x\",}",
        ] {
            let (status, problem) = send(&server, method.clone(), &token, body).await;
            assert_eq!(status, 400, "{method} {body:?}: {problem}");
            assert_eq!(problem["type"], "urn:clientele:problem:malformed-request");
        }
    }
    assert_eq!(get_profile(&server, &token).await, before, "nothing changed");
}

async fn customers_only_ever_see_their_own_profile(server: Server) {
    let (email_a, _, token_a) = server.signed_in_customer().await;
    let (email_b, _, token_b) = server.signed_in_customer().await;
    let (_, a) = send(
        &server,
        reqwest::Method::PATCH,
        &token_a,
        r#"{"nickname": "Alice"}"#,
    )
    .await;
    assert_eq!(a["email"], email_a.as_str());
    let b = get_profile(&server, &token_b).await;
    assert_eq!(b["email"], email_b.as_str());
    assert_eq!(b["nickname"], Value::Null);
    // A customer token is no back-office credential.
    let response = server
        .http
        .get(server.url(&format!("/admin/v1/customers/{}", b["id"])))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

async fn concurrent_edits_of_different_fields_are_both_kept(server: Server) {
    let (_, _, token) = server.signed_in_customer().await;
    for round in 0..5 {
        let nickname = format!(r#"{{"nickname": "Nick{round}"}}"#);
        let first_name = format!(r#"{{"info": {{"firstName": "First{round}"}}}}"#);
        let (a, b) = tokio::join!(
            send(&server, reqwest::Method::PATCH, &token, &nickname),
            send(&server, reqwest::Method::PATCH, &token, &first_name),
        );
        assert_eq!((a.0, b.0), (200, 200), "{a:?} {b:?}");
        let profile = get_profile(&server, &token).await;
        assert_eq!(profile["nickname"], format!("Nick{round}"), "no lost update");
        assert_eq!(
            profile["info"]["firstName"],
            format!("First{round}"),
            "no lost update"
        );
    }
}
