//! Loopback plumbing shared by the integration tests and the fleet bench (which
//! includes this file by path): a port nobody listens on, a kubeconfig for an API
//! server on this machine, and a plain HTTP GET. Standard library only.

use std::fmt::Display;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A loopback port with no listener (bound, then released).
pub fn unused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Writes `dir/config`, a kubeconfig whose one cluster is `http://{server}` (a bearer
/// token, no TLS), with `namespace` as its default namespace when given; returns its
/// path.
pub fn kubeconfig(dir: &Path, server: &str, namespace: Option<&str>) -> PathBuf {
    let namespace = namespace.map_or_else(String::new, |n| format!("    namespace: {n}\n"));
    let path = dir.join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: http://{server}
contexts:
- name: local
  context:
    cluster: local
    user: me
{namespace}users:
- name: me
  user:
    token: not-a-secret
current-context: local
"
        ),
    )
    .expect("write the kubeconfig");
    path
}

/// `GET path` over HTTP/1.1 with `Connection: close`: the whole response, status
/// line and headers included. Blocking, each read bounded by 5 s.
pub fn http_get(addr: impl ToSocketAddrs + Display, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(&addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}
