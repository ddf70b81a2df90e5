//! MBAP framing of Modbus TCP: the 7-byte header (transaction id, protocol id 0,
//! length, unit id) in front of every PDU.
//!
//! [`decode_frame`] is total: any byte string yields a frame, "need more bytes", or a
//! [`FrameError`] — never a panic. A frame error means the byte stream can no longer be
//! trusted to be in step, so a server closes the connection.

/// Size of the MBAP header.
pub const MBAP_LEN: usize = 7;
/// Largest PDU (function code + data) Modbus allows.
pub const MAX_PDU_LEN: usize = 253;
/// Largest whole frame: header plus the largest PDU.
pub const MAX_FRAME_LEN: usize = MBAP_LEN + MAX_PDU_LEN;

/// The parts of the MBAP header a reply must echo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Transaction id chosen by the client; the reply carries the same one.
    pub transaction: u16,
    /// Unit id (slave id) addressed behind this endpoint.
    pub unit: u8,
}

/// One frame read from the wire, borrowing its PDU from the input buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub header: Header,
    /// Function code followed by its data; never empty.
    pub pdu: &'a [u8],
}

/// A header that cannot start a Modbus TCP frame.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("protocol id {protocol} is not Modbus (0)")]
    Protocol { protocol: u16 },
    #[error("MBAP length {length} is outside 2..=254 (unit id plus a PDU of 1..=253 bytes)")]
    Length { length: u16 },
}

/// Decodes the frame at the start of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed, `Ok(Some((frame, consumed)))` when a
/// whole frame is there, and an error as soon as the header is known to be invalid
/// (even before the rest of the frame arrives).
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    if let Some(&[p0, p1]) = buf.get(2..4) {
        let protocol = u16::from_be_bytes([p0, p1]);
        if protocol != 0 {
            return Err(FrameError::Protocol { protocol });
        }
    }
    let Some(&[t0, t1, _, _, l0, l1, unit]) = buf.get(..MBAP_LEN) else {
        if let Some(&[l0, l1]) = buf.get(4..6) {
            check_length(u16::from_be_bytes([l0, l1]))?;
        }
        return Ok(None);
    };
    let length = check_length(u16::from_be_bytes([l0, l1]))?;
    // `length` counts the unit id, which is already part of the header.
    let end = MBAP_LEN - 1 + length;
    let Some(pdu) = buf.get(MBAP_LEN..end) else {
        return Ok(None);
    };
    let header = Header {
        transaction: u16::from_be_bytes([t0, t1]),
        unit,
    };
    Ok(Some((Frame { header, pdu }, end)))
}

fn check_length(length: u16) -> Result<usize, FrameError> {
    let n = usize::from(length);
    if (2..=MAX_PDU_LEN + 1).contains(&n) {
        Ok(n)
    } else {
        Err(FrameError::Length { length })
    }
}

/// Starts a frame in `out`: writes the header with a placeholder length and returns
/// where the frame starts. Append the PDU, then call [`finish_frame`].
pub fn begin_frame(out: &mut Vec<u8>, header: Header) -> usize {
    let start = out.len();
    out.extend_from_slice(&header.transaction.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, header.unit]);
    start
}

/// Fills in the length of the frame begun at `start` by [`begin_frame`].
pub fn finish_frame(out: &mut [u8], start: usize) {
    let length = out.len().saturating_sub(start + MBAP_LEN - 1);
    let length = u16::try_from(length).unwrap_or(u16::MAX).to_be_bytes();
    if let Some(field) = out.get_mut(start + 4..start + 6) {
        field.copy_from_slice(&length);
    }
}

/// Appends a whole frame carrying `pdu`.
pub fn encode_frame(out: &mut Vec<u8>, header: Header, pdu: &[u8]) {
    let start = begin_frame(out, header);
    out.extend_from_slice(pdu);
    finish_frame(out, start);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const READ_HOLDING: [u8; 12] = [
        0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03,
    ];

    #[test]
    fn decodes_a_read_holding_request() {
        let (frame, used) = decode_frame(&READ_HOLDING).unwrap().unwrap();
        assert_eq!(used, 12);
        assert_eq!(
            frame.header,
            Header {
                transaction: 1,
                unit: 0x11
            }
        );
        assert_eq!(frame.pdu, &[0x03, 0x00, 0x6B, 0x00, 0x03]);
    }

    #[test]
    fn needs_more_bytes_for_every_prefix() {
        for n in 0..READ_HOLDING.len() {
            assert_eq!(
                decode_frame(&READ_HOLDING[..n]),
                Ok(None),
                "prefix of {n} bytes"
            );
        }
    }

    #[test]
    fn decodes_pipelined_frames_one_at_a_time() {
        let mut two = READ_HOLDING.to_vec();
        two.extend_from_slice(&[0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x01, 0x2B]);
        let (first, used) = decode_frame(&two).unwrap().unwrap();
        assert_eq!(first.header.transaction, 1);
        let (second, rest) = decode_frame(&two[used..]).unwrap().unwrap();
        assert_eq!(
            second.header,
            Header {
                transaction: 2,
                unit: 1
            }
        );
        assert_eq!(second.pdu, &[0x2B]);
        assert_eq!(used + rest, two.len());
    }

    #[test]
    fn rejects_a_foreign_protocol_id_early() {
        assert_eq!(
            decode_frame(&[0, 1, 0, 7]),
            Err(FrameError::Protocol { protocol: 7 })
        );
    }

    #[test]
    fn rejects_lengths_outside_the_pdu_limits() {
        // 0 and 1 leave no room for a function code; 255 means a 254-byte PDU.
        for length in [0u16, 1, 255, 0xFFFF] {
            let [hi, lo] = length.to_be_bytes();
            assert_eq!(
                decode_frame(&[0, 1, 0, 0, hi, lo]),
                Err(FrameError::Length { length })
            );
        }
        let mut largest = vec![0, 1, 0, 0, 0, 254, 1];
        largest.extend(std::iter::repeat_n(0u8, MAX_PDU_LEN));
        let (frame, used) = decode_frame(&largest).unwrap().unwrap();
        assert_eq!((frame.pdu.len(), used), (MAX_PDU_LEN, MAX_FRAME_LEN));
    }

    #[test]
    fn encodes_a_frame_with_its_length() {
        let mut out = vec![0xEE];
        encode_frame(
            &mut out,
            Header {
                transaction: 0x1234,
                unit: 9,
            },
            &[0x83, 0x02],
        );
        assert_eq!(
            out,
            [0xEE, 0x12, 0x34, 0x00, 0x00, 0x00, 0x03, 0x09, 0x83, 0x02]
        );
    }

    proptest! {
        #[test]
        fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(Some((frame, used))) = decode_frame(&bytes) {
                prop_assert!(used <= bytes.len());
                prop_assert!(!frame.pdu.is_empty() && frame.pdu.len() <= MAX_PDU_LEN);
                let _ = crate::modbus::Request::parse(frame.pdu);
            }
        }

        #[test]
        fn encoded_frames_decode_back(transaction: u16, unit: u8, pdu in proptest::collection::vec(any::<u8>(), 1..=MAX_PDU_LEN)) {
            let mut out = Vec::new();
            encode_frame(&mut out, Header { transaction, unit }, &pdu);
            let (frame, used) = decode_frame(&out).unwrap().unwrap();
            prop_assert_eq!(used, out.len());
            prop_assert_eq!(frame.header, Header { transaction, unit });
            prop_assert_eq!(frame.pdu, &pdu[..]);
        }
    }
}
