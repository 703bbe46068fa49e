//! TSS's request bodies as the OpenAPI document declares them (the handlers read the bodies
//! field by field, for the seed's error messages; these types only describe them).
#![allow(dead_code)]

use utoipa::ToSchema;

use crate::openapi_values::NewPassword;

/// `POST /api/user/profile`: the whole profile, every field at once.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TssProfileBody {
    #[schema(example = "John", min_length = 1, max_length = 100)]
    firstname: String,
    #[schema(example = "Doe", min_length = 1, max_length = 100)]
    lastname: String,
    #[schema(example = "male", pattern = "^(male|female|other|undisclosed)$")]
    gender: String,
    /// `YYYY-MM-DD`, or `0000-00-00` to leave it as it is; once set, it cannot change.
    #[schema(
        example = "1990-05-15",
        pattern = "^((19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|0000-00-00)$"
    )]
    birthdate: String,
    /// A national number in the tenant's phone region (when it has one), or E.164 (`+91…`).
    #[schema(example = "+919876543210", min_length = 1)]
    telephone: String,
    /// Only while the account has no address (or only a placeholder): afterwards the confirmed
    /// email change.
    #[schema(example = "john@example.com")]
    email: Option<String>,
}

/// `POST /api/user/profile/2fa`: the profile with the two-factor switch.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TssTwoFactorBody {
    #[schema(example = "John", min_length = 1, max_length = 100)]
    firstname: String,
    #[schema(example = "Doe", min_length = 1, max_length = 100)]
    lastname: String,
    #[schema(example = "male", pattern = "^(male|female|other|undisclosed)$")]
    gender: String,
    #[schema(
        example = "1990-05-15",
        pattern = "^((19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|0000-00-00)$"
    )]
    birthdate: String,
    #[schema(example = "+919876543210", min_length = 1)]
    telephone: String,
    email: Option<String>,
    /// On or off: `true`/`false`, or `1`/`0` as the profile shows it.
    is_two_fa: TwoFactorSwitch,
}

/// `true`/`false`, or `1`/`0`.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum TwoFactorSwitch {
    Flag(bool),
    Digit(Bit),
}

/// `0` or `1`.
#[derive(ToSchema)]
#[schema(minimum = 0, maximum = 1)]
pub struct Bit(u8);

/// `POST /api/user/profile/verify-otp`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TssVerifyOtpBody {
    /// The number the code went to.
    #[schema(example = "+919876543210", min_length = 1)]
    telephone: String,
    /// The texted code (a number is accepted too).
    #[schema(example = "123456", pattern = "^[1-9][0-9]{5}$")]
    otp: String,
}

/// `POST /api/user/change-password`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TssChangePasswordBody {
    /// The current password; left out (or empty) only by an account that has none yet.
    #[schema(max_length = 1024)]
    old_password: Option<String>,
    /// At least 8 characters, no control characters.
    password: NewPassword,
}
