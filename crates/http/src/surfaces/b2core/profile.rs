//! The Client Profile object and its updates. PUT replaces the updatable fields (omitted ones
//! are cleared); PATCH is a JSON merge patch (absent keeps, `null` clears).

use actix_web::{web, HttpResponse};
use clientele_domain::profile::{field, ProfileEdit};
use clientele_domain::services::PendingEmail;
use clientele_domain::{Account, FieldErrors, Patch};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::bearer::Customer;
use crate::body::JsonObject;
use crate::domain_errors::problem_for;
use crate::fields::{reject_other_keys, text_patch};
use crate::preconditions::{etag, IfMatch, IfMatchHeader};
use crate::problem::Problem;
use crate::render::{rfc3339, text};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientInfo {
    first_name: Option<String>,
    last_name: Option<String>,
    middle_name: Option<String>,
    /// Midnight UTC of the date of birth, RFC 3339.
    #[schema(format = DateTime, example = "2022-01-01T00:00:00+00:00")]
    birthday: Option<String>,
}

/// The client's profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientProfile {
    #[schema(example = 58937470420006_i64)]
    id: i64,
    uuid: String,
    email: Option<String>,
    nickname: Option<String>,
    #[schema(example = "en_US")]
    locale: Option<String>,
    /// `pending_activation`, `active`, `deactivation_requested` or `deactivated`.
    status: String,
    info: ClientInfo,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// The new address of an email change waiting for the key mailed to it (started in the
    /// Customer area); absent when none waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pending_email: Option<String>,
    /// When that key stops working; absent when no change waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pending_email_expires_at: Option<String>,
}

impl ClientProfile {
    /// The profile of `a`, with the email change `pending` (if one waits).
    fn of(a: &Account, pending: Option<PendingEmail>) -> Self {
        let p = &a.profile;
        let (pending_email, pending_email_expires_at) = match pending {
            Some(pending) => (Some(pending.email), Some(rfc3339(pending.expires_at))),
            None => (None, None),
        };
        ClientProfile {
            pending_email,
            pending_email_expires_at,
            id: a.public_id.0,
            uuid: a.uuid.to_string(),
            email: a.customer_email().map(|e| e.as_str().to_owned()),
            nickname: text(&p.nickname),
            locale: text(&p.locale),
            status: a.status.as_str().to_owned(),
            info: ClientInfo {
                first_name: text(&p.first_name),
                last_name: text(&p.last_name),
                middle_name: text(&p.middle_name),
                birthday: p.birthday.map(|b| b.to_rfc3339_midnight()),
            },
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

const UPDATABLE: &[&str] = &["nickname", "locale", "info"];
const INFO_FIELDS: &[&str] = &["firstName", "lastName", "middleName", "birthday"];
const READ_ONLY: &[&str] = &[
    "id",
    "uuid",
    "email",
    "status",
    "createdAt",
    "updatedAt",
    "pendingEmail",
    "pendingEmailExpiresAt",
];

/// The domain's field names as this surface spells them.
fn surface_name(domain: &str) -> Option<&'static str> {
    Some(match domain {
        field::FIRST_NAME => "info.firstName",
        field::LAST_NAME => "info.lastName",
        field::MIDDLE_NAME => "info.middleName",
        field::BIRTHDAY => "info.birthday",
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Replace,
    Merge,
}

/// The edit, and what is structurally wrong with the body (unknown fields, wrong types).
fn parse_edit(body: &Map<String, Value>, mode: Mode) -> (ProfileEdit, FieldErrors) {
    let mut errors = FieldErrors::new();
    reject_other_keys(body, UPDATABLE, READ_ONLY, "", &mut errors);
    let absent = match mode {
        Mode::Replace => Patch::Set(None),
        Mode::Merge => Patch::Keep,
    };
    let mut edit = ProfileEdit {
        nickname: text_patch(body, "nickname", absent.clone(), "nickname", &mut errors),
        locale: text_patch(body, "locale", absent.clone(), "locale", &mut errors),
        ..ProfileEdit::default()
    };
    let empty = Map::new();
    // The birthday is final once set (the domain refuses clearing or changing it): a PUT that
    // leaves it out keeps it, as it keeps the other fields a client does not own. Clearing it
    // takes an explicit null.
    let (info, info_absent, birthday_absent) = match body.get("info") {
        None => (&empty, absent, Patch::Keep),
        Some(Value::Null) => (&empty, Patch::Set(None), Patch::Set(None)),
        Some(Value::Object(info)) => (info, absent, Patch::Keep),
        Some(_) => {
            errors.add("info", "must be an object or null");
            (&empty, Patch::Keep, Patch::Keep)
        }
    };
    reject_other_keys(info, INFO_FIELDS, &[], "info.", &mut errors);
    let mut info_field = |key: &str| {
        text_patch(
            info,
            key,
            info_absent.clone(),
            &format!("info.{key}"),
            &mut errors,
        )
    };
    edit.first_name = info_field("firstName");
    edit.last_name = info_field("lastName");
    edit.middle_name = info_field("middleName");
    edit.birthday = text_patch(info, "birthday", birthday_absent, "info.birthday", &mut errors);
    (edit, errors)
}

async fn respond(
    state: &AppState,
    who: Customer,
    if_match: IfMatch,
    body: JsonObject,
    mode: Mode,
) -> Result<HttpResponse, Problem> {
    let (edit, mut errors) = parse_edit(&body.0, mode);
    if !errors.is_empty() {
        errors.extend(state.profiles.problems(&edit).renamed(surface_name));
        return Err(Problem::invalid(errors));
    }
    let saved = state
        .profiles
        .edit_if(&who.0, edit, if_match.0)
        .await
        .map_err(|e| problem_for(e, surface_name))?;
    let pending = pending_email(state, &who).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(&saved))
        .json(ClientProfile::of(&saved, pending)))
}

/// Get client profile data.
#[utoipa::path(get, path = "/api/v2/my/profile", tag = "B2Core", operation_id = "b2core_get_profile",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in customer's profile.", body = ClientProfile,
        headers(("ETag" = String, description = "The profile's version: send it as `If-Match` to change only what was read."))), (status = 401, body = Problem)))]
