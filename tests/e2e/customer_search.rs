//! The back office finds its customers: by email prefix, name, phone as the tenant's region
//! reads it, numeric id, UUID and an earlier system's id; by status and creation date; newest
//! first, a few hundred paged through without a duplicate or a gap, even while customers are
//! created between pages.

use std::collections::HashSet;

use clientele_e2e::Server;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

crate::on_both_backends!(customers_are_found_by_every_key_and_paged_without_gaps);

const CUSTOMERS: usize = 240;

async fn search(server: &Server, query: &str) -> (u16, Value) {
    server
        .admin(Method::GET, &format!("/admin/v1/customers?{query}"), None)
        .await
}

fn ids(page: &Value) -> Vec<i64> {
    page["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

async fn customers_are_found_by_every_key_and_paged_without_gaps(server: Server) {
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let mut made = Vec::new();
    for batch in (0..CUSTOMERS).collect::<Vec<_>>().chunks(16) {
        let created = join_all(batch.iter().map(|i| {
            let email = format!("p{i:03}.{tag}@example.com");
            let extra = json!({"firstName": format!("Name{i:03}"), "lastName": format!("Family{tag}")});
            let server = &server;
            async move {
                server
                    .create_customer(&email, "a long enough password", extra)
                    .await
            }
        }))
        .await;
        made.extend(created);
    }
    let special = server
        .create_customer(
            &format!("zelda.{tag}@example.com"),
            "a long enough password",
            json!({"firstName": "Zelda", "lastName": "Quest", "phone": "+4930901820", "externalId": format!("legacy-{tag}")}),
        )
        .await;
    let special_id = special["id"].as_i64().unwrap();

    // Paged through, newest first: everyone once, also with customers created meanwhile.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut created_between = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=37&cursor={c}"),
            None => "limit=37".to_owned(),
        };
        let (status, page) = search(&server, &query).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(ids(&page));
        if created_between < 3 {
            let email = format!("late{created_between}.{tag}@example.com");
            server
                .create_customer(&email, "a long enough password", json!({}))
                .await;
            created_between += 1;
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no customer twice");
    assert_eq!(
        seen.len(),
        CUSTOMERS + 1,
        "everyone there was at the first page, none later"
    );
    assert_eq!(seen[0], special_id, "newest first");
    let all: HashSet<i64> = made
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .chain([special_id])
        .collect();
    assert_eq!(unique, all);

    // Each key.
    let (_, found) = search(&server, "q=p01").await;
    assert!(ids(&found).len() >= 10, "an email prefix: {found}");
    let (_, found) = search(&server, &format!("q=zelda.{tag}@EXAMPLE")).await;
    assert_eq!(ids(&found), [special_id], "an email prefix, any case");
    let (_, found) = search(&server, "q=zeld").await;
    assert_eq!(ids(&found), [special_id], "a first name prefix");
    let (_, found) = search(&server, "q=QUEST").await;
    assert_eq!(ids(&found), [special_id], "a last name");
    let (_, found) = search(&server, &format!("q=family{tag}&limit=100")).await;
    assert_eq!(ids(&found).len(), 100);
    assert!(found["nextCursor"].is_string());
    let (_, found) = search(&server, "q=%2B49%2030%20901820").await;
    assert_eq!(ids(&found), [special_id], "a phone in international form");
    let (status, _) = server
        .admin(
            Method::PATCH,
            "/admin/v1/tenants/default",
            Some(json!({"settings": {"phoneRegion": "DE"}})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, found) = search(&server, "q=030%20901820").await;
    assert_eq!(
        ids(&found),
        [special_id],
        "a national number, as the tenant's region reads it"
    );
    let (_, found) = search(&server, &format!("q={special_id}")).await;
    assert_eq!(ids(&found), [special_id], "the numeric id");
    let (_, found) = search(&server, &format!("q={}", special["uuid"].as_str().unwrap())).await;
    assert_eq!(ids(&found), [special_id], "the uuid");
    let (_, found) = search(&server, &format!("q=legacy-{tag}")).await;
    assert_eq!(ids(&found), [special_id], "an earlier system's id");
    assert_eq!(found["customers"][0]["externalId"], format!("legacy-{tag}"));
    let (_, found) = search(&server, "q=nobody-by-this-name").await;
    assert_eq!(found, json!({"customers": [], "nextCursor": null}));

    // Filters.
    let token = server
        .login(&format!("zelda.{tag}@example.com"), "a long enough password")
        .await;
    let (status, _) = server
        .request(Method::DELETE, "/customers/self", Some(&token), None)
        .await;
    assert_eq!(status, 200);
    let (_, closed) = server
        .admin(Method::GET, &format!("/admin/v1/customers/{special_id}"), None)
        .await;
    let status = closed["status"].as_str().unwrap();
    assert_ne!(status, "active");
    let (_, found) = search(&server, &format!("status={status}")).await;
    assert_eq!(ids(&found), [special_id], "{found}");
    let (_, found) = search(&server, "status=active&limit=100").await;
    assert!(!ids(&found).contains(&special_id));
    let today = time::OffsetDateTime::now_utc().date();
    let (_, found) = search(&server, &format!("createdFrom={today}&createdTo={today}&limit=5")).await;
    assert_eq!(ids(&found).len(), 5, "{found}");
    let yesterday = today.previous_day().unwrap();
    let (_, found) = search(&server, &format!("createdTo={yesterday}")).await;
    assert_eq!(ids(&found), Vec::<i64>::new(), "{found}");
    let (_, found) = search(&server, &format!("q={special_id}&createdFrom={today}T00:00:00Z")).await;
    assert_eq!(ids(&found), [special_id]);

    for bad in [
        "status=bogus",
        "cursor=zz",
        "limit=0",
        "limit=101",
        "createdFrom=yesterday",
        "createdFrom=2026-12-07&createdTo=2026-12-01",
    ] {
        let (status, problem) = search(&server, bad).await;
        assert_eq!(status, 400, "{bad}: {problem}");
        assert!(problem["errors"].is_object(), "{bad}: {problem}");
    }
    // Within the tenant the header names: another tenant's customers are not found, and its
    // search finds only its own.
    let (status, _) = server
        .admin(
            Method::POST,
            "/admin/v1/tenants",
            Some(json!({"id": "acme", "name": "Acme"})),
        )
        .await;
    assert_eq!(status, 201);
    let in_acme = |path: String| {
        server
            .http
            .request(Method::GET, server.url(&path))
            .bearer_auth(clientele_e2e::ADMIN_TOKEN)
            .header("tenant", "acme")
    };
    let theirs = server
        .http
        .post(server.url("/admin/v1/customers"))
        .bearer_auth(clientele_e2e::ADMIN_TOKEN)
        .header("tenant", "acme")
        .json(
            &json!({"email": format!("p010.{tag}@example.com"), "password": "a long enough password",
                      "externalId": format!("legacy-{tag}")}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs.status(),
        201,
        "the same address and external id in another tenant"
    );
    let theirs: Value = theirs.json().await.unwrap();
    let (_, found) = search(&server, &format!("q=p010.{tag}")).await;
    assert_eq!(
        ids(&found),
        [made[10]["id"].as_i64().unwrap()],
        "only the default tenant's"
    );
    let found: Value = in_acme(format!("/admin/v1/customers?q=p0{}", ""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&found), [theirs["id"].as_i64().unwrap()], "only acme's");
    let found: Value = in_acme(format!("/admin/v1/customers?q={special_id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&found), Vec::<i64>::new(), "another tenant's numeric id");
    let response = server
        .http
        .get(server.url(&format!("/admin/v1/customers?q={special_id}")))
        .bearer_auth(clientele_e2e::ADMIN_TOKEN)
        .header("tenant", "nobody")
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), 200, "an unknown tenant finds nothing");
}
