//! What the domain's audit entries record of the request being served: the problem-details
//! middleware runs each request inside a scope holding the id that the log and the
//! `X-Request-Id` header carry, and the client's address as the trusted proxies report it.

use clientele_domain::ports::RequestContext;

/// The request being served.
#[derive(Debug, Clone, Default)]
pub struct RequestScope {
    pub id: Option<String>,
    pub client_address: Option<String>,
    /// The `User-Agent` as sent: read into a device name only when something asks (a sign-in,
    /// an audit entry), not on every request.
    pub user_agent: Option<actix_web::http::header::HeaderValue>,
}

tokio::task_local! {
    static REQUEST: RequestScope;
}

/// Runs `work` as part of the request `scope`.
pub async fn within_request<F: std::future::Future>(scope: RequestScope, work: F) -> F::Output {
    REQUEST.scope(scope, work).await
}

/// Reads the scope set by [`within_request`]; nothing outside a request.
pub struct CurrentRequest;

impl RequestContext for CurrentRequest {
    fn request_id(&self) -> Option<String> {
        REQUEST.try_with(|r| r.id.clone()).ok().flatten()
    }

    fn client_address(&self) -> Option<String> {
        REQUEST.try_with(|r| r.client_address.clone()).ok().flatten()
    }

    fn device(&self) -> Option<String> {
        let agent = REQUEST.try_with(|r| r.user_agent.clone()).ok().flatten()?;
        device_name(agent.to_str().ok()?)
    }
}

/// "Browser on system" as woothee reads a `User-Agent` (`Firefox on Windows 10`, `Safari on
/// iPhone`); the one it knows if it knows only one; `None` if neither.
pub fn device_name(user_agent: &str) -> Option<String> {
    let known = |v: &str| (!v.is_empty() && v != woothee::woothee::VALUE_UNKNOWN).then(|| v.to_owned());
    let parsed = woothee::parser::Parser::new().parse(user_agent)?;
    match (known(parsed.name), known(parsed.os)) {
        (Some(browser), Some(os)) => Some(format!("{browser} on {os}")),
        (browser, os) => browser.or(os),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_from_real_user_agents() {
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(device_name(firefox).as_deref(), Some("Firefox on Windows 10"));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(device_name(iphone).as_deref(), Some("Safari on iPhone"));
        assert_eq!(device_name("curl/8.5.0").as_deref(), Some("HTTP Library"));
        assert_eq!(device_name("\u{0}garbage"), None);
    }

    #[tokio::test]
    async fn the_request_is_known_inside_its_scope_only() {
        assert_eq!(CurrentRequest.request_id(), None);
        assert_eq!(CurrentRequest.client_address(), None);
        let scope = RequestScope {
            id: Some("r-1".into()),
            client_address: Some("192.0.2.1".into()),
            user_agent: None,
        };
        let inside = within_request(scope, async {
            (CurrentRequest.request_id(), CurrentRequest.client_address())
        })
        .await;
        assert_eq!(inside, (Some("r-1".into()), Some("192.0.2.1".into())));
    }
}
