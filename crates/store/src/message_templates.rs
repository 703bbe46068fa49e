//! Tenants' own message templates, one row per tenant, kind and language.

use async_trait::async_trait;
use clientele_domain::messages::{Language, MessageKind, MessageTemplate, StoredTemplate};
use clientele_domain::ports::{MessageTemplates, StoreError};
use clientele_domain::tenant::TenantId;
use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::blocking::with_connection;
use crate::connection::DbConnection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::rows::{from_db_time, to_db_time};
use crate::schema::message_templates as t;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = t, treat_none_as_null = true)]
struct TemplateRow {
    tenant_id: String,
    kind: String,
    language: String,
    subject: String,
    text_body: String,
    html_body: Option<String>,
    updated_at: PrimitiveDateTime,
}

impl From<&StoredTemplate> for TemplateRow {
    fn from(s: &StoredTemplate) -> Self {
        TemplateRow {
            tenant_id: s.tenant.as_str().to_owned(),
            kind: s.kind.as_str().to_owned(),
            language: s.language.as_str().to_owned(),
            subject: s.template.subject.clone(),
            text_body: s.template.text.clone(),
            html_body: s.template.html.clone(),
            updated_at: to_db_time(s.updated_at),
        }
    }
}

impl TryFrom<TemplateRow> for StoredTemplate {
    type Error = StoreError;

    fn try_from(r: TemplateRow) -> Result<Self, StoreError> {
        Ok(StoredTemplate {
            tenant: TenantId::parse(&r.tenant_id).ok_or_else(|| corrupt("template tenant"))?,
            kind: MessageKind::parse(&r.kind).ok_or_else(|| corrupt("template kind"))?,
            language: Language::parse(&r.language).ok_or_else(|| corrupt("template language"))?,
            template: MessageTemplate {
                subject: r.subject,
                text: r.text_body,
                html: r.html_body,
            },
            updated_at: from_db_time(r.updated_at),
        })
    }
}

fn stored(rows: Vec<TemplateRow>) -> Result<Vec<StoredTemplate>, StoreError> {
    rows.into_iter().map(StoredTemplate::try_from).collect()
}

/// Inserts the row or replaces the one there: one statement, so two saves of one template at
/// once both succeed and the later stays. (Diesel's upsert is per backend, not on the
/// multi-backend connection: the same statement for each.)
fn put(conn: &mut DbConnection, row: &TemplateRow) -> Result<usize, diesel::result::Error> {
    let key = (t::tenant_id, t::kind, t::language);
    match conn {
        DbConnection::Pg(pg) => diesel::insert_into(t::table)
            .values(row)
            .on_conflict(key)
            .do_update()
            .set(row)
            .execute(pg),
        DbConnection::Sqlite(sqlite) => diesel::insert_into(t::table)
            .values(row)
            .on_conflict(key)
            .do_update()
            .set(row)
            .execute(sqlite),
    }
}

#[async_trait]
impl MessageTemplates for Database {
    async fn templates_of_kind(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
    ) -> Result<Vec<StoredTemplate>, StoreError> {
        let (tenant, kind) = (tenant.as_str().to_owned(), kind.as_str());
        let rows = with_connection(&self.pool, move |conn| {
            t::table
                .filter(t::tenant_id.eq(tenant))
                .filter(t::kind.eq(kind))
                .select(TemplateRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        stored(rows)
    }

    async fn list_templates(&self, tenant: &TenantId) -> Result<Vec<StoredTemplate>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let rows = with_connection(&self.pool, move |conn| {
            t::table
                .filter(t::tenant_id.eq(tenant))
                .order((t::kind, t::language))
                .select(TemplateRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        stored(rows)
    }

    async fn put_template(&self, template: &StoredTemplate) -> Result<(), StoreError> {
        let row = TemplateRow::from(template);
        self.write_one((), move |conn| put(conn, &row))
            .await?
            .map(drop)
            .map_err(from_diesel)
    }

    async fn delete_template(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
    ) -> Result<bool, StoreError> {
        let (tenant, kind, language) = (
            tenant.as_str().to_owned(),
            kind.as_str(),
            language.as_str().to_owned(),
        );
        self.write_one((), move |conn| {
            diesel::delete(
                t::table
                    .filter(t::tenant_id.eq(tenant))
                    .filter(t::kind.eq(kind))
                    .filter(t::language.eq(language)),
            )
            .execute(conn)
        })
        .await?
        .map(|n| n > 0)
        .map_err(from_diesel)
    }
}
