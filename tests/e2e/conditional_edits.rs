//! Conditional edits: the profile's `ETag` is its version, and a change sent with `If-Match`
//! applies only while the profile is still at that version (412 otherwise, nothing changed), on
//! the B2Core profile and the Customer-area self alike; of concurrent edits sent with one tag,
//! exactly one goes through.

use clientele_e2e::{status_and_json, Server};
use clientele_testkit::SmtpSink;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

crate::on_both_backends_with_mail!(
    an_edit_applies_only_to_the_version_it_names,
    of_edits_sent_with_one_tag_one_goes_through,
);

/// A request with a bearer token and `If-Match` (none when `None`): status, ETag and body.
async fn send(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let mut request = server.http.request(method, server.url(path)).bearer_auth(token);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let tag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = status_and_json(response).await;
    (status, tag, body)
}

async fn an_edit_applies_only_to_the_version_it_names(server: Server, _smtp: SmtpSink) {
    let (_, _, token) = server.signed_in_customer().await;
    for (path, method, field) in [
        ("/api/v2/my/profile", Method::PATCH, "nickname"),
        ("/api/v2/my/profile", Method::PUT, "nickname"),
        ("/customers/self", Method::PATCH, "name"),
    ] {
        let change = |value: &str| json!({ field: value });
        let (status, read, _) = send(&server, Method::GET, path, &token, None, None).await;
        assert_eq!(status, 200);
        let read = read.expect("a GET answers an ETag");
        let (status, written, body) = send(
            &server,
            method.clone(),
            path,
            &token,
            Some(&read),
            Some(change("First")),
        )
        .await;
        assert_eq!(status, 200, "{path}: {body}");
        let written = written.expect("a change answers the new ETag");
        assert_ne!(written, read, "{path}: the version moved");

        // The tag read before that change no longer holds: 412, and nothing changes.
        let (status, _, problem) = send(
            &server,
            method.clone(),
            path,
            &token,
            Some(&read),
            Some(change("Lost")),
        )
        .await;
        assert_eq!(status, 412, "{path}: {problem}");
        assert_eq!(problem["status"], 412, "{problem}");
        let (_, now, body) = send(&server, Method::GET, path, &token, None, None).await;
        assert_eq!(now.as_deref(), Some(written.as_str()), "{path}: {body}");
        assert!(!body.to_string().contains("Lost"), "{path}: {body}");

        // The current tag, `*`, and a list naming it apply; a weak tag, or one we never
        // issued, does not; no If-Match at all sets no condition.
        for (form, value) in [
            ("the tag", "Next One"),
            ("*", "Next Two"),
            ("a list", "Next Three"),
        ] {
            let (_, current, _) = send(&server, Method::GET, path, &token, None, None).await;
            let current = current.unwrap();
            let tag = match form {
                "the tag" => current,
                "*" => "*".to_owned(),
                _ => format!("\"0\", {current}"),
            };
            let (status, next, body) = send(
                &server,
                method.clone(),
                path,
                &token,
                Some(&tag),
                Some(change(value)),
            )
            .await;
            assert_eq!(status, 200, "{path} with {tag}: {body}");
            assert!(body.to_string().contains(value), "{path}: {body}");
            let (_, now, _) = send(&server, Method::GET, path, &token, None, None).await;
            assert_eq!(next, now, "{path}: the answer's tag is the profile's");
        }
        let (_, current, _) = send(&server, Method::GET, path, &token, None, None).await;
        let current = current.unwrap();
        for tag in [format!("W/{current}"), "not a tag".to_owned()] {
            let (status, _, _) = send(
                &server,
                method.clone(),
                path,
                &token,
                Some(&tag),
                Some(change("Weak")),
            )
            .await;
            assert_eq!(status, 412, "{path} with {tag}");
        }
        let (status, _, _) = send(&server, method.clone(), path, &token, None, Some(change("Plain"))).await;
        assert_eq!(status, 200);
    }
}

async fn of_edits_sent_with_one_tag_one_goes_through(server: Server, _smtp: SmtpSink) {
    let (_, _, token) = server.signed_in_customer().await;
    let (_, read, _) = send(&server, Method::GET, "/api/v2/my/profile", &token, None, None).await;
    let read = read.unwrap();
    let edits = (0..16).map(|i| {
        let (server, token, read) = (&server, &token, &read);
        async move {
            send(
                server,
                Method::PATCH,
                "/api/v2/my/profile",
                token,
                Some(read),
                Some(json!({"nickname": format!("racer{i}")})),
            )
            .await
        }
    });
    let answers = join_all(edits).await;
    let won: Vec<usize> = (0..16).filter(|&i| answers[i].0 == 200).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|a| a.0 == 200 || a.0 == 412));
    let (_, _, profile) = send(&server, Method::GET, "/api/v2/my/profile", &token, None, None).await;
    assert_eq!(profile["nickname"], format!("racer{}", won[0]));
}
