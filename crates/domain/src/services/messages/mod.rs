//! Tenants' own message templates: shown, checked and saved, reset, previewed.

mod check;
mod tenant_templates;

pub use check::{check_template, rendered_problem};
pub use tenant_templates::{ShownTemplate, TenantTemplates};
