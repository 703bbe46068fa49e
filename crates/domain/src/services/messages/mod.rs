//! Tenants' own message templates: shown, checked and saved, reset, previewed.

mod check;
mod tenant_templates;

pub use check::{check_template, rendered_problem, LONGEST_MESSAGE, LONGEST_PART};
pub use tenant_templates::{ShownTemplate, TenantTemplates};
