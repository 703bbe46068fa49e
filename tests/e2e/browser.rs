//! The pages behind the links in mails, driven in a real headless browser (Debian's chromium
//! through chromedriver): sign-up → mail → page → activate → sign in; email confirmation; reset
//! to a shown passphrase that then signs in; and error paths. Screenshots of each state are kept
//! in target/screenshots/. The setup installs chromium with apt when it is missing; when it
//! cannot, the test is skipped loudly, and fails under CI=true.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use clientele_e2e::{post, Backend, Server, Storage};
use clientele_testkit::SmtpSink;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);

/// chromedriver on a port of its own and a headless chromium session; both stop on drop.
pub(crate) struct Browser {
    client: Option<Client>,
    driver: Child,
}

fn chromedriver() -> Option<PathBuf> {
    let installed = || Path::new("/usr/bin/chromedriver").exists() && Path::new("/usr/bin/chromium").exists();
    if !installed() {
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-q", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    if installed() {
        return Some(PathBuf::from("/usr/bin/chromedriver"));
    }
    let reason = "chromium and chromium-driver are not installed and apt-get could not install them";
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
    eprintln!("!!! SKIPPED: {reason}");
    clientele_testkit::record_skip(reason);
    None
}

impl Browser {
    pub(crate) async fn start() -> Option<Browser> {
        Browser::start_in("en-US,en").await
    }

