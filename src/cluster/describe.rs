//! `fabctl describe NAME`: one `IndustrialPLC` in full, laid out like `kubectl describe`.
//!
//! Metadata, then the spec (device, registers with kind, address, type and desired
//! value), then the status the agent reported: the original operator's fields,
//! observed generation, sync request, per-register values and conditions.

use std::io::{self, Write};

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

use super::age;
use super::table::{columns, device, namespace_of, phase_name};
use crate::manifest::spec::{RegisterAction, RegisterStatus, SYNC_ANNOTATION, WriteWindowSpec};
use crate::manifest::{IndustrialPLC, IndustrialPLCStatus, RegisterSpec, SHORTHAND_REGISTER};
use crate::register::Codec;

/// Writes the description of `plc`, ages taken at `now`.
pub fn render(plc: &IndustrialPLC, now: Timestamp, out: &mut dyn Write) -> io::Result<()> {
    let meta = &plc.metadata;
    let created = meta.creation_timestamp.as_ref().map(|t| t.0);
    let text = |s: String| Field::Text(s);
    fields(
        out,
        "",
        vec![
            ("Name", text(meta.name.clone().unwrap_or_default())),
            ("Namespace", text(namespace_of(plc).to_owned())),
            ("Labels", text(pairs(meta.labels.as_ref(), "="))),
            ("Annotations", text(pairs(meta.annotations.as_ref(), ": "))),
            (
                "API Version",
                text(crate::manifest::spec::API_VERSION.to_owned()),
            ),
            ("Kind", text(crate::manifest::spec::KIND.to_owned())),
            (
                "Created",
                text(created.map_or_else(
                    || "<unknown>".to_owned(),
                    |t| format!("{t} ({} ago)", age::since(Some(t), now)),
                )),
            ),
            (
                "Generation",
                text(
                    meta.generation
                        .map_or_else(|| "<none>".to_owned(), |g| g.to_string()),
                ),
            ),
        ],
    )?;
    spec(plc, out)?;
    status(plc, now, out)?;
    fields(
        out,
        "",
        vec![(
            "Events",
            text(format!(
                "kubectl events -n {} --for industrialplc/{}",
                namespace_of(plc),
                meta.name.as_deref().unwrap_or_default()
            )),
        )],
    )
}

/// A value in a `key: value` block: text, or a table under the key.
enum Field {
    Text(String),
    /// `<none>` without rows.
    Table {
        headers: &'static [&'static str],
        rows: Vec<Vec<String>>,
    },
}

fn spec(plc: &IndustrialPLC, out: &mut dyn Write) -> io::Result<()> {
    let spec = &plc.spec;
    writeln!(out, "Spec:")?;
    let mut registers: Vec<Vec<String>> = Vec::new();
    if let Some(address) = spec.target_register {
        registers.push(vec![
            SHORTHAND_REGISTER.to_owned(),
            "holding".to_owned(),
            address.to_string(),
            "u16".to_owned(),
            spec.target_value
                .map_or_else(|| "<none>".to_owned(), |v| v.to_string()),
            "0".to_owned(),
            "-".to_owned(),
            "enforce".to_owned(),
        ]);
    }
    registers.extend(spec.registers.iter().map(register_row));
    let mut model = Vec::new();
    if let Some(name) = &spec.model {
        // The model's registers are the PLCModel's (`kubectl describe plcmodel NAME`);
        // the PLC holds its values of them and its own registers.
        model.push(("Model", Field::Text(name.clone())));
        let values: Vec<String> = spec
            .values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let values = if values.is_empty() {
            "<none> (the model's defaults)".to_owned()
        } else {
            values.join(", ")
        };
        model.push(("Values", Field::Text(values)));
    }
    let mut rows = vec![(
        "Device",
        Field::Text(format!(
            "{} (unit {})",
            device(&spec.device_address, spec.port_or_default()),
            spec.unit_id
        )),
    )];
    rows.extend(model);
    fields(
        out,
        "  ",
        rows.into_iter()
            .chain([
                ("Timeout", Field::Text(format!("{}ms", spec.timeout_ms))),
                (
                    "Poll Interval",
                    Field::Text(format!("{}s", spec.poll_interval_secs)),
                ),
                ("Auto Correct", Field::Text(spec.auto_correct.to_string())),
                (
                    "Tags",
                    Field::Text(if spec.tags.is_empty() {
                        "<none>".to_owned()
                    } else {
                        spec.tags.join(", ")
                    }),
                ),
                (
                    "Write Windows",
                    Field::Text(write_windows(&spec.write_windows)),
                ),
                (
                    "Write Interval",
                    Field::Text(format!("{}ms", spec.min_write_interval_ms)),
                ),
                (
                    "Registers",
                    Field::Table {
                        headers: &[
                            "NAME",
                            "KIND",
                            "ADDRESS",
                            "TYPE",
                            "DESIRED",
                            "TOLERANCE",
                            "BOUNDS",
                            "MODE",
                        ],
                        rows: registers,
                    },
                ),
            ])
            .collect(),
    )
}

