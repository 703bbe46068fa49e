//! The Customer area's request bodies as the OpenAPI document declares them: every field with
//! its type and bounds, required ones marked, nothing else accepted. The handlers read the
//! bodies field by field (for the seed's error messages); these types only describe them.
#![allow(dead_code)]

use utoipa::ToSchema;

use crate::openapi_values::{EmailAddress, FullName, NewPassword};

/// `POST /customers/login`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    #[schema(example = "sam@example.com", min_length = 1)]
    email: String,
    #[schema(min_length = 1, max_length = 1024)]
    password: String,
}

/// `POST /customers/login/verify-otp`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginVerifyOtpBody {
    /// What the sign-in answered with its 202.
    #[schema(min_length = 1)]
    challenge: String,
    /// The texted code (a string of digits, or the number).
    #[schema(example = "123456", pattern = "^[1-9][0-9]{5}$")]
    otp: String,
}

/// `POST /customers/signup`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupBody {
    email: EmailAddress,
    /// First and last name (each at most 100 characters).
    #[schema(example = "Sam Smith")]
    name: Option<FullName>,
    /// A locale such as `en_US` or `de`; mails are in its language (English otherwise).
    #[schema(example = "en_US", pattern = "^[A-Za-z]{2,3}([_-]([A-Za-z]{2}|[0-9]{3}))?$")]
    locale: Option<String>,
}

/// `POST /customers/activate`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    /// From the activation mail (`Identifier:`).
    #[schema(format = Uuid)]
    identifier: String,
    /// From the activation mail (`Secret:`).
    #[schema(min_length = 1, max_length = 64)]
    secret: String,
    /// At least 8 characters, no control characters.
    password: NewPassword,
    /// The same password again.
    password_check: NewPassword,
}

/// `POST /customers/newemail_confirm`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmailConfirmBody {
    /// From the confirmation mail (`Identifier:`).
    #[schema(format = Uuid)]
    identifier: String,
    /// From the confirmation mail (`Key:`).
    #[schema(min_length = 1, max_length = 64)]
    key: String,
}

/// `POST /customers/password_reset`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetBody {
    /// Any text is answered alike (an address with no account, or no address at all).
    #[schema(example = "sam@example.com")]
    email: String,
    /// A path on the web app (`/customers/do_reset`), or an absolute URL on an allowed origin;
    /// the code is appended to its path.
    #[schema(
        example = "/customers/do_reset",
        pattern = "^(/[^/\\\\\\s\\u0000-\\u001f\\u007f-\\u009f][^\\\\\\s\\u0000-\\u001f\\u007f-\\u009f]*|https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+)$"
    )]
    reset_uri: String,
}

/// `POST /customers/do_reset`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoResetBody {
    #[schema(example = "sam@example.com", min_length = 3, max_length = 254)]
    email: String,
    /// From the reset mail (`Code:`).
    #[schema(min_length = 1, max_length = 64)]
    code: String,
}

/// `PATCH /customers/self`: any of these; `null` clears a field (not `email`).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchSelfBody {
    /// Only the customer's own id, as read (clients send back the object they read): read-only.
    #[schema(nullable = false, read_only)]
    id: Option<String>,
    /// First and last name (each at most 100 characters).
    name: Option<FullName>,
    /// A new address starts an email change (a key goes to it; needs a recent sign-in).
    #[schema(nullable = false)]
    email: Option<EmailAddress>,
    /// E.164; empty clears it.
    #[schema(example = "+14155550123", pattern = "^(\\+[1-9][0-9]{7,14})?$")]
    phone: Option<String>,
    /// E.164; empty clears it.
    #[schema(example = "+14155550123", pattern = "^(\\+[1-9][0-9]{7,14})?$")]
    mobile: Option<String>,
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    address: Option<String>,
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    address_town: Option<String>,
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    address_postcode: Option<String>,
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    address_region: Option<String>,
    #[schema(
        example = "US",
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    country: Option<String>,
    #[schema(inline, max_items = 50)]
    subscriptions: Option<Vec<Subscription>>,
}

/// A subscription's name: 1-64 letters, digits, or `_ - . :`.
#[derive(ToSchema)]
#[schema(pattern = "^[A-Za-z0-9_.:-]{1,64}$", example = "newsletter")]
pub struct Subscription(String);

/// `POST /customers/self/factors/totp` (the body may be left out).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartTotpBody {
    /// What the customer calls it (1-64 characters); "Authenticator app" otherwise.
    #[schema(example = "Phone", min_length = 1, max_length = 64)]
    name: Option<String>,
}

/// `POST /customers/self/factors/totp/{id}/confirm`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmTotpBody {
    /// The six digits the app shows now.
    #[schema(example = "012345", pattern = "^[0-9]{6}$")]
    code: String,
}

/// `POST /customers/login/verify`: the challenge and exactly one answer.
#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoginVerifyBody {
    /// What the sign-in answered with its 202.
    #[schema(min_length = 1)]
    challenge: String,
    /// The six digits the authenticator app shows.
    #[schema(example = "012345", pattern = "^[0-9]{6}$")]
    totp: Option<String>,
    /// One of the recovery codes (case, dashes and spaces do not count).
    #[schema(example = "abcd-efgh-jkmn", min_length = 1, max_length = 64)]
    recovery_code: Option<String>,
    /// A passkey's assertion to the challenge's `webauthn` options, as
    /// `PublicKeyCredential.toJSON()` gives it (AuthenticationResponseJSON).
    #[schema(value_type = Option<Object>)]
    webauthn: Option<serde_json::Value>,
}

/// `POST /customers/login/sms`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginSmsBody {
    /// What the sign-in answered with its 202.
    #[schema(min_length = 1)]
    challenge: String,
}

/// `POST /customers/self/factors/webauthn`: the authenticator's answer to the options.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddPasskeyBody {
    /// What the customer calls it (1-64 characters); "Passkey" otherwise.
    #[schema(example = "Laptop", min_length = 1, max_length = 64)]
    name: Option<String>,
    /// The `PublicKeyCredential` the browser created, as its `toJSON()` gives it
    /// (RegistrationResponseJSON: `id`, `rawId`, `response.clientDataJSON`,
    /// `response.attestationObject`, `type`).
    #[schema(value_type = Object)]
    credential: serde_json::Value,
}

/// `POST /customers/login/passkey`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeySignInBody {
    /// What `/customers/login/passkey/options` answered.
    #[schema(min_length = 1)]
    challenge: String,
    /// The assertion, as `PublicKeyCredential.toJSON()` gives it (AuthenticationResponseJSON,
    /// with `response.userHandle`).
    #[schema(value_type = Object)]
    credential: serde_json::Value,
}
