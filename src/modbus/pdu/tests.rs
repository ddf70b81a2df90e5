//! Byte fixtures for request parsing and response encoding (examples from the
//! Modbus Application Protocol specification V1.1b3 where it has them).

use super::*;
use crate::modbus::frame::decode_frame;
use proptest::prelude::*;

const IDV: ExceptionCode = ExceptionCode::IllegalDataValue;

fn pdu_of(response: Response<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    response.encode(
        Header {
            transaction: 7,
            unit: 1,
        },
        &mut out,
    );
    let (frame, used) = decode_frame(&out).unwrap().unwrap();
    assert_eq!(used, out.len());
    assert_eq!(
        frame.header,
        Header {
            transaction: 7,
            unit: 1
        }
    );
    frame.pdu.to_vec()
}

#[test]
fn parses_reads_of_every_table() {
    assert_eq!(
        Request::parse(&[0x01, 0x00, 0x13, 0x00, 0x13]),
        Ok(Request::ReadCoils {
            address: 0x13,
            quantity: 19
        })
    );
    assert_eq!(
        Request::parse(&[0x02, 0x00, 0xC4, 0x00, 0x16]),
        Ok(Request::ReadDiscreteInputs {
            address: 0xC4,
            quantity: 22
        })
    );
    assert_eq!(
        Request::parse(&[0x03, 0x00, 0x6B, 0x00, 0x03]),
        Ok(Request::ReadHoldingRegisters {
            address: 0x6B,
            quantity: 3
        })
    );
    assert_eq!(
        Request::parse(&[0x04, 0x00, 0x08, 0x00, 0x01]),
        Ok(Request::ReadInputRegisters {
            address: 8,
            quantity: 1
        })
    );
}

#[test]
fn read_quantities_are_bounded_per_spec() {
    for (function, max) in [(1u8, 2000u16), (2, 2000), (3, 125), (4, 125)] {
        let [hi, lo] = max.to_be_bytes();
        assert!(
            Request::parse(&[function, 0, 0, hi, lo]).is_ok(),
            "FC{function} max"
        );
        let [hi, lo] = (max + 1).to_be_bytes();
        assert_eq!(
            Request::parse(&[function, 0, 0, hi, lo]),
            Err(IDV),
            "FC{function} max+1"
        );
        assert_eq!(
            Request::parse(&[function, 0, 0, 0, 0]),
            Err(IDV),
            "FC{function} zero"
        );
    }
}

#[test]
fn wrong_lengths_are_illegal_data_values() {
    assert_eq!(Request::parse(&[0x03, 0x00, 0x6B, 0x00]), Err(IDV));
    assert_eq!(
        Request::parse(&[0x03, 0x00, 0x6B, 0x00, 0x03, 0x00]),
        Err(IDV)
    );
    assert_eq!(Request::parse(&[0x06, 0x00, 0x01]), Err(IDV));
    assert_eq!(Request::parse(&[0x10, 0x00, 0x01, 0x00, 0x01]), Err(IDV));
}

#[test]
fn single_writes_and_coil_values() {
    assert_eq!(
        Request::parse(&[0x05, 0x00, 0xAC, 0xFF, 0x00]),
        Ok(Request::WriteSingleCoil {
            address: 0xAC,
            value: true
        })
    );
    assert_eq!(
        Request::parse(&[0x05, 0x00, 0xAC, 0x00, 0x00]),
        Ok(Request::WriteSingleCoil {
            address: 0xAC,
            value: false
        })
    );
    assert_eq!(Request::parse(&[0x05, 0x00, 0xAC, 0x00, 0x01]), Err(IDV));
    assert_eq!(
        Request::parse(&[0x06, 0x00, 0x01, 0x00, 0x03]),
        Ok(Request::WriteSingleRegister {
            address: 1,
            value: 3
        })
    );
}

#[test]
fn write_multiple_coils_unpacks_lsb_first() {
    let Ok(Request::WriteMultipleCoils { address, values }) =
        Request::parse(&[0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01])
    else {
        panic!("FC15 fixture must parse");
    };
    assert_eq!(address, 0x13);
    let bits: Vec<u8> = values.iter().map(u8::from).collect();
    assert_eq!(bits, [1, 0, 1, 1, 0, 0, 1, 1, 1, 0]);
    // Byte count must match the quantity and the bytes present.
    assert_eq!(
        Request::parse(&[0x0F, 0x00, 0x13, 0x00, 0x0A, 0x01, 0xCD]),
        Err(IDV)
    );
    assert_eq!(
        Request::parse(&[0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD]),
        Err(IDV)
    );
    let [hi, lo] = 1969u16.to_be_bytes();
    let mut too_many = vec![0x0F, 0, 0, hi, lo, 247];
    too_many.extend([0; 247]);
    assert_eq!(Request::parse(&too_many), Err(IDV));
}

