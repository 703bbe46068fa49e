//! What a tenant's template must be before it is saved: it renders with its kind's variables
//! (a syntax error or an unknown variable is refused, naming the part and line), an email has
//! a subject and an HTML part, a text message fits one GSM-7 segment, and the text part states
//! each secret on a line of its own as API clients read it.

use crate::messages::{
    gsm7, Branding, Composed, Language, MessageKind, MessageTemplate, TemplatePart, TemplateProblem,
    Variables, MASK,
};
use crate::ports::MessageRenderer;
use crate::services::Messages;

/// The longest part a template may have, in characters.
pub const LONGEST_PART: usize = 20_000;
/// The longest a part may render to with the sample values, in bytes.
pub const LONGEST_MESSAGE: usize = 256 * 1024;

/// `template` rendered with `kind`'s sample values in `branding`, or the first problem found.
pub fn check_template(
    renderer: &dyn MessageRenderer,
    branding: &Branding,
    kind: MessageKind,
    language: &Language,
    template: &MessageTemplate,
) -> Result<Composed, TemplateProblem> {
    let is_text = kind.channel() == crate::flow::Channel::Sms;
    let parts = [
        (TemplatePart::Subject, Some(&template.subject)),
        (TemplatePart::Text, Some(&template.text)),
        (TemplatePart::Html, template.html.as_ref()),
    ];
    for (part, source) in parts {
        if source.is_some_and(|s| s.chars().count() > LONGEST_PART) {
            return Err(TemplateProblem::new(
                part,
                format!("must be at most {LONGEST_PART} characters"),
            ));
        }
    }
    match (is_text, &template.html) {
        (true, Some(_)) => {
            return Err(TemplateProblem::new(
                TemplatePart::Html,
                "a text message has no HTML part",
            ))
        }
        (false, None) => {
            return Err(TemplateProblem::new(
                TemplatePart::Html,
                "an email needs an HTML part",
            ))
        }
        _ => {}
    }
    let samples = Messages::sample_variables(branding, kind, language);
    let composed = renderer.render(template, &samples)?;
    // The back office's copy, every secret masked, must render too.
    let mut masked = samples.clone();
    for variable in kind.variables().iter().filter(|v| v.secret) {
        masked.set(variable.name, MASK);
    }
    renderer.render(template, &masked)?;
    match rendered_problem(kind, &composed, &samples) {
        Some(problem) => Err(problem),
        None => Ok(composed),
    }
}

/// What is wrong with `composed`, a message of `kind` rendered with `values`: an empty part, a
/// secret in the subject (kept and shown in clear), a part over [`LONGEST_MESSAGE`], a secret
/// not on a line of its own, a link missing from the HTML, a text message over one GSM-7
/// segment. Checked at save with sample values and at send with the real ones.
pub fn rendered_problem(
    kind: MessageKind,
    composed: &Composed,
    values: &Variables,
) -> Option<TemplateProblem> {
    let problem = |part, message: String| Some(TemplateProblem::new(part, message));
    let is_text = kind.channel() == crate::flow::Channel::Sms;
    if composed.text.trim().is_empty() {
        return problem(TemplatePart::Text, "must not render empty".into());
    }
    if !is_text {
        if composed.subject.trim().is_empty() {
            return problem(TemplatePart::Subject, "must not render empty".into());
        }
        if composed.html.as_deref().is_none_or(|h| h.trim().is_empty()) {
            return problem(TemplatePart::Html, "must not render empty".into());
        }
    }
    for variable in kind.variables().iter().filter(|v| v.secret) {
        let value = values.get(variable.name).unwrap_or_default();
        if !value.is_empty() && composed.subject.contains(value) {
            return problem(
                TemplatePart::Subject,
                format!(
                    "is kept and shown in clear: it cannot carry the secret `{}`",
                    variable.name
                ),
            );
        }
    }
    let parts = [
        (TemplatePart::Subject, Some(&composed.subject)),
        (TemplatePart::Text, Some(&composed.text)),
        (TemplatePart::Html, composed.html.as_ref()),
    ];
    for (part, rendered) in parts {
        if rendered.is_some_and(|r| r.len() > LONGEST_MESSAGE) {
            return problem(part, format!("renders to more than {LONGEST_MESSAGE} bytes"));
        }
    }
    for (label, variable) in kind.required_lines() {
        let line = format!("{label}: {}", values.get(variable).unwrap_or_default());
        if !composed.text.lines().any(|l| l.trim_end() == line) {
            return problem(
                TemplatePart::Text,
                format!("must state the secret on a line of its own as `{label}: {{{{ {variable} }}}}` (API clients read it there)"),
            );
        }
    }
    let link = values
        .get("link")
        .filter(|l| !l.is_empty() && kind.variables().iter().any(|v| v.name == "link"));
    if let (Some(link), Some(html)) = (link, &composed.html) {
        if !html.contains(link) && !html.contains(&link.replace('&', "&amp;")) {
            return problem(
                TemplatePart::Html,
                "must carry the link (`{{ link }}`), as a button or a written-out link".into(),
            );
        }
    }
    if is_text {
        if let Some(message) = gsm7::one_segment_problem(&composed.text) {
            return problem(TemplatePart::Text, message);
        }
    }
    None
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
