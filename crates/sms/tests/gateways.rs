//! The adapters against a real HTTP server (wiremock): the request each gateway expects, and
//! what each kind of answer means for the outbox.

use clientele_domain::ports::{DeliveryError, Text, TextSender};
use clientele_sms::{TwilioSms, WebhookSms};
use wiremock::matchers::{basic_auth, body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn code_text() -> Text {
    Text {
        to: "+919876543210".into(),
        body: "Your verification code\nCode: 482913\n".into(),
    }
}

#[tokio::test]
async fn the_webhook_gets_to_and_text_as_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms"))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({
            "to": "+919876543210", "text": "Your verification code\nCode: 482913\n"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let sms = WebhookSms::new(&format!("{}/sms", server.uri())).unwrap();
    sms.send(&code_text()).await.unwrap();
}

#[tokio::test]
async fn twilio_gets_a_form_with_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"))
        .and(basic_auth("AC0123456789abcdef", "twilio-auth-token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("To=%2B919876543210"))
        .and(body_string_contains("From=%2B15005550006"))
        .and(body_string_contains(
            "Body=Your+verification+code%0ACode%3A+482913",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"sid": "SM1"})))
        .expect(1)
        .mount(&server)
        .await;
    let sms = TwilioSms::new(
        &server.uri(),
        "AC0123456789abcdef",
        "twilio-auth-token",
        "+15005550006",
    )
    .unwrap();
    sms.send(&code_text()).await.unwrap();
}

/// What the outbox does with each answer: 5xx, 429, 408 and a misconfiguration (401, 403,
/// 404) are tried again, other refusals are given up; no error carries the code or the
/// credentials.
#[tokio::test]
async fn answers_map_onto_temporary_and_permanent_failures() {
    for (status, temporary) in [
        (500, true),
        (503, true),
        (429, true),
        (408, true),
        (401, true),
        (403, true),
        (404, true),
        (400, false),
        (422, false),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let gateways: [Box<dyn TextSender>; 2] = [
            Box::new(WebhookSms::new(&server.uri()).unwrap()),
            Box::new(TwilioSms::new(&server.uri(), "AC01", "twilio-auth-token", "+15005550006").unwrap()),
        ];
        for gateway in gateways {
            let error = gateway.send(&code_text()).await.unwrap_err();
            let reason = match (&error, temporary) {
                (DeliveryError::Temporary(reason), true) | (DeliveryError::Permanent(reason), false) => {
                    reason
                }
                other => panic!("{status}: {other:?}"),
            };
            assert!(reason.contains(&status.to_string()), "{reason}");
            assert!(
                !reason.contains("482913") && !reason.contains("twilio-auth-token"),
                "{reason}"
            );
        }
    }
}

#[tokio::test]
async fn a_gateway_that_is_down_is_a_temporary_failure() {
    // tcpmux's port: nothing listens there, and no test can take it (a port below 1024 is
    // never handed out as an ephemeral one).
    let port = 1;
    let url = format!("http://127.0.0.1:{port}/sms");
    let error = WebhookSms::new(&url)
        .unwrap()
        .send(&code_text())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DeliveryError::Temporary(r) if !r.contains("482913")),
        "{error:?}"
    );
    let twilio = TwilioSms::new(
        &format!("http://127.0.0.1:{port}"),
        "AC01",
        "secret-token",
        "+15005550006",
    )
    .unwrap();
    let error = twilio.send(&code_text()).await.unwrap_err();
    assert!(
        matches!(&error, DeliveryError::Temporary(r) if !r.contains("secret-token")),
        "{error:?}"
    );
}

#[test]
fn bad_settings_are_refused_clearly() {
    assert!(WebhookSms::new("ftp://sms.example.com")
        .unwrap_err()
        .contains("CLIENTELE_SMS_URL"));
    assert!(WebhookSms::new("not a url").is_err());
    assert!(TwilioSms::new("https://api.twilio.com", "AC/../x", "t", "+1")
        .unwrap_err()
        .contains("CLIENTELE_TWILIO_ACCOUNT_SID"));
    assert!(TwilioSms::new("nope", "AC01", "t", "+1")
        .unwrap_err()
        .contains("CLIENTELE_TWILIO_BASE_URL"));
}

#[tokio::test]
async fn twilio_keeps_a_path_prefix_of_its_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/proxy/twilio/2010-04-01/Accounts/AC01/Messages.json"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/proxy/twilio/", server.uri());
    let sms = TwilioSms::new(&base, "AC01", "twilio-auth-token", "+15005550006").unwrap();
    sms.send(&code_text()).await.unwrap();
}
