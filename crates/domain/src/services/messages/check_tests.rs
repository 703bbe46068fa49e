use super::*;
use crate::messages::{InstanceBranding, Variables};
use crate::ports::MockMessageRenderer;

fn branding() -> Branding {
    Branding::resolve(
        &InstanceBranding::from_config("Acme <hello@acme.example>", None),
        None,
    )
}

/// A renderer that answers `composed` whatever it is given.
fn rendering(subject: &str, text: &str, html: Option<&str>) -> MockMessageRenderer {
    let composed = Composed {
        subject: subject.into(),
        text: text.into(),
        html: html.map(str::to_owned),
    };
    let mut renderer = MockMessageRenderer::new();
    renderer
        .expect_render()
        .returning(move |_, _: &Variables| Ok(composed.clone()));
    renderer
}

fn template(html: Option<&str>) -> MessageTemplate {
    MessageTemplate {
        subject: "s".into(),
        text: "t".into(),
        html: html.map(str::to_owned),
    }
}

fn check(
    renderer: &MockMessageRenderer,
    kind: MessageKind,
    html: Option<&str>,
) -> Result<Composed, TemplateProblem> {
    check_template(renderer, &branding(), kind, &Language::english(), &template(html))
}

#[test]
fn a_reset_that_states_its_code_passes() {
    let html = "<a href=\"https://app.acme.example/reset/8KY0CX0LAR\">Reset</a>";
    let renderer = rendering("Reset", "Hi\nCode: 8KY0CX0LAR\n", Some(html));
    assert!(check(&renderer, MessageKind::PasswordReset, Some("<p>{{ name }}</p>")).is_ok());
}

#[test]
fn the_html_carries_the_link_and_no_part_renders_empty() {
    let renderer = rendering("Reset", "Hi\nCode: 8KY0CX0LAR\n", Some("<p>Hi</p>"));
    let problem = check(&renderer, MessageKind::PasswordReset, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Html);
    assert!(problem.message.contains("link"), "{problem}");
    let blank = rendering("Changed", "Changed.\n", Some("  \n"));
    let problem = check(&blank, MessageKind::PasswordChanged, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Html);
    let silent = rendering("Changed", " \n", Some("<p>x</p>"));
    let problem = check(&silent, MessageKind::PasswordChanged, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Text);
}

#[test]
fn the_back_offices_masked_copy_must_render_too() {
    let mut renderer = MockMessageRenderer::new();
    renderer.expect_render().returning(|_, variables: &Variables| {
        if variables.get("code") == Some(crate::messages::MASK) {
            return Err(TemplateProblem::new(TemplatePart::Text, "not a number"));
        }
        Ok(Composed {
            subject: "Code".into(),
            text: "Code: 482913\n".into(),
            html: Some("<p>482913</p>".into()),
        })
    });
    let problem = check(&renderer, MessageKind::ClosingCode, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Text);
}

#[test]
fn the_secret_must_stand_on_its_own_line() {
    let renderer = rendering("Reset", "Your code is 8KY0CX0LAR.\n", Some("<p>Hi</p>"));
    let problem = check(&renderer, MessageKind::PasswordReset, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Text);
    assert!(problem.message.contains("Code: {{ code }}"), "{problem}");
}

#[test]
fn the_subject_carries_no_secret() {
    let renderer = rendering("Your code 8KY0CX0LAR", "Code: 8KY0CX0LAR\n", Some("<p>Hi</p>"));
    let problem = check(&renderer, MessageKind::PasswordReset, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Subject);
    assert!(problem.message.contains("code"), "{problem}");
}

#[test]
fn an_email_has_html_and_a_subject_and_a_text_message_neither_html() {
    let renderer = rendering("Changed", "Changed.\n", Some("<p>x</p>"));
    let problem = check(&renderer, MessageKind::PasswordChanged, None).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Html);
    let problem = check(&renderer, MessageKind::SmsCode, Some("<p>x</p>")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Html);
    let untitled = rendering(" ", "Changed.\n", Some("<p>x</p>"));
    let problem = check(&untitled, MessageKind::PasswordChanged, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Subject);
}

#[test]
fn a_text_message_fits_one_gsm_segment() {
    let long = format!("{}\nCode: 493027", "x".repeat(150));
    let renderer = rendering("", &long, None);
    let problem = check(&renderer, MessageKind::SmsCode, None).unwrap_err();
    assert!(problem.message.contains("160"), "{problem}");
    let cyrillic = rendering("", "Код\nCode: 493027", None);
    assert!(check(&cyrillic, MessageKind::SmsCode, None).is_err());
    let fits = rendering("", "Acme: your code.\nCode: 493027", None);
    assert!(check(&fits, MessageKind::SmsCode, None).is_ok());
}

#[test]
fn oversized_templates_and_renderings_are_refused() {
    let renderer = rendering("Changed", "Changed.\n", Some("<p>x</p>"));
    let mut big = template(Some("x"));
    big.text = "x".repeat(LONGEST_PART + 1);
    let problem = check_template(
        &renderer,
        &branding(),
        MessageKind::PasswordChanged,
        &Language::english(),
        &big,
    )
    .unwrap_err();
    assert_eq!(problem.part, TemplatePart::Text);
    let huge = "y".repeat(LONGEST_MESSAGE + 1);
    let renderer = rendering("Changed", "Changed.\n", Some(&huge));
    let problem = check(&renderer, MessageKind::PasswordChanged, Some("x")).unwrap_err();
    assert_eq!(problem.part, TemplatePart::Html);
}

#[test]
fn the_renderers_problem_is_the_answer() {
    let mut renderer = MockMessageRenderer::new();
    renderer.expect_render().returning(|_, _| {
        Err(TemplateProblem {
            part: TemplatePart::Html,
            line: Some(3),
            message: "syntax error".into(),
        })
    });
    let problem = check(&renderer, MessageKind::PasswordChanged, Some("x")).unwrap_err();
    assert_eq!((problem.part, problem.line), (TemplatePart::Html, Some(3)));
}
