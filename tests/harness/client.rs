//! Talking to a server as a client does: customers created and signed in, authenticated calls,
//! the back office, and reading answers.

use serde_json::{json, Value};

use crate::{Server, ADMIN_TOKEN};

impl Server {
    pub async fn create_customer(&self, email: &str, password: &str, extra: Value) -> Value {
        let mut body = json!({"email": email, "password": password});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        let response = self
            .http
            .post(self.url("/admin/v1/customers"))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "creating {email}");
        response.json().await.unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .http
            .post(self.url("/customers/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "signing in {email}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// GETs `path` with a bearer token: status and JSON body.
    pub async fn get_json(&self, path: &str, token: &str) -> (u16, Value) {
        status_and_json(
            self.http
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The audit trail of the customer with the numeric id `customer`, newest first: (kind,
    /// actor) of each entry, as the back office reads it.
    pub async fn audit_trail(&self, customer: &str) -> Vec<(String, String)> {
        let (status, found) = self
            .admin(
                reqwest::Method::GET,
                &format!("/admin/v1/customers/{customer}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{found}");
        let path = format!("/admin/v1/audit?account={}", found["uuid"].as_str().unwrap());
        let (status, audit) = self.admin(reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "{audit}");
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_owned(),
                    e["actor"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// A request with a bearer `token` and a JSON `body` when given: status and JSON body.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        status_and_json(request.send().await.unwrap()).await
    }

    /// A back-office request (`body` as JSON when given): status and JSON body.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        status_and_json(request.send().await.unwrap()).await
    }

    /// POSTs `body` to `path` with a bearer token and a JSON content type, as the seeds' curl
    /// examples do: status and JSON body.
    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        status_and_json(response).await
    }

    /// PATCHes `body` to `path` with a bearer token: status and JSON body.
    pub async fn patch_as(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        status_and_json(response).await
    }

    /// Signs in, returning the status only.
    pub async fn login_status(&self, email: &str, password: &str) -> u16 {
        let body = json!({"email": email, "password": password});
        let response = self
            .http
            .post(self.url("/customers/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }

    /// A new customer, signed in: (email, password, token).
    pub async fn signed_in_customer(&self) -> (String, String, String) {
        let email = format!("c{}@example.com", uuid::Uuid::new_v4().simple());
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        self.create_customer(&email, &password, json!({})).await;
        let token = self.login(&email, &password).await;
        (email, password, token)
    }
}

/// POSTs `body` to `path` (no authentication) and returns status and JSON body.
pub async fn post(server: &Server, path: &str, body: Value) -> (u16, Value) {
    status_and_json(
        server
            .http
            .post(server.url(path))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A response's status and JSON body (`Null` if it has none).
pub async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The claims of the token `/customers/do_reset` answers: signed (HS256) with the reset `code`,
/// carrying the new passphrase (seed 001).
pub fn reset_token_claims(jwt: &str, code: &str) -> Value {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let key = jsonwebtoken::DecodingKey::from_secret(code.as_bytes());
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap()
        .claims
}
