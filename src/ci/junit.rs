//! The JUnit XML report of a plan (`fabctl plan --junit FILE`), in the dialect GitLab's
//! test reports and Jenkins' JUnit plugin read: `<testsuites>`, one `<testsuite>` per
//! PLC, one `<testcase>` per register. A register in sync passes; a planned change, a
//! drift and a failed read are `<failure>`s whose message is `live → desired` and why;
//! an unreachable PLC is a single `<testcase name="reachable">` with an `<error>`.
//!
//! Written by hand: the format is small, and a dependency would not make the escaping
//! ([`escape`]) any more correct.

use std::io::{self, Write};

use super::{Sources, live_to_desired, verdict};
use crate::engine::plan::{Action, Plan, PlcPlan, RegisterPlan};

/// Writes the report of `plan`; `sources` gives each test case its `file` and `line`.
pub fn write<W: Write>(out: &mut W, plan: &Plan, sources: &Sources) -> io::Result<()> {
    let mut tests = 0;
    let mut failures = 0;
    let mut errors = 0;
    for plc in &plan.plcs {
        let c = Counts::of(plc);
        tests += c.tests;
        failures += c.failures;
        errors += c.errors;
    }
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="fabctl plan" tests="{tests}" failures="{failures}" errors="{errors}">"#
    )?;
    for plc in &plan.plcs {
        suite(out, plc, sources)?;
    }
    writeln!(out, "</testsuites>")
}

/// Test, failure and error counts of one PLC's suite.
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
}

impl Counts {
    fn of(plc: &PlcPlan) -> Counts {
        if plc.error.is_some() {
            return Counts {
                tests: 1,
                failures: 0,
                errors: 1,
            };
        }
        Counts {
            tests: plc.registers.len(),
            failures: plc
                .registers
                .iter()
                .filter(|r| r.action != Action::InSync)
                .count(),
            errors: 0,
        }
    }
}

fn suite<W: Write>(out: &mut W, plc: &PlcPlan, sources: &Sources) -> io::Result<()> {
    let id = plc.id();
    let c = Counts::of(plc);
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="0" hostname="{}">"#,
        escape(&id),
        c.tests,
        c.failures,
        c.errors,
        escape(&plc.endpoint())
    )?;
    writeln!(out, "    <properties>")?;
    writeln!(
        out,
        r#"      <property name="endpoint" value="{}"/>"#,
        escape(&plc.endpoint())
    )?;
    writeln!(
        out,
        r#"      <property name="unit_id" value="{}"/>"#,
        plc.unit_id
    )?;
    writeln!(out, "    </properties>")?;
    // Jenkins splits a class name at its last dot into package and class.
    let classname = format!("{}.{}", plc.namespace, plc.name);
    if let Some(error) = &plc.error {
        let at = sources.plc(&id);
        write!(
            out,
            r#"    <testcase name="reachable" classname="{}"{}>"#,
            escape(&classname),
            file_attributes(at)
        )?;
        writeln!(out)?;
        let label = error.failure().as_str();
        let message = format!("{label}: {error}");
        writeln!(
            out,
            r#"      <error type="{}" message="{}">{} ({} unit {}){}</error>"#,
            escape(label),
            escape(&message),
            escape(&message),
            escape(&plc.endpoint()),
            plc.unit_id,
            escape(&declared(at))
        )?;
        writeln!(out, "    </testcase>")?;
    }
    for reg in &plc.registers {
        case(out, &id, &classname, reg, sources)?;
    }
    writeln!(out, "  </testsuite>")
}

fn case<W: Write>(
    out: &mut W,
    id: &str,
    classname: &str,
    reg: &RegisterPlan,
    sources: &Sources,
) -> io::Result<()> {
    let at = sources.register(id, &reg.name);
    write!(
        out,
        r#"    <testcase name="{}" classname="{}"{}"#,
        escape(&reg.name),
        escape(classname),
        file_attributes(at)
    )?;
    let Some(why) = verdict(reg) else {
        return writeln!(out, "/>");
    };
    writeln!(out, ">")?;
    let kind = match reg.action {
        Action::InSync => "in_sync",
        Action::Change => "change",
        Action::Drift { .. } => "drift",
        Action::Conflict { .. } => "conflict",
        Action::Error { .. } => "read_error",
    };
    let message = format!("{} ({why})", live_to_desired(reg));
    writeln!(
        out,
        r#"      <failure type="{kind}" message="{}">{} {}: {}{}</failure>"#,
        escape(&message),
        escape(&reg.place()),
        reg.value_type,
        escape(&message),
        escape(&declared(at))
    )?;
    writeln!(out, "    </testcase>")
}

