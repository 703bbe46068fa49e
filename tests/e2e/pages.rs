//! The pages behind the links in mails, as served: HTML with the security headers, in the
//! customer's language, naming the tenant, with their stylesheet and script from this service
//! only. (Driving them in a browser is issue 10's next step.)

use clientele_e2e::Server;
use serde_json::json;

crate::on_both_backends!(the_link_pages_are_served_safely);

async fn get(server: &Server, path: &str, language: Option<&str>) -> reqwest::Response {
    let mut request = server.http.get(server.url(path));
    if let Some(language) = language {
        request = request.header("Accept-Language", language);
    }
    request.send().await.unwrap()
}

async fn the_link_pages_are_served_safely(server: Server) {
    for (path, marker) in [
        ("/customers/activate", "Activate your account"),
        ("/customers/newemail_confirm", "Confirm your new email address"),
        ("/customers/do_reset/K7Q2M9XW", "Reset your password"),
    ] {
        let response = get(&server, path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert!(header("content-type").starts_with("text/html"), "{path}");
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<html lang=\"en\">"), "{path}");
        assert!(html.contains(marker), "{path}: {html}");
        assert!(html.contains("src=\"/assets/pages.js\"") && html.contains("href=\"/assets/pages.css\""));
        assert!(
            !html.contains("://"),
            "{path}: no request to any other host: {html}"
        );
        assert!(
            !html.contains("K7Q2M9XW"),
            "the code is read by the page from its address, not rendered"
        );
        // Link checkers and mail scanners ask with HEAD: the same head, no body.
        let response = server.http.head(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "HEAD {path}");
        assert!(header("content-type").starts_with("text/html"));
        assert_eq!(
            response.headers()["content-type"],
            headers["content-type"],
            "HEAD {path}"
        );
        assert_eq!(
            response.headers()["content-length"].to_str().unwrap(),
            html.len().to_string(),
            "HEAD {path}"
        );
        assert!(response.bytes().await.unwrap().is_empty(), "HEAD {path}");
    }
    // Every field has its label, and errors are tied to their fields.
    let html = get(&server, "/customers/activate", None)
        .await
        .text()
        .await
        .unwrap();
    for field in ["password", "password_check"] {
        assert!(html.contains(&format!("<label for=\"{field}\">")), "{field}");
        assert!(html.contains(&format!("aria-describedby=\"{field}")), "{field}");
    }

    // In the customer's language, among those the mails have.
    let html = get(&server, "/customers/activate", Some("de-CH, de;q=0.9, en;q=0.5"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<html lang=\"de\">") && html.contains("Konto aktivieren"),
        "{html}"
    );
    let html = get(&server, "/customers/activate", Some("fr"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">"));

    // Naming the tenant the link is for, escaped.
    let (status, _) = server
        .admin(
            reqwest::Method::POST,
            "/admin/v1/tenants",
            Some(json!({"id": "pages", "name": "Shop <b>&</b> Co"})),
        )
        .await;
    assert_eq!(status, 201);
    let html = get(&server, "/customers/activate?tenant=pages", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Shop &lt;b&gt;&amp;&lt;") && !html.contains("<b>&"),
        "{html}"
    );
    let html = get(&server, "/customers/activate", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("Default tenant"),
        "a placeholder name is not shown"
    );

    // The stylesheet and script, from here.
    for (path, content_type) in [
        ("/assets/pages.css", "text/css"),
        ("/assets/pages.js", "text/javascript"),
    ] {
        let response = get(&server, path, None).await;
        assert_eq!(response.status(), 200);
        let value = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(value.starts_with(content_type), "{path}: {value}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("http://") && !body.contains("https://"), "{path}");
        assert!(
            !body.contains("localStorage") && !body.contains("sessionStorage"),
            "{path}"
        );
    }

    // The API at the same addresses is unchanged; other methods are told what is allowed.
    let response = server
        .http
        .put(server.url("/customers/activate"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD, POST");
    // The request log names the route, never the code in the path.
    let log = server.log_once_it_holds("/customers/do_reset/{code}");
    assert!(log.contains("http.route=/customers/do_reset/{code}"), "{log}");
    assert!(!log.contains("K7Q2M9XW"), "no code in the log");
}

/// The API at a page's address stays limited per client; opening the page does not count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_api_behind_a_page_is_rate_limited() {
    let Some(storage) = clientele_e2e::Storage::new(clientele_e2e::Backend::Sqlite) else {
        return;
    };
    let server = Server::start(&storage, &[("CLIENTELE_RATE_LIMIT_PER_MINUTE", "1")]);
    for _ in 0..20 {
        assert_eq!(get(&server, "/customers/activate", None).await.status(), 200);
    }
    let body = json!({"identifier": "0", "secret": "0", "password": "x", "password_check": "x"});
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            clientele_e2e::post(&server, "/customers/activate", body.clone())
                .await
                .0,
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        get(&server, "/customers/activate", None).await.status(),
        200,
        "the page still opens"
    );
}
