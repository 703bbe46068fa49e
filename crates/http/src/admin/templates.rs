//! `/admin/v1/tenants/{id}/templates`: a tenant's own words for each message kind and
//! language, checked when saved, previewed with sample values, and reset to the shipped ones.

use actix_web::{web, HttpResponse};
use clientele_domain::messages::{Composed, Language, MessageKind, MessageTemplate, COMMON};
use clientele_domain::services::ShownTemplate;
use clientele_domain::tenant::TenantId;
use clientele_domain::FieldErrors;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::body::{JsonObject, ObjectOrEmpty};
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{optional_text, reject_other_keys, required_text};
use crate::openapi_values::{LanguageCode, MessageKindName};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;

/// A variable a template may use.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminTemplateVariable {
    name: &'static str,
    meaning: &'static str,
    /// Only the message that carries it has it.
    secret: bool,
}

/// A message kind: what it is for and the variables its template may use (besides the
/// common ones: brand, logo_url, accent_color, accent_text_color, support, support_link,
/// replies_read, lang).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminMessageKind {
    kind: &'static str,
    /// `email` or `sms`.
    channel: &'static str,
    purpose: &'static str,
    variables: Vec<AdminTemplateVariable>,
}

impl From<MessageKind> for AdminMessageKind {
    fn from(kind: MessageKind) -> Self {
        AdminMessageKind {
            kind: kind.as_str(),
            channel: kind.channel().as_str(),
            purpose: kind.purpose(),
            variables: kind
                .variables()
                .iter()
                .chain(COMMON)
                .map(|v| AdminTemplateVariable {
                    name: v.name,
                    meaning: v.meaning,
                    secret: v.secret,
                })
                .collect(),
        }
    }
}

/// A template: the tenant's own, or the shipped one its messages use.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminTemplate {
    kind: &'static str,
    language: String,
    /// `tenant` (its own) or `shipped`.
    source: &'static str,
    /// The language of the shipped template shown: English where none is shipped in `language`.
    template_language: String,
    subject: String,
    text: String,
    /// `null` for a text message.
    html: Option<String>,
    #[schema(format = DateTime)]
    updated_at: Option<String>,
}

impl From<ShownTemplate> for AdminTemplate {
    fn from(t: ShownTemplate) -> Self {
        AdminTemplate {
            kind: t.kind.as_str(),
            language: t.language.to_string(),
            source: if t.own { "tenant" } else { "shipped" },
            template_language: t.template_language.to_string(),
            subject: t.template.subject,
            text: t.template.text,
            html: t.template.html,
            updated_at: t.updated_at.map(rfc3339),
        }
    }
}

/// A tenant's own templates, and every kind with its variables.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateListing {
    templates: Vec<AdminTemplate>,
    kinds: Vec<AdminMessageKind>,
}

/// A message rendered with sample values.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenderedPreview {
    subject: String,
    text: String,
    html: Option<String>,
}

impl From<Composed> for RenderedPreview {
    fn from(c: Composed) -> Self {
        RenderedPreview {
            subject: c.subject,
            text: c.text,
            html: c.html,
        }
    }
}

fn tenant_id(raw: &str) -> Result<TenantId, Problem> {
    TenantId::parse(raw).ok_or_else(Problem::not_found)
}

/// The kind and language a path names: an unknown kind is not found, a malformed language a 400.
fn kind_and_language(raw: &(String, String, String)) -> Result<(TenantId, MessageKind, Language), Problem> {
    let tenant = tenant_id(&raw.0)?;
    let kind = MessageKind::parse(&raw.1)
        .ok_or_else(|| Problem::not_found().detail(format!("No message kind is named {:?}.", raw.1)))?;
    let language = Language::parse(&raw.2)
        .filter(|l| l.as_str() == raw.2)
        .ok_or_else(|| Problem::invalid(FieldErrors::single("language", Language::RULE)))?;
    Ok((tenant, kind, language))
}

/// `{"subject", "text", "html"}`: `html` is `null` or absent for a text message.
fn template_body(body: &Map<String, Value>) -> Result<MessageTemplate, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(body, &["subject", "text", "html"], &[], "", &mut errors);
    let subject = optional_text(body, "subject", &mut errors).unwrap_or_default();
    let text = required_text(body, "text", &mut errors);
    let html = optional_text(body, "html", &mut errors);
    errors
        .into_result(MessageTemplate { subject, text, html })
        .map_err(Problem::invalid)
}

