//! `clientele::Application` in a program of its own: built on given settings with a supplied
//! clock, bound to a port the system picks, serving, and stopped through its handle.

use std::io::{Read, Write};
use std::sync::Arc;

use clientele::{Application, Overrides, Settings};
use clientele_fakes::FixedClock;
use time::macros::datetime;

#[actix_web::test]
async fn builds_serves_and_stops_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("app.db").display());
    let settings = Settings::from_variables([
        ("CLIENTELE_LISTEN", "127.0.0.1:0"),
        ("CLIENTELE_DATABASE_URL", &database),
        ("CLIENTELE_ADMIN_TOKEN", "application-test-admin-token"),
        ("CLIENTELE_BCRYPT_COST", "4"),
        ("CLIENTELE_WORKERS", "1"),
    ])
    .unwrap()
    .settings;
    let clock = FixedClock::at(datetime!(2030-01-01 0:00 UTC));
    let application = Application::build_with(
        settings,
        Overrides {
            clock: Some(Arc::new(clock)),
        },
    )
    .await
    .unwrap();
    assert_ne!(application.port(), 0, "the system picked a port");
    let address = application.local_addr();
    let stop = application.stop_handle();
    let running = actix_web::rt::spawn(application.run_until_stopped());

    let answer = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    stop.stop().await;
    running.await.unwrap().unwrap();
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "no longer listening"
    );
}
