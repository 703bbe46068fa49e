//! The back office's request bodies as the OpenAPI document declares them (the handlers read
//! the bodies field by field, for precise messages; these types only describe them).
#![allow(dead_code)]

use utoipa::ToSchema;

use crate::openapi_values::{
    Amount, DisplayName, EmailAddress, NewPassword, OrderStatus, Origin, PersonName, PhoneNumber,
    PhoneRegionCode, Reference, WalletKind,
};

/// `POST /admin/v1/customers`: with a password the account is active; without one it is
/// invited (an activation mail goes out).
#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateCustomerBody {
    email: EmailAddress,
    password: Option<NewPassword>,
    nickname: Option<PersonName>,
    #[schema(example = "en_US", pattern = "^[A-Za-z]{2,3}([_-]([A-Za-z]{2}|[0-9]{3}))?$")]
    locale: Option<String>,
    first_name: Option<PersonName>,
    middle_name: Option<PersonName>,
    last_name: Option<PersonName>,
    #[schema(example = "1990-05-15", format = Date, pattern = "^(19|20)[0-9]{2}-")]
    birthday: Option<String>,
    /// E.164.
    phone: Option<PhoneNumber>,
    /// The id an earlier system gave the customer: kept, searchable, unique within the tenant.
    #[schema(min_length = 1, max_length = 128, example = "crm-00042")]
    external_id: Option<String>,
}

/// `PATCH /admin/v1/customers/{id}`: the fields named change, `null` clears one, the others
/// stay.
#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EditCustomerBody {
    nickname: Option<PersonName>,
    #[schema(example = "en_US", pattern = "^[A-Za-z]{2,3}([_-]([A-Za-z]{2}|[0-9]{3}))?$")]
    locale: Option<String>,
    first_name: Option<PersonName>,
    middle_name: Option<PersonName>,
    last_name: Option<PersonName>,
    /// Final for the customer once set; the back office corrects it here.
    #[schema(example = "1990-05-15", format = Date, pattern = "^(19|20)[0-9]{2}-")]
    birthday: Option<String>,
    /// E.164. A new number ends every open flow of the account and is told to the customer's
    /// address (when it is the second factor, every session ends too); the number two-factor
    /// sends codes to cannot be removed.
    phone: Option<PhoneNumber>,
}

/// `POST /admin/v1/customers/{id}/wallet`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WalletPostBody {
    kind: WalletKind,
    /// Positive: a credit; negative: a debit. At most two decimals (a string of the number
    /// is accepted too).
    amount: Amount,
    /// When a credit expires (after that day); none for a debit.
    #[schema(
        example = "2099-12-31",
        format = Date,
        pattern = "^([0-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
    )]
    expires_on: Option<String>,
    /// The caller's own reference: posting it again changes nothing.
    #[schema(example = "promo-42")]
    reference: Reference,
}

/// `POST /admin/v1/customers/{id}/orders`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrderPostBody {
    #[schema(example = "A-1001")]
    reference: Reference,
    #[schema(example = 450.0, minimum = 0, maximum = 1000000000, multiple_of = 0.01)]
    amount: f64,
    status: OrderStatus,
    #[schema(example = "2026-11-30T10:00:00Z", format = DateTime)]
    placed_at: String,
}

/// `PATCH /admin/v1/customers/{id}/orders/{reference}`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderStatusBody {
    status: OrderStatus,
}

/// `PATCH /admin/v1/settings`: either or both.
#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SettingsBody {
    /// Erase a closed account's personal data.
    #[schema(nullable = false)]
    delete_personal_data: Option<bool>,
    /// … only once the back office approves its deletion request.
    #[schema(nullable = false)]
    deletion_requires_approval: Option<bool>,
}

/// `POST /admin/v1/tenants`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenantBody {
    /// Lower-case letters, digits, `-` and `_`; at most 64.
    #[schema(example = "acme", pattern = "^[a-z0-9_-]{1,64}$")]
    id: String,
    #[schema(example = "Acme Inc.")]
    name: DisplayName,
}

