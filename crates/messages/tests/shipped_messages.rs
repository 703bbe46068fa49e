//! Every shipped message, in every shipped language, rendered with the samples: the parts it
//! must have, a text part mail readers and API clients can use, and an SMS that fits.

mod common;

use clientele_domain::flow::Channel;
use clientele_domain::messages::{gsm7, MessageKind};
use clientele_messages::LANGUAGES;

/// RFC 5322's recommended line length, which the text part keeps.
const WIDTH: usize = 78;
use common::{render, render_with, sample, samples};

fn each(mut check: impl FnMut(MessageKind, &str)) {
    for lang in LANGUAGES {
        for kind in MessageKind::ALL {
            check(kind, lang);
        }
    }
}

#[test]
fn every_part_renders() {
    each(|kind, lang| {
        let m = render(kind, lang);
        assert!(!m.text.trim().is_empty(), "{lang}/{kind}: text");
        match kind.channel() {
            Channel::Email => {
                assert!(!m.subject.is_empty(), "{lang}/{kind}: subject");
                assert!(
                    !m.subject.contains('\n') && m.subject == m.subject.trim(),
                    "{lang}/{kind}: {:?}",
                    m.subject
                );
                assert!(!m.subject.ends_with('.'), "{lang}/{kind}: {:?}", m.subject);
                assert!(
                    m.html.as_deref().is_some_and(|h| !h.is_empty()),
                    "{lang}/{kind}: html"
                );
            }
            Channel::Sms => {
                assert_eq!(m.subject, "", "{lang}/{kind}");
                assert_eq!(m.html, None, "{lang}/{kind}");
            }
        }
    });
}

#[test]
fn text_lines_fit_and_hold_the_required_lines() {
    each(|kind, lang| {
        let text = render(kind, lang).text;
        assert!(
            text.ends_with('\n') && !text.ends_with("\n\n"),
            "{lang}/{kind}: one newline at the end"
        );
        assert!(!text.starts_with('\n'), "{lang}/{kind}: a blank line first");
        assert!(
            !text.contains("\n\n\n"),
            "{lang}/{kind}: two blank lines in a row"
        );
        for line in text.lines() {
            let long = line.chars().count() > WIDTH;
            assert!(!long || !line.contains(' '), "{lang}/{kind}: too long: {line:?}");
            assert_eq!(line, line.trim_end(), "{lang}/{kind}: trailing space");
        }
        for (label, name) in kind.required_lines() {
            let wanted = format!("{label}: {}", sample(kind, name));
            assert!(
                text.lines().any(|l| l == wanted),
                "{lang}/{kind}: no line {wanted:?} in\n{text}"
            );
        }
        if let Some(link) = kind.variables().iter().find(|v| v.name == "link") {
            assert!(
                text.lines().any(|l| l == link.sample),
                "{lang}/{kind}: the link on a line of its own"
            );
        }
    });
}

#[test]
fn the_greeting_uses_the_name_when_given() {
    each(|kind, lang| {
        if kind.variables().iter().all(|v| v.name != "name") {
            return;
        }
        let hello = if lang == "de" { "Hallo" } else { "Hello" };
        let named = render(kind, lang);
        assert!(
            named.text.starts_with(&format!("{hello} Ada,\n")),
            "{lang}/{kind}"
        );
        let mut anonymous = samples(kind, lang);
        anonymous.set("name", "");
        let m = render_with(kind, lang, &anonymous);
        assert!(m.text.starts_with(&format!("{hello},\n")), "{lang}/{kind}");
        assert!(
            m.html.unwrap().contains(&format!(">{hello},</p>")),
            "{lang}/{kind}"
        );
    });
}

#[test]
fn no_message_invites_a_reply_that_nobody_reads() {
    let reply = |lang: &str| if lang == "de" { "antworten" } else { "reply" };
    each(|kind, lang| {
        let m = render(kind, lang); // the samples have replies_read empty
        let html = m.html.unwrap_or_default().to_lowercase();
        assert!(
            !m.text.to_lowercase().contains(reply(lang)),
            "{lang}/{kind}: {}",
            m.text
        );
        assert!(!html.contains(reply(lang)), "{lang}/{kind}");
    });
    for lang in LANGUAGES {
        let kind = MessageKind::DeletionRejected;
        let mut v = samples(kind, lang);
        v.set("replies_read", "yes");
        let m = render_with(kind, lang, &v);
        assert!(
            m.text.contains(reply(lang)) && m.html.unwrap().contains(reply(lang)),
            "{lang}: replies are read"
        );
        // Without replies, the support address is where to ask.
        let m = render(kind, lang);
        let support = sample(kind, "support");
        let ask = m
            .text
            .lines()
            .find(|l| l.contains(support) && !l.starts_with("Need help") && !l.starts_with("Brauchen"));
        assert!(ask.is_some(), "{lang}: points to support\n{}", m.text);
        // Neither: nothing about asking.
        v.set("replies_read", "");
        v.set("support", "");
        v.set("support_link", "");
        let m = render_with(kind, lang, &v);
        let question = if *lang == "de" { "Fragen" } else { "questions" };
        assert!(
            !m.text.contains(question) && !m.html.unwrap().contains(question),
            "{lang}\n{}",
            m.text
        );
    }
}

#[test]
fn webhook_disabled_says_how_to_re_enable() {
    let kind = MessageKind::WebhookDisabled;
    for lang in LANGUAGES {
        let m = render(kind, lang);
        let endpoint = sample(kind, "endpoint");
        let request = format!("PATCH /admin/v1/tenants/{{tenant}}/webhooks/{endpoint}");
        assert!(m.text.lines().any(|l| l == request), "{lang}\n{}", m.text);
        assert!(m.text.lines().any(|l| l == r#"{"disabled": false}"#), "{lang}");
        assert!(
            m.text.contains(sample(kind, "url")) && m.text.contains(sample(kind, "failing_since")),
            "{lang}"
        );
        let html = m.html.unwrap();
        assert!(
            html.contains(&request) && html.contains(r#"{"disabled": false}"#),
            "{lang}"
        );
    }
}

#[test]
fn sms_code_fits_one_gsm7_segment_with_a_long_brand() {
    let kind = MessageKind::SmsCode;
    for lang in LANGUAGES {
        let mut v = samples(kind, lang);
        let brand = "Acme Shop International Trading Company";
        let brand = format!("{brand}{}", "X".repeat(40 - brand.len()));
        assert_eq!(brand.chars().count(), 40);
        v.set("brand", brand.clone());
        v.set("code", "ABCDE12345");
        v.set("minutes", "10");
        let text = render_with(kind, lang, &v).text;
        assert_eq!(gsm7::one_segment_problem(&text), None, "{lang}: {text:?}");
        assert!(text.contains(&brand) && text.contains("10"), "{lang}: {text:?}");
        assert!(text.lines().any(|l| l == "Code: ABCDE12345"), "{lang}: {text:?}");
    }
}
