//! Every mail's HTML part, rendered in headless Chromium as a mail client's web view would:
//! each kind in each shipped language, in a branded tenant's voice, at a phone's width. The
//! page says its language, fits the screen without sideways scrolling, keeps its card within
//! 600 px, and asks for nothing but the tenant's logo. Screenshots are kept in
//! target/screenshots/message-{language}-{kind}.png; a real mail received over SMTP too.

use std::path::Path;

use clientele_e2e::{Backend, Server, Storage};
use clientele_testkit::SmtpSink;
use reqwest::Method;
use serde_json::{json, Value};

use crate::browser::Browser;

const LOGO: &str = "https://cdn.acme.example/logo.png";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_renders_in_a_browser() {
    let Some(storage) = Storage::new(Backend::Sqlite) else {
        return;
    };
    let smtp = SmtpSink::start();
    let server = Server::start(&storage, &[("CLIENTELE_SMTP_URL", &smtp.url())]);
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (status, _) = server
        .admin(
            Method::POST,
            "/admin/v1/tenants",
            Some(json!({"id": "acme", "name": "Acme"})),
        )
        .await;
    assert_eq!(status, 201);
    let settings = json!({"settings": {"brandName": "Acme Shop", "logoUrl": LOGO, "accentColor": "#ffd400", "support": "https://acme.example/help"}});
    let (status, body) = server
        .admin(Method::PATCH, "/admin/v1/tenants/acme", Some(settings))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, listing) = server
        .admin(Method::GET, "/admin/v1/tenants/acme/templates", None)
        .await;
    let kinds: Vec<String> = listing["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["channel"] == "email")
        .map(|k| k["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.len(), 19, "every mail kind");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for language in ["en", "de"] {
        for kind in &kinds {
            let path = format!("/admin/v1/tenants/acme/templates/{kind}/{language}/preview");
            let (status, preview) = server.admin(Method::POST, &path, None).await;
            assert_eq!(status, 200, "{preview}");
            let name = format!("message-{language}-{kind}");
            let file = dir.join(format!("{name}.html"));
            std::fs::write(&file, preview["html"].as_str().unwrap()).unwrap();
            check_page(&browser, &format!("file://{}", file.display()), language, &name).await;
        }
    }

    // A real activation mail, as received.
    let email = format!("s{}@example.com", uuid::Uuid::new_v4().simple());
    let request = server
        .http
        .post(server.url("/customers/signup"))
        .header("tenant", "acme")
        .json(&json!({"email": email}));
    let status = request.send().await.unwrap().status().as_u16();
    assert!(status < 300, "sign-up answered {status}");
    let mail = smtp.wait_for(
        &email,
        "Activate your account",
        std::time::Duration::from_secs(15),
    );
    let file = dir.join("message-received-activation.html");
    std::fs::write(&file, &mail.html).unwrap();
    check_page(
        &browser,
        &format!("file://{}", file.display()),
        "en",
        "message-received-activation",
    )
    .await;
    browser.close().await;
}

async fn check_page(browser: &Browser, url: &str, language: &str, name: &str) {
    browser.open(url).await;
    let facts: Value = browser
        .client()
        .execute(
            "const tables = [...document.querySelectorAll('table')];
             return {
               lang: document.documentElement.lang,
               overflow: document.documentElement.scrollWidth - window.innerWidth,
               widest: Math.max(...tables.filter(t => t.getAttribute('width') === '600').map(t => t.getBoundingClientRect().width)),
               scripts: document.scripts.length,
               styles: document.querySelectorAll('style, link').length,
             };",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(facts["lang"], language, "{name}");
    assert!(
        facts["overflow"].as_f64().unwrap() <= 0.0,
        "{name} scrolls sideways: {facts}"
    );
    let widest = facts["widest"].as_f64().unwrap();
    assert!(
        widest > 0.0 && widest <= 600.0,
        "{name}: the card is {widest} px wide"
    );
    assert_eq!(
        (facts["scripts"].as_u64(), facts["styles"].as_u64()),
        (Some(0), Some(0)),
        "{name}"
    );
    let page = format!("/{name}.html");
    for loaded in browser.loaded().await {
        let the_page = loaded.starts_with("file://") && loaded.ends_with(&page);
        assert!(the_page || loaded == LOGO, "{name} asked for {loaded}");
    }
    browser.shot(name).await;
}
