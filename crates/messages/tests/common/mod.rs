//! What the tests share: the sample variables of a kind and the shipped message rendered.

#![allow(dead_code)] // each test file uses its own share of these

use clientele_domain::messages::{Composed, Language, MessageKind, MessageTemplate, Variables, COMMON};
use clientele_domain::ports::MessageRenderer;
use clientele_messages::MinijinjaRenderer;

/// Every variable of `kind` and the common ones at their samples, in `lang`.
pub fn samples(kind: MessageKind, lang: &str) -> Variables {
    let mut v = Variables::new();
    for var in COMMON.iter().chain(kind.variables()) {
        v.set(var.name, var.sample);
    }
    v.set("lang", lang);
    v
}

/// The sample of `name` (common or `kind`'s).
pub fn sample(kind: MessageKind, name: &str) -> &'static str {
    COMMON
        .iter()
        .chain(kind.variables())
        .find(|v| v.name == name)
        .map(|v| v.sample)
        .unwrap_or_else(|| panic!("{kind} has no variable {name}"))
}

pub fn shipped(kind: MessageKind, lang: &str) -> MessageTemplate {
    MinijinjaRenderer::new()
        .shipped(kind, &Language::parse(lang).unwrap())
        .unwrap_or_else(|| panic!("{lang}/{kind} is shipped"))
}

/// The shipped `kind` in `lang`, rendered with `variables`.
pub fn render_with(kind: MessageKind, lang: &str, variables: &Variables) -> Composed {
    MinijinjaRenderer::new()
        .render(&shipped(kind, lang), variables)
        .unwrap_or_else(|p| panic!("{lang}/{kind}: {p}"))
}

/// The shipped `kind` in `lang`, rendered with the samples.
pub fn render(kind: MessageKind, lang: &str) -> Composed {
    render_with(kind, lang, &samples(kind, lang))
}

/// `template` (a tenant's own) rendered with `kind`'s samples.
pub fn render_own(
    kind: MessageKind,
    template: &MessageTemplate,
) -> Result<Composed, clientele_domain::messages::TemplateProblem> {
    MinijinjaRenderer::new().render(template, &samples(kind, "en"))
}
