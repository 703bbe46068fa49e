//! What a tenant's own template gets told: the part and line of a mistake, in few words; and
//! what it may not do (load other templates, run away, inject HTML).

mod common;

use std::sync::mpsc;
use std::time::Duration;

use clientele_domain::messages::{MessageKind, MessageTemplate, TemplatePart, TemplateProblem};
use common::render_own;

const KIND: MessageKind = MessageKind::PasswordChanged;

fn template(subject: &str, text: &str, html: Option<&str>) -> MessageTemplate {
    MessageTemplate {
        subject: subject.into(),
        text: text.into(),
        html: html.map(Into::into),
    }
}

fn problem(t: &MessageTemplate) -> TemplateProblem {
    match render_own(KIND, t) {
        Ok(m) => panic!("rendered: {:?} / {:?}", m.subject, m.text),
        Err(p) => p,
    }
}

/// The message carries no minijinja debug dump.
fn is_short(p: &TemplateProblem) -> bool {
    !p.message.contains('\n') && p.message.len() < 300
}

#[test]
fn an_unknown_variable_is_named_with_its_line() {
    let p = problem(&template("Hi", "Hello {{ name }},\n\n{{ nope }}\n", None));
    assert_eq!((p.part, p.line), (TemplatePart::Text, Some(3)), "{p}");
    assert!(
        p.message.contains("`nope`") && p.message.contains("name, brand"),
        "{p}"
    );
    assert!(is_short(&p), "{p}");

    // In a tag's attribute access and a condition too; the part is the one it is in.
    let p = problem(&template(
        "{% if brand %}{{ brand }}{% endif %}\n{{ nope.attr }}",
        "x",
        None,
    ));
    assert_eq!((p.part, p.line), (TemplatePart::Subject, Some(2)), "{p}");
    let p = problem(&template(
        "s",
        "t",
        Some("<p>\n{% if things %}{{ brand }}{% endif %}</p>"),
    ));
    assert_eq!((p.part, p.line), (TemplatePart::Html, Some(2)), "{p}");
    assert!(p.message.contains("`things`"), "{p}");
}

#[test]
fn loop_names_globals_and_the_layout_macro_are_known() {
    let html = r#"{% extends "layout.html" %}{% block content %}{{ range(3) | join(",") }}{{ button(support_link, "Help") }}{% endblock %}"#;
    let m = render_own(KIND, &template("s", "{{ namespace(n=1).n }}", Some(html))).unwrap();
    let html = m.html.unwrap();
    assert!(html.contains(">Help</a>") && html.contains("0,1,2"), "{html}");
    assert_eq!(m.text, "1\n");
}

#[test]
fn a_syntax_error_has_its_line() {
    let p = problem(&template("s", "t", Some("<p>\n</p>\n{% if %}\n")));
    assert_eq!((p.part, p.line), (TemplatePart::Html, Some(3)), "{p}");
    assert!(p.message.starts_with("syntax error"), "{p}");
    assert!(is_short(&p), "{p}");
}

#[test]
fn only_the_layout_can_be_loaded() {
    for source in [
        r#"{% include "x" %}"#,
        r#"{% extends "base.html" %}"#,
        r#"{% import "macros.html" as m %}"#,
    ] {
        let p = problem(&template("s", "t", Some(source)));
        assert_eq!(p.part, TemplatePart::Html, "{source}");
        assert!(p.message.contains("layout.html"), "{source}: {p}");
    }
    let own = r#"{% extends "layout.html" %}{% block title %}Mine{% endblock %}{% block content %}<p>Own words.</p>{% endblock %}"#;
    let html = render_own(KIND, &template("s", "t", Some(own)))
        .unwrap()
        .html
        .unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("<title>Mine</title>")
            && html.contains("Own words.")
    );
}

/// `t`'s problem, or a failure when rendering takes longer than `limit` (a hang fails too).
fn problem_within(t: &MessageTemplate, limit: Duration) -> TemplateProblem {
    let (tx, rx) = mpsc::channel();
    let t = t.clone();
    // A runaway render would never return: it runs on a thread the test leaves behind.
    std::thread::spawn(move || tx.send(render_own(KIND, &t)));
    match rx.recv_timeout(limit) {
        Ok(Err(p)) => p,
        Ok(Ok(_)) => panic!("rendered"),
        Err(_) => panic!("still rendering after {limit:?}"),
    }
}

#[test]
fn a_runaway_loop_stops() {
    // Loops are refused before they run.
    for source in [
        "{% for i in range(100000000) %}x{% endfor %}",
        "{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}",
    ] {
        let p = problem_within(&template("s", source, None), Duration::from_secs(10));
        assert_eq!((p.part, p.line), (TemplatePart::Text, Some(1)), "{source}: {p}");
        assert!(is_short(&p), "{p}");
    }
    // Without loops the steps are bounded by the template's length, and still counted.
    let p = problem_within(
        &template("s", &"{{ 1 }}".repeat(6_000), None),
        Duration::from_secs(10),
    );
    assert!(p.message.contains("too many steps"), "{p}");
}

#[test]
fn only_the_html_part_is_escaped() {
    let mut v = common::samples(KIND, "en");
    v.set("name", "<b>Ann</b> & 'co'");
    let t = template(
        "Hi {{ name }}",
        "Hello {{ name }}",
        Some("<p>Hello {{ name }}</p>"),
    );
    let m = clientele_messages::MinijinjaRenderer::new();
    let m = clientele_domain::ports::MessageRenderer::render(&m, &t, &v).unwrap();
    assert_eq!(m.subject, "Hi <b>Ann</b> & 'co'");
    assert_eq!(m.text, "Hello <b>Ann</b> & 'co'\n");
    assert_eq!(
        m.html.unwrap(),
        "<p>Hello &lt;b&gt;Ann&lt;/b&gt; &amp; &#39;co&#39;</p>"
    );
}

#[test]
fn parts_are_tidied() {
    let long = "word ".repeat(30);
    let t = template(
        "  Your\n  password  \n",
        &format!("\n\nHi,\r\n\r\n\r\n{long}\n\n\n"),
        Some("\n  <p>x</p>\n\n"),
    );
    let m = render_own(KIND, &t).unwrap();
    assert_eq!(m.subject, "Your password");
    assert!(m.text.starts_with("Hi,\n\nword") && m.text.ends_with("word\n") && !m.text.contains("\n\n\n"));
    assert!(m.text.lines().all(|l| l.chars().count() <= 78));
    assert_eq!(m.html.as_deref(), Some("<p>x</p>"));
}
