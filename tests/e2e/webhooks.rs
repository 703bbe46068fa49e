//! Webhooks end to end: real receivers (wiremock) that check every delivery's signature with the
//! Standard Webhooks reference library, against the real binary on SQLite and PostgreSQL.

use std::time::{Duration, Instant};

use clientele_e2e::{Backend, Server, Storage};
use clientele_testkit::SmtpSink;
use reqwest::Method;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::strong_sign_in::enrol;

crate::on_both_backends_by_hand!(
    every_event_type_arrives_signed_with_ids_and_nothing_personal,
    a_failed_delivery_is_retried_with_its_id_and_a_hanging_endpoint_holds_up_no_other,
    a_killed_instance_delivers_what_was_committed_after_its_restart,
    one_customer_s_events_arrive_in_commit_order,
    both_secrets_sign_while_a_rotation_overlaps,
    an_endpoint_failing_every_try_for_long_is_disabled_and_its_operator_told,
);

crate::on_both_backends!(urls_that_reach_private_networks_or_are_not_https_are_refused,);

const WAIT: Duration = Duration::from_secs(30);

fn tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

/// The settings every webhook scenario runs with: loopback receivers allowed, quick retries.
fn webhook_env<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("CLIENTELE_WEBHOOK_ALLOW_HTTP_LOOPBACK", "true"),
        ("CLIENTELE_WEBHOOK_RETRY_SECS", "1"),
    ];
    env.extend_from_slice(extra);
    env
}

