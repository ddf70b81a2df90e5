//! `/metrics` and `/healthz` under a flood of idle connections: the connection cap
//! closes what is over it at once, the idle timeout closes the rest, and the devices
//! keep their descriptors, so the PLC stays enforced.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fabctl::process::limits::{self, Need};
use fabctl::process::listener::{IDLE_TIMEOUT, MAX_CONNECTIONS};
use fabctl::register::RegisterKind::Holding;

use crate::support::Plant;
use crate::support::loopback::unused_port;

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n  registers:\n    - {name: a, address: 0, value: 5}\n";

const IDLE: usize = 2_000;

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether the server closed the connection (end of stream or reset).
fn closed(mut stream: &TcpStream) -> bool {
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        Err(_) => true,
    }
}

/// `GET /healthz`, every step bounded by 2 s; the response, or "" when there was none.
async fn healthz(addr: &str) -> String {
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    tokio::task::spawn_blocking(move || {
        let get = || -> std::io::Result<String> {
            let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            stream.set_write_timeout(Some(Duration::from_secs(2)))?;
            stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        };
        get().unwrap_or_default()
    })
    .await
    .unwrap()
}

/// Waits (at most `within`) until the PLC's register holds the desired 5 again.
async fn enforced_within(plant: &Plant, within: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if plant.sim.read_words("default/press", Holding, 0, 1) == Some(vec![5]) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_metrics_connections_leave_the_plc_enforced() {
    let plant = Plant::start(PLANT).await;
    // This test holds the idle connections itself.
    limits::ensure(&Need {
        descriptors: IDLE as u64 + 256,
        what: format!("holding {IDLE} idle connections"),
        advice: "raise the open-file limit of the tests",
    })
    .unwrap();
    let addr = format!("127.0.0.1:{}", unused_port());
    // fabctl with 512 descriptors: 2,000 connections held open would take them all.
    let child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -Sn 512 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_fabctl"))
        .args([
            "reconcile",
            "--schedule",
            "* * * * * *",
            "--metrics-addr",
            &addr,
        ])
        // The test drifts the register in consecutive ticks: it is no tug of war.
        .args(["--conflict-after", "0"])
        .arg("-f")
        .arg(&plant.manifest)
        .arg("--audit-log")
        .arg(plant.dir.path().join("audit.jsonl"))
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _running = Running(child);
    let started = Instant::now();
    while !healthz(&addr).await.starts_with("HTTP/1.1 200") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "/healthz never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let opened = Instant::now();
    // Bounded: each connection within 1 s, all of them within 20 s.
    let idle: Vec<TcpStream> = (0..IDLE)
        .take_while(|_| opened.elapsed() < Duration::from_secs(20))
        .filter_map(|_| {
            TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(1)).ok()
        })
        .collect();
    let connected = Instant::now();
    assert!(idle.len() >= IDLE * 95 / 100, "{} connected", idle.len());
    for stream in &idle {
        stream.set_nonblocking(true).unwrap();
    }

    // The PLC drifts three times while they are held: each time it is enforced again.
    for round in 0..3 {
        assert!(plant.sim.set_words("default/press", Holding, 0, &[1]));
        assert!(
            enforced_within(&plant, Duration::from_secs(5)).await,
            "round {round}: the PLC was not corrected within 5 s"
        );
    }
    let open = idle.iter().filter(|s| !closed(s)).count();
    assert!(
        open <= MAX_CONNECTIONS,
        "{open} connections still open: more than the cap of {MAX_CONNECTIONS}"
    );

    // The idle timeout closes the ones under the cap too (a place freed by one is
    // taken by a connection still waiting to be accepted); then /healthz answers.
    let deadline = connected + IDLE_TIMEOUT + Duration::from_secs(5);
    loop {
        let open = idle.iter().filter(|s| !closed(s)).count();
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} idle connections outlived the idle timeout"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(idle);
    assert!(healthz(&addr).await.starts_with("HTTP/1.1 200 OK"));
    assert!(plant.sim.set_words("default/press", Holding, 0, &[1]));
    assert!(enforced_within(&plant, Duration::from_secs(5)).await);
}
