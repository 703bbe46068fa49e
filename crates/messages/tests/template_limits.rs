//! What one tenant's template can cost: each part stops at 256 KiB of output, no filter or
//! operator can build a value past that, and nothing a template does aborts the process or
//! holds the server for long. Each attack is refused fast, with a problem, on a thread with the
//! 2 MiB stack servers' worker threads have.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use clientele_domain::messages::{Composed, MessageKind, MessageTemplate, TemplatePart, TemplateProblem};
use clientele_messages::MAX_OUTPUT;
use common::render_own;

const KIND: MessageKind = MessageKind::PasswordChanged;
/// The stack of a thread Rust or tokio spawns by default.
const STACK: usize = 2 * 1024 * 1024;
const LIMIT: Duration = Duration::from_secs(10);

fn text(source: &str) -> MessageTemplate {
    MessageTemplate {
        subject: "s".into(),
        text: source.into(),
        html: None,
    }
}

fn html(source: &str) -> MessageTemplate {
    MessageTemplate {
        subject: "s".into(),
        text: "t".into(),
        html: Some(source.into()),
    }
}

/// `t` rendered on a thread of its own, or a failure when that takes longer than [`LIMIT`]
/// (a runaway render is left behind). A stack overflow or an allocation failure would abort
/// the whole test binary.
fn render_within(t: &MessageTemplate) -> Result<Composed, TemplateProblem> {
    let (tx, rx) = mpsc::channel();
    let t = t.clone();
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || tx.send(render_own(KIND, &t)))
        .unwrap();
    rx.recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("still rendering after {LIMIT:?}"))
}

/// `t`'s problem, found within [`LIMIT`].
fn problem(t: &MessageTemplate) -> TemplateProblem {
    match render_within(t) {
        Ok(m) => panic!("rendered {} bytes of text", m.text.len()),
        Err(p) => p,
    }
}

fn short(source: &str) -> &str {
    &source[..source.len().min(60)]
}

#[test]
fn a_filter_sized_by_a_number_is_not_there() {
    // indent did `" ".repeat(width)`: a 100 GB allocation, and the process aborted.
    let p = problem(&text("Hi {{ name }},\n{{ brand | indent(100000000000) }}"));
    assert_eq!((p.part, p.line), (TemplatePart::Text, Some(2)), "{p}");
    assert!(p.message.contains("indent"), "{p}");
    for source in [
        "{{ brand | indent(width=100000000000, first=true) }}",
        "{{ '%100000000000s' | format(brand) }}",
        "{{ brand | center(100000000000) }}",
        "{{ brand | wordwrap(100000000000) }}",
        "{{ brand | tojson(indent=100000000000) }}",
        "{{ brand | pprint }}",
        "{{ [1] | batch(100000000000) }}",
        "{{ [1] | slice(100000000000) }}",
        "{{ [none] | map('default', brand) | list }}",
        "{{ [1] | chain([2]) | list }}",
        "{{ [1] | zip([2]) | list }}",
        "{{ brand | urlencode }}",
    ] {
        let p = problem(&text(source));
        assert!(p.message.ends_with("is unknown"), "{source}: {p}");
    }
    for source in ["{{ debug() }}", "{{ dict(a=brand) }}"] {
        let p = problem(&text(source));
        assert!(p.message.starts_with("unknown variable"), "{source}: {p}");
    }
}

#[test]
fn repeating_text_is_refused_before_it_is_built() {
    for source in [
        // 100 MB written out at each, and minijinja lets one `*` make 100 MB.
        r#"{{ "x" * 100000000 }}{{ "x" * 100000000 }}"#,
        "{{ brand * 100000000 }}",
        "{{ 100000000 * name }}",
        // Lists repeat lazily and without a limit, until joined.
        "{{ (['x'] * 100000000000) | join }}",
    ] {
        let p = problem(&text(source));
        assert_eq!((p.part, p.line), (TemplatePart::Text, Some(1)), "{source}: {p}");
        assert!(p.message.contains("only work on numbers"), "{source}: {p}");
    }
    // minijinja folds constants while compiling: this was built before any rendering.
    let p = problem(&text(
        r#"{{ "x" * 100000000 ~ "x" * 100000000 ~ "x" * 100000000 }}"#,
    ));
    assert_eq!((p.part, p.line), (TemplatePart::Text, Some(1)), "{p}");
    // Numbers still add up.
    let m = render_within(&text("{{ 3 * 2 + 1 }} {{ (name | length) * 2 }}")).unwrap();
    assert_eq!(m.text, "7 6\n");
}

