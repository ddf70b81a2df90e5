//! Scenario files, the manifest binding rule and configuration checks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::manifest::{Mode, Register, SourceLoc};
use crate::register::{ByteOrder, Codec, RegisterKind, Value, ValueType, WordOrder};

fn scenario(text: &str) -> Result<SimConfig, SimError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, text).expect("write scenario");
    SimConfig::from_file(&path)
}

fn plc(namespace: &str, name: &str, host: &str, port: u16, unit_id: u8) -> Plc {
    let source = SourceLoc {
        file: Arc::new(PathBuf::from("m.yaml")),
        line: 1,
        column: 1,
    };
    let codec = Codec {
        value_type: ValueType::U16,
        word_order: WordOrder::Big,
        byte_order: ByteOrder::Big,
        length: 0,
        scale: 1.0,
        offset: 0.0,
    };
    Plc {
        namespace: namespace.into(),
        name: name.into(),
        host: host.into(),
        port,
        unit_id,
        timeout: Duration::from_secs(1),
        poll_interval: Duration::from_secs(5),
        auto_correct: true,
        write_windows: vec![],
        min_write_interval: Duration::ZERO,
        limits: Default::default(),
        transport: Default::default(),
        registers: vec![Register {
            name: "target".into(),
            address: 4001,
            kind: RegisterKind::Holding,
            codec,
            bit: None,
            read_address: None,
            desired: Value::Int(2500),
            tolerance: 0.0,
            min: None,
            max: None,
            mode: Mode::Enforce,
            source: source.clone(),
        }],
        source,
    }
}

#[test]
fn the_shipped_gateway_scenario_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/gateway.yaml");
    let config = SimConfig::from_file(&path).unwrap();
    assert_eq!(config.endpoints.len(), 2);
    let gateway = &config.endpoints[0];
    assert_eq!(gateway.listen, "127.0.0.1:5502".parse().unwrap());
    let units: Vec<_> = gateway
        .devices
        .iter()
        .map(|d| (d.name.as_str(), d.unit_ids.clone()))
        .collect();
    assert_eq!(
        units,
        [("line-1/press-1", vec![1]), ("line-1/press-2", vec![2])]
    );
    let oven = &config.endpoints[1].devices[0];
    assert_eq!(oven.faults.latency_ms, Some(200));
    assert_eq!(
        oven.faults.apply(&config.faults).latency,
        Duration::from_millis(200)
    );
}

#[test]
fn write_faults_come_from_the_scenario_over_the_flags() {
    let text = "devices:\n  - name: late\n    listen: 127.0.0.1:5502\n    faults: {writeLatencyMs: 500, writeEchoOffset: 1, acknowledgeWritesMs: 0}\n    registers:\n      - {name: speed, address: 10, value: 5}\n  - name: plain\n    listen: 127.0.0.1:5503\n    registers:\n      - {name: speed, address: 10, value: 5}\n";
    let mut config = scenario(text).unwrap();
    config.faults.acknowledge_writes = None;
    config.faults.write_echo_offset = 2;
    let faults: Vec<Faults> = config
        .devices()
        .map(|d| d.faults.apply(&config.faults))
        .collect();
    let late = &faults[0];
    assert_eq!(late.write_latency, Duration::from_millis(500));
    assert_eq!(late.write_echo_offset, 1);
    assert_eq!(late.acknowledge_writes, Some(Duration::ZERO));
    let plain = &faults[1];
    assert_eq!(
        (
            plain.write_latency,
            plain.write_echo_offset,
            plain.acknowledge_writes
        ),
        (Duration::ZERO, 2, None)
    );
}

#[test]
fn registers_use_the_manifest_shape_and_defaults() {
    let config = scenario(
        "devices:\n  - name: d\n    listen: 127.0.0.1:0\n    unitIds: [3, 4]\n    registers:\n      - { name: s, address: 7, type: f32, wordOrder: little, scale: 2, value: 1.5 }\n      - { name: c, address: 1, kind: coil, value: true }\n",
    )
    .unwrap();
    let device = &config.endpoints[0].devices[0];
    assert_eq!(device.unit_ids, [3, 4]);
    let s = &device.points[0];
    assert_eq!(
        (
            s.kind,
            s.address,
            s.codec.value_type,
            s.codec.word_order,
            s.codec.scale
        ),
        (
            RegisterKind::Holding,
            7,
            ValueType::F32,
            WordOrder::Little,
            2.0
        )
    );
    assert_eq!(s.initial, Value::Float(1.5));
    assert_eq!(device.points[1].codec.value_type, ValueType::Bool);
}

