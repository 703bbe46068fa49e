//! Composing the messages the outbox sends: in the tenant's voice (its branding, its own
//! template if it wrote one, else the shipped one) and the customer's language, sealed for the
//! outbox, with a masked copy for the back office, and links pointing where the tenant's
//! settings say.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::account::Account;
use crate::error::DomainError;
use crate::message::{MessageId, OutboundMessage};
use crate::messages::{
    gsm7, AccountChange, Branding, Composed, Content, InstanceBranding, Language, MessageKind,
    MessageTemplate, TemplateProblem, Variables,
};
use crate::ports::{MessageRenderer, MessageTemplates, Sealer, TenantRepository};
use crate::services::messages::rendered_problem;
use crate::services::{Deps, LinkSettings};
use crate::tenant::TenantId;

/// Composes messages and their links.
#[derive(Clone)]
pub struct Messages {
    pub sealer: Arc<dyn Sealer>,
    /// The instance's links; a tenant's settings may override them (see [`Self::links_for`]).
    pub links: LinkSettings,
    pub tenants: Arc<dyn TenantRepository>,
    pub renderer: Arc<dyn MessageRenderer>,
    pub templates: Arc<dyn MessageTemplates>,
    /// Every tenant's sender and brand where it set none.
    pub branding: InstanceBranding,
    /// How long a texted code is valid, as its text says.
    pub code_ttl: Duration,
}

/// A message rendered for one tenant and language, with what its envelope needs.
pub struct Rendered {
    pub kind: MessageKind,
    pub composed: Composed,
    /// The text part with every secret masked (the back office's copy).
    pub masked_text: String,
    pub branding: Branding,
    pub language: Language,
}

/// The template a message is written with, and in which language.
pub struct ChosenTemplate {
    pub template: MessageTemplate,
    pub language: Language,
    /// When the tenant saved it, if it is the tenant's own (else it is shipped).
    pub saved_at: Option<OffsetDateTime>,
}

impl Messages {
    /// Where the links in `tenant`'s messages point.
    pub async fn links_for(&self, tenant: &TenantId) -> Result<LinkSettings, DomainError> {
        let tenant = self.tenants.get_tenant(tenant).await?;
        Ok(self.links.for_tenant(tenant.as_ref()))
    }

    /// `tenant`'s branding, every setting resolved.
    pub async fn branding_of(&self, tenant: &TenantId) -> Result<Branding, DomainError> {
        let tenant = self.tenants.get_tenant(tenant).await?;
        Ok(Branding::resolve(&self.branding, tenant.as_ref()))
    }

    /// The variables of `kind` with their samples, in `tenant`'s branding (previews and checks).
    pub fn sample_variables(branding: &Branding, kind: MessageKind, language: &Language) -> Variables {
        let mut variables = Self::common_variables(branding, kind, language);
        for variable in kind.variables() {
            variables.set(variable.name, variable.sample);
        }
        variables
    }

    /// The variables every template of `kind` has: the branding's, with the brand fitted for a
    /// text message's one segment when `kind` is one.
    fn common_variables(branding: &Branding, kind: MessageKind, language: &Language) -> Variables {
        let mut variables = branding.variables(language);
        if kind.channel() == crate::flow::Channel::Sms {
            variables.set("brand", gsm7::brand_for_text(&branding.brand));
        }
        variables
    }

    /// The template `tenant`'s message of `kind` uses in the first of `languages` that has one:
    /// the tenant's own, else the shipped one (English has every kind).
    pub async fn template_for(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        languages: &[Language],
    ) -> Result<ChosenTemplate, DomainError> {
        let own = self.templates.templates_of_kind(tenant, kind).await?;
        for language in languages {
            if let Some(stored) = own.iter().find(|t| &t.language == language) {
                return Ok(ChosenTemplate {
                    template: stored.template.clone(),
                    language: language.clone(),
                    saved_at: Some(stored.updated_at),
                });
            }
            if let Some(shipped) = self.renderer.shipped(kind, language) {
                return Ok(ChosenTemplate {
                    template: shipped,
                    language: language.clone(),
                    saved_at: None,
                });
            }
        }
        let (template, language) = self.shipped_for(kind, &[])?;
        Ok(ChosenTemplate {
            template,
            language,
            saved_at: None,
        })
    }

    /// A tenant's template that failed: where, never the renderer's words (they may quote a
    /// value).
    fn own_failed(tenant: &TenantId, kind: MessageKind, language: &Language, problem: &TemplateProblem) {
        tracing::warn!(
            tenant = %tenant, kind = %kind, language = %language,
            part = problem.part.as_str(), line = ?problem.line,
            "a tenant's template failed; the shipped one is used"
        );
    }

    /// The shipped template of `kind` in the first of `languages` it is shipped in (English
    /// has every kind).
    fn shipped_for(
        &self,
        kind: MessageKind,
        languages: &[Language],
    ) -> Result<(MessageTemplate, Language), DomainError> {
        languages
            .iter()
            .chain([&Language::english()])
            .find_map(|language| {
                self.renderer
                    .shipped(kind, language)
                    .map(|t| (t, language.clone()))
            })
            .ok_or_else(|| DomainError::Unavailable(format!("no template for {kind}")))
    }

