//! Where a customer is signed in: sessions listed with the device and network each sign-in came
//! from (real browsers' User-Agent strings, addresses as a trusted proxy forwards them), one of
//! them, every other one or the current one signed out at once, the customer's own activity,
//! and the back office signing a customer out everywhere. `lastSeenAt` moves at most once a
//! minute (in-process, so the server's clock moves).

use std::time::Duration;

use clientele_e2e::{status_and_json, Backend, Server, Storage};
use clientele_testkit::SmtpSink;
use reqwest::Method;
use serde_json::{json, Value};

crate::on_both_backends_by_hand!(
    sessions_are_listed_and_signed_out_one_by_one_or_all_but_this,
    the_back_office_signs_a_customer_out_everywhere,
    last_seen_moves_at_most_once_a_minute,
);

const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.135 Mobile Safari/537.36";

/// The loopback client is the trusted proxy: `X-Forwarded-For` names the client.
const BEHIND_A_PROXY: [(&str, &str); 2] = [
    ("CLIENTELE_TRUSTED_PROXIES", "127.0.0.1"),
    ("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0"),
];

/// Signs in from `device` at `address`: the token.
async fn sign_in_from(server: &Server, email: &str, password: &str, device: &str, address: &str) -> String {
    let response = server
        .http
        .post(server.url("/customers/login"))
        .header("User-Agent", device)
        .header("X-Forwarded-For", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn sessions_of(server: &Server, token: &str) -> Vec<Value> {
    let (status, body) = server.get_json("/customers/self/sessions", token).await;
    assert_eq!(status, 200, "{body}");
    body["sessions"].as_array().unwrap().clone()
}

async fn sessions_are_listed_and_signed_out_one_by_one_or_all_but_this(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &BEHIND_A_PROXY);
    let (email, password, _) = server.signed_in_customer().await;
    let laptop = sign_in_from(&server, &email, &password, FIREFOX_WINDOWS, "203.0.113.77").await;
    let phone = sign_in_from(&server, &email, &password, SAFARI_IPHONE, "2001:db8:1234:5678::1").await;
    let tablet = sign_in_from(&server, &email, &password, CHROME_ANDROID, "198.51.100.23").await;

    let listed = sessions_of(&server, &laptop).await;
    assert_eq!(listed.len(), 4, "{listed:?}");
    let devices: Vec<&str> = listed[..3]
        .iter()
        .map(|s| s["device"].as_str().unwrap())
        .collect();
    assert_eq!(
        devices,
        ["Chrome on Android", "Safari on iPhone", "Firefox on Windows 10"],
        "newest first"
    );
    let ips: Vec<&str> = listed[..3].iter().map(|s| s["ip"].as_str().unwrap()).collect();
    assert_eq!(ips, ["198.51.100.0/24", "2001:db8:1234::/48", "203.0.113.0/24"]);
    let current: Vec<bool> = listed.iter().map(|s| s["current"].as_bool().unwrap()).collect();
    assert_eq!(current, [false, false, true, false]);
    for session in &listed {
        assert_eq!(session["signInMethod"], "password", "{session}");
        for at in ["createdAt", "lastSeenAt", "expiresAt"] {
            assert!(
                session[at].as_str().is_some_and(|t| t.ends_with("+00:00")),
                "{session}"
            );
        }
    }
    let text = serde_json::to_string(&listed).unwrap();
    assert!(
        !text.contains("203.0.113.77") && !text.contains("5678"),
        "never the whole address: {text}"
    );

    // Another customer's session is no session of this one.
    let (_, _, stranger) = server.signed_in_customer().await;
    let theirs = sessions_of(&server, &stranger).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/customers/self/sessions/{theirs}");
    let (status, problem) = server.request(Method::DELETE, &path, Some(&laptop), None).await;
    assert_eq!(status, 404, "{problem}");
    assert_eq!(server.get_json("/customers/self", &stranger).await.0, 200);
    let (status, _) = server
        .request(
            Method::DELETE,
            "/customers/self/sessions/not-a-uuid",
            Some(&laptop),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // One signed out from another: at once.
    let tablet_id = listed[0]["id"].as_str().unwrap();
    let path = format!("/customers/self/sessions/{tablet_id}");
    let (status, body) = server.request(Method::DELETE, &path, Some(&laptop), None).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(server.get_json("/customers/self", &tablet).await.0, 401);
    let (status, _) = server.request(Method::DELETE, &path, Some(&laptop), None).await;
    assert_eq!(status, 404, "no longer a live session");

    // Every other one: the laptop stays.
    let (status, body) = server
        .request(
            Method::POST,
            "/customers/self/sessions/revoke-others",
            Some(&laptop),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(server.get_json("/customers/self", &phone).await.0, 401);
    let left = sessions_of(&server, &laptop).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);

    // A wrong password shows in the activity, with the device and network it came from.
    let response = server
        .http
        .post(server.url("/customers/login"))
        .header("User-Agent", SAFARI_IPHONE)
        .header("X-Forwarded-For", "192.0.2.200")
        .json(&json!({"email": email, "password": "not the password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, activity) = server
        .get_json("/customers/self/activity?limit=10", &laptop)
        .await;
    assert_eq!(status, 200, "{activity}");
    let events = activity["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds[..3],
        ["sign_in_failed", "sessions_ended", "session_ended"],
        "newest first: {activity}"
    );
    assert_eq!(events[0]["device"], "Safari on iPhone");
    assert_eq!(events[0]["ip"], "192.0.2.0/24");
    assert_eq!(events[0]["actor"], "customer");
    assert!(
        kinds.iter().filter(|k| **k == "sign_in_succeeded").count() >= 3,
        "{kinds:?}"
    );
    let text = activity.to_string();
    assert!(
        !text.contains("192.0.2.200") && !text.contains(&password),
        "{text}"
    );
    let (_, theirs) = server.get_json("/customers/self/activity", &stranger).await;
    assert_eq!(
        theirs["events"].as_array().unwrap().len(),
        1,
        "only the stranger's own sign-in: {theirs}"
    );
    for limit in ["0", "201", "x"] {
        let (status, problem) = server
            .get_json(&format!("/customers/self/activity?limit={limit}"), &laptop)
            .await;
        assert_eq!(status, 400, "{limit}: {problem}");
    }

    // Signing out ends the session in hand.
    let (status, _) = server
        .request(Method::POST, "/customers/logout", Some(&laptop), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(server.get_json("/customers/self", &laptop).await.0, 401);
    let (status, _) = server
        .request(Method::POST, "/customers/logout", Some(&laptop), None)
        .await;
    assert_eq!(status, 401, "a token signed out signs out nothing");
}

async fn the_back_office_signs_a_customer_out_everywhere(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let url = smtp.url();
    let mut env = BEHIND_A_PROXY.to_vec();
    env.push(("CLIENTELE_SMTP_URL", &url));
    let server = Server::start(&storage, &env);
    let (email, password, first) = server.signed_in_customer().await;
    let second = sign_in_from(&server, &email, &password, FIREFOX_WINDOWS, "203.0.113.77").await;
    let (_, me) = server.get_json("/api/v2/my/profile", &first).await;
    let id = me["id"].as_i64().unwrap();

    let path = format!("/admin/v1/customers/{id}/sessions");
    let (status, listed) = server.admin(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{listed}");
    let sessions = listed["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["device"], "Firefox on Windows 10");
    assert!(
        sessions[0].get("current").is_none(),
        "the back office has no current session"
    );
    let (status, _) = server
        .admin(Method::GET, "/admin/v1/customers/999/sessions", None)
        .await;
    assert_eq!(status, 404);

    let (status, body) = server.admin(Method::DELETE, &path, None).await;
    assert_eq!(status, 204, "{body}");
    for token in [&first, &second] {
        assert_eq!(server.get_json("/customers/self", token).await.0, 401);
    }
    assert!(server.admin(Method::GET, &path, None).await.1["sessions"]
        .as_array()
        .unwrap()
        .is_empty());
    let notice = smtp.wait_for(&email, "Every device was signed out", Duration::from_secs(15));
    assert!(notice.text.contains("signed every device out"), "{}", notice.text);
    let trail = server.audit_trail(&id.to_string()).await;
    assert_eq!(trail[0], ("sessions_ended".to_owned(), "admin".to_owned()));
}

async fn last_seen_moves_at_most_once_a_minute(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start_in_process(&storage, &[("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0")]);
    let (_, _, token) = server.signed_in_customer().await;
    let seen = |sessions: Vec<Value>| sessions[0]["lastSeenAt"].as_str().unwrap().to_owned();
    let signed_in = seen(sessions_of(&server, &token).await);
    assert_eq!(
        signed_in,
        sessions_of(&server, &token).await[0]["createdAt"]
            .as_str()
            .unwrap()
    );

    server.clock().advance(Duration::from_secs(40));
    assert_eq!(server.get_json("/customers/self", &token).await.0, 200);
    assert_eq!(
        seen(sessions_of(&server, &token).await),
        signed_in,
        "within the minute: unchanged"
    );

    server.clock().advance(Duration::from_secs(30));
    assert_eq!(server.get_json("/customers/self", &token).await.0, 200);
    let later = seen(sessions_of(&server, &token).await);
    assert!(later > signed_in, "{later} after {signed_in}");
    let now = server.clock().now();
    assert_eq!(
        later[..16],
        now.format(&time::format_description::well_known::Rfc3339)
            .unwrap()[..16]
    );
}
