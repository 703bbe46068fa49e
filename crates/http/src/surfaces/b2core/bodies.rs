//! B2Core's request bodies as the OpenAPI document declares them (the handlers read the bodies
//! field by field, for the seed's error messages; these types only describe them).
#![allow(dead_code)]

use utoipa::ToSchema;

use crate::openapi_values::PersonName;

/// `PUT` (replace: what is left out is cleared) and `PATCH` (merge) `/api/v2/my/profile`.
/// (The profile's read-only fields — `id`, `uuid`, `email`, `status`, `createdAt`,
/// `updatedAt` — may be sent back unchanged, as read; any other value is refused.)
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct B2CoreProfileBody {
    nickname: Option<PersonName>,
    /// `en_US`, `en-US` or `de`.
    #[schema(example = "en_US", pattern = "^[A-Za-z]{2,3}([_-]([A-Za-z]{2}|[0-9]{3}))?$")]
    locale: Option<String>,
    info: Option<B2CoreProfileInfo>,
}

#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct B2CoreProfileInfo {
    /// `null` clears it.
    first_name: Option<PersonName>,
    last_name: Option<PersonName>,
    middle_name: Option<PersonName>,
    /// An RFC 3339 date-time (the date counts; a plain `YYYY-MM-DD` is accepted too), not in the
    /// future.
    #[schema(example = "1990-05-15T00:00:00+00:00", format = DateTime, pattern = "^(19|20)[0-9]{2}-")]
    birthday: Option<String>,
}

/// `POST /api/v2/my/profile/deactivation`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivationConfirmBody {
    /// The procedure's `uuid`, as the start answered it.
    #[schema(format = Uuid)]
    uuid: String,
    /// The mailed code: a number such as 213690 (a string of its digits is accepted too).
    #[schema(example = 213690, minimum = 100000, maximum = 999999)]
    code: u32,
}
