//! [`Limits`]: what one device accepts in a request, as the manifest sets it (each
//! field left out is the protocol's maximum).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::manifest::spec::{LimitsSpec, WriteFunction};

/// What one device accepts in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub max_read_registers: u16,
    pub max_write_registers: u16,
    pub max_read_bits: u16,
    pub max_write_bits: u16,
    pub max_gap: u16,
    pub write_function: WriteFunction,
    /// Least time between two requests of any kind.
    #[serde(with = "millis")]
    pub request_interval: Duration,
}

impl Limits {
    /// The protocol's maxima: FC03/FC04 125 registers, FC16 123, FC01/FC02 2000 bits,
    /// FC15 1968; reads span at most 8 undeclared addresses; no pacing.
    pub const PROTOCOL: Limits = Limits {
        max_read_registers: 125,
        max_write_registers: 123,
        max_read_bits: 2000,
        max_write_bits: 1968,
        max_gap: 8,
        write_function: WriteFunction::Auto,
        request_interval: Duration::ZERO,
    };

    /// The limits a manifest sets, the protocol's maxima where it sets none.
    pub fn of_spec(spec: Option<&LimitsSpec>) -> Limits {
        let d = Limits::PROTOCOL;
        let Some(s) = spec else { return d };
        Limits {
            max_read_registers: s.max_read_registers.unwrap_or(d.max_read_registers),
            max_write_registers: s.max_write_registers.unwrap_or(d.max_write_registers),
            max_read_bits: s.max_read_bits.unwrap_or(d.max_read_bits),
            max_write_bits: s.max_write_bits.unwrap_or(d.max_write_bits),
            max_gap: s.max_gap.unwrap_or(d.max_gap),
            write_function: s.write_function.unwrap_or(d.write_function),
            request_interval: s
                .request_interval_ms
                .map_or(d.request_interval, |ms| Duration::from_millis(ms.into())),
        }
    }

    /// Whether these are the protocol's maxima (nothing to record in a plan).
    pub fn is_protocol(&self) -> bool {
        *self == Limits::PROTOCOL
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::PROTOCOL
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_left_out_are_the_protocol_maxima() {
        let spec = LimitsSpec {
            max_read_registers: Some(64),
            request_interval_ms: Some(20),
            ..LimitsSpec::default()
        };
        let limits = Limits::of_spec(Some(&spec));
        assert_eq!(limits.max_read_registers, 64);
        assert_eq!(limits.request_interval, Duration::from_millis(20));
        assert_eq!(limits.max_write_registers, 123);
        assert!(!limits.is_protocol());
        assert!(Limits::of_spec(None).is_protocol());
    }
}
