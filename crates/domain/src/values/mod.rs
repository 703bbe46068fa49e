//! Value types that can only hold valid values: parsing is the one way in.

mod birthday;
mod common_passwords;
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
pub use phone::{Phone, PhoneRegion};

#[cfg(test)]
mod never_panic {
    //! Whatever a client sends, parsing answers Ok or Err: never a panic.
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    proptest! {
        #[test]
        fn parsers_accept_or_refuse_any_text(raw in "\\PC*|[-_+ ()0-9a-zA-Z:T.@]{0,40}") {
            let _ = Name::parse(&raw);
            let _ = Locale::parse(&raw);
            let _ = Phone::parse(&raw);
            let _ = Email::parse(&raw);
            let _ = Password::new_secret(&raw);
            let _ = Birthday::parse(&raw, date!(2026 - 11 - 22));
        }

        #[test]
        fn valid_values_survive_a_second_parse(raw in "[a-zA-Z]{2,3}([-_][a-zA-Z]{2})?") {
            let once = Locale::parse(&raw).unwrap();
            prop_assert_eq!(Locale::parse(once.as_str()).unwrap(), once);
        }
    }
}
