//! The tug of war: a register that had to be corrected in N consecutive ticks is
//! owned by another writer (the PLC program, an HMI). Writing it again would only make
//! a physical output chatter at the poll interval, so reconcile and agent stop writing
//! it and report it as a `conflict` instead.
//!
//! [`Conflicts`] is the memory of a long-running enforcer across its ticks (pure, no
//! I/O): [`hold`](Conflicts::hold) turns the planned change of a register in conflict
//! into [`Action::Conflict`] before anything is written, and
//! [`record`](Conflicts::record) counts the corrections the tick verified.
//!
//! A register's streak of corrections is broken by one tick where it is in sync
//! without a write. Writing a register in conflict resumes when:
//! - it stays in sync by itself: one tick in which it is in sync without a write;
//! - its manifest changes: its definition (address, type, desired value, bounds,
//!   mode…) differs from the one it was held under, or the caller says so
//!   ([`resume_all`](Conflicts::resume_all): the agent on a new resource generation);
//! - someone asks for it: `fabctl sync` ([`Resume::SyncRequested`]).
//!
//! Only registers corrected recently are remembered, so a fleet in sync costs nothing.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use crate::engine::apply::{ApplyReport, Outcome};
use crate::engine::plan::{Action, Plan, RegisterPlan};
use crate::register::Value;

/// Corrections in consecutive ticks after which a register is left to its other
/// writer (`--conflict-after`).
pub const DEFAULT_AFTER: u32 = 3;

/// What a user reads on a register in conflict.
pub fn describe(corrections: u32) -> String {
    format!(
        "conflict: rewritten by another writer after {corrections} correction{}; not written",
        if corrections == 1 { "" } else { "s" }
    )
}

/// Why writing a register in conflict resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// One tick found it in sync without a write.
    InSync,
    /// Its manifest changed (the register's definition or the resource's generation).
    ManifestChanged,
    /// `fabctl sync` asked to reconcile now.
    SyncRequested,
}

impl Resume {
    pub fn describe(self) -> &'static str {
        match self {
            Resume::InSync => "it stayed in sync by itself",
            Resume::ManifestChanged => "its manifest changed",
            Resume::SyncRequested => "fabctl sync was requested",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Resume::InSync => "in_sync",
            Resume::ManifestChanged => "manifest_changed",
            Resume::SyncRequested => "sync_requested",
        }
    }
}

/// A register that was just found in conflict (not written this tick).
#[derive(Clone, Debug, PartialEq)]
pub struct Entered {
    /// `namespace/name`.
    pub plc: String,
    pub register: String,
    pub corrections: u32,
    pub live: Option<Value>,
    pub desired: Value,
}

/// A register in conflict that fabctl writes again from now on.
#[derive(Clone, Debug, PartialEq)]
pub struct Resumed {
    /// `namespace/name`.
    pub plc: String,
    pub register: String,
    pub reason: Resume,
}

/// What changed in one tick: registers newly in conflict, and those resumed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub entered: Vec<Entered>,
    pub resumed: Vec<Resumed>,
}

/// (`namespace/name`, register).
type Key = (String, String);

#[derive(Clone, Debug)]
struct Entry {
    /// The register's definition when the streak began ([`definition`]).
    definition: u64,
    /// Verified corrections in consecutive ticks.
    corrections: u32,
    /// Not written any more.
    conflict: bool,
}

/// The tug-of-war memory of one enforcer (a reconcile loop, or one agent object).
#[derive(Clone, Debug)]
pub struct Conflicts {
    after: u32,
    entries: HashMap<Key, Entry>,
    /// Resumed between ticks ([`resume_all`](Self::resume_all)), reported by the next.
    pending: Vec<Resumed>,
}

impl Default for Conflicts {
    fn default() -> Self {
        Conflicts::new(DEFAULT_AFTER)
    }
}