/// `PATCH /admin/v1/tenants/{id}`: what is left out stays; `null` unsets.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchTenantBody {
    #[schema(nullable = false)]
    name: Option<DisplayName>,
    #[schema(nullable = false)]
    settings: Option<TenantSettingsBody>,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantSettingsBody {
    /// The tenant's web app: its mails' links point there.
    /// `null` or empty: none.
    #[schema(
        example = "https://app.acme.example",
        pattern = "^(https?://[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]+)*/?)?$"
    )]
    web_app_url: Option<String>,
    /// Origins an absolute `reset_uri` may point to.
    allowed_redirect_origins: Option<Vec<Origin>>,
    /// The region national phone numbers are read in.
    /// `null` or empty: none.
    phone_region: Option<PhoneRegionCode>,
    /// Where notices for the tenant's operators go (a webhook endpoint disabled).
    /// `null`: none.
    operator_email: Option<EmailAddress>,
    /// The `From` display name of its messages (else the brand name). `null` or empty: unset.
    #[schema(
        example = "Acme Shop",
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    sender_name: Option<String>,
    /// The `From` address of its messages (else the instance's `CLIENTELE_MAIL_FROM`): a plain
    /// address (no `..`, no `@[…]`). `null` or empty: unset.
    #[schema(
        example = "hello@acme.example",
        max_length = 254,
        pattern = "^((?=[^@]{1,64}@)(?!.*\\.[Ii][Nn][Vv][Aa][Ll][Ii][Dd]$)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)?$"
    )]
    sender_address: Option<String>,
    /// Where replies go; without it no message invites a reply. A plain address.
    /// `null` or empty: unset.
    #[schema(
        example = "care@acme.example",
        max_length = 254,
        pattern = "^((?=[^@]{1,64}@)(?!.*\\.[Ii][Nn][Vv][Aa][Ll][Ii][Dd]$)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)?$"
    )]
    reply_to: Option<String>,
    /// The brand its messages name (else the tenant's name). `null` or empty: unset.
    #[schema(
        example = "Acme Shop",
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    brand_name: Option<String>,
    /// The brand's logo, an https URL: the only resource a message's HTML loads.
    /// `null` or empty: none (the brand name is shown).
    #[schema(
        example = "https://acme.example/logo.png",
        max_length = 2000,
        pattern = "^(https://[^\\s\"<>/\\u0000-\\u001f\\u007f-\\u009f][^\\s\"<>\\u0000-\\u001f\\u007f-\\u009f]*)?$"
    )]
    logo_url: Option<String>,
    /// The brand's colour (buttons, links), `#rrggbb`. `null` or empty: the instance's.
    #[schema(example = "#0b5cad", pattern = "^(#[0-9A-Fa-f]{6})?$")]
    accent_color: Option<String>,
    /// The language of messages to customers whose language has no template (else English).
    /// `null` or empty: unset.
    #[schema(example = "de", pattern = "^([A-Za-z]{2,3})?$")]
    default_language: Option<String>,
    /// Where customers get help: an email address or an https URL, shown in every message's
    /// footer. `null` or empty: none.
    #[schema(
        example = "help@acme.example",
        max_length = 2000,
        pattern = "^(https://[^\\s\"<>/\\u0000-\\u001f\\u007f-\\u009f][^\\s\"<>\\u0000-\\u001f\\u007f-\\u009f]*|(?!.*\\.[Ii][Nn][Vv][Aa][Ll][Ii][Dd]$)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)?$"
    )]
    support: Option<String>,
}

/// `POST /admin/v1/tenants/{id}/api-keys`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyBody {
    #[schema(example = "mobile app")]
    name: DisplayName,
}

/// `POST /admin/v1/deletion-requests/{id}/reject`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectDeletionBody {
    /// Mailed to the customer.
    #[schema(
        example = "An open order must be settled first.",
        min_length = 1,
        max_length = 2000,
        pattern = "\\S"
    )]
    reason: String,
}

/// `POST /admin/v1/tenants/{id}/webhooks`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookBody {
    /// `https` to a public address.
    #[schema(example = "https://hooks.acme.example/clientele", max_length = 2000)]
    url: String,
    /// Event type names (see docs/webhooks.md), or `["*"]` for every type.
    #[schema(example = json!(["customer.created", "customer.updated"]), min_items = 1)]
    events: Vec<String>,
    #[schema(example = "CRM sync", max_length = 500)]
    description: Option<String>,
}

/// `PATCH /admin/v1/tenants/{id}/webhooks/{webhook_id}`: absent fields stay.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhookBody {
    #[schema(nullable = false, max_length = 2000)]
    url: Option<String>,
    #[schema(nullable = false, min_items = 1)]
    events: Option<Vec<String>>,
    /// `null` clears it.
    #[schema(max_length = 500)]
    description: Option<String>,
    /// `false` delivers to a disabled endpoint again (its failure streak forgotten); `true` stops.
    #[schema(nullable = false)]
    disabled: Option<bool>,
}

/// `POST …/templates/{kind}/{language}/preview`: parts to try in place of the template in use;
/// a part left out (or `null`) is the template in use's. No body: the template in use.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    #[schema(example = "Welcome to {{ brand }}", max_length = 20000, nullable = false)]
    subject: Option<String>,
    #[schema(max_length = 20000, nullable = false)]
    text: Option<String>,
    #[schema(max_length = 20000, nullable = false)]
    html: Option<String>,
}

/// `PUT /admin/v1/tenants/{id}/templates/{kind}/{language}`: the three parts in minijinja.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// One line; empty for a text message.
    #[schema(example = "Welcome to {{ brand }}", max_length = 20000)]
    subject: Option<String>,
    /// The plain-text part (a text message's only part); wrapped at 78 columns when sent.
    #[schema(
        example = "Hello {{ name }},\n\nIdentifier: {{ identifier }}\nSecret: {{ secret }}\n\n{{ link }}",
        max_length = 20000
    )]
    text: String,
    /// The HTML part (required for an email, absent for a text message); may start with
    /// `{% extends "layout.html" %}` to use the shipped layout and its `button` macro.
    #[schema(max_length = 20000)]
    html: Option<String>,
}
