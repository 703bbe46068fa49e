//! Reads the query plan of every statement the store ran and refuses full table scans: every
//! lookup on the request path must use an index, whatever the table's size.
//!
//! diesel's instrumentation records each statement with the URL of the connection that ran it
//! (the recorder is process-wide, so the tests of this binary running alongside are recorded too;
//! only the statements of the database under test are read). Only statements the contract runs
//! are read: a new lookup needs a contract case, which it should have anyway.

use std::collections::BTreeSet;
use std::sync::Mutex;

use diesel::connection::{
    set_default_instrumentation, Instrumentation, InstrumentationEvent, SimpleConnection,
};
use diesel::pg::PgConnection;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};

/// (connection URL, statement text with the binds left out)
static RECORDED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// The tables of the schema: a scan of one of these is what the test refuses.
const TABLES: [&str; 18] = [
    "accounts",
    "audit_log",
    "deletion_requests",
    "sessions",
    "flows",
    "outbox",
    "tenants",
    "instance_secrets",
    "wallet_entries",
    "orders",
    "wallet_days",
    "order_totals",
    "webhook_endpoints",
    "webhook_events",
    "webhook_deliveries",
    "webhook_attempts",
    "customer_imports",
    "message_templates",
];

fn recorder() -> Option<Box<dyn Instrumentation>> {
    let mut url = String::new();
    Some(Box::new(move |event: InstrumentationEvent<'_>| match event {
        InstrumentationEvent::StartEstablishConnection { url: target, .. } => url = target.to_owned(),
        InstrumentationEvent::StartQuery { query, .. } => {
            let text = query.to_string();
            let sql = text
                .split(" -- binds: ")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            RECORDED.lock().unwrap().push((url.clone(), sql));
        }
        _ => {}
    }))
}

/// Starts recording; connections opened from now on are recorded.
pub fn record_statements() {
    set_default_instrumentation(recorder).expect("instrumentation installed");
}

/// Whether a connection was opened to `url`: the store adds its timeouts to a PostgreSQL URL's
/// query string.
fn same_database(on: &str, url: &str) -> bool {
    on.strip_prefix(url)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('?') || rest.starts_with('&'))
}

/// How many statements connections to `url` have run so far.
pub fn statements_on(url: &str) -> usize {
    RECORDED
        .lock()
        .unwrap()
        .iter()
        .filter(|(on, _)| same_database(on, url))
        .count()
}

/// The distinct lookups (statements that read or change rows selected by a condition) run on
/// connections to `url`.
fn lookups_on(url: &str) -> BTreeSet<String> {
    RECORDED
        .lock()
        .unwrap()
        .iter()
        .filter(|(on, _)| same_database(on, url))
        .map(|(_, sql)| sql.clone())
        .filter(|sql| {
            let upper = sql.to_ascii_uppercase();
            ["SELECT", "UPDATE", "DELETE", "WITH"]
                .iter()
                .any(|verb| upper.starts_with(verb))
                && upper.contains(" WHERE ")
                && TABLES
                    .iter()
                    .any(|table| sql.contains(&format!("\"{table}\"")) || sql.contains(table))
        })
        .collect()
}

#[derive(QueryableByName)]
struct SqlitePlanStep {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanLine {
    #[diesel(sql_type = Text)]
    line: String,
}

/// A plan step that reads a whole table, e.g. SQLite's `SCAN accounts` or a temporary index it
/// builds for the one query (`AUTOMATIC … INDEX`), PostgreSQL's `Seq Scan on accounts`.
fn full_scan(step: &str) -> Option<&'static str> {
    let step = step.trim().trim_start_matches("->").trim();
    TABLES.iter().copied().find(|table| {
        let named = |rest: &str| {
            rest.trim_matches('"') == *table
                || rest.starts_with(&format!("{table} "))
                || rest.starts_with(&format!("\"{table}\""))
        };
        let sqlite_scan = step.strip_prefix("SCAN ").is_some_and(named);
        let sqlite_automatic = step.strip_prefix("SEARCH ").is_some_and(named) && step.contains("AUTOMATIC");
        let postgres = step.starts_with(&format!("Seq Scan on {table}"));
        sqlite_scan || sqlite_automatic || postgres
    })
}

/// PostgreSQL: an index scan with no `Index Cond` reads the whole index (for its order, say),
/// which is a full scan too. The node's details are the lines after it, indented deeper, up
/// to the next node.
fn full_index_scan(plan: &[String]) -> Option<&'static str> {
    let indent = |line: &str| line.len() - line.trim_start().len();
    plan.iter().enumerate().find_map(|(at, line)| {
        let node = line.trim().trim_start_matches("->").trim();
        if !(node.starts_with("Index Scan") || node.starts_with("Index Only Scan")) {
            return None;
        }
        let table = TABLES
            .iter()
            .copied()
            .find(|t| node.contains(&format!(" on {t} ")) || node.ends_with(&format!(" on {t}")))?;
        let conditioned = plan[at + 1..]
            .iter()
            .take_while(|l| indent(l) > indent(line) && !l.trim().starts_with("->"))
            .any(|l| l.contains("Index Cond:"));
        (!conditioned).then_some(table)
    })
}

