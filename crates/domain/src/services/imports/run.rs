use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::json;
use time::OffsetDateTime;

use super::candidate::{Candidate, LineRules};
use super::{ImportOptions, Imports};
use crate::account::{Account, AccountStatus, AccountUuid, PublicId};
use crate::audit::{Actor, AuditEntry, AuditKind};
use crate::error::DomainError;
use crate::imports::{ImportLine, ImportRecord, ImportStatus, RefusedLine};
use crate::ports::{Placed, StoreError, UniqueKey};
use crate::values::PhoneRegion;
use crate::webhooks::{Event, EventType};

/// Tries at fresh ids for a line whose drawn numeric id or derived username was taken.
const ATTEMPTS: usize = 5;

/// A run under way: feed it the file's lines batch by batch (each batch one transaction), then
/// finish it.
pub struct ImportRun<'a> {
    imports: &'a Imports,
    record: ImportRecord,
    options: ImportOptions,
    region: Option<PhoneRegion>,
    seen: Seen,
}

/// What a line did.
enum Outcome {
    /// With the account to invite, when asked.
    Imported(Option<Box<Account>>),
    Updated,
    Skipped,
    Refused(String),
}

impl<'a> ImportRun<'a> {
    pub(super) fn new(
        imports: &'a Imports,
        record: ImportRecord,
        options: ImportOptions,
        region: Option<PhoneRegion>,
    ) -> Self {
        ImportRun {
            imports,
            record,
            options,
            region,
            seen: Seen::default(),
        }
    }

    /// The run's record as it stands.
    pub fn record(&self) -> &ImportRecord {
        &self.record
    }

    /// Takes `lines` (one transaction for the new customers among them) and saves the run's
    /// progress; answers the lines it refused.
    pub async fn feed(&mut self, lines: &[ImportLine]) -> Result<Vec<RefusedLine>, DomainError> {
        let deps = &self.imports.deps;
        let now = deps.clock.now();
        let rules = LineRules {
            tenant: &self.record.tenant,
            region: self.region,
            passwords: deps.passwords.as_ref(),
            firebase: self.options.firebase.as_ref(),
            now,
        };
        let mut outcomes = Vec::with_capacity(lines.len());
        let mut candidates = Vec::with_capacity(lines.len());
        for line in lines {
            match rules.check(line).and_then(|c| self.seen.admit(&c).map(|()| c)) {
                Ok(candidate) => candidates.push(candidate),
                Err(reason) => outcomes.push((line.number, Outcome::Refused(reason))),
            }
        }
        outcomes.extend(self.place(candidates, now).await?);
        outcomes.sort_by_key(|(number, _)| *number);
        let mut refused = Vec::new();
        for (number, outcome) in outcomes {
            self.record.counts.lines += 1;
            match outcome {
                Outcome::Imported(invite) => {
                    self.record.counts.imported += 1;
                    if let Some(account) = invite {
                        self.imports.onboarding.send_activation(&account).await?;
                    }
                }
                Outcome::Updated => self.record.counts.updated += 1,
                Outcome::Skipped => self.record.counts.skipped += 1,
                Outcome::Refused(reason) => {
                    let email = lines
                        .iter()
                        .find(|l| l.number == number)
                        .and_then(|l| l.email.clone());
                    let line = RefusedLine {
                        line: number,
                        email,
                        reason,
                    };
                    self.record.refuse(line.clone());
                    refused.push(line);
                }
            }
        }
        self.record.progressed_at = now;
        if !self.options.dry_run {
            self.imports.store.save(&self.record).await?;
        }
        Ok(refused)
    }

