//! The authenticated principal (a live session with its account) held in memory, so that the
//! check every authenticated request makes costs no database round trip.
//!
//! It may answer only while it cannot be stale: every write of this process that changes an
//! account or a session removes the entries concerned once it has committed, and on PostgreSQL
//! a listener hears the writes of every other instance (a trigger notifies at commit) and does
//! the same. The listener holds a lease that it renews with every round trip that proves its
//! connection alive: once the lease runs out (connection lost, or stuck without an error) the
//! cache answers nothing, and it starts over empty when the listener is back. A load that
//! started before an invalidation does not put what it read (a generation counter), so a
//! stale row never lands after the invalidation that should have removed it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clientele_domain::account::{Account, AccountUuid};
use clientele_domain::session::{Session, SessionId};
use time::OffsetDateTime;

/// Most principals held; past it the cache starts over (memory stays bounded).
const CAPACITY: usize = 20_000;

#[derive(Default)]
struct Entries {
    by_session: HashMap<SessionId, (Session, Account)>,
    by_account: HashMap<AccountUuid, Vec<SessionId>>,
}

pub struct PrincipalCache {
    entries: Mutex<Entries>,
    generation: AtomicU64,
    /// Until when (milliseconds after `base`) the cache may answer; `u64::MAX`: always.
    answers_until: AtomicU64,
    base: Instant,
}

impl PrincipalCache {
    /// A cache that answers from the start (every writer of the database is this process).
    pub fn enabled() -> Self {
        Self::new(true)
    }

    /// A cache that answers nothing until [`Self::set_enabled`] (a listener is connected).
    pub fn disabled() -> Self {
        Self::new(false)
    }

    fn new(enabled: bool) -> Self {
        PrincipalCache {
            entries: Mutex::new(Entries::default()),
            generation: AtomicU64::new(0),
            answers_until: AtomicU64::new(if enabled { u64::MAX } else { 0 }),
            base: Instant::now(),
        }
    }

    fn millis_now(&self) -> u64 {
        self.base.elapsed().as_millis() as u64
    }

    fn answering(&self) -> bool {
        self.millis_now() < self.answers_until.load(Ordering::Acquire)
    }

    /// The listener proved its connection alive: the cache may answer for `lease` more.
    pub fn renew(&self, lease: Duration) {
        let until = self.millis_now() + lease.as_millis() as u64;
        self.answers_until.fetch_max(until, Ordering::AcqRel);
    }

    /// The listener lost its connection (or is starting over): answer nothing, hold nothing.
    pub fn stop_answering(&self) {
        self.answers_until.store(0, Ordering::Release);
        self.clear();
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live session `id` with its account, if held and unexpired at `now`.
    pub fn get(&self, id: SessionId, now: OffsetDateTime) -> Option<(Session, Account)> {
        if !self.answering() {
            return None;
        }
        let entries = self.entries();
        let (session, account) = entries.by_session.get(&id)?;
        (session.expires_at > now && session.revoked_at.is_none()).then(|| (session.clone(), account.clone()))
    }

    /// Taken before loading from the database; [`Self::put`] needs it unchanged.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Holds what a load that began at `generation` read, unless anything was invalidated since.
    pub fn put(&self, generation: u64, session: Session, account: Account) {
        if !self.answering() {
            return;
        }
        let mut entries = self.entries();
        // Checked under the lock that invalidations take too.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.by_session.len() >= CAPACITY {
            *entries = Entries::default();
        }
        entries
            .by_account
            .entry(account.uuid)
            .or_default()
            .push(session.id);
        entries.by_session.insert(session.id, (session, account));
    }

    /// The account (and so every session of it) changed.
    pub fn invalidate_account(&self, account: AccountUuid) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(sessions) = entries.by_account.remove(&account) {
            for session in sessions {
                entries.by_session.remove(&session);
            }
        }
    }

    /// One session changed (revoked).
    pub fn invalidate_session(&self, session: SessionId) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some((_, account)) = entries.by_session.remove(&session) {
            if let Some(sessions) = entries.by_account.get_mut(&account.uuid) {
                sessions.retain(|s| *s != session);
            }
        }
    }

    /// Forgets `account` when the returned guard drops: once the write it guards has finished,
    /// whatever its outcome (it may have committed even when it reports a failure).
    pub fn forget_account_after(self: &Arc<Self>, account: AccountUuid) -> Forget {
        Forget {
            cache: self.clone(),
            what: Forgotten::Account(account),
        }
    }

    /// As [`Self::forget_account_after`], for one session.
    pub fn forget_session_after(self: &Arc<Self>, session: SessionId) -> Forget {
        Forget {
            cache: self.clone(),
            what: Forgotten::Session(session),
        }
    }

    /// Forgets everything: what was held may have changed unheard.
    pub fn clear(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        *entries = Entries::default();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().by_session.len()
    }
}