impl Conflicts {
    /// A register corrected in `after` consecutive ticks is not written again; 0:
    /// never give up (every tick writes, as without this memory).
    pub fn new(after: u32) -> Conflicts {
        Conflicts {
            after,
            entries: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Whether there is any streak, conflict or resume not yet reported.
    pub fn remembers_anything(&self) -> bool {
        !(self.entries.is_empty() && self.pending.is_empty())
    }

    /// Registers in conflict now.
    #[cfg(test)]
    fn count(&self) -> usize {
        self.entries.values().filter(|e| e.conflict).count()
    }

    /// Forgets every streak and resumes every register in conflict, for `reason`
    /// (reported by the next tick).
    pub fn resume_all(&mut self, reason: Resume) {
        let mut resumed: Vec<Resumed> = self
            .entries
            .drain()
            .filter(|(_, e)| e.conflict)
            .map(|((plc, register), _)| Resumed {
                plc,
                register,
                reason,
            })
            .collect();
        resumed.sort_by(|a, b| (&a.plc, &a.register).cmp(&(&b.plc, &b.register)));
        self.pending.extend(resumed);
    }

    /// Before writing: the planned change of every register in conflict (or whose
    /// streak reached the threshold) becomes [`Action::Conflict`]; registers in sync
    /// without a write end their streak. Returns what changed, including what
    /// [`resume_all`](Self::resume_all) resumed since the last tick.
    pub fn hold(&mut self, plan: &mut Plan) -> Changes {
        let mut changes = Changes {
            entered: Vec::new(),
            resumed: std::mem::take(&mut self.pending),
        };
        let mut seen: HashSet<Key> = HashSet::new();
        let mut unreachable: HashSet<String> = HashSet::new();
        for plc in &mut plan.plcs {
            let id = plc.id();
            if plc.error.is_some() {
                // Nothing was learnt of its registers: their streaks stand.
                unreachable.insert(id);
                continue;
            }
            for reg in &mut plc.registers {
                let key = (id.clone(), reg.name.clone());
                let Some(entry) = self.entries.get_mut(&key) else {
                    continue;
                };
                seen.insert(key.clone());
                let resume = |reason| Resumed {
                    plc: id.clone(),
                    register: reg.name.clone(),
                    reason,
                };
                if entry.definition != definition(reg) {
                    if std::mem::take(&mut entry.conflict) {
                        changes.resumed.push(resume(Resume::ManifestChanged));
                    }
                    seen.remove(&key);
                    continue;
                }
                match reg.action {
                    Action::InSync => {
                        if std::mem::take(&mut entry.conflict) {
                            changes.resumed.push(resume(Resume::InSync));
                        }
                        seen.remove(&key);
                    }
                    Action::Change if self.after > 0 && entry.corrections >= self.after => {
                        if !entry.conflict {
                            entry.conflict = true;
                            changes.entered.push(Entered {
                                plc: id.clone(),
                                register: reg.name.clone(),
                                corrections: entry.corrections,
                                live: reg.live.clone(),
                                desired: reg.desired.clone(),
                            });
                        }
                        reg.action = Action::Conflict {
                            corrections: entry.corrections,
                        };
                    }
                    // Drift left unwritten (observe, autoCorrect off, a write
                    // window), an unreadable register, a change below the
                    // threshold: the streak stands until it is in sync or corrected.
                    _ => {}
                }
            }
        }
        // The rest: streaks ended, and registers (or PLCs) no longer in the manifests.
        let mut gone = Vec::new();
        self.entries.retain(|key, entry| {
            let keep = seen.contains(key) || unreachable.contains(&key.0);
            if !keep && entry.conflict {
                gone.push(Resumed {
                    plc: key.0.clone(),
                    register: key.1.clone(),
                    reason: Resume::ManifestChanged,
                });
            }
            keep
        });
        gone.sort_by(|a, b| (&a.plc, &a.register).cmp(&(&b.plc, &b.register)));
        changes.resumed.extend(gone);
        changes
    }

    /// After writing: one more correction for every register the tick wrote and
    /// verified.
    pub fn record(&mut self, plan: &Plan, apply: &ApplyReport) {
        if self.after == 0 {
            return;
        }
        let applied: HashSet<(&str, &str)> = apply
            .results
            .iter()
            .filter(|r| r.outcome == Outcome::Applied)
            .map(|r| (r.plc.as_str(), r.register.as_str()))
            .collect();
        if applied.is_empty() {
            return;
        }
        for (plc, reg) in plan.changes() {
            let id = plc.id();
            if !applied.contains(&(id.as_str(), reg.name.as_str())) {
                continue;
            }
            let entry = self
                .entries
                .entry((id, reg.name.clone()))
                .or_insert_with(|| Entry {
                    definition: definition(reg),
                    corrections: 0,
                    conflict: false,
                });
            entry.corrections = entry.corrections.saturating_add(1);
        }
    }
}

/// A digest of what the manifest says of a register (everything but what was read
/// and planned): a change to any of it resumes writing.
fn definition(reg: &RegisterPlan) -> u64 {
    let declared = RegisterPlan {
        live: None,
        live_words: None,
        action: Action::InSync,
        ..reg.clone()
    };
    let text = serde_json::to_string(&declared).unwrap_or_default();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::apply::RegisterResult;
    use crate::engine::plan::PlcPlan;
    use crate::manifest::Mode;
    use crate::register::{ByteOrder, RegisterKind, ValueType, WordOrder, Words};

    fn register(name: &str, action: Action, desired: i128) -> RegisterPlan {
        RegisterPlan {
            name: name.into(),
            kind: RegisterKind::Holding,
            address: 10,
            bit: None,
            read_address: None,
            value_type: ValueType::U16,
            word_order: WordOrder::Big,
            byte_order: ByteOrder::Big,
            length: None,
            scale: 1.0,
            offset: 0.0,
            mode: Mode::Enforce,
            tolerance: 0.0,
            min: None,
            max: None,
            desired: Value::Int(desired),
            desired_words: Words::from([u16::try_from(desired).unwrap()]),
            live: Some(Value::Int(7)),
            live_words: Some(Words::from([7])),
            action,
        }
    }

    fn plan(registers: Vec<RegisterPlan>) -> Plan {
        Plan {
            plcs: vec![PlcPlan {
                namespace: "plant-a".into(),
                name: "press".into(),
                host: "127.0.0.1".into(),
                port: 502,
                unit_id: 1,
                timeout_ms: 1000,
                auto_correct: true,
                write_windows: Vec::new(),
                min_write_interval_ms: 0,
                limits: Default::default(),
                transport: Default::default(),
                error: None,
                registers,
            }],
        }
    }

    fn applied(plan: &Plan) -> ApplyReport {
        let results = plan
            .changes()
            .map(|(p, r)| RegisterResult {
                plc: p.id(),
                register: r.name.clone(),
                kind: r.kind,
                address: r.address,
                bit: r.bit,
                read_address: r.read_address,
                value_type: r.value_type,
                encoding: crate::engine::apply::Encoding::of(r),
                planned: r.live.clone(),
                before: r.live.clone(),
                desired: r.desired.clone(),
                after: Some(r.desired.clone()),
                outcome: Outcome::Applied,
                written: true,
                note: None,
                error: None,
            })
            .collect();
        ApplyReport {
            results,
            ..ApplyReport::default()
        }
    }

    /// One tick where the other writer has rewritten `speed` (a change is planned):
    /// returns the action after `hold` and what changed; writes what is still a change.
    fn drifted_tick(c: &mut Conflicts, desired: i128) -> (Action, Changes) {
        let mut p = plan(vec![register("speed", Action::Change, desired)]);
        let changes = c.hold(&mut p);
        c.record(&p, &applied(&p));
        (p.plcs[0].registers[0].action.clone(), changes)
    }

    fn in_sync_tick(c: &mut Conflicts) -> Changes {
        let mut p = plan(vec![register("speed", Action::InSync, 5)]);
        c.hold(&mut p)
    }

    #[test]
    fn three_corrections_in_a_row_make_a_conflict_and_the_fourth_is_not_written() {
        let mut c = Conflicts::new(3);
        for _ in 0..3 {
            let (action, changes) = drifted_tick(&mut c, 5);
            assert_eq!(action, Action::Change);
            assert_eq!(changes, Changes::default());
        }
        let (action, changes) = drifted_tick(&mut c, 5);
        assert_eq!(action, Action::Conflict { corrections: 3 });
        assert_eq!(
            changes.entered,
            [Entered {
                plc: "plant-a/press".into(),
                register: "speed".into(),
                corrections: 3,
                live: Some(Value::Int(7)),
                desired: Value::Int(5),
            }]
        );
        // Reported once when it starts, then held quietly.
        let (action, changes) = drifted_tick(&mut c, 5);
        assert_eq!(action, Action::Conflict { corrections: 3 });
        assert_eq!(changes, Changes::default());
        assert_eq!(c.count(), 1);
        assert_eq!(
            describe(3),
            "conflict: rewritten by another writer after 3 corrections; not written"
        );
    }

    #[test]
    fn a_tick_in_sync_without_a_write_breaks_the_streak() {
        let mut c = Conflicts::new(3);
        drifted_tick(&mut c, 5);
        drifted_tick(&mut c, 5);
        assert_eq!(in_sync_tick(&mut c), Changes::default());
        for _ in 0..3 {
            assert_eq!(drifted_tick(&mut c, 5).0, Action::Change);
        }
    }

    #[test]
    fn a_conflict_resumes_when_the_register_stays_in_sync_by_itself() {
        let mut c = Conflicts::new(2);
        drifted_tick(&mut c, 5);
        drifted_tick(&mut c, 5);
        assert!(matches!(drifted_tick(&mut c, 5).0, Action::Conflict { .. }));
        let changes = in_sync_tick(&mut c);
        assert_eq!(
            changes.resumed,
            [Resumed {
                plc: "plant-a/press".into(),
                register: "speed".into(),
                reason: Resume::InSync
            }]
        );
        assert_eq!(c.count(), 0);
        // Written again, and it takes a new streak to give up again.
        assert_eq!(drifted_tick(&mut c, 5).0, Action::Change);
    }

    #[test]
    fn a_conflict_resumes_when_its_desired_value_changes() {
        let mut c = Conflicts::new(2);
        drifted_tick(&mut c, 5);
        drifted_tick(&mut c, 5);
        assert!(matches!(drifted_tick(&mut c, 5).0, Action::Conflict { .. }));
        let (action, changes) = drifted_tick(&mut c, 6);
        assert_eq!(action, Action::Change, "the new value is written");
        assert_eq!(changes.resumed[0].reason, Resume::ManifestChanged);
        assert_eq!(c.count(), 0);
    }

    #[test]
    fn resume_all_clears_every_conflict_and_the_next_tick_reports_it() {
        let mut c = Conflicts::new(1);
        drifted_tick(&mut c, 5);
        assert!(matches!(drifted_tick(&mut c, 5).0, Action::Conflict { .. }));
        c.resume_all(Resume::SyncRequested);
        assert_eq!(c.count(), 0);
        let (action, changes) = drifted_tick(&mut c, 5);
        assert_eq!(action, Action::Change);
        assert_eq!(changes.resumed[0].reason, Resume::SyncRequested);
    }

    #[test]
    fn zero_never_gives_up() {
        let mut c = Conflicts::new(0);
        for _ in 0..10 {
            assert_eq!(drifted_tick(&mut c, 5).0, Action::Change);
        }
        assert_eq!(c.count(), 0);
    }

    #[test]
    fn an_unreachable_plc_keeps_its_streaks_and_a_removed_register_is_forgotten() {
        let mut c = Conflicts::new(2);
        drifted_tick(&mut c, 5);
        drifted_tick(&mut c, 5);
        let mut down = plan(Vec::new());
        down.plcs[0].error = Some(crate::engine::plan::PlcError::Saved {
            message: "down".into(),
        });
        c.hold(&mut down);
        assert!(matches!(drifted_tick(&mut c, 5).0, Action::Conflict { .. }));
        let mut gone = plan(vec![register("other", Action::InSync, 5)]);
        let changes = c.hold(&mut gone);
        assert_eq!(changes.resumed[0].reason, Resume::ManifestChanged);
        assert_eq!(c.count(), 0);
    }

    #[test]
    fn drift_left_unwritten_neither_counts_nor_breaks_the_streak() {
        let mut c = Conflicts::new(2);
        drifted_tick(&mut c, 5);
        let mut window = plan(vec![register(
            "speed",
            Action::Drift {
                reason: crate::engine::plan::DriftReason::OutsideWriteWindow,
            },
            5,
        )]);
        c.hold(&mut window);
        c.record(&window, &applied(&window));
        assert_eq!(drifted_tick(&mut c, 5).0, Action::Change);
        assert!(matches!(drifted_tick(&mut c, 5).0, Action::Conflict { .. }));
    }
}
