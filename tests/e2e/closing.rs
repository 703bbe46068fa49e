//! Closing an account under each of a tenant's closing settings (`/admin/v1/settings`).

use clientele_e2e::dump::every_value;
use clientele_e2e::{status_and_json, Backend, Server, Storage, ADMIN_TOKEN};
use serde_json::{json, Value};

crate::on_both_backends_by_hand!(
    closing_follows_the_tenant_settings,
    the_back_office_decides_on_deletion_requests
);

async fn settings(server: &Server, tenant: Option<&str>, patch: Option<Value>) -> (u16, Value) {
    let mut request = match &patch {
        Some(_) => server.http.patch(server.url("/admin/v1/settings")),
        None => server.http.get(server.url("/admin/v1/settings")),
    }
    .bearer_auth(ADMIN_TOKEN);
    if let Some(tenant) = tenant {
        request = request.header("tenant", tenant);
    }
    if let Some(patch) = patch {
        request = request.json(&patch);
    }
    status_and_json(request.send().await.unwrap()).await
}

async fn close(server: &Server, token: &str) -> (u16, Value) {
    let response = server
        .http
        .delete(server.url("/customers/self"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    status_and_json(response).await
}

async fn closing_follows_the_tenant_settings(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &[]);
    assert_eq!(
        settings(&server, None, None).await,
        (
            200,
            json!({"deletePersonalData": true, "deletionRequiresApproval": false})
        ),
        "defaults keep closing as it was: erase at once"
    );
    let (status, problem) = settings(
        &server,
        None,
        Some(json!({"delete_data": true, "deletionRequiresApproval": "yes"})),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["errors"]["delete_data"].is_array()
            && problem["errors"]["deletionRequiresApproval"].is_array()
    );
    // The snake_case name of earlier releases is refused, naming the field to use.
    let (status, problem) = settings(&server, None, Some(json!({"delete_personal_data": false}))).await;
    assert_eq!(status, 400, "{problem}");
    assert!(
        problem["errors"]["delete_personal_data"][0]
            .as_str()
            .is_some_and(|m| m.contains("`deletePersonalData`")),
        "{problem}"
    );
    assert_eq!(
        settings(&server, None, None).await.1["deletePersonalData"],
        true,
        "nothing applied"
    );

    // Keep the data: the account is closed at once, its data stays.
    let (status, body) = settings(&server, None, Some(json!({"deletePersonalData": false}))).await;
    assert_eq!(
        (status, &body["deletePersonalData"]),
        (200, &json!(false)),
        "{body}"
    );
    let (email, password, token) = server.signed_in_customer().await;
    assert_eq!(close(&server, &token).await, (200, json!({"result": "deleted"})));
    assert_eq!(
        server.get_json("/customers/self", &token).await.0,
        401,
        "the token in hand"
    );
    assert_eq!(server.login_status(&email, &password).await, 401, "the password");
    let values = every_value(&storage);
    assert!(
        values
            .iter()
            .any(|(column, v)| column == "accounts.email" && v == &email),
        "data kept"
    );
    assert!(
        !values
            .iter()
            .any(|(column, _)| column.starts_with("deletion_requests.")),
        "no request"
    );

    // Keep the data, and approval required: approval is about deleting, so nothing waits.
    let (status, _) = settings(
        &server,
        None,
        Some(json!({"deletePersonalData": false, "deletionRequiresApproval": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (email, password, token) = server.signed_in_customer().await;
    assert_eq!(close(&server, &token).await, (200, json!({"result": "deleted"})));
    assert_eq!(server.login_status(&email, &password).await, 401);
    let values = every_value(&storage);
    assert!(
        values
            .iter()
            .any(|(column, v)| column == "accounts.email" && v == &email),
        "data kept"
    );
    assert!(
        !values
            .iter()
            .any(|(column, _)| column.starts_with("deletion_requests.")),
        "no request when the data is kept anyway"
    );

    // Delete only once approved: closed at once, data kept, a pending deletion request.
    let (status, _) = settings(
        &server,
        None,
        Some(json!({"deletePersonalData": true, "deletionRequiresApproval": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (email, password, token) = server.signed_in_customer().await;
    assert_eq!(close(&server, &token).await, (200, json!({"result": "deleted"})));
    assert_eq!(server.login_status(&email, &password).await, 401);
    let values = every_value(&storage);
    assert!(
        values
            .iter()
            .any(|(column, v)| column == "accounts.email" && v == &email),
        "kept until approved"
    );
    assert!(
        values
            .iter()
            .any(|(column, v)| column == "deletion_requests.status" && v == "pending"),
        "a pending deletion request"
    );

    // Settings are the tenant's: another tenant still erases at once.
    let created = server
        .http
        .post(server.url("/admin/v1/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"id": "other", "name": "Other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(
        settings(&server, Some("other"), None).await.1,
        json!({"deletePersonalData": true, "deletionRequiresApproval": false})
    );
    let other_email = format!("o{}@example.com", uuid::Uuid::new_v4().simple());
    let response = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(ADMIN_TOKEN)
        .header("tenant", "other")
        .json(&json!({"email": other_email, "password": "other password 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let login = server
        .http
        .post(server.url("/customers/login"))
        .header("tenant", "other")
        .json(&json!({"email": other_email, "password": "other password 1"}))
        .send()
        .await
        .unwrap();
    let token = status_and_json(login).await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = server
        .http
        .delete(server.url("/customers/self"))
        .header("tenant", "other")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_gone_once_notified(&storage, &other_email, "erased at once in the other tenant");
}

/// `value` is nowhere in the database (not even inside another value) once the last notice to
/// it has gone out: the erasure
/// removes it at once everywhere but from that notice, which forgets it once delivered.
fn assert_gone_once_notified(storage: &Storage, value: &str, why: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let left: Vec<(String, String)> = every_value(storage)
            .into_iter()
            .filter(|(_, v)| v.contains(value))
            .collect();
        let only_the_notice = left.iter().all(|(column, _)| column.starts_with("outbox."));
        if left.is_empty() {
            return;
        }
        assert!(only_the_notice, "{why}: {left:?}");
        assert!(
            std::time::Instant::now() < deadline,
            "{why}: the notice never went: {left:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

async fn admin_get(server: &Server, path: &str) -> (u16, Value) {
    server.admin(reqwest::Method::GET, path, None).await
}

async fn admin_post(server: &Server, path: &str, body: Value) -> (u16, Value) {
    server.admin(reqwest::Method::POST, path, Some(body)).await
}

/// A signed-in customer: (email, password, token, UUID as JSON).
async fn customer_with_uuid(server: &Server) -> (String, String, String, Value) {
    let email = format!("c{}@example.com", uuid::Uuid::new_v4().simple());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let created = server.create_customer(&email, &password, json!({})).await;
    let token = server.login(&email, &password).await;
    (email, password, token, created["uuid"].clone())
}

async fn pending_requests(server: &Server) -> Vec<Value> {
    let response = server
        .http
        .get(server.url("/admin/v1/deletion-requests?status=pending"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 200, "{body}");
    body["deletionRequests"].as_array().unwrap().clone()
}

/// With approval required: the back office approves (erasure) or rejects (data kept, the
/// customer told why, the account may be reactivated).
async fn the_back_office_decides_on_deletion_requests(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = clientele_testkit::SmtpSink::start();
    let server = Server::start(&storage, &[("CLIENTELE_SMTP_URL", &smtp.url())]);
    let (status, _) = settings(&server, None, Some(json!({"deletionRequiresApproval": true}))).await;
    assert_eq!(status, 200);

    // Rejected: data kept, the reason mailed, the account can come back.
    let (email, password, token, uuid) = customer_with_uuid(&server).await;
    let response = server
        .http
        .delete(server.url("/customers/self"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let closing_request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let pending = pending_requests(&server).await;
    let request = pending
        .iter()
        .find(|r| r["customer"] == uuid)
        .expect("a pending request");
    assert_eq!(request["ageDays"], 0);
    let id = request["id"].as_str().unwrap().to_owned();
    let path = format!("/admin/v1/customers/{}/reactivate", uuid.as_str().unwrap());
    assert_eq!(
        admin_post(&server, &path, json!({})).await.0,
        409,
        "not while the request is pending"
    );
    let (status, problem) = admin_post(
        &server,
        &format!("/admin/v1/deletion-requests/{id}/reject"),
        json!({}),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    // 2001 characters as sent (the last a space) is one more than the document's maxLength.
    let (status, problem) = admin_post(
        &server,
        &format!("/admin/v1/deletion-requests/{id}/reject"),
        json!({"reason": format!("{} ", "x".repeat(2000))}),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["errors"]["reason"].is_array(), "{problem}");
    let (status, rejected) = admin_post(
        &server,
        &format!("/admin/v1/deletion-requests/{id}/reject"),
        // Exactly the 2000 characters the document allows.
        json!({"reason": format!("{:.<2000}", "Open invoices must be kept for ten years.")}),
    )
    .await;
    assert_eq!(
        (status, &rejected["status"]),
        (200, &json!("rejected")),
        "{rejected}"
    );
    let mail = smtp.wait_for(
        &email,
        "Your data will not be erased",
        std::time::Duration::from_secs(15),
    );
    // The text part wraps at 78 columns.
    assert!(
        mail.text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("Open invoices must be kept for ten years."),
        "{}",
        mail.text
    );
    let (status, _) = admin_post(
        &server,
        &format!("/admin/v1/deletion-requests/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409, "decided once");
    let (status, customer) = admin_post(&server, &path, json!({})).await;
    assert_eq!(
        (status, &customer["status"]),
        (200, &json!("active")),
        "{customer}"
    );
    assert_eq!(
        server.login_status(&email, &password).await,
        200,
        "back with its password"
    );

    // The audit trail tells the story, newest first, with the request ids and no personal data.
    let response = server
        .http
        .get(server.url(&format!("/admin/v1/audit?account={}", uuid.as_str().unwrap())))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, audit) = status_and_json(response).await;
    assert_eq!(status, 200, "{audit}");
    let entries = audit["entries"].as_array().unwrap();
    let story: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        story,
        [
            ("sign_in_succeeded", "customer"),
            ("reactivated", "admin"),
            ("deletion_rejected", "admin"),
            ("deletion_requested", "customer"),
            ("deactivated", "customer"),
            ("sign_in_succeeded", "customer"),
        ],
        "{audit}"
    );
    let deactivated = entries.iter().find(|e| e["kind"] == "deactivated").unwrap();
    assert_eq!(deactivated["detail"], "request_deletion");
    assert_eq!(
        deactivated["requestId"],
        json!(closing_request_id),
        "{deactivated}"
    );
    let text = audit.to_string();
    assert!(
        !text.contains(&email) && !text.contains(&password),
        "no personal data or secret"
    );
    let response = server
        .http
        .get(server.url("/admin/v1/audit?kind=nonsense&limit=0"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, problem) = status_and_json(response).await;
    assert_eq!(status, 400);
    assert!(
        problem["errors"]["kind"].is_array() && problem["errors"]["limit"].is_array(),
        "{problem}"
    );

    // Approved: erased.
    let (email, _, token, uuid) = customer_with_uuid(&server).await;
    assert_eq!(close(&server, &token).await.0, 200);
    let (status, found) = admin_get(
        &server,
        &format!("/admin/v1/customers?email={}", email.to_uppercase()),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        found["customers"][0]["status"], "deactivated",
        "found while waiting: {found}"
    );
    let log = server.log_once_it_holds("http.route=/admin/v1/customers ");
    assert!(
        log.contains("http.route=/admin/v1/customers "),
        "the lookup is logged"
    );
    assert!(
        !log.to_lowercase().contains(&email),
        "but not the address looked up"
    );
    let id = pending_requests(&server)
        .await
        .into_iter()
        .find(|r| r["customer"] == uuid)
        .expect("a pending request")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, approved) = admin_post(
        &server,
        &format!("/admin/v1/deletion-requests/{id}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(
        (status, &approved["status"]),
        (200, &json!("approved")),
        "{approved}"
    );
    assert_gone_once_notified(&storage, &email, "erased");
    let uuid_text = uuid.as_str().unwrap().to_owned();
    // Found by no address; by id, only its erased status.
    let (status, found) = admin_get(&server, &format!("/admin/v1/customers?email={email}")).await;
    assert_eq!(
        (status, &found),
        (200, &json!({"customers": [], "nextCursor": null}))
    );
    let (status, erased) = admin_get(&server, &format!("/admin/v1/customers/{uuid_text}")).await;
    assert_eq!(status, 200);
    assert_eq!(erased["status"], "erased", "{erased}");
    for field in ["email", "firstName", "lastName", "nickname", "phone", "birthday"] {
        assert_eq!(erased[field], Value::Null, "{field}: {erased}");
    }
    let placeholder = format!("{}@erased.invalid", uuid_text.replace('-', ""));
    assert!(
        every_value(&storage)
            .iter()
            .any(|(column, v)| column == "accounts.email" && v == &placeholder),
        "the address is a placeholder no one can take"
    );
    let taken = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"email": placeholder, "password": "a long password 1"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(taken, 400, "the placeholder cannot be signed up with");
    // The approval and the erasure, by the admin, under the policy that made them wait.
    let (_, trail) = admin_get(&server, &format!("/admin/v1/audit?account={uuid_text}")).await;
    let decided: Vec<(&Value, &Value, &Value)> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "admin")
        .map(|e| (&e["kind"], &e["actor"], &e["detail"]))
        .collect();
    assert_eq!(decided.len(), 2, "{trail}");
    for (kind, _, detail) in decided {
        assert!(kind == "deletion_approved" || kind == "erased", "{trail}");
        assert_eq!(detail, "request_deletion", "{trail}");
    }
    let path = format!("/admin/v1/customers/{}/reactivate", uuid.as_str().unwrap());
    assert_eq!(
        admin_post(&server, &path, json!({})).await.0,
        409,
        "erased accounts stay closed"
    );
    let missing = format!("/admin/v1/deletion-requests/{}/approve", uuid::Uuid::new_v4());
    assert_eq!(admin_post(&server, &missing, json!({})).await.0, 404);
    let response = server
        .http
        .get(server.url("/admin/v1/deletion-requests?status=approved"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (_, listing) = status_and_json(response).await;
    assert!(listing["deletionRequests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == id.as_str()));
}
