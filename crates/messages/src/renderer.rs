//! The domain's [`MessageRenderer`] over minijinja: strict about undefined names, fuel-limited,
//! each part capped at [`MAX_OUTPUT`](crate::MAX_OUTPUT) bytes, HTML-escaping only the HTML
//! part, able to load nothing but the shipped layout, and refusing (`sandbox`) what it could
//! not bound.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use clientele_domain::messages::{
    Composed, Language, MessageKind, MessageTemplate, TemplatePart, TemplateProblem, Variables,
};
use clientele_domain::ports::MessageRenderer;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, Output, State, Template, UndefinedBehavior};

use crate::limits::CappedOutput;
use crate::shipped::{self, LAYOUT, LAYOUT_NAME};
use crate::text_wrap::tidy_text;
use crate::{builtins, problems, sandbox};

/// Steps one rendering may take: far more than any sensible message, few enough that a
/// tenant's runaway loop stops within milliseconds. Steps, not bytes: the bytes are bounded by
/// the capped output, `builtins` and `sandbox`.
const FUEL: u64 = 10_000;

/// Renders message templates with minijinja and holds the shipped ones.
pub struct MinijinjaRenderer {
    /// The configured environment with the layout; each rendering works on a clone of it, so
    /// a tenant's template (borrowed for the call) never outlives its call.
    base: Environment<'static>,
    globals: HashSet<String>,
}

impl MinijinjaRenderer {
    pub fn new() -> Self {
        // Empty: only the filters, tests and functions `builtins` chooses.
        let mut env = Environment::empty();
        builtins::install(&mut env);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        // Only the HTML part (and the layout) is HTML; subject and text are plain.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(formatter);
        // No loader: extends, include and import find this template and no other.
        env.add_template(LAYOUT_NAME, LAYOUT)
            .expect("the shipped layout compiles");
        let globals = env.globals().map(|(name, _)| name.to_owned()).collect();
        MinijinjaRenderer { base: env, globals }
    }

    /// `source` compiled as `part`, checked for names the message does not have.
    fn compile<'env, 'source>(
        &self,
        env: &'env Environment<'source>,
        part: TemplatePart,
        source: &'source str,
        variables: &Variables,
    ) -> Result<Template<'env, 'source>, TemplateProblem> {
        // Before minijinja compiles it: compiling recurses and folds constants.
        sandbox::check(part, template_name(part), source)?;
        let template = env
            .template_from_named_str(template_name(part), source)
            .map_err(|e| problems::from_error(part, &e))?;
        match problems::unknown_variable(part, &template, source, variables, &self.globals) {
            Some(problem) => Err(problem),
            None => Ok(template),
        }
    }
}

impl Default for MinijinjaRenderer {
    fn default() -> Self {
        Self::new()
    }
}

/// The names parts compile under; the extension decides the escaping.
fn template_name(part: TemplatePart) -> &'static str {
    match part {
        TemplatePart::Subject => "subject.txt",
        TemplatePart::Text => "text.txt",
        TemplatePart::Html => "message.html",
    }
}

/// Escapes `&<>"'` in the HTML part. minijinja's own also escapes `/` (as `&#x2f;`), which
/// needlessly garbles every link in the markup.
fn formatter(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    if state.auto_escape() != AutoEscape::Html || value.is_safe() || value.is_undefined() {
        return minijinja::escape_formatter(out, state, value);
    }
    // Straight into the output, which stops at its cap, without an escaped copy first.
    let mut html = HtmlEscaped(out);
    match value.as_str() {
        Some(s) => fmt::Write::write_str(&mut html, s),
        None => fmt::Write::write_fmt(&mut html, format_args!("{value}")),
    }
    .map_err(Error::from)
}

/// Writes into the output with `&<>"'` escaped.
struct HtmlEscaped<'a, 'b>(&'a mut Output<'b>);

impl fmt::Write for HtmlEscaped<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            self.0.write_str(&rest[..at])?;
            self.0.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        self.0.write_str(rest)
    }
}

/// The subject on one line: its lines trimmed and joined with spaces.
fn one_line(subject: &str) -> String {
    subject
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl MessageRenderer for MinijinjaRenderer {
    fn shipped(&self, kind: MessageKind, language: &Language) -> Option<MessageTemplate> {
        let parts = shipped::parts(kind, language.as_str())?;
        Some(MessageTemplate {
            subject: parts.subject.to_owned(),
            text: parts.text.to_owned(),
            html: parts.html.map(str::to_owned),
        })
    }

    fn render(&self, template: &MessageTemplate, variables: &Variables) -> Result<Composed, TemplateProblem> {
        let env: Environment<'_> = self.base.clone();
        let subject = self.compile(&env, TemplatePart::Subject, &template.subject, variables)?;
        let text = self.compile(&env, TemplatePart::Text, &template.text, variables)?;
        let html = match &template.html {
            Some(source) => Some(self.compile(&env, TemplatePart::Html, source, variables)?),
            None => None,
        };
        let context: BTreeMap<&str, &str> = variables.iter().collect();
        // Into a capped output: a part stops rendering once it passes MAX_OUTPUT bytes.
        let render = |part: TemplatePart, t: &Template<'_, '_>| {
            let mut out = CappedOutput::default();
            match t.render_captured_to(&context, &mut out) {
                Ok(_) => Ok(out.into_string()),
                Err(e) if out.exceeded() => Err(problems::too_long(part, &e)),
                Err(e) => Err(problems::from_error(part, &e)),
            }
        };
        let subject = one_line(&render(TemplatePart::Subject, &subject)?);
        let text = tidy_text(&render(TemplatePart::Text, &text)?);
        let html = match html {
            Some(t) => Some(render(TemplatePart::Html, &t)?.trim().to_owned()),
            None => None,
        };
        Ok(Composed { subject, text, html })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_come_out_on_one_line() {
        assert_eq!(one_line("  Hello\n  there \n\n"), "Hello there");
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn the_layout_macros_are_the_layouts() {
        // A template that extends the layout can call every name problems.rs allows for it.
        let found: Vec<String> = LAYOUT
            .split("{%")
            .filter_map(|tag| {
                tag.trim_start_matches(['-', '+'])
                    .trim_start()
                    .strip_prefix("macro ")
            })
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect();
        assert_eq!(found, problems::LAYOUT_MACROS);
    }
}
