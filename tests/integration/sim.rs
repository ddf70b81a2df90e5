//! The simulator on the wire: a standard Modbus client (tokio-modbus) and raw sockets
//! against `Simulator::start` on ephemeral loopback ports. Every network call is
//! bounded by a timeout.

use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use fabctl::register::{RegisterKind, Value};
use fabctl::sim::{SimConfig, SimHandle, Simulator, WriteRecord};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_modbus::client::Context;
use tokio_modbus::prelude::*;

use crate::support::loopback::http_get;

const LIMIT: Duration = Duration::from_secs(5);

/// A gateway (units 1 and 2) and a separate oven, in the scenario file format.
const PLANT: &str = r#"
devices:
  - name: plant/press
    listen: 127.0.0.1:1
    unitId: 1
    registers:
      - { name: target, address: 4001, value: 2500 }
      - { name: speed, address: 4002, type: f32, value: 12.5 }
      - { name: count, address: 4004, type: u32, wordOrder: little, value: 70000 }
      - { name: temp, address: 10, kind: input, type: i16, value: -40 }
      - { name: pressure, address: 11, kind: input, value: 7 }
      - { name: motor, address: 0, kind: coil, value: true }
      - { name: lamp, address: 1, kind: coil, value: false }
      - { name: door, address: 5, kind: discrete, value: true }
      - { name: estop, address: 6, kind: discrete, value: false }
  - name: plant/mixer
    listen: 127.0.0.1:1
    unitId: 2
    registers:
      - { name: target, address: 4001, value: 111 }
  - name: plant/oven
    listen: 127.0.0.1:2
    registers:
      - { name: setpoint, address: 0, type: f64, value: 180.25 }
"#;

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} timed out"))
}

fn config(yaml: &str) -> SimConfig {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, yaml).expect("write scenario");
    SimConfig::from_file(&path)
        .expect("valid scenario")
        .on_ephemeral_ports()
}

async fn start(config: SimConfig) -> SimHandle {
    within("start", Simulator::start(config))
        .await
        .expect("simulator starts")
}

async fn client(sim: &SimHandle, device: &str, unit: u8) -> Context {
    let addr = sim.addr_of(device).expect("device is served");
    within("connect", tcp::connect_slave(addr, Slave(unit)))
        .await
        .expect("connects")
}

/// Sends raw bytes and reads one reply frame; `None` when the server closed instead.
async fn raw(addr: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let mut stream = within("connect", TcpStream::connect(addr))
        .await
        .expect("connects");
    within("write", stream.write_all(request))
        .await
        .expect("writes");
    within("read", read_frame(&mut stream)).await
}

async fn read_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut frame = vec![0; 7];
    stream.read_exact(&mut frame).await.ok()?;
    let length = usize::from(u16::from_be_bytes([frame[4], frame[5]]));
    frame.resize(6 + length, 0);
    stream.read_exact(&mut frame[7..]).await.ok()?;
    Some(frame)
}

