use actix_web::{web, HttpResponse};
use clientele_domain::loyalty::Balance;
use clientele_domain::services::ProfileStanding;
use clientele_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::details::{edit_of, refuse_if_invalid, tss_names};
use crate::bearer::Customer;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::problem::Problem;
use crate::render::iso_date;
use crate::state::AppState;

/// The profile as seed 003 shows it. Text the customer has not given reads `""`; amounts are
/// numbers with at most two decimals; dates `YYYY-MM-DD`, `null` when there is none.
#[derive(Debug, Serialize, ToSchema)]
pub struct TssProfile {
    user_id: i64,
    firstname: String,
    lastname: String,
    email: String,
    /// National form for numbers of the tenant's region (`9876543210`), E.164 otherwise.
    telephone: String,
    gender: String,
    /// `YYYY-MM-DD`; `null` when not given.
    #[schema(format = Date)]
    birthdate: Option<String>,
    cashback: f64,
    tss_money: f64,
    tss_points: f64,
    #[serde(rename = "next_Tss_Money_To_Expire")]
    next_tss_money_to_expire: f64,
    #[schema(format = Date)]
    tss_money_expiry: Option<String>,
    #[serde(rename = "next_Tss_Point_To_Expire")]
    next_tss_point_to_expire: f64,
    #[schema(format = Date)]
    tss_point_expiry: Option<String>,
    order_count: i64,
    total_spending: f64,
    successful_orders: i64,
    /// Once a birthdate is set it cannot be changed.
    disable_birthdate: bool,
    /// 1 or 0.
    has_password: u8,
    /// 1 or 0.
    is_two_fa: u8,
    referal_code: String,
    /// POST only, when two-factor is on and the telephone changed: the new number waits for
    /// the code texted to it (see `/api/user/profile/verify-otp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    is_otp_sent: Option<bool>,
}

fn next_amount(balance: &Balance) -> f64 {
    balance
        .next_to_expire
        .map(|(amount, _)| amount.to_json_number())
        .unwrap_or(0.0)
}

fn next_day(balance: &Balance) -> Option<String> {
    balance.next_to_expire.map(|(_, day)| iso_date(day))
}

impl TssProfile {
    pub(super) fn telephone(&self) -> &str {
        &self.telephone
    }
}

impl From<&ProfileStanding> for TssProfile {
    fn from(view: &ProfileStanding) -> Self {
        let account = &view.account;
        let p = &account.profile;
        let text = |value: &Option<clientele_domain::values::Name>| {
            value.as_ref().map(ToString::to_string).unwrap_or_default()
        };
        TssProfile {
            user_id: account.public_id.0,
            firstname: text(&p.first_name),
            lastname: text(&p.last_name),
            email: account.address(),
            telephone: p
                .phone
                .as_ref()
                .map(|phone| phone.shown_in(view.region))
                .unwrap_or_default(),
            gender: p.gender.clone().unwrap_or_default(),
            birthdate: p.birthday.map(|b| b.to_iso_date()),
            cashback: view.wallet.cashback.spendable.to_json_number(),
            tss_money: view.wallet.tss_money.spendable.to_json_number(),
            tss_points: view.wallet.tss_points.spendable.to_json_number(),
            next_tss_money_to_expire: next_amount(&view.wallet.tss_money),
            tss_money_expiry: next_day(&view.wallet.tss_money),
            next_tss_point_to_expire: next_amount(&view.wallet.tss_points),
            tss_point_expiry: next_day(&view.wallet.tss_points),
            order_count: view.orders.count,
            total_spending: view.orders.total_spending.to_json_number(),
            successful_orders: view.orders.successful,
            disable_birthdate: p.birthday_is_final(),
            has_password: u8::from(account.password_hash.is_some()),
            is_two_fa: u8::from(account.two_factor),
            referal_code: p.referral_code.clone().unwrap_or_default(),
            is_otp_sent: None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ProfileQuery {
    /// The client's platform (`web`, `mobile`); accepted and not used.
    #[allow(dead_code)]
    platform: Option<String>,
}

/// The signed-in customer's profile with wallet balances, the next value to expire, order
/// statistics and referral code.
#[utoipa::path(get, path = "/api/user/profile", tag = "TSS", operation_id = "tss_get_profile", security(("bearer" = [])),
    params(("platform" = Option<String>, Query, description = "the client's platform, e.g. web or mobile")),
    responses((status = 200, description = "The customer's profile, wallet balances and order statistics.", body = TssProfile), (status = 401, body = Problem), (status = 503, body = Problem)))]
pub async fn get_profile(
    state: web::Data<AppState>,
    who: Customer,
    _query: web::Query<ProfileQuery>,
) -> Result<HttpResponse, Problem> {
    let view = state
        .profile_view
        .view(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(TssProfile::from(&view)))
}

/// Edit the profile: `firstname`, `lastname` (markup and control characters removed), `gender`
/// (male, female, other or undisclosed), `birthdate` (`YYYY-MM-DD`, or `0000-00-00` to leave it;
/// once set it cannot change), `telephone` (national in the tenant's region, or international;
/// unique in the tenant: 409 naming it), and `email` only while the account has none or a
/// temporary one. Answers the profile as GET does.
#[utoipa::path(post, path = "/api/user/profile", tag = "TSS", operation_id = "tss_update_profile", security(("bearer" = [])),
    request_body(content = super::bodies::TssProfileBody),
    responses((status = 200, description = "The profile, as changed.", body = TssProfile), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 409, description = "The address or phone number is another customer's.", body = Problem), (status = 503, body = Problem)))]
pub async fn post_profile(
    state: web::Data<AppState>,
    who: Customer,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    let edit = edit_of(&body.0, &[], &mut errors);
    refuse_if_invalid(&state.personal_details, &who.0, &edit, errors).await?;
    let (view, code_sent) = state
        .personal_details
        .edit(&who.0, edit)
        .await
        .map_err(|e| problem_for(e, tss_names))?;
    let mut profile = TssProfile::from(&view);
    profile.is_otp_sent = code_sent.then_some(true);
    Ok(HttpResponse::Ok().json(profile))
}