/// ` file="…" line="…"` when the declaration is known.
fn file_attributes(at: Option<&super::Location>) -> String {
    match at {
        Some(at) if at.line > 0 => format!(r#" file="{}" line="{}""#, escape(&at.file), at.line),
        Some(at) => format!(r#" file="{}""#, escape(&at.file)),
        None => String::new(),
    }
}

/// `\ndeclared at FILE:LINE:COLUMN` when the declaration is known.
fn declared(at: Option<&super::Location>) -> String {
    match at {
        Some(at) if at.line > 0 => format!("\ndeclared at {}:{}:{}", at.file, at.line, at.column),
        Some(at) => format!("\ndeclared in {}", at.file),
        None => String::new(),
    }
}

/// `text` safe inside XML 1.0 character data and attribute values: markup
/// characters as entities, line breaks and tabs as character references (attribute
/// values would otherwise normalize them to spaces), and characters XML 1.0 cannot
/// carry at all (other control characters, U+FFFE, U+FFFF) as U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::tests::{fixture_plan, fixture_sources, in_sync_plan};
    use crate::engine::plan::PlcError;

    fn render(plan: &Plan, sources: &Sources) -> String {
        let mut out = Vec::new();
        write(&mut out, plan, sources).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_suite_per_plc_one_case_per_register_failures_say_live_to_desired() {
        let xml = render(&fixture_plan(), &fixture_sources());
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="fabctl plan" tests="6" failures="4" errors="1">
  <testsuite name="plant-a/press-1" tests="5" failures="4" errors="0" skipped="0" hostname="127.0.0.1:5502">
    <properties>
      <property name="endpoint" value="127.0.0.1:5502"/>
      <property name="unit_id" value="1"/>
    </properties>
    <testcase name="conveyor_speed" classname="plant-a.press-1" file="manifests/press-1.yaml" line="20">
      <failure type="change" message="11.8 → 12.5 (will change)">holding 4002 f32: 11.8 → 12.5 (will change)&#10;declared at manifests/press-1.yaml:20:7</failure>
    </testcase>
    <testcase name="guard_enabled" classname="plant-a.press-1" file="manifests/press-1.yaml" line="27"/>
    <testcase name="recipe" classname="plant-a.press-1" file="manifests/press-1.yaml" line="34">
      <failure type="drift" message="8 → 7 (drifted, observe only)">holding 130 u16: 8 → 7 (drifted, observe only)&#10;declared at manifests/press-1.yaml:34:7</failure>
    </testcase>
    <testcase name="oil_temperature" classname="plant-a.press-1" file="manifests/press-1.yaml" line="41">
      <failure type="drift" message="52.1 → 45 (drifted, read-only)">input 30001 i16: 52.1 → 45 (drifted, read-only)&#10;declared at manifests/press-1.yaml:41:7</failure>
    </testcase>
    <testcase name="batch_size" classname="plant-a.press-1" file="manifests/press-1.yaml" line="48">
      <failure type="read_error" message="? → 500 (read failed: read refused: IllegalDataAddress (exception 0x02))">holding 4010 u32: ? → 500 (read failed: read refused: IllegalDataAddress (exception 0x02))&#10;declared at manifests/press-1.yaml:48:7</failure>
    </testcase>
  </testsuite>
  <testsuite name="plant-a/oven-1" tests="1" failures="0" errors="1" skipped="0" hostname="127.0.0.1:5504">
    <properties>
      <property name="endpoint" value="127.0.0.1:5504"/>
      <property name="unit_id" value="1"/>
    </properties>
    <testcase name="reachable" classname="plant-a.oven-1" file="manifests/oven-1.yaml" line="3">
      <error type="unreachable" message="unreachable: cannot connect to 127.0.0.1:5504: Connection refused (os error 111)">unreachable: cannot connect to 127.0.0.1:5504: Connection refused (os error 111) (127.0.0.1:5504 unit 1)&#10;declared at manifests/oven-1.yaml:3:1</error>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
    }

    #[test]
    fn a_plan_in_sync_is_all_passes_and_unknown_sources_leave_out_file() {
        let xml = render(&in_sync_plan(), &Sources::default());
        assert!(
            xml.contains(r#"<testsuites name="fabctl plan" tests="1" failures="0" errors="0">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"    <testcase name="guard_enabled" classname="plant-a.press-1"/>"#),
            "{xml}"
        );
        assert!(!xml.contains("<failure"), "{xml}");
    }

    #[test]
    fn device_messages_cannot_break_the_xml() {
        assert_eq!(
            escape("a<b>&\"c\"'d'\r\n\te\u{0}\u{1b}[31m\u{FFFF}é→"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#13;&#10;&#9;e\u{FFFD}\u{FFFD}[31m\u{FFFD}é→"
        );
        let mut plan = in_sync_plan();
        plan.plcs[0].error = Some(PlcError::Saved {
            message: "garbage <reply> & \"quotes\" \u{7}".into(),
        });
        plan.plcs[0].registers.clear();
        let xml = render(&plan, &Sources::default());
        assert!(
            xml.contains(r#"message="not read: garbage &lt;reply&gt; &amp; &quot;quotes&quot; �""#),
            "{xml}"
        );
    }
}
