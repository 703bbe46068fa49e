//! Everything this process holds in memory of what the database says: the authenticated
//! principals, and beside them what the hot reads need besides (tenant settings, API keys, each
//! account's loyalty standing), and what a plain edit needs to be one statement (each tenant's
//! enabled webhook endpoints). All of it answers through one gate and is forgotten together
//! when the gate closes; the change follower on PostgreSQL forgets, by the payloads below, what every
//! instance changes.

use std::sync::Arc;
use std::time::Duration;

use clientele_domain::account::{Account, AccountUuid};
use clientele_domain::api_key::ApiKey;
use clientele_domain::flow::Flow;
use clientele_domain::loyalty::{OrderStats, WalletSummary};
use clientele_domain::session::SessionId;
use clientele_domain::tenant::{Tenant, TenantId};
use clientele_domain::webhooks::EventFilter;
use time::Date;

use crate::gate::Gate;
use crate::principal_cache::{Forget, PrincipalCache};
use crate::remembered::Remembered;

/// Change log payloads besides an account's UUID (the principal trigger's): what changed.
pub const LOYALTY_MARK: &str = "loyalty:";
pub const TENANT_MARK: &str = "tenant:";
pub const KEY_MARK: &str = "key:";
pub const EMAIL_CHANGE_MARK: &str = "email:";
pub const WEBHOOKS_MARK: &str = "webhooks:";
/// `<account>@<version>`: the account was updated to that version (a later one than it had).
pub const VERSION_MARK: char = '@';

/// Most accounts whose standing is held.
const STANDINGS: usize = 20_000;
/// Most tenants and keys held: a deployment has few.
const TENANTS: usize = 1_000;
const KEYS: usize = 10_000;

/// An account's wallet summary, valid for one day (lots expire by the day).
#[derive(Clone)]
pub struct WalletAsOf {
    pub tenant: TenantId,
    pub today: Date,
    pub summary: WalletSummary,
}

pub struct Memory {
    gate: Arc<Gate>,
    pub principals: PrincipalCache,
    pub wallets: Remembered<AccountUuid, WalletAsOf>,
    pub orders: Remembered<AccountUuid, (TenantId, OrderStats)>,
    pub tenants: Remembered<TenantId, Tenant>,
    /// By the key's public prefix.
    pub keys: Remembered<String, ApiKey>,
    /// Each account's email change waiting for its key (or none), with the account's tenant:
    /// what the profile reads show, never what a decision is made on.
    pub email_changes: Remembered<AccountUuid, (TenantId, Option<Flow>)>,
    /// What each of a tenant's enabled webhook endpoints receives: when a plain edit is tried as
    /// one statement (which checks the endpoints itself).
    pub endpoints: Remembered<TenantId, Arc<[EventFilter]>>,
}

impl Memory {
    /// Memory that answers nothing until the gate opens (the follower reads the change log, or this
    /// process is the SQLite file's only server). `hold_keys`: whether API keys are held too,
    /// which needs every change of a key to be heard: on PostgreSQL the triggers announce them,
    /// but on SQLite `clientele api-key revoke` writes from another process while the server
    /// runs, unheard, so there keys are read from the file every time.
    pub fn closed(hold_keys: bool) -> Self {
        let gate = Arc::new(Gate::new(false));
        let keys_gate = if hold_keys {
            gate.clone()
        } else {
            Arc::new(Gate::new(false))
        };
        Memory {
            principals: PrincipalCache::new(gate.clone()),
            wallets: Remembered::new(gate.clone(), STANDINGS),
            orders: Remembered::new(gate.clone(), STANDINGS),
            tenants: Remembered::new(gate.clone(), TENANTS),
            keys: Remembered::new(keys_gate, KEYS),
            email_changes: Remembered::new(gate.clone(), STANDINGS),
            endpoints: Remembered::new(gate.clone(), TENANTS),
            gate,
        }
    }

    pub fn answer_always(&self) {
        self.gate.answer_always();
    }

    pub fn renew(&self, lease: Duration) {
        self.gate.renew(lease);
    }

    /// The follower lost its connection (or is starting over): answer nothing, hold nothing.
    pub fn stop_answering(&self) {
        self.gate.close();
        self.clear();
    }

    /// Forgets everything: what was held may have changed unheard.
    pub fn clear(&self) {
        self.principals.clear();
        self.wallets.clear();
        self.orders.clear();
        self.tenants.clear();
        self.keys.clear();
        self.email_changes.clear();
        self.endpoints.clear();
    }

    /// The account changed: its principals go. (Its loyalty standing stays: no account write
    /// touches the wallet or the orders, whose own writes forget it and are announced apart.)
    pub fn forget_account(&self, account: AccountUuid) {
        self.principals.invalidate_account(account);
    }

