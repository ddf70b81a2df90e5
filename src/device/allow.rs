//! The device networks this process may connect to (`--allow-devices CIDR,…`): an
//! optional allowlist, checked on every address a connection would go to, after the
//! host name is resolved and before the connection is opened. Without one, every
//! address is allowed. It bounds what a manifest (or anyone who may create an
//! `IndustrialPLC` in the cluster) can point fabctl at.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::OnceLock;

/// The allowlist of this process, when one was set.
static ALLOWED: OnceLock<Allowlist> = OnceLock::new();

/// One network: an address and a prefix length (`10.0.0.0/16`; a bare address is the
/// network of that address alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

/// Why a network given on the command line is not one.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("{text:?} is not a network: write ADDRESS/PREFIX, e.g. 10.0.0.0/16")]
    Syntax { text: String },
    #[error("the prefix of {text} is longer than {max} bits")]
    Prefix { text: String, max: u8 },
    #[error("{text} has bits set beyond its prefix: did you mean {network}?")]
    HostBits { text: String, network: Network },
}

impl Network {
    /// Whether `ip` is in the network (an IPv4-mapped IPv6 address as its IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                mask(u128::from(u32::from(ip)), 32, self.prefix) == u128::from(u32::from(net))
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask(u128::from(ip), 128, self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

/// `bits` with all but the first `prefix` of its `width` bits cleared.
fn mask(bits: u128, width: u8, prefix: u8) -> u128 {
    let host = u32::from(width - prefix);
    bits.checked_shr(host)
        .and_then(|b| b.checked_shl(host))
        .unwrap_or(0)
}

impl FromStr for Network {
    type Err = NetworkError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let syntax = || NetworkError::Syntax {
            text: text.to_owned(),
        };
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address = address.parse::<IpAddr>().map_err(|_| syntax())?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().map_err(|_| syntax())?,
        };
        if prefix > max {
            return Err(NetworkError::Prefix {
                text: text.to_owned(),
                max,
            });
        }
        // An IPv4-mapped network (`::ffff:10.0.0.0/104`) is the IPv4 one.
        let (address, prefix) = match address.to_canonical() {
            IpAddr::V4(v4) if address.is_ipv6() && prefix >= 96 => (IpAddr::V4(v4), prefix - 96),
            _ => (address, prefix),
        };
        let network = Network { address, prefix };
        let masked = match address {
            IpAddr::V4(v4) => {
                IpAddr::V4((mask(u128::from(u32::from(v4)), 32, prefix) as u32).into())
            }
            IpAddr::V6(v6) => IpAddr::V6(mask(u128::from(v6), 128, prefix).into()),
        };
        if masked != address {
            return Err(NetworkError::HostBits {
                text: text.to_owned(),
                network: Network {
                    address: masked,
                    prefix,
                },
            });
        }
        Ok(network)
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The networks devices may be in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowlist(Vec<Network>);

impl Allowlist {
    fn check(&self, ip: IpAddr) -> Result<(), Outside> {
        if self.0.iter().any(|n| n.contains(ip)) {
            Ok(())
        } else {
            Err(Outside {
                address: ip.to_canonical(),
                allowed: self.to_string(),
            })
        }
    }
}

impl fmt::Display for Allowlist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.0.iter().map(Network::to_string).collect();
        f.write_str(&names.join(","))
    }
}

/// An address the allowlist does not hold: not connected to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{address} is outside --allow-devices {allowed}: not connected")]
pub struct Outside {
    pub address: IpAddr,
    pub allowed: String,
}

/// Restricts this process's device connections to `networks` (none: no restriction).
/// The first restriction holds.
pub fn restrict(networks: &[Network]) {
    if !networks.is_empty() {
        let _ = ALLOWED.set(Allowlist(networks.to_vec()));
    }
}

/// Whether this process may connect to `ip`.
pub fn check(ip: IpAddr) -> Result<(), Outside> {
    ALLOWED.get().map_or(Ok(()), |list| list.check(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Network {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_hold_their_addresses_and_no_others() {
        let list = Allowlist(vec![
            net("10.0.0.0/16"),
            net("192.168.7.9"),
            net("fd00::/8"),
        ]);
        for inside in [
            "10.0.0.1",
            "10.0.255.254",
            "192.168.7.9",
            "::ffff:10.0.3.4",
            "fd12::1",
        ] {
            assert_eq!(list.check(ip(inside)), Ok(()), "{inside}");
        }
        let err = list.check(ip("10.9.0.5")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "10.9.0.5 is outside --allow-devices 10.0.0.0/16,192.168.7.9/32,fd00::/8: not connected"
        );
        for outside in ["10.1.0.0", "192.168.7.10", "127.0.0.1", "fe80::1", "::1"] {
            assert!(list.check(ip(outside)).is_err(), "{outside}");
        }
        assert!(
            Allowlist(vec![net("0.0.0.0/0")])
                .check(ip("203.0.113.9"))
                .is_ok()
        );
        assert!(
            Allowlist(vec![net("0.0.0.0/0")])
                .check(ip("2001:db8::1"))
                .is_err()
        );
    }

    #[test]
    fn a_network_that_is_not_one_says_how_to_write_it() {
        assert_eq!(
            "10.0.0.5/16".parse::<Network>().unwrap_err().to_string(),
            "10.0.0.5/16 has bits set beyond its prefix: did you mean 10.0.0.0/16?"
        );
        assert_eq!(
            "10.0.0.0/33".parse::<Network>().unwrap_err().to_string(),
            "the prefix of 10.0.0.0/33 is longer than 32 bits"
        );
        assert_eq!(
            "plc-1/24".parse::<Network>().unwrap_err().to_string(),
            "\"plc-1/24\" is not a network: write ADDRESS/PREFIX, e.g. 10.0.0.0/16"
        );
        assert_eq!(net("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
    }
}
