//! The composition root: adapters in, use cases out.

use std::sync::Arc;

use anyhow::Context;
use clientele_domain::flow::{FlowSettings, SendLimit};
use clientele_domain::messages::InstanceBranding;
use clientele_domain::ports::{Clock, MailSender, TextSender};
use clientele_domain::services::{
    AccountClosing, ApiKeys, AppUsers, AuditView, CustomerSearch, Customers, DataExport, Deactivation,
    DeletionRequests, Delivery, DeliverySettings, Deps, EmailChange, FactorPorts, FlowDeps, Imports,
    LinkSettings, Loyalty, Onboarding, OutboxView, PartySettings, PasswordChange, PasswordReset,
    PersonalDetails, ProfileView, Profiles, SecondFactor, Senders, Sessions, SignIn, SignInSettings,
    StrongFactors, TenantTemplates, Tenants, WebhookSending, WebhookSettings, Webhooks,
};
use clientele_domain::webhooks::UrlPolicy;
use clientele_http::{AppState, CurrentRequest, KeyLimits, RateLimits};
use clientele_mail::{LogMailer, SmtpMailer};
use clientele_messages::MinijinjaRenderer;
use clientele_security::{
    BcryptHasher, ChaChaSealer, CodeSignedPassphrase, HashingPool, HmacDigester, JwtAccessTokens,
    OsRandomness, Rfc6238, WebauthnRs,
};
use clientele_sms::{LogSms, TwilioSms, WebhookSms};
use clientele_store::Database;
use clientele_webhooks::HttpWebhooks;
use time::Duration;

use crate::config::Settings;
use crate::instance;

pub struct Wired {
    pub state: AppState,
    pub delivery: Delivery,
    pub webhook_sending: Arc<WebhookSending>,
    /// The webhook deliveries' backlog, for the metrics.
    pub webhooks: Arc<dyn clientele_domain::ports::WebhookRepository>,
    /// The outbox's backlog, for the metrics.
    pub outbox: Arc<dyn clientele_domain::ports::Outbox>,
}

fn seconds(value: u32) -> Duration {
    Duration::seconds(i64::from(value))
}

