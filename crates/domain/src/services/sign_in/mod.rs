//! Signing in: with a password, then a texted second factor when the account has it on; and
//! authenticating a bearer token against its stored session.

pub(crate) mod password;
mod second_factor;

pub use password::{Authenticated, SignIn, SignInSettings, SignedIn};
pub use second_factor::{SecondFactor, SignInOutcome};
