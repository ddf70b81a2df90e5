//! Endpoint identity: when two spellings of a device's host name one device.
//!
//! Without DNS ([`literal`]): letter case, a trailing dot, square brackets around an
//! IPv6 address, the textual forms of one IP address (`::ffff:10.0.0.5` is
//! `10.0.0.5`) and `localhost` (the IPv4 loopback address 127.0.0.1, as host files
//! name it) are one host. `127.0.0.1` and `::1` are not: a server can listen on one and
//! not the other.
//!
//! A run also resolves host names ([`resolve`]) once, before any device is contacted;
//! from then on a name is the first address it resolved to, so `plc-1.plant.local`
//! and `10.0.0.5` are one device when the name resolves there. Resolutions are kept
//! for the process; the agent refreshes a PLC's before each reconcile ([`refresh`]).
//! A name that cannot be resolved keeps its failure, which reading and writing report
//! for that PLC instead of contacting it.
//!
//! [`key`] is the identity of an endpoint, the one connection a device is reached
//! through: a host and port for the network transports, the serial line for `rtu`
//! (every unit id on one line is behind that one endpoint). A serial line has no host
//! to resolve ([`network_host`]).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};
use std::sync::{LazyLock, RwLock};

use super::Transport;

/// Most host names looked up at once.
const LOOKUPS_AT_ONCE: usize = 16;

/// What resolving a host name gave.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Resolution {
    Address(IpAddr),
    Failed(String),
}

/// Resolutions of this process, by literal host.
static RESOLVED: LazyLock<RwLock<HashMap<String, Resolution>>> = LazyLock::new(Default::default);

/// The host as fabctl compares it without DNS (see the module documentation).
pub fn literal(host: &str) -> String {
    let host = host.trim();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return ip.to_canonical().to_string();
    }
    let name = bare.strip_suffix('.').unwrap_or(bare).to_ascii_lowercase();
    if name == "localhost" {
        return Ipv4Addr::LOCALHOST.to_string();
    }
    name
}

/// The host's identity: the address it resolved to in this process, else its
/// [`literal`] form.
pub fn identity(host: &str) -> String {
    let literal = literal(host);
    match read_cache().get(&literal) {
        Some(Resolution::Address(ip)) => ip.to_string(),
        _ => literal,
    }
}

/// The endpoint a device is reached through, as one key: PLCs with one key share one
/// connection (and one session, one request at a time), their lock files and their
/// overlap checks. Hosts compare by [`identity`]; a serial line by its path (the file
/// it links to when it exists here, so `/dev/serial/by-id/…` and `/dev/ttyUSB0` are one
/// line), with port 0.
pub fn key(host: &str, port: u16, transport: &Transport) -> (String, u16) {
    key_with(host, port, transport, identity)
}

/// [`key`] with hosts compared by `host_identity` (validation: [`literal`]).
pub fn key_with(
    host: &str,
    port: u16,
    transport: &Transport,
    host_identity: impl Fn(&str) -> String,
) -> (String, u16) {
    match transport {
        Transport::Rtu(serial) => {
            let line = std::fs::canonicalize(&serial.device).unwrap_or(serial.device.clone());
            (format!("serial:{}", line.display()), 0)
        }
        Transport::Tcp | Transport::RtuOverTcp | Transport::Tls(_) => (host_identity(host), port),
    }
}

/// The host name a device is reached at, none for a serial line (its `deviceAddress`
/// only names it).
pub fn network_host<'a>(host: &'a str, transport: &Transport) -> Option<&'a str> {
    match transport {
        Transport::Rtu(_) => None,
        Transport::Tcp | Transport::RtuOverTcp | Transport::Tls(_) => Some(host),
    }
}

/// Why the host could not be resolved, when resolving it failed in this process.
pub fn failure(host: &str) -> Option<String> {
    match read_cache().get(&literal(host)) {
        Some(Resolution::Failed(reason)) => Some(reason.clone()),
        _ => None,
    }
}

/// Resolves the host names among `hosts` with the system resolver (IP addresses and
/// `localhost` need no lookup), several at once. Failures are kept, never raised.
pub fn resolve<'a>(hosts: impl IntoIterator<Item = &'a str>) {
    resolve_with(hosts, &system_lookup);
}

