//! GitHub Actions: `::error` workflow commands that annotate the manifest line of each
//! register that differs or could not be read (and the document of each unreachable
//! PLC), and the Markdown summary appended to `$GITHUB_STEP_SUMMARY`.

use std::io::{self, Write};

use super::{Location, Sources, live_to_desired, summary_line, verdict};
use crate::device::Failure;
use crate::engine::plan::{Action, Plan};

/// One `::error file=…,line=…,col=…,title=…::message` line per register that is not in
/// sync and per PLC not read. Registers in sync print nothing.
pub fn annotations<W: Write>(out: &mut W, plan: &Plan, sources: &Sources) -> io::Result<()> {
    for plc in &plan.plcs {
        let id = plc.id();
        if let Some(error) = &plc.error {
            let failure = error.failure();
            let title = format!("{id} {failure}");
            let verdict = match failure {
                Failure::Unreachable => "is unreachable".to_owned(),
                failure => format!("was not read ({failure})"),
            };
            let message = format!(
                "fabctl plan: {id} ({} unit {}) {verdict}: {error}",
                plc.endpoint(),
                plc.unit_id
            );
            annotation(out, sources.plc(&id), &title, &message)?;
        }
        for reg in &plc.registers {
            let Some(why) = verdict(reg) else {
                continue;
            };
            let title = match reg.action {
                Action::InSync => continue,
                Action::Change => format!("{id} {} will change", reg.name),
                Action::Drift { .. } => format!("{id} {} drifted", reg.name),
                Action::Conflict { .. } => format!("{id} {} in conflict", reg.name),
                Action::Error { .. } => format!("{id} {} unreadable", reg.name),
            };
            let message = format!(
                "fabctl plan: {} ({} {}): {} ({why})",
                reg.name,
                reg.place(),
                reg.value_type,
                live_to_desired(reg)
            );
            annotation(out, sources.register(&id, &reg.name), &title, &message)?;
        }
    }
    Ok(())
}

fn annotation<W: Write>(
    out: &mut W,
    at: Option<&Location>,
    title: &str,
    message: &str,
) -> io::Result<()> {
    let mut properties = Vec::new();
    if let Some(at) = at {
        properties.push(format!("file={}", escape_property(&at.file)));
        if at.line > 0 {
            properties.push(format!("line={}", at.line));
            properties.push(format!("col={}", at.column));
        }
    }
    properties.push(format!("title={}", escape_property(title)));
    writeln!(
        out,
        "::error {}::{}",
        properties.join(","),
        escape_data(message)
    )
}

/// A workflow command's message: `%`, CR and LF encoded, as `@actions/core` does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The step summary: a heading, the plan's summary line and, when anything differs or
/// failed, a table of those registers and PLCs with where each is declared.
pub fn step_summary<W: Write>(out: &mut W, plan: &Plan, sources: &Sources) -> io::Result<()> {
    writeln!(out, "### fabctl plan")?;
    writeln!(out)?;
    writeln!(out, "{}", summary_line(&plan.summary()))?;
    let mut rows = Vec::new();
    for plc in &plan.plcs {
        let id = plc.id();
        if let Some(error) = &plc.error {
            rows.push([
                "`✗`".to_owned(),
                cell(&id),
                String::new(),
                cell(&plc.endpoint()),
                String::new(),
                String::new(),
                String::new(),
                cell(&format!("unreachable: {error}")),
                declared(sources.plc(&id)),
            ]);
        }
        for reg in &plc.registers {
            let Some(why) = verdict(reg) else {
                continue;
            };
            let symbol = match reg.action {
                Action::InSync => continue,
                Action::Change => "`~`",
                Action::Drift { .. } => "`!`",
                Action::Conflict { .. } => "`⇄`",
                Action::Error { .. } => "`✗`",
            };
            rows.push([
                symbol.to_owned(),
                cell(&id),
                cell(&reg.name),
                reg.place(),
                reg.value_type.to_string(),
                reg.live
                    .clone()
                    .map_or_else(|| "?".to_owned(), |v| cell(&v.to_string())),
                cell(&reg.desired.to_string()),
                cell(&why),
                declared(sources.register(&id, &reg.name)),
            ]);
        }
    }
    if !rows.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "| | PLC | Register | Address | Type | Live | Desired | Why | Declared |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
        for row in rows {
            writeln!(out, "| {} |", row.join(" | "))?;
        }
    }
    writeln!(out)
}

