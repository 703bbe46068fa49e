//! In-memory stand-ins for the ports of `clientele-domain`, with the same contract as the real
//! adapters (the storage contract suite runs against [`MemoryStore`] too): for tests of the
//! layers above the domain, and for a team that embeds the domain and brings its own adapters
//! one by one.
//!
//! Nothing here does I/O: no database, no SMTP, no HTTP.

pub mod memory_store;
mod plain;
mod strong_factors;

pub use memory_store::MemoryStore;
pub use plain::{FixedClock, InClear, Recorder, Sequence};
pub use strong_factors::{FixedCodeApp, NoPasskeys};
