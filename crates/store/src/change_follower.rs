//! Follows, on PostgreSQL, what every instance changes of what memory holds (accounts and
//! sessions, loyalty totals, tenants, API keys, waiting email changes, webhook endpoints):
//! triggers write each change as a row of `memory_changes` in the changing transaction, and this
//! thread reads the rows committed since its last read and forgets what they name in this
//! instance's [`Memory`]. While it cannot read, memory answers nothing; after a read that was
//! late, or on (re)connecting, it starts over with memory empty.
//!
//! A log rather than `NOTIFY`: PostgreSQL commits notifying transactions one at a time (a lock
//! held through the commit's flush to disk), so every write waited for every other; a log's rows
//! commit together like any others.
//!
//! Each read is one statement returning its own snapshot with the rows of the transactions that
//! the previous read's snapshot saw unfinished (in progress then, or begun since): a
//! transaction's rows are read once, by the first read that sees it committed, whatever order
//! transactions commit in. Every change committed before a read was sent has therefore been
//! heard when it returns: that renews the lease, and memory answers for 100 ms from the read's
//! sending. A change is served stale for at most that long after its commit (about one read
//! interval, 5 ms, when nothing is slow).

use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::connection::with_timeouts;
use crate::memory::Memory;
use crate::snapshot::Snapshot;

pub const APPLICATION: &str = "clientele-change-follower";

/// How long after a read the next is sent: about the most a change waits to be heard.
const INTERVAL: Duration = Duration::from_millis(5);
/// For how long, from its sending, each read lets memory answer: if the follower cannot read for
/// longer (stuck on a dead connection), memory stops answering by itself.
const LEASE: Duration = Duration::from_millis(100);
/// A read that returns this long after the previous one was sent starts over: rows it has not
/// read may have been pruned meanwhile.
const LATE: Duration = Duration::from_secs(2);
/// Rows are kept this long after every transaction older than theirs had finished (longer than
/// [`LATE`], so that a follower that is not late has read them).
const KEEP: Duration = Duration::from_secs(5);
/// How often a read's horizon is noted for pruning: about how often the log is pruned.
const HORIZON_EVERY: Duration = Duration::from_secs(1);
/// The read, prepared on the follower's connection: the rows of the transactions a snapshot saw
/// unfinished (begun since its `xmax`, $1, or in progress then, $2), at most $3 of them, with
/// this statement's own snapshot.
const PREPARE_READ: &str = "PREPARE clientele_read_changes (bigint, bigint[], bigint) AS \
    SELECT pg_current_snapshot()::text AS snapshot, \
    ARRAY(SELECT payload FROM (SELECT payload FROM memory_changes WHERE xid >= $1 \
          UNION ALL SELECT payload FROM memory_changes WHERE xid = ANY($2)) AS changes \
          LIMIT $3) AS payloads, \
    pg_postmaster_start_time()::text AS started";
/// More changes than this in one read (a bulk update, a follower back after a while) are not
/// read one by one: memory is forgotten whole instead.
const MOST_PER_READ: usize = 10_000;
/// How often the follower looks for instances of an earlier version, which listened for
/// `NOTIFY` and hear nothing now.
const OLDER_INSTANCES_EVERY: Duration = Duration::from_secs(5);
/// Their listener's application name, and the channel it listens on.
const OLDER_LISTENER: &str = "clientele-principal-listener";
const OLDER_CHANNEL: &str = "clientele_principals";
/// Wait between connection attempts.
const RECONNECT: Duration = Duration::from_secs(1);

/// Follows on its own thread for as long as `memory` is in use.
pub fn spawn(url: String, memory: &Arc<Memory>) {
    let memory = Arc::downgrade(memory);
    std::thread::Builder::new()
        .name(APPLICATION.into())
        .spawn(move || follow(&url, &memory))
        .expect("starting the change follower thread");
}

fn follow(url: &str, memory: &Weak<Memory>) {
    let mut said_lost = false;
    loop {
        let Some(current) = memory.upgrade() else { return };
        match PgConnection::establish(&with_timeouts(url)).and_then(|mut conn| {
            // Named, so an operator sees it in pg_stat_activity.
            // The log is read by ranges of its index: a table this young and busy has no
            // statistics to tell the planner so, and a scan of all of it every 5 ms is not cheap.
            // The read is prepared once, not parsed and planned 200 times a second.
            conn.batch_execute(&format!(
                "SET application_name = '{APPLICATION}'; SET enable_seqscan = off; {PREPARE_READ}"
            ))
            .map(|()| conn)
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        }) {
            Ok(mut conn) => {
                if said_lost {
                    tracing::info!("change follower reconnected; memory in use again");
                    said_lost = false;
                }
                drop(current);
                let reason = read_on(&mut conn, memory);
                if let Some(current) = memory.upgrade() {
                    current.stop_answering();
                    tracing::warn!(%reason, "change follower lost its connection; reading from the database until it is back");
                    said_lost = true;
                }
            }
            Err(error) => {
                current.stop_answering();
                if !said_lost {
                    tracing::warn!(%error, "change follower cannot connect; reading from the database until it can");
                    said_lost = true;
                }
            }
        }
        std::thread::sleep(RECONNECT);
    }
}

