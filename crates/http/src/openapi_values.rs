//! The value rules every surface shares, as schemas the request bodies name: what a schema
//! can say of a valid value is said once here, so a generated client or a fuzzer builds only
//! what the handlers accept. (The handlers check the same rules and more; these types only
//! describe.)
#![allow(dead_code)]

use utoipa::ToSchema;

/// A name part or nickname: 1-100 characters, not only spaces, no control characters.
#[derive(ToSchema)]
#[schema(
    min_length = 1,
    max_length = 100,
    pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
)]
pub struct PersonName(String);

/// The caller's own reference of a wallet entry or an order: 1-100 characters, not only
/// spaces, no control characters.
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
    pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
)]
pub struct DisplayName(String);

/// A full name, first and last (each part at most 100 characters): 1-100 characters, not only
/// spaces, no control characters.
#[derive(ToSchema)]
#[schema(
    min_length = 1,
    max_length = 100,
    pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
)]
pub struct FullName(String);

/// A password chosen now: 8-1024 characters, no control characters (and not a common one,
/// which no schema can say).
#[derive(ToSchema)]
#[schema(
    min_length = 8,
    max_length = 1024,
    pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
)]
pub struct NewPassword(String);

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
