//! `fabctl demo`: the whole story in one command, on an in-process simulator bound to
//! free loopback ports: a clean plan, drift on the shop floor, the plan that shows it,
//! an apply that corrects and verifies it, and a clean plan again.

use std::io::Write;

use owo_colors::OwoColorize;

use crate::cli::{DemoArgs, GlobalArgs, OutputFormat};
use crate::device::modbus::ModbusConnector;
use crate::engine::audit;
use crate::engine::plan::PlanOptions;
use crate::error::Error;
use crate::manifest::Plc;
use crate::outcome::Outcome;
use crate::sim::{SimConfig, Simulator};

use super::setup::{self, Setup};

/// The example plant, built in so the demo runs anywhere.
const BUNDLED: [(&str, &str); 5] = [
    (
        "hx-presses.yaml",
        include_str!("../../manifests/hx-presses.yaml"),
    ),
    ("oven-1.yaml", include_str!("../../manifests/oven-1.yaml")),
    (
        "packaging.yaml",
        include_str!("../../manifests/packaging.yaml"),
    ),
    ("press-1.yaml", include_str!("../../manifests/press-1.yaml")),
    (
        "press-model.yaml",
        include_str!("../../manifests/press-model.yaml"),
    ),
];

/// Largest drift per chaos step in the demo, in engineering units.
const DEMO_MAX_DRIFT: f64 = 20.0;

pub fn run(global: &GlobalArgs, args: &DemoArgs) -> Result<Outcome, Error> {
    let scratch = tempfile::tempdir().map_err(|source| Error::Runtime { source })?;
    let paths = if global.filename.is_empty() && !std::path::Path::new("manifests").is_dir() {
        for (name, text) in BUNDLED {
            std::fs::write(scratch.path().join(name), text).map_err(|source| Error::WriteFile {
                path: scratch.path().join(name),
                source,
            })?;
        }
        vec![scratch.path().to_path_buf()]
    } else {
        global.manifest_paths()
    };
    let global = GlobalArgs {
        filename: paths,
        ..global.clone()
    };
    let setup = Setup::defaults(&global);
    let plcs = setup.load()?;
    super::runtime()?.block_on(story(&global, &setup, args, plcs, scratch.path()))
}

async fn story(
    global: &GlobalArgs,
    setup: &Setup<'_>,
    args: &DemoArgs,
    mut plcs: Vec<Plc>,
    scratch: &std::path::Path,
) -> Result<Outcome, Error> {
    let human = global.output == OutputFormat::Human;
    let color = crate::view::color_enabled(
        global.color,
        std::io::IsTerminal::is_terminal(&std::io::stdout()),
    );
    let mut out = std::io::stdout();
    let section = |out: &mut std::io::Stdout, text: &str| -> std::io::Result<()> {
        if human {
            if color {
                writeln!(out, "\n{}\n", format!("━━ {text}").bold().cyan())
            } else {
                writeln!(out, "\n━━ {text}\n")
            }
        } else {
            Ok(())
        }
    };

    let mut config = SimConfig::from_plcs(&plcs)?.on_ephemeral_ports();
    config.seed = args.seed;
    config.chaos.max_drift = DEMO_MAX_DRIFT;
    let sim = Simulator::start(config).await?;
    for plc in &mut plcs {
        if let Some(addr) = sim.addr_of(&plc.id()) {
            plc.host = addr.ip().to_string();
            plc.port = addr.port();
        }
    }
    let registers: usize = plcs.iter().map(|p| p.registers.len()).sum();
    if human {
        writeln!(
            out,
            "fabctl demo: {} simulated PLCs ({registers} registers) served over Modbus TCP on {} loopback ports, in this process.",
            plcs.len(),
            sim.endpoints().len()
        )?;
    }
    let mut view = super::stdout_view(global);
    // As `fabctl plan` plans: write windows checked at the moment of planning.
    let plan_now = || PlanOptions {
        respect_auto_correct: false,
        windows_at: Some(jiff::Timestamp::now()),
    };

    section(
        &mut out,
        "1. fabctl plan  (the PLCs hold what the manifests declare)",
    )?;
    let plan = setup.plan(&ModbusConnector, &plcs, plan_now()).await;
    view.plan(&plan)?;

    section(
        &mut out,
        "2. meanwhile on the shop floor: chaos drifts some registers",
    )?;
    let mut drifts = sim.chaos_step();
    while drifts.len() < 3 {
        drifts.extend(sim.chaos_step());
    }
    if human {
        for d in &drifts {
            writeln!(out, "  {} {}: {} → {}", d.device, d.register, d.old, d.new)?;
        }
    }

    section(
        &mut out,
        "3. fabctl plan --detailed-exitcode  (exit code 2: drift found)",
    )?;
    let plan = setup.plan(&ModbusConnector, &plcs, plan_now()).await;
    view.plan(&plan)?;

    section(
        &mut out,
        "4. fabctl apply --auto-approve  (compare-and-set, write, read back)",
    )?;
    let audit_path = scratch.join("audit.jsonl");
    let context = audit::Context {
        plan_digest: crate::engine::planfile::digest(&plan),
        ..audit::Context::default()
    };
    let audit = setup::open_audit(&audit::Target::File(audit_path.clone()), context)?;
    view.apply_start(&plan)?;
    let report = setup.apply(&ModbusConnector, &plan, &audit).await;
    for result in &report.results {
        view.apply_result(result)?;
    }
    let shortfall = crate::view::Shortfall {
        audit_failed: audit.error().is_some(),
        ..crate::view::Shortfall::of_plan(&plan)
    };
    view.apply_summary(&report, &shortfall)?;
    if human {
        let lines = std::fs::read_to_string(&audit_path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        writeln!(
            out,
            "  ({lines} audit log lines written: an intent before each write, its outcome after the read-back)"
        )?;
    }

    section(&mut out, "5. fabctl plan  (back in sync)")?;
    let after = setup.plan(&ModbusConnector, &plcs, plan_now()).await;
    view.plan(&after)?;
    sim.shutdown().await;

    if human {
        writeln!(
            out,
            "\nFor real, in two terminals:\n  fabctl sim --from manifests/ --chaos --chaos-interval 5s\n  fabctl validate -f manifests/\n  fabctl plan --detailed-exitcode\n  fabctl apply\n"
        )?;
    }
    let ok = report.summary().is_success()
        && after.summary().to_change == 0
        && after.summary().errors == 0;
    Ok(Outcome::success_if(ok))
}
