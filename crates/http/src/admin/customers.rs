use actix_web::http::header;
use actix_web::{web, HttpResponse};
use clientele_domain::profile::{field, ProfileEdit};
use clientele_domain::services::{CustomerRef, NewCustomer};
use clientele_domain::{Account, FieldErrors, Patch, TenantId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::problem_for;
use crate::fields::{optional_text, reject_other_keys, required_text, text_patch};
use crate::problem::Problem;
use crate::render::{rfc3339, text};
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

/// A customer as the back office sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminCustomer {
    id: i64,
    uuid: String,
    tenant: String,
    status: String,
    email: Option<String>,
    email_confirmed: bool,
    nickname: Option<String>,
    locale: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    birthday: Option<String>,
    phone: Option<String>,
    has_password: bool,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&Account> for AdminCustomer {
    fn from(a: &Account) -> Self {
        let p = &a.profile;
        AdminCustomer {
            id: a.public_id.0,
            uuid: a.uuid.to_string(),
            tenant: a.tenant.to_string(),
            status: a.status.as_str().to_owned(),
            email: a.customer_email().map(|e| e.as_str().to_owned()),
            email_confirmed: a.email_confirmed,
            nickname: text(&p.nickname),
            locale: text(&p.locale),
            first_name: text(&p.first_name),
            middle_name: text(&p.middle_name),
            last_name: text(&p.last_name),
            birthday: p.birthday.map(|b| b.to_iso_date()),
            phone: text(&p.phone),
            has_password: a.password_hash.is_some(),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

const FIELDS: &[&str] = &[
    "email",
    "password",
    "nickname",
    "locale",
    "firstName",
    "middleName",
    "lastName",
    "birthday",
    "phone",
];

fn surface_name(domain: &str) -> Option<&'static str> {
    Some(match domain {
        field::FIRST_NAME => "firstName",
        field::MIDDLE_NAME => "middleName",
        field::LAST_NAME => "lastName",
        _ => return None,
    })
}

/// The profile fields of a create or edit body (those left out are kept).
fn profile_fields(
    body: &serde_json::Map<String, serde_json::Value>,
    errors: &mut FieldErrors,
) -> ProfileEdit {
    let mut text = |key: &str| text_patch(body, key, Patch::Keep, key, errors);
    ProfileEdit {
        nickname: text("nickname"),
        locale: text("locale"),
        first_name: text("firstName"),
        middle_name: text("middleName"),
        last_name: text("lastName"),
        birthday: text("birthday"),
        phone: text("phone"),
    }
}

/// Create a customer: active with a `password`; without one, invited (pending activation,
/// with an activation mail).
#[utoipa::path(post, path = "/admin/v1/customers", tag = "Back office", operation_id = "admin_create_customer",
    security(("admin" = [])),
    request_body(content = super::bodies::CreateCustomerBody),
    responses((status = 201, description = "The customer was created, active.", body = AdminCustomer), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 409, description = "Another customer of the tenant has this email address or phone number.", body = Problem)))]
pub async fn create_customer(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, FIELDS, &[], "", &mut errors);
    let email = required_text(&body, "email", &mut errors);
    let password = optional_text(&body, "password", &mut errors);
    let profile = profile_fields(&body, &mut errors);
    let input = NewCustomer {
        email,
        password,
        profile,
    };
    if !errors.is_empty() {
        // Only the domain's names are renamed: a key the request sent is named as sent.
        errors.extend(state.customers.problems(&input).renamed(surface_name));
        return Err(Problem::invalid(errors));
    }
    let account = state
        .customers
        .create(&tenant, input)
        .await
        .map_err(|e| problem_for(e, surface_name))?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/admin/v1/customers/{}", account.public_id),
        ))
        .json(AdminCustomer::from(&account)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerListing {
    customers: Vec<AdminCustomer>,
}

#[derive(Debug, serde::Deserialize)]
pub struct CustomerQuery {
    email: Option<String>,
}

/// Find a customer by email address: a list of none or one (an erased customer is found by no
/// address, not even the one it had).
#[utoipa::path(get, path = "/admin/v1/customers", tag = "Back office", operation_id = "admin_find_customers",
    security(("admin" = [])),
    params(("email" = String, Query, min_length = 1, pattern = "\\S", description = "the address; case does not matter")),
    responses((status = 200, description = "The tenant's customers with this address (none or one).", body = CustomerListing), (status = 400, description = "The `email` parameter is missing or empty.", body = Problem), (status = 401, body = Problem)))]