#[test]
fn a_value_fed_back_cannot_grow() {
    // Each doubles a value: 2^60 bytes, in a few hundred steps, and nothing yet written.
    for (source, says) in [
        ("{% set s = brand %}{% for i in range(60) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}", "`~`"),
        ("{% set s = brand %}{% for i in range(60) %}{% set s = s + s %}{% endfor %}", "only work on numbers"),
        (
            "{% set ns = namespace(s=1) %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "not attributes",
        ),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s | upper %}{% endfor %}",
            "not attributes",
        ),
        (
            "{% set s = brand %}{% for i in range(60) %}{% set s = [s, s] | join %}{% endfor %}",
            "only literal values",
        ),
        (
            "{% set s = brand %}{% for i in range(60) %}{% set s %}{{ s }}{{ s }}{% endset %}{% endfor %}",
            "endset",
        ),
        (
            "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s }}{% endif %}{% endmacro %}{{ d(brand, 60) }}",
            "macros",
        ),
        (
            "{% for x in [brand] recursive %}{{ loop([x, x]) }}{% endfor %}",
            "recursive",
        ),
        ("{% set b = button(brand, brand) %}{{ button(b, b) }}", "whole of"),
    ] {
        // Each is refused at its first line: most already at `{% set %}` or `{% for %}`,
        // which keep or repeat values; the rest for what `says`.
        let p = problem(&text(source));
        assert_eq!((p.part, p.line), (TemplatePart::Text, Some(1)), "{source}: {p}");
        assert!(
            p.message.contains(says) || p.message.contains("cannot be used here"),
            "{source}: {p}"
        );
    }
}

#[test]
fn a_part_stops_rendering_at_its_cap() {
    // 238,890 bytes of digits: under the cap, rendered.
    let big = "{{ range(50000) | join }}";
    let m = render_within(&text(big)).unwrap();
    assert!(m.text.len() > 238_000, "{}", m.text.len());
    // Twice that: stopped at 256 KiB.
    let twice = format!("{big}\n{big}");
    for (t, part) in [
        (text(&twice), TemplatePart::Text),
        (
            MessageTemplate {
                subject: twice.clone(),
                text: "t".into(),
                html: None,
            },
            TemplatePart::Subject,
        ),
        (
            html(&format!(
                r#"{{% extends "layout.html" %}}{{% block content %}}{twice}{{% endblock %}}"#
            )),
            TemplatePart::Html,
        ),
        (html(&twice), TemplatePart::Html),
    ] {
        let p = problem(&t);
        assert_eq!(p.part, part, "{p}");
        assert_eq!(
            p.message,
            format!("renders to more than {} KiB", MAX_OUTPUT / 1024)
        );
    }
}

#[test]
fn filters_cannot_build_a_value_past_the_cap() {
    let long = "y".repeat(1000);
    let text_60k = "a ".repeat(30_000);
    for source in [
        // 100 000 joiners of 1 000 bytes: 100 MB.
        format!("{{{{ range(100000) | join('{long}') | length }}}}"),
        // A joiner between 60 000 characters, or a replacement for each space.
        format!("{{{{ '{text_60k}' | list | join('{long}') | length }}}}"),
        format!("{{{{ '{text_60k}' | replace('', 'yyyyy') | length }}}}"),
        format!("{{{{ '{text_60k}' | replace(' ', '{long}') | length }}}}"),
    ] {
        let p = problem(&text(&source));
        assert!(
            p.message.contains("longer than 256 KiB"),
            "{}: {p}",
            short(&source)
        );
    }
    // trim tries each of its characters on each character it trims.
    let p = problem(&text(&format!(
        "{{{{ '{}' | trim('{}') }}}}",
        "ab".repeat(30_000),
        "abcdefghij".repeat(7)
    )));
    assert!(p.message.contains("at most 64 characters"), "{p}");
    // What messages do with them still works.
    let m = render_within(&text(
        "{{ 'a,b' | split(',') | join(' & ') }} {{ brand | replace('Acme', 'ACME') | upper }} {{ '-x-' | trim('-') }}",
    ))
    .unwrap();
    assert_eq!(m.text, "a & b ACME SHOP x\n");
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    // Each aborted the process: minijinja's parser or compiler recursed once per operator.
    for (source, says) in [
        (format!("{{{{ {}1 }}}}", "not ".repeat(5_000)), "too long"),
        (format!("{{{{ {}1 }}}}", "-".repeat(30_000)), "too long"),
        (format!("{{{{ 1{} }}}}", " ~ 1".repeat(3_000)), "too long"),
        (format!("{{{{ brand{} }}}}", " | upper".repeat(3_000)), "too long"),
        (format!("{{{{ brand{} }}}}", ".a".repeat(20_000)), "too long"),
        (
            format!("{{{{ {}1{} }}}}", "f(".repeat(200), ")".repeat(200)),
            "brackets",
        ),
        (
            format!("{{% if 0 %}}{}{{% endif %}}", "{% elif 0 %}".repeat(3_000)),
            "nest too deep",
        ),
    ] {
        let p = problem(&text(&source));
        assert_eq!(p.part, TemplatePart::Text, "{}: {p}", short(&source));
        assert!(p.message.contains(says), "{}: {p}", short(&source));
    }
    // As deep as allowed still renders on the same stack.
    let deepest = format!(
        "{}{{{{ {}{}1{} }}}}{}",
        "{% if 1 %}".repeat(29),
        "not ".repeat(59),
        "not (".repeat(10),
        ")".repeat(10),
        "{% endif %}".repeat(29)
    );
    assert_eq!(render_within(&text(&deepest)).unwrap().text, "False\n");
}
