use crate::messages::{Composed, Language, MessageKind, MessageTemplate, TemplateProblem, Variables};

/// Renders message templates (minijinja in the shipped adapter) and holds the shipped ones.
/// Pure and synchronous: no I/O.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait MessageRenderer: Send + Sync {
    /// The template shipped for `kind` in `language`; `None` when that language is not shipped.
    fn shipped(&self, kind: MessageKind, language: &Language) -> Option<MessageTemplate>;

    /// `template` rendered with `variables`. A syntax error, or a variable the template uses
    /// that `variables` lacks, is a [`TemplateProblem`] naming the part and, where known, the
    /// line. The text part comes wrapped at 78 columns (a word longer than that, a link, on a
    /// line of its own) with no runs of blank lines.
    fn render(&self, template: &MessageTemplate, variables: &Variables) -> Result<Composed, TemplateProblem>;
}
