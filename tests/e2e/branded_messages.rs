//! A tenant's messages in its own voice: its sender, reply-to address, brand, logo and colour
//! in the mail a customer receives through a real SMTP server, with the headers mail providers
//! expect; its own template of a kind, checked when saved (a 400 naming the part and line),
//! previewed, used, and reset to the shipped one; the customer's language chosen.

use std::time::Duration;

use clientele_e2e::{run_command, status_and_json, Backend, Server, Storage, ADMIN_TOKEN};
use clientele_testkit::{ReceivedMail, SmtpSink};
use reqwest::Method;
use serde_json::{json, Value};

crate::on_both_backends_with_mail!(
    a_tenants_messages_speak_in_its_voice,
    template_mistakes_are_refused_at_save
);
crate::on_both_backends_by_hand!(message_settings_from_the_command_line);

const WAIT: Duration = Duration::from_secs(15);
const LOGO: &str = "https://cdn.acme.example/logo.png";

async fn acme(server: &Server) {
    let (status, body) = server
        .admin(
            Method::POST,
            "/admin/v1/tenants",
            Some(json!({"id": "acme", "name": "Acme Inc."})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn in_tenant(server: &Server, method: Method, path: &str, body: Value) -> (u16, Value) {
    let request = server
        .http
        .request(method, server.url(path))
        .header("tenant", "acme")
        .bearer_auth(ADMIN_TOKEN)
        .json(&body);
    status_and_json(request.send().await.unwrap()).await
}

/// A customer of acme with `locale`, and the reset mail asked for it.
async fn reset_mail(server: &Server, smtp: &SmtpSink, locale: &str, subject: &str) -> (String, ReceivedMail) {
    let email = format!("r{}@example.com", uuid::Uuid::new_v4().simple());
    let (status, body) = in_tenant(
        server,
        Method::POST,
        "/admin/v1/customers",
        json!({"email": email, "password": "a long passphrase 1", "firstName": "Ada", "locale": locale}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = in_tenant(
        server,
        Method::POST,
        "/customers/password_reset",
        json!({"email": email, "reset_uri": "/customers/do_reset"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mail = smtp.wait_for(&email, subject, WAIT);
    (email, mail)
}

fn assert_well_formed(mail: &ReceivedMail, language: &str) {
    let id = mail.header("Message-ID").expect("a Message-ID");
    assert!(id.starts_with('<') && id.ends_with("@acme.example>"), "{id}");
    assert!(mail.header("Date").is_some());
    assert_eq!(mail.header("Auto-Submitted").as_deref(), Some("auto-generated"));
    assert_eq!(mail.header("Content-Language").as_deref(), Some(language));
    assert_eq!(
        mail.part_types(),
        ["text/plain", "text/html"],
        "alternative, text first"
    );
    for line in mail.text.lines() {
        assert!(
            line.chars().count() <= 78 || !line.contains(' '),
            "a long line: {line:?}"
        );
    }
    let blank: Vec<bool> = mail.text.lines().map(|l| l.trim().is_empty()).collect();
    assert!(!blank.windows(2).any(|p| p[0] && p[1]), "no runs of blank lines");
}

async fn a_tenants_messages_speak_in_its_voice(server: Server, smtp: SmtpSink) {
    acme(&server).await;
    let (status, body) = server
        .admin(
            Method::PATCH,
            "/admin/v1/tenants/acme",
            Some(json!({"settings": {
                "senderName": "Acme Shop",
                "senderAddress": "hello@acme.example",
                "replyTo": "care@acme.example",
                "brandName": "Acme Shop",
                "logoUrl": LOGO,
                "accentColor": "#0B5CAD",
                "support": "help@acme.example",
            }})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["settings"]["accentColor"], "#0b5cad");
    assert_eq!(body["settings"]["defaultLanguage"], Value::Null);
    // Settings are checked, every field at once.
    let (status, body) = server
        .admin(
            Method::PATCH,
            "/admin/v1/tenants/acme",
            Some(json!({"settings": {"logoUrl": "http://cdn.acme.example/logo.png", "accentColor": "blue"}})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["settings.logoUrl"].is_array(), "{body}");
    assert!(body["errors"]["settings.accentColor"].is_array(), "{body}");

    // The shipped words, in the tenant's voice.
    let (_, mail) = reset_mail(&server, &smtp, "en_GB", "Reset your password").await;
    assert_well_formed(&mail, "en");
    let from = mail.header("From").unwrap();
    assert!(
        from.contains("Acme Shop") && from.ends_with("<hello@acme.example>"),
        "{from}"
    );
    assert_eq!(mail.header("Reply-To").as_deref(), Some("care@acme.example"));
    assert!(mail.text.starts_with("Hello Ada,"), "{}", mail.text);
    let code = mail.line("Code").expect("the code on a line of its own");
    assert!(mail.html.contains(LOGO), "the logo");
    assert!(mail.html.contains("#0b5cad"), "the accent colour");
    assert!(mail.html.contains("lang=\"en\""));
    // The link carries the code: the HTML shows it nowhere else.
    let link = mail
        .text
        .lines()
        .find(|l| l.contains(&code) && l.starts_with("http"))
        .unwrap();
    let without_links = mail
        .html
        .replace(&link.replace('&', "&amp;"), "")
        .replace(link, "");
    assert!(!without_links.contains(&code), "the code shown in the HTML");
    assert!(mail.html.contains("help@acme.example"), "the support address");

    // The tenant's own words for the reset, used at once; the customer's language is German,
    // which the tenant wrote nothing in: its default language is asked for first.
    let own = json!({
        "subject": "{{ brand }}: your reset code",
        "text": "Hi {{ name }}, here is your code.\nCode: {{ code }}\n\n{{ link }}\n",
        "html": "{% extends \"layout.html\" %}{% block content %}<p>Hi {{ name }}, reset here:</p>{{ button(link, \"Reset\") }}{% endblock %}",
    });
    let (status, body) = server
        .admin(
            Method::PUT,
            "/admin/v1/tenants/acme/templates/password_reset/en",
            Some(own.clone()),
        )
        .await;
    assert_eq!((status, body["source"].as_str()), (200, Some("tenant")), "{body}");
    let (status, body) = server
        .admin(
            Method::GET,
            "/admin/v1/tenants/acme/templates/password_reset/en",
            None,
        )
        .await;
    assert_eq!((status, &body["text"]), (200, &own["text"]), "{body}");
    let (status, body) = server
        .admin(
            Method::POST,
            "/admin/v1/tenants/acme/templates/password_reset/en/preview",
            None,
        )
        .await;
    assert_eq!(
        (status, body["subject"].as_str()),
        (200, Some("Acme Shop: your reset code")),
        "{body}"
    );
    let (status, body) = server
        .admin(Method::GET, "/admin/v1/tenants/acme/templates", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["templates"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(
        body["kinds"].as_array().unwrap().len(),
        20,
        "every kind is listed"
    );

    let (_, mail) = reset_mail(&server, &smtp, "en_US", "Acme Shop: your reset code").await;
    assert_well_formed(&mail, "en");
    assert!(
        mail.text.starts_with("Hi Ada, here is your code."),
        "{}",
        mail.text
    );
    assert!(mail.line("Code").is_some());

    // A German customer gets the shipped German words (the tenant wrote none in German).
    let (_, mail) = reset_mail(&server, &smtp, "de_DE", "Passwort zurücksetzen").await;
    assert_well_formed(&mail, "de");
    assert!(mail.html.contains("lang=\"de\""));
    let (status, body) = server
        .admin(
            Method::GET,
            "/admin/v1/tenants/acme/templates/password_reset/de",
            None,
        )
        .await;
    assert_eq!(
        (status, body["source"].as_str()),
        (200, Some("shipped")),
        "{body}"
    );
    // A language nothing is shipped in shows the English words its messages would use.
    let (status, body) = server
        .admin(
            Method::GET,
            "/admin/v1/tenants/acme/templates/activation/fr",
            None,
        )
        .await;
    assert_eq!(
        (status, body["templateLanguage"].as_str()),
        (200, Some("en")),
        "{body}"
    );

    // Reset to the shipped words.
    let (status, _) = server
        .admin(
            Method::DELETE,
            "/admin/v1/tenants/acme/templates/password_reset/en",
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, mail) = reset_mail(&server, &smtp, "en_GB", "Reset your password").await;
    assert!(mail.text.starts_with("Hello Ada,"), "{}", mail.text);

    // Only a message with a reply-to invites a reply (the rejection of an erasure asks for
    // questions), and the mail carries Reply-To only then.
    let rejection = "/admin/v1/tenants/acme/templates/deletion_rejected/en/preview";
    let (_, preview) = server.admin(Method::POST, rejection, None).await;
    assert!(preview["text"].as_str().unwrap().contains("reply"), "{preview}");
    let (status, _) = server
        .admin(
            Method::PATCH,
            "/admin/v1/tenants/acme",
            Some(json!({"settings": {"replyTo": "", "support": null}})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, preview) = server.admin(Method::POST, rejection, None).await;
    let text = preview["text"].as_str().unwrap().to_lowercase();
    assert!(!text.contains("reply"), "{preview}");
    let (_, mail) = reset_mail(&server, &smtp, "en_GB", "Reset your password").await;
    assert_eq!(mail.header("Reply-To"), None);
}

async fn template_mistakes_are_refused_at_save(server: Server, _smtp: SmtpSink) {
    acme(&server).await;
    let put = |kind: &'static str, body: Value| {
        let server = &server;
        async move {
            server
                .admin(
                    Method::PUT,
                    &format!("/admin/v1/tenants/acme/templates/{kind}/en"),
                    Some(body),
                )
                .await
        }
    };
    let html = "{% extends \"layout.html\" %}{% block content %}<p>Hi</p>{% endblock %}";
    // An unknown variable, named with its line.
    let (status, body) = put(
        "password_reset",
        json!({"subject": "Reset", "text": "Hi\n{{ nope }}\nCode: {{ code }}\n", "html": html}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let text = body["errors"]["text"][0].as_str().unwrap();
    assert!(text.contains("line 2") && text.contains("nope"), "{text}");
    // A syntax error in the HTML part, on line 3.
    let (status, body) = put(
        "password_reset",
        json!({"subject": "Reset", "text": "Code: {{ code }}\n", "html": "<p>\nHi\n{% if %}\n</p>"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"]["html"][0].as_str().unwrap().contains("line 3"),
        "{body}"
    );
    // A secret the message does not carry is no variable of it.
    let (status, body) = put(
        "password_changed",
        json!({"subject": "Changed", "text": "Code: {{ code }}\n", "html": html}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"]["text"][0].as_str().unwrap().contains("code"),
        "{body}"
    );
    // The secret must stand on a line of its own for API clients.
    let (status, body) = put(
        "password_reset",
        json!({"subject": "Reset", "text": "Your code is {{ code }}.\n", "html": html}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"]["text"][0].as_str().unwrap().contains("Code:"),
        "{body}"
    );
    // An email needs an HTML part; a text message has none and fits one GSM-7 segment.
    let (status, body) = put(
        "password_changed",
        json!({"subject": "Changed", "text": "Changed.\n"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["html"].is_array(), "{body}");
    let long = format!("{} Code: {{{{ code }}}}", "x".repeat(160));
    let (status, body) = put(
        "sms_code",
        json!({"text": format!("{long}\nCode: {{{{ code }}}}")}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"]["text"][0].as_str().unwrap().contains("160"),
        "{body}"
    );
    let (status, body) = put("sms_code", json!({"text": "Ваш код\nCode: {{ code }}"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"]["text"][0].as_str().unwrap().contains("GSM"),
        "{body}"
    );
    // An email whose HTML renders empty would show customers a blank mail.
    let (status, body) = put(
        "password_changed",
        json!({"subject": "Changed", "text": "Changed.\n", "html": "{% if false %}x{% endif %}"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["html"].is_array(), "{body}");
    // A reply-to the settings refuse is never stored: every mail library must take it.
    let (status, body) = server
        .admin(
            Method::PATCH,
            "/admin/v1/tenants/acme",
            Some(json!({"settings": {"replyTo": "care..team@acme.example"}})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = put("sms_code", json!({"text": "{{ brand }} code\nCode: {{ code }}"})).await;
    assert_eq!(status, 200, "{body}");
    // Nothing was saved by the refusals.
    let (_, body) = server
        .admin(Method::GET, "/admin/v1/tenants/acme/templates", None)
        .await;
    let saved: Vec<&str> = body["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(saved, ["sms_code"]);
    // Unknown kinds, malformed languages and tenants.
    let (status, _) = server
        .admin(Method::GET, "/admin/v1/tenants/acme/templates/nope/en", None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .admin(
            Method::GET,
            "/admin/v1/tenants/acme/templates/activation/EN-gb",
            None,
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = server
        .admin(
            Method::GET,
            "/admin/v1/tenants/nobody/templates/activation/en",
            None,
        )
        .await;
    assert_eq!(status, 404);
    // A preview of a template with a mistake says the same as a save would.
    let (status, body) = server
        .admin(
            Method::POST,
            "/admin/v1/tenants/acme/templates/activation/en/preview",
            Some(json!({"subject": "x", "text": "{{ secret", "html": html})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["text"].is_array(), "{body}");
}

/// `clientele tenant set` changes a tenant's message settings and prints them; a running server
/// sees them (PostgreSQL), or, on SQLite, the command refuses while a server holds the file.
async fn message_settings_from_the_command_line(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let made = run_command(
        &storage,
        &["tenant", "create", "--id", "acme", "--name", "Acme Inc."],
    );
    assert!(made.success, "{}", made.stderr);
    let set = run_command(
        &storage,
        &[
            "tenant",
            "set",
            "--id",
            "acme",
            "--brand-name",
            "Acme Shop",
            "--reply-to",
            "care@acme.example",
            "--accent-color",
            "#0B5CAD",
            "--default-language",
            "de",
        ],
    );
    assert!(set.success, "{}", set.stderr);
    for line in [
        "brand name\tAcme Shop",
        "accent colour\t#0b5cad",
        "default language\tde",
        "reply-to\tcare@acme.example",
    ] {
        assert!(set.stdout.contains(line), "{line:?} in {}", set.stdout);
    }
    let bad = run_command(
        &storage,
        &["tenant", "set", "--id", "acme", "--accent-color", "blue"],
    );
    assert!(
        !bad.success && bad.stderr.contains("accentColor"),
        "{}",
        bad.stderr
    );
    let cleared = run_command(&storage, &["tenant", "set", "--id", "acme", "--reply-to", ""]);
    assert!(
        cleared.success && cleared.stdout.contains("reply-to\t-"),
        "{}",
        cleared.stdout
    );

    let server = Server::start(&storage, &[]);
    let (_, tenant) = server.admin(Method::GET, "/admin/v1/tenants/acme", None).await;
    assert_eq!(tenant["settings"]["brandName"], "Acme Shop", "{tenant}");
    assert_eq!(tenant["settings"]["replyTo"], Value::Null, "{tenant}");
    let renamed = run_command(
        &storage,
        &["tenant", "set", "--id", "acme", "--brand-name", "Acme"],
    );
    match backend {
        Backend::Sqlite => assert!(
            !renamed.success && renamed.stderr.contains("a server is running"),
            "{}",
            renamed.stderr
        ),
        Backend::Postgres => {
            assert!(renamed.success, "{}", renamed.stderr);
            let deadline = std::time::Instant::now() + WAIT;
            loop {
                let (_, tenant) = server.admin(Method::GET, "/admin/v1/tenants/acme", None).await;
                if tenant["settings"]["brandName"] == "Acme" {
                    break;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "the server never saw it: {tenant}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
