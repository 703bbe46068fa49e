//! Values the store's unit tests share.

use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
use clientele_domain::tenant::TenantId;
use time::OffsetDateTime;

/// An account of the default tenant with nothing but what every account has.
pub fn bare_account() -> Account {
    Account {
        uuid: AccountUuid(uuid::Uuid::nil()),
        public_id: PublicId(12_345_678_901_234),
        tenant: TenantId::default_tenant(),
        status: AccountStatus::Active,
        email: None,
        email_confirmed: false,
        email_temporary: false,
        password_hash: None,
        two_factor: false,
        factors: Default::default(),
        external_id: None,
        profile: Default::default(),
        sign_in: Default::default(),
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
        version: 0,
    }
}
