//! Who the client is behind proxies: `X-Forwarded-For` is believed only as far as it was written by
//! proxies listed in `http.trusted_proxies`.
//!
//! Each proxy appends the address it received the request from, so the header reads
//! `client, proxy1, proxy2` and the TCP peer is the last proxy. Walking from the right, every
//! address that is a trusted proxy is skipped; the first one that is not is the client. Anything
//! to its left was written by the client itself and proves nothing. With no trusted proxies, or a
//! peer that is not one, the header is ignored: a client cannot pick its own rate-limit key.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;

/// An address block: `10.0.0.0/8`, `2001:db8::/32`, or one address (`/32`, `/128`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("`{s}` is not an address or CIDR block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("`{s}`: the prefix must be 0 to {max}"))?,
            None => max,
        };
        Ok(Self { addr: addr.to_canonical(), prefix })
    }
}

impl IpNet {
    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        // The top `bits` bits of a 128-bit number.
        let top = |bits: u8| if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
        match (self.addr, ip.to_canonical()) {
            // IPv4 in the low 32 bits: the block's mask is the top `prefix` bits of those 32.
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = top(self.prefix) >> 96;
                (u128::from(u32::from(net)) & mask) == (u128::from(u32::from(ip)) & mask)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = top(self.prefix);
                (u128::from(net) & mask) == (u128::from(ip) & mask)
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From `http.trusted_proxies` (entries that do not parse are refused by the settings'
    /// validation, and skipped here).
    pub fn new(blocks: &[String]) -> Self {
        Self(blocks.iter().filter_map(|b| b.parse().ok()).collect())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address: the peer, or — when the peer is a trusted proxy — the right-most
    /// address of `X-Forwarded-For` that is not a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> =
            headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A malformed entry ends the walk: the last address that parsed is the best we know.
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }

    /// The client address of a request served with `ConnectInfo<SocketAddr>`, if it has one.
    pub fn client_of(&self, req: &Request) -> Option<IpAddr> {
        req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| self.client(c.0.ip(), req.headers()))
    }
}

/// An `X-Forwarded-For` entry: an address, possibly `[v6]:port` or `v4:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<SocketAddr>().ok().map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn blocks_parse_and_contain_their_addresses() {
        let n: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(n.contains(ip("10.200.1.2")) && !n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.0.0.9")), "an IPv4-mapped peer is its IPv4 address");
        let one: IpNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::1")) && !v6.contains(ip("2001:db9::1")) && !v6.contains(ip("10.0.0.1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("203.0.113.9"), &xff("1.2.3.4")), ip("203.0.113.9"));
    }

    #[test]
    fn a_peer_that_is_not_trusted_cannot_name_another_client() {
        let t = TrustedProxies::new(&["10.0.0.0/8".into()]);
        assert_eq!(t.client(ip("203.0.113.9"), &xff("1.2.3.4")), ip("203.0.113.9"));
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let t = TrustedProxies::new(&["10.0.0.0/8".into(), "127.0.0.1".into()]);
        // The client claims 6.6.6.6 itself; the load balancer saw 198.51.100.4; a second proxy 10.1.1.1.
        assert_eq!(t.client(ip("127.0.0.1"), &xff("6.6.6.6, 198.51.100.4, 10.1.1.1")), ip("198.51.100.4"));
        // Several header lines are one list, in order.
        let mut h = xff("6.6.6.6");
        h.append("x-forwarded-for", "198.51.100.5:4711".parse().unwrap());
        assert_eq!(t.client(ip("10.0.0.2"), &h), ip("198.51.100.5"));
        // Only trusted hops: the left-most one is as far as anyone can tell.
        assert_eq!(t.client(ip("10.0.0.2"), &xff("10.9.9.9, 10.0.0.3")), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(t.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        // A malformed hop stops the walk at the last address that parsed.
        assert_eq!(t.client(ip("10.0.0.2"), &xff("1.1.1.1, garbage, 10.0.0.3")), ip("10.0.0.3"));
    }
}