pub async fn wire(settings: &Settings, database: Database, clock: Arc<dyn Clock>) -> anyhow::Result<Wired> {
    let database = Arc::new(database);
    let random = Arc::new(OsRandomness);
    let keys = instance::resolve(settings, database.as_ref(), random.as_ref()).await?;
    let sealer = Arc::new(ChaChaSealer::new(keys.master.outbox_seal_key()));
    let deps = Deps {
        accounts: database.clone(),
        sessions: database.clone(),
        passwords: Arc::new(
            BcryptHasher::new(settings.bcrypt_cost, Arc::new(HashingPool::per_core()))
                .map_err(anyhow::Error::msg)?,
        ),
        tokens: Arc::new(
            JwtAccessTokens::new(&keys.access_token_key)
                .map_err(anyhow::Error::msg)
                .context("JWT key")?,
        ),
        clock: clock.clone(),
        random,
        audit: database.clone(),
        request: Arc::new(CurrentRequest),
        turns: Default::default(),
    };
    let links = LinkSettings {
        public_url: settings.public_url.trim_end_matches('/').to_owned(),
        allowed_origins: settings.allowed_origins(),
        tenant: None,
    };
    let flows = FlowDeps::new(
        clientele_domain::services::FlowPorts {
            flows: database.clone(),
            commits: database.clone(),
            digester: Arc::new(HmacDigester::new(keys.master.flow_digest_key())),
            sealer: sealer.clone(),
            tenants: database.clone(),
            renderer: Arc::new(MinijinjaRenderer::new()),
            templates: database.clone(),
            branding: InstanceBranding::from_config(&settings.mail_from, settings.brand_name.as_deref()),
        },
        FlowSettings {
            activation_ttl: seconds(settings.activation_ttl_secs),
            email_change_ttl: seconds(settings.email_change_ttl_secs),
            reset_ttl: seconds(settings.reset_ttl_secs),
            deactivation_ttl: seconds(settings.deactivation_ttl_secs),
            code_ttl: seconds(settings.code_ttl_secs),
            resend_after: seconds(settings.code_resend_secs),
            send_limit: (settings.send_limit > 0).then(|| SendLimit {
                max: settings.send_limit,
                window: seconds(settings.send_limit_window_secs),
            }),
            reauth_max_age: seconds(settings.reauth_max_age_secs),
            ..FlowSettings::default()
        },
        links,
    );
    let send_timeout = std::time::Duration::from_secs(settings.smtp_timeout_secs.into());
    let mail: Arc<dyn MailSender> = match &settings.smtp_url {
        Some(url) => {
            Arc::new(SmtpMailer::new(url, &settings.mail_from, send_timeout).map_err(anyhow::Error::msg)?)
        }
        None => Arc::new(LogMailer::new()),
    };
    let sms: Arc<dyn TextSender> = match (&settings.sms_url, &settings.twilio_account_sid) {
        (Some(url), _) => Arc::new(WebhookSms::new(url).map_err(anyhow::Error::msg)?),
        (None, Some(sid)) => Arc::new(
            TwilioSms::new(
                &settings.twilio_base_url,
                sid,
                settings.twilio_auth_token.as_deref().unwrap_or_default(),
                settings.twilio_from.as_deref().unwrap_or_default(),
            )
            .map_err(anyhow::Error::msg)?,
        ),
        (None, None) => Arc::new(LogSms::new()),
    };
    let delivery = Delivery::new(
        database.clone(),
        Senders { mail, sms },
        sealer.clone(),
        clock.clone(),
        deps.random.clone(),
        DeliverySettings {
            retry_base: seconds(settings.delivery_retry_secs),
            max_attempts: settings.delivery_max_attempts as i32,
            send_timeout: seconds(settings.smtp_timeout_secs),
            ..DeliverySettings::default()
        },
    );
    let webhook_settings = WebhookSettings {
        policy: UrlPolicy {
            allow_loopback: settings.webhook_allow_http_loopback,
            allow_private: settings.webhook_allow_private_networks,
        },
        timeout: seconds(settings.webhook_timeout_secs),
        retry_base: seconds(settings.webhook_retry_secs),
        retry_for: seconds(settings.webhook_retry_window_secs),
        disable_after: seconds(settings.webhook_disable_after_secs),
        keep_for: Duration::days(i64::from(settings.webhook_retention_days)),
        ..WebhookSettings::default()
    };
    let webhook_transport = Arc::new(
        HttpWebhooks::new(
            webhook_settings.policy,
            std::time::Duration::from_secs(settings.webhook_timeout_secs.into()),
        )
        .map_err(anyhow::Error::msg)?,
    );
    let webhooks = Arc::new(Webhooks::new(
        database.clone(),
        database.clone(),
        webhook_transport.clone(),
        sealer.clone(),
        deps.random.clone(),
        clock.clone(),
        webhook_settings.clone(),
    ));
    let webhook_sending = Arc::new(WebhookSending::new(
        database.clone(),
        webhook_transport,
        flows.messages.clone(),
        clock.clone(),
        deps.random.clone(),
        webhook_settings,
    ));
    let closing = Arc::new(AccountClosing::new(deps.clone(), flows.clone()));
    let deactivation = Arc::new(Deactivation::new(deps.clone(), flows.clone(), closing.clone()));
    let password_change = Arc::new(PasswordChange::new(deps.clone(), flows.clone()));
    let tss_flows = flows.clone();
    let second_factor_flows = flows.clone();
    let factor_ports = FactorPorts {
        apps: Arc::new(Rfc6238),
        passkeys: Arc::new(WebauthnRs),
        sealer: Arc::new(ChaChaSealer::new(keys.master.factor_seal_key())),
        party: PartySettings {
            id: settings.webauthn_rp_id.clone(),
            origins: settings.webauthn_origins(),
            public_url: settings.public_url.clone(),
        },
    };
    let profile_flows = flows.clone();
    let default_region = settings.parsed.default_phone_region;
    let loyalty = Arc::new(Loyalty::new(deps.clone(), database.clone()));
    let deletion_requests = Arc::new(DeletionRequests::new(
        deps.clone(),
        flows.clone(),
        database.clone(),
    ));
    let onboarding = Arc::new(Onboarding::new(deps.clone(), flows.clone()));
    let sign_in_settings = SignInSettings {
        session_ttl: seconds(settings.session_ttl_secs),
    };
    let tenants = Arc::new(Tenants::new(database.clone(), clock.clone()));
    let api_keys = Arc::new(ApiKeys::new(
        database.clone(),
        database.clone(),
        Arc::new(HmacDigester::exact(keys.master.api_key_digest_key())),
        deps.random.clone(),
        clock.clone(),
    ));
    let trusted_proxies = settings.parsed.trusted_proxies.clone();
    let sign_in = Arc::new(SignIn::new(deps.clone(), sign_in_settings));
    let profile_view = Arc::new(ProfileView::new(
        deps.clone(),
        tss_flows.clone(),
        loyalty.clone(),
        default_region,
    ));
    let email_change = Arc::new(EmailChange::new(deps.clone(), flows.clone()));
    let state = AppState {
        tenants,
        api_keys,
        webhooks,
        app_users: Arc::new(AppUsers::new(deps.clone(), profile_flows.clone())),
        password_change,
        loyalty: loyalty.clone(),
        personal_details: Arc::new(PersonalDetails::new(
            deps.clone(),
            tss_flows.clone(),
            profile_view.clone(),
            sign_in.clone(),
        )),
        profile_view,
        closing,
        deactivation,
        deletion_requests,
        audit: Arc::new(AuditView::new(database.clone())),
        key_limits: KeyLimits::per_minute(settings.api_key_rate_limit_per_minute),
        country_header: settings.parsed.country_header.clone(),
        second_factor: Arc::new(SecondFactor::new(
            deps.clone(),
            second_factor_flows,
            sign_in.clone(),
            default_region,
            factor_ports.clone(),
        )),
        factors: Arc::new(StrongFactors::new(deps.clone(), flows.clone(), factor_ports)),
        sessions: Arc::new(Sessions::new(deps.clone(), flows.clone())),
        sign_in,
        profiles: Arc::new(Profiles::new(deps.clone(), profile_flows)),
        export: Arc::new(DataExport::new(
            deps.clone(),
            flows.clone(),
            database.clone(),
            database.clone(),
            database.clone(),
            email_change.clone(),
        )),
        email_change,
        password_reset: Arc::new(PasswordReset::new(
            deps.clone(),
            flows.clone(),
            Arc::new(CodeSignedPassphrase),
        )),
        customer_search: Arc::new(CustomerSearch::new(deps.clone(), flows.clone(), default_region)),
        imports: Arc::new(Imports::new(
            deps.clone(),
            database.clone(),
            database.clone(),
            onboarding.clone(),
            default_region,
        )),
        templates: Arc::new(TenantTemplates::new(flows.messages.clone(), clock.clone())),
        customers: Arc::new(Customers::new(deps, flows, Some(onboarding.clone()))),
        onboarding,
        outbox: Arc::new(OutboxView::new(database.clone())),
        readiness: database.clone(),
        admin_token_sha256: keys.admin_token_sha256.into(),
        body_limit: settings.body_limit_bytes,
        rate_limits: RateLimits::per_minute(settings.rate_limit_per_minute, trusted_proxies.clone()),
        // Set by the server, which installs the recorder.
        metrics: None,
        trusted_proxies,
    };
    Ok(Wired {
        state,
        delivery,
        webhook_sending,
        webhooks: database.clone(),
        outbox: database,
    })
}