/// One line per window (`0 22 * * 1-5 for 8h (Europe/Berlin)`), `always` without any.
fn write_windows(windows: &[WriteWindowSpec]) -> String {
    if windows.is_empty() {
        return "always".to_owned();
    }
    windows
        .iter()
        .map(|w| {
            format!(
                "{} for {} ({})",
                w.schedule,
                w.duration,
                w.time_zone.as_deref().unwrap_or("UTC")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn register_row(reg: &RegisterSpec) -> Vec<String> {
    let codec = Codec {
        value_type: reg.value_type(),
        word_order: reg.word_order,
        byte_order: reg.byte_order,
        length: reg.length.unwrap_or(0),
        scale: reg.scale,
        offset: reg.offset,
    };
    let mut value_type = crate::view::type_name(&codec);
    if let Some(order) = codec.order_label() {
        value_type.push(' ');
        value_type.push_str(order);
    }
    if reg.scale != 1.0 {
        value_type.push_str(&format!(" ×{}", reg.scale));
    }
    if reg.offset != 0.0 {
        value_type.push_str(&format!(" {:+}", reg.offset));
    }
    let bounds = match (reg.min, reg.max) {
        (None, None) => "-".to_owned(),
        (min, max) => format!(
            "{}..{}",
            min.map(|m| m.to_string()).unwrap_or_default(),
            max.map(|m| m.to_string()).unwrap_or_default()
        ),
    };
    vec![
        reg.name.clone(),
        reg.kind.to_string(),
        match (reg.bit, reg.read_address) {
            (Some(bit), None) => format!("{}.{bit}", reg.address),
            (None, Some(read)) => format!("{} (read at {read})", reg.address),
            (Some(bit), Some(read)) => format!("{}.{bit} (read at {read})", reg.address),
            (None, None) => reg.address.to_string(),
        },
        value_type,
        reg.value.to_string(),
        reg.tolerance.to_string(),
        bounds,
        match reg.mode {
            crate::manifest::Mode::Enforce => "enforce".to_owned(),
            crate::manifest::Mode::Observe => "observe".to_owned(),
        },
    ]
}

fn status(plc: &IndustrialPLC, now: Timestamp, out: &mut dyn Write) -> io::Result<()> {
    let Some(status) = plc
        .status
        .as_ref()
        .filter(|s| **s != IndustrialPLCStatus::default())
    else {
        return fields(
            out,
            "",
            vec![(
                "Status",
                Field::Text("<none> (no agent has reported yet)".to_owned()),
            )],
        );
    };
    writeln!(out, "Status:")?;
    let none = || "<none>".to_owned();
    let observed = match (status.observed_generation, plc.metadata.generation) {
        (None, _) => none(),
        (Some(seen), Some(current)) if seen < current => {
            format!("{seen} (the spec is at generation {current}: not reconciled yet)")
        }
        (Some(seen), _) => seen.to_string(),
    };
    let requested = plc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SYNC_ANNOTATION));
    let sync = match (requested, &status.last_sync_request) {
        (None, None) => none(),
        (Some(r), Some(handled)) if r == handled => format!("{r} (handled)"),
        (Some(r), _) => format!("{r} (pending)"),
        (None, Some(handled)) => format!("{handled} (handled)"),
    };
    let text = |s: String| Field::Text(s);
    fields(
        out,
        "  ",
        vec![
            (
                "Phase",
                text(status.phase.map_or_else(none, |p| phase_name(p).to_owned())),
            ),
            (
                "In Sync",
                text(status.in_sync.map_or_else(none, |b| b.to_string())),
            ),
            ("Drift Events", text(status.drift_events.to_string())),
            (
                "Corrections Applied",
                text(status.corrections_applied.to_string()),
            ),
            (
                "Current Value",
                text(status.current_value.map_or_else(none, |v| v.to_string())),
            ),
            ("Observed Generation", text(observed)),
            (
                "Last Update",
                text(
                    status
                        .last_update
                        .as_deref()
                        .map_or_else(none, |t| with_age(t, now)),
                ),
            ),
            ("Sync Request", text(sync)),
            (
                "Last Error",
                text(status.last_error.clone().unwrap_or_else(none)),
            ),
            ("Message", text(status.message.clone().unwrap_or_else(none))),
            ("Registers", registers(&status.registers)),
            ("Conditions", conditions(&status.conditions, now)),
        ],
    )
}

/// Each register as the agent last observed it.
fn registers(registers: &[RegisterStatus]) -> Field {
    let rows = registers
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.kind.to_string(),
                r.address.to_string(),
                r.live
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |v| v.to_string()),
                r.desired.to_string(),
                r.in_sync.to_string(),
                action_name(r.action).to_owned(),
                r.message.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Field::Table {
        headers: &[
            "NAME", "KIND", "ADDRESS", "LIVE", "DESIRED", "IN SYNC", "ACTION", "MESSAGE",
        ],
        rows,
    }
}

/// `Ready`, `Reachable`, `InSync`: TYPE, STATUS, REASON, AGE (since the last
/// transition), MESSAGE.
fn conditions(conditions: &[Condition], now: Timestamp) -> Field {
    let rows = conditions
        .iter()
        .map(|c| {
            vec![
                c.type_.clone(),
                c.status.clone(),
                c.reason.clone(),
                age::since(Some(c.last_transition_time.0), now),
                c.message.clone(),
            ]
        })
        .collect();
    Field::Table {
        headers: &["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"],
        rows,
    }
}

/// The action as the API spells it.
fn action_name(action: RegisterAction) -> &'static str {
    match action {
        RegisterAction::InSync => "InSync",
        RegisterAction::Corrected => "Corrected",
        RegisterAction::Drifted => "Drifted",
        RegisterAction::Conflict => "Conflict",
        RegisterAction::Stale => "Stale",
        RegisterAction::CorrectionFailed => "CorrectionFailed",
        RegisterAction::ReadFailed => "ReadFailed",
    }
}

