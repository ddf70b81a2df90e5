//! Modicon references in addresses. Vendors' register lists often give registers in
//! Modicon notation, a one-based reference whose leading digit names the table: 3xxxx
//! (or 3xxxxx) for input registers, 4xxxx (or 4xxxxx) for holding registers. fabctl
//! addresses are the zero-based protocol addresses sent on the wire, so reference
//! 40101 is holding address 100. An address that looks like a reference is warned
//! about (it may be meant: a device can have 50,000 holding registers); a six-digit
//! reference, which cannot be an address, gets the conversion in its error's hint.

use super::SourceLoc;
use super::diagnostic::Diagnostic;
use crate::register::RegisterKind;

/// The warning for a register whose address looks like a five-digit Modicon reference
/// of its table: 30001–39999 on input registers, 40001–49999 on holding registers.
/// `loc` is asked only when there is a warning: this runs for every register.
pub fn check(
    name: &str,
    kind: RegisterKind,
    address: u16,
    loc: impl FnOnce() -> SourceLoc,
) -> Option<Diagnostic> {
    let first = match (kind, address) {
        (RegisterKind::Input, 30_001..=39_999) => 30_001,
        (RegisterKind::Holding, 40_001..=49_999) => 40_001,
        _ => return None,
    };
    let meant = address - first;
    Some(
        Diagnostic::warning(
            loc(),
            format!(
                "register `{name}`: address {address} looks like a Modicon reference ({}xxxx); did you mean address {meant}?",
                first / 10_000,
            ),
        )
        .with_hint(format!(
            "fabctl addresses are zero-based protocol addresses: reference {address} is {kind} address {address} - {first} = {meant}; keep {address} only if the device's manual gives it as a protocol address"
        )),
    )
}

/// The hint for an address too large for the protocol that looks like a six-digit
/// Modicon reference: 300001–365536 (input) or 400001–465536 (holding).
pub fn six_digit_hint(address: i64) -> Option<String> {
    let (first, table, kind) = match address {
        300_001..=365_536 => (300_001, "input registers", " with `kind: input`"),
        400_001..=465_536 => (400_001, "holding registers", ""),
        _ => return None,
    };
    let meant = address - first;
    Some(format!(
        "{address} looks like a six-digit Modicon reference ({}xxxxx, {table}); did you mean `address: {meant}`{kind}? (protocol address = reference - {first})",
        first / 100_000
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc() -> SourceLoc {
        super::super::diagnostic::FileRef::new(std::path::Path::new("p.yaml")).at(7, 20)
    }

    #[test]
    fn five_digit_references_of_their_own_table_are_warned_about() {
        let d = check("speed", RegisterKind::Holding, 40_101, loc).unwrap();
        assert_eq!(
            d.to_string(),
            "p.yaml:7:20: warning: register `speed`: address 40101 looks like a Modicon reference (4xxxx); did you mean address 100?\n  help: fabctl addresses are zero-based protocol addresses: reference 40101 is holding address 40101 - 40001 = 100; keep 40101 only if the device's manual gives it as a protocol address"
        );
        let d = check("temp", RegisterKind::Input, 30_001, loc).unwrap();
        assert!(
            d.message.ends_with("did you mean address 0?"),
            "{}",
            d.message
        );
        assert!(check("a", RegisterKind::Holding, 40_000, loc).is_none());
        assert!(check("a", RegisterKind::Holding, 50_000, loc).is_none());
        assert!(check("a", RegisterKind::Holding, 30_101, loc).is_none());
        assert!(check("a", RegisterKind::Coil, 40_101, loc).is_none());
        assert!(check("a", RegisterKind::Input, 40_101, loc).is_none());
    }

    #[test]
    fn six_digit_references_get_their_address() {
        assert_eq!(
            six_digit_hint(400_101).unwrap(),
            "400101 looks like a six-digit Modicon reference (4xxxxx, holding registers); did you mean `address: 100`? (protocol address = reference - 400001)"
        );
        assert!(
            six_digit_hint(465_536)
                .unwrap()
                .contains("`address: 65535`")
        );
        assert!(
            six_digit_hint(300_002)
                .unwrap()
                .contains("`address: 1` with `kind: input`")
        );
        assert!(six_digit_hint(465_537).is_none());
        assert!(six_digit_hint(70_000).is_none());
    }
}
