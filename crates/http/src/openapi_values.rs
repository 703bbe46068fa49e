//! The value rules every surface shares, as schemas the request bodies name: what a schema
//! can say of a valid value is said once here, so a generated client or a fuzzer builds only
//! what the handlers accept. (The handlers check the same rules and more; these types only
//! describe.) The patterns are written out in each type: utoipa takes only literals there.
#![allow(dead_code)]

use utoipa::ToSchema;

/// A name part or nickname: 1-100 characters, not only spaces, no control characters but
/// the white space around it (which is trimmed).
#[derive(ToSchema)]
#[schema(
    min_length = 1,
    max_length = 100,
    pattern = "^\\s*[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*\\s*$"
)]
pub struct PersonName(String);

/// The caller's own reference of a wallet entry or an order, as sent (not trimmed): 1-100
/// characters, not only spaces, no control characters.
#[derive(ToSchema)]
#[schema(
    min_length = 1,
    max_length = 100,
    pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
)]
pub struct Reference(String);

/// A display name: 1-200 characters, not only spaces, no control characters.
#[derive(ToSchema)]
#[schema(
    min_length = 1,
    max_length = 200,
    pattern = "^\\s*[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*\\s*$"
)]
pub struct DisplayName(String);

/// A full name, first and last: 1-100 characters as sent, not only spaces, no control
/// characters anywhere (not even around it).
#[derive(ToSchema)]
#[schema(
    min_length = 1,
    max_length = 100,
    pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
)]
pub struct FullName(String);

/// A password chosen now: 8-256 characters, no control characters (and not a common one,
/// which no schema can say).
#[derive(ToSchema)]
#[schema(
    min_length = 8,
    max_length = 256,
    pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
)]
pub struct NewPassword(String);

/// An email address Clientele delivers to: an ASCII local part (as HTML forms take it), a
/// domain of letters, digits and hyphens, not the reserved `.invalid`; at most 254 characters.
#[derive(ToSchema)]
#[schema(
    example = "sam@example.com",
    format = Email,
    max_length = 254,
    pattern = "^(?!.*\\.[Ii][Nn][Vv][Aa][Ll][Ii][Dd]$)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)]
pub struct EmailAddress(String);

/// A phone number in E.164: `+`, a country code, 8-15 digits in all (one a numbering plan
/// knows, which no schema can say).
#[derive(ToSchema)]
#[schema(example = "+14155550123", pattern = "^\\+[1-9][0-9]{7,14}$")]
pub struct PhoneNumber(String);

/// An origin: scheme, host and port, such as `https://app.example.com`.
#[derive(ToSchema)]
#[schema(
    example = "https://app.acme.example",
    pattern = "^https?://[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*(:[1-9][0-9]{0,3})?/?$"
)]
pub struct Origin(String);

/// An amount of money or points: at most two decimals (a string of the number is accepted
/// too).
#[derive(ToSchema)]
#[schema(example = 150.5, multiple_of = 0.01, minimum = -1000000000, maximum = 1000000000)]
pub struct Amount(f64);

/// A region whose national phone numbers a tenant reads (ISO 3166-1 alpha-2, one the
/// numbering plans know), or empty for none: the schema lists them all.
pub struct PhoneRegionCode;

impl utoipa::PartialSchema for PhoneRegionCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let regions = clientele_domain::values::PhoneRegion::known();
        let values = std::iter::once(String::new()).chain(regions.iter().map(|r| r.as_str().to_owned()));
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "An ISO 3166-1 alpha-2 region the numbering plans know; empty for none.",
            ))
            .enum_values(Some(values))
            .examples(["IN"])
            .into()
    }
}

impl ToSchema for PhoneRegionCode {}

/// An order's status.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Completed,
    Cancelled,
    Returned,
}

/// What a wallet entry holds.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WalletKind {
    Cashback,
    TssMoney,
    TssPoints,
}

/// A message kind, as templates are kept under.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case", example = "activation")]
#[allow(dead_code)] // Documents the path parameter; the handler parses the kind itself.
pub enum MessageKindName {
    Activation,
    EmailChangeKey,
    EmailChangeNotice,
    PasswordReset,
    SignupNotice,
    ClosingCode,
    DataErased,
    DeletionRejected,
    PasswordChanged,
    PasswordResetNotice,
    PhoneChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    FactorAdded,
    FactorRemoved,
    RecoveryCodesReplaced,
    RecoveryCodeUsed,
    SessionsEnded,
    WebhookDisabled,
    SmsCode,
}

/// A language code: two or three lowercase letters.
#[derive(ToSchema)]
#[schema(example = "en", pattern = "^[a-z]{2,3}$")]
pub struct LanguageCode(String);

#[cfg(test)]
mod tests {
    use clientele_domain::messages::MessageKind;

    #[test]
    fn the_documented_kinds_are_the_domains() {
        let schema =
            serde_json::to_value(<super::MessageKindName as utoipa::PartialSchema>::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let kinds: Vec<&str> = MessageKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(documented, kinds);
    }
}
