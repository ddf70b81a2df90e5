//! Device tables: what a PLC answers, logs and counts, by raw PDU.

use super::*;
use crate::modbus::frame::{Header, decode_frame};
use crate::register::{ValueType, WordOrder};

pub(crate) fn point(
    name: &str,
    kind: RegisterKind,
    address: u16,
    value_type: ValueType,
    initial: Value,
) -> Point {
    let codec = Codec {
        value_type,
        word_order: WordOrder::Big,
        scale: 1.0,
        offset: 0.0,
    };
    Point {
        name: name.into(),
        kind,
        address,
        codec,
        bit: None,
        initial,
    }
}

fn sample() -> Device {
    Device::new(
        "plant-a/press-1",
        vec![
            point(
                "speed",
                RegisterKind::Holding,
                10,
                ValueType::U16,
                Value::Int(1500),
            ),
            point(
                "temp",
                RegisterKind::Holding,
                11,
                ValueType::I16,
                Value::Int(-5),
            ),
            point(
                "pressure",
                RegisterKind::Input,
                30,
                ValueType::U32,
                Value::Int(70000),
            ),
            point(
                "run",
                RegisterKind::Coil,
                5,
                ValueType::Bool,
                Value::Bool(true),
            ),
            point(
                "door",
                RegisterKind::Discrete,
                7,
                ValueType::Bool,
                Value::Bool(false),
            ),
        ],
    )
    .expect("valid sample device")
}

/// The response PDU the device gives to `pdu`.
fn answer(device: &mut Device, pdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    device.execute(pdu).0.encode(
        Header {
            transaction: 1,
            unit: 1,
        },
        &mut out,
    );
    let (frame, _) = decode_frame(&out).unwrap().unwrap();
    frame.pdu.to_vec()
}

#[test]
fn initial_values_are_encoded_into_the_tables() {
    let device = sample();
    assert_eq!(
        device.read_words(RegisterKind::Holding, 10, 2),
        Some(vec![1500, 0xFFFB])
    );
    assert_eq!(
        device.read_words(RegisterKind::Input, 30, 2),
        Some(vec![0x0001, 0x1170])
    );
    assert_eq!(device.read_words(RegisterKind::Coil, 5, 1), Some(vec![1]));
    assert_eq!(
        device.read_words(RegisterKind::Discrete, 7, 1),
        Some(vec![0])
    );
    assert_eq!(device.read_words(RegisterKind::Holding, 12, 1), None);
}

#[test]
fn reads_every_table_and_rejects_undeclared_addresses() {
    let mut device = sample();
    assert_eq!(
        answer(&mut device, &[3, 0, 10, 0, 2]),
        [3, 4, 0x05, 0xDC, 0xFF, 0xFB]
    );
    assert_eq!(
        answer(&mut device, &[4, 0, 30, 0, 2]),
        [4, 4, 0x00, 0x01, 0x11, 0x70]
    );
    assert_eq!(answer(&mut device, &[1, 0, 5, 0, 1]), [1, 1, 1]);
    assert_eq!(answer(&mut device, &[2, 0, 7, 0, 1]), [2, 1, 0]);
    assert_eq!(
        answer(&mut device, &[3, 0, 10, 0, 3]),
        [0x83, 0x02],
        "12 is undeclared"
    );
    assert_eq!(
        answer(&mut device, &[3, 0, 30, 0, 1]),
        [0x83, 0x02],
        "30 is an input register"
    );
    assert_eq!(answer(&mut device, &[3, 0xFF, 0xFF, 0, 125]), [0x83, 0x02]);
    assert_eq!(answer(&mut device, &[3, 0, 10, 0, 0]), [0x83, 0x03]);
    assert_eq!(answer(&mut device, &[7]), [0x87, 0x01]);
}