#[test]
fn write_multiple_registers_reads_big_endian_words() {
    let Ok(Request::WriteMultipleRegisters { address, values }) =
        Request::parse(&[0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02])
    else {
        panic!("FC16 fixture must parse");
    };
    assert_eq!(address, 1);
    assert_eq!(values.iter().collect::<Vec<_>>(), [0x000A, 0x0102]);
    assert_eq!(
        Request::parse(&[0x10, 0x00, 0x01, 0x00, 0x02, 0x03, 0x00, 0x0A, 0x01]),
        Err(IDV)
    );
    let mut too_many = vec![0x10, 0, 0, 0, 124, 248];
    too_many.extend([0; 248]);
    assert_eq!(Request::parse(&too_many), Err(IDV));
}

#[test]
fn unsupported_functions_are_illegal() {
    for pdu in [
        &[0x2B, 0x0E, 0x01, 0x00][..],
        &[0x07],
        &[0x83, 0, 0, 0, 1],
        &[],
    ] {
        assert_eq!(
            Request::parse(pdu),
            Err(ExceptionCode::IllegalFunction),
            "{pdu:?}"
        );
    }
}

#[test]
fn encodes_read_responses() {
    let bits = [1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1].map(|b| b == 1);
    assert_eq!(
        pdu_of(Response::Bits {
            function: 1,
            bits: &bits
        }),
        [0x01, 0x03, 0xCD, 0x6B, 0x05]
    );
    assert_eq!(
        pdu_of(Response::Words {
            function: 3,
            words: &[0x022B, 0x0000, 0x0064]
        }),
        [0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64]
    );
}

#[test]
fn encodes_write_and_exception_responses() {
    assert_eq!(
        pdu_of(Response::WriteSingle {
            function: 5,
            address: 0xAC,
            value: 0xFF00
        }),
        [0x05, 0x00, 0xAC, 0xFF, 0x00]
    );
    assert_eq!(
        pdu_of(Response::WriteMultiple {
            function: 0x10,
            address: 1,
            quantity: 2
        }),
        [0x10, 0x00, 0x01, 0x00, 0x02]
    );
    let busy = Response::Exception {
        function: 3,
        code: ExceptionCode::ServerDeviceBusy,
    };
    assert_eq!(pdu_of(busy), [0x83, 0x06]);
}

#[test]
fn a_whole_read_response_frame() {
    let mut out = Vec::new();
    Response::Words {
        function: 3,
        words: &[0x1234],
    }
    .encode(
        Header {
            transaction: 0xBEEF,
            unit: 3,
        },
        &mut out,
    );
    assert_eq!(
        out,
        [
            0xBE, 0xEF, 0x00, 0x00, 0x00, 0x05, 0x03, 0x03, 0x02, 0x12, 0x34
        ]
    );
}

proptest! {
    #[test]
    fn parsing_random_pdus_never_panics(pdu in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(request) = Request::parse(&pdu) {
            prop_assert_eq!(request.function(), pdu[0]);
        }
    }

    #[test]
    fn fc16_round_trips_words(address: u16, words in proptest::collection::vec(any::<u16>(), 1..=123)) {
        let mut pdu = vec![0x10];
        pdu.extend(address.to_be_bytes());
        pdu.extend((words.len() as u16).to_be_bytes());
        pdu.push((words.len() * 2) as u8);
        pdu.extend(words.iter().flat_map(|w| w.to_be_bytes()));
        let Ok(Request::WriteMultipleRegisters { values, .. }) = Request::parse(&pdu) else {
            return Err(TestCaseError::fail("valid FC16 must parse"));
        };
        prop_assert_eq!(values.iter().collect::<Vec<_>>(), words);
    }
}

/// The specification's example of FC22: register 4, AND 0x00F2, OR 0x0025.
#[test]
fn mask_write_register_parses_and_echoes() {
    let pdu = [0x16, 0x00, 0x04, 0x00, 0xF2, 0x00, 0x25];
    assert_eq!(
        Request::parse(&pdu),
        Ok(Request::MaskWriteRegister {
            address: 4,
            and_mask: 0x00F2,
            or_mask: 0x0025
        })
    );
    assert_eq!(Request::parse(&pdu[..5]), Err(IDV));
    assert_eq!(Request::parse(&[&pdu[..], &[0]].concat()), Err(IDV));
    let echo = Response::MaskWrite {
        address: 4,
        and_mask: 0x00F2,
        or_mask: 0x0025,
    };
    assert_eq!(pdu_of(echo), pdu);
}
