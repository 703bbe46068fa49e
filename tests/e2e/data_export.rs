//! The data export (`clientele.export.v1`): every kind of data seeded into one account comes
//! out, nothing of a second account does, no secret does; the customer's own is an attachment
//! never cached and limited to three a day; the back office exports a closed customer's for a
//! request that came by letter, audited as the admin's.

use std::time::Duration;

use clientele_e2e::Server;
use clientele_testkit::SmtpSink;
use reqwest::Method;
use serde_json::{json, Value};

use crate::strong_sign_in::enrol;

crate::on_both_backends_with_mail!(an_export_holds_everything_of_the_account_and_nothing_else);

/// A customer with every kind of data: (email, password, token, numeric id).
async fn seeded(server: &Server, tag: &str) -> (String, String, String, i64) {
    let email = format!("{tag}-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let phone = format!("+1415555{:04}", rand_digits());
    let created = server
        .create_customer(
            &email,
            &password,
            json!({"firstName": format!("First{tag}"), "lastName": "Example", "phone": phone,
                   "externalId": format!("crm-{tag}")}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let token = server.login(&email, &password).await;
    let (status, body) = server
        .patch_as(
            &token,
            "/customers/self",
            &json!({"address_town": format!("Town{tag}")}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let wallet = json!({"kind": "cashback", "amount": 12.5, "reference": format!("w-{tag}")});
    let path = format!("/admin/v1/customers/{id}/wallet");
    assert_eq!(server.admin(Method::POST, &path, Some(wallet)).await.0, 201);
    let order = json!({"reference": format!("o-{tag}"), "amount": 99.0, "status": "placed",
                       "placedAt": "2026-11-30T10:00:00Z"});
    let path = format!("/admin/v1/customers/{id}/orders");
    assert_eq!(server.admin(Method::POST, &path, Some(order)).await.0, 201);
    (email, password, token, id)
}

fn rand_digits() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 10_000) as u32
}

async fn export_of(server: &Server, token: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = server
        .http
        .get(server.url("/customers/self/export"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.json().await.unwrap_or(Value::Null))
}

async fn an_export_holds_everything_of_the_account_and_nothing_else(server: Server, smtp: SmtpSink) {
    let (email, password, token, id) = seeded(&server, "ann").await;
    let (other_email, _, other_token, other_id) = seeded(&server, "bob").await;
    let (totp_secret, confirmed) = enrol(&server, &token, "Work phone").await;
    let recovery: Vec<String> = confirmed["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let new_email = format!("new-{email}");
    let (status, _) = server
        .patch_as(&token, "/customers/self", &json!({"email": new_email}))
        .await;
    assert_eq!(status, 200);
    // The key went to the new address: as the outbox holds it, before any masking.
    let key_mail = smtp.wait_for(
        &new_email,
        "Confirm your new email address",
        Duration::from_secs(15),
    );
    let key = key_mail.line("Key").unwrap();

    let (status, headers, export) = export_of(&server, &token).await;
    assert_eq!(status, 200, "{export}");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment") && disposition.contains(&format!("clientele-export-{id}.json")),
        "{disposition}"
    );
    assert!(headers["cache-control"].to_str().unwrap().contains("no-store"));
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));

    assert_eq!(export["schema"], "clientele.export.v1");
    assert_eq!(export["customer"]["id"], id);
    assert_eq!(export["customer"]["email"], email.as_str());
    assert_eq!(export["customer"]["externalId"], "crm-ann");
    assert_eq!(export["profile"]["firstName"], "Firstann");
    assert_eq!(export["profile"]["address"]["town"], "Townann");
    assert_eq!(export["pendingEmail"], new_email.as_str());
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1, "{export}");
    let factors = export["factors"]["factors"].as_array().unwrap();
    assert_eq!(factors[0]["type"], "totp");
    assert_eq!(factors[0]["name"], "Work phone");
    assert_eq!(export["factors"]["recoveryCodesLeft"], 10);
    let kinds: Vec<&str> = export["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for kind in ["data_exported", "factor_added", "sign_in_succeeded"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(export["walletEntries"][0]["reference"], "w-ann");
    assert_eq!(export["orders"][0]["reference"], "o-ann");
    let subjects: Vec<&str> = export["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"Confirm your new email address"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"A new sign-in factor was added"),
        "{subjects:?}"
    );
    assert_eq!(export["deletionRequests"], json!([]));

    let text = export.to_string();
    for foreign in [
        other_email.as_str(),
        "w-bob",
        "o-bob",
        "crm-bob",
        "Firstbob",
        &other_id.to_string(),
    ] {
        assert!(!text.contains(foreign), "{foreign} is the other account's");
    }
    for secret in [
        totp_secret.as_str(),
        password.as_str(),
        recovery[0].as_str(),
        key.as_str(),
        "$2b$",
    ] {
        assert!(!text.contains(secret), "a secret in the export");
    }
    let key_message = export["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Confirm your new email address")
        .unwrap();
    assert!(
        key_message["text"].as_str().unwrap().contains("••••"),
        "{key_message}"
    );

    // Three a day.
    for _ in 0..2 {
        assert_eq!(export_of(&server, &token).await.0, 200);
    }
    let (status, _, problem) = export_of(&server, &token).await;
    assert_eq!(status, 429, "{problem}");
    assert_eq!(
        export_of(&server, &other_token).await.0,
        200,
        "another customer's own count"
    );
    assert_eq!(export_of(&server, "not-a-token").await.0, 401);

    // The back office exports a customer who closed the account with a request to be deleted.
    let (status, _) = server
        .request(
            Method::PATCH,
            "/admin/v1/settings",
            None,
            Some(json!({"deletePersonalData": true, "deletionRequiresApproval": true})),
        )
        .await;
    assert_eq!(status, 401, "settings are the back office's");
    let settings = json!({"deletePersonalData": true, "deletionRequiresApproval": true});
    assert_eq!(
        server
            .admin(Method::PATCH, "/admin/v1/settings", Some(settings))
            .await
            .0,
        200
    );
    let (status, _) = server
        .request(Method::DELETE, "/customers/self", Some(&other_token), None)
        .await;
    assert_eq!(status, 200);
    let path = format!("/admin/v1/customers/{other_id}/export");
    let response = server
        .http
        .get(server.url(&path))
        .bearer_auth(clientele_e2e::ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let theirs: Value = response.json().await.unwrap();
    assert_eq!(theirs["customer"]["status"], "deactivated", "{theirs}");
    assert_eq!(theirs["deletionRequests"][0]["status"], "pending", "{theirs}");
    assert!(
        !theirs.to_string().contains(&email),
        "nothing of the first account"
    );
    let trail = server.audit_trail(&other_id.to_string()).await;
    assert_eq!(trail[0], ("data_exported".to_owned(), "admin".to_owned()));
    let (status, _) = server
        .admin(Method::GET, "/admin/v1/customers/424242/export", None)
        .await;
    assert_eq!(status, 404);
}