/// `key: value` lines with the values aligned; a value of several lines continues
/// under the first; a table starts on the line after its key, indented further.
fn fields(out: &mut dyn Write, indent: &str, entries: Vec<(&str, Field)>) -> io::Result<()> {
    let width = entries
        .iter()
        .map(|(k, _)| k.chars().count() + 1)
        .max()
        .unwrap_or(0)
        .max(12)
        + 2;
    for (key, value) in entries {
        let label = format!("{key}:");
        let value = match value {
            Field::Table { headers, rows } if !rows.is_empty() => {
                writeln!(out, "{indent}{label}")?;
                columns(out, &format!("{indent}  "), headers, &rows)?;
                continue;
            }
            Field::Table { .. } => "<none>".to_owned(),
            Field::Text(text) => text,
        };
        let mut lines = value.lines();
        let first = lines.next().unwrap_or_default();
        writeln!(
            out,
            "{}",
            format!("{indent}{label:<width$}{first}").trim_end()
        )?;
        for line in lines {
            writeln!(out, "{indent}{:width$}{line}", "")?;
        }
    }
    Ok(())
}

/// Labels or annotations, one per line, sorted; `<none>` when there are none.
fn pairs(map: Option<&std::collections::BTreeMap<String, String>>, sep: &str) -> String {
    match map {
        Some(map) if !map.is_empty() => map
            .iter()
            .map(|(k, v)| format!("{k}{sep}{v}"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => "<none>".to_owned(),
    }
}

fn with_age(time: &str, now: Timestamp) -> String {
    match time.parse::<Timestamp>() {
        Ok(t) => format!("{time} ({} ago)", age::since(Some(t), now)),
        Err(_) => time.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(yaml: &str) -> RegisterSpec {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn a_plc_of_a_model_shows_its_model_and_values() {
        let mut plc = crate::cluster::fixtures::plcs().remove(2);
        plc.spec.model = Some("hx-200".into());
        plc.spec.values = [
            ("speed".to_owned(), crate::register::Value::Float(80.5)),
            ("stroke".to_owned(), crate::register::Value::Int(350)),
        ]
        .into();
        let mut out = Vec::new();
        render(&plc, crate::cluster::fixtures::now(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let spec: Vec<&str> = text.lines().skip_while(|l| *l != "Spec:").take(4).collect();
        assert_eq!(
            spec[1..],
            [
                "  Device:          [fd00::7]:5502 (unit 1)",
                "  Model:           hx-200",
                "  Values:          speed=80.5, stroke=350",
            ],
            "{text}"
        );
    }

    #[test]
    fn a_register_row_shows_word_order_scaling_and_open_bounds() {
        let reg = register(
            "{name: temp, address: 7, kind: input, type: i32, wordOrder: little, scale: 0.1, offset: -40, value: 21.5, tolerance: 0.5, min: -20}",
        );
        assert_eq!(
            register_row(&reg),
            [
                "temp",
                "input",
                "7",
                "i32 CDAB ×0.1 -40",
                "21.5",
                "0.5",
                "-20..",
                "enforce"
            ]
        );
    }

    #[test]
    fn a_register_row_shows_byte_orders_and_string_lengths() {
        let reg = register(
            "{name: flow, address: 300, type: f32, wordOrder: little, byteOrder: little, value: 12.5}",
        );
        assert_eq!(register_row(&reg)[3], "f32 DCBA");
        let reg = register("{name: raw, address: 3, byteOrder: little, value: 5}");
        assert_eq!(register_row(&reg)[3], "u16 BA");
        let reg =
            register("{name: recipe, address: 200, type: string, length: 8, value: \"PVC-40\"}");
        assert_eq!(register_row(&reg)[3], "string(8)");
        assert_eq!(register_row(&reg)[4], "\"PVC-40\"");
    }

    #[test]
    fn single_word_types_have_no_word_order() {
        let reg = register("{name: speed, address: 1, wordOrder: little, value: 5, max: 9}");
        assert_eq!(
            register_row(&reg),
            ["speed", "holding", "1", "u16", "5", "0", "..9", "enforce"]
        );
    }
}
