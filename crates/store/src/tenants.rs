//! Tenants with their settings, and their apps' API keys.

use async_trait::async_trait;
use clientele_domain::api_key::{ApiKey, ApiKeyId};
use clientele_domain::messages::{Language, MessageSettings};
use clientele_domain::ports::{ApiKeyRepository, StoreError, TenantRepository};
use clientele_domain::tenant::{ClosingPolicy, Tenant, TenantId, TenantSettings};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, PrimitiveDateTime};
use uuid::Uuid;

use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::rows::{from_db_time, to_db_time};
use crate::schema::{api_keys, tenants};

/// `tenants.settings`: absent keys are unset, so a setting added later reads as unset.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct StoredSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    web_app_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allowed_redirect_origins: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_region: Option<String>,
    /// Unset: the default (erase at once).
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_personal_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_requires_approval: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    brand_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accent_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    support: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
struct TenantRow {
    id: String,
    name: String,
    created_at: PrimitiveDateTime,
    settings: String,
}

impl From<&Tenant> for TenantRow {
    fn from(t: &Tenant) -> Self {
        let s = &t.settings;
        let stored = StoredSettings {
            web_app_url: s.web_app_url.clone(),
            allowed_redirect_origins: s.allowed_redirect_origins.clone(),
            phone_region: s.phone_region.clone(),
            delete_personal_data: Some(s.closing.delete_personal_data),
            deletion_requires_approval: Some(s.closing.deletion_requires_approval),
            operator_email: s.operator_email.clone(),
            sender_name: s.messages.sender_name.clone(),
            sender_address: s.messages.sender_address.clone(),
            reply_to: s.messages.reply_to.clone(),
            brand_name: s.messages.brand_name.clone(),
            logo_url: s.messages.logo_url.clone(),
            accent_color: s.messages.accent_color.clone(),
            default_language: s
                .messages
                .default_language
                .as_ref()
                .map(|l| l.as_str().to_owned()),
            support: s.messages.support.clone(),
        };
        TenantRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            created_at: to_db_time(t.created_at),
            settings: serde_json::to_string(&stored).expect("settings serialise"),
        }
    }
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;

    fn try_from(row: TenantRow) -> Result<Self, StoreError> {
        let stored: StoredSettings =
            serde_json::from_str(&row.settings).map_err(|_| corrupt("tenant settings"))?;
        Ok(Tenant {
            id: TenantId::parse(&row.id).ok_or_else(|| corrupt("tenant id"))?,
            name: row.name,
            settings: TenantSettings {
                web_app_url: stored.web_app_url,
                allowed_redirect_origins: stored.allowed_redirect_origins,
                phone_region: stored.phone_region,
                operator_email: stored.operator_email,
                messages: MessageSettings {
                    sender_name: stored.sender_name,
                    sender_address: stored.sender_address,
                    reply_to: stored.reply_to,
                    brand_name: stored.brand_name,
                    logo_url: stored.logo_url,
                    accent_color: stored.accent_color,
                    default_language: stored.default_language.as_deref().and_then(Language::parse),
                    support: stored.support,
                },
                closing: {
                    let default = ClosingPolicy::default();
                    ClosingPolicy {
                        delete_personal_data: stored
                            .delete_personal_data
                            .unwrap_or(default.delete_personal_data),
                        deletion_requires_approval: stored
                            .deletion_requires_approval
                            .unwrap_or(default.deletion_requires_approval),
                    }
                },
            },
            created_at: from_db_time(row.created_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
struct ApiKeyRow {
    id: String,
    tenant_id: String,
    name: String,
    prefix: String,
    digest: String,
    created_at: PrimitiveDateTime,
    last_used_at: Option<PrimitiveDateTime>,
    revoked_at: Option<PrimitiveDateTime>,
}

impl From<&ApiKey> for ApiKeyRow {
    fn from(k: &ApiKey) -> Self {
        ApiKeyRow {
            id: k.id.to_string(),
            tenant_id: k.tenant.to_string(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            digest: k.digest.clone(),
            created_at: to_db_time(k.created_at),
            last_used_at: k.last_used_at.map(to_db_time),
            revoked_at: k.revoked_at.map(to_db_time),
        }
    }
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(row: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(ApiKey {
            id: ApiKeyId(Uuid::parse_str(&row.id).map_err(|_| corrupt("API key id"))?),
            tenant: TenantId::parse(&row.tenant_id).ok_or_else(|| corrupt("tenant id"))?,
            name: row.name,
            prefix: row.prefix,
            digest: row.digest,
            created_at: from_db_time(row.created_at),
            last_used_at: row.last_used_at.map(from_db_time),
            revoked_at: row.revoked_at.map(from_db_time),
        })
    }
}

#[async_trait]
impl TenantRepository for Database {
    async fn insert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
        let row = TenantRow::from(tenant);
        let forget = self.memory.forget_tenant_after(tenant.id.clone());
        self.write_one(forget, move |conn| {
            diesel::insert_into(tenants::table).values(&row).execute(conn)
        })
        .await?
        .map(drop)
        .map_err(from_diesel)
    }

    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        let held = &self.memory.tenants;
        if let Some(tenant) = held.get(id) {
            return Ok(Some(tenant));
        }
        let began = held.generation();
        let key = id.to_string();
        let row = with_connection(&self.pool, move |conn| {
            tenants::table
                .find(key)
                .select(TenantRow::as_select())
                .first(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await?;
        let tenant = row.map(Tenant::try_from).transpose()?;
        // Only tenants that exist are held: unknown names cost a query, not memory.
        if let Some(tenant) = &tenant {
            held.put(began, id.clone(), tenant.clone());
        }
        Ok(tenant)
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let rows = with_connection(&self.pool, move |conn| {
            tenants::table
                .order(tenants::id)
                .select(TenantRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(Tenant::try_from).collect()
    }

    async fn update_tenant(&self, current: &Tenant, next: &Tenant) -> Result<bool, StoreError> {
        let (current, row) = (current.clone(), TenantRow::from(next));
        let forget = self.memory.forget_tenant_after(next.id.clone());
        // The stored text may be an older serialisation of the same settings (absent keys are
        // defaults): compare what it means, then write only if the text is still the one
        // compared, so a concurrent change in between makes this one fail.
        self.write_one(forget, move |conn| {
            let stored = tenants::table
                .find(&row.id)
                .select(TenantRow::as_select())
                .first(conn)
                .optional()?;
            let Some(stored) = stored else {
                return Ok(Ok(false));
            };
            let (was_name, was_settings) = (stored.name.clone(), stored.settings.clone());
            match Tenant::try_from(stored) {
                Ok(stored) if stored == current => {}
                Ok(_) => return Ok(Ok(false)),
                Err(corrupt) => return Ok(Err(corrupt)),
            }
            diesel::update(
                tenants::table
                    .find(&row.id)
                    .filter(tenants::name.eq(&was_name))
                    .filter(tenants::settings.eq(&was_settings)),
            )
            .set((tenants::name.eq(&row.name), tenants::settings.eq(&row.settings)))
            .execute(conn)
            .map(|n| Ok(n > 0))
        })
        .await?
        .map_err(from_diesel)?
    }
}

#[async_trait]
impl ApiKeyRepository for Database {
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let row = ApiKeyRow::from(key);
        self.write_one((), move |conn| {
            diesel::insert_into(api_keys::table).values(&row).execute(conn)
        })
        .await?
        .map(drop)
        .map_err(from_diesel)
    }

    async fn list_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, StoreError> {
        let tenant = tenant.to_string();
        let rows = with_connection(&self.pool, move |conn| {
            api_keys::table
                .filter(api_keys::tenant_id.eq(tenant))
                .order((api_keys::created_at, api_keys::id))
                .select(ApiKeyRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(ApiKey::try_from).collect()
    }

    async fn find_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError> {
        let held = &self.memory.keys;
        let prefix = prefix.to_owned();
        if let Some(key) = held.get(&prefix) {
            return Ok(Some(key));
        }
        let began = held.generation();
        let wanted = prefix.clone();
        let row = with_connection(&self.pool, move |conn| {
            api_keys::table
                .filter(api_keys::prefix.eq(wanted))
                .select(ApiKeyRow::as_select())
                .first(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await?;
        let key = row.map(ApiKey::try_from).transpose()?;
        // Only stored keys are held: guessed prefixes cost a query, not memory.
        if let Some(key) = &key {
            held.put(began, prefix, key.clone());
        }
        Ok(key)
    }

    async fn revoke_key(
        &self,
        tenant: &TenantId,
        id: ApiKeyId,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let (tenant, id, at) = (tenant.to_string(), id.to_string(), to_db_time(at));
        let forget = self.memory.forget_keys_after();
        self.write_one(forget, move |conn| {
            let the_key = api_keys::table
                .filter(api_keys::id.eq(&id))
                .filter(api_keys::tenant_id.eq(&tenant));
            let revoked = diesel::update(the_key.filter(api_keys::revoked_at.is_null()))
                .set(api_keys::revoked_at.eq(at))
                .execute(conn)?;
            if revoked > 0 {
                return Ok(true);
            }
            diesel::select(diesel::dsl::exists(the_key.select(api_keys::id))).get_result(conn)
        })
        .await?
        .map_err(from_diesel)
    }

    async fn touch_key(&self, id: ApiKeyId, at: OffsetDateTime) -> Result<(), StoreError> {
        let (key, db_at) = (id.to_string(), to_db_time(at));
        self.write_one((), move |conn| {
            diesel::update(
                api_keys::table.filter(api_keys::id.eq(key)).filter(
                    api_keys::last_used_at
                        .is_null()
                        .or(api_keys::last_used_at.lt(db_at)),
                ),
            )
            .set(api_keys::last_used_at.eq(db_at))
            .execute(conn)
        })
        .await?
        .map_err(from_diesel)?;
        // The held key knows of this use, so the next ones within the minute write nothing.
        self.memory.keys.amend(
            |held| held.id == id,
            |held| held.last_used_at = held.last_used_at.max(Some(at)),
        );
        Ok(())
    }
}
