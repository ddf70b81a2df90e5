//! Applying a plan: for each PLC with changes, re-check the safety rules, re-read
//! (compare-and-set: a register whose live words differ from what the plan saw is
//! skipped as stale), write with as few requests as the protocol allows, then read
//! everything back. Only a read-back equal to the desired words counts as applied.

use futures::StreamExt;
use serde::Serialize;

use crate::device::{Connector, Exception, Session, TransportError};
use crate::engine::observe::{self, IoStats, Progress, ReadOptions, Reading};
use crate::engine::plan::{Action, Plan, PlcPlan, RegisterPlan};
use crate::manifest::Mode;
use crate::register::{RegisterKind, Value};

/// Most registers one FC16 request may write.
pub const MAX_WRITE_WORDS: u16 = 123;
/// Most coils one FC15 request may write.
pub const MAX_WRITE_BITS: u16 = 1968;

/// What happened to one register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Written and read back equal to the desired value.
    Applied,
    /// Not written: the live value changed since the plan.
    Stale,
    /// Not written: a safety rule forbids it (bounds, read-only kind, observe mode).
    Refused,
    /// The device refused the write, or could not be reached.
    Failed,
    /// Written, but the read-back differs from the desired value (or could not be read).
    VerifyFailed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Stale => "stale",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
            Outcome::VerifyFailed => "verify_failed",
        }
    }
}

/// The result for one register of the plan that was to change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegisterResult {
    /// `namespace/name`.
    pub plc: String,
    pub register: String,
    pub kind: RegisterKind,
    pub address: u16,
    #[serde(rename = "type")]
    pub value_type: crate::register::ValueType,
    /// The live value the plan saw.
    pub planned: Option<Value>,
    /// The live value just before writing (compare-and-set read).
    pub before: Option<Value>,
    pub desired: Value,
    /// The value read back after writing.
    pub after: Option<Value>,
    pub outcome: Outcome,
    /// Whether a write request was sent for this register.
    pub written: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Counts of an apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ApplySummary {
    pub changed: usize,
    pub failed: usize,
    /// Not written: stale or refused.
    pub skipped: usize,
}

impl ApplySummary {
    pub fn is_success(&self) -> bool {
        self.failed == 0 && self.skipped == 0
    }
}

/// Everything an apply did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplyReport {
    pub results: Vec<RegisterResult>,
    pub stats: IoStats,
}

impl ApplyReport {
    pub fn summary(&self) -> ApplySummary {
        let mut s = ApplySummary::default();
        for r in &self.results {
            match r.outcome {
                Outcome::Applied => s.changed += 1,
                Outcome::Stale | Outcome::Refused => s.skipped += 1,
                Outcome::Failed | Outcome::VerifyFailed => s.failed += 1,
            }
        }
        s
    }
}

/// Receives each result as soon as its PLC is done (the audit log).
pub trait ResultSink: Sync {
    fn record(&self, result: &RegisterResult);
}

impl ResultSink for () {
    fn record(&self, _: &RegisterResult) {}
}

/// Applies every `Change` of the plan. PLCs behind one endpoint share its connection;
/// endpoints run in parallel up to `options.parallelism`.
pub async fn apply<C: Connector>(
    connector: &C,
    plan: &Plan,
    options: ReadOptions,
    sink: &dyn ResultSink,
    progress: &dyn Progress,
) -> ApplyReport {
    let with_changes: Vec<(usize, &PlcPlan)> = plan
        .plcs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.registers.iter().any(|r| r.action == Action::Change))
        .collect();
    let mut groups: std::collections::BTreeMap<(String, u16), Vec<usize>> = Default::default();
    for (i, p) in &with_changes {
        groups
            .entry((p.host.to_ascii_lowercase(), p.port))
            .or_default()
            .push(*i);
    }
    let mut per_plc: Vec<Vec<RegisterResult>> = vec![Vec::new(); plan.plcs.len()];
    let mut stats = IoStats::default();
    let mut stream = futures::stream::iter(groups.into_values())
        .map(|group| async move {
            let first = &plan.plcs[group[0]];
            let mut session = Session::new(connector, &first.host, first.port, options.retry);
            let mut out = Vec::new();
            for i in group {
                let results = apply_plc(&mut session, &plan.plcs[i]).await;
                for r in &results {
                    sink.record(r);
                }
                progress.advance(results.len() as u64);
                out.push((i, results));
            }
            (
                out,
                IoStats {
                    requests: session.requests,
                    connections: session.connections,
                },
            )
        })
        .buffer_unordered(options.parallelism.max(1));
    while let Some((out, s)) = stream.next().await {
        stats.requests += s.requests;
        stats.connections += s.connections;
        for (i, results) in out {
            per_plc[i] = results;
        }
    }
    ApplyReport {
        results: per_plc.into_iter().flatten().collect(),
        stats,
    }
}