#[test]
fn errors_name_the_file_and_line() {
    let error = scenario(
        "devices:\n  - name: d\n    listen: 127.0.0.1:0\n    registers:\n      - { name: s, adress: 7, value: 1 }\n",
    )
    .unwrap_err();
    let SimError::ParseConfig { line, message, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!(*line, Some(5), "{error}");
    assert!(message.contains("adress"), "{error}");

    let error =
        scenario("devices:\n  - name: d\n    listen: localhost\n    registers: []\n").unwrap_err();
    let text = error.to_string();
    assert!(
        text.ends_with(":3:13: listen: expected IP:PORT like 127.0.0.1:5502, got \"localhost\""),
        "{text}"
    );
}

#[test]
fn a_unit_id_twice_on_one_endpoint_is_refused() {
    let error = scenario(
        "devices:\n  - { name: a, listen: 127.0.0.1:5502, registers: [] }\n  - { name: b, listen: 127.0.0.1:5502, registers: [] }\n",
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "127.0.0.1:5502: unit 1 is served by both a and b; devices sharing an endpoint need distinct unit ids"
    );
}

#[test]
fn manifest_plcs_bind_loopback_addresses_exactly_and_others_on_bind() {
    let plcs = [
        plc("plant-a", "press-1", "127.0.0.1", 5502, 1),
        plc("plant-a", "press-2", "127.0.0.1", 5502, 2),
        plc("plant-a", "oven", "127.0.0.2", 5502, 1),
        plc("plant-b", "remote", "10.0.0.7", 502, 1),
        plc("plant-b", "named", "plc.example.com", 502, 2),
    ];
    let config = SimConfig::from_plcs(&plcs).unwrap();
    let layout: Vec<(String, Vec<String>)> = config
        .endpoints
        .iter()
        .map(|e| {
            (
                e.listen.to_string(),
                e.devices.iter().map(|d| d.name.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        layout,
        [
            (
                "127.0.0.1:5502".into(),
                vec!["plant-a/press-1".into(), "plant-a/press-2".into()]
            ),
            ("127.0.0.2:5502".into(), vec!["plant-a/oven".into()]),
            (
                "127.0.0.1:502".into(),
                vec!["plant-b/remote".into(), "plant-b/named".into()]
            ),
        ]
    );
    let on_any = SimConfig::from_plcs_on(&plcs[3..4], "0.0.0.0".parse().unwrap()).unwrap();
    assert_eq!(on_any.endpoints[0].listen.to_string(), "0.0.0.0:502");
    let clash = SimConfig::from_plcs(&[
        plcs[0].clone(),
        plc("plant-c", "other", "127.0.0.1", 5502, 1),
    ]);
    assert!(matches!(
        clash,
        Err(SimError::DuplicateUnit { unit: 1, .. })
    ));
}

#[test]
fn ephemeral_ports_keep_one_listener_per_endpoint() {
    let plcs = [
        plc("a", "x", "127.0.0.1", 5502, 1),
        plc("a", "y", "127.0.0.1", 5502, 2),
        plc("a", "z", "127.0.0.1", 5503, 1),
    ];
    let config = SimConfig::from_plcs(&plcs).unwrap().on_ephemeral_ports();
    assert_eq!(config.endpoints.len(), 2);
    assert!(
        config
            .endpoints
            .iter()
            .all(|e| e.listen.to_string() == "127.0.0.1:0")
    );
}

#[test]
fn silent_accepts_the_full_or_an_unambiguous_short_name() {
    let plcs = [
        plc("plant-a", "press-1", "127.0.0.1", 5502, 1),
        plc("plant-b", "press-1", "127.0.0.1", 5503, 1),
        plc("plant-b", "oven", "127.0.0.1", 5504, 1),
    ];
    let mut config = SimConfig::from_plcs(&plcs).unwrap();
    config.set_silent("oven").unwrap();
    config.set_silent("plant-a/press-1").unwrap();
    let silent: Vec<_> = config
        .devices()
        .filter(|d| d.faults.silent == Some(true))
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(silent, ["plant-a/press-1", "plant-b/oven"]);
    let ambiguous = config.set_silent("press-1").unwrap_err().to_string();
    assert!(
        ambiguous.starts_with("--silent press-1: no simulated device has that name"),
        "{ambiguous}"
    );
}

#[test]
fn probabilities_and_drift_are_checked() {
    let mut config = SimConfig::from_plcs(&[plc("a", "b", "127.0.0.1", 1, 1)]).unwrap();
    config.faults.drop_rate = 1.5;
    assert!(config.validate().is_err());
    config.faults.drop_rate = 1.0;
    config.chaos.max_drift = f64::NAN;
    assert!(config.validate().is_err());
}

#[test]
fn register_maps_are_held_to_the_manifest_rules_with_file_and_line() {
    let error = scenario(
        "devices:\n  - name: d\n    listen: 127.0.0.1:0\n    registers:\n      - { name: a, address: 0, value: 70000 }\n      - { name: b, address: 7, type: u32, value: 1 }\n  - name: e\n    listen: 127.0.0.1:0\n    unitId: 2\n    registers:\n      - { name: c, address: 1, value: 1 }\n      - name: s\n        address: 8\n        kind: coil\n        type: f32\n        value: 1\n      - { name: t, address: 0, type: u32, value: 5, max: 4 }\n",
    )
    .unwrap_err();
    let SimError::InvalidScenario { problems } = &error else {
        panic!("{error}")
    };
    let found: Vec<String> = problems
        .iter()
        .map(|d| {
            let file = d.loc.file.file_name().unwrap_or_default().to_string_lossy();
            format!("{file}:{}:{}: {}", d.loc.line, d.loc.column, d.message)
        })
        .collect();
    assert_eq!(
        found,
        [
            "scenario.yaml:5:9: register `a`: value 70000 is out of range for u16 (0..=65535)",
            "scenario.yaml:12:9: register `s` is a coil and holds one bit, so its type must be bool, not f32",
            "scenario.yaml:17:9: register `t`: value 5 is above its max 4",
        ]
    );

    // Overlaps within one device's map, not across devices.
    let error = scenario(
        "devices:\n  - name: d\n    listen: 127.0.0.1:0\n    registers:\n      - { name: a, address: 0, type: u32, value: 1 }\n      - { name: b, address: 1, value: 1 }\n  - name: e\n    listen: 127.0.0.1:0\n    unitId: 2\n    registers:\n      - { name: a, address: 0, type: u32, value: 1 }\n",
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("cannot load the scenario: ")
            && text.contains("scenario.yaml:6:9: error: register `b` (holding 1) overlaps register `a` (holding 0..=1)\n  help: `a` is declared at ")
            && text.ends_with("scenario.yaml:5:9; give each register its own addresses"),
        "{text}"
    );
    assert_eq!(text.matches("overlaps").count(), 1, "{text}");
}

#[test]
fn a_scenario_program_names_registers_of_its_device_with_values_they_hold() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/plc-program.yaml");
    let config = SimConfig::from_file(&path).unwrap();
    assert_eq!(
        config.endpoints[0].devices[0].program,
        [crate::sim::ProgramStep {
            register: "speed".into(),
            value: Value::Int(7),
            every_ms: 500,
        }]
    );
    let device = |program: &str| {
        format!(
            "devices:\n  - name: press\n    listen: 127.0.0.1:0\n    registers:\n      - {{name: speed, address: 0, value: 7}}\n    program:\n{program}"
        )
    };
    let error = scenario(&device(
        "      - {register: sped, value: 7, everyMs: 100}\n",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        error.ends_with(":7:9: devices[0].program[0]: register sped: the device has no register of that name (registers: speed)"),
        "{error}"
    );
    let error = scenario(&device(
        "      - {register: speed, value: 70000, everyMs: 100}\n",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        error.contains(":7:9: devices[0].program[0]: register speed: value 70000 does not encode"),
        "{error}"
    );
    let error = scenario(&device("      - {register: speed, value: 7, every: 100}\n"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("every"), "{error}");
}

#[test]
fn a_scenario_can_play_a_device_without_mask_write_and_with_split_read_back() {
    let config = scenario(
        "devices:\n  - name: coupler\n    listen: 127.0.0.1:0\n    maskWrite: false\n    readBack:\n      - {from: 0, to: 512, count: 16}\n    registers:\n      - {name: outputs, address: 0, value: 0}\n      - {name: run, address: 20, type: bool, bit: 3, value: true}\n      - {name: lamps, address: 1, kind: coil, readAddress: 513, value: true}\n",
    )
    .unwrap();
    let device = &config.endpoints[0].devices[0];
    assert!(!device.quirks.mask_write);
    let entry = |kind, from, to, count| ReadBack {
        kind,
        from,
        to,
        count,
    };
    assert_eq!(
        device.quirks.read_back,
        [
            entry(RegisterKind::Holding, 0, 512, 16),
            entry(RegisterKind::Coil, 1, 513, 1)
        ]
    );
    assert_eq!(device.points[1].bit, Some(3));
    let plain = scenario(
        "devices:\n  - name: d\n    listen: 127.0.0.1:0\n    registers:\n      - {name: a, address: 0, value: 0}\n",
    )
    .unwrap();
    assert_eq!(plain.endpoints[0].devices[0].quirks, Quirks::default());
    assert!(plain.endpoints[0].devices[0].quirks.mask_write);
}

#[test]
fn a_scenario_can_play_missing_function_codes_busy_another_unit_and_closing() {
    let config = scenario(
        "devices:\n  - name: meter\n    listen: 127.0.0.1:0\n    unsupported: [15, 16]\n    faults: {busyEvery: 3, answerUnitId: 0, closeAfterReply: true}\n    registers:\n      - {name: a, address: 0, value: 0}\n",
    )
    .unwrap();
    let device = &config.endpoints[0].devices[0];
    assert_eq!(device.quirks.unsupported, [15, 16]);
    assert!(device.quirks.serves(6) && device.quirks.serves(22));
    assert!(!device.quirks.serves(16));
    let faults = device.faults.apply(&config.faults);
    assert_eq!(
        (
            faults.busy_every,
            faults.answer_unit,
            faults.close_after_reply
        ),
        (3, Some(0), true)
    );
    let plain = Faults::default();
    assert_eq!(
        (plain.busy_every, plain.answer_unit, plain.close_after_reply),
        (0, None, false)
    );
}
