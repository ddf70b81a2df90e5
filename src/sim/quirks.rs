//! [`Quirks`]: behaviours of real equipment a simulated device can play, switched on
//! per device in a scenario file: function codes it does not serve (FC22 Mask Write
//! Register, FC15/FC16 on a device that writes one item per request: they answer
//! IllegalFunction), and split read-back ([`ReadBack`]: a range written at one
//! address and read at another, like the output image of a WAGO fieldbus coupler,
//! written at 0 and read at 0x200).

use serde::Deserialize;

use crate::register::RegisterKind;

/// Reads of `count` holding registers (or coils) at `to` answer what was written at
/// `from`; reads at `from` answer zeros (false), the input image of a coupler with
/// nothing wired. Writes go to `from`; `to` is not writable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadBack {
    /// holding (default) or coil.
    #[serde(default)]
    pub kind: RegisterKind,
    /// First address written.
    pub from: u16,
    /// Where the device shows `from` when read.
    pub to: u16,
    pub count: u16,
}

impl ReadBack {
    fn range(start: u16, count: u16) -> std::ops::Range<u32> {
        u32::from(start)..u32::from(start) + u32::from(count)
    }

    /// Why this entry cannot be served, if it cannot.
    pub(crate) fn problem(&self) -> Option<String> {
        let (from, to) = (
            Self::range(self.from, self.count),
            Self::range(self.to, self.count),
        );
        if !self.kind.is_writable() {
            Some(format!(
                "readBack: kind {} is read-only; it is for holding registers and coils",
                self.kind
            ))
        } else if self.count == 0 {
            Some("readBack: count must be at least 1".to_owned())
        } else if to.end > 1 << 16 || from.end > 1 << 16 {
            Some("readBack: the ranges run past address 65535".to_owned())
        } else if from.start < to.end && to.start < from.end {
            Some(format!(
                "readBack: from {} and to {} overlap for count {}",
                self.from, self.to, self.count
            ))
        } else {
            None
        }
    }
}

/// What a device does differently from a plain Modbus server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quirks {
    /// Serves FC22 Mask Write Register (`maskWrite: false`: IllegalFunction).
    pub mask_write: bool,
    /// Split read-back ranges (`readBack:`).
    pub read_back: Vec<ReadBack>,
    /// Function codes answered IllegalFunction (`unsupported: [15, 16]`); 22 here is
    /// `maskWrite: false`.
    pub unsupported: Vec<u8>,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            mask_write: true,
            read_back: Vec::new(),
            unsupported: Vec::new(),
        }
    }
}

/// Where a read is served from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// The table, at this address (the written address of a read-back range).
    Table(u16),
    /// Zeros: the written range read at its own address.
    Zeros,
    /// A read that straddles a read-back range: IllegalDataAddress.
    Refused,
}

impl Quirks {
    /// Whether the device serves function code `function`.
    pub(crate) fn serves(&self, function: u8) -> bool {
        let mask_write =
            function != crate::modbus::function::MASK_WRITE_REGISTER || self.mask_write;
        mask_write && !self.unsupported.contains(&function)
    }

    /// Where a read of `count` values of `kind` at `address` is served from.
    pub(crate) fn route(&self, kind: RegisterKind, address: u16, count: u16) -> Route {
        let read = ReadBack::range(address, count);
        for r in self.read_back.iter().filter(|r| r.kind == kind) {
            for (range, inside) in [
                (ReadBack::range(r.to, r.count), true),
                (ReadBack::range(r.from, r.count), false),
            ] {
                if read.start >= range.end || range.start >= read.end {
                    continue;
                }
                if read.start < range.start || read.end > range.end {
                    return Route::Refused;
                }
                if !inside {
                    return Route::Zeros;
                }
                // Within `to..to + count`, so the offset and the result fit.
                let at = u32::from(r.from) + (read.start - range.start);
                return Route::Table(u16::try_from(at).unwrap_or(u16::MAX));
            }
        }
        Route::Table(address)
    }

    /// Whether a write of `kind` at `address..+count` lands in a read-back address
    /// (`to`) range, which is not writable.
    pub(crate) fn refuses_write(&self, kind: RegisterKind, address: u16, count: u16) -> bool {
        let write = ReadBack::range(address, count);
        self.read_back.iter().any(|r| {
            let to = ReadBack::range(r.to, r.count);
            r.kind == kind && write.start < to.end && to.start < write.end
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wago() -> Quirks {
        Quirks {
            mask_write: true,
            unsupported: Vec::new(),
            read_back: vec![ReadBack {
                kind: RegisterKind::Holding,
                from: 0,
                to: 512,
                count: 16,
            }],
        }
    }

    #[test]
    fn reads_at_the_read_address_see_the_written_range() {
        let q = wago();
        use RegisterKind::*;
        assert_eq!(q.route(Holding, 512, 16), Route::Table(0));
        assert_eq!(q.route(Holding, 515, 2), Route::Table(3));
        assert_eq!(q.route(Holding, 0, 4), Route::Zeros);
        assert_eq!(q.route(Holding, 510, 4), Route::Refused);
        assert_eq!(q.route(Holding, 14, 4), Route::Refused);
        assert_eq!(q.route(Holding, 100, 1), Route::Table(100));
        assert_eq!(q.route(Coil, 512, 1), Route::Table(512));
        assert!(q.refuses_write(Holding, 520, 1));
        assert!(!q.refuses_write(Holding, 0, 16));
    }

    #[test]
    fn impossible_ranges_are_refused() {
        let entry = |kind, from, to, count| ReadBack {
            kind,
            from,
            to,
            count,
        };
        use RegisterKind::*;
        assert_eq!(entry(Holding, 0, 512, 16).problem(), None);
        assert!(
            entry(Input, 0, 512, 16)
                .problem()
                .unwrap()
                .contains("read-only")
        );
        assert!(entry(Coil, 0, 8, 16).problem().unwrap().contains("overlap"));
        assert!(
            entry(Coil, 0, 65530, 16)
                .problem()
                .unwrap()
                .contains("65535")
        );
        assert!(
            entry(Coil, 0, 1, 0)
                .problem()
                .unwrap()
                .contains("at least 1")
        );
    }
}