/// Why a planned change must not be written, if it must not.
pub fn guard(reg: &RegisterPlan) -> Result<(), String> {
    if !reg.kind.is_writable() {
        return Err(format!("{} registers are read-only", reg.kind));
    }
    if reg.mode != Mode::Enforce {
        return Err("the register is observe-only".into());
    }
    let codec = reg.codec();
    match codec.encode(&reg.desired) {
        Ok(words) if words == reg.desired_words => {}
        Ok(_) => return Err("the plan's desired words do not encode its desired value".into()),
        Err(e) => return Err(format!("desired value: {e}")),
    }
    if let Some(v) = reg.desired.as_f64()
        && (reg.min.is_some_and(|m| v < m) || reg.max.is_some_and(|m| v > m))
    {
        return Err(format!(
            "desired value {} is outside the bounds {}..={}",
            reg.desired,
            reg.min.map_or("".into(), |m| m.to_string()),
            reg.max.map_or("".into(), |m| m.to_string())
        ));
    }
    if reg.live_words.is_none() {
        return Err("the plan holds no live value to compare against".into());
    }
    Ok(())
}

fn result(
    plc: &PlcPlan,
    reg: &RegisterPlan,
    outcome: Outcome,
    error: Option<String>,
) -> RegisterResult {
    RegisterResult {
        plc: plc.id(),
        register: reg.name.clone(),
        kind: reg.kind,
        address: reg.address,
        value_type: reg.value_type,
        planned: reg.live,
        before: None,
        desired: reg.desired,
        after: None,
        outcome,
        written: false,
        error,
    }
}

fn decode(reg: &RegisterPlan, reading: &Reading) -> Option<Value> {
    match reading {
        Reading::Words(w) => reg.codec().decode(w).ok(),
        Reading::Exception(_) => None,
    }
}

