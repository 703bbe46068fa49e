//! The back office feeds the loyalty ledger and the orders; the TSS profile reads them.

use std::sync::Arc;

use time::Date;

use crate::account::Account;
use crate::error::{DomainError, FieldErrors};
use crate::loyalty::{
    Amount, Order, OrderPosted, OrderStats, OrderStatus, WalletEntry, WalletKind, WalletPosted, WalletSummary,
};
use crate::ports::LoyaltyRepository;
use crate::services::Deps;
use crate::webhooks::{Event, EventType};
use serde_json::json;

/// Longest reference a poster may give.
const REFERENCE_LEN: usize = 100;

/// A wallet entry as the back office posts it.
#[derive(Debug, Clone)]
pub struct WalletPost {
    pub kind: WalletKind,
    /// Positive: a credit; negative: a debit.
    pub amount: Amount,
    /// Credits only.
    pub expires_on: Option<Date>,
    pub reference: String,
}

/// An order as the back office posts it.
#[derive(Debug, Clone)]
pub struct OrderPost {
    pub reference: String,
    pub amount: Amount,
    pub status: OrderStatus,
    pub placed_at: time::OffsetDateTime,
}

/// Whether a post changed anything or repeated an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    Created,
    Replayed,
}

pub struct Loyalty {
    deps: Deps,
    store: Arc<dyn LoyaltyRepository>,
}

fn check_reference(reference: &str, errors: &mut FieldErrors) {
    let ok = !reference.trim().is_empty()
        && reference.chars().count() <= REFERENCE_LEN
        && !reference.chars().any(char::is_control);
    if !ok {
        errors.add(
            "reference",
            format!("is required: 1-{REFERENCE_LEN} characters, no control characters"),
        );
    }
}

impl Loyalty {
    pub fn new(deps: Deps, store: Arc<dyn LoyaltyRepository>) -> Self {
        Loyalty { deps, store }
    }

    /// The day balances are computed for: today, in UTC.
    fn today(&self) -> Date {
        self.deps.clock.now().date()
    }

    /// Posts a credit or a debit to `account`'s wallet, once per reference.
    pub async fn post_wallet(
        &self,
        account: &Account,
        post: WalletPost,
    ) -> Result<(WalletEntry, Posting), DomainError> {
        let mut errors = FieldErrors::new();
        check_reference(&post.reference, &mut errors);
        if post.amount.0 == 0 {
            errors.add(
                "amount",
                "must not be 0: positive for a credit, negative for a debit",
            );
        }
        if post.amount.0 < 0 && post.expires_on.is_some() {
            errors.add("expires_on", "is for credits only");
        }
        if post.expires_on.is_some_and(|d| d < self.today()) {
            errors.add("expires_on", "must not be in the past");
        }
        // The store files lots that never expire under the last day there is.
        if post.expires_on.is_some_and(|d| d.year() >= 9999) {
            errors.add("expires_on", "must be before 9999-01-01");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let entry = WalletEntry {
            tenant: account.tenant.clone(),
            account: account.uuid,
            kind: post.kind,
            reference: post.reference,
            amount: post.amount,
            expires_on: post.expires_on,
            created_at: self.deps.clock.now(),
        };
        let announced = Event::about(
            account,
            EventType::LoyaltyPosted,
            json!({
                "kind": entry.kind.as_str(),
                "amount": entry.amount.0,
                "reference": entry.reference,
                "expiresOn": entry.expires_on.map(|d| d.to_string()),
            }),
            entry.created_at,
        );
        match self
            .store
            .post_wallet_entry(&entry, self.today(), &announced)
            .await?
        {
            WalletPosted::Created(entry) => Ok((entry, Posting::Created)),
            WalletPosted::Replayed(entry) => Ok((entry, Posting::Replayed)),
            WalletPosted::ReferenceTaken(_) => Err(DomainError::Conflict(
                "the reference was posted before with other content".into(),
            )),
            WalletPosted::Insufficient { spendable } => Err(DomainError::Conflict(format!(
                "the debit exceeds what can be spent today ({spendable})"
            ))),
        }
    }

    pub async fn wallet(
        &self,
        account: &Account,
        limit: i64,
    ) -> Result<(WalletSummary, Vec<WalletEntry>), DomainError> {
        let summary = self
            .store
            .wallet_summary(&account.tenant, account.uuid, self.today())
            .await?;
        let entries = self
            .store
            .wallet_entries(&account.tenant, account.uuid, limit)
            .await?;
        Ok((summary, entries))
    }

    /// Records an order, once per reference.
    pub async fn post_order(
        &self,
        account: &Account,
        post: OrderPost,
    ) -> Result<(Order, Posting), DomainError> {
        let mut errors = FieldErrors::new();
        check_reference(&post.reference, &mut errors);
        if post.amount.0 < 0 {
            errors.add("amount", "must not be negative");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let order = Order {
            tenant: account.tenant.clone(),
            account: account.uuid,
            reference: post.reference,
            amount: post.amount,
            status: post.status,
            placed_at: post.placed_at,
        };
        let announced = Event::about(
            account,
            EventType::OrderCreated,
            json!({
                "reference": order.reference,
                "amount": order.amount.0,
                "status": order.status.as_str(),
            }),
            self.deps.clock.now(),
        );
        match self.store.post_order(&order, &announced).await? {
            OrderPosted::Created(order) => Ok((order, Posting::Created)),
            OrderPosted::Replayed(order) => Ok((order, Posting::Replayed)),
            OrderPosted::ReferenceTaken(_) => Err(DomainError::Conflict(
                "the reference was posted before with other content".into(),
            )),
        }
    }

    pub async fn set_order_status(
        &self,
        account: &Account,
        reference: &str,
        status: OrderStatus,
    ) -> Result<Order, DomainError> {
        let announced = Event::about(
            account,
            EventType::OrderUpdated,
            json!({"reference": reference, "status": status.as_str()}),
            self.deps.clock.now(),
        );
        self.store
            .set_order_status(&account.tenant, account.uuid, reference, status, &announced)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn orders(
        &self,
        account: &Account,
        limit: i64,
    ) -> Result<(OrderStats, Vec<Order>), DomainError> {
        let stats = self.store.order_stats(&account.tenant, account.uuid).await?;
        let orders = self.store.orders(&account.tenant, account.uuid, limit).await?;
        Ok((stats, orders))
    }

    /// What the profile shows: balances as of today and order statistics.
    pub async fn standing(&self, account: &Account) -> Result<(WalletSummary, OrderStats), DomainError> {
        let summary = self
            .store
            .wallet_summary(&account.tenant, account.uuid, self.today())
            .await?;
        let stats = self.store.order_stats(&account.tenant, account.uuid).await?;
        Ok((summary, stats))
    }
}
