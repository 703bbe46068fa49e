//! One line of an import file checked into the account it would make.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::account::{external_id, Account, AccountStatus, AccountUuid, NewAccount, PublicId};
use crate::imports::ImportLine;
use crate::ports::{Existing, FirebaseScrypt, PasswordHasher};
use crate::profile::Profile;
use crate::tenant::TenantId;
use crate::values::{Birthday, Email, Locale, Name, Phone, PhoneRegion};

/// A line that passed every check: the account it makes, once given ids.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub line: u64,
    pub new: NewAccount,
    /// The earlier system's public id, kept as the account's uuid.
    pub uuid: Option<AccountUuid>,
    pub created_at: Option<OffsetDateTime>,
}

impl Candidate {
    /// The account, with the given uuid or `uuid`, and `public_id`; `attempt` as for
    /// [`NewAccount::into_account`].
    pub fn account(
        &self,
        uuid: AccountUuid,
        public_id: PublicId,
        now: OffsetDateTime,
        attempt: usize,
    ) -> Account {
        let mut account = self
            .new
            .clone()
            .into_account(self.uuid.unwrap_or(uuid), public_id, now, attempt);
        if let Some(created_at) = self.created_at {
            account.created_at = created_at;
        }
        account
    }
}

impl Candidate {
    /// Whether `found`, the account the tenant has with this line's email or external id, is
    /// the customer the line describes: refused (with the reason) when the line's keys name
    /// two customers, or the found one under another external id or uuid — updating it, or
    /// skipping the line silently, would give one person's account to another.
    pub fn is_the_same_as(&self, found: &Existing) -> Result<(), String> {
        if found.other.is_some() {
            return Err("email and externalId belong to two different customers".into());
        }
        let line_external = self.new.external_id.as_deref();
        if let (Some(line), Some(stored)) = (line_external, found.external_id.as_deref()) {
            if line != stored {
                return Err("email belongs to a customer with another externalId".into());
            }
        }
        if self.uuid.is_some_and(|given| given != found.uuid) {
            return Err("email belongs to a customer with another uuid".into());
        }
        Ok(())
    }
}

/// What checking a line needs besides the line.
pub(crate) struct LineRules<'a> {
    pub tenant: &'a TenantId,
    pub region: Option<PhoneRegion>,
    pub passwords: &'a dyn PasswordHasher,
    pub firebase: Option<&'a FirebaseScrypt>,
    pub now: OffsetDateTime,
}

impl LineRules<'_> {
    /// The candidate `line` makes, or why it is refused (the first problem found).
    pub fn check(&self, line: &ImportLine) -> Result<Candidate, String> {
        if let Some(reason) = &line.unreadable {
            return Err(reason.clone());
        }
        let email = line.email.as_deref().ok_or("email is required")?;
        let email = Email::parse(email).map_err(|m| format!("email {m}"))?;
        let password_hash = line
            .password_hash
            .as_deref()
            .map(|hash| {
                self.passwords
                    .adopt(hash, line.password_salt.as_deref(), self.firebase)
                    .map_err(|m| format!("passwordHash: {m}"))
            })
            .transpose()?;
        let verified = match line
            .email_verified
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(_) => return Err("emailVerified must be true or false".into()),
        };
        let name = |field: &str, raw: &Option<String>| {
            raw.as_deref()
                .map(|v| Name::parse(v).map_err(|m| format!("{field} {m}")))
                .transpose()
        };
        let profile = Profile {
            first_name: name("firstName", &line.first_name)?,
            last_name: name("lastName", &line.last_name)?,
            nickname: name("nickname", &line.nickname)?,
            phone: line
                .phone
                .as_deref()
                .map(|p| Phone::parse_in(p, self.region).map_err(|m| format!("phone {m}")))
                .transpose()?,
            birthday: line
                .birthday
                .as_deref()
                .map(|b| Birthday::parse(b, self.now.date()).map_err(|m| format!("birthday {m}")))
                .transpose()?,
            locale: line
                .locale
                .as_deref()
                .map(|l| Locale::parse(l).map_err(|m| format!("locale {m}")))
                .transpose()?,
            ..Profile::default()
        };
        let external_id = line
            .external_id
            .as_deref()
            .map(|id| external_id(id).map_err(|m| format!("externalId {m}")))
            .transpose()?;
        let uuid = line
            .uuid
            .as_deref()
            .map(|raw| {
                raw.parse::<uuid::Uuid>()
                    .ok()
                    .filter(|u| !u.is_nil())
                    .map(AccountUuid)
                    .ok_or("uuid must be a UUID (not the nil one)")
            })
            .transpose()?;
        let created_at = line
            .created_at
            .as_deref()
            .map(|raw| {
                OffsetDateTime::parse(raw, &Rfc3339)
                    .ok()
                    .filter(|at| *at <= self.now)
                    .ok_or("createdAt must be an RFC 3339 time, not in the future")
            })
            .transpose()?;
        Ok(Candidate {
            line: line.number,
            new: NewAccount {
                tenant: self.tenant.clone(),
                status: if verified {
                    AccountStatus::Active
                } else {
                    AccountStatus::PendingActivation
                },
                email,
                email_confirmed: verified,
                password_hash,
                profile,
                external_id,
            },
            uuid,
            created_at,
        })
    }
}