    /// Writes the candidates that are new to the tenant, drawing ids again where a drawn one
    /// collided, and updates the existing ones when asked.
    async fn place(
        &self,
        candidates: Vec<Candidate>,
        now: OffsetDateTime,
    ) -> Result<Vec<(u64, Outcome)>, DomainError> {
        let random = self.imports.deps.random.as_ref();
        let draw = |candidate: &Candidate, attempt: usize| {
            let (uuid, public_id) = (
                AccountUuid(random.uuid()),
                PublicId(random.int_in(PublicId::MIN, PublicId::MAX)),
            );
            candidate.account(uuid, public_id, now, attempt)
        };
        let mut outcomes = Vec::with_capacity(candidates.len());
        let mut pending: Vec<(Candidate, Account)> = candidates
            .into_iter()
            .map(|c| {
                let account = draw(&c, 0);
                (c, account)
            })
            .collect();
        for attempt in 1..=ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            let accounts: Vec<Account> = pending.iter().map(|(_, a)| a.clone()).collect();
            let placed = self
                .imports
                .store
                .insert_new(&self.record.tenant, &accounts, !self.options.dry_run)
                .await?;
            let mut again = Vec::new();
            for ((candidate, account), placed) in pending.into_iter().zip(placed) {
                let outcome = match placed {
                    Placed::Imported => {
                        let invite = self.options.invite
                            && !self.options.dry_run
                            && account.status == AccountStatus::PendingActivation;
                        Outcome::Imported(invite.then(|| Box::new(account)))
                    }
                    Placed::Existing(found) => match candidate.is_the_same_as(&found) {
                        Err(reason) => Outcome::Refused(reason),
                        Ok(()) if self.options.update => self.update(found.uuid, &candidate).await?,
                        Ok(()) => Outcome::Skipped,
                    },
                    // Written meanwhile by someone else: the next run tells which customer.
                    Placed::Taken(UniqueKey::Email | UniqueKey::ExternalId) => Outcome::Skipped,
                    Placed::Taken(UniqueKey::Id) if candidate.uuid.is_some() => {
                        Outcome::Refused("uuid already names another customer".into())
                    }
                    Placed::Taken(
                        UniqueKey::Id | UniqueKey::PublicId | UniqueKey::Username | UniqueKey::ReferralCode,
                    ) if attempt < ATTEMPTS => {
                        let account = draw(&candidate, attempt);
                        again.push((candidate, account));
                        continue;
                    }
                    Placed::Taken(key) => {
                        Outcome::Refused(format!("{key} already belongs to another customer"))
                    }
                };
                outcomes.push((candidate.line, outcome));
            }
            pending = again;
        }
        Ok(outcomes)
    }

    /// `--update` of the existing customer `uuid` with what `candidate` gives.
    async fn update(&self, uuid: AccountUuid, candidate: &Candidate) -> Result<Outcome, DomainError> {
        let accounts = self.imports.deps.accounts.as_ref();
        for _ in 0..ATTEMPTS {
            let Some(current) = accounts.find_by_uuid(&self.record.tenant, uuid).await? else {
                return Ok(Outcome::Skipped);
            };
            let next = match candidate.updating(&current) {
                Ok(next) => next,
                Err(reason) => return Ok(Outcome::Refused(reason)),
            };
            if next == current {
                return Ok(Outcome::Skipped);
            }
            if self.options.dry_run {
                return Ok(Outcome::Updated);
            }
            match accounts.update(&next).await {
                Ok(_) => return Ok(Outcome::Updated),
                Err(StoreError::VersionMismatch) => continue,
                Err(StoreError::Duplicate(key)) => {
                    return Ok(Outcome::Refused(format!(
                        "{key} already belongs to another customer"
                    )))
                }
                Err(other) => return Err(other.into()),
            }
        }
        Ok(Outcome::Refused(
            "the customer kept changing during the import: import the line again".into(),
        ))
    }

    /// Ends the run: its record completed, with one audit entry and one `import.completed`
    /// event (a dry run writes nothing).
    pub async fn finish(self) -> Result<ImportRecord, DomainError> {
        self.close(ImportStatus::Completed).await
    }

    /// Ends the run early (its file could not be read to the end, say): its record, audit
    /// entry and event say so, and what it imported is accounted for.
    pub async fn fail(self) -> Result<ImportRecord, DomainError> {
        self.close(ImportStatus::Failed).await
    }

    async fn close(mut self, status: ImportStatus) -> Result<ImportRecord, DomainError> {
        let deps = &self.imports.deps;
        let now = deps.clock.now();
        self.record.status = status;
        self.record.finished_at = Some(now);
        self.record.progressed_at = now;
        if self.options.dry_run {
            return Ok(self.record);
        }
        let counts = self.record.counts;
        let audit = AuditEntry {
            id: deps.random.uuid(),
            tenant: self.record.tenant.clone(),
            // A run is no one customer's.
            account: AccountUuid(uuid::Uuid::nil()),
            kind: AuditKind::CustomersImported,
            actor: Actor::Admin,
            request_id: deps.request.request_id(),
            client_address: deps.request.client_address(),
            device: deps.request.device(),
            at: now,
            detail: Some(format!(
                "import {} {}: {} lines, {} imported, {} updated, {} skipped, {} refused",
                self.record.id.0,
                status.as_str(),
                counts.lines,
                counts.imported,
                counts.updated,
                counts.skipped,
                counts.refused
            )),
        };
        let event = Event {
            tenant: self.record.tenant.clone(),
            account: None,
            kind: EventType::ImportCompleted,
            data: json!({
                "importId": self.record.id.0.to_string(),
                "status": status.as_str(),
                "lines": counts.lines,
                "imported": counts.imported,
                "updated": counts.updated,
                "skipped": counts.skipped,
                "refused": counts.refused,
            })
            .as_object()
            .cloned()
            .unwrap_or_default(),
            at: now,
        };
        self.imports.store.finish(&self.record, &audit, &[event]).await?;
        Ok(self.record)
    }
}