pub async fn get_profile(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    let pending = pending_email(&state, &who).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(&who.0.account))
        .json(ClientProfile::of(&who.0.account, pending)))
}

async fn pending_email(state: &AppState, who: &Customer) -> Result<Option<PendingEmail>, Problem> {
    state
        .email_change
        .pending(&who.0)
        .await
        .map_err(|e| problem_for(e, surface_name))
}

/// Replace the updatable fields (`nickname`, `locale`, `info`); omitted ones are cleared.
#[utoipa::path(put, path = "/api/v2/my/profile", tag = "B2Core", operation_id = "b2core_replace_profile",
    security(("bearer" = [])),
    params(IfMatchHeader),
    request_body(content = super::bodies::B2CoreProfileBody),
    responses((status = 200, description = "The profile, with the updatable fields replaced.", body = ClientProfile, headers(("ETag" = String, description = "The profile's new version."))),
        (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 412, description = "`If-Match` names a version the profile is no longer at: nothing was changed.", body = Problem)))]
pub async fn put_profile(
    state: web::Data<AppState>,
    who: Customer,
    if_match: IfMatch,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    respond(&state, who, if_match, body, Mode::Replace).await
}

/// Change only the named fields (JSON merge patch: absent keeps, `null` clears).
#[utoipa::path(patch, path = "/api/v2/my/profile", tag = "B2Core", operation_id = "b2core_update_profile",
    security(("bearer" = [])),
    params(IfMatchHeader),
    request_body(content = super::bodies::B2CoreProfileBody),
    responses((status = 200, description = "The profile, with the sent fields changed (JSON merge patch).", body = ClientProfile, headers(("ETag" = String, description = "The profile's new version."))),
        (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 412, description = "`If-Match` names a version the profile is no longer at: nothing was changed.", body = Problem)))]
pub async fn patch_profile(
    state: web::Data<AppState>,
    who: Customer,
    if_match: IfMatch,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    respond(&state, who, if_match, body, Mode::Merge).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn put_clears_what_it_omits_patch_keeps_it() {
        let body = object(json!({"nickname": "N", "info": {"firstName": "James"}}));
        let put = parse_edit(&body, Mode::Replace).0;
        assert_eq!(put.locale, Patch::Set(None));
        assert_eq!(put.last_name, Patch::Set(None));
        assert_eq!(put.first_name, Patch::Set(Some("James".into())));
        assert_eq!(
            put.birthday,
            Patch::Keep,
            "final once set: a PUT leaves it as it is"
        );
        let patch = parse_edit(&body, Mode::Merge).0;
        assert_eq!(patch.locale, Patch::Keep);
        assert_eq!(patch.last_name, Patch::Keep);
    }

    #[test]
    fn null_info_clears_every_info_field() {
        let (edit, errors) = parse_edit(&object(json!({"info": null})), Mode::Merge);
        assert!(errors.is_empty());
        assert_eq!(edit.birthday, Patch::Set(None));
        assert_eq!(edit.first_name, Patch::Set(None));
        assert_eq!(edit.nickname, Patch::Keep);
    }

    #[test]
    fn unknown_read_only_and_mistyped_fields_are_named() {
        let body = object(json!({"id": 1, "email": "x@y.z", "bogus": 1, "nickname": 5,
            "info": {"firstName": [], "shoeSize": 42}}));
        let errors = parse_edit(&body, Mode::Merge).1;
        let fields: Vec<_> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            fields,
            [
                "bogus",
                "email",
                "id",
                "info.firstName",
                "info.shoeSize",
                "nickname"
            ]
        );
        let wrong_info = parse_edit(&object(json!({"info": "x"})), Mode::Merge).1;
        assert!(wrong_info.iter().any(|(k, _)| k == "info"));
    }
}
