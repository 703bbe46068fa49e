//! End-to-end: every scenario runs against the real binary, once on SQLite and once on
//! PostgreSQL, each time with a database of its own.

mod b2core_profile;
mod back_office;
mod lifecycle;
mod protocol;
mod sign_in;

use std::future::Future;

use clientele_e2e::{Backend, Server, Storage};

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
