//! Passkeys through the real binary: a software authenticator (in this process) registers with
//! the options the service answers, then signs in with them as a second factor and without a
//! password; an assertion from a cloned authenticator (its sign counter behind) is refused and
//! audited.

use std::time::Duration;

use clientele_e2e::{Backend, Server, Storage};
use clientele_testkit::SmtpSink;
use reqwest::Method;
use serde_json::{json, Value};
use webauthn_authenticator_rs::prelude::{Url, WebauthnAuthenticator};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::softtoken::SoftToken;

crate::on_both_backends_by_hand!(passkeys_register_and_sign_in_with_and_without_a_password);

/// Where the ceremonies run from, as the browser would say: the relying party is `localhost`.
const ORIGIN: &str = "http://localhost:4321";

/// The authenticator's answer to creation options, as `PublicKeyCredential.toJSON()` gives it.
fn create(key: &mut impl WebauthnAuthenticator, options: &Value) -> Value {
    let options = serde_json::from_value(options.clone()).expect("creation options");
    let origin = Url::parse(ORIGIN).unwrap();
    let created = tokio::task::block_in_place(|| key.do_registration(origin, options)).expect("registered");
    serde_json::to_value(created).unwrap()
}

/// The authenticator's assertion to request options.
fn assert_with(key: &mut impl WebauthnAuthenticator, options: &Value) -> Value {
    let options = serde_json::from_value(options.clone()).expect("request options");
    let origin = Url::parse(ORIGIN).unwrap();
    let asserted = tokio::task::block_in_place(|| key.do_authentication(origin, options)).expect("asserted");
    serde_json::to_value(asserted).unwrap()
}

