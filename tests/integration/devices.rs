//! Devices as they are in the field, played by the simulator (and by pymodbus): write
//! functions a device lacks, a busy device, a device answering for another unit id, a
//! device closing the connection after each reply, a gateway whose device does not
//! answer. Each shows the fallback that works and the message a user sees.

use fabctl::register::RegisterKind::{Coil, Holding};
use fabctl::sim::SimConfig;

use crate::support::pymodbus::Peer;
use crate::support::{Plant, assert_ok, stderr, stdout};

/// Two adjacent setpoints and two adjacent coils.
const METER: &str = r#"
apiVersion: fabgitops.io/v1
kind: IndustrialPLC
metadata: {name: meter, namespace: plant}
spec:
  deviceAddress: 127.0.0.1
  port: @meter
  registers:
    - {name: low, address: 10, value: 5}
    - {name: high, address: 11, value: 6}
    - {name: pump, address: 0, kind: coil, value: true}
    - {name: fan, address: 1, kind: coil, value: true}
"#;

fn device<'c>(config: &'c mut SimConfig, name: &str) -> &'c mut fabctl::sim::DeviceConfig {
    config
        .endpoints
        .iter_mut()
        .flat_map(|e| &mut e.devices)
        .find(|d| d.name == name)
        .unwrap()
}

/// The meter, every register drifted, with `configure` applied to its device.
async fn meter(template: &str, configure: impl FnOnce(&mut fabctl::sim::DeviceConfig)) -> Plant {
    let plant = Plant::start_with(template, |config| {
        configure(device(config, "plant/meter"));
    })
    .await;
    assert!(plant.sim.set_words("plant/meter", Holding, 10, &[0, 0]));
    assert!(plant.sim.set_words("plant/meter", Coil, 0, &[0, 0]));
    plant
}

/// The log lines containing `needle`, without their timestamps.
fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.contains(needle))
        .map(|l| l.split_once("  ").map_or(l, |(_, rest)| rest))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_without_fc16_and_fc15_gets_one_item_per_fc06_and_fc05() {
    let plant = meter(METER, |d| d.quirks.unsupported = vec![15, 16]).await;
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert_eq!(
        plant.sim.read_words("plant/meter", Holding, 10, 2),
        Some(vec![5, 6])
    );
    assert_eq!(
        plant.sim.read_words("plant/meter", Coil, 0, 2),
        Some(vec![1, 1])
    );
    let c = plant.sim.counters("plant/meter").unwrap();
    assert_eq!(
        [16, 6, 15, 5].map(|f| c.requests_for(f)),
        [1, 2, 1, 2],
        "one refused request each, then one per item"
    );
    let log = stderr(&apply);
    let addr = plant.sim.addr_of("plant/meter").unwrap();
    assert_eq!(
        lines_with(&log, "the device has no"),
        [
            format!(
                "WARN plant/meter ({addr} unit 1): the device has no Write Multiple Registers (FC16, IllegalFunction); writing one register per FC06 from now on — set spec.limits.writeFunction: single to skip this"
            ),
            format!(
                "WARN plant/meter ({addr} unit 1): the device has no Write Multiple Coils (FC15, IllegalFunction); writing one coil per FC05 from now on — set spec.limits.writeFunction: single to skip this"
            ),
        ],
        "{log}"
    );
}

/// A u32 on a device without FC16: two FC06 writes would leave half a value on the
/// device in between, so it is not written, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_u32_on_a_device_without_fc16_fails_clearly_and_nothing_is_written() {
    let template = METER.replace(
        "{name: low, address: 10, value: 5}\n    - {name: high, address: 11, value: 6}",
        "{name: total, address: 10, type: u32, value: 70000}",
    );
    let plant = meter(&template, |d| d.quirks.unsupported = vec![16]).await;
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(1), "{}", stdout(&apply));
    assert!(
        stdout(&apply).contains(
            "plant/meter/total: failed — not written: a u32 takes 2 registers, which only one \
             Write Multiple Registers (FC16) request writes, and the device has no FC16 (it \
             answered IllegalFunction); it is never split into FC06 writes\n"
        ),
        "{}",
        stdout(&apply)
    );
    assert_eq!(
        plant.sim.read_words("plant/meter", Holding, 10, 2),
        Some(vec![0, 0])
    );
    let c = plant.sim.counters("plant/meter").unwrap();
    assert_eq!((c.requests_for(16), c.requests_for(6)), (1, 0));
    assert!(plant.sim.write_log().iter().all(|w| w.kind == Coil));
}

/// `writeFunction: single` says up front what the device has: no FC16/FC15 round
/// trip, nothing to learn, no warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_function_single_needs_no_fallback() {
    let template = METER.replace(
        "  port: @meter\n",
        "  port: @meter\n  limits: {writeFunction: single}\n",
    );
    let plant = meter(&template, |d| d.quirks.unsupported = vec![15, 16]).await;
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    let c = plant.sim.counters("plant/meter").unwrap();
    assert_eq!([16, 6, 15, 5].map(|f| c.requests_for(f)), [0, 2, 0, 2]);
    assert!(lines_with(&stderr(&apply), "the device has no").is_empty());
}

