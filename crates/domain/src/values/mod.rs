//! Value types that can only hold valid values: parsing is the one way in.

mod birthday;
mod email;
mod locale;
mod name;
mod password;
mod phone;

pub use birthday::Birthday;
pub use email::Email;
pub use locale::Locale;
pub use name::Name;
pub use password::{Password, PasswordHash};
pub use phone::Phone;
