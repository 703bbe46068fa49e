//! The loyalty ledger and orders.

use super::*;

#[async_trait]
impl LoyaltyRepository for MemoryStore {
    async fn post_wallet_entry(
        &self,
        entry: &WalletEntry,
        today: Date,
        announcing: &clientele_domain::webhooks::Event,
    ) -> Result<WalletPosted, StoreError> {
        let mut state = self.state();
        let same_account = |e: &WalletEntry| e.tenant == entry.tenant && e.account == entry.account;
        if let Some((earlier, _)) = state
            .wallet
            .iter()
            .find(|(e, _)| same_account(e) && e.reference == entry.reference)
        {
            return Ok(if earlier.same_post_as(entry) {
                WalletPosted::Replayed(earlier.clone())
            } else {
                WalletPosted::ReferenceTaken(earlier.clone())
            });
        }
        if entry.amount.0 < 0 {
            let lots: Vec<Lot> = state
                .wallet
                .iter()
                .filter(|(e, _)| same_account(e) && e.kind == entry.kind)
                .map(|(e, remaining)| Lot {
                    reference: e.reference.clone(),
                    remaining: *remaining,
                    expires_on: e.expires_on,
                    created_at: e.created_at,
                })
                .collect();
            // The domain decides what is spent; this writes it.
            let spends = match spend_first_to_expire(&lots, -entry.amount.0, today) {
                Ok(spends) => spends,
                Err(spendable) => return Ok(WalletPosted::Insufficient { spendable }),
            };
            for spend in spends {
                let lot = state
                    .wallet
                    .iter_mut()
                    .find(|(e, _)| same_account(e) && e.kind == entry.kind && e.reference == spend.reference);
                match lot {
                    Some((_, remaining)) if *remaining >= spend.amount => *remaining -= spend.amount,
                    _ => return Err(StoreError::Unavailable("a lot to spend vanished".into())),
                }
            }
        }
        state.wallet.push((entry.clone(), entry.amount.0.max(0)));
        state.webhooks.announce(std::slice::from_ref(announcing));
        Ok(WalletPosted::Created(entry.clone()))
    }

    async fn wallet_entries(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<WalletEntry>, StoreError> {
        let mut found: Vec<WalletEntry> = self
            .state()
            .wallet
            .iter()
            .filter(|(e, _)| &e.tenant == tenant && e.account == account)
            .map(|(e, _)| e.clone())
            .collect();
        found.sort_by(|a, b| (b.created_at, &b.reference).cmp(&(a.created_at, &a.reference)));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }

    async fn wallet_summary(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        today: Date,
    ) -> Result<WalletSummary, StoreError> {
        let mut summary = WalletSummary::default();
        let state = self.state();
        for (entry, remaining) in &state.wallet {
            let live = *remaining > 0 && entry.expires_on.is_none_or(|d| d >= today);
            if &entry.tenant != tenant || entry.account != account || !live {
                continue;
            }
            let balance = summary.of(entry.kind);
            balance.spendable.0 += remaining;
            if let Some(day) = entry.expires_on {
                balance.next_to_expire = match balance.next_to_expire {
                    Some((sum, next)) if next == day => Some((Amount(sum.0 + remaining), day)),
                    Some((sum, next)) if next < day => Some((sum, next)),
                    _ => Some((Amount(*remaining), day)),
                };
            }
        }
        Ok(summary)
    }

    async fn post_order(
        &self,
        order: &Order,
        announcing: &clientele_domain::webhooks::Event,
    ) -> Result<OrderPosted, StoreError> {
        let mut state = self.state();
        let earlier = state.orders.iter().find(|o| {
            o.tenant == order.tenant && o.account == order.account && o.reference == order.reference
        });
        if let Some(earlier) = earlier {
            return Ok(if earlier.same_post_as(order) {
                OrderPosted::Replayed(earlier.clone())
            } else {
                OrderPosted::ReferenceTaken(earlier.clone())
            });
        }
        state.orders.push(order.clone());
        state.webhooks.announce(std::slice::from_ref(announcing));
        Ok(OrderPosted::Created(order.clone()))
    }

    async fn set_order_status(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        reference: &str,
        status: OrderStatus,
        announcing: &clientele_domain::webhooks::Event,
    ) -> Result<Option<Order>, StoreError> {
        let mut state = self.state();
        let found = state
            .orders
            .iter_mut()
            .find(|o| &o.tenant == tenant && o.account == account && o.reference == reference);
        let changed = found.map(|o| {
            o.status = status;
            o.clone()
        });
        if changed.is_some() {
            state.webhooks.announce(std::slice::from_ref(announcing));
        }
        Ok(changed)
    }

    async fn orders(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<Order>, StoreError> {
        let mut found: Vec<Order> = self
            .state()
            .orders
            .iter()
            .filter(|o| &o.tenant == tenant && o.account == account)
            .cloned()
            .collect();
        found.sort_by(|a, b| (b.placed_at, &b.reference).cmp(&(a.placed_at, &a.reference)));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }

    async fn order_stats(&self, tenant: &TenantId, account: AccountUuid) -> Result<OrderStats, StoreError> {
        let state = self.state();
        let theirs = state
            .orders
            .iter()
            .filter(|o| &o.tenant == tenant && o.account == account);
        let mut stats = OrderStats::default();
        for order in theirs {
            stats.count += 1;
            if order.status == OrderStatus::Completed {
                stats.successful += 1;
                stats.total_spending.0 += order.amount.0;
            }
        }
        Ok(stats)
    }
}
