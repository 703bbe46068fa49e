//! HTTP behaviour every surface shares: problem documents, 404/405/413, health, docs.

use clientele_e2e::{status_and_json, Server};
use serde_json::Value;

crate::on_both_backends!(
    unknown_routes_wrong_methods_and_big_bodies,
    health_openapi_and_docs,
    malformed_requests_are_a_warning_not_an_error
);

crate::on_both_backends_by_hand!(behind_a_trusted_proxy_the_client_is_limited_logged_and_audited);

/// Requests the HTTP parser refuses (invalid bytes in a header, an oversized head) are
/// transport-level: the framework answers a bare 400 or 431 and closes the connection (no route,
/// so no problem document: docs/errors.md says so); the log counts them at WARN (scanners send
/// thousands) and has no ERROR line for the client's mistake.
async fn malformed_requests_are_a_warning_not_an_error(server: Server) {
    use std::io::{Read, Write};
    let address = server.url("").trim_start_matches("http://").to_owned();
    let oversized_head: Vec<u8> = (0..100)
        .flat_map(|i| format!("X-Filler-{i}: {}\r\n", "a".repeat(1000)).into_bytes())
        .collect();
    let oversized = [
        &b"GET /health/live HTTP/1.1\r\nHost: x\r\n"[..],
        &oversized_head,
        b"\r\n",
    ]
    .concat();
    for (raw, status, says_close) in [
        (
            &b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n"[..],
            400,
            true,
        ),
        (&b"GET /health/live HTTP/1.1\r\nHo st: x\r\n\r\n"[..], 400, true),
        (&oversized[..], 431, true),
        // After a HEAD on a kept-alive connection the framework leaves the header out of the
        // refused request's answer; it closes the connection all the same (the read below
        // ends only then).
        (
            &b"HEAD /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /health/live HTTP/1.1\r\nX-Bad: a\x01b\r\n\r\n"[..],
            400,
            false,
        ),
    ] {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(raw).unwrap();
        // The server closes after answering; a reset once the answer has arrived is fine, a
        // connection still open after ten seconds is not.
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        let ended = loop {
            match stream.read(&mut chunk) {
                Ok(0) => break Ok(()),
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = ended {
            assert!(
                !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
                "the connection stayed open: {e}"
            );
        }
        let answers = String::from_utf8_lossy(&answer);
        // The refused request's answer is the last one on the connection.
        let last = answers
            .match_indices("HTTP/1.1 ")
            .map(|(at, _)| at)
            .filter(|&at| at == 0 || answers[..at].ends_with('\n'))
            .last()
            .unwrap_or(0);
        let answer = &answers[last..];
        assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")), "{status}: {answers}");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        let head = head.to_ascii_lowercase();
        assert_eq!(head.contains("connection: close"), says_close, "{answer}");
        assert!(head.contains("content-length: 0") && body.is_empty(), "{answer}");
    }
    // Counted, and reported every few seconds: the two may fall into two reports.
    let refused = |log: &str| -> u32 {
        log.lines()
            .filter(|l| l.contains("WARN") && l.contains("malformed or oversized requests"))
            .filter_map(|l| {
                l.split("refused=")
                    .nth(1)?
                    .split_whitespace()
                    .next()?
                    .parse::<u32>()
                    .ok()
            })
            .sum()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut log = server.log();
    while refused(&log) < 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        log = server.log();
    }
    assert_eq!(refused(&log), 4, "{log}");
    assert!(!log.contains("ERROR"), "{log}");
}

async fn unknown_routes_wrong_methods_and_big_bodies(server: Server) {
    // HEAD only where GET has no side effects: a HEAD to the deactivation start (whose GET
    // mails a code) is refused and mails nothing.
    let (_, _, token) = server.signed_in_customer().await;
    let response = server
        .http
        .head(server.url("/api/v2/my/profile/deactivation"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST");
    let (_, outbox) = server.admin(reqwest::Method::GET, "/admin/v1/outbox", None).await;
    assert_eq!(outbox["messages"].as_array().map(Vec::len), Some(0), "{outbox}");
    let response = server.http.head(server.url("/health/live")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let response = server
        .http
        .get(server.url("/no/such/thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    for key in ["type", "title", "status", "detail", "instance"] {
        assert!(problem.get(key).is_some(), "{key} in {problem}");
    }

    let response = server
        .http
        .delete(server.url("/api/v2/my/profile"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, PUT, PATCH");
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let response = server
        .http
        .get(server.url("/customers/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    let (_, _, token) = server.signed_in_customer().await;
    let huge = format!(r#"{{"nickname": "{}"}}"#, "x".repeat(70 * 1024));
    let response = server
        .http
        .patch(server.url("/api/v2/my/profile"))
        .bearer_auth(&token)
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, problem) = status_and_json(response).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(problem["status"], 413);
}

async fn health_openapi_and_docs(server: Server) {
    for path in ["/health/live", "/health/ready"] {
        let (status, body) = status_and_json(server.http.get(server.url(path)).send().await.unwrap()).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("ok")), "{path}");
    }
    let (status, openapi) =
        status_and_json(server.http.get(server.url("/openapi.json")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3."));
    let routes = [
        "/customers/login",
        "/customers/self",
        "/customers/signup",
        "/customers/activate",
        "/customers/newemail_confirm",
        "/customers/password_reset",
        "/customers/do_reset",
        "/api/v2/my/profile",
        "/admin/v1/customers",
        "/admin/v1/customers/{id}",
        "/admin/v1/outbox",
        "/health/live",
        "/health/ready",
    ];
    for path in routes {
        assert!(
            openapi["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    for method in ["get", "put", "patch"] {
        assert!(openapi["paths"]["/api/v2/my/profile"].get(method).is_some());
    }
    let docs = server.http.get(server.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "Swagger UI served from the binary"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_sensitive_routes_are_rate_limited_per_client() {
    let storage = clientele_e2e::Storage::new(clientele_e2e::Backend::Sqlite).unwrap();
    let server = Server::start(&storage, &[("CLIENTELE_RATE_LIMIT_PER_MINUTE", "6")]);
    let (_, _, token) = server.signed_in_customer().await; // one sign-in of the burst of 10
    let attempt = serde_json::json!({"email": "nobody@example.com", "password": "whatever-password"});
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let response = server
            .http
            .post(server.url("/customers/login"))
            .json(&attempt)
            .send()
            .await
            .unwrap();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, body) = status_and_json(response).await;
        if status == 429 {
            assert_eq!(body["type"], "urn:clientele:problem:rate-limited", "{body}");
            assert!(
                retry.is_some_and(|r| r.parse::<u64>().is_ok()),
                "Retry-After says when"
            );
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        9,
        "the rest of the burst: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 3, "{statuses:?}");
    // The budget is shared by the limited routes; authenticated routes are not limited.
    let reset = serde_json::json!({"email": "nobody@example.com", "reset_uri": "/customers/do_reset"});
    let response = server
        .http
        .post(server.url("/customers/password_reset"))
        .json(&reset)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    for _ in 0..15 {
        let response = server
            .http
            .get(server.url("/api/v2/my/profile"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// `count` sign-ins as `email` with a wrong password, sent with `X-Forwarded-For:
/// forwarded_for`: their statuses.
async fn logins_as(server: &Server, email: &str, forwarded_for: &str, count: usize) -> Vec<u16> {
    let attempt = serde_json::json!({"email": email, "password": "whatever-password"});
    let mut statuses = Vec::new();
    for _ in 0..count {
        let response = server
            .http
            .post(server.url("/customers/login"))
            .header("X-Forwarded-For", forwarded_for)
            .json(&attempt)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

async fn logins(server: &Server, forwarded_for: &str, count: usize) -> Vec<u16> {
    logins_as(server, "nobody@example.com", forwarded_for, count).await
}

/// Behind a trusted proxy each client has its own budget (its address from `X-Forwarded-For`,
/// the rightmost hop the proxy vouches for), and its address is what the request log and the
/// audit trail record; the security events (failures, the lockout, a closing) name the tenant
/// and the account, never the address. From any other peer the header changes nothing, so a
/// client cannot escape its limit by writing it.
async fn behind_a_trusted_proxy_the_client_is_limited_logged_and_audited(backend: clientele_e2e::Backend) {
    let Some(storage) = clientele_e2e::Storage::new(backend) else {
        return;
    };
    let storage = &storage;
    let proxied = Server::start(
        storage,
        &[
            ("CLIENTELE_RATE_LIMIT_PER_MINUTE", "6"),
            ("CLIENTELE_TRUSTED_PROXIES", "127.0.0.0/8"),
        ],
    );
    let (email, _, token) = proxied.signed_in_customer().await;
    // Ten failures lock the account; the tenth is the client's last of its burst.
    let first = logins_as(&proxied, &email, "203.0.113.9", 12).await;
    assert_eq!(first[..10], [401; 10], "{first:?}");
    assert_eq!(first[10..], [429, 429], "{first:?}");
    // What the client wrote itself (the leftmost, already used up) is not believed.
    let second = logins(&proxied, "203.0.113.9, 203.0.113.10", 10).await;
    assert!(
        second.iter().all(|s| *s == 401),
        "another client's own burst: {second:?}"
    );

    let mut account = String::new();
    for (kind, count) in [("sign_in_failed", 10), ("sign_in_locked", 1)] {
        let (status, audit) = proxied
            .admin(
                reqwest::Method::GET,
                &format!("/admin/v1/audit?kind={kind}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{audit}");
        let entries = audit["entries"].as_array().unwrap();
        assert_eq!(entries.len(), count, "{kind}: {audit}");
        assert!(
            entries.iter().all(|e| e["clientAddress"] == "203.0.113.9"),
            "{kind}: the forwarded client, not the proxy: {audit}"
        );
        account = entries[0]["account"].as_str().unwrap().to_owned();
    }
    let log = proxied.log_once_it_holds("event=\"sign_in_locked\"");
    for event in ["sign_in_failed", "sign_in_locked"] {
        let line = log
            .lines()
            .find(|l| l.contains("security event") && l.contains(&format!("event=\"{event}\"")))
            .unwrap_or_else(|| panic!("no {event} security event:\n{log}"));
        assert!(
            line.contains("WARN") && line.contains("tenant=\"default\"") && line.contains(&account),
            "{line}"
        );
        assert!(!line.contains(&email), "no email address in {line}");
    }
    assert!(
        log.contains("http.client_ip=203.0.113.9"),
        "the request log names the forwarded client:\n{log}"
    );

    // Closing the account (its session is older than the lockout) is a security event too.
    let response = proxied
        .http
        .delete(proxied.url("/customers/self"))
        .bearer_auth(&token)
        .header("X-Forwarded-For", "203.0.113.11")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let log = proxied.log_once_it_holds("event=\"deactivated\"");
    let line = log
        .lines()
        .find(|l| l.contains("security event") && l.contains("event=\"deactivated\""))
        .unwrap();
    assert!(
        line.contains("tenant=\"default\"") && line.contains(&account) && !line.contains(&email),
        "{line}"
    );
    drop(proxied);

    let direct = Server::start(storage, &[("CLIENTELE_RATE_LIMIT_PER_MINUTE", "6")]);
    let first = logins(&direct, "198.51.100.1", 10).await;
    assert!(first.iter().all(|s| *s == 401), "{first:?}");
    let spoofed = logins(&direct, "198.51.100.2", 2).await;
    assert!(
        spoofed.iter().all(|s| *s == 429),
        "an untrusted peer's header changes nothing: {spoofed:?}"
    );
}