/// The parts of `body` over the template in use.
async fn draft(
    state: &AppState,
    tenant: &TenantId,
    kind: MessageKind,
    language: &Language,
    body: &Map<String, Value>,
) -> Result<MessageTemplate, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(body, &["subject", "text", "html"], &[], "", &mut errors);
    let subject = optional_text(body, "subject", &mut errors);
    let text = optional_text(body, "text", &mut errors);
    let html = optional_text(body, "html", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let in_use = state
        .templates
        .show(tenant, kind, language)
        .await
        .map_err(|e| problem_for(e, same_names))?
        .template;
    Ok(MessageTemplate {
        subject: subject.unwrap_or(in_use.subject),
        text: text.unwrap_or(in_use.text),
        html: html.or(in_use.html),
    })
}

/// A tenant's own templates, and the kinds of message with their variables.
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/templates", tag = "Back office", operation_id = "admin_list_templates", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    responses((status = 200, description = "The tenant's templates and every kind.", body = TemplateListing), (status = 401, body = Problem),
        (status = 404, description = "No tenant has this id.", body = Problem)))]
pub async fn list_templates(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = tenant_id(&id)?;
    let own = state
        .templates
        .list(&tenant)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(TemplateListing {
        templates: own
            .into_iter()
            .map(|t| {
                AdminTemplate::from(ShownTemplate {
                    kind: t.kind,
                    language: t.language.clone(),
                    template_language: t.language,
                    template: t.template,
                    own: true,
                    updated_at: Some(t.updated_at),
                })
            })
            .collect(),
        kinds: MessageKind::ALL.into_iter().map(AdminMessageKind::from).collect(),
    }))
}

/// The template of a kind in a language: the tenant's own, else the shipped one.
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/templates/{kind}/{language}", tag = "Back office", operation_id = "admin_get_template", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("kind" = MessageKindName, Path, description = "the message kind, e.g. `activation`"), ("language" = LanguageCode, Path, description = "a language code, e.g. `en`")),
    responses((status = 200, description = "The template its messages use.", body = AdminTemplate), (status = 400, description = "The language is no language code.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No tenant has this id, or no kind this name.", body = Problem)))]
pub async fn get_template(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, kind, language) = kind_and_language(&path)?;
    let shown = state
        .templates
        .show(&tenant, kind, &language)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminTemplate::from(shown)))
}

/// Saves the tenant's own template of a kind in a language; it is checked first (it renders
/// with sample values; a syntax error or an unknown variable is a 400 naming the part and line).
#[utoipa::path(put, path = "/admin/v1/tenants/{id}/templates/{kind}/{language}", tag = "Back office", operation_id = "admin_put_template", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("kind" = MessageKindName, Path, description = "the message kind"), ("language" = LanguageCode, Path, description = "a language code")),
    request_body(content = super::bodies::TemplateBody),
    responses((status = 200, description = "The template as saved.", body = AdminTemplate), (status = 400, description = "The template cannot be used: `errors` names the part (`subject`, `text`, `html`) and the line.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No tenant has this id, or no kind this name.", body = Problem)))]
pub async fn put_template(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String, String)>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let (tenant, kind, language) = kind_and_language(&path)?;
    let template = template_body(&body.0)?;
    let saved = state
        .templates
        .save(&tenant, kind, &language, template)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminTemplate::from(saved)))
}

/// Back to the shipped template (whether or not the tenant had one of its own).
#[utoipa::path(delete, path = "/admin/v1/tenants/{id}/templates/{kind}/{language}", tag = "Back office", operation_id = "admin_delete_template", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("kind" = MessageKindName, Path, description = "the message kind"), ("language" = LanguageCode, Path, description = "a language code")),
    responses((status = 204, description = "The shipped template is used."), (status = 400, description = "The language is no language code.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No tenant has this id, or no kind this name.", body = Problem)))]
pub async fn delete_template(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, kind, language) = kind_and_language(&path)?;
    state
        .templates
        .reset(&tenant, kind, &language)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Renders a template with sample values in the tenant's branding: the one in the body (checked
/// as at save), or, with no body, the one its messages use.
#[utoipa::path(post, path = "/admin/v1/tenants/{id}/templates/{kind}/{language}/preview", tag = "Back office", operation_id = "admin_preview_template", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("kind" = MessageKindName, Path, description = "the message kind"), ("language" = LanguageCode, Path, description = "a language code")),
    request_body(content = Option<super::bodies::PreviewBody>),
    responses((status = 200, description = "The message as sample values fill it.", body = RenderedPreview), (status = 400, description = "The template cannot be used: `errors` names the part and the line.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No tenant has this id, or no kind this name.", body = Problem)))]
pub async fn preview_template(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String, String)>,
    body: ObjectOrEmpty,
) -> Result<HttpResponse, Problem> {
    let (tenant, kind, language) = kind_and_language(&path)?;
    let template = if body.0.is_empty() {
        None
    } else {
        Some(draft(&state, &tenant, kind, &language, &body.0).await?)
    };
    let rendered = state
        .templates
        .preview(&tenant, kind, &language, template)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(RenderedPreview::from(rendered)))
}