pub async fn find_customers(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    query: web::Query<CustomerQuery>,
) -> Result<HttpResponse, Problem> {
    let Some(email) = query.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Err(Problem::invalid(FieldErrors::single("email", "is required")));
    };
    let found = state
        .customers
        .find_by_email(&tenant, email)
        .await
        .map_err(|e| problem_for(e, surface_name))?;
    Ok(HttpResponse::Ok().json(CustomerListing {
        customers: found.iter().map(AdminCustomer::from).collect(),
    }))
}

/// Read a customer by numeric id or UUID.
#[utoipa::path(get, path = "/admin/v1/customers/{id}", tag = "Back office", operation_id = "admin_get_customer",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 200, description = "The customer.", body = AdminCustomer), (status = 401, body = Problem), (status = 404, description = "The tenant has no customer with this id.", body = Problem)))]
pub async fn get_customer(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = customer_named(&state, &tenant, &id).await?;
    Ok(HttpResponse::Ok().json(AdminCustomer::from(&account)))
}

/// Edit a customer's profile fields: those named change (`null` clears one), the others stay.
/// The birthday, final for the customer once set, is corrected here.
#[utoipa::path(patch, path = "/admin/v1/customers/{id}", tag = "Back office", operation_id = "admin_update_customer",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    request_body(content = super::bodies::EditCustomerBody),
    responses((status = 200, description = "The customer, as changed.", body = AdminCustomer), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "The tenant has no customer with this id.", body = Problem), (status = 409, description = "The address or phone number is another customer's, or the account is closed.", body = Problem)))]
pub async fn edit_customer(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &FIELDS[2..], &["email", "password"], "", &mut errors);
    let edit = profile_fields(&body, &mut errors);
    if !errors.is_empty() {
        errors.extend(state.profiles.problems(&edit).renamed(surface_name));
        return Err(Problem::invalid(errors));
    }
    let customer = CustomerRef::parse(&id).ok_or_else(Problem::not_found)?;
    let account = state
        .customers
        .edit(&tenant, customer, edit)
        .await
        .map_err(|e| problem_for(e, surface_name))?;
    Ok(HttpResponse::Ok().json(AdminCustomer::from(&account)))
}

/// The tenant's customer that `id` (numeric id or UUID) names; 404 otherwise.
pub(super) async fn customer_named(
    state: &AppState,
    tenant: &TenantId,
    id: &str,
) -> Result<Account, Problem> {
    let customer = CustomerRef::parse(id).ok_or_else(Problem::not_found)?;
    state
        .customers
        .get(tenant, customer)
        .await
        .map_err(|e| problem_for(e, surface_name))
}

/// A customer's second factors (never their secrets) and how many recovery codes are left.
#[utoipa::path(get, path = "/admin/v1/customers/{id}/factors", tag = "Back office", operation_id = "admin_list_customer_factors",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 200, description = "The factors.", body = crate::surfaces::customer_area::factors::FactorListBody), (status = 401, body = Problem), (status = 404, description = "The tenant has no customer with this id.", body = Problem)))]
pub async fn list_customer_factors(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let customer = CustomerRef::parse(&id).ok_or_else(Problem::not_found)?;
    let list = state
        .factors
        .list_for(&tenant, customer)
        .await
        .map_err(|e| problem_for(e, surface_name))?;
    Ok(
        HttpResponse::Ok().json(crate::surfaces::customer_area::factors::FactorListBody::from(
            &list,
        )),
    )
}

/// Remove a customer's factor (`sms` turns texted codes off), for a customer who lost it:
/// audited with the admin as actor, and the customer is told by mail.
#[utoipa::path(delete, path = "/admin/v1/customers/{id}/factors/{factor}", tag = "Back office", operation_id = "admin_remove_customer_factor",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID"), ("factor" = String, Path, description = "the factor's id, or `sms`")),
    responses((status = 204, description = "Removed."), (status = 401, body = Problem), (status = 404, description = "No such customer, or the customer has no such factor.", body = Problem)))]
pub async fn remove_customer_factor(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (id, factor) = path.into_inner();
    let customer = CustomerRef::parse(&id).ok_or_else(Problem::not_found)?;
    state
        .factors
        .remove_by_back_office(&tenant, customer, &factor)
        .await
        .map_err(|e| problem_for(e, surface_name))?;
    Ok(HttpResponse::NoContent().finish())
}
