//! CI integrations of `fabctl plan`: a JUnit XML report for GitLab and Jenkins
//! ([`junit`]), and under GitHub Actions error annotations on the manifest lines of the
//! registers that differ plus a Markdown step summary ([`github`]).
//!
//! The renderers are pure: they read a finished [`Plan`] and the [`Sources`] of its
//! registers (where each is declared; the plan itself does not carry that, so a saved
//! plan file stays as it is) and write to an [`std::io::Write`]. [`publish`] is the
//! edge: it reads the environment and writes the files.

pub mod github;
pub mod junit;

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use crate::engine::plan::{Action, Plan, RegisterPlan, Summary};
use crate::error::Error;
use crate::manifest::{Plc, SourceLoc};

/// A place in a manifest as CI shows it: the path relative to the checkout when it
/// lies inside it, 1-based line and column (line 0: the whole file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// The checkout CI runs in, to show manifest paths relative to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    /// The repository root (`GITHUB_WORKSPACE`, `CI_PROJECT_DIR`, `WORKSPACE`).
    pub root: PathBuf,
    /// The working directory, against which relative manifest paths were given.
    pub cwd: PathBuf,
}

/// Where each PLC and register of a plan is declared, by PLC id and register name.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    plcs: HashMap<String, Location>,
    registers: HashMap<(String, String), Location>,
}

impl Sources {
    /// The declarations of the loaded `plcs`; paths relative to `workspace` if given.
    pub fn new(plcs: &[Plc], workspace: Option<&Workspace>) -> Sources {
        let locate = |loc: &SourceLoc| Location {
            file: display_path(&loc.file, workspace),
            line: loc.line,
            column: loc.column,
        };
        let mut sources = Sources::default();
        for plc in plcs {
            let id = plc.id();
            for reg in &plc.registers {
                sources
                    .registers
                    .insert((id.clone(), reg.name.clone()), locate(&reg.source));
            }
            sources.plcs.insert(id, locate(&plc.source));
        }
        sources
    }

    /// Where the PLC `id` (`namespace/name`) is declared.
    pub fn plc(&self, id: &str) -> Option<&Location> {
        self.plcs.get(id)
    }

    /// Where register `name` of PLC `id` is declared.
    pub fn register(&self, id: &str, name: &str) -> Option<&Location> {
        self.registers.get(&(id.to_owned(), name.to_owned()))
    }
}

