//! Hears, on PostgreSQL, the changes of accounts and sessions that every instance commits (a
//! trigger announces them on a channel), and removes them from this instance's
//! [`PrincipalCache`]. While it is not connected the cache answers nothing; on (re)connecting
//! it forgets everything, since writes may have gone unheard meanwhile.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use clientele_domain::account::AccountUuid;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;

use crate::principal_cache::PrincipalCache;

pub const CHANNEL: &str = "clientele_principals";
pub const APPLICATION: &str = "clientele-principal-listener";

/// How often the connection is polled for notifications: the most a change waits to be heard.
const POLL: Duration = Duration::from_millis(5);
/// How often a round trip proves the connection alive (a dead peer sends no error)...
const HEARTBEAT: Duration = Duration::from_millis(30);
/// ...and for how long each proof lets the cache answer: if the listener hears nothing for
/// longer (stuck on a dead connection), the cache stops answering by itself.
const LEASE: Duration = Duration::from_millis(100);
/// Wait between connection attempts.
const RECONNECT: Duration = Duration::from_secs(1);

/// Listens on its own thread for as long as `cache` is in use.
pub fn spawn(url: String, cache: &Arc<PrincipalCache>) {
    let cache = Arc::downgrade(cache);
    std::thread::Builder::new()
        .name("clientele-principal-listener".into())
        .spawn(move || listen(&url, &cache))
        .expect("starting the principal listener thread");
}

fn listen(url: &str, cache: &Weak<PrincipalCache>) {
    let mut said_lost = false;
    loop {
        let Some(current) = cache.upgrade() else { return };
        match PgConnection::establish(url).and_then(|mut conn| {
            // Named, so an operator sees it in pg_stat_activity.
            conn.batch_execute(&format!(
                "SET application_name = '{APPLICATION}'; LISTEN {CHANNEL}"
            ))
            .map(|()| conn)
            .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        }) {
            Ok(mut conn) => {
                // Writes made while nobody listened went unheard: start empty.
                current.clear();
                current.renew(LEASE);
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

/// Applies notifications until the connection fails (the reason) or the cache is dropped.
fn hear(conn: &mut PgConnection, cache: &Weak<PrincipalCache>) -> String {
    let mut alive_at = Instant::now();
    loop {
        let Some(current) = cache.upgrade() else {
            return "the cache is gone".into();
        };
        for notification in conn.notifications_iter() {
            match notification {
                Ok(n) => forget(&current, &n.payload),
                Err(error) => return error.to_string(),
            }
        }
        if alive_at.elapsed() >= HEARTBEAT {
            let asked = Instant::now();
            if let Err(error) = conn.batch_execute("SELECT 1") {
                return error.to_string();
            }
            // Notifications sent before the answer are read before anything is served on the
            // strength of this proof.
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(n) => forget(&current, &n.payload),
                    Err(error) => return error.to_string(),
                }
            }
            current.renew(LEASE.saturating_sub(asked.elapsed()));
            alive_at = Instant::now();
        }
        drop(current);
        std::thread::sleep(POLL);
    }
}

fn forget(cache: &PrincipalCache, payload: &str) {
    match uuid::Uuid::parse_str(payload) {
        Ok(uuid) => cache.invalidate_account(AccountUuid(uuid)),
        // Not ours to read: forget everything rather than keep something stale.
        Err(_) => cache.clear(),
    }
}
