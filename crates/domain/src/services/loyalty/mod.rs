//! Loyalty: the wallet ledger and the orders the back office posts, and the standing they give.

pub(crate) mod ledger;

pub use ledger::{Loyalty, OrderPost, Posting, WalletPost};
