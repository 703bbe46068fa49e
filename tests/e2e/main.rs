//! End-to-end: every scenario runs against the real binary, once on SQLite and once on
//! PostgreSQL, each time with a database of its own. The few that wait for something to expire
//! run the service in-process instead (`Server::start_in_process`) and move its clock.

mod account_state;
mod b2core_profile;
mod back_office;
mod branded_messages;
mod browser;
mod cl2c;
mod closing;
mod conditional_edits;
mod customer_area;
mod customer_search;
mod data_export;
mod deactivation;
mod delivery;
mod factor_expiry;
mod import;
mod import_http;
mod instances;
mod keys;
mod lifecycle;
mod message_screens;
mod metrics;
mod pages;
mod passkeys;
mod protocol;
mod races;
mod reauthentication;
mod sessions;
mod sign_in;
mod strong_sign_in;
mod tenants;
mod tss;
mod webhooks;

use std::future::Future;

use clientele_e2e::{Backend, Server, Storage};
use clientele_testkit::SmtpSink;

async fn run<F, Fut>(scenario: F, backend: Backend)
where
    F: FnOnce(Server) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &[]);
    scenario(server).await;
}

/// Runs `scenario` with a server that mails through a real SMTP server of its own.
async fn run_with_mail<F, Fut>(scenario: F, backend: Backend)
where
    F: FnOnce(Server, SmtpSink) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_SMTP_URL", &url),
            ("CLIENTELE_ALLOWED_REDIRECTS", "https://shop.example.com"),
        ],
    );
    scenario(server, sink).await;
}

/// For each scenario `name(server, smtp)`, tests `name::sqlite` and `name::postgres` with mail.
#[macro_export]
macro_rules! on_both_backends_with_mail {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::run_with_mail(super::$name, clientele_e2e::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::run_with_mail(super::$name, clientele_e2e::Backend::Postgres).await;
            }
        }
    )*};
}

/// For each scenario `name(server)`, tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::run(super::$name, clientele_e2e::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::run(super::$name, clientele_e2e::Backend::Postgres).await;
            }
        }
    )*};
}

/// For each scenario `name(backend)` that starts its own servers (its own settings, several
/// instances, restarts), tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends_by_hand {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(clientele_e2e::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(clientele_e2e::Backend::Postgres).await;
            }
        }
    )*};
}
