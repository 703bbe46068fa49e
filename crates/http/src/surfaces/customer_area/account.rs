//! `/customers/self`: the signed-in customer as the Customer area shows it.

use actix_web::{web, HttpResponse};
use clientele_domain::customer_edit::full_name;
use clientele_domain::customer_edit::CustomerEdit;
use clientele_domain::values::Email;
use clientele_domain::{Account, FieldErrors, Patch};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::Outcome;
use crate::bearer::Customer;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{reject_other_keys, text_patch};
use crate::preconditions::{etag, IfMatch, IfMatchHeader};
use crate::problem::Problem;
use crate::state::AppState;

/// The customer object. `name` joins first, middle and last name; see docs/api.md.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    address: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    name: Option<String>,
    country: Option<String>,
    address_town: Option<String>,
    address_postcode: Option<String>,
    email: Option<String>,
    /// The numeric id, as a string.
    #[schema(example = "58937470420006")]
    id: String,
    subscriptions: Vec<String>,
    address_region: Option<String>,
}

impl From<&Account> for CustomerView {
    fn from(a: &Account) -> Self {
        let p = &a.profile;
        CustomerView {
            address: p.address.line.clone(),
            mobile: p.mobile.as_ref().map(ToString::to_string),
            phone: p.phone.as_ref().map(ToString::to_string),
            name: full_name(&a.profile),
            country: p.address.country.clone(),
            address_town: p.address.town.clone(),
            address_postcode: p.address.postcode.clone(),
            email: a.customer_email().map(ToString::to_string),
            id: a.public_id.to_string(),
            subscriptions: p.subscriptions.clone(),
            address_region: p.address.region.clone(),
        }
    }
}

const FIELDS: &[&str] = &[
    "address",
    "mobile",
    "phone",
    "name",
    "country",
    "address_town",
    "address_postcode",
    "email",
    "id",
    "subscriptions",
    "address_region",
];

/// The edit, the new email if one is asked for, and what is structurally wrong.
fn parse(body: &Map<String, Value>, current: &Account) -> (CustomerEdit, Option<String>, FieldErrors) {
    let mut errors = FieldErrors::new();
    reject_other_keys(body, FIELDS, &[], "", &mut errors);
    let mut text = |key: &str| text_patch(body, key, Patch::Keep, key, &mut errors);
    let mut edit = CustomerEdit {
        name: text("name"),
        phone: text("phone"),
        mobile: text("mobile"),
        address: text("address"),
        address_town: text("address_town"),
        address_postcode: text("address_postcode"),
        address_region: text("address_region"),
        country: text("country"),
        subscriptions: Patch::Keep,
    };
    edit.subscriptions = match body.get("subscriptions") {
        None => Patch::Keep,
        Some(Value::Null) => Patch::Set(Vec::new()),
        Some(Value::Array(items)) => match items.iter().map(|v| v.as_str().map(str::to_owned)).collect() {
            Some(list) => Patch::Set(list),
            None => {
                errors.add("subscriptions", "must be a list of strings");
                Patch::Keep
            }
        },
        Some(_) => {
            errors.add("subscriptions", "must be a list of strings");
            Patch::Keep
        }
    };
    // Clients may send back the whole object they read: the same id is fine, another is not.
    match body.get("id") {
        None => {}
        Some(Value::String(id)) if *id == current.public_id.to_string() => {}
        Some(Value::Number(id)) if id.as_i64() == Some(current.public_id.0) => {}
        Some(_) => errors.add("id", "cannot be changed"),
    }
    let email = match body.get("email") {
        None => None,
        Some(Value::String(email)) => Some(email.clone()),
        Some(_) => {
            errors.add("email", "must be a string");
            None
        }
    };
    (edit, email, errors)
}

/// Fetch the signed-in customer.
#[utoipa::path(get, path = "/customers/self", tag = "Customer area", operation_id = "customer_area_get_self", security(("bearer" = [])),
    responses((status = 200, description = "The signed-in customer.", body = CustomerView,
        headers(("ETag" = String, description = "The account's version: send it as `If-Match` to change only what was read."))), (status = 401, body = Problem)))]
pub async fn get_self(who: Customer) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(etag(&who.0.account))
        .json(CustomerView::from(&who.0.account))
}

/// Update the customer. A new `email` starts an email change: it takes effect once confirmed
/// with the key mailed to the new address (`POST /customers/newemail_confirm`).
#[utoipa::path(patch, path = "/customers/self", tag = "Customer area", operation_id = "customer_area_update_self", security(("bearer" = [])),
    params(IfMatchHeader),
    request_body(content = super::bodies::PatchSelfBody),
    responses((status = 200, description = "The customer, as changed (a new address awaits its confirmation).", body = CustomerView, headers(("ETag" = String, description = "The account's new version."))),
        (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 409, description = "The address or phone number is another customer's.", body = Problem),
        (status = 412, description = "`If-Match` names a version the account is no longer at: nothing was changed or sent.", body = Problem),
        (status = 429, description = "The send limit for the new address is reached: nothing was sent.", body = Problem)))]
pub async fn patch_self(
    state: web::Data<AppState>,
    who: Customer,
    if_match: IfMatch,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let (edit, email, mut errors) = parse(&body.0, &who.0.account);
    if !errors.is_empty() {
        if let Err(more) = edit.apply(&who.0.account.profile) {
            errors.extend(more);
        }
        if let Some(Err(message)) = email.as_deref().map(Email::parse) {
            errors.add("email", message);
        }
        return Err(Problem::invalid(errors));
    }
    let saved = state
        .email_change
        .edit_self_if(&who.0, edit, email.as_deref(), if_match.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(&saved))
        .json(CustomerView::from(&saved)))
}

/// Delete (close) the customer's account: deactivated at once, every session revoked; its
/// personal data erased, kept, or kept until the back office approves its deletion, as the
/// tenant's closing settings say (`/admin/v1/settings`). The answer is the same in each case.
#[utoipa::path(delete, path = "/customers/self", tag = "Customer area", operation_id = "customer_area_close_self", security(("bearer" = [])),
    responses((status = 200, description = "The account is closed, erased or awaiting approval, as `status` says; every session ends.", body = Outcome), (status = 401, body = Problem)))]
pub async fn delete_self(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    state
        .closing
        .close_own(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(Outcome::of("deleted")))
}
