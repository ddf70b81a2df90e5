//! The `fabctl get` table: one row per `IndustrialPLC`, kubectl-style columns.
//!
//! [`Row::from_resource`] turns a resource into finished cells; [`render`] only lays
//! them out, so tests assert whole tables without a cluster.

use std::io::{self, Write};

use jiff::Timestamp;

use super::age;
use crate::manifest::spec::Phase;
use crate::manifest::{IndustrialPLC, IndustrialPLCStatus};

/// One finished row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub namespace: String,
    pub name: String,
    /// `host:port` (`[v6]:port` for IPv6 literals).
    pub device: String,
    /// The PLCModel the PLC names (`spec.model`), if any.
    pub model: Option<String>,
    /// Managed registers, the `targetRegister` shorthand included (for a PLC of a
    /// model: its own registers and its values of the model's).
    pub registers: usize,
    /// `true`, `false` or `-` before the agent has reported.
    pub in_sync: String,
    /// Registers out of tolerance at the agent's last reading; `-` when it has not
    /// read them (not reported yet, or the PLC was unreachable).
    pub drifted: String,
    /// `status.phase`, `-` before the agent has reported.
    pub phase: String,
    pub age: String,
}

impl Row {
    /// The cells for one resource, its age taken at `now`.
    pub fn from_resource(plc: &IndustrialPLC, now: Timestamp) -> Row {
        let status = plc.status.clone().unwrap_or_default();
        Row {
            namespace: namespace_of(plc).to_owned(),
            name: plc.metadata.name.clone().unwrap_or_default(),
            device: device(&plc.spec.device_address, plc.spec.port_or_default()),
            model: plc.spec.model.clone(),
            registers: register_count(plc),
            in_sync: status
                .in_sync
                .map_or_else(|| "-".to_owned(), |b| b.to_string()),
            drifted: drifted(&status),
            phase: status
                .phase
                .map_or_else(|| "-".to_owned(), |p| phase_name(p).to_owned()),
            age: age::since(plc.metadata.creation_timestamp.as_ref().map(|t| t.0), now),
        }
    }
}

/// Registers read and found out of tolerance.
fn drifted(status: &IndustrialPLCStatus) -> String {
    if status.registers.is_empty() {
        return match status.in_sync {
            Some(true) => "0".to_owned(),
            _ => "-".to_owned(),
        };
    }
    status
        .registers
        .iter()
        .filter(|r| r.live.is_some() && !r.in_sync)
        .count()
        .to_string()
}

/// The resource's namespace (`default` when the object carries none).
pub fn namespace_of(plc: &IndustrialPLC) -> &str {
    plc.metadata.namespace.as_deref().unwrap_or("default")
}

/// `host:port`, bracketing IPv6 literals.
pub fn device(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Registers the resource manages: `registers:` plus the `targetRegister` shorthand;
/// for a PLC of a model, once the agent has reported, the registers it read.
pub fn register_count(plc: &IndustrialPLC) -> usize {
    let own = plc.spec.registers.len() + usize::from(plc.spec.target_register.is_some());
    match (&plc.spec.model, &plc.status) {
        (Some(_), Some(status)) if !status.registers.is_empty() => status.registers.len(),
        (Some(_), _) => own + plc.spec.values.len(),
        _ => own,
    }
}

/// The phase as the API spells it.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Pending => "Pending",
        Phase::Connecting => "Connecting",
        Phase::Connected => "Connected",
        Phase::DriftDetected => "DriftDetected",
        Phase::Correcting => "Correcting",
        Phase::Failed => "Failed",
    }
}

