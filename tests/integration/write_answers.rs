//! What a write's answer means, against simulated devices that answer writes badly: a
//! late answer (the write was performed, the reply comes after the timeout), a late
//! answer with another writer in between, a wrong echo, and Acknowledge. The
//! simulator counts the write requests: a write is never re-sent blindly.

use std::time::Duration;

use fabctl::register::RegisterKind::Holding;
use fabctl::sim::{FaultOverrides, SimConfig};

use crate::support::{Plant, stderr, stdout};

/// One PLC (timeout 200 ms) whose `speed` is to go from 1 to 5, and `force` in sync.
const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: press}\nspec:\n  deviceAddress: 127.0.0.1\n  port: @press\n  timeoutMs: 200\n  registers:\n    - {name: speed, address: 10, value: 5}\n    - {name: force, address: 11, value: 6}\n";

const DEVICE: &str = "default/press";

async fn press_with(faults: FaultOverrides) -> Plant {
    let plant = Plant::start_with(PLANT, |c: &mut SimConfig| {
        for d in c.endpoints.iter_mut().flat_map(|e| &mut e.devices) {
            d.faults = faults.clone();
        }
    })
    .await;
    assert!(plant.sim.set_words(DEVICE, Holding, 10, &[1]));
    plant
}

/// FC06 requests the device received.
fn fc06(plant: &Plant) -> u64 {
    plant.sim.counters(DEVICE).unwrap().requests_for(6)
}

fn speed(plant: &Plant) -> Vec<u16> {
    plant.sim.read_words(DEVICE, Holding, 10, 1).unwrap()
}

async fn apply(plant: &Plant) -> (Option<i32>, String) {
    let out = plant
        .fabctl(&["apply", "--auto-approve", "--color", "never"])
        .await;
    let text = stdout(&out);
    assert!(out.status.code().is_some(), "{text}{}", stderr(&out));
    (out.status.code(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_is_read_back_and_the_write_sent_once() {
    let plant = press_with(FaultOverrides {
        write_latency_ms: Some(600),
        ..Default::default()
    })
    .await;
    let (code, text) = apply(&plant).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "default/press/speed: applied (1 → 5) — the device did not answer the write, the \
             read-back shows it applied"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("Apply complete! 1 changed, 0 failed.\n"),
        "{text}"
    );
    assert_eq!(fc06(&plant), 1, "the write was sent exactly once");
    assert_eq!(speed(&plant), [5]);
    let line = &plant.audit_outcomes()[0];
    assert_eq!(
        (line["outcome"].as_str(), line["note"].as_str()),
        (
            Some("applied"),
            Some("the device did not answer the write, the read-back shows it applied")
        ),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_with_another_writer_in_between_is_stale_and_not_rewritten() {
    let plant = press_with(FaultOverrides {
        write_latency_ms: Some(600),
        ..Default::default()
    })
    .await;
    // An HMI writes 77 while fabctl waits for its write's answer.
    let hmi = async {
        let started = tokio::time::Instant::now();
        while fc06(&plant) == 0 && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert!(plant.sim.set_words(DEVICE, Holding, 10, &[77]));
    };
    let ((code, text), ()) = tokio::join!(apply(&plant), hmi);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "default/press/speed: stale — the device did not answer the write (no answer \
             within 200 ms) and the read-back shows 77, neither the value before (1) nor 5: \
             another writer changed it; not written again"
        ),
        "{text}"
    );
    assert_eq!(fc06(&plant), 1, "never written again");
    assert_eq!(speed(&plant), [77], "the other writer's value stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_answered_for_another_address_is_an_error() {
    let plant = press_with(FaultOverrides {
        write_echo_offset: Some(1),
        ..Default::default()
    })
    .await;
    let (code, text) = apply(&plant).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "default/press/speed: failed — write not confirmed: the device answered for \
             address 11, value 5; we wrote 10, 5"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("Apply failed! 0 changed, 1 failed, 0 skipped.\n"),
        "{text}"
    );
    assert_eq!(fc06(&plant), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_write_is_applied_once_the_read_back_shows_it() {
    let plant = press_with(FaultOverrides {
        acknowledge_writes_ms: Some(100),
        ..Default::default()
    })
    .await;
    let (code, text) = apply(&plant).await;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "default/press/speed: applied (1 → 5) — the device acknowledged the write \
             (Acknowledge, 0x05), the read-back shows it applied"
        ),
        "{text}"
    );
    assert_eq!(fc06(&plant), 1);
    assert_eq!(speed(&plant), [5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_write_that_never_shows_is_not_reported_done() {
    let plant = press_with(FaultOverrides {
        acknowledge_writes_ms: Some(5_000),
        ..Default::default()
    })
    .await;
    let (code, text) = apply(&plant).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("default/press/speed: verify_failed — read-back shows 1 instead of 5"),
        "{text}"
    );
    assert_eq!(fc06(&plant), 1);
}