/// [`resolve`] with another lookup (tests).
pub fn resolve_with<'a>(
    hosts: impl IntoIterator<Item = &'a str>,
    lookup: &(dyn Fn(&str) -> Result<IpAddr, String> + Sync),
) {
    let mut names: Vec<String> = hosts
        .into_iter()
        .map(literal)
        .filter(|h| h.parse::<IpAddr>().is_err())
        .collect();
    names.sort();
    names.dedup();
    for chunk in names.chunks(LOOKUPS_AT_ONCE) {
        let results: Vec<(String, Resolution)> = std::thread::scope(|scope| {
            let lookups: Vec<_> = chunk
                .iter()
                .map(|name| scope.spawn(move || (name.clone(), resolution(lookup(name)))))
                .collect();
            lookups
                .into_iter()
                .zip(chunk)
                .map(|(handle, name)| {
                    handle.join().unwrap_or_else(|_| {
                        (name.clone(), Resolution::Failed("the lookup failed".into()))
                    })
                })
                .collect()
        });
        write_cache().extend(results);
    }
}

/// Resolves one host again (the agent, before each reconcile of a PLC).
pub async fn refresh(host: &str) {
    let name = literal(host);
    if name.parse::<IpAddr>().is_ok() {
        return;
    }
    let found = tokio::net::lookup_host((name.as_str(), 0))
        .await
        .map_err(|e| e.to_string())
        .and_then(|mut addrs| first_address(&mut addrs));
    write_cache().insert(name, resolution(found));
}

fn system_lookup(name: &str) -> Result<IpAddr, String> {
    (name, 0)
        .to_socket_addrs()
        .map_err(|e| e.to_string())
        .and_then(|mut addrs| first_address(&mut addrs))
}

fn first_address(addrs: &mut dyn Iterator<Item = std::net::SocketAddr>) -> Result<IpAddr, String> {
    addrs
        .next()
        .map(|a| a.ip().to_canonical())
        .ok_or_else(|| "the name has no address".into())
}

fn resolution(found: Result<IpAddr, String>) -> Resolution {
    match found {
        Ok(ip) => Resolution::Address(ip),
        Err(reason) => Resolution::Failed(reason),
    }
}

fn read_cache() -> std::sync::RwLockReadGuard<'static, HashMap<String, Resolution>> {
    RESOLVED.read().unwrap_or_else(|e| e.into_inner())
}

fn write_cache() -> std::sync::RwLockWriteGuard<'static, HashMap<String, Resolution>> {
    RESOLVED.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_host_are_one_literal() {
        for (a, b) in [
            ("LOCALHOST", "127.0.0.1"),
            ("localhost.", "127.0.0.1"),
            ("PLC-1.Plant.Local.", "plc-1.plant.local"),
            ("[::1]", "::1"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("::ffff:10.0.0.5", "10.0.0.5"),
            (" 10.0.0.5 ", "10.0.0.5"),
        ] {
            assert_eq!(literal(a), literal(b), "{a} = {b}");
        }
        for (a, b) in [
            ("127.0.0.1", "::1"),
            ("localhost", "::1"),
            ("10.0.0.5", "10.0.0.50"),
            ("plc-1", "plc-1.plant.local"),
        ] {
            assert_ne!(literal(a), literal(b), "{a} != {b}");
        }
    }

    #[test]
    fn a_resolved_name_is_its_address_and_a_failure_is_kept() {
        let lookup = |name: &str| match name {
            "press-7.endpoint-test" => Ok("10.9.0.7".parse().unwrap()),
            _ => Err(format!("{name}: no such host")),
        };
        resolve_with(
            ["Press-7.Endpoint-Test.", "gone.endpoint-test", "10.9.0.8"],
            &lookup,
        );
        assert_eq!(identity("press-7.endpoint-test"), "10.9.0.7");
        assert_eq!(identity("10.9.0.7"), "10.9.0.7");
        assert_eq!(failure("press-7.endpoint-test"), None);
        assert_eq!(
            failure("GONE.endpoint-test"),
            Some("gone.endpoint-test: no such host".into())
        );
        assert_eq!(identity("gone.endpoint-test"), "gone.endpoint-test");
        assert_eq!(
            identity("never-resolved.endpoint-test"),
            "never-resolved.endpoint-test"
        );
    }
}
