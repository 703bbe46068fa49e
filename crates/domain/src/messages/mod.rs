//! The messages customers (and tenants' operators) read: their kinds and variables, each
//! tenant's branding and own templates, the language one is written in, and what fits a text.

pub mod branding;
mod content;
pub mod gsm7;
mod kind;
mod language;
pub mod settings;
mod template;

pub use branding::{Branding, InstanceBranding};
pub use content::{AccountChange, Content, MASK};
pub use kind::{MessageKind, Variable, COMMON};
pub use language::Language;
pub use settings::{MessageSettings, MessageSettingsChange};
pub use template::{Composed, MessageTemplate, StoredTemplate, TemplatePart, TemplateProblem, Variables};
