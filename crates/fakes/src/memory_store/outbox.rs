//! The outbox.

use super::*;

#[async_trait]
impl Outbox for MemoryStore {
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        claim: ClaimId,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut state = self.state();
        let mut due: Vec<&mut StoredMessage> = state
            .outbox
            .iter_mut()
            .filter(|m| m.status == DeliveryStatus::Pending && m.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|m| m.next_attempt_at);
        let claimed: Vec<StoredMessage> = due
            .into_iter()
            .take(limit.max(0) as usize)
            .map(|m| {
                let claimed = m.clone();
                m.next_attempt_at = now + lease;
                claimed
            })
            .collect();
        for m in &claimed {
            state.claims.insert(m.message.id, claim);
        }
        Ok(claimed)
    }

    async fn mark_sent(
        &self,
        id: MessageId,
        claim: ClaimId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(m) = state.claimed(id, claim) else {
            return Ok(false);
        };
        m.status = DeliveryStatus::Sent;
        m.sent_at = Some(now);
        m.attempts += 1;
        m.message.sealed_body.clear();
        forget_if_asked(m);
        Ok(true)
    }

    async fn mark_failed(
        &self,
        id: MessageId,
        claim: ClaimId,
        next_attempt_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(m) = state.claimed(id, claim) else {
            return Ok(false);
        };
        m.attempts += 1;
        m.last_error = Some(error.chars().take(500).collect());
        match next_attempt_at {
            Some(next) => m.next_attempt_at = next,
            None => {
                m.status = DeliveryStatus::Abandoned;
                m.message.sealed_body.clear();
                forget_if_asked(m);
            }
        }
        Ok(true)
    }

    async fn pending_by_channel(&self) -> Result<Vec<clientele_domain::ports::PendingMessages>, StoreError> {
        let state = self.state();
        let mut summary: Vec<clientele_domain::ports::PendingMessages> = Vec::new();
        for stored in state
            .outbox
            .iter()
            .filter(|m| m.status == DeliveryStatus::Pending)
        {
            let channel = stored.message.channel;
            let at = stored.message.created_at;
            match summary.iter_mut().find(|p| p.channel == channel) {
                Some(p) => {
                    p.count += 1;
                    p.oldest = p.oldest.map(|oldest| oldest.min(at));
                }
                None => summary.push(clientele_domain::ports::PendingMessages {
                    channel,
                    count: 1,
                    oldest: Some(at),
                }),
            }
        }
        Ok(summary)
    }

    async fn list(
        &self,
        tenant: &TenantId,
        status: Option<DeliveryStatus>,
        account: Option<clientele_domain::account::AccountUuid>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let state = self.state();
        let mut listed: Vec<StoredMessage> = state
            .outbox
            .iter()
            .filter(|m| &m.message.tenant == tenant && status.is_none_or(|s| m.status == s))
            .filter(|m| account.is_none_or(|a| m.message.account == Some(a)))
            .cloned()
            .collect();
        listed.sort_by_key(|m| std::cmp::Reverse(m.message.created_at));
        listed.truncate(limit.max(0) as usize);
        Ok(listed)
    }
}
