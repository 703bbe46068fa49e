//! The SMTP adapter against a real SMTP server.

use std::time::Duration;

use clientele_domain::message::MessageBody;
use clientele_domain::ports::{DeliveryError, Mail, MailSender};
use clientele_mail::SmtpMailer;
use clientele_testkit::{free_port, stalling_smtp_server, SmtpSink};

const TIMEOUT: Duration = Duration::from_secs(10);

fn mail(to: &str) -> Mail {
    Mail {
        id: uuid::Uuid::parse_str("0b7e5a8c-1f2d-4e3a-9c6b-7d8e9f0a1b2c").unwrap(),
        from: None,
        reply_to: None,
        language: Some("de".into()),
        to: to.into(),
        subject: "Reset your password".into(),
        body: MessageBody {
            text: "Hello,\n\nCode: 8KY0CX0LAR\n\nhttps://shop.example.com/reset/8KY0CX0LAR\n".into(),
            html: Some("<html lang=\"de\"><p>Code: <strong>8KY0CX0LAR</strong></p></html>".into()),
        },
    }
}

#[tokio::test]
async fn delivers_text_and_html_to_a_real_server() {
    let sink = SmtpSink::start();
    let mailer = SmtpMailer::new(&sink.url(), "Clientele <no-reply@example.com>", TIMEOUT).unwrap();
    mailer.send(&mail("ann@example.com")).await.unwrap();
    let received = sink.wait_for("ann@example.com", "Reset your password", Duration::from_secs(5));
    assert_eq!(received.line("Code").as_deref(), Some("8KY0CX0LAR"));
    assert!(received.html.contains("<strong>8KY0CX0LAR</strong>"));
    // The instance's sender, and the headers every message carries.
    assert_eq!(
        received.header("From").as_deref(),
        Some("Clientele <no-reply@example.com>")
    );
    assert_eq!(
        received.header("Message-ID").as_deref(),
        Some("<0b7e5a8c1f2d4e3a9c6b7d8e9f0a1b2c@example.com>")
    );
    assert_eq!(
        received.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(received.header("Content-Language").as_deref(), Some("de"));
    assert!(received.header("Date").is_some());
    assert_eq!(received.header("Reply-To"), None);
    assert_eq!(received.part_types(), ["text/plain", "text/html"], "text first");
}

#[tokio::test]
async fn a_tenant_sends_in_its_own_name_with_replies_to_its_address() {
    let sink = SmtpSink::start();
    let mailer = SmtpMailer::new(&sink.url(), "Clientele <no-reply@example.com>", TIMEOUT).unwrap();
    let mail = Mail {
        from: Some("\"Acme \\\"Shop\\\"\" <hello@acme.example>".into()),
        reply_to: Some("care@acme.example".into()),
        ..mail("bob@example.com")
    };
    mailer.send(&mail).await.unwrap();
    let received = sink.wait_for("bob@example.com", "Reset your password", Duration::from_secs(5));
    let from = received.header("From").unwrap();
    assert!(
        from.ends_with("<hello@acme.example>") && from.contains("Acme"),
        "{from}"
    );
    assert_eq!(received.header("Reply-To").as_deref(), Some("care@acme.example"));
    let id = received.header("Message-ID").unwrap();
    assert!(id.ends_with("@acme.example>"), "{id}");
    // A retry of the same message is the same message.
    mailer.send(&mail).await.unwrap();
    let again = sink.wait_for("bob@example.com", "Reset your password", Duration::from_secs(5));
    assert_eq!(again.header("Message-ID").as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn a_tenant_sender_the_mailer_cannot_take_costs_no_mail() {
    let sink = SmtpSink::start();
    let mailer = SmtpMailer::new(&sink.url(), "Clientele <no-reply@example.com>", TIMEOUT).unwrap();
    let mail = Mail {
        from: Some("\"Acme\" <care..team@acme.example>".into()),
        reply_to: Some("care@[10.0.0.1]".into()),
        ..mail("carl@example.com")
    };
    mailer.send(&mail).await.unwrap();
    let received = sink.wait_for("carl@example.com", "Reset your password", Duration::from_secs(5));
    assert_eq!(
        received.header("From").as_deref(),
        Some("Clientele <no-reply@example.com>")
    );
    assert_eq!(received.header("Reply-To"), None);
}

#[tokio::test]
async fn a_server_that_is_down_is_a_temporary_failure() {
    let url = format!("smtp://127.0.0.1:{}", free_port());
    let mailer = SmtpMailer::new(&url, "no-reply@example.com", TIMEOUT).unwrap();
    match mailer.send(&mail("ann@example.com")).await {
        Err(DeliveryError::Temporary(reason)) => assert!(!reason.contains("8KY0CX0LAR")),
        other => panic!("expected a temporary failure, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_addresses_are_permanent_failures() {
    let sink = SmtpSink::start();
    let mailer = SmtpMailer::new(&sink.url(), "no-reply@example.com", TIMEOUT).unwrap();
    assert!(matches!(
        mailer.send(&mail("not an address")).await,
        Err(DeliveryError::Permanent(_))
    ));
    assert!(SmtpMailer::new("ftp://x", "no-reply@example.com", TIMEOUT).is_err());
    assert!(SmtpMailer::new(&sink.url(), "not an address", TIMEOUT).is_err());
}

#[tokio::test]
async fn a_server_that_stalls_is_given_up_on_at_the_deadline() {
    let mailer = SmtpMailer::new(
        &stalling_smtp_server(),
        "no-reply@example.com",
        Duration::from_secs(1),
    )
    .unwrap();
    // The guard only keeps a regression from hanging the suite; the deadline under test is 1 s.
    let outcome = tokio::time::timeout(Duration::from_secs(60), mailer.send(&mail("ann@example.com")))
        .await
        .expect("the send ends by itself");
    match outcome {
        Err(DeliveryError::Temporary(reason)) => assert!(reason.contains("did not finish"), "{reason}"),
        other => panic!("expected a temporary failure, got {other:?}"),
    }
}
