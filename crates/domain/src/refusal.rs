//! Why a presented secret was not accepted: what a use case answers and a surface maps, kept
//! apart from the flows so that errors need not know them.

/// Why a presented secret was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown flow, wrong secret, or a secret already used.
    Invalid,
    Expired,
    /// Too many wrong tries; a new secret must be requested once this one has expired.
    Locked,
}
