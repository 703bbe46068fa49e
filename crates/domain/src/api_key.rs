//! API keys: how a tenant's own app authenticates to the surfaces that serve apps rather than
//! customers (CL2C). A key is shown once; the store keeps its public prefix and a keyed digest.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKeyId(pub Uuid);

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A stored key: never the key itself.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant: TenantId,
    pub name: String,
    /// The key's first characters (`clk_` and 12 more), unique: shown in listings so that a key
    /// in hand can be recognised, and used to find the stored digest.
    pub prefix: String,
    /// Keyed digest of the whole key.
    pub digest: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

// The digest stays out of logs too.
impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("name", &self.name)
            .field("prefix", &self.prefix)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// `clk_` + 12 characters of prefix + `_` + 32 secret characters of a 62-letter alphabet
/// (190 bits; the prefix's 71 bits only find the row).
pub const KEY_MARK: &str = "clk_";
pub const PREFIX_LEN: usize = 12;
pub const SECRET_LEN: usize = 32;
pub const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The prefix a presented key would be stored under, if it has the shape of a key.
pub fn prefix_of(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(KEY_MARK)?;
    let (prefix, secret) = rest.split_at_checked(PREFIX_LEN)?;
    let secret = secret.strip_prefix('_')?;
    let shaped = |s: &str, len| s.len() == len && s.bytes().all(|b| ALPHABET.contains(&b));
    (shaped(prefix, PREFIX_LEN) && shaped(secret, SECRET_LEN))
        .then(|| &presented[..KEY_MARK.len() + PREFIX_LEN])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_shaped_keys_have_a_prefix() {
        let key = format!("clk_{}_{}", "A".repeat(12), "b".repeat(32));
        assert_eq!(prefix_of(&key), Some("clk_AAAAAAAAAAAA"));
        for bad in [
            String::new(),
            "clk_".into(),
            format!("clk_{}-{}", "A".repeat(12), "b".repeat(32)),
            format!("clk_{}_{}", "A".repeat(12), "b".repeat(31)),
            format!("clk_{}_{}é", "A".repeat(12), "b".repeat(31)),
            format!("xxx_{}_{}", "A".repeat(12), "b".repeat(32)),
        ] {
            assert_eq!(prefix_of(&bad), None, "{bad:?}");
        }
    }
}
