//! What the gateways have in common: one HTTP client, and what an answer means.

use clientele_domain::ports::DeliveryError;
use reqwest::StatusCode;

use crate::SEND_TIMEOUT;

pub(crate) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .connect_timeout(SEND_TIMEOUT)
        // A gateway that redirects is misconfigured; following it could hand the text to
        // someone else.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("the SMS client cannot be built: {e}"))
}

/// The outcome of a gateway's answer: any 2xx is sent; 408, 429 and 5xx are worth another
/// try, and so are 401, 403 and 404 (credentials or a URL the operator can still fix: the code
/// waits rather than being lost); any other answer will not change (a number the gateway
/// refuses). Only the status goes into the error, never the text.
pub(crate) fn outcome(gateway: &str, status: StatusCode) -> Result<(), DeliveryError> {
    if status.is_success() {
        return Ok(());
    }
    let reason = format!("{gateway} answered {status}");
    let retried = [
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::REQUEST_TIMEOUT,
        StatusCode::UNAUTHORIZED,
        StatusCode::FORBIDDEN,
        StatusCode::NOT_FOUND,
    ];
    if status.is_server_error() || retried.contains(&status) {
        Err(DeliveryError::Temporary(reason))
    } else {
        Err(DeliveryError::Permanent(reason))
    }
}

/// A request that got no answer: down, unreachable, too slow. The error's own text can carry
/// the URL (with credentials, for some gateways); only its kind is kept.
pub(crate) fn unanswered(gateway: &str, error: &reqwest::Error) -> DeliveryError {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not be reached"
    } else {
        "did not answer"
    };
    DeliveryError::Temporary(format!("{gateway} {kind}"))
}
