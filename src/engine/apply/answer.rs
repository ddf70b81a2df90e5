//! What the answer to one write request means, decided without I/O: confirmed (the
//! echo names what was sent), a wrong echo, accepted for later (Acknowledge), busy, an
//! exception, never sent, or lost after sending. And, for a lost answer, what the
//! read-back that follows says: applied, untouched, or changed by someone else.
//!
//! A lost answer never leads to a blind re-send: the read-back decides, and only a
//! register still holding the value of the compare-and-set is written once more.

use crate::device::{Exception, IoResult, TransportError, WriteEcho};

/// The meaning of one write request's answer.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Answer {
    /// The device echoed what was sent.
    Confirmed,
    /// Acknowledge (0x05): accepted, performed later; the read-back decides.
    Acknowledged,
    /// ServerDeviceBusy (0x06): not performed; may be sent again after a fresh
    /// compare-and-set.
    Busy,
    /// Any other exception: refused.
    Refused(Exception),
    /// The device says it wrote somewhere else, or another quantity or value.
    WrongEcho {
        answered: WriteEcho,
        sent: WriteEcho,
    },
    /// No connection: the request never left.
    NotSent(TransportError),
    /// The request was sent and its answer lost (timeout, connection lost, broken
    /// reply): the device may or may not have performed it.
    Lost(TransportError),
}

/// Judges the answer to a write request that was to write `sent`.
pub(super) fn judge(sent: WriteEcho, answer: IoResult<WriteEcho>) -> Answer {
    match answer {
        Ok(Ok(answered)) if answered == sent => Answer::Confirmed,
        Ok(Ok(answered)) => Answer::WrongEcho { answered, sent },
        Ok(Err(Exception::ACKNOWLEDGE)) => Answer::Acknowledged,
        Ok(Err(Exception::SERVER_DEVICE_BUSY)) => Answer::Busy,
        // Not a refusal: the gateway's wait for the device ran out; the read-back
        // decides whether the write arrived.
        Ok(Err(Exception::GATEWAY_TARGET_FAILED)) => Answer::Lost(TransportError::GatewayTimedOut),
        Ok(Err(exception)) => Answer::Refused(exception),
        Err(e @ TransportError::Connect { .. }) => Answer::NotSent(e),
        Err(e) => Answer::Lost(e),
    }
}

/// What a register read back after a lost write answer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AfterLostAnswer {
    /// The value written: the write arrived, only its answer was lost.
    Applied,
    /// Still the value of the compare-and-set: the write did not arrive.
    Untouched,
    /// A third value: someone else wrote it in between.
    Changed,
}

/// Classifies the words read back after a lost answer, given the words the
/// compare-and-set saw (`before`) and the words written.
pub(super) fn after_lost_answer(read: &[u16], before: &[u16], written: &[u16]) -> AfterLostAnswer {
    if read == written {
        AfterLostAnswer::Applied
    } else if read == before {
        AfterLostAnswer::Untouched
    } else {
        AfterLostAnswer::Changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SENT: WriteEcho = WriteEcho::Multiple {
        start: 10,
        quantity: 2,
    };

    #[test]
    fn only_the_echo_of_what_was_sent_confirms_a_write() {
        assert_eq!(judge(SENT, Ok(Ok(SENT))), Answer::Confirmed);
        let elsewhere = WriteEcho::Multiple {
            start: 11,
            quantity: 2,
        };
        assert_eq!(
            judge(SENT, Ok(Ok(elsewhere))),
            Answer::WrongEcho {
                answered: elsewhere,
                sent: SENT
            }
        );
        let fewer = WriteEcho::Multiple {
            start: 10,
            quantity: 1,
        };
        assert!(matches!(
            judge(SENT, Ok(Ok(fewer))),
            Answer::WrongEcho { .. }
        ));
        let single = WriteEcho::of(true, 10, &[5]);
        let other_value = WriteEcho::Single {
            address: 10,
            value: 6,
        };
        assert!(matches!(
            judge(single, Ok(Ok(other_value))),
            Answer::WrongEcho { .. }
        ));
    }

    #[test]
    fn exceptions_and_transport_failures_keep_their_meaning() {
        assert_eq!(
            judge(SENT, Ok(Err(Exception::ACKNOWLEDGE))),
            Answer::Acknowledged
        );
        assert_eq!(
            judge(SENT, Ok(Err(Exception::SERVER_DEVICE_BUSY))),
            Answer::Busy
        );
        assert_eq!(
            judge(SENT, Ok(Err(Exception::ILLEGAL_DATA_VALUE))),
            Answer::Refused(Exception::ILLEGAL_DATA_VALUE)
        );
        let refused = TransportError::Connect {
            endpoint: "10.0.0.1:502".into(),
            reason: "refused".into(),
        };
        assert_eq!(judge(SENT, Err(refused.clone())), Answer::NotSent(refused));
        let timeout = TransportError::Timeout {
            timeout: Duration::from_millis(200),
        };
        assert_eq!(judge(SENT, Err(timeout.clone())), Answer::Lost(timeout));
        assert_eq!(
            judge(SENT, Ok(Err(Exception::GATEWAY_TARGET_FAILED))),
            Answer::Lost(TransportError::GatewayTimedOut),
            "a gateway that waited in vain does not know whether the device wrote"
        );
    }

    #[test]
    fn the_read_back_after_a_lost_answer_decides() {
        assert_eq!(
            after_lost_answer(&[5], &[1], &[5]),
            AfterLostAnswer::Applied
        );
        assert_eq!(
            after_lost_answer(&[1], &[1], &[5]),
            AfterLostAnswer::Untouched
        );
        assert_eq!(
            after_lost_answer(&[7], &[1], &[5]),
            AfterLostAnswer::Changed
        );
        // Writing what is already there: the read-back cannot tell, and need not.
        assert_eq!(
            after_lost_answer(&[5], &[5], &[5]),
            AfterLostAnswer::Applied
        );
    }
}