#[test]
fn writes_change_tables_log_and_count() {
    let mut device = sample();
    assert_eq!(
        answer(&mut device, &[6, 0, 10, 0x07, 0xD0]),
        [6, 0, 10, 0x07, 0xD0]
    );
    assert_eq!(
        answer(&mut device, &[0x10, 0, 10, 0, 2, 4, 0, 1, 0, 2]),
        [0x10, 0, 10, 0, 2]
    );
    assert_eq!(answer(&mut device, &[5, 0, 5, 0, 0]), [5, 0, 5, 0, 0]);
    assert_eq!(
        answer(&mut device, &[0x0F, 0, 5, 0, 1, 1, 1]),
        [0x0F, 0, 5, 0, 1]
    );
    assert_eq!(
        device.read_words(RegisterKind::Holding, 10, 2),
        Some(vec![1, 2])
    );
    assert_eq!(device.read_words(RegisterKind::Coil, 5, 1), Some(vec![1]));

    let (_, record) = device.execute(&[6, 0, 11, 0, 9]);
    assert_eq!(
        record,
        Some(WriteRecord {
            device: "plant-a/press-1".into(),
            kind: RegisterKind::Holding,
            address: 11,
            old: vec![2],
            new: vec![9],
        })
    );
    let counters = device.counters();
    assert_eq!(counters.writes_to(RegisterKind::Holding, 10), 2);
    assert_eq!(counters.writes_to(RegisterKind::Holding, 11), 2);
    assert_eq!(counters.writes_to(RegisterKind::Coil, 5), 2);
}

#[test]
fn read_only_tables_cannot_be_written_by_any_function() {
    let mut device = sample();
    assert_eq!(answer(&mut device, &[6, 0, 30, 0, 1]), [0x86, 0x02]);
    assert_eq!(answer(&mut device, &[5, 0, 7, 0xFF, 0]), [0x85, 0x02]);
    assert_eq!(
        device.read_words(RegisterKind::Input, 30, 2),
        Some(vec![0x0001, 0x1170])
    );
}

#[test]
fn counts_requests_per_function_code() {
    let mut device = sample();
    for function in [3, 3, 4, 0x2B] {
        device.count_request(function);
    }
    assert_eq!(device.counters().requests_for(3), 2);
    assert_eq!(device.counters().requests_for(0x2B), 1);
    assert_eq!(device.counters().total_requests(), 4);
}

#[test]
fn direct_pokes_are_not_modbus_writes() {
    let mut device = sample();
    assert!(device.set_words(RegisterKind::Input, 30, &[0, 5]));
    assert!(device.set_words(RegisterKind::Discrete, 7, &[1]));
    assert!(!device.set_words(RegisterKind::Holding, 11, &[1, 2]));
    assert_eq!(
        device.read_words(RegisterKind::Input, 30, 2),
        Some(vec![0, 5])
    );
    assert!(device.counters().writes.is_empty());
}

#[test]
fn bad_layouts_are_clear_errors() {
    let overlap = Device::new(
        "d",
        vec![
            point(
                "a",
                RegisterKind::Holding,
                10,
                ValueType::U32,
                Value::Int(0),
            ),
            point(
                "b",
                RegisterKind::Holding,
                11,
                ValueType::U16,
                Value::Int(0),
            ),
            point("c", RegisterKind::Input, 11, ValueType::U16, Value::Int(0)),
        ],
    );
    assert_eq!(
        overlap.err().map(|e| e.to_string()).as_deref(),
        Some("device d: registers a and b overlap in the holding table")
    );
    let past_end = Device::new(
        "d",
        vec![point(
            "a",
            RegisterKind::Holding,
            65534,
            ValueType::F64,
            Value::Float(1.0),
        )],
    );
    assert!(
        past_end
            .err()
            .is_some_and(|e| e.to_string().contains("runs past address 65535"))
    );
    let float_coil = Device::new(
        "d",
        vec![point(
            "a",
            RegisterKind::Coil,
            1,
            ValueType::F32,
            Value::Float(1.0),
        )],
    );
    assert!(
        float_coil
            .err()
            .is_some_and(|e| e.to_string().contains("does not fit a coil register"))
    );
}
