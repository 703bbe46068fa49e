//! The back office: `/admin/v1/…`, authenticated with the admin token.

pub mod api_keys;
pub mod audit;
pub mod bodies;
pub mod customers;
pub mod deletion_requests;
pub mod imports;
pub mod loyalty;
pub mod outbox;
pub mod sessions;
pub mod settings;
pub mod templates;
pub mod tenants;
pub mod webhooks;

use actix_web::web;

use crate::routing::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/customers", "GET, POST")
            .route(web::get().to(customers::find_customers))
            .route(web::post().to(customers::create_customer)),
    )
    .service(
        resource("/admin/v1/customers/{id}", "GET, PATCH")
            .route(web::get().to(customers::get_customer))
            .route(web::patch().to(customers::edit_customer)),
    )
    .service(
        resource("/admin/v1/customers/{id}/factors", "GET")
            .route(web::get().to(customers::list_customer_factors)),
    )
    .service(
        resource("/admin/v1/customers/{id}/export", "GET").route(web::get().to(sessions::export_customer)),
    )
    .service(
        resource("/admin/v1/customers/{id}/sessions", "GET, DELETE")
            .route(web::get().to(sessions::list_customer_sessions))
            .route(web::delete().to(sessions::end_customer_sessions)),
    )
    .service(
        resource("/admin/v1/customers/{id}/factors/{factor}", "DELETE")
            .route(web::delete().to(customers::remove_customer_factor)),
    )
    .service(
        resource("/admin/v1/customers/{id}/wallet", "GET, POST")
            .route(web::get().to(loyalty::get_wallet))
            .route(web::post().to(loyalty::post_wallet_entry)),
    )
    .service(
        resource("/admin/v1/customers/{id}/orders", "GET, POST")
            .route(web::get().to(loyalty::get_orders))
            .route(web::post().to(loyalty::post_order)),
    )
    .service(
        resource("/admin/v1/customers/{id}/orders/{reference}", "PATCH")
            .route(web::patch().to(loyalty::patch_order)),
    )
    .service(resource("/admin/v1/outbox", "GET").route(web::get().to(outbox::list_outbox)))
    .service(resource("/admin/v1/audit", "GET").route(web::get().to(audit::list_audit)))
    .service(
        resource("/admin/v1/customers/{id}/reactivate", "POST")
            .route(web::post().to(deletion_requests::reactivate_customer)),
    )
    .service(
        resource("/admin/v1/deletion-requests", "GET")
            .route(web::get().to(deletion_requests::list_deletion_requests)),
    )
    .service(
        resource("/admin/v1/deletion-requests/{id}/approve", "POST")
            .route(web::post().to(deletion_requests::approve_deletion_request)),
    )
    .service(
        resource("/admin/v1/deletion-requests/{id}/reject", "POST")
            .route(web::post().to(deletion_requests::reject_deletion_request)),
    )
    .service(
        resource("/admin/v1/settings", "GET, PATCH")
            .route(web::get().to(settings::get_settings))
            .route(web::patch().to(settings::patch_settings)),
    )
    .service(
        resource("/admin/v1/tenants", "GET, POST")
            .route(web::get().to(tenants::list_tenants))
            .route(web::post().to(tenants::create_tenant)),
    )
    .service(
        resource("/admin/v1/tenants/{id}", "GET, PATCH")
            .route(web::get().to(tenants::get_tenant))
            .route(web::patch().to(tenants::patch_tenant)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/api-keys", "GET, POST")
            .route(web::get().to(api_keys::list_api_keys))
            .route(web::post().to(api_keys::create_api_key)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/api-keys/{key_id}", "DELETE")
            .route(web::delete().to(api_keys::revoke_api_key)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/imports", "GET, POST")
            .route(web::get().to(imports::list_imports))
            .route(web::post().to(imports::import_customers)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/imports/{import_id}", "GET")
            .route(web::get().to(imports::get_import)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/templates", "GET").route(web::get().to(templates::list_templates)),
    )
    .service(
        resource(
            "/admin/v1/tenants/{id}/templates/{kind}/{language}",
            "GET, PUT, DELETE",
        )
        .route(web::get().to(templates::get_template))
        .route(web::put().to(templates::put_template))
        .route(web::delete().to(templates::delete_template)),
    )
    .service(
        resource(
            "/admin/v1/tenants/{id}/templates/{kind}/{language}/preview",
            "POST",
        )
        .route(web::post().to(templates::preview_template)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/webhooks", "GET, POST")
            .route(web::get().to(webhooks::list_webhooks))
            .route(web::post().to(webhooks::create_webhook)),
    )
    .service(
        resource(
            "/admin/v1/tenants/{id}/webhooks/{webhook_id}",
            "GET, PATCH, DELETE",
        )
        .route(web::get().to(webhooks::get_webhook))
        .route(web::patch().to(webhooks::update_webhook))
        .route(web::delete().to(webhooks::delete_webhook)),
    )
    .service(
        resource(
            "/admin/v1/tenants/{id}/webhooks/{webhook_id}/rotate-secret",
            "POST",
        )
        .route(web::post().to(webhooks::rotate_webhook_secret)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/webhooks/{webhook_id}/test", "POST")
            .route(web::post().to(webhooks::test_webhook)),
    )
    .service(
        resource("/admin/v1/tenants/{id}/webhooks/{webhook_id}/deliveries", "GET")
            .route(web::get().to(webhooks::list_webhook_deliveries)),
    )
    .service(
        resource(
            "/admin/v1/tenants/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
            "POST",
        )
        .route(web::post().to(webhooks::retry_webhook_delivery)),
    );
}
