//! Hears, on PostgreSQL, the changes that every instance commits to what memory holds
//! (accounts and sessions, loyalty totals, tenants, API keys: triggers announce them on a
//! channel), and removes them from this instance's [`Memory`]. While it is not connected the cache answers nothing; on (re)connecting
//! it forgets everything, since writes may have gone unheard meanwhile.
//!
//! The proof that lets the cache answer is a heartbeat sent through the channel itself: the
//! listener notifies its own nonce and renews the lease only when that notification comes back.
//! PostgreSQL delivers notifications in commit order, so by then every change committed before
//! the heartbeat was sent has been heard; a connection that is up but does not deliver
//! notifications (a pooler in transaction mode, say) never renews the lease. A change is
//! therefore served stale for at most the lease (100 ms) after its commit.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;

use crate::connection::with_timeouts;
use crate::memory::Memory;

pub const CHANNEL: &str = "clientele_principals";
pub const APPLICATION: &str = "clientele-principal-listener";

/// How often the connection is polled for notifications: the most a change waits to be heard.
const POLL: Duration = Duration::from_millis(5);
/// How often a heartbeat goes round the channel (a dead peer sends no error)...
const HEARTBEAT: Duration = Duration::from_millis(30);
/// ...and for how long, from its sending, each returned heartbeat lets the cache answer: if the
/// listener hears nothing for longer (stuck on a dead connection), the cache stops answering
/// by itself.
const LEASE: Duration = Duration::from_millis(100);
/// A heartbeat not back by then: the channel does not deliver; start over.
const HEARTBEAT_LOST: Duration = Duration::from_secs(2);
/// Heartbeats are told from changes (account UUIDs) by this prefix.
const HEARTBEAT_MARK: &str = "heartbeat:";
/// Wait between connection attempts.
const RECONNECT: Duration = Duration::from_secs(1);

/// Listens on its own thread for as long as `cache` is in use.
pub fn spawn(url: String, cache: &Arc<Memory>) {
    let cache = Arc::downgrade(cache);
    std::thread::Builder::new()
        .name("clientele-principal-listener".into())
        .spawn(move || listen(&url, &cache))
        .expect("starting the principal listener thread");
}

fn listen(url: &str, cache: &Weak<Memory>) {
    let mut said_lost = false;
    loop {
        let Some(current) = cache.upgrade() else { return };
        match PgConnection::establish(&with_timeouts(url)).and_then(|mut conn| {
            // Named, so an operator sees it in pg_stat_activity.
            conn.batch_execute(&format!(
                "SET application_name = '{APPLICATION}'; LISTEN {CHANNEL}"
            ))
            .map(|()| conn)
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        }) {
            Ok(mut conn) => {
                // Writes made while nobody listened went unheard: start empty. The cache answers
                // once the first heartbeat is back.
                current.clear();
                if said_lost {
                    tracing::info!("principal cache listener reconnected; cache in use again");
                    said_lost = false;
                }
                drop(current);
                let reason = hear(&mut conn, cache);
                if let Some(current) = cache.upgrade() {
                    current.stop_answering();
                    tracing::warn!(%reason, "principal cache listener lost its connection; authenticating from the database until it is back");
                    said_lost = true;
                }
            }
            Err(error) => {
                current.stop_answering();
                if !said_lost {
                    tracing::warn!(%error, "principal cache listener cannot connect; authenticating from the database until it can");
                    said_lost = true;
                }
            }
        }
        std::thread::sleep(RECONNECT);
    }
}

/// Applies notifications and sends heartbeats until the connection fails (the reason) or the
/// cache is dropped.
fn hear(conn: &mut PgConnection, cache: &Weak<Memory>) -> String {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mut beat: u64 = 0;
    // The heartbeat on its way round: its payload and when it was sent.
    let mut pending: Option<(String, Instant)> = None;
    let mut last_sent: Option<Instant> = None;
    loop {
        let Some(current) = cache.upgrade() else {
            return "the cache is gone".into();
        };
        for notification in conn.notifications_iter() {
            let payload = match notification {
                Ok(n) => n.payload,
                Err(error) => return error.to_string(),
            };
            match payload.strip_prefix(HEARTBEAT_MARK) {
                Some(returned) => {
                    if let Some((_, sent)) = pending.as_ref().filter(|(ours, _)| ours == returned) {
                        current.renew(LEASE.saturating_sub(sent.elapsed()));
                        pending = None;
                    }
                    // Another instance's heartbeat: not a change.
                }
                None => current.hear(&payload),
            }
        }
        match &pending {
            Some((_, sent)) if sent.elapsed() >= HEARTBEAT_LOST => {
                return "the heartbeat did not come back through the channel".into();
            }
            None if last_sent.is_none_or(|at| at.elapsed() >= HEARTBEAT) => {
                beat += 1;
                let payload = format!("{nonce}-{beat}");
                let sent = Instant::now();
                if let Err(error) =
                    conn.batch_execute(&format!("NOTIFY {CHANNEL}, '{HEARTBEAT_MARK}{payload}'"))
                {
                    return error.to_string();
                }
                pending = Some((payload, sent));
                last_sent = Some(sent);
            }
            _ => {}
        }
        drop(current);
        std::thread::sleep(POLL);
    }
}