/// `file:line` of a declaration, or nothing.
fn declared(at: Option<&Location>) -> String {
    match at {
        Some(at) if at.line > 0 => cell(&format!("{}:{}", at.file, at.line)),
        Some(at) => cell(&at.file),
        None => String::new(),
    }
}

/// Text safe in a Markdown table cell: no pipes, line breaks or HTML.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::tests::{fixture_plan, fixture_sources, in_sync_plan};

    #[test]
    fn each_register_that_differs_or_failed_annotates_its_manifest_line() {
        let mut out = Vec::new();
        annotations(&mut out, &fixture_plan(), &fixture_sources()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
::error file=manifests/press-1.yaml,line=20,col=7,title=plant-a/press-1 conveyor_speed will change::fabctl plan: conveyor_speed (holding 4002 f32): 11.8 → 12.5 (will change)
::error file=manifests/press-1.yaml,line=34,col=7,title=plant-a/press-1 recipe drifted::fabctl plan: recipe (holding 130 u16): 8 → 7 (drifted, observe only)
::error file=manifests/press-1.yaml,line=41,col=7,title=plant-a/press-1 oil_temperature drifted::fabctl plan: oil_temperature (input 30001 i16): 52.1 → 45 (drifted, read-only)
::error file=manifests/press-1.yaml,line=48,col=7,title=plant-a/press-1 batch_size unreadable::fabctl plan: batch_size (holding 4010 u32): ? → 500 (read failed: read refused: IllegalDataAddress (exception 0x02))
::error file=manifests/oven-1.yaml,line=3,col=1,title=plant-a/oven-1 unreachable::fabctl plan: plant-a/oven-1 (127.0.0.1:5504 unit 1) is unreachable: cannot connect to 127.0.0.1:5504: Connection refused (os error 111)
"
        );
    }

    #[test]
    fn a_plan_in_sync_annotates_nothing() {
        let mut out = Vec::new();
        annotations(&mut out, &in_sync_plan(), &fixture_sources()).unwrap();
        assert_eq!(out, b"");
    }

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(
            escape_data("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
        let unknown = Location {
            file: "a:b,c.yaml".into(),
            line: 0,
            column: 0,
        };
        let mut out = Vec::new();
        annotation(&mut out, Some(&unknown), "t: x", "line1\nline2").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::error file=a%3Ab%2Cc.yaml,title=t%3A x::line1%0Aline2\n"
        );
    }

    #[test]
    fn step_summary_tables_what_differs_with_its_declaration() {
        let mut out = Vec::new();
        step_summary(&mut out, &fixture_plan(), &fixture_sources()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
### fabctl plan

Plan: 1 to change, 2 drifted, 1 in sync, 1 unreadable, 1 unreachable.

| | PLC | Register | Address | Type | Live | Desired | Why | Declared |
|---|---|---|---|---|---|---|---|---|
| `~` | plant-a/press-1 | conveyor_speed | holding 4002 | f32 | 11.8 | 12.5 | will change | manifests/press-1.yaml:20 |
| `!` | plant-a/press-1 | recipe | holding 130 | u16 | 8 | 7 | drifted, observe only | manifests/press-1.yaml:34 |
| `!` | plant-a/press-1 | oil_temperature | input 30001 | i16 | 52.1 | 45 | drifted, read-only | manifests/press-1.yaml:41 |
| `✗` | plant-a/press-1 | batch_size | holding 4010 | u32 | ? | 500 | read failed: read refused: IllegalDataAddress (exception 0x02) | manifests/press-1.yaml:48 |
| `✗` | plant-a/oven-1 |  | 127.0.0.1:5504 |  |  |  | unreachable: cannot connect to 127.0.0.1:5504: Connection refused (os error 111) | manifests/oven-1.yaml:3 |

"
        );
    }

    #[test]
    fn step_summary_of_a_plan_in_sync_has_no_table() {
        let mut out = Vec::new();
        step_summary(&mut out, &in_sync_plan(), &Sources::default()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "### fabctl plan\n\nNo changes. Your PLCs match the manifests (1 register in sync).\n\n"
        );
    }

    #[test]
    fn table_cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc <script>&"), "a\\|b c &lt;script&gt;&amp;");
    }
}
