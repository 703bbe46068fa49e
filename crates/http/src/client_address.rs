//! The client's address. It is the TCP peer, unless the peer is a proxy the operator trusts
//! (`CLIENTELE_TRUSTED_PROXIES`): then it is the rightmost address of the forwarding header
//! those proxies write (`CLIENTELE_FORWARDED_HEADER`: `X-Forwarded-For`, or `Forwarded`) that is
//! not itself a trusted proxy. Only that one header is read: a proxy passes the other through
//! as the client wrote it. From any other peer it is ignored, since anyone can send it.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The forwarding header the trusted proxies write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx, HAProxy, cloud load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(ForwardedHeader::XForwardedFor),
            "forwarded" => Some(ForwardedHeader::Forwarded),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    nets: Arc<Vec<IpNet>>,
    header: ForwardedHeader,
}

/// `for=` of one `Forwarded` element, or one `X-Forwarded-For` entry, as an address: quotes,
/// IPv6 brackets and a port taken off, an IPv4-mapped IPv6 address read as IPv4; `unknown`
/// and obfuscated names are no address.
fn hop(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    let ip = if let Some(rest) = raw.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        (after.is_empty() || after.starts_with(':')).then_some(())?;
        IpAddr::from_str(inside).ok()?
    } else {
        IpAddr::from_str(raw).ok().or_else(|| {
            let (ip, port) = raw.rsplit_once(':')?;
            port.parse::<u16>().ok()?;
            IpAddr::from_str(ip).ok()
        })?
    };
    Some(ip.to_canonical())
}

/// The hops `header` lists over all its lines, nearest the client first. Lines are read
/// lossily: bytes a client wrote that are no text make its own entries unreadable, never the
/// ones a proxy appended after them.
fn forwarded_hops(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let lines = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    };
    if header == ForwardedHeader::Forwarded {
        return lines("forwarded")
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
    lines("x-forwarded-for")
        .iter()
        .flat_map(|line| line.split(','))
        .map(hop)
        .collect()
}

impl TrustedProxies {
    /// A comma-separated list of CIDR ranges or addresses (`10.0.0.0/8, 192.168.1.7`), whose
    /// proxies write `header`.
    pub fn parse(list: &str, header: ForwardedHeader) -> Result<Self, String> {
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
        Ok(TrustedProxies {
            nets: Arc::new(nets),
            header,
        })
    }

    /// Whether a range is far wider than any proxy fleet (wider than an IPv4 /8 or an IPv6
    /// /32, `0.0.0.0/0` say): then clients are trusted too, and can say they are anyone.
    pub fn trusts_too_wide(&self) -> bool {
        self.nets.iter().any(|net| match net {
            IpNet::V4(v4) => v4.prefix_len() < 8,
            IpNet::V6(v6) => v6.prefix_len() < 32,
        })
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client's address, given the TCP peer's and the request's headers.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?.to_canonical();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut client = peer;
        for hop in forwarded_hops(headers, self.header).into_iter().rev() {
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

/// The client's address of `request`, by the trusted proxies of the app's state.
pub fn client_ip(request: &actix_web::HttpRequest) -> Option<IpAddr> {
    let state = request.app_data::<actix_web::web::Data<crate::state::AppState>>()?;
    let peer = request.peer_addr().map(|p| p.ip());
    state.trusted_proxies.client_ip(peer, request.headers())
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    const XFF: ForwardedHeader = ForwardedHeader::XForwardedFor;

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
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7", XFF).unwrap();
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
    fn only_the_header_the_proxies_write_is_read() {
        let both = headers(&[
            (
                "forwarded",
                "for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\"",
            ),
            ("x-forwarded-for", "9.9.9.9"),
        ]);
        let rfc = TrustedProxies::parse("127.0.0.1", ForwardedHeader::Forwarded).unwrap();
        assert_eq!(
            rfc.client_ip(Some(ip("127.0.0.1")), &both),
            Some(ip("2001:db8:cafe::17"))
        );
        // A proxy writing X-Forwarded-For passes a client's own Forwarded through: never read.
        let xff = TrustedProxies::parse("127.0.0.1", XFF).unwrap();
        assert_eq!(xff.client_ip(Some(ip("127.0.0.1")), &both), Some(ip("9.9.9.9")));
        let obfuscated = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            rfc.client_ip(Some(ip("127.0.0.1")), &obfuscated),
            Some(ip("127.0.0.1"))
        );
        let with_port = headers(&[("x-forwarded-for", "198.51.100.4:5555")]);
        assert_eq!(
            xff.client_ip(Some(ip("127.0.0.1")), &with_port),
            Some(ip("198.51.100.4"))
        );
    }

    #[test]
    fn a_clients_garbage_does_not_hide_what_the_proxy_appended() {
        let xff = TrustedProxies::parse("127.0.0.1", XFF).unwrap();
        let mut map = HeaderMap::new();
        map.append(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_bytes(b"\xff\xfe, 198.51.100.7").unwrap(),
        );
        assert_eq!(
            xff.client_ip(Some(ip("127.0.0.1")), &map),
            Some(ip("198.51.100.7"))
        );
        // Several lines are one list, in order.
        let lines = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(
            xff.client_ip(Some(ip("127.0.0.1")), &lines),
            Some(ip("198.51.100.8"))
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        let proxies = TrustedProxies::parse("10.0.0.0/8", XFF).unwrap();
        let chain = headers(&[("x-forwarded-for", "::ffff:198.51.100.9")]);
        assert_eq!(
            proxies.client_ip(Some(ip("::ffff:10.0.0.5")), &chain),
            Some(ip("198.51.100.9"))
        );
        assert!(proxies.trusts(ip("::ffff:10.1.1.1")));
    }

    #[test]
    fn bad_entries_are_named() {
        assert!(TrustedProxies::parse("10.0.0.0/33", XFF)
            .unwrap_err()
            .contains("10.0.0.0/33"));
        assert!(TrustedProxies::parse("proxy.local", XFF).is_err());
        assert!(TrustedProxies::parse("", XFF).unwrap().nets.is_empty());
        assert_eq!(
            ForwardedHeader::parse("Forwarded"),
            Some(ForwardedHeader::Forwarded)
        );
        assert_eq!(ForwardedHeader::parse("X-Real-IP"), None);
    }
}
