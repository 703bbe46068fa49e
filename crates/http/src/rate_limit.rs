//! Per-client limits on the unauthenticated routes that send mail or check secrets and
//! passwords (sign-in, sign-up, activation, email confirmation, password reset), so nobody can
//! flood mailboxes or guess at scale. Keyed by the peer IP address; one budget shared by all
//! those routes and all workers.

use std::time::Duration;

use actix_governor::governor::middleware::StateInformationMiddleware;
use actix_governor::{GovernorConfig, GovernorConfigBuilder, PeerIpKeyExtractor};

/// Requests a client may make at once before the rate applies.
const BURST: u32 = 10;

#[derive(Clone)]
pub struct RateLimits {
    pub(crate) config: GovernorConfig<PeerIpKeyExtractor, StateInformationMiddleware>,
}

impl RateLimits {
    /// `per_minute` sustained requests per client address; `None` (no limit) for 0.
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        if per_minute == 0 {
            return None;
        }
        let period = Duration::from_millis(60_000 / u64::from(per_minute)).max(Duration::from_millis(1));
        // With headers: a refusal says when to retry (`x-ratelimit-after`, answered as Retry-After).
        let config = GovernorConfigBuilder::default()
            .period(period)
            .burst_size(BURST)
            .use_headers()
            .finish()?;
        Some(RateLimits { config })
    }
}
