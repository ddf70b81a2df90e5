//! Device tables: what a PLC answers, logs and counts, by raw PDU.

use super::*;
use crate::modbus::frame::{Header, decode_frame};
use crate::register::{ByteOrder, ValueType, WordOrder};

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
        byte_order: ByteOrder::Big,
        length: 0,
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
fn a_limited_device_refuses_larger_requests_and_answers_undeclared_reads_its_way() {
    let limits = DeviceLimits {
        max_read_registers: 1,
        max_write_registers: 1,
        undeclared_read: super::super::UndeclaredRead::ServerDeviceFailure,
        ..DeviceLimits::default()
    };
    let mut device = sample().with_limits(limits);
    assert_eq!(answer(&mut device, &[3, 0, 10, 0, 1]), [3, 2, 0x05, 0xDC]);
    assert_eq!(answer(&mut device, &[3, 0, 10, 0, 2]), [0x83, 0x03]);
    assert_eq!(
        answer(&mut device, &[16, 0, 10, 0, 2, 4, 0, 1, 0, 2]),
        [0x90, 0x03]
    );
    assert_eq!(
        answer(&mut device, &[16, 0, 10, 0, 1, 2, 0, 1]),
        [16, 0, 10, 0, 1]
    );
    assert_eq!(device.counters().undeclared_reads, 0);
    assert_eq!(answer(&mut device, &[3, 0, 12, 0, 1]), [0x83, 0x04]);
    assert_eq!(answer(&mut device, &[1, 0, 4, 0, 2]), [0x81, 0x04]);
    assert_eq!(device.counters().undeclared_reads, 2);
    // Writes to undeclared addresses are still IllegalDataAddress.
    assert_eq!(answer(&mut device, &[6, 0, 12, 0, 1]), [0x86, 0x02]);
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

/// The specification's example: 0x0012 with AND 0x00F2 and OR 0x0025 becomes 0x0017.
#[test]
fn mask_write_changes_only_the_masked_bits_and_echoes_the_request() {
    let mut device = sample();
    assert!(device.set_words(RegisterKind::Holding, 10, &[0x0012]));
    let request = [0x16, 0, 10, 0x00, 0xF2, 0x00, 0x25];
    assert_eq!(answer(&mut device, &request), request);
    assert_eq!(
        device.read_words(RegisterKind::Holding, 10, 1),
        Some(vec![0x0017])
    );
    assert_eq!(
        answer(&mut device, &[0x16, 0, 99, 0, 0, 0, 0]),
        [0x96, 0x02]
    );
    let (_, record) = device.execute(&request);
    assert_eq!(
        record.map(|r| (r.old, r.new)),
        Some((vec![0x0017], vec![0x0017]))
    );

    let mut without = sample()
        .with_quirks(Quirks {
            mask_write: false,
            read_back: Vec::new(),
            unsupported: Vec::new(),
        })
        .unwrap();
    assert_eq!(answer(&mut without, &request), [0x96, 0x01]);
    assert_eq!(
        without.read_words(RegisterKind::Holding, 10, 1),
        Some(vec![1500])
    );
}

/// A coupler's output image: written at 10, read back at 500; a read at 10 shows
/// zeros (its input image), and 500 cannot be written.
#[test]
fn split_read_back_serves_the_written_range_at_its_read_address() {
    let read_back = vec![crate::sim::ReadBack {
        kind: RegisterKind::Holding,
        from: 10,
        to: 500,
        count: 2,
    }];
    let quirks = Quirks {
        mask_write: true,
        read_back,
        unsupported: Vec::new(),
    };
    let mut device = sample().with_quirks(quirks.clone()).unwrap();
    assert_eq!(answer(&mut device, &[6, 0, 10, 0, 42]), [6, 0, 10, 0, 42]);
    assert_eq!(
        answer(&mut device, &[3, 0x01, 0xF4, 0, 2]),
        [3, 4, 0, 42, 0xFF, 0xFB]
    );
    assert_eq!(answer(&mut device, &[3, 0, 10, 0, 1]), [3, 2, 0, 0]);
    assert_eq!(answer(&mut device, &[3, 0x01, 0xF3, 0, 2]), [0x83, 0x02]);
    assert_eq!(answer(&mut device, &[6, 0x01, 0xF4, 0, 1]), [0x86, 0x02]);

    let declared = Device::new(
        "d",
        vec![point(
            "x",
            RegisterKind::Holding,
            501,
            ValueType::U16,
            Value::Int(0),
        )],
    )
    .unwrap()
    .with_quirks(quirks);
    assert_eq!(
        declared.unwrap_err().to_string(),
        "device d: readBack: holding 500 is declared as a register, so it cannot show holding 10"
    );
}

#[test]
fn bit_points_share_a_word_and_start_with_only_their_bit() {
    let bit = |name: &str, bit: u8, on: bool| Point {
        bit: Some(bit),
        ..point(
            name,
            RegisterKind::Holding,
            20,
            ValueType::Bool,
            Value::Bool(on),
        )
    };
    let device = Device::new(
        "d",
        vec![
            bit("run", 3, true),
            bit("jog", 5, false),
            bit("ready", 15, true),
        ],
    )
    .unwrap();
    assert_eq!(
        device.read_words(RegisterKind::Holding, 20, 1),
        Some(vec![0x8008])
    );
    let twice = Device::new("d", vec![bit("run", 3, true), bit("again", 3, false)]);
    assert_eq!(
        twice.unwrap_err().to_string(),
        "device d: registers again and run overlap in the holding table"
    );
    let word = point(
        "word",
        RegisterKind::Holding,
        20,
        ValueType::U16,
        Value::Int(0),
    );
    assert!(Device::new("d", vec![bit("run", 3, true), word]).is_err());
}
