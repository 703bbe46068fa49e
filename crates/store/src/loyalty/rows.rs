//! The ledger's and the orders' rows, and their conversion to the domain's types.

use super::*;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = wallet_entries)]
pub(super) struct EntryRow {
    pub(super) tenant_id: String,
    pub(super) account_uuid: String,
    pub(super) reference: String,
    pub(super) kind: String,
    pub(super) amount: i64,
    pub(super) remaining: i64,
    pub(super) expires_on: Option<Date>,
    pub(super) created_at: PrimitiveDateTime,
}

impl EntryRow {
    pub(super) fn of(e: &WalletEntry) -> Self {
        EntryRow {
            tenant_id: e.tenant.as_str().to_owned(),
            account_uuid: e.account.0.to_string(),
            reference: e.reference.clone(),
            kind: e.kind.as_str().to_owned(),
            amount: e.amount.0,
            remaining: e.amount.0.max(0),
            expires_on: e.expires_on,
            created_at: to_db_time(e.created_at),
        }
    }

    pub(super) fn entry(self) -> Result<WalletEntry, StoreError> {
        Ok(WalletEntry {
            tenant: TenantId::parse(&self.tenant_id).ok_or_else(|| corrupt("tenant id"))?,
            account: AccountUuid(parse_uuid(&self.account_uuid)?),
            kind: WalletKind::parse(&self.kind).ok_or_else(|| corrupt("wallet kind"))?,
            reference: self.reference,
            amount: Amount(self.amount),
            expires_on: self.expires_on,
            created_at: from_db_time(self.created_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
pub(super) struct OrderRow {
    pub(super) tenant_id: String,
    pub(super) account_uuid: String,
    pub(super) reference: String,
    pub(super) amount: i64,
    pub(super) status: String,
    pub(super) placed_at: PrimitiveDateTime,
}

impl OrderRow {
    pub(super) fn of(o: &Order) -> Self {
        OrderRow {
            tenant_id: o.tenant.as_str().to_owned(),
            account_uuid: o.account.0.to_string(),
            reference: o.reference.clone(),
            amount: o.amount.0,
            status: o.status.as_str().to_owned(),
            placed_at: to_db_time(o.placed_at),
        }
    }

    pub(super) fn order(self) -> Result<Order, StoreError> {
        Ok(Order {
            tenant: TenantId::parse(&self.tenant_id).ok_or_else(|| corrupt("tenant id"))?,
            account: AccountUuid(parse_uuid(&self.account_uuid)?),
            reference: self.reference,
            amount: Amount(self.amount),
            status: OrderStatus::parse(&self.status).ok_or_else(|| corrupt("order status"))?,
            placed_at: from_db_time(self.placed_at),
        })
    }
}