async fn apply_plc<C: Connector>(
    session: &mut Session<'_, C>,
    plc: &PlcPlan,
) -> Vec<RegisterResult> {
    let timeout = std::time::Duration::from_millis(plc.timeout_ms);
    let changes: Vec<&RegisterPlan> = plc
        .registers
        .iter()
        .filter(|r| r.action == Action::Change)
        .collect();
    let mut results: Vec<RegisterResult> = Vec::with_capacity(changes.len());
    let mut allowed: Vec<usize> = Vec::new();
    let window_open = plc.writes_allowed(jiff::Timestamp::now());
    for reg in &changes {
        let verdict = if window_open {
            guard(reg)
        } else {
            Err("the PLC is outside its write windows (apply --ignore-windows to override)".into())
        };
        match verdict {
            Ok(()) => {
                allowed.push(results.len());
                results.push(result(plc, reg, Outcome::Applied, None));
            }
            Err(why) => results.push(result(
                plc,
                reg,
                Outcome::Refused,
                Some(format!("not written: {why}")),
            )),
        }
    }

    // One writer per device on this host: a concurrent fabctl waits, then its
    // compare-and-set sees this one's values and reports them stale.
    let _lock = if allowed.is_empty() {
        None
    } else {
        match crate::engine::lock::acquire(&plc.host, plc.port, plc.unit_id).await {
            Ok(lock) => Some(lock),
            Err(why) => {
                for &i in &allowed {
                    results[i].outcome = Outcome::Failed;
                    results[i].error = Some(format!("not written: {why}"));
                }
                return results;
            }
        }
    };

    // Compare-and-set: re-read just before writing.
    let items: Vec<_> = allowed
        .iter()
        .map(|&i| (changes[i].address, changes[i].width(), changes[i].kind))
        .collect();
    let mut to_write: Vec<usize> = Vec::new();
    match observe::read_registers(session, plc.unit_id, &items, timeout).await {
        Err(e) => {
            for &i in &allowed {
                results[i].outcome = Outcome::Failed;
                results[i].error = Some(format!("not written: cannot re-read before writing: {e}"));
            }
        }
        Ok(readings) => {
            for (&i, reading) in allowed.iter().zip(&readings) {
                let reg = changes[i];
                results[i].before = decode(reg, reading);
                match reading {
                    Reading::Exception(e) => {
                        results[i].outcome = Outcome::Failed;
                        results[i].error = Some(format!("not written: re-read refused: {e}"));
                    }
                    Reading::Words(w) if Some(w) != reg.live_words.as_ref() => {
                        results[i].outcome = Outcome::Stale;
                        results[i].error = Some(format!(
                            "not written: live value changed since the plan ({} -> {})",
                            reg.live.map_or("?".into(), |v| v.to_string()),
                            results[i].before.map_or("?".into(), |v| v.to_string()),
                        ));
                    }
                    Reading::Words(_) => to_write.push(i),
                }
            }
        }
    }

    // Write, coalesced into runs of adjacent registers.
    to_write.sort_by_key(|&i| (changes[i].kind, changes[i].address));
    let pacing = std::time::Duration::from_millis(plc.min_write_interval_ms);
    let mut last_write: Option<tokio::time::Instant> = None;
    for run in runs(&to_write, &changes) {
        // Pacing (`minWriteIntervalMs`): a slow device is never flooded.
        if let Some(last) = last_write {
            tokio::time::sleep_until(last + pacing).await;
        }
        last_write = Some(tokio::time::Instant::now());
        let outcome = write_run(session, plc.unit_id, &run, &changes, timeout).await;
        for &i in &run {
            results[i].written = true;
            if let Err(e) = &outcome {
                results[i].outcome = Outcome::Failed;
                results[i].error = Some(e.clone());
            }
        }
    }

    // Read back everything a write was sent for.
    let written: Vec<usize> = to_write.clone();
    let items: Vec<_> = written
        .iter()
        .map(|&i| (changes[i].address, changes[i].width(), changes[i].kind))
        .collect();
    match observe::read_registers(session, plc.unit_id, &items, timeout).await {
        Err(e) => {
            for &i in &written {
                if results[i].outcome == Outcome::Applied {
                    results[i].outcome = Outcome::VerifyFailed;
                    results[i].error = Some(format!("written, but the read-back failed: {e}"));
                }
            }
        }
        Ok(readings) => {
            for (&i, reading) in written.iter().zip(&readings) {
                let reg = changes[i];
                results[i].after = decode(reg, reading);
                if results[i].outcome != Outcome::Applied {
                    continue;
                }
                match reading {
                    Reading::Words(w) if *w == reg.desired_words => {}
                    Reading::Words(_) => {
                        results[i].outcome = Outcome::VerifyFailed;
                        results[i].error = Some(format!(
                            "read-back shows {} instead of {}",
                            results[i].after.map_or("?".into(), |v| v.to_string()),
                            reg.desired
                        ));
                    }
                    Reading::Exception(e) => {
                        results[i].outcome = Outcome::VerifyFailed;
                        results[i].error =
                            Some(format!("written, but the read-back was refused: {e}"));
                    }
                }
            }
        }
    }
    results
}

/// Groups registers (indices into `changes`, sorted by kind and address) into runs
/// that one write request can carry: same kind, adjacent, within the protocol limit.
fn runs(sorted: &[usize], changes: &[&RegisterPlan]) -> Vec<Vec<usize>> {
    let mut runs: Vec<Vec<usize>> = Vec::new();
    let mut run_end = 0u32;
    let mut run_len = 0u32;
    for &i in sorted {
        let reg = changes[i];
        let max = u32::from(if reg.kind.is_bit() {
            MAX_WRITE_BITS
        } else {
            MAX_WRITE_WORDS
        });
        let width = u32::from(reg.width());
        let extends = runs.last().is_some_and(|run| {
            let prev = changes[run[run.len() - 1]];
            prev.kind == reg.kind && u32::from(reg.address) == run_end + 1 && run_len + width <= max
        });
        if extends {
            if let Some(run) = runs.last_mut() {
                run.push(i);
            }
            run_len += width;
        } else {
            runs.push(vec![i]);
            run_len = width;
        }
        run_end = u32::from(reg.address) + width - 1;
    }
    runs
}

