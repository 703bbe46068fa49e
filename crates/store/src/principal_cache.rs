//! The authenticated principal (a live session with its account) held in memory, so that the
//! check every authenticated request makes costs no database round trip.
//!
//! It may answer only while it cannot be stale: every write of this process that changes an
//! account or a session removes the entries concerned once it has committed (a plain edit
//! amends them with what it stored instead), and on PostgreSQL
//! a follower reads the writes of every other instance (triggers log them in the writing
//! transaction) and does the same. The follower holds a lease that it renews with every read that
//! proves it has read all changes so far: once the lease runs out (connection lost, or stuck without an error) the
//! cache answers nothing, and it starts over empty when the follower is back. A load that
//! started before an invalidation of its account or session does not put what it read (each
//! invalidation is stamped with a generation), so a stale row never lands after the
//! invalidation that should have removed it; loads of other accounts are unaffected, so a
//! stream of writes to some accounts does not keep the rest out of the cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
#[cfg(test)]
use std::time::Duration;

use clientele_domain::account::{Account, AccountUuid};
use clientele_domain::session::{Session, SessionId};
use time::OffsetDateTime;

use crate::gate::Gate;

/// Most principals held; past it the cache starts over (memory stays bounded).
const CAPACITY: usize = 20_000;
/// Most invalidation stamps remembered; past it they are replaced by one floor (every load
/// that began before it is refused), so memory stays bounded under any write load.
const STAMPS: usize = 4_096;

type Principals = (
    HashMap<SessionId, (Session, Account)>,
    HashMap<AccountUuid, Vec<SessionId>>,
);

#[derive(Default)]
struct Entries {
    by_session: HashMap<SessionId, (Session, Account)>,
    by_account: HashMap<AccountUuid, Vec<SessionId>>,
    /// The generation at which each account or session was last invalidated.
    account_stamps: HashMap<AccountUuid, u64>,
    session_stamps: HashMap<SessionId, u64>,
    /// Loads that began before this generation are refused, whatever they read.
    floor: u64,
}

impl Entries {
    /// Whether a load that began at `generation` may hold what it read.
    fn fresh(&self, generation: u64, session: SessionId, account: AccountUuid) -> bool {
        let after = |stamp: Option<&u64>| stamp.is_none_or(|&at| at <= generation);
        generation >= self.floor
            && after(self.account_stamps.get(&account))
            && after(self.session_stamps.get(&session))
    }

    fn stamp(&mut self, generation: u64, what: Stamp) {
        if self.account_stamps.len() + self.session_stamps.len() >= STAMPS {
            self.account_stamps.clear();
            self.session_stamps.clear();
            self.floor = generation;
        }
        match what {
            Stamp::Account(account) => self.account_stamps.insert(account, generation),
            Stamp::Session(session) => self.session_stamps.insert(session, generation),
        };
    }

    /// Removes the principals of `account` whose account `goes`.
    fn remove_principals_of(&mut self, account: AccountUuid, goes: impl Fn(&Account) -> bool) {
        let Some(sessions) = self.by_account.get_mut(&account) else {
            return;
        };
        let by_session = &mut self.by_session;
        sessions.retain(|session| match by_session.get(session) {
            Some((_, held)) if !goes(held) => true,
            _ => {
                by_session.remove(session);
                false
            }
        });
        if sessions.is_empty() {
            self.by_account.remove(&account);
        }
    }

    /// Empties the principals, handing them back so they are freed after the lock is released.
    fn take_principals(&mut self) -> Principals {
        (
            std::mem::take(&mut self.by_session),
            std::mem::take(&mut self.by_account),
        )
    }
}

enum Stamp {
    Account(AccountUuid),
    Session(SessionId),
}

pub struct PrincipalCache {
    entries: Mutex<Entries>,
    generation: AtomicU64,
    gate: Arc<Gate>,
}

impl PrincipalCache {
    /// A cache that answers while `gate` is open.
    pub fn new(gate: Arc<Gate>) -> Self {
        PrincipalCache {
            entries: Mutex::new(Entries::default()),
            generation: AtomicU64::new(0),
            gate,
        }
    }

