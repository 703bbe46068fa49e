use actix_web::http::header;
use actix_web::{web, HttpResponse};
use clientele_domain::profile::{field, ProfileEdit};
use clientele_domain::services::{CustomerRef, NewCustomer, SearchRequest};
use clientele_domain::AccountStatus;
use clientele_domain::{Account, FieldErrors, Patch, TenantId};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::problem_for;
use crate::fields::{optional_text, query_choice, reject_other_keys, required_text, text_patch};
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
    /// The id an earlier system gave the customer, if any.
    external_id: Option<String>,
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
            external_id: a.external_id.clone(),
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
        "external_id" => "externalId",
        "created_to" => "createdTo",
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
    let allowed: Vec<&str> = FIELDS.iter().copied().chain(["externalId"]).collect();
    reject_other_keys(&body, &allowed, &[], "", &mut errors);
    let email = required_text(&body, "email", &mut errors);
    let password = optional_text(&body, "password", &mut errors);
    let external_id = optional_text(&body, "externalId", &mut errors);
    let profile = profile_fields(&body, &mut errors);
    let input = NewCustomer {
        email,
        password,
        profile,
        external_id,
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
#[serde(rename_all = "camelCase")]
pub struct CustomerListing {
    customers: Vec<AdminCustomer>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    next_cursor: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// An exact address (case does not matter): the one customer with it, or none. The other
    /// parameters are then not read.
    #[param(min_length = 1)]
    email: Option<String>,
    /// Search text: the start of an email address or of a first or last name (case does not
    /// matter), a phone number in any form the tenant's region reads, a numeric id, a UUID, or
    /// the id an earlier system gave the customer.
    q: Option<String>,
    #[param(inline, value_type = Option<StatusFilter>)]
    status: Option<String>,
    /// Created on or after: a date (`2026-12-01`) or an RFC 3339 instant.
    created_from: Option<String>,
    /// Created on or before this date (the whole day), or before this RFC 3339 instant.
    created_to: Option<String>,
    /// The `nextCursor` of the previous page.
    cursor: Option<String>,
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// Find customers, newest first, one page at a time: by `q` (email or name prefix, phone,
/// numeric id, UUID, external id), `status` and creation date; or by exact `email`.
#[utoipa::path(get, path = "/admin/v1/customers", tag = "Back office", operation_id = "admin_find_customers",
    security(("admin" = [])),
    params(CustomerQuery),
    responses((status = 200, description = "One page of the tenant's customers, newest first.", body = CustomerListing), (status = 400, description = "A parameter is invalid; `errors` names it.", body = Problem), (status = 401, body = Problem)))]
pub async fn find_customers(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    query: web::Query<CustomerQuery>,
) -> Result<HttpResponse, Problem> {
    let mut query = query.into_inner();
    // An empty parameter (`?createdFrom=`) is one not given, as forms send them.
    for value in [
        &mut query.q,
        &mut query.status,
        &mut query.created_from,
        &mut query.created_to,
        &mut query.cursor,
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *value = None;
        }
    }
    let mut errors = FieldErrors::new();
    let status = query_choice(
        query.status.as_deref(),
        AccountStatus::parse,
        "status",
        "is not a status: pending_activation, active, deactivation_requested, deactivated or erased",
        &mut errors,
    );
    let created_from = query_choice(
        query.created_from.as_deref(),
        |raw| instant_or_day(raw, false),
        "createdFrom",
        "must be a date (2026-12-01) or an RFC 3339 instant",
        &mut errors,
    );
    let created_before = query_choice(
        query.created_to.as_deref(),
        |raw| instant_or_day(raw, true),
        "createdTo",
        "must be a date (2026-12-01) or an RFC 3339 instant",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    // Every parameter is checked first, whichever lookup answers.
    if let Some(email) = query.email.as_deref() {
        if email.trim().is_empty() {
            return Err(Problem::invalid(FieldErrors::single(
                "email",
                "must not be empty",
            )));
        }
        let found = state
            .customers
            .find_by_email(&tenant, email)
            .await
            .map_err(|e| problem_for(e, surface_name))?;
        return Ok(HttpResponse::Ok().json(CustomerListing {
            customers: found.iter().map(AdminCustomer::from).collect(),
            next_cursor: None,
        }));
    }
    let page = state
        .customer_search
        .search(
            &tenant,
            SearchRequest {
                text: query.q,
                status,
                created_from,
                created_before,
                cursor: query.cursor,
                limit: query.limit.unwrap_or(20),
            },
        )
        .await
        .map_err(|e| problem_for(e, surface_name))?;
    Ok(HttpResponse::Ok().json(CustomerListing {
        customers: page.customers.iter().map(AdminCustomer::from).collect(),
        next_cursor: page.next,
    }))
}

/// The statuses `GET /admin/v1/customers` filters by (documentation of the query parameter).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum StatusFilter {
    PendingActivation,
    Active,
    DeactivationRequested,
    Deactivated,
    Erased,
}

/// An RFC 3339 instant, or a date: its start, or with `day_end` the start of the next day.
fn instant_or_day(raw: &str, day_end: bool) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    let at = match OffsetDateTime::parse(raw, &Rfc3339) {
        Ok(at) => at,
        Err(_) => {
            let day = Date::parse(raw, format_description!("[year]-[month]-[day]")).ok()?;
            let day = if day_end { day.next_day()? } else { day };
            day.midnight().assume_utc()
        }
    };
    // What no store keeps (PostgreSQL's timestamps end in year 294276, SQLite's text sorts).
    (1900..=9999).contains(&at.year()).then_some(at)
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
