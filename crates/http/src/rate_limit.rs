//! Per-client limits on the unauthenticated routes that send mail or check secrets and
//! passwords (sign-in, sign-up, activation, email confirmation, password reset), so nobody can
//! flood mailboxes or guess at scale. Keyed by the client's address (the peer, or what a
//! trusted proxy says; see `client_address`), an IPv6 client by its /56; one budget shared by
//! all those routes and all workers.

use std::time::Duration;

use actix_governor::governor::middleware::StateInformationMiddleware;
use std::net::IpAddr;

use actix_governor::{GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError};
use actix_web::dev::ServiceRequest;

use crate::client_address::TrustedProxies;

/// The client's address as the limiter's key.
#[derive(Clone, Debug)]
pub struct ClientIpKeyExtractor(TrustedProxies);

impl KeyExtractor for ClientIpKeyExtractor {
    type Key = IpAddr;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<IpAddr, Self::KeyExtractionError> {
        let peer = req.peer_addr().map(|socket| socket.ip());
        let ip = self
            .0
            .client_ip(peer, req.headers())
            .ok_or_else(|| SimpleKeyExtractionError::new("the client's address is unknown"))?;
        // One customer often has a whole /56 of IPv6: limited as one.
        Ok(match ip {
            IpAddr::V6(v6) => {
                let mut octets = v6.octets();
                octets[7..16].fill(0);
                IpAddr::V6(octets.into())
            }
            v4 => v4,
        })
    }
}

/// Requests a client may make at once before the rate applies.
const BURST: u32 = 10;

#[derive(Clone)]
pub struct RateLimits {
    pub(crate) config: GovernorConfig<ClientIpKeyExtractor, StateInformationMiddleware>,
}

impl RateLimits {
    /// `per_minute` sustained requests per client address (as `proxies` let it be known);
    /// `None` (no limit) for 0.
    pub fn per_minute(per_minute: u32, proxies: TrustedProxies) -> Option<Self> {
        if per_minute == 0 {
            return None;
        }
        let period = Duration::from_millis(60_000 / u64::from(per_minute)).max(Duration::from_millis(1));
        // With headers: a refusal says when to retry (`x-ratelimit-after`, answered as Retry-After).
        let config = GovernorConfigBuilder::default()
            .key_extractor(ClientIpKeyExtractor(proxies))
            .period(period)
            .burst_size(BURST)
            .use_headers()
            .finish()?;
        Some(RateLimits { config })
    }
}

impl RateLimits {
    /// Forgets the clients whose budget is whole again, so that the limiter holds the clients
    /// of the last minutes, not every address it ever saw. Run it now and then.
    pub fn forget_idle_clients(&self) {
        let limiter = self.config.limiter();
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }

    /// How many clients the limiter holds.
    pub fn clients_held(&self) -> usize {
        self.config.limiter().len()
    }
}

/// Per-API-key limits on the surfaces that apps call with a key (CL2C): one leaked or runaway
/// key cannot take the service from every other tenant. In memory, per instance (N instances
/// allow N times the rate; see docs/operations.md).
#[derive(Clone)]
pub struct KeyLimits {
    limiter: std::sync::Arc<actix_governor::governor::DefaultKeyedRateLimiter<uuid::Uuid>>,
}

impl KeyLimits {
    /// `per_minute` sustained requests per key, in bursts of a tenth of it (at least 10);
    /// `None` (no limit) for 0.
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        use actix_governor::governor::{Quota, RateLimiter};
        let rate = std::num::NonZeroU32::new(per_minute)?;
        let burst = std::num::NonZeroU32::new((per_minute / 10).max(BURST))?;
        Some(KeyLimits {
            limiter: std::sync::Arc::new(RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))),
        })
    }

    /// Forgets the keys whose budget is whole again (see [`RateLimits::forget_idle_clients`]).
    pub fn forget_idle_keys(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// `Err(wait)` when the key is over its rate.
    pub fn check(&self, key: uuid::Uuid) -> Result<(), Duration> {
        use actix_governor::governor::clock::{Clock, DefaultClock};
        self.limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_clients_are_forgotten() {
        // 6,000 a minute: a whole burst of 10 comes back within 100 ms.
        let limits = RateLimits::per_minute(6_000, Default::default()).unwrap();
        for last in 1..=50u8 {
            let _ = limits
                .config
                .limiter()
                .check_key(&IpAddr::from([198, 51, 100, last]));
        }
        assert_eq!(limits.clients_held(), 50);
        limits.forget_idle_clients();
        std::thread::sleep(Duration::from_millis(300));
        limits.forget_idle_clients();
        assert_eq!(
            limits.clients_held(),
            0,
            "every budget is whole again: nothing to keep"
        );
    }
}
