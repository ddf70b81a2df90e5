//! RTU framing of Modbus on a serial line (and on a TCP socket behind a transparent
//! gateway): unit id, PDU, then the CRC-16 of both, low byte first.
//!
//! A serial line has no length field: a frame ends with 3.5 characters of silence. A
//! byte stream (a pseudo-terminal, a TCP socket) keeps no silences, so
//! [`decode_request`] knows the length of each request from its function code, and
//! takes what has arrived as the frame of a function it does not know. Decoding is
//! total, like [`super::frame`]: a frame, "need more bytes" or an error, never a panic.

use super::frame::{Frame, Header, MAX_PDU_LEN, MBAP_LEN};

/// Unit id, a function code and the CRC: the shortest frame.
const MIN_FRAME_LEN: usize = 4;

/// A frame whose CRC does not match its bytes: the stream is out of step.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("RTU frame with CRC {got:#06x}, its bytes give {computed:#06x}")]
pub struct CrcError {
    pub got: u16,
    pub computed: u16,
}

/// The Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF).
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// The length of a request PDU (function code and data) from its first bytes; `None`
/// when more bytes are needed to tell, and `Some(None)` for a function whose length is
/// not known here.
fn request_pdu_len(pdu: &[u8]) -> Option<Option<usize>> {
    let function = *pdu.first()?;
    let counted = |at: usize, fixed: usize| pdu.get(at).map(|&n| Some(fixed + usize::from(n)));
    match function {
        // Address and quantity (or value): reads, FC05, FC06, FC08 diagnostics.
        0x01..=0x06 | 0x08 => Some(Some(5)),
        // Address, quantity, byte count, the bytes.
        0x0F | 0x10 => counted(5, 6),
        // Address, AND mask, OR mask.
        0x16 => Some(Some(7)),
        // Read address and quantity, write address, quantity and byte count, the bytes.
        0x17 => counted(9, 10),
        // No data: exception status, event counter and log, report server id.
        0x07 | 0x0B | 0x0C | 0x11 => Some(Some(1)),
        _ => Some(None),
    }
}

/// Decodes the request frame at the start of `buf`: `Ok(None)` when more bytes are
/// needed, else the frame (its transaction id 0) and the bytes it took.
pub fn decode_request(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, CrcError> {
    let Some(pdu_len) = buf.get(1..).and_then(request_pdu_len) else {
        return Ok(None);
    };
    let end = match pdu_len {
        Some(n) => 1 + n.min(MAX_PDU_LEN) + 2,
        // An unknown function: the frame is what has arrived (a line's silence).
        None => buf.len().min(1 + MAX_PDU_LEN + 2),
    };
    if end < MIN_FRAME_LEN || buf.len() < end {
        return Ok(None);
    }
    let (body, crc) = buf[..end].split_at(end - 2);
    let got = u16::from_le_bytes([crc[0], crc[1]]);
    let computed = crc16(body);
    if got != computed {
        return Err(CrcError { got, computed });
    }
    let header = Header {
        transaction: 0,
        unit: body[0],
    };
    Ok(Some((
        Frame {
            header,
            pdu: &body[1..],
        },
        end,
    )))
}

/// Turns the Modbus TCP frame at `out[start..]` into an RTU frame: the MBAP header
/// but its unit id goes, the CRC comes after the PDU.
pub fn from_mbap(out: &mut Vec<u8>, start: usize) {
    if out.len() < start + MBAP_LEN {
        return;
    }
    out.drain(start..start + MBAP_LEN - 1);
    let crc = crc16(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modbus::frame::encode_frame;
    use proptest::prelude::*;

    #[test]
    fn the_crc_of_the_standard_example() {
        // Read holding registers 0x006B, 3 registers, from unit 0x11: CRC 0x8776.
        let frame = [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03];
        assert_eq!(crc16(&frame).to_le_bytes(), [0x76, 0x87]);
    }

    #[test]
    fn a_request_decodes_once_whole_and_a_bad_crc_is_an_error() {
        let mut frame = vec![0x11, 0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0, 10, 1, 2];
        frame.extend_from_slice(&crc16(&frame).to_le_bytes());
        for n in 0..frame.len() {
            assert_eq!(decode_request(&frame[..n]), Ok(None), "{n} bytes");
        }
        let (decoded, used) = decode_request(&frame).unwrap().unwrap();
        assert_eq!(
            (decoded.header.unit, decoded.pdu, used),
            (0x11, &frame[1..11], 13)
        );
        let last = frame.len() - 1;
        frame[last] ^= 1;
        assert!(decode_request(&frame).is_err());
    }

    #[test]
    fn a_reply_becomes_an_rtu_frame() {
        let mut out = vec![0xAA];
        encode_frame(
            &mut out,
            Header {
                transaction: 9,
                unit: 0x11,
            },
            &[0x06, 0, 1, 0, 3],
        );
        from_mbap(&mut out, 1);
        let crc = crc16(&[0x11, 0x06, 0, 1, 0, 3]).to_le_bytes();
        assert_eq!(out, [0xAA, 0x11, 0x06, 0, 1, 0, 3, crc[0], crc[1]]);
    }

    proptest! {
        #[test]
        fn any_bytes_decode_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_request(&bytes);
        }
    }
}
