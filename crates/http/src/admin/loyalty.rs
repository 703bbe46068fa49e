//! The back office feeds a customer's loyalty wallet and orders:
//! `/admin/v1/customers/{id}/wallet` and `/admin/v1/customers/{id}/orders[/{reference}]`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use clientele_domain::loyalty::{
    Amount, Balance, Order, OrderStatus, WalletEntry, WalletKind, WalletSummary,
};
use clientele_domain::services::{OrderPost, Posting, WalletPost};
use clientele_domain::FieldErrors;
use serde::Serialize;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::customers::customer_named;
use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::problem_for;
use crate::fields::{reject_other_keys, required_text};
use crate::problem::Problem;
use crate::render::{iso_date, parse_iso_date, rfc3339};
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

/// Entries and orders a listing shows.
const LISTED: i64 = 500;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminWalletEntry {
    /// `cashback`, `tss_money` or `tss_points`.
    kind: &'static str,
    /// Positive: a credit; negative: a debit.
    amount: f64,
    /// `YYYY-MM-DD`, the last day a credit can be spent; `null` for none.
    #[schema(format = Date)]
    expires_on: Option<String>,
    reference: String,
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<&WalletEntry> for AdminWalletEntry {
    fn from(e: &WalletEntry) -> Self {
        AdminWalletEntry {
            kind: e.kind.as_str(),
            amount: e.amount.to_json_number(),
            expires_on: e.expires_on.map(iso_date),
            reference: e.reference.clone(),
            created_at: rfc3339(e.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminBalance {
    /// What can be spent today.
    spendable: f64,
    /// What is left of the lots that expire first (0 when nothing expires).
    next_to_expire: f64,
    /// Their last day, `YYYY-MM-DD`; `null` when nothing expires.
    #[schema(format = Date)]
    next_expiry: Option<String>,
}

impl From<&Balance> for AdminBalance {
    fn from(b: &Balance) -> Self {
        AdminBalance {
            spendable: b.spendable.to_json_number(),
            next_to_expire: b.next_to_expire.map(|(a, _)| a.to_json_number()).unwrap_or(0.0),
            next_expiry: b.next_to_expire.map(|(_, day)| iso_date(day)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminBalances {
    cashback: AdminBalance,
    tss_money: AdminBalance,
    tss_points: AdminBalance,
}

impl From<&WalletSummary> for AdminBalances {
    fn from(s: &WalletSummary) -> Self {
        AdminBalances {
            cashback: AdminBalance::from(&s.cashback),
            tss_money: AdminBalance::from(&s.tss_money),
            tss_points: AdminBalance::from(&s.tss_points),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminWallet {
    balances: AdminBalances,
    /// Newest first, at most 500.
    entries: Vec<AdminWalletEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminOrder {
    reference: String,
    amount: f64,
    /// `placed`, `completed`, `cancelled` or `returned`.
    status: &'static str,
    #[schema(format = DateTime)]
    placed_at: String,
}

impl From<&Order> for AdminOrder {
    fn from(o: &Order) -> Self {
        AdminOrder {
            reference: o.reference.clone(),
            amount: o.amount.to_json_number(),
            status: o.status.as_str(),
            placed_at: rfc3339(o.placed_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminOrderStats {
    order_count: i64,
    successful_orders: i64,
    total_spending: f64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminOrders {
    stats: AdminOrderStats,
    /// Newest first, at most 500.
    orders: Vec<AdminOrder>,
}

/// An exact amount from a JSON number (`150.50`) or a string of one (`"150.50"`).
fn amount(body: &Map<String, Value>, errors: &mut FieldErrors) -> Amount {
    let parsed = match body.get("amount") {
        // Written out in full: JSON's `1e3` or `5.2e16` is a plain amount, and the parser
        // reads digits only.
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(whole), _) => Amount::parse(&whole.to_string()),
            (None, Some(float)) => Amount::parse(&cents_of(float)),
            _ => Amount::parse(&n.to_string()),
        },
        Some(Value::String(s)) => Amount::parse(s.trim()),
        None | Some(Value::Null) => Err("is required".into()),
        Some(_) => Err("must be a number such as 150.50".into()),
    };
    parsed.unwrap_or_else(|message| {
        errors.add("amount", message);
        Amount(0)
    })
}

/// A JSON number as the amount it stands for: a binary float that is a whole number of cents
/// but for the last bits of its representation (`0.29`, `174455.58000000002`, which JSON
/// schema validators count as multiples of 0.01) is those cents; any other is written out in
/// full, and refused if it has more than two decimals.
fn cents_of(float: f64) -> String {
    let cents = (float * 100.0).round();
    let tolerance = f64::EPSILON * float.abs() * 8.0;
    if cents.is_finite() && (cents / 100.0 - float).abs() <= tolerance {
        format!("{:.2}", cents / 100.0)
    } else {
        format!("{float}")
    }
}

/// A post and its retry get the same answer (201 and what was recorded), so a client that
/// retries after a lost answer reads it as the first; a retry also says
/// `Idempotent-Replayed: true`.
fn created_or_replayed(posting: Posting) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(StatusCode::CREATED);
    if posting == Posting::Replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response
}

/// Post to a customer's wallet: `{"kind": "cashback", "amount": 150.50, "expiresOn":
/// "2026-04-30", "reference": "promo-42"}`. A positive amount is a credit (optionally
/// expiring after `expiresOn`), a negative one a debit, which spends the credits that expire
/// first and is refused (409) beyond what can be spent today. Posting a reference again
/// changes nothing and answers as the first post did (201 with the entry, and
/// `Idempotent-Replayed: true`); with other content, 409.
#[utoipa::path(post, path = "/admin/v1/customers/{id}/wallet", tag = "Back office", operation_id = "admin_add_wallet_entry", security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    request_body(content = super::bodies::WalletPostBody),
    responses((status = 201, description = "The entry was added to the wallet.", body = AdminWalletEntry),
        (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem), (status = 404, description = "The tenant has no customer with this id.", body = Problem),
        (status = 409, description = "A spending is more than the balance, or the entry's reference was used with other content.", body = Problem)))]
pub async fn post_wallet_entry(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(
        &body,
        &["kind", "amount", "expiresOn", "reference"],
        &[],
        "",
        &mut errors,
    );
    let kind = required_text(&body, "kind", &mut errors);
    let kind = WalletKind::parse(&kind).or_else(|| {
        if !kind.is_empty() {
            errors.add("kind", "must be cashback, tss_money or tss_points");
        }
        None
    });
    let amount = amount(&body, &mut errors);
    let expires_on = match body.get("expiresOn") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => parse_iso_date(s).or_else(|| {
            errors.add("expiresOn", "must be a date, YYYY-MM-DD");
            None
        }),
        Some(_) => {
            errors.add("expiresOn", "must be a date, YYYY-MM-DD");
            None
        }
    };
    let reference = required_text(&body, "reference", &mut errors);
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let account = customer_named(&state, &tenant, &id).await?;
    let (entry, posting) = state
        .loyalty
        .post_wallet(
            &account,
            WalletPost {
                kind,
                amount,
                expires_on,
                reference,
            },
        )
        .await
        .map_err(|e| problem_for(e, admin_names))?;
    Ok(created_or_replayed(posting).json(AdminWalletEntry::from(&entry)))
}

/// A customer's wallet: each kind's balance as of today and the entries, newest first.
#[utoipa::path(get, path = "/admin/v1/customers/{id}/wallet", tag = "Back office", operation_id = "admin_get_wallet", security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 200, description = "The customer's balances and entries.", body = AdminWallet), (status = 401, body = Problem), (status = 404, description = "The tenant has no customer with this id.", body = Problem)))]
pub async fn get_wallet(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = customer_named(&state, &tenant, &id).await?;
    let (summary, entries) = state
        .loyalty
        .wallet(&account, LISTED)
        .await
        .map_err(|e| problem_for(e, admin_names))?;
    Ok(HttpResponse::Ok().json(AdminWallet {
        balances: AdminBalances::from(&summary),
        entries: entries.iter().map(AdminWalletEntry::from).collect(),
    }))
}

fn order_status(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<OrderStatus> {
    let status = required_text(body, "status", errors);
    OrderStatus::parse(&status).or_else(|| {
        if !status.is_empty() {
            errors.add("status", "must be placed, completed, cancelled or returned");
        }
        None
    })
}

/// Record a customer's order: `{"reference": "A-1001", "amount": 450.00, "status":
/// "completed", "placedAt": "2026-11-30T10:00:00Z"}`. Posting a reference again changes
/// nothing and answers as the first post did (201, `Idempotent-Replayed: true`); with other
/// content, 409. Completed orders count as successful and
/// add to `totalSpending`.
#[utoipa::path(post, path = "/admin/v1/customers/{id}/orders", tag = "Back office", operation_id = "admin_add_order", security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    request_body(content = super::bodies::OrderPostBody),
    responses((status = 201, description = "The order was recorded.", body = AdminOrder), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem),
        (status = 401, body = Problem), (status = 404, description = "The tenant has no customer with this id.", body = Problem), (status = 409, description = "The reference is another order's, with other content.", body = Problem)))]
pub async fn post_order(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(
        &body,
        &["reference", "amount", "status", "placedAt"],
        &[],
        "",
        &mut errors,
    );
    let reference = required_text(&body, "reference", &mut errors);
    let amount = amount(&body, &mut errors);
    let status = order_status(&body, &mut errors);
    let placed_at = required_text(&body, "placedAt", &mut errors);
    // Kept in UTC: a time whose UTC form leaves the years 1-9999 cannot be.
    let placed_at = OffsetDateTime::parse(placed_at.trim(), &Rfc3339)
        .ok()
        .filter(|at| {
            at.checked_to_offset(time::UtcOffset::UTC)
                .is_some_and(|utc| utc.year() >= 1)
        })
        .or_else(|| {
            if !placed_at.is_empty() {
                errors.add(
                    "placedAt",
                    "must be an RFC 3339 date-time between the years 1 and 9999",
                );
            }
            None
        });
    let (Some(status), Some(placed_at), true) = (status, placed_at, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let account = customer_named(&state, &tenant, &id).await?;
    let (order, posting) = state
        .loyalty
        .post_order(
            &account,
            OrderPost {
                reference,
                amount,
                status,
                // Whole seconds, as shown back.
                placed_at: placed_at.replace_nanosecond(0).unwrap_or(placed_at),
            },
        )
        .await
        .map_err(|e| problem_for(e, admin_names))?;
    Ok(created_or_replayed(posting).json(AdminOrder::from(&order)))
}

/// Change an order's status: `{"status": "returned"}`.
#[utoipa::path(patch, path = "/admin/v1/customers/{id}/orders/{reference}", tag = "Back office", operation_id = "admin_update_order",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID"), ("reference" = String, Path, description = "the order's reference")),
    request_body(content = super::bodies::OrderStatusBody),
    responses((status = 200, description = "The order, with its new status.", body = AdminOrder), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No such customer, or no order of theirs with this reference.", body = Problem)))]
pub async fn patch_order(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    path: web::Path<(String, String)>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let (id, reference) = path.into_inner();
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &["status"], &[], "", &mut errors);
    let status = order_status(&body, &mut errors);
    let (Some(status), true) = (status, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let account = customer_named(&state, &tenant, &id).await?;
    let order = state
        .loyalty
        .set_order_status(&account, &reference, status)
        .await
        .map_err(|e| problem_for(e, admin_names))?;
    Ok(HttpResponse::Ok().json(AdminOrder::from(&order)))
}

/// A customer's orders, newest first, with their statistics.
#[utoipa::path(get, path = "/admin/v1/customers/{id}/orders", tag = "Back office", operation_id = "admin_list_orders", security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 200, description = "The customer's orders and their statistics.", body = AdminOrders), (status = 401, body = Problem), (status = 404, description = "The tenant has no customer with this id.", body = Problem)))]
pub async fn get_orders(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = customer_named(&state, &tenant, &id).await?;
    let (stats, orders) = state
        .loyalty
        .orders(&account, LISTED)
        .await
        .map_err(|e| problem_for(e, admin_names))?;
    Ok(HttpResponse::Ok().json(AdminOrders {
        stats: AdminOrderStats {
            order_count: stats.count,
            successful_orders: stats.successful,
            total_spending: stats.total_spending.to_json_number(),
        },
        orders: orders.iter().map(AdminOrder::from).collect(),
    }))
}

/// The domain's field names as the back office's camelCase JSON spells them.
fn admin_names(field: &str) -> Option<&'static str> {
    match field {
        "expires_on" => Some("expiresOn"),
        "placed_at" => Some("placedAt"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::cents_of;

    #[test]
    fn floats_a_schema_counts_as_cents_are_those_cents() {
        assert_eq!(cents_of(0.29), "0.29");
        assert_eq!(cents_of(841472.9500000001), "841472.95");
        assert_eq!(cents_of(174455.58000000002), "174455.58");
        assert_eq!(cents_of(-150.5), "-150.50");
        assert_eq!(cents_of(1e9), "1000000000.00");
        // Not whole cents: written out, so the parser refuses it.
        assert_eq!(cents_of(0.001), "0.001");
        assert!(cents_of(4.05e-97).len() > 10);
    }
}
