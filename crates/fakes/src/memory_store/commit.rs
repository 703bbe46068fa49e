//! Applying a commit: all of it to a copy of the state, kept only if every write succeeded.

use super::*;

impl State {
    pub(super) fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        if self
            .accounts
            .contains_key(&(account.tenant.clone(), account.uuid))
        {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        if self
            .accounts
            .values()
            .any(|a| a.tenant == account.tenant && a.public_id == account.public_id)
        {
            return Err(StoreError::Duplicate(UniqueKey::PublicId));
        }
        if let Some(key) = self.unique_value_taken(account) {
            return Err(StoreError::Duplicate(key));
        }
        self.accounts
            .insert((account.tenant.clone(), account.uuid), account.clone());
        Ok(())
    }

    pub(super) fn update_account(&mut self, account: &Account) -> Result<Account, StoreError> {
        let current_version = self.account_in(&account.tenant, account.uuid).map(|a| a.version);
        if current_version != Some(account.version) {
            return Err(StoreError::VersionMismatch);
        }
        if let Some(key) = self.unique_value_taken(account) {
            return Err(StoreError::Duplicate(key));
        }
        let saved = Account {
            version: account.version + 1,
            ..account.clone()
        };
        self.accounts
            .insert((saved.tenant.clone(), saved.uuid), saved.clone());
        Ok(saved)
    }

    pub(super) fn write_flow(&mut self, write: &FlowWrite, now: OffsetDateTime) -> Result<(), StoreError> {
        match write {
            FlowWrite::Insert(flow) => {
                if self.flows.contains_key(&flow.id) {
                    return Err(StoreError::Duplicate(UniqueKey::Id));
                }
                let open_clash = is_open(flow)
                    && self.flows.values().any(|f| {
                        f.tenant == flow.tenant
                            && f.account == flow.account
                            && f.purpose == flow.purpose
                            && is_open(f)
                    });
                if open_clash {
                    return Err(StoreError::Duplicate(UniqueKey::OpenFlow));
                }
                self.flows.insert(flow.id, flow.clone());
            }
            FlowWrite::Replace(flow) => {
                let current = self
                    .flows
                    .get_mut(&flow.id)
                    .filter(|f| f.tenant == flow.tenant)
                    .filter(|f| f.status == FlowStatus::Pending && f.version == flow.version);
                let current = current.ok_or(StoreError::FlowChanged)?;
                current.target = flow.target.clone();
                current.secret_digest = flow.secret_digest.clone();
                current.pending_change = flow.pending_change.clone();
                current.expires_at = flow.expires_at;
                current.updated_at = flow.updated_at;
                current.sent += 1;
                current.sent_at = flow.sent_at;
                current.version += 1;
            }
            FlowWrite::Consume { tenant, id, version } => {
                let current = self
                    .flows
                    .get_mut(id)
                    .filter(|f| &f.tenant == tenant && is_open(f) && f.version == *version);
                let current = current.ok_or(StoreError::FlowChanged)?;
                current.status = FlowStatus::Confirmed;
                current.updated_at = now;
                current.version += 1;
            }
            FlowWrite::CancelAllOpen {
                tenant,
                account,
                except,
            } => {
                for current in self.flows.values_mut() {
                    let ended = !except.contains(&current.id);
                    if &current.tenant == tenant && &current.account == account && ended && is_open(current) {
                        current.status = FlowStatus::Cancelled;
                        current.updated_at = now;
                        current.version += 1;
                    }
                }
            }
            FlowWrite::Withdraw { tenant, id, version } => {
                let current = self
                    .flows
                    .get_mut(id)
                    .filter(|f| &f.tenant == tenant && is_open(f) && f.version == *version);
                let current = current.ok_or(StoreError::FlowChanged)?;
                current.status = FlowStatus::Cancelled;
                current.updated_at = now;
                current.version += 1;
            }
            FlowWrite::Cancel { tenant, id } => {
                if let Some(current) = self
                    .flows
                    .get_mut(id)
                    .filter(|f| &f.tenant == tenant && is_open(f))
                {
                    current.status = FlowStatus::Cancelled;
                    current.updated_at = now;
                    current.version += 1;
                }
            }
        }
        Ok(())
    }