impl Candidate {
    /// `current` with what this line gives: the profile fields it names, its external id if
    /// the account has none, and its password hash while the account's is still an imported
    /// one. A second-factor number is not changed by an import.
    pub(super) fn updating(&self, current: &Account) -> Result<Account, String> {
        if current.status.is_closed() {
            return Ok(current.clone());
        }
        let mut next = current.clone();
        let given = &self.new.profile;
        let profile = &mut next.profile;
        macro_rules! take {
            ($($field:ident),*) => {$(
                if given.$field.is_some() {
                    profile.$field = given.$field.clone();
                }
            )*};
        }
        take!(first_name, last_name, nickname, phone, birthday, locale);
        if current.two_factor && next.profile.phone != current.profile.phone {
            return Err("phone is this customer's second factor: not changed by an import".into());
        }
        if next.external_id.is_none() {
            next.external_id = self.new.external_id.clone();
        }
        // An imported hash by a newer one of the same earlier system; never a hash the customer
        // set, and never a first one (whoever held the address there could sign in here).
        let replaceable = current.password_hash.as_ref().is_some_and(|h| h.is_imported());
        if replaceable && self.new.password_hash.is_some() {
            next.password_hash = self.new.password_hash.clone();
        }
        Ok(next)
    }
}

/// What earlier lines of the file claimed (as 64-bit digests: a million lines in a few
/// megabytes): a later line claiming the same is a duplicate within the file.
#[derive(Default)]
pub(super) struct Seen(HashSet<u64>);

impl Seen {
    pub(super) fn admit(&mut self, candidate: &Candidate) -> Result<(), String> {
        let new = &candidate.new;
        let uuid = candidate.uuid.map(|u| u.0.to_string());
        let claims = [
            ("email", Some(new.email.normalized())),
            ("externalId", new.external_id.as_deref()),
            ("uuid", uuid.as_deref()),
            ("phone", new.profile.phone.as_ref().map(|p| p.as_str())),
        ];
        let digests: Vec<(&str, Option<u64>)> = claims
            .iter()
            .map(|(field, value)| (*field, value.map(|v| digest(field, v))))
            .collect();
        if let Some((field, _)) = digests
            .iter()
            .find(|(_, d)| d.is_some_and(|d| self.0.contains(&d)))
        {
            return Err(format!("{field} repeats an earlier line of the file"));
        }
        self.0.extend(digests.into_iter().filter_map(|(_, d)| d));
        Ok(())
    }
}

fn digest(field: &str, value: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    (field, value).hash(&mut hasher);
    hasher.finish()
}