    /// A cache that answers from the start.
    #[cfg(test)]
    pub fn enabled() -> Self {
        Self::new(Arc::new(Gate::new(true)))
    }

    /// A cache that answers nothing until its gate is renewed.
    #[cfg(test)]
    pub fn disabled() -> Self {
        Self::new(Arc::new(Gate::new(false)))
    }

    fn answering(&self) -> bool {
        self.gate.answering()
    }

    #[cfg(test)]
    fn renew(&self, lease: Duration) {
        self.gate.renew(lease);
    }

    #[cfg(test)]
    fn stop_answering(&self) {
        self.gate.close();
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

    /// Holds what a load that began at `generation` read, unless its account or session was
    /// invalidated since.
    pub fn put(&self, generation: u64, session: Session, account: Account) {
        if !self.answering() {
            return;
        }
        let mut dropped = None;
        {
            let mut entries = self.entries();
            // Checked under the lock that invalidations take too.
            if !entries.fresh(generation, session.id, account.uuid) {
                return;
            }
            if entries.by_session.len() >= CAPACITY {
                dropped = Some(entries.take_principals());
            }
            let sessions = entries.by_account.entry(account.uuid).or_default();
            if !sessions.contains(&session.id) {
                sessions.push(session.id);
            }
            entries.by_session.insert(session.id, (session, account));
        }
        drop(dropped);
    }

    /// The held session `id` was used at `at` (and its use written).
    pub fn seen(&self, id: SessionId, at: OffsetDateTime) {
        if let Some((session, _)) = self.entries().by_session.get_mut(&id) {
            session.last_seen_at = session.last_seen_at.max(at);
        }
    }

    /// The account (and so every session of it) changed.
    pub fn invalidate_account(&self, account: AccountUuid) {
        let mut entries = self.entries();
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        entries.stamp(generation, Stamp::Account(account));
        entries.remove_principals_of(account, |_| true);
    }

    /// The account changed to `version` (a later version than it had): principals that hold
    /// that version or a later one hold the change and stay; the others go.
    pub fn invalidate_account_before(&self, account: AccountUuid, version: i64) {
        let mut entries = self.entries();
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        entries.stamp(generation, Stamp::Account(account));
        entries.remove_principals_of(account, |held| held.version < version);
    }

    /// A write that began at `began` stored `written` over the version before it: the
    /// principals that held that version of its account now hold `written`. Any other held
    /// (another version, another tenant's account of the same UUID), or any at all when the
    /// account was invalidated since the write began, go, as they would without this. Loads that
    /// began before are refused, as after an invalidation.
    pub fn amend_account(&self, began: u64, written: Account) {
        let mut entries = self.entries();
        let fresh = began >= entries.floor
            && entries
                .account_stamps
                .get(&written.uuid)
                .is_none_or(|&at| at <= began);
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        entries.stamp(generation, Stamp::Account(written.uuid));
        // Only what the write replaced: the version it expected, of its tenant (a UUID may
        // name accounts of two tenants). Anything else held of the UUID goes.
        let replaced =
            |held: &Account| fresh && held.tenant == written.tenant && held.version == written.version - 1;
        entries.remove_principals_of(written.uuid, |held| !replaced(held));
        let Entries {
            by_session,
            by_account,
            ..
        } = &mut *entries;
        for session in by_account.get(&written.uuid).into_iter().flatten() {
            if let Some((_, held)) = by_session.get_mut(session) {
                *held = written.clone();
            }
        }
    }

    /// One session changed (revoked).
    pub fn invalidate_session(&self, session: SessionId) {
        let mut entries = self.entries();
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        entries.stamp(generation, Stamp::Session(session));
        if let Some((_, account)) = entries.by_session.remove(&session) {
            if let Some(sessions) = entries.by_account.get_mut(&account.uuid) {
                sessions.retain(|s| *s != session);
                if sessions.is_empty() {
                    entries.by_account.remove(&account.uuid);
                }
            }
        }
    }

    /// Forgets everything: what was held may have changed unheard.
    pub fn clear(&self) {
        let dropped = {
            let mut entries = self.entries();
            let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
            entries.account_stamps.clear();
            entries.session_stamps.clear();
            entries.floor = generation;
            entries.take_principals()
        };
        drop(dropped);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().by_session.len()
    }

    #[cfg(test)]
    fn bookkeeping(&self) -> usize {
        let entries = self.entries();
        entries.by_account.len() + entries.account_stamps.len() + entries.session_stamps.len()
    }
}

/// Runs what it holds when it drops: forgets what a write changed once the write is over,
/// whatever its outcome (it may have committed even when it reports a failure), on the thread
/// that ran it, so that a request dropped meanwhile cannot leave a stale entry behind.
#[must_use = "the entry is forgotten when the guard drops, after the write"]
pub struct Forget(Option<Box<dyn FnOnce() + Send>>);

impl Forget {
    pub fn new(forget: impl FnOnce() + Send + 'static) -> Self {
        Forget(Some(Box::new(forget)))
    }
}

impl Drop for Forget {
    fn drop(&mut self) {
        if let Some(forget) = self.0.take() {
            forget();
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
        let mut a = crate::test_values::bare_account();
        a.uuid = AccountUuid(Uuid::from_u128(account));
        let s = Session {
            id: SessionId(Uuid::from_u128(session)),
            tenant: a.tenant.clone(),
            account: a.uuid,
            created_at: NOW,
            expires_at: NOW + time::Duration::hours(1),
            revoked_at: None,
            country: None,
            device: None,
            ip: None,
            sign_in_method: clientele_domain::session::SignInMethod::Password,
            last_seen_at: NOW,
        };
        (s, a)
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
    fn a_write_amends_what_it_stored_unless_the_account_changed_meanwhile() {
        let cache = PrincipalCache::enabled();
        let (s1, a) = principal(1, 10);
        let (s2, _) = principal(1, 11);
        let (s3, b) = principal(2, 20);
        for (s, acc) in [
            (s1.clone(), a.clone()),
            (s2.clone(), a.clone()),
            (s3.clone(), b.clone()),
        ] {
            cache.put(cache.generation(), s, acc);
        }
        let written = Account {
            version: 1,
            ..a.clone()
        };
        let loading = cache.generation();
        cache.amend_account(cache.generation(), written.clone());
        for session in [s1.id, s2.id] {
            assert_eq!(
                cache.get(session, NOW).unwrap().1.version,
                1,
                "every session of it"
            );
        }
        assert_eq!(
            cache.get(s3.id, NOW).unwrap().1.version,
            0,
            "other accounts as they were"
        );
        cache.put(loading, s1.clone(), a.clone());
        assert_eq!(
            cache.get(s1.id, NOW).unwrap().1.version,
            1,
            "a load that began before the amendment does not put back what it read"
        );

        let (s4, mut elsewhere) = principal(1, 12);
        elsewhere.tenant = clientele_domain::tenant::TenantId::parse("elsewhere").unwrap();
        elsewhere.version = 1;
        cache.put(cache.generation(), s4.clone(), elsewhere);
        cache.amend_account(
            cache.generation(),
            Account {
                version: 2,
                ..a.clone()
            },
        );
        assert_eq!(cache.get(s1.id, NOW).unwrap().1.version, 2);
        assert!(
            cache.get(s4.id, NOW).is_none(),
            "another tenant's account of the same UUID is not amended, and goes"
        );
        cache.put(
            cache.generation(),
            s2.clone(),
            Account {
                version: 5,
                ..a.clone()
            },
        );
        cache.amend_account(
            cache.generation(),
            Account {
                version: 3,
                ..a.clone()
            },
        );
        assert_eq!(cache.get(s1.id, NOW).unwrap().1.version, 3);
        assert!(
            cache.get(s2.id, NOW).is_none(),
            "a later version held (loaded after another instance's write) is not put back"
        );

        let began = cache.generation();
        cache.invalidate_account(a.uuid);
        cache.put(cache.generation(), s1.clone(), written.clone());
        cache.amend_account(
            began,
            Account {
                version: 2,
                ..a.clone()
            },
        );
        assert!(
            cache.get(s1.id, NOW).is_none(),
            "changed while the write was under way: forgotten, not amended"
        );
    }

    #[test]
    fn a_later_version_heard_keeps_who_holds_it() {
        let cache = PrincipalCache::enabled();
        let (s1, a) = principal(1, 10);
        let (s2, _) = principal(1, 11);
        cache.put(
            cache.generation(),
            s1.clone(),
            Account {
                version: 3,
                ..a.clone()
            },
        );
        cache.put(
            cache.generation(),
            s2.clone(),
            Account {
                version: 2,
                ..a.clone()
            },
        );
        let loading = cache.generation();
        cache.invalidate_account_before(a.uuid, 3);
        assert_eq!(cache.get(s1.id, NOW).unwrap().1.version, 3, "holds version 3");
        assert!(cache.get(s2.id, NOW).is_none(), "held version 2");
        cache.put(
            loading,
            s2.clone(),
            Account {
                version: 3,
                ..a.clone()
            },
        );
        assert!(
            cache.get(s2.id, NOW).is_none(),
            "a load that began before is refused"
        );
        cache.invalidate_account_before(a.uuid, 4);
        assert!(cache.get(s1.id, NOW).is_none());
    }

    #[test]
    fn a_load_that_began_before_an_invalidation_of_its_principal_is_not_held() {
        let cache = PrincipalCache::enabled();
        let (s, a) = principal(1, 10);
        let began = cache.generation();
        cache.invalidate_account(a.uuid);
        cache.put(began, s.clone(), a.clone());
        assert!(
            cache.get(s.id, NOW).is_none(),
            "account invalidated during the load"
        );

        let began = cache.generation();
        cache.invalidate_session(s.id);
        cache.put(began, s.clone(), a.clone());
        assert!(
            cache.get(s.id, NOW).is_none(),
            "session invalidated during the load"
        );

        let began = cache.generation();
        cache.clear();
        cache.put(began, s.clone(), a.clone());
        assert!(
            cache.get(s.id, NOW).is_none(),
            "everything forgotten during the load"
        );
    }

    #[test]
    fn writes_to_other_accounts_do_not_keep_a_load_out() {
        let cache = PrincipalCache::enabled();
        let (s, a) = principal(1, 10);
        let began = cache.generation();
        cache.invalidate_account(AccountUuid(Uuid::from_u128(99)));
        cache.invalidate_session(SessionId(Uuid::from_u128(98)));
        cache.put(began, s.clone(), a);
        assert!(cache.get(s.id, NOW).is_some());
    }

    #[test]
    fn stamps_stay_bounded_and_stay_safe_when_dropped() {
        let cache = PrincipalCache::enabled();
        let (s, a) = principal(1, 10);
        let began = cache.generation();
        cache.invalidate_account(a.uuid);
        for i in 0..(STAMPS as u128 * 3) {
            cache.invalidate_account(AccountUuid(Uuid::from_u128(1_000 + i)));
        }
        assert!(cache.bookkeeping() <= STAMPS);
        cache.put(began, s.clone(), a);
        assert!(
            cache.get(s.id, NOW).is_none(),
            "a load older than forgotten stamps is refused"
        );
    }

    #[test]
    fn a_cache_whose_follower_is_gone_answers_nothing_and_forgets() {
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
            "a follower stuck without an error stops the answers"
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let cache = PrincipalCache::enabled();
        for i in 0..(CAPACITY as u128 + 10) {
            let (s, a) = principal(i, i);
            cache.put(cache.generation(), s.clone(), a.clone());
            // The same principal loaded twice at once is held once.
            cache.put(cache.generation(), s, a);
        }
        assert!(cache.len() <= CAPACITY);
        assert!(cache.bookkeeping() <= CAPACITY);
        // Signing out leaves nothing behind.
        let cache = PrincipalCache::enabled();
        for i in 0..100 {
            let (s, a) = principal(i, i);
            cache.put(cache.generation(), s.clone(), a);
            cache.invalidate_session(s.id);
        }
        assert_eq!(cache.len(), 0);
        assert!(cache.bookkeeping() <= 100, "only the stamps, which are bounded");
    }
}
