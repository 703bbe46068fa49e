//! The HTML part of every shipped message, in every shipped language: valid HTML5 as a browser
//! parses it, built as mail clients need it, loading nothing but the logo, and never showing a
//! secret that the link already carries.

mod common;

use std::borrow::Cow;

use clientele_domain::messages::MessageKind;
use clientele_messages::LANGUAGES;
use common::{render, sample};
use html5ever::tendril::TendrilSink;
use html5ever::tokenizer::TokenizerOpts;
use html5ever::tree_builder::{QuirksMode, TreeBuilderOpts};
use html5ever::{parse_document, ParseOpts};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

fn parse(html: &str) -> RcDom {
    let opts = ParseOpts {
        tokenizer: TokenizerOpts {
            exact_errors: true,
            ..Default::default()
        },
        tree_builder: TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
    };
    parse_document(RcDom::default(), opts).one(html)
}

/// Every (attribute, value) in the document.
fn attributes(node: &Handle, out: &mut Vec<(String, String)>) {
    if let NodeData::Element { attrs, .. } = &node.data {
        for a in attrs.borrow().iter() {
            out.push((a.name.local.to_string(), a.value.to_string()));
        }
    }
    for child in node.children.borrow().iter() {
        attributes(child, out);
    }
}

fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
}

fn each_html(mut check: impl FnMut(MessageKind, &str, String)) {
    for lang in LANGUAGES {
        for kind in MessageKind::ALL
            .into_iter()
            .filter(|k| *k != MessageKind::SmsCode)
        {
            check(kind, lang, render(kind, lang).html.expect("an email has HTML"));
        }
    }
}

#[test]
fn html_parses_without_errors() {
    each_html(|kind, lang, html| {
        let dom = parse(&html);
        let errors: Vec<Cow<'static, str>> = dom.errors.borrow().clone();
        assert!(errors.is_empty(), "{lang}/{kind}: {errors:?}");
        assert_eq!(
            dom.quirks_mode.get(),
            QuirksMode::NoQuirks,
            "{lang}/{kind}: the doctype"
        );
        assert!(html.starts_with("<!DOCTYPE html>"), "{lang}/{kind}");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}/{kind}");
    });
}

#[test]
fn html_is_built_for_mail_clients() {
    each_html(|kind, lang, html| {
        let lower = html.to_lowercase();
        for banned in [
            "<style", "<script", "<link", "@import", "url(", "<iframe", "<form",
        ] {
            assert!(!lower.contains(banned), "{lang}/{kind}: {banned}");
        }
        for needed in [
            r#"<meta charset="utf-8">"#,
            r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
            r#"<meta name="color-scheme" content="light dark">"#,
            r#"<meta name="supported-color-schemes" content="light dark">"#,
            r#"role="presentation" width="100%""#,
            r#"width="600""#,
            "max-width:600px;width:100%",
        ] {
            assert!(html.contains(needed), "{lang}/{kind}: {needed}");
        }
        assert!(
            html.contains("<title>") && !html.contains("<title></title>"),
            "{lang}/{kind}: a title"
        );
        let auto = if lang == "de" {
            "automatisch versendet"
        } else {
            "sent automatically"
        };
        assert!(html.contains(auto), "{lang}/{kind}: the footer");
    });
}

#[test]
fn html_loads_only_the_logo_and_links_only_where_it_should() {
    each_html(|kind, lang, html| {
        let mut attrs = Vec::new();
        attributes(&parse(&html).document, &mut attrs);
        let link = kind
            .variables()
            .iter()
            .find(|v| v.name == "link")
            .map(|v| v.sample);
        let mut srcs = 0;
        for (name, value) in &attrs {
            match name.as_str() {
                "src" => {
                    srcs += 1;
                    assert_eq!(value, sample(kind, "logo_url"), "{lang}/{kind}");
                }
                "href" => assert!(
                    Some(value.as_str()) == link
                        || value == sample(kind, "support_link")
                        || value.starts_with("mailto:"),
                    "{lang}/{kind}: href {value}"
                ),
                "background" | "srcset" | "poster" | "data" => panic!("{lang}/{kind}: {name}"),
                "style" => assert!(!value.contains("url("), "{lang}/{kind}"),
                _ => {}
            }
        }
        assert_eq!(srcs, 1, "{lang}/{kind}: the logo, once");
        if let Some(link) = link {
            // The button and the written-out link beneath it.
            let hrefs = attrs.iter().filter(|(n, v)| n == "href" && v == link).count();
            assert_eq!(hrefs, 2, "{lang}/{kind}");
            assert!(
                html.contains(&format!(">{}</a>", escaped(link))),
                "{lang}/{kind}: the link written out"
            );
        }
    });
}

#[test]
fn html_shows_no_secret_the_link_carries() {
    each_html(|kind, lang, html| {
        let Some(link) = kind.variables().iter().find(|v| v.name == "link") else {
            return;
        };
        let rest = html.replace(&escaped(link.sample), "");
        for name in ["identifier", "secret", "key", "code"] {
            if let Some(var) = kind.variables().iter().find(|v| v.name == name) {
                assert!(!rest.contains(var.sample), "{lang}/{kind}: {name} shown");
            }
        }
    });
}

#[test]
fn the_closing_code_is_shown_to_type() {
    for lang in LANGUAGES {
        let kind = MessageKind::ClosingCode;
        let html = render(kind, lang).html.unwrap();
        let code = sample(kind, "code");
        let shown = html
            .split("<p ")
            .find(|p| p.contains(&format!(">{code}</p>")))
            .unwrap_or_else(|| panic!("{lang}: the code in a paragraph of its own"));
        assert!(
            shown.contains("monospace") && shown.contains("font-size:32px"),
            "{lang}: {shown}"
        );
    }
}

#[test]
fn without_a_logo_the_brand_stands_as_text() {
    let kind = MessageKind::PasswordChanged;
    let mut v = common::samples(kind, "en");
    v.set("logo_url", "");
    v.set("support", "");
    v.set("support_link", "");
    let html = common::render_with(kind, "en", &v).html.unwrap();
    assert!(!html.contains("<img") && !html.contains("src="));
    assert!(html.contains(sample(kind, "brand")));
    assert!(!html.contains("Need help?"));
    assert!(parse(&html).errors.borrow().is_empty());
}