/// A receiver answering `template` to every POST.
async fn receiver(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

/// Registers `url` for `events` on the default tenant: the endpoint as answered (with its secret).
async fn subscribe(server: &Server, url: &str, events: Value) -> Value {
    let (status, created) = server
        .admin(
            Method::POST,
            "/admin/v1/tenants/default/webhooks",
            Some(json!({"url": url, "events": events, "description": "test receiver"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The bodies `receiver` got, each checked with `secret` by the reference library.
async fn verified(receiver: &MockServer, secret: &str) -> Vec<(Request, Value)> {
    let verifier = standardwebhooks::Webhook::new(secret).unwrap();
    receiver
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .map(|request| {
            verifier
                .verify(&request.body, &request.headers)
                .unwrap_or_else(|e| panic!("a delivery that does not verify ({e}): {request:?}"));
            let body = serde_json::from_slice(&request.body).unwrap();
            (request, body)
        })
        .collect()
}

/// Waits until `receiver` got requests for which `enough` holds.
async fn until_received(receiver: &MockServer, enough: impl Fn(&[Request]) -> bool) -> Vec<Request> {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = receiver.received_requests().await.unwrap();
        if enough(&got) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "not received in time: {} requests",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn header(request: &Request, name: &str) -> String {
    request.headers.get(name).unwrap().to_str().unwrap().to_owned()
}

fn type_of(request: &Request) -> String {
    body_of(request)["type"].as_str().unwrap_or_default().to_owned()
}

fn types_for(requests: &[Request], customer: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| body_of(r)["data"]["customerUuid"] == customer)
        .map(type_of)
        .collect()
}

async fn admin_post(server: &Server, path: &str, body: Value) -> (u16, Value) {
    server.admin(Method::POST, path, Some(body)).await
}

async fn every_event_type_arrives_signed_with_ids_and_nothing_personal(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let url = smtp.url();
    let server = Server::start(&storage, &webhook_env(&[("CLIENTELE_SMTP_URL", &url)]));
    let hooks = receiver(ResponseTemplate::new(204)).await;
    let endpoint = subscribe(&server, &format!("{}/in", hooks.uri()), json!(["*"])).await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() >= 6 + 32, "{secret}");
    let endpoint_id = endpoint["id"].as_str().unwrap().to_owned();
    let (status, listed) = server
        .admin(Method::GET, "/admin/v1/tenants/default/webhooks", None)
        .await;
    assert_eq!(status, 200);
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once: {listed}"
    );
    let path = format!("/admin/v1/tenants/default/webhooks/{endpoint_id}/test");
    assert_eq!(admin_post(&server, &path, json!({})).await.0, 202);

    let t = tag();
    let (email, password) = (format!("ann.{t}@example.com"), "correct horse battery".to_owned());
    let created = server
        .create_customer(&email, &password, json!({"firstName": format!("Annabel{t}")}))
        .await;
    let (id, uuid) = (
        created["id"].as_i64().unwrap(),
        created["uuid"].as_str().unwrap().to_owned(),
    );
    let token = server.login(&email, &password).await;
    let (status, body) = server
        .patch_as(
            &token,
            "/customers/self",
            &json!({"address_town": format!("Town{t}")}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let customer = format!("/admin/v1/customers/{id}");
    let (status, body) = server
        .admin(Method::PATCH, &customer, Some(json!({"phone": "+4915112345678"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, added) = enrol(&server, &token, "Work phone").await;
    let factor = added["id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("{added}"));
    let path = format!("{customer}/factors/{factor}");
    assert_eq!(server.admin(Method::DELETE, &path, None).await.0, 204);
    let new_password = "another horse battery";
    let token = server.login(&email, &password).await;
    let (status, body) = server
        .post_as(
            &token,
            "/api/user/change-password",
            &json!({"old_password": password, "password": new_password}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let new_email = format!("ann.new.{t}@example.com");
    let (status, body) = server
        .patch_as(&token, "/customers/self", &json!({"email": new_email}))
        .await;
    assert_eq!(status, 200, "{body}");
    let key_mail = smtp.wait_for(&new_email, "Confirm your new email address", WAIT);
    let confirm =
        json!({"identifier": key_mail.line("Identifier").unwrap(), "key": key_mail.line("Key").unwrap()});
    assert_eq!(
        clientele_e2e::post(&server, "/customers/newemail_confirm", confirm)
            .await
            .0,
        200
    );
    let wallet = json!({"kind": "cashback", "amount": 12.5, "reference": format!("w-{t}")});
    assert_eq!(
        admin_post(&server, &format!("{customer}/wallet"), wallet).await.0,
        201
    );
    let order = json!({"reference": format!("o-{t}"), "amount": 99.0, "status": "placed",
                       "placedAt": "2026-11-30T10:00:00Z"});
    assert_eq!(
        admin_post(&server, &format!("{customer}/orders"), order).await.0,
        201
    );
    let path = format!("{customer}/orders/o-{t}");
    assert_eq!(
        server
            .admin(Method::PATCH, &path, Some(json!({"status": "completed"})))
            .await
            .0,
        200
    );

    // What changed is told while the customer is there: an erasure empties what is still
    // on its way.
    let before_closing = until_received(&hooks, |got| types_for(got, &uuid).len() >= 10).await;
    let data_of = |kind: &str| {
        before_closing
            .iter()
            .map(body_of)
            .find(|b| b["data"]["customerUuid"] == uuid.as_str() && b["type"] == kind)
            .map(|b| b["data"].clone())
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    assert_eq!(data_of("customer.updated")["fields"], json!(["address"]));
    assert_eq!(data_of("customer.factor_added")["factor"], "totp");
    assert_eq!(data_of("customer.password_changed")["reset"], false);
    assert_eq!(data_of("order.updated")["status"], "completed");
    assert_eq!(data_of("loyalty.posted")["amount"], 1250);

    // Closing, with approval: requested, rejected, reactivated; requested again, approved.
    let (status, _) = server
        .admin(
            Method::PATCH,
            "/admin/v1/settings",
            Some(json!({"deletionRequiresApproval": true})),
        )
        .await;
    assert_eq!(status, 200);
    let close = |token: String| {
        let server = &server;
        async move {
            let response = server
                .http
                .delete(server.url("/customers/self"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
    };
    let token = server.login(&new_email, new_password).await;
    close(token).await;
    let request_of = || async {
        let (_, listed) = server
            .admin(Method::GET, "/admin/v1/deletion-requests?status=pending", None)
            .await;
        listed["deletionRequests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["customer"] == uuid.as_str())
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .expect("a pending request")
    };
    let request = request_of().await;
    let path = format!("/admin/v1/deletion-requests/{request}/reject");
    assert_eq!(
        admin_post(&server, &path, json!({"reason": "Open invoices."}))
            .await
            .0,
        200
    );
    assert_eq!(
        admin_post(&server, &format!("{customer}/reactivate"), json!({}))
            .await
            .0,
        200
    );
    let token = server.login(&new_email, new_password).await;
    close(token).await;
    let request = request_of().await;
    let path = format!("/admin/v1/deletion-requests/{request}/approve");
    assert_eq!(admin_post(&server, &path, json!({})).await.0, 200);

    // Activation: an invited customer.
    let invited = format!("bob.{t}@example.com");
    let (status, body) = admin_post(&server, "/admin/v1/customers", json!({"email": invited})).await;
    assert_eq!(status, 201, "{body}");
    let invited_uuid = body["uuid"].as_str().unwrap().to_owned();
    let mail = smtp.wait_for(&invited, "Activate your account", WAIT);
    let activation = json!({"identifier": mail.line("Identifier").unwrap(), "secret": mail.line("Secret").unwrap(),
        "password": "a good passphrase", "password_check": "a good passphrase"});
    let (status, body) = clientele_e2e::post(&server, "/customers/activate", activation).await;
    assert_eq!(status, 200, "{body}");

    let expected = [
        "customer.created",
        "customer.updated",
        "customer.phone_changed",
        "customer.factor_added",
        "customer.factor_removed",
        "customer.password_changed",
        "customer.email_changed",
        "loyalty.posted",
        "order.created",
        "order.updated",
        "customer.deactivated",
        "customer.deletion_requested",
        "customer.deletion_rejected",
        "customer.reactivated",
        "customer.deactivated",
        "customer.deletion_requested",
        "customer.erased",
    ];
    let got = until_received(&hooks, |got| {
        types_for(got, &uuid).len() >= expected.len() && types_for(got, &invited_uuid).len() >= 2
    })
    .await;
    assert_eq!(types_for(&got, &uuid), expected, "in commit order");
    assert_eq!(
        types_for(&got, &invited_uuid),
        ["customer.created", "customer.activated"]
    );
    let deliveries = verified(&hooks, &secret).await;
    let test = deliveries
        .iter()
        .find(|(_, body)| body["type"] == "webhook.test")
        .expect("the test event");
    assert_eq!(
        test.1["data"],
        json!({"tenant": "default", "endpointId": endpoint_id})
    );
    for (request, body) in &deliveries {
        assert!(header(request, "webhook-id").starts_with("evt_"));
        assert_eq!(header(request, "content-type"), "application/json");
        assert!(header(request, "user-agent").starts_with("Clientele"));
        assert!(body["timestamp"].is_string(), "{body}");
        let text = body.to_string();
        for personal in [
            email.as_str(),
            &new_email,
            "Annabel",
            "Town",
            "4915112345678",
            new_password,
            &password,
        ] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        if body["data"]["customerUuid"] == uuid.as_str() {
            assert_eq!(body["data"]["customerId"], id, "{body}");
            assert_eq!(body["data"]["tenant"], "default");
        }
    }
    let of = |kind: &str| {
        deliveries
            .iter()
            .filter(|(_, b)| b["data"]["customerUuid"] == uuid.as_str() && b["type"] == kind)
            .map(|(_, b)| b["data"].clone())
            .collect::<Vec<_>>()
    };
    // The erasure itself carries ids alone.
    assert_eq!(
        of("customer.erased")[0],
        json!({"customerId": id, "customerUuid": uuid, "tenant": "default"})
    );
    let path = format!("/admin/v1/tenants/default/webhooks/{endpoint_id}/deliveries?limit=200");
    // Every answer was received; the last outcomes are recorded just after.
    let deadline = Instant::now() + WAIT;
    let listing = loop {
        let (status, listing) = server.admin(Method::GET, &path, None).await;
        assert_eq!(status, 200);
        let settled = listing["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] != "pending");
        if settled || Instant::now() > deadline {
            break listing;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let listed = listing["deliveries"].as_array().unwrap();
    assert!(listed.len() >= expected.len() + 3, "{listing}");
    assert!(
        listed
            .iter()
            .all(|d| d["status"] == "delivered" && d["attempts"][0]["statusCode"] == 204),
        "{listing}"
    );
}

async fn a_failed_delivery_is_retried_with_its_id_and_a_hanging_endpoint_holds_up_no_other(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(
        &storage,
        &webhook_env(&[("CLIENTELE_WEBHOOK_TIMEOUT_SECS", "10")]),
    );
    let flaky = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&flaky)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&flaky)
        .await;
    let hanging = receiver(ResponseTemplate::new(200).set_delay(Duration::from_secs(60))).await;
    let healthy = receiver(ResponseTemplate::new(200)).await;
    let created = json!(["customer.created"]);
    let flaky_hook = subscribe(&server, &flaky.uri(), created.clone()).await;
    let hanging_hook = subscribe(&server, &hanging.uri(), created.clone()).await;
    let healthy_hook = subscribe(&server, &healthy.uri(), created).await;

    let t = tag();
    for n in 0..3 {
        server
            .create_customer(
                &format!("c{n}.{t}@example.com"),
                "correct horse battery",
                json!({}),
            )
            .await;
    }
    let started = Instant::now();
    until_received(&healthy, |got| got.len() >= 3).await;
    // The hanging endpoint's tries take the whole 10 s timeout: every event reached the
    // healthy one well before the first of them gave up.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the healthy endpoint waited for the hanging one: {:?}",
        started.elapsed()
    );
    let got = until_received(&flaky, |got| got.len() >= 4).await;
    let first_id = header(&got[0], "webhook-id");
    let retried: Vec<&Request> = got
        .iter()
        .filter(|r| header(r, "webhook-id") == first_id)
        .collect();
    assert_eq!(retried.len(), 2, "tried again, under the same webhook-id");
    assert_eq!(retried[0].body, retried[1].body, "the same body");
    verified(&flaky, flaky_hook["secret"].as_str().unwrap()).await;
    verified(&healthy, healthy_hook["secret"].as_str().unwrap()).await;

    let id = flaky_hook["id"].as_str().unwrap();
    let path = format!("/admin/v1/tenants/default/webhooks/{id}/deliveries");
    // The receiver answered; the outcome is recorded just after.
    let deadline = Instant::now() + WAIT;
    let retried_delivery = loop {
        let (_, listing) = server.admin(Method::GET, &path, None).await;
        let found = listing["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["eventId"] == first_id.as_str())
            .unwrap()
            .clone();
        if found["status"] != "pending" || Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let codes: Vec<&Value> = retried_delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["statusCode"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(200)], "{retried_delivery}");
    assert_eq!(retried_delivery["status"], "delivered");
    // Delivered again on demand: the same id once more.
    let path = format!(
        "/admin/v1/tenants/default/webhooks/{id}/deliveries/{}/retry",
        retried_delivery["id"].as_str().unwrap()
    );
    assert_eq!(admin_post(&server, &path, json!({})).await.0, 202);
    let got = until_received(&flaky, |got| got.len() >= 5).await;
    assert_eq!(header(&got[4], "webhook-id"), first_id);

    // Counted by endpoint and outcome.
    let metrics = server
        .http
        .get(server.url("/metrics"))
        .bearer_auth(clientele_e2e::ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for outcome in ["failed", "delivered"] {
        let counted = format!(r#"clientele_webhook_deliveries_total{{endpoint="{id}",outcome="{outcome}"}}"#);
        assert!(metrics.contains(&counted), "{counted} missing from:\n{metrics}");
    }

    // The hanging endpoint's tries time out and are recorded as such.
    let id = hanging_hook["id"].as_str().unwrap();
    let path = format!("/admin/v1/tenants/default/webhooks/{id}/deliveries?status=pending");
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, listing) = server.admin(Method::GET, &path, None).await;
        let timed_out = listing["deliveries"].as_array().unwrap().iter().any(|d| {
            d["attempts"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|a| a["error"].as_str().is_some_and(|e| e.contains("timeout")))
            })
        });
        if timed_out {
            break;
        }
        assert!(Instant::now() < deadline, "{listing}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn a_killed_instance_delivers_what_was_committed_after_its_restart(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    // A port with no one listening: every try fails until the receiver comes up on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let env = webhook_env(&[("CLIENTELE_WEBHOOK_RETRY_SECS", "2")]);
    let server = Server::start(&storage, &env);
    let hook = subscribe(
        &server,
        &format!("http://127.0.0.1:{port}/in"),
        json!(["customer.created"]),
    )
    .await;
    let id = hook["id"].as_str().unwrap().to_owned();
    let t = tag();
    let customer = server
        .create_customer(&format!("k.{t}@example.com"), "correct horse battery", json!({}))
        .await;
    let path = format!("/admin/v1/tenants/default/webhooks/{id}/deliveries");
    let deadline = Instant::now() + WAIT;
    let event_id = loop {
        let (_, listing) = server.admin(Method::GET, &path, None).await;
        let tried = listing["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["attempts"].as_array().is_some_and(|a| !a.is_empty()))
            .cloned();
        if let Some(tried) = tried {
            assert_eq!(tried["status"], "pending");
            break tried["eventId"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "{listing}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    drop(server); // SIGKILL
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let hooks = MockServer::builder().listener(listener).start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hooks)
        .await;
    let _restarted = Server::start(&storage, &env);
    let got = until_received(&hooks, |got| !got.is_empty()).await;
    assert_eq!(header(&got[0], "webhook-id"), event_id);
    assert_eq!(body_of(&got[0])["data"]["customerUuid"], customer["uuid"]);
    verified(&hooks, hook["secret"].as_str().unwrap()).await;
}

async fn one_customer_s_events_arrive_in_commit_order(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &webhook_env(&[]));
    // The first delivery fails: everything after it for the same customer waits for it.
    let hooks = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&hooks)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&hooks)
        .await;
    subscribe(
        &server,
        &hooks.uri(),
        json!(["customer.created", "customer.updated"]),
    )
    .await;
    let t = tag();
    let (email, password) = (format!("o.{t}@example.com"), "correct horse battery");
    let created = server.create_customer(&email, password, json!({})).await;
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    let edits = [
        json!({"locale": "de"}),
        json!({"firstName": format!("A{t}")}),
        json!({"locale": "en"}),
        json!({"lastName": format!("B{t}")}),
        json!({"nickname": format!("C{t}")}),
    ];
    let path = format!("/admin/v1/customers/{uuid}");
    for edit in edits {
        let (status, body) = server.admin(Method::PATCH, &path, Some(edit)).await;
        assert_eq!(status, 200, "{body}");
    }
    let got = until_received(&hooks, |got| types_for(got, &uuid).len() >= 7).await;
    let bodies: Vec<Value> = got
        .iter()
        .map(body_of)
        .filter(|b| b["data"]["customerUuid"] == uuid.as_str())
        .collect();
    assert_eq!(bodies[0]["type"], "customer.created");
    assert_eq!(
        bodies[1]["type"], "customer.created",
        "the retry, before anything later"
    );
    let updated: Vec<Value> = bodies[2..].iter().map(|b| b["data"]["fields"].clone()).collect();
    assert_eq!(
        updated,
        vec![
            json!(["locale"]),
            json!(["firstName"]),
            json!(["locale"]),
            json!(["lastName"]),
            json!(["nickname"]),
        ]
    );
}

async fn both_secrets_sign_while_a_rotation_overlaps(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &webhook_env(&[]));
    let hooks = receiver(ResponseTemplate::new(200)).await;
    let hook = subscribe(&server, &hooks.uri(), json!(["customer.created"])).await;
    let old = hook["secret"].as_str().unwrap().to_owned();
    let path = format!(
        "/admin/v1/tenants/default/webhooks/{}/rotate-secret",
        hook["id"].as_str().unwrap()
    );
    let (status, rotated) = admin_post(&server, &path, json!({})).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["previousSecretUntil"].is_string(), "{rotated}");
    server
        .create_customer(
            &format!("r.{}@example.com", tag()),
            "correct horse battery",
            json!({}),
        )
        .await;
    let got = until_received(&hooks, |got| !got.is_empty()).await;
    assert_eq!(header(&got[0], "webhook-signature").split(' ').count(), 2);
    // Each secret alone verifies: receivers switch when they are ready.
    verified(&hooks, &old).await;
    verified(&hooks, &new).await;
}

async fn an_endpoint_failing_every_try_for_long_is_disabled_and_its_operator_told(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let url = smtp.url();
    let server = Server::start(
        &storage,
        &webhook_env(&[
            ("CLIENTELE_SMTP_URL", &url),
            ("CLIENTELE_WEBHOOK_DISABLE_AFTER_SECS", "2"),
        ]),
    );
    let operator = format!("ops.{}@example.com", tag());
    let (status, body) = server
        .admin(
            Method::PATCH,
            "/admin/v1/tenants/default",
            Some(json!({"settings": {"operatorEmail": operator}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["settings"]["operatorEmail"], operator.as_str());
    let down = receiver(ResponseTemplate::new(500)).await;
    let hook = subscribe(&server, &down.uri(), json!(["customer.created"])).await;
    let path = format!(
        "/admin/v1/tenants/default/webhooks/{}",
        hook["id"].as_str().unwrap()
    );
    server
        .create_customer(
            &format!("d.{}@example.com", tag()),
            "correct horse battery",
            json!({}),
        )
        .await;
    let mail = smtp.wait_for(&operator, "A webhook endpoint was disabled", WAIT);
    assert!(mail.text.contains(&down.uri()), "{}", mail.text);
    let (_, disabled) = server.admin(Method::GET, &path, None).await;
    assert!(disabled["disabledAt"].is_string(), "{disabled}");
    assert!(disabled["failingSince"].is_string(), "{disabled}");
    let tries = down.received_requests().await.unwrap().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        down.received_requests().await.unwrap().len(),
        tries,
        "nothing goes to a disabled endpoint"
    );
    let (status, enabled) = server
        .admin(Method::PATCH, &path, Some(json!({"disabled": false})))
        .await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(
        (&enabled["disabledAt"], &enabled["failingSince"]),
        (&Value::Null, &Value::Null)
    );
    until_received(&down, |got| got.len() > tries).await;
}

async fn urls_that_reach_private_networks_or_are_not_https_are_refused(server: Server) {
    for (url, events) in [
        ("https://10.0.0.1/hook", json!(["*"])),
        ("https://169.254.169.254/latest/meta-data", json!(["*"])),
        ("https://[fd00::1]/hook", json!(["*"])),
        ("https://localhost/hook", json!(["*"])),
        ("http://hooks.example.com/hook", json!(["*"])),
        ("not a url", json!(["*"])),
        ("https://user:pw@hooks.example.com/", json!(["*"])),
    ] {
        let (status, problem) = admin_post(
            &server,
            "/admin/v1/tenants/default/webhooks",
            json!({"url": url, "events": events}),
        )
        .await;
        assert_eq!(status, 400, "{url}: {problem}");
        assert!(problem["errors"]["url"].is_array(), "{url}: {problem}");
    }
    for events in [
        json!([]),
        json!(["customer.nope"]),
        json!("*"),
        json!(["*", "customer.created"]),
    ] {
        let (status, problem) = admin_post(
            &server,
            "/admin/v1/tenants/default/webhooks",
            json!({"url": "https://93.184.215.14/hook", "events": events}),
        )
        .await;
        assert_eq!(status, 400, "{events}: {problem}");
        assert!(problem["errors"]["events"].is_array(), "{events}: {problem}");
    }
    let (status, _) = admin_post(
        &server,
        "/admin/v1/tenants/no-such-tenant/webhooks",
        json!({"url": "https://93.184.215.14/hook", "events": ["*"]}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .admin(Method::GET, "/admin/v1/tenants/default/webhooks/not-a-uuid", None)
        .await;
    assert_eq!(status, 404);
}