    pub fn forget_standing(&self, account: AccountUuid) {
        self.wallets.invalidate(&account);
        self.orders.invalidate(&account);
    }

    /// [`Self::forget_account`] once the write the guard covers is over.
    pub fn forget_account_after(self: &Arc<Self>, account: AccountUuid) -> Forget {
        let memory = self.clone();
        Forget::new(move || memory.forget_account(account))
    }

    /// What to do once a write that may store `written` is over, told whether it did: its
    /// principals are amended to `written` if so, forgotten otherwise. So the account's next
    /// request needs no load of what this process just wrote. Taken before the write begins.
    pub fn amend_account_after(self: &Arc<Self>, written: Account) -> impl FnOnce(bool) + Send + 'static {
        let began = self.principals.generation();
        let memory = self.clone();
        move |stored| {
            if stored {
                memory.principals.amend_account(began, written);
            } else {
                memory.forget_account(written.uuid);
            }
        }
    }

    /// One session changed, once the write is over.
    pub fn forget_session_after(self: &Arc<Self>, session: SessionId) -> Forget {
        let memory = self.clone();
        Forget::new(move || memory.principals.invalidate_session(session))
    }

    /// The account's wallet or orders changed, once the write is over.
    pub fn forget_standing_after(self: &Arc<Self>, account: AccountUuid) -> Forget {
        let memory = self.clone();
        Forget::new(move || memory.forget_standing(account))
    }

    pub fn forget_tenant_after(self: &Arc<Self>, tenant: TenantId) -> Forget {
        let memory = self.clone();
        Forget::new(move || memory.tenants.invalidate(&tenant))
    }

    /// The accounts a write will name (once it has written them) forget their waiting email
    /// change once the write is over, whatever its outcome.
    pub fn forget_email_changes_after(self: &Arc<Self>) -> (Arc<std::sync::Mutex<Vec<AccountUuid>>>, Forget) {
        let named = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (memory, forgotten) = (self.clone(), named.clone());
        let forget = Forget::new(move || {
            let accounts = std::mem::take(&mut *forgotten.lock().unwrap_or_else(|p| p.into_inner()));
            for account in accounts {
                memory.email_changes.invalidate(&account);
            }
        });
        (named, forget)
    }

    /// The tenant's webhook endpoints changed, once the write is over.
    pub fn forget_endpoints_after(self: &Arc<Self>, tenant: TenantId) -> Forget {
        let memory = self.clone();
        Forget::new(move || memory.endpoints.invalidate(&tenant))
    }

    /// A key changed (revoked): keys are few and change rarely, so all of them go.
    pub fn forget_keys_after(self: &Arc<Self>) -> Forget {
        let memory = self.clone();
        Forget::new(move || memory.keys.clear())
    }

    /// What the follower read that another instance (or this one) change.
    pub fn hear(&self, payload: &str) {
        let account = |uuid: &str| uuid::Uuid::parse_str(uuid).ok().map(AccountUuid);
        if let Some(uuid) = payload.strip_prefix(LOYALTY_MARK) {
            match account(uuid) {
                Some(account) => self.forget_standing(account),
                None => self.clear(),
            }
        } else if let Some(tenant) = payload.strip_prefix(TENANT_MARK) {
            match TenantId::parse(tenant) {
                Some(tenant) => self.tenants.invalidate(&tenant),
                None => self.clear(),
            }
        } else if let Some(prefix) = payload.strip_prefix(KEY_MARK) {
            self.keys.invalidate(&prefix.to_owned());
        } else if let Some(tenant) = payload.strip_prefix(WEBHOOKS_MARK) {
            match TenantId::parse(tenant) {
                Some(tenant) => self.endpoints.invalidate(&tenant),
                None => self.clear(),
            }
        } else if let Some(uuid) = payload.strip_prefix(EMAIL_CHANGE_MARK) {
            match account(uuid) {
                Some(account) => self.email_changes.invalidate(&account),
                None => self.clear(),
            }
        } else if let Some((uuid, version)) = payload.split_once(VERSION_MARK) {
            match (account(uuid), version.parse()) {
                (Some(account), Ok(version)) => self.principals.invalidate_account_before(account, version),
                _ => self.clear(),
            }
        } else {
            match account(payload) {
                Some(account) => self.forget_account(account),
                // Not ours to read: forget everything rather than keep something stale.
                None => self.clear(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_payload_forgets_what_it_names() {
        let memory = Memory::closed(true);
        memory.answer_always();
        let acme = TenantId::parse("acme").unwrap();
        let account = AccountUuid(uuid::Uuid::from_u128(1));
        let tenant = Tenant {
            id: acme.clone(),
            name: "Acme".into(),
            settings: Default::default(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let fill = || {
            memory
                .tenants
                .put(memory.tenants.generation(), acme.clone(), tenant.clone());
            memory.orders.put(
                memory.orders.generation(),
                account,
                (acme.clone(), OrderStats::default()),
            );
        };
        fill();
        memory.hear(&format!("{LOYALTY_MARK}{}", account.0));
        assert!(memory.orders.get(&account).is_none());
        assert!(
            memory.tenants.get(&acme).is_some(),
            "a loyalty change leaves the tenant"
        );
        fill();
        memory.hear("tenant:acme");
        assert!(memory.tenants.get(&acme).is_none());
        assert!(memory.orders.get(&account).is_some());
        fill();
        memory.hear(&account.0.to_string());
        assert!(
            memory.orders.get(&account).is_some(),
            "an account change leaves the standing: loyalty changes are announced apart"
        );
        let key = ApiKey {
            prefix: "clk_AAAAAAAAAAAA".into(),
            ..key()
        };
        memory
            .keys
            .put(memory.keys.generation(), key.prefix.clone(), key.clone());
        memory.hear("key:clk_BBBBBBBBBBBB");
        assert!(memory.keys.get(&key.prefix).is_some(), "another key's change");
        memory.hear("key:clk_AAAAAAAAAAAA");
        assert!(memory.keys.get(&key.prefix).is_none());
        let waiting = |memory: &Memory| {
            memory
                .email_changes
                .put(memory.email_changes.generation(), account, (acme.clone(), None));
        };
        waiting(&memory);
        memory.hear(&format!("{EMAIL_CHANGE_MARK}{}", account.0));
        assert!(memory.email_changes.get(&account).is_none());
        memory
            .endpoints
            .put(memory.endpoints.generation(), acme.clone(), Arc::from(Vec::new()));
        fill();
        memory.hear("webhooks:acme");
        assert!(memory.endpoints.get(&acme).is_none());
        assert!(
            memory.tenants.get(&acme).is_some(),
            "an endpoint's change leaves the tenant"
        );
        let session = clientele_domain::session::Session {
            id: clientele_domain::session::SessionId(uuid::Uuid::from_u128(9)),
            tenant: acme.clone(),
            account,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            expires_at: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
            revoked_at: None,
            country: None,
            device: None,
            ip: None,
            sign_in_method: clientele_domain::session::SignInMethod::Password,
            last_seen_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let holding = |version: i64| {
            let mut held = memory.principals.get(session.id, time::OffsetDateTime::now_utc());
            if held.is_none() {
                memory.principals.put(
                    memory.principals.generation(),
                    session.clone(),
                    account_at(account, version),
                );
                held = memory.principals.get(session.id, time::OffsetDateTime::now_utc());
            }
            held.map(|(_, held)| held.version)
        };
        assert_eq!(holding(2), Some(2));
        memory.hear(&format!("{}@2", account.0));
        assert_eq!(
            memory
                .principals
                .get(session.id, time::OffsetDateTime::now_utc())
                .map(|(_, a)| a.version),
            Some(2),
            "the version held is the one announced"
        );
        memory.hear(&format!("{}@3", account.0));
        assert!(memory
            .principals
            .get(session.id, time::OffsetDateTime::now_utc())
            .is_none());
        assert_eq!(holding(3), Some(3));
        memory.hear(&format!("{}@x", account.0));
        assert!(
            memory
                .principals
                .get(session.id, time::OffsetDateTime::now_utc())
                .is_none(),
            "unreadable: everything goes"
        );
        fill();
        memory.hear("something else");
        assert!(memory.tenants.get(&acme).is_none(), "unreadable: everything goes");
    }

    #[test]
    fn keys_are_held_only_where_every_change_of_them_is_heard() {
        let sqlite = Memory::closed(false);
        sqlite.answer_always();
        sqlite.keys.put(sqlite.keys.generation(), "clk_A".into(), key());
        assert!(sqlite.keys.get(&"clk_A".to_owned()).is_none());
        let postgres = Memory::closed(true);
        postgres.answer_always();
        postgres
            .keys
            .put(postgres.keys.generation(), "clk_A".into(), key());
        assert!(postgres.keys.get(&"clk_A".to_owned()).is_some());
    }

    fn account_at(uuid: AccountUuid, version: i64) -> Account {
        Account {
            uuid,
            tenant: TenantId::parse("acme").unwrap(),
            version,
            ..crate::test_values::bare_account()
        }
    }

    fn key() -> ApiKey {
        ApiKey {
            id: clientele_domain::api_key::ApiKeyId(uuid::Uuid::nil()),
            tenant: TenantId::parse("acme").unwrap(),
            name: "app".into(),
            prefix: "clk_A".into(),
            digest: String::new(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            last_used_at: None,
            revoked_at: None,
        }
    }
}