async fn passkeys_register_and_sign_in_with_and_without_a_password(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_SMTP_URL", &smtp.url()),
            ("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0"),
            ("CLIENTELE_WEBAUTHN_RP_ID", "localhost"),
            ("CLIENTELE_WEBAUTHN_ORIGINS", ORIGIN),
        ],
    );
    let (email, password, token) = server.signed_in_customer().await;
    let token = Some(token.as_str());

    // Registration: the options, the authenticator's answer, the factor (with recovery codes).
    let (status, options) = server
        .request(
            Method::POST,
            "/customers/self/factors/webauthn/options",
            token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{options}");
    let public_key = &options["publicKey"];
    assert_eq!(public_key["rp"]["id"], "localhost", "{options}");
    assert_eq!(public_key["authenticatorSelection"]["residentKey"], "preferred");
    assert_eq!(
        public_key["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert!(
        public_key["challenge"].as_str().is_some_and(|c| c.len() >= 43),
        "{options}"
    );
    let user_handle = public_key["user"]["id"].clone();
    let mut key = SoftPasskey::new(true);
    let credential = create(&mut key, &options);
    let credential_id = credential["id"].clone();
    let (status, problem) = server
        .request(
            Method::POST,
            "/customers/self/factors/webauthn",
            token,
            Some(json!({"name": "Laptop", "credential": {"id": credential_id, "type": "public-key"}})),
        )
        .await;
    assert_eq!(status, 400, "a credential that does not verify: {problem}");
    assert!(problem["errors"]["credential"].is_array(), "{problem}");
    let body = json!({"name": "Laptop", "credential": credential});
    let (status, added) = server
        .request(
            Method::POST,
            "/customers/self/factors/webauthn",
            token,
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(
        (added["type"].as_str(), added["name"].as_str()),
        (Some("webauthn"), Some("Laptop"))
    );
    assert_eq!(
        added["recoveryCodes"].as_array().map(Vec::len),
        Some(10),
        "{added}"
    );
    let (status, again) = server
        .request(
            Method::POST,
            "/customers/self/factors/webauthn",
            token,
            Some(body),
        )
        .await;
    assert_eq!(status, 409, "the options were used: {again}");
    smtp.wait_for(&email, "A new sign-in factor was added", Duration::from_secs(15));
    let (_, options) = server
        .request(
            Method::POST,
            "/customers/self/factors/webauthn/options",
            token,
            None,
        )
        .await;
    assert_eq!(
        options["publicKey"]["excludeCredentials"][0]["id"], credential_id,
        "the customer's passkeys are excluded: {options}"
    );

    // The password, then the passkey.
    let (status, challenge) = server
        .request(
            Method::POST,
            "/customers/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await;
    assert_eq!(status, 202, "{challenge}");
    assert_eq!(challenge["factors"], json!(["webauthn", "recovery_code"]));
    assert_eq!(
        challenge["webauthn"]["publicKey"]["allowCredentials"][0]["id"],
        credential_id
    );
    let assertion = assert_with(&mut key, &challenge["webauthn"]);
    let verify = json!({"challenge": challenge["challenge"], "webauthn": assertion});
    let (status, signed_in) = server
        .request(
            Method::POST,
            "/customers/login/verify",
            None,
            Some(verify.clone()),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let (status, _) = server
        .request(Method::POST, "/customers/login/verify", None, Some(verify))
        .await;
    assert_eq!(status, 400, "a challenge works once");
    let (_, listed) = server
        .request(Method::GET, "/customers/self/factors", token, None)
        .await;
    assert!(listed["factors"][0]["lastUsedAt"].is_string(), "{listed}");

    // The passkey alone. The software authenticator keeps no resident key: the test names the
    // credential and hands over the user handle, as a platform authenticator would.
    let passwordless = |options: &Value| {
        let mut request = json!({"publicKey": options["publicKey"]});
        request["publicKey"]["allowCredentials"] = json!([{"type": "public-key", "id": credential_id}]);
        request
    };
    let (status, options) = server
        .request(Method::POST, "/customers/login/passkey/options", None, None)
        .await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["publicKey"]["userVerification"], "required", "{options}");
    let mut assertion = assert_with(&mut key, &passwordless(&options));
    assertion["response"]["userHandle"] = user_handle.clone();
    let body = json!({"challenge": options["challenge"], "credential": assertion});
    let (status, signed_in) = server
        .request(Method::POST, "/customers/login/passkey", None, Some(body.clone()))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let own = signed_in["token"].as_str().unwrap();
    let (_, sessions) = server.get_json("/customers/self/sessions", own).await;
    assert_eq!(sessions["sessions"][0]["signInMethod"], "passkey", "{sessions}");
    assert_eq!(
        server
            .request(Method::GET, "/customers/self", Some(own), None)
            .await
            .0,
        200
    );
    let (status, replayed) = server
        .request(Method::POST, "/customers/login/passkey", None, Some(body))
        .await;
    assert_eq!(status, 400, "a challenge works once: {replayed}");
    let (status, forged) = server
        .request(
            Method::POST,
            "/customers/login/passkey",
            None,
            Some(json!({"challenge": "not-a-challenge", "credential": {"id": credential_id}})),
        )
        .await;
    assert_eq!(status, 400, "{forged}");

    // A cloned authenticator: a copy of a security key, behind the original's sign counter.
    let (mut token_key, _) = SoftToken::new(true).unwrap();
    let (_, options) = server
        .request(
            Method::POST,
            "/customers/self/factors/webauthn/options",
            token,
            None,
        )
        .await;
    let credential = create(&mut token_key, &options);
    let body = json!({"name": "Security key", "credential": credential});
    let (status, added) = server
        .request(
            Method::POST,
            "/customers/self/factors/webauthn",
            token,
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert!(
        added.get("recoveryCodes").is_none(),
        "codes come with the first factor only"
    );
    // The copy is made now; a sign-in challenge is opened (its options made at counter 0);
    // the original then signs in on its own (counter 1); the copy answers the open challenge
    // with counter 1: ahead of the challenge's, not of the stored one.
    let snapshot = token_key.to_cbor().unwrap();
    let login = json!({"email": email, "password": password});
    let (_, challenge) = server
        .request(Method::POST, "/customers/login", None, Some(login))
        .await;
    let named = |options: &Value| {
        let mut options = json!({"publicKey": options["publicKey"]});
        options["publicKey"]["allowCredentials"] = json!([{"type": "public-key", "id": credential["id"]}]);
        options
    };
    let (_, options) = server
        .request(Method::POST, "/customers/login/passkey/options", None, None)
        .await;
    let mut alone = assert_with(&mut token_key, &named(&options));
    alone["response"]["userHandle"] = user_handle.clone();
    let body = json!({"challenge": options["challenge"], "credential": alone});
    let (status, answer) = server
        .request(Method::POST, "/customers/login/passkey", None, Some(body))
        .await;
    assert_eq!(status, 200, "the original: {answer}");
    let mut clone = SoftToken::from_cbor(&snapshot).unwrap();
    let assertion = assert_with(&mut clone, &named(&challenge["webauthn"]));
    let verify = json!({"challenge": challenge["challenge"], "webauthn": assertion});
    let (status, answer) = server
        .request(Method::POST, "/customers/login/verify", None, Some(verify))
        .await;
    assert_eq!(status, 400, "the copy: {answer}");
    let me = server
        .request(Method::GET, "/customers/self", token, None)
        .await
        .1;
    let story = server.audit_trail(me["id"].as_str().unwrap()).await;
    let refused = story
        .iter()
        .filter(|(kind, _)| kind == "second_factor_refused")
        .count();
    assert_eq!(refused, 1, "{story:?}");
    let (_, listed) = server
        .admin(
            Method::GET,
            &format!("/admin/v1/customers/{}/factors", me["id"].as_str().unwrap()),
            None,
        )
        .await;
    let kinds: Vec<&str> = listed["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["webauthn", "webauthn"], "{listed}");
}