/// Reads changes until the connection fails (the reason) or memory is dropped.
fn read_on(conn: &mut PgConnection, memory: &Weak<Memory>) -> String {
    // The previous read: its snapshot, when it was sent (by both clocks: the monotonic one
    // stops while the host sleeps), and when PostgreSQL started (a restart empties the log).
    let mut previous: Option<(Read, Instant, SystemTime)> = None;
    // Snapshots of past reads and when each came back: rows of the transactions one of them
    // saw finished may go once it is `KEEP` old.
    let mut horizons: VecDeque<(Snapshot, Instant)> = VecDeque::new();
    let mut older: Option<(Instant, bool)> = None;
    loop {
        let Some(current) = memory.upgrade() else {
            return "memory is gone".into();
        };
        let (sent, sent_at) = (Instant::now(), SystemTime::now());
        let read = match read(conn, previous.as_ref().map(|(read, _, _)| &read.snapshot)) {
            Ok(read) => read,
            Err(error) => return error,
        };
        let start_over = match &previous {
            None => true,
            Some((before, before_sent, before_sent_at)) => {
                before_sent.elapsed() > LATE
                    || !matches!(before_sent_at.elapsed(), Ok(since) if since <= LATE)
                    || before.started != read.started
            }
        };
        if start_over || read.payloads.len() > MOST_PER_READ {
            // Whatever changed before this read's snapshot, unread, pruned or more than a read
            // takes, is forgotten with everything: what is loaded from now on is at least as new.
            current.clear();
        } else {
            for payload in &read.payloads {
                current.hear(payload);
            }
        }
        current.renew(LEASE.saturating_sub(sent.elapsed()));
        if let Err(error) = prune(conn, &mut horizons, &read.snapshot) {
            return error;
        }
        if older.is_none_or(|(at, _)| at.elapsed() >= OLDER_INSTANCES_EVERY) {
            match older_instances(conn) {
                Ok(count) => {
                    if count > 0 {
                        tracing::error!(
                            older = count,
                            "instances of an earlier version are connected to this database: they do not read the change log; stop them (meanwhile they are told to forget everything whenever anything changes)"
                        );
                    }
                    older = Some((Instant::now(), count > 0));
                }
                Err(error) => return error,
            }
        }
        if older.is_some_and(|(_, seen)| seen) {
            // Their listener forgets everything on a payload it cannot read: told after every
            // read, they hardly answer from memory at all.
            if let Err(error) = conn.batch_execute(&format!("NOTIFY {OLDER_CHANNEL}, 'changed'")) {
                return error.to_string();
            }
        }
        previous = Some((read, sent, sent_at));
        drop(current);
        std::thread::sleep(INTERVAL);
    }
}

/// Deletes the rows of the transactions that a snapshot `KEEP` old saw finished: a follower
/// that is not late has read them (its previous read was sent less than `LATE` ago).
fn prune(
    conn: &mut PgConnection,
    horizons: &mut VecDeque<(Snapshot, Instant)>,
    latest: &Snapshot,
) -> Result<(), String> {
    if horizons
        .back()
        .is_none_or(|(_, at)| at.elapsed() >= HORIZON_EVERY)
    {
        horizons.push_back((latest.clone(), Instant::now()));
    }
    let mut prunable = None;
    while let Some((snapshot, _)) = horizons.front().filter(|(_, at)| at.elapsed() >= KEEP) {
        prunable = Some(snapshot.clone());
        horizons.pop_front();
    }
    let Some(old) = prunable else {
        return Ok(());
    };
    // Also those of the transactions it saw finished above any still in progress then, so
    // that a transaction left open does not keep the log growing.
    diesel::sql_query("DELETE FROM memory_changes WHERE xid < $1 AND xid <> ALL($2)")
        .bind::<BigInt, _>(old.xmax)
        .bind::<Array<BigInt>, _>(old.in_progress)
        .execute(conn)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    connections: i64,
}

fn older_instances(conn: &mut PgConnection) -> Result<i64, String> {
    diesel::sql_query(
        "SELECT count(*) AS connections FROM pg_stat_activity \
         WHERE application_name = $1 AND datname = current_database()",
    )
    .bind::<Text, _>(OLDER_LISTENER)
    .get_result::<Count>(conn)
    .map(|count| count.connections)
    .map_err(|e| e.to_string())
}

struct Read {
    snapshot: Snapshot,
    payloads: Vec<String>,
    /// When PostgreSQL started.
    started: String,
}

#[derive(QueryableByName)]
struct ReadRow {
    #[diesel(sql_type = Text)]
    snapshot: String,
    #[diesel(sql_type = Array<Text>)]
    payloads: Vec<String>,
    #[diesel(sql_type = Text)]
    started: String,
}

/// The rows of the transactions `after` saw unfinished and this read's snapshot sees committed
/// (none without `after`), in one statement so that both are of one snapshot: those begun since
/// (one range of the index) and those in progress then (one lookup each, however far back).
fn read(conn: &mut PgConnection, after: Option<&Snapshot>) -> Result<Read, String> {
    // Without a previous snapshot nothing is unfinished: no row is read.
    let (xmax, in_progress) = match after {
        Some(snapshot) => (snapshot.xmax, snapshot.in_progress.clone()),
        None => (i64::MAX, Vec::new()),
    };
    // Numbers only, written by this process: nothing to quote. (`EXECUTE` takes no bound
    // parameters.)
    let in_progress = in_progress
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let row: ReadRow = diesel::sql_query(format!(
        "EXECUTE clientele_read_changes({xmax}, '{{{in_progress}}}', {})",
        MOST_PER_READ + 1
    ))
    .get_result(conn)
    .map_err(|e| e.to_string())?;
    let snapshot =
        Snapshot::parse(&row.snapshot).ok_or_else(|| format!("an unreadable snapshot: {}", row.snapshot))?;
    Ok(Read {
        snapshot,
        payloads: row.payloads,
        started: row.started,
    })
}