async fn write_run<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    run: &[usize],
    changes: &[&RegisterPlan],
    timeout: std::time::Duration,
) -> Result<(), String> {
    let first = changes[run[0]];
    let words: Vec<u16> = run
        .iter()
        .flat_map(|&i| changes[i].desired_words.iter().copied())
        .collect();
    let answer = if first.kind == RegisterKind::Coil {
        let bits: Vec<bool> = words.iter().map(|w| *w != 0).collect();
        if bits.len() == 1 {
            session
                .write_single_coil(unit, first.address, bits[0], timeout)
                .await
        } else {
            session
                .write_coils(unit, first.address, &bits, timeout)
                .await
        }
    } else if words.len() == 1 {
        match session
            .write_single_register(unit, first.address, words[0], timeout)
            .await
        {
            Ok(Err(Exception::ILLEGAL_FUNCTION)) => {
                session
                    .write_registers(unit, first.address, &words, timeout)
                    .await
            }
            other => other,
        }
    } else {
        session
            .write_registers(unit, first.address, &words, timeout)
            .await
    };
    match answer {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("write refused: {e}")),
        Err(e @ TransportError::Connect { .. }) => Err(format!("not written: {e}")),
        Err(e) => Err(format!("write may or may not have reached the device: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::memory::MemoryConnector;
    use crate::engine::observe::read_all;
    use crate::engine::plan::PlanOptions;
    use crate::register::Words;

    const PLANT: &str = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p, namespace: a}\nspec:\n  deviceAddress: 10.0.0.1\n  registers:\n    - {name: a, address: 0, value: 1}\n    - {name: b, address: 1, type: u32, value: 70000}\n    - {name: c, address: 3, value: 3, min: 0, max: 10}\n    - {name: d, address: 20, value: 4}\n    - {name: e, address: 0, kind: coil, value: true}\n    - {name: f, address: 1, kind: coil, value: true}\n    - {name: g, address: 30, value: 9, mode: observe}\n";

    fn setup() -> (MemoryConnector, Vec<crate::manifest::Plc>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        std::fs::write(&path, PLANT).unwrap();
        let plcs = crate::manifest::load(&[path]).unwrap();
        let mem = MemoryConnector::default();
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &[0; 4]);
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 20, &[0]);
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 30, &[0]);
        mem.set("10.0.0.1", 502, 1, RegisterKind::Coil, 0, &[0, 0]);
        (mem, plcs)
    }

    async fn plan(mem: &MemoryConnector, plcs: &[crate::manifest::Plc]) -> Plan {
        let (readings, _) = read_all(mem, plcs, ReadOptions::default(), &()).await;
        Plan::new(plcs, &readings, PlanOptions::default())
    }

    fn requests(mem: &MemoryConnector) -> Vec<(u8, u16, u16)> {
        mem.requests()
            .into_iter()
            .map(|r| (r.2, r.3, r.4))
            .collect()
    }

    #[tokio::test]
    async fn writes_are_coalesced_verified_and_observe_registers_untouched() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        assert_eq!(plan.summary().to_change, 6);
        let before = mem.requests().len();
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert_eq!(
            report.summary(),
            ApplySummary {
                changed: 6,
                failed: 0,
                skipped: 0
            }
        );
        let writes: Vec<_> = requests(&mem)[before..]
            .iter()
            .copied()
            .filter(|r| matches!(r.0, 5 | 6 | 15 | 16))
            .collect();
        // a, b, c are adjacent (0..=3): one FC16; d alone: FC06; coils 0..=1: one FC15.
        assert_eq!(writes, [(16, 0, 4), (6, 20, 1), (15, 0, 2)]);
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 0, 4),
            Some(vec![1, 1, 4464, 3])
        );
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 30, 1),
            Some(vec![0])
        );
    }

    /// The whole request sequence of an apply: one compare-and-set read per span, the
    /// coalesced writes, then one read-back per span.
    #[tokio::test]
    async fn an_apply_sends_exactly_these_requests() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        let before = mem.requests().len();
        apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert_eq!(
            requests(&mem)[before..],
            [
                (3, 0, 4),
                (3, 20, 1),
                (1, 0, 2),
                (16, 0, 4),
                (6, 20, 1),
                (15, 0, 2),
                (3, 0, 4),
                (3, 20, 1),
                (1, 0, 2)
            ]
        );
    }

    fn errors(report: &ApplyReport) -> Vec<(&str, Outcome, bool, String)> {
        report
            .results
            .iter()
            .map(|r| {
                let error = r.error.as_ref().map(ToString::to_string);
                (
                    r.register.as_str(),
                    r.outcome,
                    r.written,
                    error.unwrap_or_default(),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn each_failure_says_what_happened_to_the_register() {
        let (mem, plcs) = setup();
        let mut plan = plan(&mem, &plcs).await;
        let regs = &mut plan.plcs[0].registers;
        regs[2].desired = Value::Int(99);
        regs[2].desired_words = Words::from([99]);
        regs[6].action = Action::Change;
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 20, &[77]);
        mem.fail_writes("10.0.0.1", 502, 1, Exception::SERVER_DEVICE_BUSY);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let busy = "write refused: ServerDeviceBusy (exception 0x06)".to_owned();
        assert_eq!(
            errors(&report),
            [
                ("a", Outcome::Failed, true, busy.clone()),
                ("b", Outcome::Failed, true, busy.clone()),
                (
                    "c",
                    Outcome::Refused,
                    false,
                    "not written: desired value 99 is outside the bounds 0..=10".into()
                ),
                (
                    "d",
                    Outcome::Stale,
                    false,
                    "not written: live value changed since the plan (0 -> 77)".into()
                ),
                ("e", Outcome::Failed, true, busy.clone()),
                ("f", Outcome::Failed, true, busy),
                (
                    "g",
                    Outcome::Refused,
                    false,
                    "not written: the register is observe-only".into()
                ),
            ]
        );
    }

    #[tokio::test]
    async fn an_unreachable_device_is_not_written() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.set_unreachable("10.0.0.1", 502);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let e = &report.results[0];
        assert_eq!((e.outcome, e.written), (Outcome::Failed, false));
        assert_eq!(
            e.error.as_ref().map(ToString::to_string).as_deref(),
            Some(
                "not written: cannot re-read before writing: cannot connect to 10.0.0.1:502: \
                 Connection refused (os error 111)"
            )
        );
    }

    #[tokio::test]
    async fn a_register_changed_since_the_plan_is_stale_and_kept() {
        let (mem, plcs) = setup();
        let plan = plan(&mem, &plcs).await;
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 20, &[77]);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let d = report.results.iter().find(|r| r.register == "d").unwrap();
        assert_eq!(d.outcome, Outcome::Stale);
        assert!(!d.written);
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 20, 1),
            Some(vec![77])
        );
        assert_eq!(
            report.summary(),
            ApplySummary {
                changed: 5,
                failed: 0,
                skipped: 1
            }
        );
    }

    #[tokio::test]
    async fn fc06_falls_back_to_fc16() {
        let (mem, plcs) = setup();
        mem.refuse_fc06();
        let plan = plan(&mem, &plcs).await;
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        assert!(report.summary().is_success());
        assert!(requests(&mem).contains(&(16, 20, 1)));
    }

    #[tokio::test]
    async fn refused_writes_are_failures_and_an_edited_plan_is_refused() {
        let (mem, plcs) = setup();
        let mut plan = plan(&mem, &plcs).await;
        // Someone edits the plan to write 99 to `c` (max 10).
        let c = plan.plcs[0]
            .registers
            .iter_mut()
            .find(|r| r.name == "c")
            .unwrap();
        c.desired = Value::Int(99);
        c.desired_words = Words::from([99]);
        mem.fail_writes("10.0.0.1", 502, 1, Exception::SERVER_DEVICE_BUSY);
        let report = apply(&mem, &plan, ReadOptions::default(), &(), &()).await;
        let c = report.results.iter().find(|r| r.register == "c").unwrap();
        assert_eq!((c.outcome, c.written), (Outcome::Refused, false));
        assert!(
            report
                .results
                .iter()
                .filter(|r| r.register != "c")
                .all(|r| r.outcome == Outcome::Failed)
        );
        assert_eq!(
            mem.get("10.0.0.1", 502, 1, RegisterKind::Holding, 3, 1),
            Some(vec![0])
        );
    }
}
