//! The id of the request being served, for the domain's audit entries: the problem-details
//! middleware runs each request inside a scope holding the id that the log and the
//! `X-Request-Id` header carry.

use clientele_domain::ports::RequestIds;

tokio::task_local! {
    static REQUEST_ID: Option<String>;
}

/// Runs `work` with `id` as the current request's id.
pub async fn with_request_id<F: std::future::Future>(id: Option<String>, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// Reads the id set by [`with_request_id`]; none outside a request.
pub struct CurrentRequestId;

impl RequestIds for CurrentRequestId {
    fn current(&self) -> Option<String> {
        REQUEST_ID.try_with(Clone::clone).ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_id_is_known_inside_its_scope_only() {
        assert_eq!(CurrentRequestId.current(), None);
        let inside = with_request_id(Some("r-1".into()), async { CurrentRequestId.current() }).await;
        assert_eq!(inside.as_deref(), Some("r-1"));
    }
}