/// Every second read and every second write answered ServerDeviceBusy: reads are
/// sent again after a pause, writes after a fresh compare-and-set; plan and apply
/// succeed and the log says how many retries it took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_busy_every_second_request_is_planned_and_applied() {
    let plant = meter(METER, |d| d.faults.busy_every = Some(2)).await;
    let plan = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(
        plan.status.code(),
        Some(2),
        "{}{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert!(stdout(&plan).ends_with("Plan: 4 to change, 0 drifted, 0 in sync.\n"));
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    eprintln!("{}\n{}", stdout(&apply), stderr(&apply));
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert!(stdout(&apply).ends_with("Apply complete! 4 changed, 0 failed.\n"));
    let addr = plant.sim.addr_of("plant/meter").unwrap();
    let retried = format!(
        "WARN {addr} unit 1: the device was busy; the read was answered after 1 retry (50 ms)"
    );
    let log = stderr(&plan) + &stderr(&apply);
    assert!(
        lines_with(&log, "busy").contains(&retried.as_str()),
        "{log}"
    );
    let again = plant.fabctl(&["plan", "--detailed-exitcode"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

/// A device (or gateway) answering for unit 0 when asked for unit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_answering_for_unit_0_is_named_so() {
    let plant = meter(METER, |d| d.faults.answer_unit_id = Some(0)).await;
    let plan = plant.fabctl(&["plan", "--color", "never"]).await;
    let addr = plant.sim.addr_of("plant/meter").unwrap();
    assert_eq!(plan.status.code(), Some(1), "{}", stderr(&plan));
    assert_eq!(
        stdout(&plan),
        format!(
            "# plant/meter ({addr} unit 1)\n\
             \x20 ✗ unusable answer: the device answered for unit 0, not unit 1: check spec.unitId (a gateway may answer for unit 0 when it answers itself, and a device that is not behind a gateway may answer for unit 0 or 255 whatever it is asked: then set unitId to that)\n\
             \n\
             Plan: 0 to change, 0 drifted, 0 in sync, 1 answered but not read.\n"
        )
    );
    assert_eq!(
        plant.sim.counters("plant/meter").unwrap().total_requests(),
        1,
        "not retried"
    );
}

/// A device that serves one request per connection: every request goes on a fresh
/// connection, nothing is lost or written twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_closing_the_connection_after_each_reply_still_works() {
    let plant = meter(METER, |d| d.faults.close_after_reply = Some(true)).await;
    let apply = plant.fabctl(&["apply", "--auto-approve"]).await;
    assert_ok(&apply);
    assert_eq!(
        plant.sim.read_words("plant/meter", Holding, 10, 2),
        Some(vec![5, 6])
    );
    let c = plant.sim.counters("plant/meter").unwrap();
    assert_eq!(
        (c.requests_for(16), c.requests_for(15)),
        (1, 1),
        "each write sent once"
    );
    assert_eq!(plant.sim.total_connections(), c.total_requests());
}

/// A device that closes the connection instead of answering: what it may mean, not
/// the OS's last error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_closing_the_connection_unanswered_is_named_so() {
    let plant = meter(METER, |d| d.faults.drop_rate = Some(1.0)).await;
    let plan = plant.fabctl(&["plan", "--color", "never"]).await;
    assert_eq!(plan.status.code(), Some(1));
    assert!(
        stdout(&plan).contains(
            "  ✗ unreachable: the device closed the connection: it may accept only one client (is another master, HMI or SCADA connected?)\n"
        ),
        "{}",
        stdout(&plan)
    );
}

/// A gateway whose serial device does not answer (0x0B): the words say what may be
/// wrong, the unit id among other things.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_without_an_answer_from_its_device_says_what_to_check() {
    let template = METER.replace("  port: @meter\n", "  port: @meter\n  unitId: 7\n");
    let plant = Plant::start_with(&template, |config| {
        device(config, "plant/meter").unit_ids = vec![1];
    })
    .await;
    let plan = plant.fabctl(&["plan", "--color", "never"]).await;
    assert_eq!(plan.status.code(), Some(1));
    assert!(
        stdout(&plan).contains(
            "  ✗ unreachable: the gateway got no answer from unit 7 (GatewayTargetDeviceFailedToRespond, exception 0x0B): the device behind it is off, wired wrong, or not unit 7; check the gateway's serial settings (baud rate, parity, stop bits) and spec.unitId\n"
        ),
        "{}",
        stdout(&plan)
    );
}

/// pymodbus refusing FC16 (an implementation that is not ours): two adjacent
/// setpoints go one per FC06.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pymodbus_without_fc16_gets_one_register_per_fc06() {
    let Some(peer) = Peer::start(serde_json::json!({
        "holding": {"10": 0, "11": 0},
        "unsupported": [16],
    })) else {
        eprintln!("skipped: pymodbus is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("meter.yaml");
    let text = METER
        .replace("@meter", &peer.port.to_string())
        .replace("    - {name: pump, address: 0, kind: coil, value: true}\n    - {name: fan, address: 1, kind: coil, value: true}\n", "");
    std::fs::write(&manifest, text).unwrap();
    let apply = crate::support::fabctl()
        .args(["apply", "--auto-approve", "-f"])
        .arg(&manifest)
        .env("FABCTL_AUDIT_LOG", dir.path().join("audit.jsonl"))
        .output()
        .unwrap();
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}{}\n{}",
        stdout(&apply),
        stderr(&apply),
        peer.log()
    );
    let log = stderr(&apply);
    let warnings = lines_with(&log, "the device has no");
    assert_eq!(warnings.len(), 1, "{}", stderr(&apply));
    assert!(warnings[0].ends_with("the device has no Write Multiple Registers (FC16, IllegalFunction); writing one register per FC06 from now on — set spec.limits.writeFunction: single to skip this"));
    let plan = crate::support::fabctl()
        .args(["plan", "--detailed-exitcode", "-f"])
        .arg(&manifest)
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));
}
