//! Moving in over HTTP: a file streamed to `POST /admin/v1/tenants/{id}/imports` in small
//! pieces, its record read back from the listing and by id, a dry run keeping nothing, a body
//! that breaks off failing the run without its cut line, the whole request's refusals; and
//! invitations mailed only where asked.

use std::time::{Duration, Instant};

use clientele_e2e::{post, Backend, Server, Storage};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};

use crate::import::{customers_of_default, imported, login, post_import};

crate::on_both_backends_with_mail!(invitations_go_only_where_asked);

crate::on_both_backends_by_hand!(imports_stream_over_http);

async fn imports_stream_over_http(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &[]);
    let url = server.url("/admin/v1/tenants/default/imports");
    let csv = "email,firstName,emailVerified,passwordHash\nbo@http.test,Bo,true,pbkdf2_sha256$20000$VZsdrN7hZnAvm29WWE8sHF$2xTT+KlUYBSJxDiYB4wumGrLxFjUPwNTxy4OadwvVz8=\nnot-an-address,X,true,\ncy@http.test,Cy,false,\n";
    // In small pieces, split mid-line: the body is read as it streams.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        csv.as_bytes().chunks(7).map(|c| Ok(c.to_vec())).collect();
    let streamed = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = post_import(&server, "", "text/csv", streamed).await.unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let done: Value = response.json().await.unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        (
            done["lines"].as_u64(),
            done["imported"].as_u64(),
            done["refused"].as_u64()
        ),
        (Some(3), Some(2), Some(1)),
        "{done}"
    );
    assert_eq!(done["refusals"][0]["line"], 3, "{done}");
    let (status, read) = server.admin(Method::GET, &location, None).await;
    assert_eq!(status, 200);
    assert_eq!(read["imported"], 2, "{read}");
    assert_eq!(read["id"], done["id"]);
    let (status, listed) = server
        .admin(Method::GET, "/admin/v1/tenants/default/imports", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["imports"][0]["id"], done["id"], "{listed}");

    // A dry run answers what would happen, writes nothing, keeps no record.
    let dry_lines = "{\"email\":\"dry@http.test\"}\n{\"email\":\"bo@http.test\"}\n";
    let dry = post_import(&server, "?dryRun=true", "application/x-ndjson", dry_lines)
        .await
        .unwrap();
    assert_eq!(dry.status(), 200);
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(
        (dry["imported"].as_u64(), dry["skipped"].as_u64()),
        (Some(1), Some(1)),
        "{dry}"
    );
    let (status, _) = server
        .admin(
            Method::GET,
            &format!(
                "/admin/v1/tenants/default/imports/{}",
                dry["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(customers_of_default(&storage), 2);

    // A body that breaks off: the run fails, and its cut-short last line is not imported.
    let broken = futures_util::stream::iter([Ok::<_, std::io::Error>(
        b"email,firstName\nfull@http.test,Full\npartial@http.test,Pa".to_vec(),
    )])
    .chain(futures_util::stream::once(async {
        // Once the server has the first piece.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Err(std::io::Error::other("the sender went away"))
    }));
    let sent = post_import(&server, "", "text/csv", reqwest::Body::wrap_stream(broken)).await;
    assert!(sent.is_err() || sent.unwrap().status() == 400);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, listed) = server
            .admin(Method::GET, "/admin/v1/tenants/default/imports", None)
            .await;
        if listed["imports"][0]["status"] == "failed" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the broken run is marked failed: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, partial) = server
        .admin(Method::GET, "/admin/v1/customers?q=partial@http.test", None)
        .await;
    assert_eq!(partial["customers"], json!([]), "{partial}");
    assert_eq!(customers_of_default(&storage), 2);

    // Refusals of the whole request, in problem details.
    let wrong_type = post_import(&server, "", "application/json", "[]").await.unwrap();
    assert_eq!(wrong_type.status(), 415);
    let clear = post_import(
        &server,
        "",
        "text/csv",
        "email,password\nz@http.test,hunter2hunter2\n",
    )
    .await
    .unwrap();
    assert_eq!(clear.status(), 400);
    let problem: Value = clear.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("in clear"),
        "{problem}"
    );
    let (status, _) = server
        .admin(Method::GET, "/admin/v1/tenants/nobody/imports", None)
        .await;
    assert_eq!(status, 404);
    let unauthenticated = server
        .http
        .post(&url)
        .header("content-type", "text/csv")
        .body("email\n")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

/// `invite=true` mails the activation invitation to the customers imported pending, and only
/// to them; without it an import mails no one. The invitation activates the account.
async fn invitations_go_only_where_asked(server: Server, smtp: clientele_testkit::SmtpSink) {
    let quiet = imported(&server, "", &[json!({"email": "quiet@invite.test"})]).await;
    assert_eq!(quiet["imported"], 1, "{quiet}");
    let lines = [
        json!({"email": "asked@invite.test", "firstName": "Asked"}),
        json!({"email": "active@invite.test", "emailVerified": true}),
    ];
    let invited = imported(&server, "?invite=true", &lines).await;
    assert_eq!(invited["imported"], 2, "{invited}");
    let mail = smtp.wait_for(
        "asked@invite.test",
        "Activate your account",
        Duration::from_secs(20),
    );
    let activation = json!({"identifier": mail.line("Identifier").unwrap(), "secret": mail.line("Secret").unwrap(),
        "password": "a good passphrase", "password_check": "a good passphrase"});
    let (status, body) = post(&server, "/customers/activate", activation).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        login(&server, "asked@invite.test", "a good passphrase").await.0,
        200
    );
    server.wait_until_outbox_drained().await;
    let recipients: Vec<String> = smtp.received().iter().flat_map(|m| m.to.clone()).collect();
    assert!(
        !recipients
            .iter()
            .any(|r| r.contains("quiet@") || r.contains("active@")),
        "{recipients:?}"
    );
}