    /// `content` in `tenant`'s voice and the first language of the customer's `locale`, the
    /// tenant's default and English that has a template. A tenant's template that fails to
    /// render, or renders a message its kind's rules refuse (checked at save with sample
    /// values, here with the real ones), gives way to the shipped one: the message still goes.
    pub async fn render(
        &self,
        tenant: &TenantId,
        language: Option<&str>,
        content: &Content<'_>,
    ) -> Result<Rendered, DomainError> {
        let branding = self.branding_of(tenant).await?;
        let kind = content.kind();
        let languages = Language::preferences(language, branding.default_language.as_ref());
        let chosen = self.template_for(tenant, kind, &languages).await?;
        let with = |masked: bool, language: &Language| {
            let mut variables = Self::common_variables(&branding, kind, language);
            for (name, value) in content.variables(masked).iter() {
                variables.set(name, value);
            }
            variables
        };
        // The clear copy and the masked one.
        let both = |template: &MessageTemplate, language: &Language| {
            Ok::<_, TemplateProblem>((
                self.renderer.render(template, &with(false, language))?,
                self.renderer.render(template, &with(true, language))?,
            ))
        };
        // What is sent, and the text the back office reads; the subject is kept and shown in
        // clear: from the masked copy.
        let kept = |(clear, masked): (Composed, Composed)| {
            (
                Composed {
                    subject: masked.subject,
                    ..clear
                },
                masked.text,
            )
        };
        let (template, language) = (&chosen.template, chosen.language);
        let own = chosen.saved_at.is_some();
        let rendered = match both(template, &language) {
            Ok((clear, masked)) => match rendered_problem(kind, &clear, &with(false, &language)) {
                None => Some(kept((clear, masked))),
                Some(problem) if own => {
                    Self::own_failed(tenant, kind, &language, &problem);
                    None
                }
                Some(problem) => {
                    // A shipped message its rules refuse (a text over one segment under a long
                    // brand) still goes.
                    tracing::warn!(kind = %kind, language = %language, part = problem.part.as_str(), "a shipped message breaks a rule of its kind: {}", problem.message);
                    Some(kept((clear, masked)))
                }
            },
            Err(problem) if own => {
                Self::own_failed(tenant, kind, &language, &problem);
                None
            }
            // One that does not render is a fault of ours.
            Err(_) => {
                return Err(DomainError::Unavailable(format!(
                    "the shipped {kind} template failed"
                )))
            }
        };
        let ((composed, masked_text), language) = match rendered {
            Some(done) => (done, language),
            None => {
                let (shipped, language) = self.shipped_for(kind, &languages)?;
                let done = both(&shipped, &language).map_err(|problem| {
                    DomainError::Unavailable(format!(
                        "the shipped {kind} template failed in its {} part{}",
                        problem.part.as_str(),
                        problem.line.map(|l| format!(" on line {l}")).unwrap_or_default()
                    ))
                })?;
                (kept(done), language)
            }
        };
        Ok(Rendered {
            kind,
            composed,
            masked_text,
            branding,
            language,
        })
    }

    /// A text message with `code` to `number` (E.164), sealed for the outbox; the back office
    /// reads it with the code masked.
    pub async fn code_text(
        &self,
        deps: &Deps,
        account: &Account,
        number: &str,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<OutboundMessage, DomainError> {
        let minutes = self.code_ttl.whole_minutes().max(1);
        let content = Content::SmsCode { code, minutes };
        self.message(deps, account, number, &content, now).await
    }

    /// A notice that `change` happened (no secret in it), to the address `before` had
    /// confirmed (a change made behind the customer's back must reach them, not whoever set the
    /// new value), in the words of the account `after` it (its name, its language); `None`
    /// when there was no confirmed address.
    pub async fn change_notice(
        &self,
        deps: &Deps,
        before: &Account,
        after: &Account,
        change: AccountChange,
        now: OffsetDateTime,
    ) -> Result<Option<OutboundMessage>, DomainError> {
        // Only an address the customer proved: a notice to one they did not is no notice to them.
        let Some(address) = before.confirmed_email() else {
            return Ok(None);
        };
        let name = after
            .profile
            .first_name
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let notice = Content::AccountChanged { name: &name, change };
        self.message(deps, after, address.as_str(), &notice, now)
            .await
            .map(Some)
    }

    /// The message of `content` to `recipient`, sealed for the outbox, with the masked copy
    /// kept readable for the back office.
    pub async fn message(
        &self,
        deps: &Deps,
        account: &Account,
        recipient: &str,
        content: &Content<'_>,
        now: OffsetDateTime,
    ) -> Result<OutboundMessage, DomainError> {
        let language = account.profile.locale.as_ref().map(|l| l.language());
        let rendered = self.render(&account.tenant, language, content).await?;
        let id = MessageId(deps.random.uuid());
        let mut message = self.sealed(id, &account.tenant, recipient, rendered, now);
        message.account = Some(account.uuid);
        Ok(message)
    }

    /// `rendered`, sealed for the outbox to `recipient`.
    pub fn sealed(
        &self,
        id: MessageId,
        tenant: &TenantId,
        recipient: &str,
        rendered: Rendered,
        now: OffsetDateTime,
    ) -> OutboundMessage {
        let Rendered {
            kind,
            composed,
            masked_text,
            branding,
            language,
        } = rendered;
        let is_text = kind.channel() == crate::flow::Channel::Sms;
        OutboundMessage {
            id,
            tenant: tenant.clone(),
            channel: if is_text {
                crate::flow::Channel::Sms
            } else {
                crate::flow::Channel::Email
            },
            recipient: recipient.to_owned(),
            subject: if is_text {
                "Verification code".into()
            } else {
                composed.subject
            },
            // Texts have no HTML part; the sealed form keeps the mail's two parts.
            sealed_body: format!(
                "{}.{}",
                self.sealer.seal(&composed.text),
                self.sealer.seal(composed.html.as_deref().unwrap_or(""))
            ),
            masked_text,
            created_at: now,
            forget_recipient: false,
            account: None,
            sender: (!is_text).then(|| branding.sender()),
            reply_to: if is_text { None } else { branding.reply_to },
            language: Some(language.as_str().to_owned()),
        }
    }
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