fn refuse_full_scans(plans: Vec<(String, Vec<String>)>) {
    assert!(
        plans.len() >= 20,
        "the contract ran only {} distinct lookups: is the recorder installed?",
        plans.len()
    );
    let scans: Vec<String> = plans
        .iter()
        .filter_map(|(sql, steps)| {
            let table = steps
                .iter()
                .find_map(|step| full_scan(step))
                .or_else(|| full_index_scan(steps))?;
            Some(format!(
                "{table} scanned by:\n  {sql}\n  plan:\n    {}",
                steps.join("\n    ")
            ))
        })
        .collect();
    assert!(
        scans.is_empty(),
        "full table scans on the request path:\n{}",
        scans.join("\n\n")
    );
}

/// Asks SQLite for the plan of every lookup run on the database file at `path`.
pub fn sqlite_plans_use_indexes(path: &str) {
    let mut connection = SqliteConnection::establish(path).unwrap();
    let plans = lookups_on(path)
        .into_iter()
        .map(|sql| {
            let steps = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                .load::<SqlitePlanStep>(&mut connection)
                .unwrap_or_else(|e| panic!("EXPLAIN QUERY PLAN {sql}: {e}"));
            (sql, steps.into_iter().map(|s| s.detail).collect())
        })
        .collect();
    refuse_full_scans(plans);
}

/// Asks PostgreSQL for the generic plan (the one that serves any bind values) of every lookup
/// run on `url`, with sequential scans priced out so that a usable index is always chosen: a
/// `Seq Scan` left in the plan means no index serves the lookup, whatever the table's size.
pub fn postgres_plans_use_indexes(url: &str) {
    let mut connection = PgConnection::establish(url).unwrap();
    connection
        .batch_execute(
            "SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan;
             CREATE FUNCTION pg_temp.plan_of(statement text) RETURNS SETOF text AS $$
             BEGIN RETURN QUERY EXECUTE 'EXPLAIN ' || statement; END $$ LANGUAGE plpgsql;",
        )
        .unwrap();
    let plans = lookups_on(url)
        .into_iter()
        .enumerate()
        .map(|(n, sql)| {
            let parameters = (1..=64).take_while(|i| sql.contains(&format!("${i}"))).count();
            connection
                .batch_execute(&format!("PREPARE lookup_{n} AS {sql}"))
                .unwrap_or_else(|e| panic!("PREPARE {sql}: {e}"));
            let arguments = vec!["NULL"; parameters].join(", ");
            let execute = if parameters == 0 {
                format!("EXECUTE lookup_{n}")
            } else {
                format!("EXECUTE lookup_{n}({arguments})")
            };
            let lines = diesel::sql_query("SELECT pg_temp.plan_of($1) AS line")
                .bind::<Text, _>(&execute)
                .load::<PgPlanLine>(&mut connection)
                .unwrap_or_else(|e| panic!("EXPLAIN {sql}: {e}"));
            (sql, lines.into_iter().map(|l| l.line).collect())
        })
        .collect();
    refuse_full_scans(plans);
}

#[test]
fn the_detectors_know_a_full_scan_when_they_see_one() {
    assert_eq!(full_scan("SCAN accounts"), Some("accounts"));
    assert_eq!(
        full_scan("SEARCH flows USING AUTOMATIC COVERING INDEX (x=?)"),
        Some("flows")
    );
    assert_eq!(
        full_scan(
            "SEARCH accounts USING INDEX accounts_tenant_email_key (tenant_id=? AND email_normalized=?)"
        ),
        None
    );
    assert_eq!(
        full_scan("  ->  Seq Scan on sessions  (cost=1.00..2.00 rows=1 width=8)"),
        Some("sessions")
    );
    let plan = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    let ordered_only = plan(&[
        "Limit  (cost=0.15..1.00 rows=1 width=8)",
        "  ->  Index Scan Backward using outbox_listing_idx on outbox  (cost=0.15..50.00 rows=10 width=8)",
        "        Filter: (status = $1)",
    ]);
    assert_eq!(full_index_scan(&ordered_only), Some("outbox"));
    let conditioned = plan(&[
        "Index Scan using accounts_pkey on accounts  (cost=0.15..8.17 rows=1 width=8)",
        "  Index Cond: (uuid = $1)",
        "  Filter: (tenant_id = $2)",
    ]);
    assert_eq!(full_index_scan(&conditioned), None);
}
