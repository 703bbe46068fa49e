//! Signing in: with a password, then a second factor when the account has one; and
//! authenticating a bearer token against its stored session.

mod passkey;
pub(crate) mod password;
mod second_factor;
mod strong_answer;

pub use passkey::PasskeyOptions;
pub use password::{Authenticated, SignIn, SignInSettings, SignedIn};
pub use second_factor::{SecondFactor, SignInOutcome};
pub use strong_answer::Answer;