    /// A browser whose `Accept-Language` is `languages`.
    async fn start_in(languages: &str) -> Option<Browser> {
        let driver_path = chromedriver()?;
        // Several rustls providers are compiled into the workspace's test build: choose one
        // (an error only says one was chosen already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = clientele_testkit::free_port();
        // A process group of its own: chromium's processes go with it.
        let driver = std::os::unix::process::CommandExt::process_group(&mut Command::new(driver_path), 0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": "/usr/bin/chromium", "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--no-first-run",
                "--window-size=420,900"
            ], "prefs": {"intl.accept_languages": languages}}),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + WAIT;
        let client = loop {
            let connected = ClientBuilder::rustls()
                .expect("rustls")
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match connected {
                Ok(client) => break client,
                Err(_) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(error) => panic!("chromedriver did not answer: {error}"),
            }
        };
        Some(Browser {
            client: Some(client),
            driver,
        })
    }

    pub(crate) fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Opens `link` afresh (the same page with another fragment would not load again).
    pub(crate) async fn open(&self, link: &str) {
        self.client().goto("about:blank").await.unwrap();
        self.client().goto(link).await.unwrap();
    }

    pub(crate) async fn shot(&self, name: &str) {
        let png = self.client().screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    async fn fill(&self, id: &str, text: &str) {
        let field = self.client().find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn submit(&self) {
        self.client()
            .find(Locator::Css("form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// The text of `selector` once it is not empty.
    async fn text_of(&self, selector: &str) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Ok(element) = self.client().find(Locator::Css(selector)).await {
                let text = element.text().await.unwrap_or_default();
                if !text.trim().is_empty() {
                    return text;
                }
            }
            assert!(std::time::Instant::now() < deadline, "{selector} stayed empty");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every resource the page loaded, by URL.
    pub(crate) async fn loaded(&self) -> Vec<String> {
        let script =
            "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name));";
        let urls = self.client().execute(script, vec![]).await.unwrap();
        urls.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }
}

impl Browser {
    /// Ends the session (chromium quits), then the driver.
    pub(crate) async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Whatever is left of the driver's group (chromium included, after a failed test).
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-9", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// The link to `path` in a mail, on the test server (mails link to `CLIENTELE_PUBLIC_URL`, the
/// default `http://127.0.0.1:8080`; the test server listens on a port of its own).
/// A sign-up of a new address (`tag` leads it) and its activation mail.
async fn signed_up(server: &Server, smtp: &SmtpSink, tag: &str) -> (String, clientele_testkit::ReceivedMail) {
    let email = format!("{tag}{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(
        post(server, "/customers/signup", json!({"email": email})).await.0,
        202
    );
    let mail = smtp.wait_for(&email, "Activate your account", WAIT);
    (email, mail)
}

fn link_in(text: &str, path: &str, server: &Server) -> String {
    let link = text
        .lines()
        .map(str::trim)
        .find(|line| line.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in {text}"));
    link.replacen("http://127.0.0.1:8080", server.url("").trim_end_matches('/'), 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailed_links_work_in_a_browser() {
    let Some(storage) = Storage::new(Backend::Sqlite) else {
        return;
    };
    let Some(browser) = Browser::start().await else {
        return;
    };
    let smtp = SmtpSink::start();
    let server = Server::start(&storage, &[("CLIENTELE_SMTP_URL", &smtp.url())]);
    let base = server.url("");
    let only_here = |urls: Vec<String>| {
        for url in &urls {
            assert!(
                url.starts_with(&base),
                "a request to another host: {url} ({urls:?})"
            );
        }
    };

    // Sign-up → mail → page → activate (after the page's own errors) → sign in.
    let (email, mail) = signed_up(&server, &smtp, "b").await;
    let link = link_in(&mail.text, "/customers/activate#", &server);
    browser.open(&link).await;
    browser.shot("activate-form").await;
    let url = browser.client().current_url().await.unwrap();
    assert_eq!(url.fragment(), None, "the secrets left the address bar: {url}");
    browser.fill("password", "a good passphrase").await;
    browser.fill("password_check", "another passphrase").await;
    browser.submit().await;
    assert_eq!(
        browser.text_of("#password_check-error").await,
        "The passwords differ."
    );
    browser.shot("activate-passwords-differ").await;
    browser.fill("password", "short").await;
    browser.fill("password_check", "short").await;
    browser.submit().await;
    let weak = browser.text_of("#password-error").await;
    assert!(weak.contains('8'), "the API's reason next to the field: {weak}");
    browser.shot("activate-too-weak").await;
    browser.fill("password", "a good passphrase").await;
    browser.fill("password_check", "a good passphrase").await;
    browser.submit().await;
    let done = browser.text_of("#done").await;
    assert!(done.contains("activated"), "{done}");
    browser.shot("activate-done").await;
    only_here(browser.loaded().await);
    assert_eq!(server.login_status(&email, "a good passphrase").await, 200);

    // The same link again: used.
    browser.open(&link).await;
    browser.fill("password", "a good passphrase").await;
    browser.fill("password_check", "a good passphrase").await;
    browser.submit().await;
    let used = browser.text_of("#form-error").await;
    assert!(used.contains("used already"), "{used}");
    browser.shot("activate-used").await;

    // Email confirmation: the page changes nothing until the button.
    let token = server.login(&email, "a good passphrase").await;
    let new_email = format!("n{}@example.com", uuid::Uuid::new_v4().simple());
    let response = server
        .http
        .patch(server.url("/customers/self"))
        .bearer_auth(&token)
        .json(&json!({"email": new_email}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mail = smtp.wait_for(&new_email, "Confirm your new email address", WAIT);
    browser
        .open(&link_in(&mail.text, "/customers/newemail_confirm#", &server))
        .await;
    browser.shot("confirm-email-form").await;
    let me: Value = server.get_json("/customers/self", &token).await.1;
    assert_eq!(me["email"], email.as_str(), "loading the page confirmed nothing");
    browser.submit().await;
    assert!(browser.text_of("#done").await.contains("confirmed"));
    browser.shot("confirm-email-done").await;
    assert_eq!(
        server.get_json("/customers/self", &token).await.1["email"],
        new_email.as_str()
    );

    // Reset: a wrong address first, then the passphrase shown once, which signs in.
    let reset = json!({"email": new_email, "reset_uri": "/customers/do_reset"});
    assert_eq!(post(&server, "/customers/password_reset", reset).await.0, 200);
    let mail = smtp.wait_for(&new_email, "Reset your password", WAIT);
    browser
        .open(&link_in(&mail.text, "/customers/do_reset/", &server))
        .await;
    browser.shot("reset-form").await;
    browser.fill("email", "someone.else@example.com").await;
    browser.submit().await;
    let refused = browser.text_of("#email-error").await;
    assert!(
        refused.contains("does not match"),
        "said at the address: {refused}"
    );
    browser.shot("reset-wrong").await;
    browser.fill("email", &new_email).await;
    browser.submit().await;
    browser.text_of("#done").await;
    let passphrase = browser
        .client()
        .find(Locator::Id("passphrase"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(passphrase.len(), 16, "{passphrase}");
    browser.shot("reset-done").await;
    assert_eq!(server.login_status(&new_email, &passphrase).await, 200);
    only_here(browser.loaded().await);
    let storage_used: Value = browser
        .client()
        .execute("return localStorage.length + sessionStorage.length;", vec![])
        .await
        .unwrap();
    assert_eq!(storage_used, json!(0), "nothing kept in the browser");

    let log = server.log();
    assert!(!log.contains(&passphrase), "no passphrase in the log");

    // Keyboard only: Tab to each field, Enter submits.
    let (email, mail) = signed_up(&server, &smtp, "k").await;
    let secret = mail.line("Secret").unwrap();
    browser
        .open(&link_in(&mail.text, "/customers/activate#", &server))
        .await;
    let keys = browser.client().active_element().await.unwrap();
    keys.send_keys("\u{E004}a good passphrase\u{E004}a good passphrase\u{E007}")
        .await
        .unwrap();
    assert!(browser.text_of("#done").await.contains("activated"));
    browser.shot("activate-keyboard-only").await;
    assert_eq!(server.login_status(&email, "a good passphrase").await, 200);
    let log = server.log();
    assert!(!log.contains(&secret), "no activation secret in the log");

    // A wrong secret, five times: then locked, even for the right one.
    let (_, mail) = signed_up(&server, &smtp, "w").await;
    let link = link_in(&mail.text, "/customers/activate#", &server);
    let secret = mail.line("Secret").unwrap();
    let wrong = link.replace(&secret, "WRONGWRONG");
    for attempt in 0..5 {
        browser.open(&wrong).await;
        browser.fill("password", "a good passphrase").await;
        browser.fill("password_check", "a good passphrase").await;
        browser.submit().await;
        let said = browser.text_of("#form-error").await;
        assert!(said.contains("does not work"), "try {attempt}: {said}");
    }
    browser.shot("activate-wrong").await;
    browser.open(&link).await;
    browser.fill("password", "a good passphrase").await;
    browser.fill("password_check", "a good passphrase").await;
    browser.submit().await;
    let locked = browser.text_of("#form-error").await;
    assert!(locked.contains("Too many tries"), "{locked}");
    browser.shot("activate-locked").await;

    // Expired: a server whose activation secrets live a second.
    let Some(short) = Storage::new(Backend::Sqlite) else {
        return;
    };
    let short_lived = Server::start(
        &short,
        &[
            ("CLIENTELE_SMTP_URL", &smtp.url()),
            ("CLIENTELE_ACTIVATION_TTL_SECS", "1"),
        ],
    );
    let (_, mail) = signed_up(&short_lived, &smtp, "x").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    browser
        .open(&link_in(&mail.text, "/customers/activate#", &short_lived))
        .await;
    browser.fill("password", "a good passphrase").await;
    browser.fill("password_check", "a good passphrase").await;
    browser.submit().await;
    let expired = browser.text_of("#form-error").await;
    assert!(expired.contains("expired"), "{expired}");
    browser.shot("activate-expired").await;

    // In German, for a browser that asks for it, the API's reasons included.
    browser.close().await;
    let Some(german) = Browser::start_in("de-DE,de").await else {
        return;
    };
    let (_, mail) = signed_up(&server, &smtp, "g").await;
    german
        .open(&link_in(&mail.text, "/customers/activate#", &server))
        .await;
    german.fill("password", "short").await;
    german.fill("password_check", "short").await;
    german.submit().await;
    assert_eq!(
        german.text_of("#password-error").await,
        "muss mindestens 8 Zeichen lang sein"
    );
    german.shot("activate-too-weak-de").await;
    german.close().await;
}
