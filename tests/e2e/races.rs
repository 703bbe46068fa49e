//! What two requests at once must not break: edits of one account at once all go through, each
//! field as its last writer left it; an edit racing a deletion writes nothing back,
//! concurrent reset requests all answer alike, and a reset's answer takes as long whether or
//! not the address has an account.

use std::time::{Duration, Instant};

use clientele_e2e::{post, status_and_json, Server, ADMIN_TOKEN};
use clientele_testkit::SmtpSink;
use futures_util::future::join_all;
use serde_json::{json, Value};

crate::on_both_backends_with_mail!(
    thirty_two_edits_of_one_account_all_go_through,
    twenty_edits_racing_a_deletion_write_nothing_back,
    concurrent_reset_requests_all_answer_alike,
    do_reset_answers_no_faster_for_unknown_addresses,
);

fn unique_email() -> String {
    format!("r{}@example.com", uuid::Uuid::new_v4().simple())
}

async fn thirty_two_edits_of_one_account_all_go_through(server: Server, _smtp: SmtpSink) {
    let (email, password) = (unique_email(), format!("pw-{}", uuid::Uuid::new_v4().simple()));
    server.create_customer(&email, &password, json!({})).await;
    let token = server.login(&email, &password).await;
    // Four fields, eight writers each: every edit is re-applied to what the others left.
    let fields = ["nickname", "firstName", "lastName", "middleName"];
    let patches = (0..32).map(|i| {
        let field = fields[i % fields.len()];
        let body = if field == "nickname" {
            json!({"nickname": format!("nick{i}")})
        } else {
            json!({"info": {field: format!("Value{i}")}})
        };
        let request = server
            .http
            .patch(server.url("/api/v2/my/profile"))
            .bearer_auth(&token)
            .json(&body);
        async move { status_and_json(request.send().await.unwrap()).await }
    });
    let answers = join_all(patches).await;
    for (i, (status, body)) in answers.iter().enumerate() {
        assert_eq!(
            *status, 200,
            "edit {i}: no conflict but a real one is refused: {body}"
        );
    }
    // Each field holds one of its writers' values, and the answer each writer got shows its own.
    let (_, profile) = server.get_json("/api/v2/my/profile", &token).await;
    for (n, field) in fields.iter().enumerate() {
        let value = if *field == "nickname" {
            profile["nickname"].as_str().unwrap().to_owned()
        } else {
            profile["info"][field].as_str().unwrap().to_owned()
        };
        let written: Vec<String> = (0..32)
            .filter(|i| i % fields.len() == n)
            .map(|i| {
                if *field == "nickname" {
                    format!("nick{i}")
                } else {
                    format!("Value{i}")
                }
            })
            .collect();
        assert!(written.contains(&value), "{field}: {value} is no writer's");
    }
    for (i, (_, body)) in answers.iter().enumerate() {
        let field = fields[i % fields.len()];
        let shown = if field == "nickname" {
            &body["nickname"]
        } else {
            &body["info"][field]
        };
        let own = if field == "nickname" {
            format!("nick{i}")
        } else {
            format!("Value{i}")
        };
        assert_eq!(shown, &json!(own), "edit {i} answered with its own change");
    }
}

async fn twenty_edits_racing_a_deletion_write_nothing_back(server: Server, smtp: SmtpSink) {
    for round in 0..3 {
        let (email, password) = (unique_email(), format!("pw-{}", uuid::Uuid::new_v4().simple()));
        let created = server.create_customer(&email, &password, json!({})).await;
        let token = server.login(&email, &password).await;
        let new_email = unique_email();
        let patches = (0..20).map(|i| {
            let request = server
                .http
                .patch(server.url("/customers/self"))
                .bearer_auth(&token);
            let body = if i % 4 == 0 {
                json!({"email": new_email})
            } else {
                json!({"name": format!("Racer Number{i}"), "phone": "+14155550123"})
            };
            async move { status_and_json(request.json(&body).send().await.unwrap()).await }
        });
        let delete = async {
            let request = server
                .http
                .delete(server.url("/customers/self"))
                .bearer_auth(&token);
            status_and_json(request.send().await.unwrap()).await
        };
        let (patched, deleted) = tokio::join!(join_all(patches), delete);
        assert_eq!(deleted, (200, json!({"result": "deleted"})), "round {round}");
        for (status, body) in &patched {
            assert!(
                [200, 401, 409].contains(status),
                "round {round}: a racing edit answers 200, 401 or 409, not {status} {body}"
            );
        }
        let id = created["id"].as_i64().unwrap();
        let (status, erased) = status_and_json(
            server
                .http
                .get(server.url(&format!("/admin/v1/customers/{id}")))
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(erased["status"], "erased", "round {round}: {erased}");
        for field in ["email", "firstName", "lastName", "nickname", "phone"] {
            assert_eq!(
                erased[field],
                Value::Null,
                "round {round}: {field} came back: {erased}"
            );
        }
        assert_eq!(erased["hasPassword"], false);
        // An email-change key mailed before the deletion won confirms nothing afterwards.
        tokio::time::sleep(Duration::from_millis(300)).await;
        for mail in smtp.received().iter().filter(|m| m.to.contains(&new_email)) {
            let (Some(identifier), Some(key)) = (mail.line("Identifier"), mail.line("Key")) else {
                continue;
            };
            let (status, _) = post(
                &server,
                "/customers/newemail_confirm",
                json!({"identifier": identifier, "key": key}),
            )
            .await;
            assert_ne!(
                status, 200,
                "round {round}: a deleted account's email change was confirmed"
            );
        }
        assert_eq!(server.login_status(&new_email, &password).await, 401);
    }
}

async fn concurrent_reset_requests_all_answer_alike(server: Server, smtp: SmtpSink) {
    for round in 0..3 {
        let (email, _, _) = server.signed_in_customer().await;
        let requests = (0..10).map(|_| {
            post(
                &server,
                "/customers/password_reset",
                json!({"email": email, "reset_uri": "/customers/do_reset"}),
            )
        });
        for answer in join_all(requests).await {
            assert_eq!(answer, (200, json!({"result": "email_sent"})), "round {round}");
        }
        let mail = smtp.wait_for(&email, "Reset your password", Duration::from_secs(15));
        assert!(mail.line("Code").is_some());
    }
}

async fn do_reset_answers_no_faster_for_unknown_addresses(server: Server, _smtp: SmtpSink) {
    let (email, _, _) = server.signed_in_customer().await;
    for (who, code) in [(unique_email(), "8KY0CX0LAR"), (email, "WRONGCODE1")] {
        let started = Instant::now();
        let (status, _) = post(
            &server,
            "/customers/do_reset",
            json!({"email": who, "code": code}),
        )
        .await;
        assert_eq!(status, 400);
        assert!(
            started.elapsed() >= Duration::from_millis(240),
            "{who}: answered in {:?}, under the floor that hides whether the address exists",
            started.elapsed()
        );
    }
}
