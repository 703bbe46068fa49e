//! How the domain's errors read over HTTP.

use actix_web::http::StatusCode;
use clientele_domain::flow::Refusal;
use clientele_domain::DomainError;

use crate::problem::Problem;

/// Maps a use case's error to a problem; `rename` turns the domain's field names into the
/// surface's (`first_name` → `info.firstName`).
pub fn problem_for(error: DomainError, rename: fn(&str) -> Option<&'static str>) -> Problem {
    match error {
        DomainError::Invalid(errors) => Problem::invalid(errors.renamed(rename)),
        DomainError::Unauthenticated => Problem::unauthorized(),
        DomainError::SignInAgain => Problem::sign_in_again(),
        DomainError::NotFound => Problem::not_found(),
        DomainError::Conflict(reason) => {
            Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(reason)
        }
        DomainError::Taken(errors) => Problem::taken(errors.renamed(rename)),
        DomainError::PreconditionFailed => Problem::new(StatusCode::PRECONDITION_FAILED, "precondition-failed", "Precondition Failed")
            .detail("The account changed since the version If-Match names: nothing was changed. Read it again (its ETag) and decide again."),
        DomainError::TooSoon(seconds) => Problem::new(StatusCode::TOO_MANY_REQUESTS, "too-soon", "Too Soon")
            .detail("Asked again sooner than allowed (a code sent moments ago, or the day's data exports made); wait as Retry-After says.")
            .keep_header(actix_web::http::header::RETRY_AFTER, seconds.into()),
        DomainError::SendLimited(seconds) => Problem::new(StatusCode::TOO_MANY_REQUESTS, "send-limited", "Too Many Messages")
            .detail("This address or number was sent as many messages as allowed for now; nothing was changed or sent. Try again later.")
            .keep_header(actix_web::http::header::RETRY_AFTER, seconds.into()),
        DomainError::SecretRefused(refusal) => refused(refusal, Held::Secret),
        DomainError::Unavailable(reason) => {
            tracing::error!(%reason, "dependency unavailable");
            Problem::unavailable()
        }
        // Expected under load; one line per refusal at debug level keeps a flood out of the log.
        DomainError::Overloaded => {
            tracing::debug!("at capacity: answered 503");
            Problem::overloaded()
        }
    }
}

/// For surfaces whose field names are the domain's.
pub fn same_names(_: &str) -> Option<&'static str> {
    None
}

/// What the customer holds in a flow that checks a secret: the refusal speaks of it.
#[derive(Clone, Copy)]
pub enum Held {
    /// A mailed link (activation, email confirmation).
    Link,
    /// A code or link mailed for a password reset.
    ResetCode,
    /// A code mailed to close the account.
    ClosingCode,
    /// A texted one-time code.
    TextedCode,
    /// A flow's secret, where the surface does not say which.
    Secret,
}

impl Held {
    /// The title's noun and the detail's name of what is held.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Held::Link => ("Link", "link"),
            Held::ResetCode => ("Code", "reset code"),
            Held::ClosingCode => ("Code", "closing code"),
            Held::TextedCode => ("Code", "code"),
            Held::Secret => ("Secret", "secret"),
        }
    }
}

/// [`problem_for`] in a flow where the customer holds a secret: a wrong, expired or locked
/// one is refused in words about what they hold (the problem types stay the same).
pub fn problem_about(error: DomainError, rename: fn(&str) -> Option<&'static str>, held: Held) -> Problem {
    match error {
        DomainError::SecretRefused(refusal) => refused(refusal, held),
        other => problem_for(other, rename),
    }
}

/// A refused secret, in words about what is held.
fn refused(refusal: Refusal, held: Held) -> Problem {
    let (noun, what) = held.names();
    match refusal {
        Refusal::Invalid => {
            // A reset code that expired is refused as a wrong one (a reset is named by its
            // address, and the answer must not tell which addresses have an open reset).
            let reasons = match held {
                Held::ResetCode => {
                    "it is mistyped, was used already, has expired, or a newer one replaced it"
                }
                _ => "it is mistyped, was used already, or a newer one replaced it",
            };
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-secret",
                &format!("Invalid {noun}"),
            )
            .detail(format!("This {what} is not valid: {reasons}."))
        }
        Refusal::Expired => Problem::new(StatusCode::GONE, "secret-expired", &format!("Expired {noun}"))
            .detail(format!("This {what} has expired; ask for a new one.")),
        Refusal::Locked => Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "secret-locked",
            "Too Many Wrong Tries",
        )
        .detail(format!(
            "Too many wrong tries: this {what} no longer works. Ask for a new one once it has expired."
        )),
    }
}