enum Forgotten {
    Account(AccountUuid),
    Session(SessionId),
}

/// Removes what a write changes from the cache when the write is over (see
/// [`PrincipalCache::forget_account_after`]).
#[must_use = "the entry is forgotten when the guard drops, after the write"]
pub struct Forget {
    cache: Arc<PrincipalCache>,
    what: Forgotten,
}

impl Drop for Forget {
    fn drop(&mut self) {
        match self.what {
            Forgotten::Account(account) => self.cache.invalidate_account(account),
            Forgotten::Session(session) => self.cache.invalidate_session(session),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 UTC);

    fn principal(account: u128, session: u128) -> (Session, Account) {
        let mut a = plain_account();
        a.uuid = AccountUuid(Uuid::from_u128(account));
        let s = Session {
            id: SessionId(Uuid::from_u128(session)),
            tenant: a.tenant.clone(),
            account: a.uuid,
            created_at: NOW,
            expires_at: NOW + time::Duration::hours(1),
            revoked_at: None,
        };
        (s, a)
    }

    fn plain_account() -> Account {
        use clientele_domain::account::{AccountStatus, PublicId};
        use clientele_domain::tenant::TenantId;
        Account {
            uuid: AccountUuid(Uuid::nil()),
            public_id: PublicId(12_345_678_901_234),
            tenant: TenantId::default_tenant(),
            status: AccountStatus::Active,
            email: None,
            email_confirmed: false,
            email_temporary: false,
            password_hash: None,
            two_factor: false,
            profile: Default::default(),
            sign_in: Default::default(),
            created_at: NOW,
            updated_at: NOW,
            version: 0,
        }
    }

    #[test]
    fn holds_until_the_account_or_session_changes_or_it_expires() {
        let cache = PrincipalCache::enabled();
        let (s1, a) = principal(1, 10);
        let (s2, _) = principal(1, 11);
        let (s3, b) = principal(2, 20);
        for (s, acc) in [(s1.clone(), a.clone()), (s2.clone(), a.clone()), (s3.clone(), b)] {
            cache.put(cache.generation(), s, acc);
        }
        assert!(cache.get(s1.id, NOW).is_some());
        assert!(cache.get(s1.id, s1.expires_at).is_none(), "expired");
        cache.invalidate_session(s1.id);
        assert!(cache.get(s1.id, NOW).is_none());
        assert!(cache.get(s2.id, NOW).is_some());
        cache.invalidate_account(a.uuid);
        assert!(cache.get(s2.id, NOW).is_none());
        assert!(cache.get(s3.id, NOW).is_some(), "other accounts stay");
    }

    #[test]
    fn a_load_that_began_before_an_invalidation_is_not_held() {
        let cache = PrincipalCache::enabled();
        let (s, a) = principal(1, 10);
        let began = cache.generation();
        cache.invalidate_account(AccountUuid(Uuid::from_u128(99)));
        cache.put(began, s.clone(), a);
        assert!(cache.get(s.id, NOW).is_none());
    }

    #[test]
    fn a_cache_whose_listener_is_gone_answers_nothing_and_forgets() {
        let cache = PrincipalCache::disabled();
        let (s, a) = principal(1, 10);
        cache.put(cache.generation(), s.clone(), a.clone());
        assert!(cache.get(s.id, NOW).is_none(), "deaf from the start");
        cache.renew(Duration::from_secs(60));
        cache.put(cache.generation(), s.clone(), a.clone());
        assert!(cache.get(s.id, NOW).is_some());
        cache.stop_answering();
        assert!(cache.get(s.id, NOW).is_none());
        assert_eq!(cache.len(), 0, "nothing held from before it went deaf");
    }

    #[test]
    fn a_lease_that_is_not_renewed_runs_out() {
        let cache = PrincipalCache::disabled();
        let (s, a) = principal(1, 10);
        cache.renew(Duration::from_millis(30));
        cache.put(cache.generation(), s.clone(), a);
        assert!(cache.get(s.id, NOW).is_some());
        std::thread::sleep(std::time::Duration::from_millis(60));
        assert!(
            cache.get(s.id, NOW).is_none(),
            "a listener stuck without an error stops the answers"
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let cache = PrincipalCache::enabled();
        for i in 0..(CAPACITY as u128 + 10) {
            let (s, a) = principal(i, i);
            cache.put(cache.generation(), s, a);
        }
        assert!(cache.len() <= CAPACITY);
    }
}
