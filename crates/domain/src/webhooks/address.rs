//! Where an endpoint may point: `https` to the public internet. A URL that reaches the
//! service's own network (loopback, private, link-local) would let a tenant's operator probe
//! it, so such addresses are refused at creation and again at each delivery (a name may
//! resolve elsewhere by then), unless the instance's operator allows them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the instance allows besides public `https` URLs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// `http` (and `https`) to a loopback address: tests and development.
    pub allow_loopback: bool,
    /// Private, link-local and other non-public addresses.
    pub allow_private: bool,
}

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("must be an absolute https URL of at most 2000 characters, without credentials")]
    Malformed,
    #[error("must use https (http only to a loopback address, when the instance allows it)")]
    NotHttps,
    #[error(
        "reaches a private, loopback or link-local address ({0}), which this instance does not deliver to"
    )]
    PrivateAddress(IpAddr),
    #[error("its host `{0}` does not resolve")]
    Unresolvable(String),
}

/// A URL whose form the policy admits (its addresses are checked where it is resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: String,
    host: String,
    ip: Option<IpAddr>,
}

impl WebhookUrl {
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The host as written (without brackets for IPv6).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The address, when the host is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }
}

fn is_loopback_name(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

impl UrlPolicy {
    /// The URL, if its form is acceptable: scheme, no credentials, a host; an address (or
    /// `localhost`) the policy admits.
    pub fn parse(&self, raw: &str) -> Result<WebhookUrl, UrlRefusal> {
        let url = raw.trim();
        if url.len() > 2000 || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(UrlRefusal::Malformed);
        }
        let lower = url.to_ascii_lowercase();
        let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = lower.strip_prefix("http://") {
            (false, rest)
        } else if lower.contains("://") {
            return Err(UrlRefusal::NotHttps);
        } else {
            return Err(UrlRefusal::Malformed);
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(UrlRefusal::Malformed);
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed.split_once(']').ok_or(UrlRefusal::Malformed)?;
                match after {
                    "" => (host, None),
                    _ => (host, Some(after.strip_prefix(':').ok_or(UrlRefusal::Malformed)?)),
                }
            }
            None => match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        if let Some(port) = port {
            let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
            if !digits || port.parse::<u16>().map_or(true, |p| p == 0) {
                return Err(UrlRefusal::Malformed);
            }
        }
        let ip = host.parse::<IpAddr>().ok();
        // URL parsers (and the HTTP client) read a host whose last label is a number as an
        // IPv4 address in any of its old forms (`2130706433`, `0x7f.1`, `127.1`): only the
        // dotted-decimal one is taken, so the address checked is the one connected to.
        let last_label = host.trim_end_matches('.').rsplit('.').next().unwrap_or_default();
        let numeric = !last_label.is_empty()
            && (last_label.bytes().all(|b| b.is_ascii_digit())
                || last_label.starts_with("0x")
                || last_label.starts_with("0X"));
        if ip.is_none() && numeric {
            return Err(UrlRefusal::Malformed);
        }
        let host = if ip.is_none() {
            host.strip_suffix('.').unwrap_or(host)
        } else {
            host
        };
        let name_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if ip.is_none() && !name_ok {
            return Err(UrlRefusal::Malformed);
        }
        let loopback = ip.is_some_and(|ip| loopback(&ip)) || is_loopback_name(host);
        if !(https || loopback && self.allow_loopback) {
            return Err(UrlRefusal::NotHttps);
        }
        if let Some(ip) = ip {
            self.check(ip)?;
        } else if is_loopback_name(host) && !self.admits(IpAddr::V4(Ipv4Addr::LOCALHOST)) {
            return Err(UrlRefusal::PrivateAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        }
        Ok(WebhookUrl {
            url: url.to_owned(),
            host: host.to_owned(),
            ip,
        })
    }

    /// Whether a delivery may connect to `ip`.
    pub fn admits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if loopback(&ip) {
            self.allow_loopback || self.allow_private
        } else if public(&ip) {
            true
        } else {
            self.allow_private
        }
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), UrlRefusal> {
        if self.admits(ip) {
            Ok(())
        } else {
            Err(UrlRefusal::PrivateAddress(ip))
        }
    }
}

fn loopback(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Globally routable unicast: not private, shared (CGNAT), link-local, unspecified, multicast,
/// broadcast, documentation or reserved.
fn public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: &Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

/// Global unicast (`2000::/3`) only, without the ranges that are documentation or that carry
/// an IPv4 address a relay would reach (6to4, Teredo): everything else (unique-local,
/// link-local, site-local, IPv4-compatible, NAT64) is not public.
fn public_v6(ip: &Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    (first & 0xe000) == 0x2000
        && !(first == 0x2001 && second == 0x0db8)
        && first != 0x2002
        && !(first == 0x2001 && second == 0x0000)
}
