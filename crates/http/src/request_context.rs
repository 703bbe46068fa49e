//! What the domain's audit entries record of the request being served: the problem-details
//! middleware runs each request inside a scope holding the id that the log and the
//! `X-Request-Id` header carry, and the client's address as the trusted proxies report it.

use clientele_domain::ports::RequestContext;

/// The request being served.
#[derive(Debug, Clone, Default)]
pub struct RequestScope {
    pub id: Option<String>,
    pub client_address: Option<String>,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_is_known_inside_its_scope_only() {
        assert_eq!(CurrentRequest.request_id(), None);
        assert_eq!(CurrentRequest.client_address(), None);
        let scope = RequestScope {
            id: Some("r-1".into()),
            client_address: Some("192.0.2.1".into()),
        };
        let inside = within_request(scope, async {
            (CurrentRequest.request_id(), CurrentRequest.client_address())
        })
        .await;
        assert_eq!(inside, (Some("r-1".into()), Some("192.0.2.1".into())));
    }
}
