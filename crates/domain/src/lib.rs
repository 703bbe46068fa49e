//! Clientele's domain: the account, its profile and sessions, the value types that validate
//! themselves, the ports the use cases need, and the use cases. Knows no framework and does
//! no I/O; adapters implement the ports.

pub mod account;
pub mod api_key;
pub mod audit;
pub mod customer_edit;
pub mod customer_search;
pub mod deletion_request;
pub mod error;
pub mod factors;
pub mod flow;
pub mod imports;
pub mod lifecycle;
pub mod links;
pub mod loyalty;
pub mod message;
pub mod messages;
pub mod patch;
pub mod pending_change;
pub mod ports;
pub mod profile;
pub mod refusal;
pub mod services;
pub mod session;
pub mod sign_in_throttle;
pub mod tenant;
pub mod values;
pub mod webhooks;

pub use account::{Account, AccountStatus, AccountUuid, NewAccount, PublicId};
pub use error::{DomainError, FieldErrors};
pub use patch::Patch;
pub use profile::{Profile, ProfileEdit};
pub use session::{Session, SessionId};
pub use tenant::TenantId;
