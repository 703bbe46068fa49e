//! The SMTP adapter against a real SMTP server.

use std::time::Duration;

use clientele_domain::message::MessageBody;
use clientele_domain::ports::{DeliveryError, Mail, MailSender};
use clientele_mail::SmtpMailer;
use clientele_testkit::{free_port, stalling_smtp_server, SmtpSink};

const TIMEOUT: Duration = Duration::from_secs(10);

fn mail(to: &str) -> Mail {
    Mail {
        to: to.into(),
        subject: "Reset your password".into(),
        body: MessageBody {
            text: "Hello,\n\nCode: 8KY0CX0LAR\n\nhttps://shop.example.com/reset/8KY0CX0LAR\n".into(),
            html: Some("<p>Code: <strong>8KY0CX0LAR</strong></p>".into()),
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
