//! The client's address. It is the TCP peer, unless the peer is a proxy the operator trusts
//! (`CLIENTELE_TRUSTED_PROXIES`): then it is the rightmost address of `Forwarded` (or, without
//! it, `X-Forwarded-For`) that is not itself a trusted proxy. From any other peer those headers
//! are ignored, since anyone can send them.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

/// `for=` of one `Forwarded` element, or one `X-Forwarded-For` entry, as an address: quotes,
/// IPv6 brackets and a port taken off; `unknown` and obfuscated names are no address.
fn hop(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    if let Some(rest) = raw.strip_prefix('[') {
        return IpAddr::from_str(rest.split(']').next()?).ok();
    }
    IpAddr::from_str(raw)
        .ok()
        .or_else(|| raw.rsplit_once(':').and_then(|(ip, _)| IpAddr::from_str(ip).ok()))
}

/// The hops the headers list, nearest the client first.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    name.trim().eq_ignore_ascii_case("for").then(|| hop(value))?
                })
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(hop)
        .collect()
}

impl TrustedProxies {
    /// A comma-separated list of CIDR ranges or addresses (`10.0.0.0/8, 192.168.1.7`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let nets = list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an address or a CIDR range such as 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies(Arc::new(nets)))
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address, given the TCP peer's and the request's headers.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        for hop in forwarded_hops(headers).into_iter().rev() {
            // A hop that is no address ends the chain: the last trusted one vouches for it.
            let Some(hop) = hop else { break };
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn headers_count_only_from_trusted_peers() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7").unwrap();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(
            proxies.client_ip(Some(ip("203.0.113.9")), &spoofed),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            proxies.client_ip(Some(ip("10.1.2.3")), &spoofed),
            Some(ip("1.2.3.4"))
        );
        // The rightmost untrusted hop: what the client wrote before it is not believed.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.0.0.2")]);
        assert_eq!(
            proxies.client_ip(Some(ip("192.168.1.7")), &chain),
            Some(ip("198.51.100.4"))
        );
        // Nothing trusted: the peer, whatever the headers say.
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(Some(ip("10.1.2.3")), &chain), Some(ip("10.1.2.3")));
    }

    #[test]
    fn forwarded_comes_first_with_its_quoting() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        let both = headers(&[
            (
                "forwarded",
                "for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\"",
            ),
            ("x-forwarded-for", "9.9.9.9"),
        ]);
        assert_eq!(
            proxies.client_ip(Some(ip("127.0.0.1")), &both),
            Some(ip("2001:db8:cafe::17"))
        );
        let obfuscated = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            proxies.client_ip(Some(ip("127.0.0.1")), &obfuscated),
            Some(ip("127.0.0.1"))
        );
        let with_port = headers(&[("x-forwarded-for", "198.51.100.4:5555")]);
        assert_eq!(
            proxies.client_ip(Some(ip("127.0.0.1")), &with_port),
            Some(ip("198.51.100.4"))
        );
    }

    #[test]
    fn bad_entries_are_named() {
        assert!(TrustedProxies::parse("10.0.0.0/33")
            .unwrap_err()
            .contains("10.0.0.0/33"));
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
    }
}
