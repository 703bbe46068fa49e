use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::admin::{
    api_keys, audit, customers, deletion_requests, imports, loyalty, outbox, sessions, settings, templates,
    tenants, webhooks,
};
use crate::openapi_conventions::Conventions;
use crate::openapi_links::Links;
use crate::openapi_responses::ResponsesAsServed;
use crate::problem::Problem;
use crate::surfaces::{b2core, cl2c, customer_area, tss};
use crate::{health, metrics, pages};

/// The OpenAPI 3 document of every route, served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Clientele", description = "Customer account service: four client API surfaces over one domain."),
    paths(
        customer_area::login::login,
        customer_area::login::verify_login_otp,
        customer_area::login::verify_login,
        customer_area::login::text_login_code,
        customer_area::login::passkey_sign_in_options,
        customer_area::login::passkey_sign_in,
        customer_area::factors::list_factors,
        customer_area::factors::start_totp,
        customer_area::factors::confirm_totp,
        customer_area::factors::replace_recovery_codes,
        customer_area::factors::passkey_options,
        customer_area::factors::add_passkey,
        customer_area::factors::remove_factor,
        customer_area::sessions::list_sessions,
        customer_area::sessions::end_session,
        customer_area::sessions::end_other_sessions,
        customer_area::sessions::logout,
        customer_area::sessions::activity,
        customer_area::sessions::pending_email,
        customer_area::sessions::withdraw_pending_email,
        customer_area::sessions::export,
        customer_area::account::get_self,
        customer_area::account::patch_self,
        customer_area::account::delete_self,
        customer_area::activation::signup,
        customer_area::activation::activate,
        customer_area::email_change::newemail_confirm,
        customer_area::password_reset::password_reset,
        customer_area::password_reset::do_reset,
        b2core::profile::get_profile,
        b2core::profile::put_profile,
        b2core::profile::patch_profile,
        b2core::deactivation::start_deactivation,
        b2core::deactivation::confirm_deactivation,
        cl2c::user::put_user,
        tss::profile::get_profile,
        tss::profile::post_profile,
        tss::two_factor::post_profile_2fa,
        tss::two_factor::verify_otp,
        tss::change_password::change_password,
        customers::create_customer,
        customers::find_customers,
        customers::get_customer,
        customers::edit_customer,
        customers::list_customer_factors,
        customers::remove_customer_factor,
        sessions::list_customer_sessions,
        sessions::end_customer_sessions,
        sessions::export_customer,
        loyalty::post_wallet_entry,
        loyalty::get_wallet,
        loyalty::post_order,
        loyalty::patch_order,
        loyalty::get_orders,
        outbox::list_outbox,
        audit::list_audit,
        deletion_requests::list_deletion_requests,
        deletion_requests::approve_deletion_request,
        deletion_requests::reject_deletion_request,
        deletion_requests::reactivate_customer,
        settings::get_settings,
        settings::patch_settings,
        tenants::create_tenant,
        tenants::list_tenants,
        tenants::get_tenant,
        tenants::patch_tenant,
        api_keys::create_api_key,
        api_keys::list_api_keys,
        api_keys::revoke_api_key,
        webhooks::create_webhook,
        webhooks::list_webhooks,
        webhooks::get_webhook,
        webhooks::update_webhook,
        webhooks::delete_webhook,
        webhooks::rotate_webhook_secret,
        webhooks::test_webhook,
        webhooks::list_webhook_deliveries,
        webhooks::retry_webhook_delivery,
        imports::import_customers,
        imports::list_imports,
        imports::get_import,
        templates::list_templates,
        templates::get_template,
        templates::put_template,
        templates::delete_template,
        templates::preview_template,
        health::live,
        health::ready,
        metrics::metrics_behind_the_admin_token,
        pages::activation,
        pages::email_confirmation,
        pages::reset,
    ),
    components(schemas(Problem, cl2c::DefaultError, crate::openapi_values::MessageKindName, crate::openapi_values::LanguageCode)),
    modifiers(&BearerSchemes, &Conventions, &ResponsesAsServed, &Links)
)]
pub struct ApiDoc;

/// Every operation of a path, for the modifiers that go over them all.
pub(crate) fn operations_mut(
    item: &mut utoipa::openapi::path::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

struct BearerSchemes;

impl Modify for BearerSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        // Customers' access tokens are JWTs; the admin token is an opaque secret.
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "admin",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The back-office token (CLIENTELE_ADMIN_TOKEN), an opaque secret.",
                    ))
                    .build(),
            ),
        );
    }
}
