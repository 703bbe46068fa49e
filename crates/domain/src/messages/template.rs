//! A message's template (subject, text, HTML), what rendering it gives, and what can be wrong
//! with one a tenant wrote.

use std::fmt;

use time::OffsetDateTime;

use super::{Language, MessageKind};
use crate::tenant::TenantId;

/// The three parts of a message as written, in minijinja. A text message has only `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTemplate {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// A tenant's own template of a kind in a language, in place of the shipped one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub tenant: TenantId,
    pub kind: MessageKind,
    pub language: Language,
    pub template: MessageTemplate,
    pub updated_at: OffsetDateTime,
}

/// A rendered message. `html` is absent for a text message.
#[derive(Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl fmt::Debug for Composed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The parts may hold a secret.
        f.debug_struct("Composed")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Which part of a template a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplatePart {
    Subject,
    Text,
    Html,
}

impl TemplatePart {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplatePart::Subject => "subject",
            TemplatePart::Text => "text",
            TemplatePart::Html => "html",
        }
    }
}

/// Why a template cannot be used: a syntax error, a variable its kind does not have, or a
/// rule of the kind's messages broken; `line` (from 1) where the renderer knows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", part.as_str(), line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct TemplateProblem {
    pub part: TemplatePart,
    pub line: Option<usize>,
    pub message: String,
}

impl TemplateProblem {
    pub fn new(part: TemplatePart, message: impl Into<String>) -> Self {
        TemplateProblem {
            part,
            line: None,
            message: message.into(),
        }
    }
}

/// The values a template renders with: every variable of its kind and the common ones, each a
/// string (empty: unset).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Variables(Vec<(&'static str, String)>);

impl Variables {
    pub fn new() -> Self {
        Variables(Vec::new())
    }

    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(n, v)| (*n, v.as_str()))
    }
}

impl fmt::Debug for Variables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: names only.
        f.debug_list().entries(self.0.iter().map(|(n, _)| n)).finish()
    }
}