    pub(super) fn apply(&mut self, commit: &Commit) -> Result<(), StoreError> {
        for write in &commit.accounts {
            match write {
                AccountWrite::Insert(account) => self.insert_account(account)?,
                AccountWrite::Update(account) => self.update_account(account).map(|_| ())?,
                AccountWrite::Unchanged(account) => {
                    let current = self.account_in(&account.tenant, account.uuid);
                    if current.map(|a| a.version) != Some(account.version) {
                        return Err(StoreError::VersionMismatch);
                    }
                }
            }
        }
        // After the account writes, as the databases check it.
        if let Some((tenant, session)) = &commit.caller_session {
            let live = self
                .sessions
                .get(session)
                .is_some_and(|s| &s.tenant == tenant && s.revoked_at.is_none() && s.expires_at > commit.now);
            if !live {
                return Err(StoreError::SessionEnded);
            }
        }
        for write in &commit.flows {
            self.write_flow(write, commit.now)?;
        }
        for erasure in &commit.erase_traces {
            let (tenant, account) = (&erasure.tenant, &erasure.account);
            let its = |m: &OutboundMessage| match m.account {
                Some(owner) => owner == *account,
                None => erasure.address.as_ref() == Some(&m.recipient),
            };
            for stored in self
                .outbox
                .iter_mut()
                .filter(|m| &m.message.tenant == tenant && its(&m.message))
            {
                stored.last_error = None;
                if stored.status == DeliveryStatus::Pending {
                    stored.status = DeliveryStatus::Abandoned;
                    stored.last_error = Some("the recipient's data was erased".into());
                }
                stored.message.recipient = ERASED.into();
                stored.message.subject = ERASED.into();
                stored.message.masked_text = String::new();
                stored.message.sealed_body = String::new();
            }
            self.flows
                .retain(|_, f| !(&f.tenant == tenant && &f.account == account));
            self.sessions
                .retain(|_, s| !(&s.tenant == tenant && &s.account == account));
        }
        if let Some((limit, class)) = commit.send_limit {
            // Counts only; the domain decides (`SendLimit::allows`).
            let since = limit.window_start(commit.now);
            for ((tenant, recipient), sending) in commit.sends_by_recipient() {
                let sent = self
                    .outbox
                    .iter()
                    .filter(|s| self.send_classes.get(&s.message.id) == Some(&class))
                    .filter(|s| s.message.tenant == tenant && s.message.created_at >= since)
                    .filter(|s| recipient_key(&s.message.recipient) == recipient)
                    .count();
                if !limit.allows(sent as u64, sending) {
                    return Err(StoreError::SendLimited);
                }
            }
            for message in &commit.messages {
                self.send_classes.insert(message.id, class);
            }
        }
        for message in &commit.messages {
            self.outbox.push(StoredMessage {
                message: message.clone(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: message.created_at,
                last_error: None,
                sent_at: None,
            });
        }
        self.webhooks.announce(&commit.events);
        self.audit.extend(commit.audit.iter().cloned());
        for erasure in &commit.erase_traces {
            self.webhooks.erase(&erasure.tenant, erasure.account);
            for entry in self.audit.iter_mut().filter(|e| {
                e.tenant == erasure.tenant
                    && e.account == erasure.account
                    && e.actor == clientele_domain::audit::Actor::Customer
            }) {
                entry.client_address = None;
                entry.device = None;
            }
        }
        for request in &commit.deletion_requests {
            if self.deletion_requests.iter().any(|r| r.id == request.id) {
                return Err(StoreError::Duplicate(UniqueKey::Id));
            }
            self.deletion_requests.push(request.clone());
        }
        for decided in &commit.deletion_decisions {
            let pending = self.deletion_requests.iter_mut().find(|r| {
                r.id == decided.id
                    && r.tenant == decided.tenant
                    && r.status == clientele_domain::deletion_request::DeletionStatus::Pending
            });
            let pending = pending.ok_or(StoreError::AlreadyDecided)?;
            pending.status = decided.status;
            pending.decided_at = decided.decided_at;
            pending.reason = decided.reason.clone();
        }
        for revocation in &commit.revoke_sessions {
            for session in self.sessions.values_mut() {
                if revocation.ends(session) && session.revoked_at.is_none() {
                    session.revoked_at = Some(commit.now);
                }
            }
        }
        if let Some(replacement) = &commit.replace_session {
            let live = self.sessions.get_mut(&replacement.replaced).filter(|s| {
                s.tenant == replacement.by.tenant && s.revoked_at.is_none() && s.expires_at > commit.now
            });
            let Some(live) = live else {
                return Err(StoreError::SessionEnded);
            };
            live.revoked_at = Some(commit.now);
            self.sessions.insert(replacement.by.id, replacement.by.clone());
        }
        Ok(())
    }

    /// The message, while it is still pending under `claim`.
    pub(super) fn claimed(&mut self, id: MessageId, claim: ClaimId) -> Option<&mut StoredMessage> {
        if self.claims.get(&id) != Some(&claim) {
            return None;
        }
        self.outbox
            .iter_mut()
            .find(|m| m.message.id == id && m.status == DeliveryStatus::Pending)
    }

    pub(super) fn account_in(&self, tenant: &TenantId, uuid: AccountUuid) -> Option<&Account> {
        self.accounts.get(&(tenant.clone(), uuid))
    }

    pub(super) fn account_in_mut(&mut self, tenant: &TenantId, uuid: AccountUuid) -> Option<&mut Account> {
        self.accounts.get_mut(&(tenant.clone(), uuid))
    }

    /// The first of the account's tenant-unique values (email, username, referral code, phone)
    /// that another account of its tenant holds, checked in that order, as the database's
    /// unique indexes would refuse it.
    pub(super) fn unique_value_taken(&self, account: &Account) -> Option<UniqueKey> {
        let others = || {
            self.accounts
                .values()
                .filter(|other| other.uuid != account.uuid && other.tenant == account.tenant)
        };
        let taken = |value: Option<String>, of: fn(&Account) -> Option<String>| {
            value.is_some_and(|value| others().any(|other| of(other).as_ref() == Some(&value)))
        };
        let email = |a: &Account| a.email.as_ref().map(|e| e.normalized().to_owned());
        let username = |a: &Account| a.profile.username.clone();
        let referral_code = |a: &Account| a.profile.referral_code.clone();
        let phone = |a: &Account| a.profile.phone.as_ref().map(|p| p.as_str().to_owned());
        let external_id = |a: &Account| a.external_id.clone();
        [
            (UniqueKey::Email, email as fn(&Account) -> Option<String>),
            (UniqueKey::Username, username),
            (UniqueKey::ReferralCode, referral_code),
            (UniqueKey::Phone, phone),
            (UniqueKey::ExternalId, external_id),
        ]
        .into_iter()
        .find(|(_, of)| taken(of(account), *of))
        .map(|(key, _)| key)
    }
}