#[tokio::test]
async fn reads_every_table_with_a_standard_client() {
    let sim = start(config(PLANT)).await;
    let mut press = client(&sim, "plant/press", 1).await;
    let coils = within("FC01", press.read_coils(0, 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(coils, [true, false]);
    let discrete = within("FC02", press.read_discrete_inputs(5, 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(discrete, [true, false]);
    let holding = within("FC03", press.read_holding_registers(4001, 5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        holding,
        [2500, 0x4148, 0x0000, 0x1170, 0x0001],
        "u16, f32 ABCD, u32 CDAB"
    );
    let input = within("FC04", press.read_input_registers(10, 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(input, [(-40i16) as u16, 7]);
    sim.shutdown().await;
}

#[tokio::test]
async fn writes_every_writable_kind_and_logs_each_write() {
    let sim = start(config(PLANT)).await;
    let mut press = client(&sim, "plant/press", 1).await;
    within("FC05", press.write_single_coil(1, true))
        .await
        .unwrap()
        .unwrap();
    within("FC06", press.write_single_register(4001, 3000))
        .await
        .unwrap()
        .unwrap();
    within("FC15", press.write_multiple_coils(0, &[false, false]))
        .await
        .unwrap()
        .unwrap();
    within("FC16", press.write_multiple_registers(4002, &[0x41A0, 0]))
        .await
        .unwrap()
        .unwrap();

    let coils = within("FC01", press.read_coils(0, 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(coils, [false, false]);
    let holding = within("FC03", press.read_holding_registers(4001, 3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holding, [3000, 0x41A0, 0]);
    assert_eq!(
        sim.read_words("plant/press", RegisterKind::Holding, 4002, 2),
        Some(vec![0x41A0, 0])
    );

    let record = |kind, address, old: &[u16], new: &[u16]| WriteRecord {
        device: "plant/press".into(),
        kind,
        address,
        old: old.to_vec(),
        new: new.to_vec(),
    };
    assert_eq!(
        sim.write_log(),
        [
            record(RegisterKind::Coil, 1, &[0], &[1]),
            record(RegisterKind::Holding, 4001, &[2500], &[3000]),
            record(RegisterKind::Coil, 0, &[1, 1], &[0, 0]),
            record(RegisterKind::Holding, 4002, &[0x4148, 0], &[0x41A0, 0]),
        ]
    );
    let counters = sim.counters("plant/press").unwrap();
    assert_eq!(counters.writes_to(RegisterKind::Coil, 1), 2);
    assert_eq!(counters.writes_to(RegisterKind::Holding, 4003), 1);
    assert_eq!(counters.writes_to(RegisterKind::Holding, 4004), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn exceptions_follow_the_modbus_spec() {
    let sim = start(config(PLANT)).await;
    let mut press = client(&sim, "plant/press", 1).await;
    let undeclared = within("FC03", press.read_holding_registers(4001, 10))
        .await
        .unwrap();
    assert_eq!(undeclared, Err(ExceptionCode::IllegalDataAddress));
    let input_by_fc06 = within("FC06", press.write_single_register(10, 1))
        .await
        .unwrap();
    assert_eq!(
        input_by_fc06,
        Err(ExceptionCode::IllegalDataAddress),
        "input registers are read-only"
    );
    // A user-defined function code through the standard client.
    let custom = within(
        "FC 0x41",
        press.call(Request::Custom(0x41, Cow::Borrowed(&[1]))),
    )
    .await;
    assert_eq!(custom.unwrap().err(), Some(ExceptionCode::IllegalFunction));

    let addr = sim.addr_of("plant/press").unwrap();
    let frame = |pdu: &[u8]| {
        let mut frame = vec![0x12, 0x34, 0, 0, 0, (pdu.len() + 1) as u8, 1];
        frame.extend_from_slice(pdu);
        frame
    };
    let exception =
        |function: u8, code: u8| Some(vec![0x12, 0x34, 0, 0, 0, 3, 1, function | 0x80, code]);
    assert_eq!(
        raw(addr, &frame(&[3, 0x0F, 0xA1, 0, 0])).await,
        exception(3, 3),
        "quantity 0"
    );
    assert_eq!(
        raw(addr, &frame(&[3, 0x0F, 0xA1, 0, 126])).await,
        exception(3, 3),
        "quantity 126"
    );
    assert_eq!(
        raw(addr, &frame(&[1, 0, 0, 0x07, 0xD1])).await,
        exception(1, 3),
        "2001 coils"
    );
    assert_eq!(
        raw(addr, &frame(&[5, 0, 1, 0x12, 0x34])).await,
        exception(5, 3),
        "coil value 0x1234"
    );
    assert_eq!(
        raw(addr, &frame(&[0x10, 0x0F, 0xA1, 0, 1, 3, 0, 0, 0])).await,
        exception(0x10, 3),
        "byte count"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn unit_ids_select_the_device_behind_a_gateway_and_unknown_ones_fail_fast() {
    let sim = start(config(PLANT)).await;
    assert_eq!(sim.addr_of("plant/press"), sim.addr_of("plant/mixer"));
    assert_ne!(sim.addr_of("plant/press"), sim.addr_of("plant/oven"));
    let mut gateway = client(&sim, "plant/press", 1).await;
    assert_eq!(
        within("unit 1", gateway.read_holding_registers(4001, 1))
            .await
            .unwrap(),
        Ok(vec![2500])
    );
    gateway.set_slave(Slave(2));
    assert_eq!(
        within("unit 2", gateway.read_holding_registers(4001, 1))
            .await
            .unwrap(),
        Ok(vec![111])
    );
    gateway.set_slave(Slave(9));
    let started = Instant::now();
    let unknown = within("unit 9", gateway.read_holding_registers(4001, 1))
        .await
        .unwrap();
    assert_eq!(unknown, Err(ExceptionCode::GatewayTargetDevice));
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "a wrong unit id must fail fast"
    );

    let endpoints = sim.endpoints();
    assert_eq!(endpoints.len(), 2);
    assert_eq!(
        endpoints[0].1,
        [
            ("plant/press".to_string(), 1),
            ("plant/mixer".to_string(), 2)
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn serves_many_devices_at_once() {
    let mut yaml = String::from("devices:\n");
    for i in 0..40 {
        yaml += &format!(
            "  - {{ name: fleet/plc-{i}, listen: 127.0.0.1:{port}, registers: [{{ name: id, address: 7, value: {i} }}] }}\n",
            port = 1000 + i
        );
    }
    let sim = start(config(&yaml)).await;
    assert_eq!(sim.endpoints().len(), 40);
    let reads = (0..40).map(|i| {
        let sim = &sim;
        async move {
            let mut ctx = client(sim, &format!("fleet/plc-{i}"), 1).await;
            within("read", ctx.read_holding_registers(7, 1))
                .await
                .unwrap()
                .unwrap()
        }
    });
    let values = futures::future::join_all(reads).await;
    assert_eq!(values, (0..40).map(|i| vec![i]).collect::<Vec<_>>());
    assert_eq!(sim.total_connections(), 40);
    sim.shutdown().await;
}

const DRIFTY: &str = r#"
devices:
  - name: line/a
    listen: 127.0.0.1:1
    registers:
      - { name: low, address: 0, value: 3 }
      - { name: high, address: 1, value: 65530 }
      - { name: temp, address: 2, type: i16, scale: 0.1, value: -12.5 }
      - { name: speed, address: 3, type: f32, value: 12.5 }
      - { name: run, address: 0, kind: coil, value: true }
      - { name: level, address: 0, kind: input, value: 42 }
      - { name: door, address: 0, kind: discrete, value: true }
"#;

#[tokio::test]
async fn chaos_is_repeatable_for_a_seed_and_never_touches_read_only_tables() {
    let mut first = config(DRIFTY);
    first.seed = 42;
    let second = first.clone();
    let (a, b) = (start(first).await, start(second).await);
    let mut drifted = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let (step_a, step_b) = (a.chaos_step(), b.chaos_step());
        assert!(
            !step_a.is_empty(),
            "every step drifts at least one register"
        );
        assert_eq!(step_a, step_b, "same seed, same drift");
        for drift in step_a {
            assert!(drift.kind.is_writable(), "{drift:?}");
            drifted.insert(drift.register.clone());
            if let (Some(old), Some(new)) = (drift.old.as_f64(), drift.new.as_f64()) {
                assert!((new - old).abs() <= 500.0 + 1e-6, "{drift:?}");
                assert_ne!(old, new, "a drift changes the value");
            }
            if drift.register == "high" || drift.register == "low" {
                let Value::Int(n) = drift.new else {
                    panic!("u16 drifts to an integer: {drift:?}")
                };
                assert!((0..=65535).contains(&n), "{drift:?}");
            }
        }
    }
    assert_eq!(
        drifted.len(),
        5,
        "every writable point drifted at some point: {drifted:?}"
    );
    assert_eq!(
        a.read_words("line/a", RegisterKind::Input, 0, 1),
        Some(vec![42])
    );
    assert_eq!(
        a.read_words("line/a", RegisterKind::Discrete, 0, 1),
        Some(vec![1])
    );
    let mut other = config(DRIFTY);
    other.seed = 43;
    let c = start(other).await;
    let different = (0..5).any(|_| c.chaos_step() != b.chaos_step());
    assert!(different, "another seed drifts differently");
    for sim in [a, b, c] {
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn chaos_runs_on_its_interval() {
    let mut config = config(DRIFTY);
    config.chaos.interval = Some(Duration::from_millis(20));
    let sim = start(config).await;
    let mut ctx = client(&sim, "line/a", 1).await;
    let before = within("read", ctx.read_holding_registers(0, 4))
        .await
        .unwrap()
        .unwrap();
    let changed = within("drift", async {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let now = ctx.read_holding_registers(0, 4).await.unwrap().unwrap();
            if now != before {
                break now;
            }
        }
    })
    .await;
    assert_ne!(changed, before);
    sim.shutdown().await;
}

#[tokio::test]
async fn drift_at_start_puts_every_writable_register_off_target() {
    let mut config = config(DRIFTY);
    config.chaos.drift_at_start = true;
    let sim = start(config).await;
    let holding = sim
        .read_words("line/a", RegisterKind::Holding, 0, 5)
        .unwrap();
    assert_ne!(holding[0], 3);
    assert_ne!(holding[1], 65530);
    assert_ne!(holding[2], (-125i16) as u16);
    assert_ne!(holding[3..5], [0x4148, 0]);
    assert_eq!(
        sim.read_words("line/a", RegisterKind::Coil, 0, 1),
        Some(vec![0]),
        "coils flip"
    );
    assert_eq!(
        sim.read_words("line/a", RegisterKind::Input, 0, 1),
        Some(vec![42])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_silent_device_reads_requests_but_never_answers() {
    let mut config = config(PLANT);
    config.set_silent("mixer").unwrap();
    let sim = start(config).await;
    let mut mixer = client(&sim, "plant/mixer", 2).await;
    let waited = timeout(
        Duration::from_millis(300),
        mixer.read_holding_registers(4001, 1),
    )
    .await;
    assert!(waited.is_err(), "a silent PLC must not answer: {waited:?}");
    let mut press = client(&sim, "plant/press", 1).await;
    assert_eq!(
        within("press", press.read_holding_registers(4001, 1))
            .await
            .unwrap(),
        Ok(vec![2500])
    );
    assert_eq!(
        sim.counters("plant/mixer").unwrap().requests_for(3),
        1,
        "the request was read"
    );

    assert!(sim.set_silent("plant/mixer", false));
    let mut mixer = client(&sim, "plant/mixer", 2).await;
    assert_eq!(
        within("mixer", mixer.read_holding_registers(4001, 1))
            .await
            .unwrap(),
        Ok(vec![111])
    );
    assert!(sim.set_silent("plant/press", true));
    let waited = timeout(
        Duration::from_millis(200),
        press.read_holding_registers(4001, 1),
    )
    .await;
    assert!(waited.is_err(), "silence can be switched on at runtime");
    sim.shutdown().await;
}

#[tokio::test]
async fn drop_rate_one_closes_the_connection_without_writing() {
    let mut config = config(PLANT);
    config.faults.drop_rate = 1.0;
    let sim = start(config).await;
    let addr = sim.addr_of("plant/press").unwrap();
    let write = [0, 1, 0, 0, 0, 6, 1, 6, 0x0F, 0xA1, 0, 9];
    assert_eq!(
        raw(addr, &write).await,
        None,
        "connection closed instead of a reply"
    );
    assert_eq!(
        sim.read_words("plant/press", RegisterKind::Holding, 4001, 1),
        Some(vec![2500])
    );
    let mut press = client(&sim, "plant/press", 1).await;
    let reply = within("read", press.read_holding_registers(4001, 1)).await;
    assert!(
        reply.is_err(),
        "a standard client sees a transport error: {reply:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn exception_rate_one_answers_busy_or_failure_and_performs_nothing() {
    let mut config = config(PLANT);
    config.faults.exception_rate = 1.0;
    config.seed = 5;
    let sim = start(config).await;
    let mut press = client(&sim, "plant/press", 1).await;
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let reply = within("write", press.write_single_register(4001, 1))
            .await
            .unwrap();
        match reply {
            Err(code @ (ExceptionCode::ServerDeviceBusy | ExceptionCode::ServerDeviceFailure)) => {
                seen.insert(u8::from(code));
            }
            other => panic!("expected busy or failure, got {other:?}"),
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [4, 6],
        "both codes occur"
    );
    assert_eq!(
        sim.read_words("plant/press", RegisterKind::Holding, 4001, 1),
        Some(vec![2500])
    );
    assert!(sim.write_log().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn garbage_rate_one_never_sends_a_valid_reply() {
    let mut config = config(PLANT);
    config.faults.garbage_rate = 1.0;
    let sim = start(config).await;
    let addr = sim.addr_of("plant/press").unwrap();
    let valid = vec![0, 1, 0, 0, 0, 5, 1, 3, 2, 0x09, 0xC4];
    for _ in 0..10 {
        let mut stream = within("connect", TcpStream::connect(addr)).await.unwrap();
        stream
            .write_all(&[0, 1, 0, 0, 0, 6, 1, 3, 0x0F, 0xA1, 0, 1])
            .await
            .unwrap();
        let mut reply = vec![0; valid.len()];
        within("read", stream.read_exact(&mut reply)).await.unwrap();
        assert_ne!(reply, valid);
    }
    let mut press = client(&sim, "plant/press", 1).await;
    let reply = timeout(
        Duration::from_millis(500),
        press.read_holding_registers(4001, 1),
    )
    .await;
    assert!(
        !matches!(reply, Ok(Ok(Ok(_)))),
        "a standard client must not accept it: {reply:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_delays_every_reply() {
    let mut config = config(PLANT);
    config.faults.latency = Duration::from_millis(150);
    let sim = start(config).await;
    let mut oven = client(&sim, "plant/oven", 1).await;
    let started = Instant::now();
    let words = within("read", oven.read_holding_registers(0, 4))
        .await
        .unwrap()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(
        words,
        180.25f64
            .to_bits()
            .to_be_bytes()
            .chunks(2)
            .map(|w| u16::from_be_bytes([w[0], w[1]]))
            .collect::<Vec<_>>()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_and_bad_frames_close_only_their_connection() {
    let sim = start(config(PLANT)).await;
    let addr = sim.addr_of("plant/press").unwrap();
    let mut stream = within("connect", TcpStream::connect(addr)).await.unwrap();
    let mut two = vec![0, 1, 0, 0, 0, 6, 1, 3, 0x0F, 0xA1, 0, 1];
    two.extend([0, 2, 0, 0, 0, 6, 2, 3, 0x0F, 0xA1, 0, 1]);
    within("write", stream.write_all(&two)).await.unwrap();
    let first = within("read", read_frame(&mut stream)).await.unwrap();
    let second = within("read", read_frame(&mut stream)).await.unwrap();
    assert_eq!(first, [0, 1, 0, 0, 0, 5, 1, 3, 2, 0x09, 0xC4]);
    assert_eq!(second, [0, 2, 0, 0, 0, 5, 2, 3, 2, 0, 111]);

    within(
        "write",
        stream.write_all(&[0, 3, 0, 9, 0, 6, 1, 3, 0, 0, 0, 1]),
    )
    .await
    .unwrap();
    let mut rest = Vec::new();
    let closed = within("close", stream.read_to_end(&mut rest)).await;
    assert!(
        matches!(closed, Ok(0)) || closed.is_err(),
        "protocol id 9 closes: {closed:?}"
    );
    let mut press = client(&sim, "plant/press", 1).await;
    assert_eq!(
        within("read", press.read_holding_registers(4001, 1))
            .await
            .unwrap(),
        Ok(vec![2500])
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn counters_and_metrics_count_requests_and_connections() {
    let mut sim = start(config(PLANT)).await;
    let metrics = sim
        .serve_metrics("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut press = client(&sim, "plant/press", 1).await;
    for _ in 0..3 {
        within("read", press.read_holding_registers(4001, 1))
            .await
            .unwrap()
            .unwrap();
    }
    within("read", press.read_coils(0, 1))
        .await
        .unwrap()
        .unwrap();
    let counters = sim.counters("plant/press").unwrap();
    assert_eq!(
        (
            counters.requests_for(3),
            counters.requests_for(1),
            counters.total_requests()
        ),
        (3, 1, 4)
    );
    assert_eq!((sim.total_requests(), sim.total_connections()), (4, 1));
    assert_eq!(sim.counters("plant/mixer").unwrap().total_requests(), 0);
    assert!(sim.counters("plant/nope").is_none());

    // Off the runtime's thread: the simulator answers on it.
    let get = tokio::task::spawn_blocking(move || http_get(metrics, "/metrics"));
    let body = within("metrics", get).await.unwrap().unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(
        body.contains("fabctl_sim_requests_total{function=\"read_holding_registers\"} 3"),
        "{body}"
    );
    assert!(
        body.contains("fabctl_sim_requests_total{function=\"read_coils\"} 1"),
        "{body}"
    );
    assert!(body.contains("fabctl_sim_connections_total 1"), "{body}");
    sim.shutdown().await;
}

#[tokio::test]
async fn serves_the_example_manifests_at_their_desired_values() {
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests");
    let plcs = fabctl::manifest::load(&[manifests]).expect("example manifests are valid");
    let sim = start(SimConfig::from_plcs(&plcs).unwrap().on_ephemeral_ports()).await;
    for plc in &plcs {
        let device = plc.id();
        let mut ctx = client(&sim, &device, plc.unit_id).await;
        for register in plc.registers.iter().filter(|r| !r.kind.is_bit()) {
            let words = match register.kind {
                RegisterKind::Holding => {
                    ctx.read_holding_registers(register.address, register.width())
                        .await
                }
                _ => {
                    ctx.read_input_registers(register.address, register.width())
                        .await
                }
            };
            let words = words.unwrap().unwrap();
            let live = register.codec.decode(&words).unwrap();
            let desired = register.codec.normalize(&register.desired).unwrap();
            assert_eq!(live, desired, "{device} {}", register.name);
        }
    }
    sim.shutdown().await;
}

/// `fabctl sim` as a process: a line per listener on stdout, served over the wire,
/// a clean exit 0 on Ctrl-C (SIGINT).
#[tokio::test]
async fn the_binary_serves_a_scenario_until_interrupted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("lab.yaml");
    let yaml = "devices:\n  - { name: lab/a, listen: 127.0.0.1:0, unitId: 1, registers: [{ name: x, address: 9, value: 77 }] }\n  - { name: lab/b, listen: 127.0.0.1:0, unitId: 2, registers: [{ name: y, address: 9, value: 88 }] }\n";
    std::fs::write(&scenario, yaml).expect("write scenario");
    let mut child = super::support::fabctl()
        .args(["sim", "--config"])
        .arg(&scenario)
        .args(["--seed", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("fabctl starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let line = received
        .recv_timeout(LIMIT)
        .expect("a listening line")
        .expect("utf-8 line");
    let rest = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line}"));
    let (addr, devices) = rest.split_once(' ').unwrap_or_else(|| panic!("{line}"));
    assert_eq!(devices, "(lab/a unit 1, lab/b unit 2)");
    let addr: SocketAddr = addr.parse().unwrap_or_else(|_| panic!("{line}"));

    let mut ctx = within("connect", tcp::connect_slave(addr, Slave(2)))
        .await
        .unwrap();
    assert_eq!(
        within("read", ctx.read_holding_registers(9, 1))
            .await
            .unwrap(),
        Ok(vec![88])
    );
    drop(ctx);

    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status();
    assert!(killed.is_ok_and(|s| s.success()), "kill -INT {pid}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for fabctl") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("fabctl sim did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status}");
}

#[test]
fn the_binary_reports_a_bad_scenario_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("bad.yaml");
    std::fs::write(&scenario, "devices:\n  - name: a\n    listen: 127.0.0.1:0\n    registers:\n      - { name: x, adress: 1, value: 1 }\n").unwrap();
    let output = super::support::fabctl()
        .args(["sim", "--config"])
        .arg(&scenario)
        .output()
        .expect("fabctl runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = super::support::stderr(&output);
    let expected = format!("{}:5:", scenario.display());
    assert!(
        stderr.contains(&expected) && stderr.contains("adress"),
        "{stderr}"
    );
    assert!(super::support::stdout(&output).is_empty());
}