/// `path` relative to the workspace root when it lies inside it, with `/` separators
/// (what GitHub, GitLab and Jenkins expect); other paths as given.
fn display_path(path: &Path, workspace: Option<&Workspace>) -> String {
    let mut shown = path.to_path_buf();
    if let Some(ws) = workspace {
        let absolute = normalize(&ws.cwd.join(path));
        if let Ok(inside) = absolute.strip_prefix(normalize(&ws.root)) {
            shown = inside.to_path_buf();
        }
    }
    if shown.is_absolute() {
        return shown.to_string_lossy().into_owned();
    }
    shown
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `path` without `.` components and with `..` applied, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `live → desired`, `?` when nothing could be read.
pub(crate) fn live_to_desired(reg: &RegisterPlan) -> String {
    let live = reg
        .live
        .as_ref()
        .map_or_else(|| "?".to_owned(), |v| v.to_string());
    format!("{live} → {}", reg.desired)
}

/// Why a register fails a CI check, in a few words; `None` when it is in sync.
pub(crate) fn verdict(reg: &RegisterPlan) -> Option<String> {
    match &reg.action {
        Action::InSync => None,
        Action::Change => Some("will change".to_owned()),
        Action::Drift { reason } => Some(format!("drifted, {}", reason.describe())),
        Action::Conflict { corrections } => Some(crate::engine::conflict::describe(*corrections)),
        Action::Error { error } => Some(format!("read failed: {error}")),
    }
}

/// The plan's closing sentence, as the human view words it.
pub(crate) fn summary_line(s: &Summary) -> String {
    let plural = if s.in_sync == 1 { "" } else { "s" };
    if s.to_change + s.drifted == 0 && s.errors == 0 {
        return format!(
            "No changes. Your PLCs match the manifests ({} register{plural} in sync).",
            s.in_sync
        );
    }
    let mut line = format!(
        "Plan: {} to change, {} drifted, {} in sync",
        s.to_change, s.drifted, s.in_sync
    );
    let unreadable = s.errors.saturating_sub(s.unreachable);
    if unreadable > 0 {
        line.push_str(&format!(", {unreadable} unreadable"));
    }
    line.push_str(&s.unread_plcs());
    line.push('.');
    line
}

/// What the environment says about the CI system fabctl runs in.
#[derive(Clone, Debug, Default)]
pub struct CiEnv {
    /// `GITHUB_ACTIONS=true`.
    pub github_actions: bool,
    /// `GITHUB_STEP_SUMMARY`: the file the step's Markdown summary is appended to.
    pub step_summary: Option<PathBuf>,
    pub workspace: Option<Workspace>,
}

impl CiEnv {
    /// Reads `GITHUB_ACTIONS`, `GITHUB_STEP_SUMMARY` and the checkout directory
    /// (`GITHUB_WORKSPACE`, GitLab's `CI_PROJECT_DIR`, Jenkins' `WORKSPACE`).
    pub fn from_env() -> CiEnv {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let root = ["GITHUB_WORKSPACE", "CI_PROJECT_DIR", "WORKSPACE"]
            .into_iter()
            .find_map(var)
            .map(PathBuf::from);
        let workspace = root.and_then(|root| {
            let cwd = std::env::current_dir().ok()?;
            Some(Workspace { root, cwd })
        });
        CiEnv {
            github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            workspace,
        }
    }
}

/// Writes the CI reports of a finished plan: the JUnit file when `junit` is given and,
/// under GitHub Actions, the annotations (on stderr: the runner reads workflow
/// commands from both streams, and stdout stays the plan) and the step summary.
///
/// A JUnit file that cannot be written is an error (it was asked for); a step summary
/// that cannot be written is a warning (the plan's result stands).
pub fn publish(plan: &Plan, plcs: &[Plc], junit: Option<&Path>) -> Result<(), Error> {
    let env = CiEnv::from_env();
    if junit.is_none() && !env.github_actions {
        // Nothing to publish: don't index a whole fleet's registers for nobody.
        return Ok(());
    }
    let sources = Sources::new(plcs, env.workspace.as_ref());
    if let Some(path) = junit {
        let write_error = |source| Error::WriteFile {
            path: path.to_path_buf(),
            source,
        };
        let mut xml = Vec::new();
        junit::write(&mut xml, plan, &sources).map_err(write_error)?;
        std::fs::write(path, xml).map_err(write_error)?;
    }
    if env.github_actions {
        let mut stderr = io::stderr().lock();
        github::annotations(&mut stderr, plan, &sources)?;
        stderr.flush()?;
        if let Some(path) = &env.step_summary {
            let mut markdown = Vec::new();
            github::step_summary(&mut markdown, plan, &sources)?;
            let appended = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| f.write_all(&markdown));
            if let Err(e) = appended {
                tracing::warn!(
                    "cannot append the plan summary to {} (GITHUB_STEP_SUMMARY): {e}",
                    path.display()
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::device::Exception;
    use crate::engine::plan::{DriftReason, RegisterError};
    use crate::register::{RegisterKind, Value, ValueType};
    use crate::view::fixtures::{plc, refused_connection, register};

    /// A small plan with one of everything: a change, a register in sync, an observed
    /// and a read-only drift, an unreadable register, and an unreachable PLC.
    pub(crate) fn fixture_plan() -> Plan {
        use RegisterKind::{Coil, Holding, Input};
        let press = plc(
            "press-1",
            5502,
            vec![
                register(
                    "conveyor_speed",
                    Holding,
                    4002,
                    ValueType::F32,
                    Some(Value::Float(11.8)),
                    Value::Float(12.5),
                    Action::Change,
                ),
                register(
                    "guard_enabled",
                    Coil,
                    10,
                    ValueType::Bool,
                    Some(Value::Bool(true)),
                    Value::Bool(true),
                    Action::InSync,
                ),
                register(
                    "recipe",
                    Holding,
                    130,
                    ValueType::U16,
                    Some(Value::Int(8)),
                    Value::Int(7),
                    Action::Drift {
                        reason: DriftReason::Observe,
                    },
                ),
                register(
                    "oil_temperature",
                    Input,
                    30001,
                    ValueType::I16,
                    Some(Value::Float(52.1)),
                    Value::Int(45),
                    Action::Drift {
                        reason: DriftReason::ReadOnly,
                    },
                ),
                register(
                    "batch_size",
                    Holding,
                    4010,
                    ValueType::U32,
                    None,
                    Value::Int(500),
                    Action::Error {
                        error: RegisterError::ReadRefused {
                            exception: Exception::ILLEGAL_DATA_ADDRESS,
                        },
                    },
                ),
            ],
        );
        let mut oven = plc("oven-1", 5504, Vec::new());
        oven.error = Some(refused_connection());
        Plan {
            plcs: vec![press, oven],
        }
    }

    /// A plan whose every register is in sync.
    pub(crate) fn in_sync_plan() -> Plan {
        let reg = register(
            "guard_enabled",
            RegisterKind::Coil,
            10,
            ValueType::Bool,
            Some(Value::Bool(true)),
            Value::Bool(true),
            Action::InSync,
        );
        Plan {
            plcs: vec![plc("press-1", 5502, vec![reg])],
        }
    }

    /// Where [`fixture_plan`]'s registers are declared: on every seventh line of
    /// `manifests/press-1.yaml` from line 20; the oven at the top of its own file.
    pub(crate) fn fixture_sources() -> Sources {
        let mut sources = Sources::default();
        let press = "plant-a/press-1";
        let names = [
            "conveyor_speed",
            "guard_enabled",
            "recipe",
            "oil_temperature",
            "batch_size",
        ];
        for (i, name) in names.into_iter().enumerate() {
            sources.registers.insert(
                (press.to_owned(), name.to_owned()),
                Location {
                    file: "manifests/press-1.yaml".to_owned(),
                    line: 20 + 7 * i,
                    column: 7,
                },
            );
        }
        let top = |file: &str| Location {
            file: file.to_owned(),
            line: 3,
            column: 1,
        };
        sources
            .plcs
            .insert(press.to_owned(), top("manifests/press-1.yaml"));
        sources
            .plcs
            .insert("plant-a/oven-1".to_owned(), top("manifests/oven-1.yaml"));
        sources
    }

    fn workspace(root: &str, cwd: &str) -> Workspace {
        Workspace {
            root: root.into(),
            cwd: cwd.into(),
        }
    }

    #[test]
    fn paths_are_shown_relative_to_the_checkout() {
        let ws = workspace(
            "/home/runner/work/plant/plant",
            "/home/runner/work/plant/plant",
        );
        assert_eq!(
            display_path(Path::new("./manifests/press-1.yaml"), Some(&ws)),
            "manifests/press-1.yaml"
        );
        assert_eq!(
            display_path(
                Path::new("/home/runner/work/plant/plant/manifests/a.yaml"),
                Some(&ws)
            ),
            "manifests/a.yaml"
        );
        // Run from a subdirectory (`working-directory: infra`).
        let sub = workspace("/w/plant", "/w/plant/infra");
        assert_eq!(
            display_path(Path::new("../manifests/a.yaml"), Some(&sub)),
            "manifests/a.yaml"
        );
        assert_eq!(
            display_path(Path::new("plc.yaml"), Some(&sub)),
            "infra/plc.yaml"
        );
        // Outside the checkout, or no checkout known: as given.
        assert_eq!(
            display_path(Path::new("/etc/fabctl/a.yaml"), Some(&sub)),
            "/etc/fabctl/a.yaml"
        );
        assert_eq!(
            display_path(Path::new("./manifests/a.yaml"), None),
            "manifests/a.yaml"
        );
    }

    #[test]
    fn sources_find_registers_by_plc_and_name() {
        let path = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/manifests/press-1.yaml"
        ));
        let plcs = crate::manifest::load(std::slice::from_ref(&path)).unwrap();
        let ws = workspace(env!("CARGO_MANIFEST_DIR"), "/elsewhere");
        let sources = Sources::new(&plcs, Some(&ws));
        let declared = &plcs[0]
            .registers
            .iter()
            .find(|r| r.name == "batch_size")
            .unwrap()
            .source;
        assert_eq!(declared.file, Arc::new(path));
        let at = sources
            .register("plant-a/press-1", "batch_size")
            .expect("batch_size is declared");
        assert_eq!(
            (at.file.as_str(), at.line, at.column),
            ("manifests/press-1.yaml", declared.line, declared.column)
        );
        assert!(sources.register("plant-a/press-1", "nope").is_none());
        assert!(sources.register("plant-a/press-2", "target").is_some());
        assert!(sources.plc("plant-a/press-2").is_some());
    }

    #[test]
    fn summary_line_matches_the_human_view() {
        use crate::view::{HumanView, View, ViewOptions};
        for (plan, expected) in [
            (
                fixture_plan(),
                "Plan: 1 to change, 2 drifted, 1 in sync, 1 unreadable, 1 unreachable.",
            ),
            (
                in_sync_plan(),
                "No changes. Your PLCs match the manifests (1 register in sync).",
            ),
        ] {
            assert_eq!(summary_line(&plan.summary()), expected);
            let mut view = HumanView::new(Vec::new(), ViewOptions::default());
            view.plan(&plan).unwrap();
            let human = String::from_utf8(view.into_inner()).unwrap();
            assert_eq!(human.lines().last(), Some(expected));
        }
    }
}
