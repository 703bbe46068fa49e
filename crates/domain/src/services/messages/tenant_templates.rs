//! The back office's use cases for a tenant's templates.

use std::sync::Arc;

use time::OffsetDateTime;

use super::check_template;
use crate::error::DomainError;
use crate::messages::{Composed, Language, MessageKind, MessageTemplate, StoredTemplate, TemplateProblem};
use crate::ports::Clock;
use crate::services::Messages;
use crate::tenant::TenantId;
use crate::FieldErrors;

/// A template as the back office sees it: the tenant's own, or the one its messages use today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownTemplate {
    pub kind: MessageKind,
    /// The language asked for.
    pub language: Language,
    /// The language of `template`: the one asked for, else the one messages fall back to (the
    /// tenant's default language, else English).
    pub template_language: Language,
    pub template: MessageTemplate,
    /// The tenant's own (else shipped).
    pub own: bool,
    pub updated_at: Option<OffsetDateTime>,
}

/// Shows, saves, resets and previews a tenant's message templates.
#[derive(Clone)]
pub struct TenantTemplates {
    messages: Messages,
    clock: Arc<dyn Clock>,
}

fn refused(problem: TemplateProblem) -> DomainError {
    let message = match problem.line {
        Some(line) => format!("line {line}: {}", problem.message),
        None => problem.message,
    };
    DomainError::Invalid(FieldErrors::single(problem.part.as_str(), message))
}

impl TenantTemplates {
    pub fn new(messages: Messages, clock: Arc<dyn Clock>) -> Self {
        TenantTemplates { messages, clock }
    }

    async fn existing(&self, tenant: &TenantId) -> Result<(), DomainError> {
        match self.messages.tenants.get_tenant(tenant).await? {
            Some(_) => Ok(()),
            None => Err(DomainError::NotFound),
        }
    }

    /// `template` rendered with sample values in `tenant`'s branding, once it passes the checks
    /// of [`check_template`].
    async fn checked(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
        template: &MessageTemplate,
    ) -> Result<Composed, DomainError> {
        self.existing(tenant).await?;
        let branding = self.messages.branding_of(tenant).await?;
        check_template(
            self.messages.renderer.as_ref(),
            &branding,
            kind,
            language,
            template,
        )
        .map_err(refused)
    }

    /// Every template the tenant wrote.
    pub async fn list(&self, tenant: &TenantId) -> Result<Vec<StoredTemplate>, DomainError> {
        self.existing(tenant).await?;
        Ok(self.messages.templates.list_templates(tenant).await?)
    }

    /// The tenant's template of `kind` in `language`, or the shipped one its messages use.
    pub async fn show(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
    ) -> Result<ShownTemplate, DomainError> {
        self.existing(tenant).await?;
        // What a customer whose language is `language` gets: the tenant's own in it, else the
        // shipped one; else the tenant's default language's, or English.
        let branding = self.messages.branding_of(tenant).await?;
        let languages = Language::preferences(Some(language.as_str()), branding.default_language.as_ref());
        let chosen = self.messages.template_for(tenant, kind, &languages).await?;
        Ok(ShownTemplate {
            kind,
            language: language.clone(),
            template_language: chosen.language,
            template: chosen.template,
            own: chosen.saved_at.is_some(),
            updated_at: chosen.saved_at,
        })
    }

    /// Checks `template` (see [`check_template`]) and saves it as the tenant's own.
    pub async fn save(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
        template: MessageTemplate,
    ) -> Result<ShownTemplate, DomainError> {
        self.checked(tenant, kind, language, &template).await?;
        let stored = StoredTemplate {
            tenant: tenant.clone(),
            kind,
            language: language.clone(),
            template,
            updated_at: self.clock.now(),
        };
        self.messages.templates.put_template(&stored).await?;
        Ok(ShownTemplate {
            kind,
            language: language.clone(),
            template_language: language.clone(),
            template: stored.template,
            own: true,
            updated_at: Some(stored.updated_at),
        })
    }

    /// Back to the shipped template; whether the tenant had one of its own.
    pub async fn reset(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
    ) -> Result<bool, DomainError> {
        self.existing(tenant).await?;
        Ok(self
            .messages
            .templates
            .delete_template(tenant, kind, language)
            .await?)
    }

    /// `template` (else the one the tenant's messages of `kind` in `language` use) rendered
    /// with sample values in the tenant's branding; a template given is checked as at save.
    pub async fn preview(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
        template: Option<MessageTemplate>,
    ) -> Result<Composed, DomainError> {
        match template {
            Some(template) => self.checked(tenant, kind, language, &template).await,
            // In the language of the words its messages use, as they are sent.
            None => {
                let shown = self.show(tenant, kind, language).await?;
                self.checked(tenant, kind, &shown.template_language, &shown.template)
                    .await
            }
        }
    }
}