/// Writes the table: a header and one line per row. `show_namespace` adds the
/// NAMESPACE column (`--all-namespaces`); a MODEL column is shown when a PLC names a
/// PLCModel.
pub fn render(rows: &[Row], show_namespace: bool, out: &mut dyn Write) -> io::Result<()> {
    let show_model = rows.iter().any(|r| r.model.is_some());
    let mut headers = Vec::new();
    if show_namespace {
        headers.push("NAMESPACE");
    }
    headers.extend(["NAME", "DEVICE"]);
    if show_model {
        headers.push("MODEL");
    }
    headers.extend(["REGISTERS", "IN SYNC", "DRIFTED", "PHASE", "AGE"]);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line = Vec::new();
            if show_namespace {
                line.push(r.namespace.clone());
            }
            line.extend([r.name.clone(), r.device.clone()]);
            if show_model {
                line.push(r.model.clone().unwrap_or_else(|| "-".to_owned()));
            }
            line.extend([
                r.registers.to_string(),
                r.in_sync.clone(),
                r.drifted.clone(),
                r.phase.clone(),
                r.age.clone(),
            ]);
            line
        })
        .collect();
    columns(out, "", &headers, &cells)
}

/// Left-aligned columns three spaces apart, like kubectl; every line starts with
/// `indent` and none ends in spaces.
pub fn columns(
    out: &mut dyn Write,
    indent: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for line in std::iter::once(&header).chain(rows) {
        let mut text = String::from(indent);
        for (i, (cell, width)) in line.iter().zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("   ");
            }
            text.push_str(cell);
            text.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(cell.chars().count()),
            ));
        }
        writeln!(out, "{}", text.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixtures;

    fn table(rows: &[Row], show_namespace: bool) -> String {
        let mut out = Vec::new();
        render(rows, show_namespace, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rows_come_from_spec_status_and_metadata() {
        let rows: Vec<Row> = fixtures::plcs()
            .iter()
            .map(|p| Row::from_resource(p, fixtures::now()))
            .collect();
        assert_eq!(
            table(&rows, false),
            "\
NAME                DEVICE                                    REGISTERS   IN SYNC   DRIFTED   PHASE           AGE
production-line-1   mock-plc.default.svc.cluster.local:5502   1           true      0         Connected       2d4h
oven-1              10.0.0.7:502                              3           false     2         DriftDetected   5m30s
new-plc             [fd00::7]:5502                            0           -         -         -               45s
"
        );
    }

    #[test]
    fn all_namespaces_adds_the_namespace_column() {
        let rows: Vec<Row> = fixtures::plcs()
            .iter()
            .map(|p| Row::from_resource(p, fixtures::now()))
            .collect();
        assert_eq!(
            table(&rows[..2], true),
            "\
NAMESPACE   NAME                DEVICE                                    REGISTERS   IN SYNC   DRIFTED   PHASE           AGE
default     production-line-1   mock-plc.default.svc.cluster.local:5502   1           true      0         Connected       2d4h
plant-a     oven-1              10.0.0.7:502                              3           false     2         DriftDetected   5m30s
"
        );
    }

    #[test]
    fn a_plc_of_a_model_adds_the_model_column() {
        let mut plcs = fixtures::plcs();
        plcs[2].spec.model = Some("hx-200".into());
        plcs[2].spec.values = [("speed".to_owned(), crate::register::Value::Int(80))].into();
        let rows: Vec<Row> = plcs[1..]
            .iter()
            .map(|p| Row::from_resource(p, fixtures::now()))
            .collect();
        assert_eq!(
            table(&rows, false),
            "\
NAME      DEVICE           MODEL    REGISTERS   IN SYNC   DRIFTED   PHASE           AGE
oven-1    10.0.0.7:502     -        3           false     2         DriftDetected   5m30s
new-plc   [fd00::7]:5502   hx-200   1           -         -         -               45s
"
        );
    }

    #[test]
    fn an_empty_list_is_just_the_header() {
        assert_eq!(
            table(&[], false),
            "NAME   DEVICE   REGISTERS   IN SYNC   DRIFTED   PHASE   AGE\n"
        );
    }

    #[test]
    fn ipv6_devices_are_bracketed() {
        assert_eq!(device("fd00::7", 502), "[fd00::7]:502");
        assert_eq!(device("plc.local", 502), "plc.local:502");
        assert_eq!(device("10.0.0.1", 5502), "10.0.0.1:5502");
    }
}
