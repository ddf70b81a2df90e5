//! Which write function carries a write request: FC06 or FC16 for holding registers,
//! FC05 or FC15 for coils, as `spec.limits.writeFunction` says and as the device
//! taught this run.
//!
//! In `auto`, a run of adjacent registers (or a value of several words) goes as
//! FC16/FC15 and a lone one-word register as FC06/FC05. A device that answers
//! IllegalFunction to one of them is remembered for the rest of the run ([`Learned`],
//! per unit behind the endpoint) and gets the other from then on, said once in the
//! log with the setting that avoids the round trip. IllegalFunction means the device
//! performed nothing; the registers are re-read (a fresh compare-and-set) before they
//! are written the other way. A value of several registers is only ever written in
//! one FC16 request: on a device without FC16 it fails, it is never split.

use std::collections::BTreeSet;

use crate::engine::plan::PlcPlan;
use crate::manifest::spec::WriteFunction;
use crate::register::RegisterKind;

/// How one write request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Carry {
    /// FC05/FC06: one item.
    Single,
    /// FC15/FC16.
    Multiple,
}

/// What to do with the registers of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Route {
    /// One request with this function.
    Send(Carry),
    /// One request per register.
    Split,
    /// A value of several words where only FC06 may be used: never split.
    Unsplittable { learned: bool },
    /// The device has neither function (both answered IllegalFunction).
    Neither,
}

/// The function codes of one table: (single, multiple).
pub(super) fn codes(kind: RegisterKind) -> (u8, u8) {
    if kind == RegisterKind::Coil {
        (5, 15)
    } else {
        (6, 16)
    }
}

/// The function code that carries a request for `kind`.
pub(super) fn code(kind: RegisterKind, carry: Carry) -> u8 {
    let (single, multiple) = codes(kind);
    match carry {
        Carry::Single => single,
        Carry::Multiple => multiple,
    }
}

/// The standard name of a write function code.
pub(super) fn name(function: u8) -> &'static str {
    match function {
        5 => "Write Single Coil",
        6 => "Write Single Register",
        15 => "Write Multiple Coils",
        _ => "Write Multiple Registers",
    }
}

/// Write functions the units behind one endpoint answered IllegalFunction in this run.
#[derive(Debug, Default)]
pub(super) struct Learned {
    missing: BTreeSet<(u8, u8)>,
}

impl Learned {
    fn lacks(&self, unit: u8, function: u8) -> bool {
        self.missing.contains(&(unit, function))
    }

    /// How `members` registers of `kind`, `words` words in all, are written on `plc`.
    pub(super) fn route(
        &self,
        plc: &PlcPlan,
        kind: RegisterKind,
        members: usize,
        words: usize,
    ) -> Route {
        let (single, multiple) = codes(kind);
        let unit = plc.unit_id;
        let several = members > 1 || words > 1;
        match plc.limits.write_function {
            WriteFunction::Multiple => Route::Send(Carry::Multiple),
            WriteFunction::Single if members > 1 => Route::Split,
            WriteFunction::Single if words > 1 => Route::Unsplittable { learned: false },
            WriteFunction::Single => Route::Send(Carry::Single),
            WriteFunction::Auto if several && !self.lacks(unit, multiple) => {
                Route::Send(Carry::Multiple)
            }
            WriteFunction::Auto if members > 1 => Route::Split,
            WriteFunction::Auto if words > 1 => Route::Unsplittable { learned: true },
            WriteFunction::Auto => match (self.lacks(unit, single), self.lacks(unit, multiple)) {
                (false, _) => Route::Send(Carry::Single),
                (true, false) => Route::Send(Carry::Multiple),
                (true, true) => Route::Neither,
            },
        }
    }

    /// Takes note that `plc`'s device answered `function` with IllegalFunction.
    /// `true` when this opens another way to write (only in `auto`): the registers
    /// are then re-read and written the other way. Said once per device and function.
    pub(super) fn refused(&mut self, plc: &PlcPlan, function: u8) -> bool {
        if plc.limits.write_function != WriteFunction::Auto {
            return false;
        }
        if !self.missing.insert((plc.unit_id, function)) {
            return false;
        }
        let instead = match function {
            16 => {
                "writing one register per FC06 from now on — set spec.limits.writeFunction: single to skip this"
            }
            15 => {
                "writing one coil per FC05 from now on — set spec.limits.writeFunction: single to skip this"
            }
            6 => {
                "writing single registers with FC16 from now on — set spec.limits.writeFunction: multiple to skip this"
            }
            _ => {
                "writing single coils with FC15 from now on — set spec.limits.writeFunction: multiple to skip this"
            }
        };
        tracing::warn!(
            "{} ({} unit {}): the device has no {} (FC{function}, IllegalFunction); {instead}",
            plc.id(),
            plc.endpoint(),
            plc.unit_id,
            name(function),
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plc(write_function: WriteFunction) -> PlcPlan {
        let mut plan = crate::view::fixtures::plan();
        let mut plc = plan.plcs.remove(0);
        plc.limits.write_function = write_function;
        plc
    }

    #[test]
    fn auto_writes_runs_with_fc16_and_lone_words_with_fc06_until_the_device_says_otherwise() {
        let p = plc(WriteFunction::Auto);
        let mut learned = Learned::default();
        let holding = RegisterKind::Holding;
        assert_eq!(
            learned.route(&p, holding, 2, 2),
            Route::Send(Carry::Multiple)
        );
        assert_eq!(
            learned.route(&p, holding, 1, 2),
            Route::Send(Carry::Multiple)
        );
        assert_eq!(learned.route(&p, holding, 1, 1), Route::Send(Carry::Single));
        assert!(learned.refused(&p, 16));
        assert!(!learned.refused(&p, 16), "learned once");
        assert_eq!(learned.route(&p, holding, 2, 2), Route::Split);
        assert_eq!(
            learned.route(&p, holding, 1, 2),
            Route::Unsplittable { learned: true }
        );
        assert_eq!(learned.route(&p, holding, 1, 1), Route::Send(Carry::Single));
        assert_eq!(
            learned.route(&p, RegisterKind::Coil, 2, 2),
            Route::Send(Carry::Multiple),
            "coils have their own functions"
        );
        assert!(learned.refused(&p, 6));
        assert_eq!(learned.route(&p, holding, 1, 1), Route::Neither);
    }

    #[test]
    fn single_and_multiple_are_what_they_say_and_learn_nothing() {
        let mut learned = Learned::default();
        let single = plc(WriteFunction::Single);
        let holding = RegisterKind::Holding;
        assert_eq!(learned.route(&single, holding, 3, 3), Route::Split);
        assert_eq!(
            learned.route(&single, holding, 1, 2),
            Route::Unsplittable { learned: false }
        );
        assert_eq!(
            learned.route(&single, holding, 1, 1),
            Route::Send(Carry::Single)
        );
        assert!(!learned.refused(&single, 6));
        let multiple = plc(WriteFunction::Multiple);
        assert_eq!(
            learned.route(&multiple, holding, 1, 1),
            Route::Send(Carry::Multiple)
        );
        assert!(!learned.refused(&multiple, 16));
    }
}
