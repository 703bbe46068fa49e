use async_trait::async_trait;
use time::Date;

use super::StoreError;
use crate::account::AccountUuid;
use crate::loyalty::{Order, OrderPosted, OrderStats, OrderStatus, WalletEntry, WalletPosted, WalletSummary};
use crate::tenant::TenantId;
use crate::webhooks::Event;

/// The loyalty ledger and the orders. Aggregates are computed by the store in a fixed number of
/// queries, whatever the number of entries.
///
/// Errors: `Unavailable` only (a reference posted twice is an outcome, not an error).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait LoyaltyRepository: Send + Sync {
    /// Posts `entry` once per reference and account. A debit spends, as of `today`, the
    /// unexpired credits of its kind that expire first (those that never expire last), and is
    /// refused whole (`Insufficient`) when they do not cover it; concurrent debits never spend
    /// the same value twice.
    /// `announcing` is written with a new entry, in its transaction (nothing for a replay).
    async fn post_wallet_entry(
        &self,
        entry: &WalletEntry,
        today: Date,
        announcing: &Event,
    ) -> Result<WalletPosted, StoreError>;

    /// The account's entries, newest first.
    async fn wallet_entries(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<WalletEntry>, StoreError>;

    /// Each kind's spendable balance and next-to-expire lot as of `today`.
    async fn wallet_summary(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        today: Date,
    ) -> Result<WalletSummary, StoreError>;

    /// Records `order` once per reference and account, with `announcing` (as above).
    async fn post_order(&self, order: &Order, announcing: &Event) -> Result<OrderPosted, StoreError>;

    /// Sets an order's status, with `announcing` in the same transaction; `None` (and nothing
    /// written) if the account has no such order.
    async fn set_order_status(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        reference: &str,
        status: OrderStatus,
        announcing: &Event,
    ) -> Result<Option<Order>, StoreError>;

    /// The account's orders, newest first.
    async fn orders(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<Order>, StoreError>;

    async fn order_stats(&self, tenant: &TenantId, account: AccountUuid) -> Result<OrderStats, StoreError>;
}
