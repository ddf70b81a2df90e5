//! The simulator under attack: random bytes and malformed MBAP frames (a bounded
//! number, on loopback) never crash it, and a well-formed client keeps being served
//! during and after.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_modbus::prelude::Reader;

use crate::support::Plant;

const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: target}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @t\n  registers:\n    - {name: a, address: 100, value: 4242}\n";

/// Deterministic pseudo-random bytes (xorshift), so a failure can be replayed.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn malformed(i: u64) -> Vec<u8> {
    match i % 6 {
        // Random bytes of random length.
        0 => noise(i, 1 + (i as usize * 37) % 600),
        // MBAP length claiming 65,535 bytes, then nothing.
        1 => vec![0, 1, 0, 0, 0xFF, 0xFF, 1, 3],
        // Length zero.
        2 => vec![0, 2, 0, 0, 0, 0, 1],
        // Wrong protocol id.
        3 => vec![0, 3, 0x12, 0x34, 0, 6, 1, 3, 0, 100, 0, 1],
        // A truncated frame, then the connection closes.
        4 => vec![0, 4, 0, 0, 0, 6, 1, 3, 0],
        // A valid header around a random PDU.
        _ => {
            let pdu = noise(i * 7, 1 + (i as usize % 250));
            let mut frame = vec![0, 5, 0, 0, 0, (pdu.len() + 1) as u8, 1];
            frame.extend(pdu);
            frame
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_never_crashes_the_simulator_and_good_clients_are_served() {
    let plant = Plant::start(PLANT).await;
    let addr = plant.sim.addr_of("default/target").unwrap();

    // A well-formed client reading all along.
    let good = tokio::spawn(async move {
        let mut ctx = tokio_modbus::client::tcp::connect_slave(addr, tokio_modbus::Slave(1))
            .await
            .unwrap();
        for _ in 0..200 {
            let read =
                tokio::time::timeout(Duration::from_secs(5), ctx.read_holding_registers(100, 1))
                    .await;
            assert_eq!(read.expect("answered in time").unwrap(), Ok(vec![4242]));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });

    // 600 hostile connections, 8 at a time.
    for batch in 0..75u64 {
        let mut tasks = Vec::new();
        for j in 0..8u64 {
            let i = batch * 8 + j;
            tasks.push(tokio::spawn(async move {
                let Ok(Ok(mut stream)) =
                    tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr)).await
                else {
                    panic!("the simulator stopped accepting connections");
                };
                let _ = stream.write_all(&malformed(i)).await;
                let mut sink = [0u8; 512];
                // Whatever comes back (an exception, a close), within a bound.
                let _ =
                    tokio::time::timeout(Duration::from_millis(200), stream.read(&mut sink)).await;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
    good.await.unwrap();

    // After the attack: a fresh client is served and the value is intact.
    let mut ctx = tokio_modbus::client::tcp::connect_slave(addr, tokio_modbus::Slave(1))
        .await
        .unwrap();
    assert_eq!(
        ctx.read_holding_registers(100, 1).await.unwrap(),
        Ok(vec![4242])
    );
    assert!(
        plant.sim.write_log().is_empty(),
        "garbage never wrote a register"
    );
    assert!(plant.sim.total_connections() >= 600);
}
