//! Fleet-scale benchmark: `cargo bench --bench fleet` (add `-- --quick` for a smoke
//! run, or name rows to run only those: `cargo bench --bench fleet -- plan apply`).
//!
//! Everything runs as separate processes of the release `fabctl` binary, as a user or
//! a CronJob would run them: the fleet's manifests are generated into a temp dir, the
//! simulator is started with `fabctl sim --from DIR` (one listener per PLC on its own
//! loopback address 127.N.x.y:5502), and `fabctl plan/apply/validate/reconcile` run as
//! child processes. For each row it prints the PLCs and registers, the wall time
//! (median of the runs, with min and max), the requests and connections the simulator
//! received (from its Prometheus counters, `--metrics-addr`), registers per second and
//! the peak RSS of the child (`wait4` rusage `ru_maxrss`).
//!
//! Environment:
//! - `FABCTL_BIN`: the binary to measure (default: the one cargo built for this bench,
//!   `target/release/fabctl`); point it at another build to compare before/after.
//! - `FABCTL_BENCH_RUNS`: runs per row (default 7; 1 with `--quick`).
//! - `FABCTL_BENCH_RECONCILE_REGISTERS`: registers per PLC in the reconcile, agent
//!   memory and status-writes rows (default 10).
//!
//! Speed targets are printed beside the figures and never asserted: this machine is
//! shared, so a slow run is a fact to report, not a test failure.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/integration/support/loopback.rs"]
mod loopback;

use loopback::{http_get, kubeconfig, unused_port};

/// Loopback second octet per fleet, so fleets never share an address.
const NET_PLAN: u8 = 1;
const NET_APPLY: u8 = 2;
const NET_RECONCILE: u8 = 3;
const NET_LOAD: u8 = 4;
const NET_SCALING: u8 = 5;
const NET_AGENT: u8 = 6;
const NET_MODELS: u8 = 7;
const PORT: u16 = 5502;

fn main() {
    let cfg = Config::from_env();
    println!(
        "fleet benchmark: {} ({} run{} per row{}; {} cores)",
        cfg.bin.display(),
        cfg.runs,
        if cfg.runs == 1 { "" } else { "s" },
        if cfg.quick { ", quick mode" } else { "" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!("wall: median [min-max] of the runs; RSS: peak of the measured process\n");
    let mut rows: Vec<Row> = Vec::new();
    let all: [(&str, RowsFn); 11] = [
        ("validate", validate_rows),
        ("plan", plan_rows),
        ("scaling", scaling_rows),
        ("apply", apply_rows),
        ("throughput", throughput_rows),
        ("sim-start", sim_start_rows),
        ("reconcile", reconcile_rows),
        ("open-files", open_file_rows),
        ("agent", agent_rows),
        ("models", model_rows),
        ("status-writes", status_write_rows),
    ];
    for (name, f) in all {
        if cfg.wants(name) {
            for row in f(&cfg) {
                row.print();
                rows.push(row);
            }
        }
    }
    println!("\n## Summary (markdown)\n");
    println!(
        "| row | PLCs | registers | wall median [min-max] | requests | connections | registers/s | peak RSS | target | met |"
    );
    println!("|---|---:|---:|---|---|---:|---:|---:|---|---|");
    for row in &rows {
        row.print_markdown();
    }
}

/// A group of rows.
type RowsFn = fn(&Config) -> Vec<Row>;

// ---------------------------------------------------------------------------------
// Configuration

struct Config {
    bin: PathBuf,
    runs: usize,
    quick: bool,
    filters: Vec<String>,
    reconcile_registers: usize,
}

impl Config {
    fn from_env() -> Config {
        let args: Vec<String> = std::env::args().skip(1).collect();
        // cargo passes `--bench`; anything else starting with `--` is ours or ignored.
        let quick = args.iter().any(|a| a == "--quick")
            || std::env::var_os("FABCTL_BENCH_QUICK").is_some_and(|v| !v.is_empty());
        let filters = args
            .iter()
            .filter(|a| !a.starts_with("--"))
            .cloned()
            .collect();
        let runs = std::env::var("FABCTL_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if quick { 1 } else { 7 })
            .max(1);
        let bin = std::env::var_os("FABCTL_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fabctl")));
        let reconcile_registers = std::env::var("FABCTL_BENCH_RECONCILE_REGISTERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10);
        Config {
            bin,
            runs,
            quick,
            filters,
            reconcile_registers,
        }
    }

    fn wants(&self, row: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| row.contains(f.as_str()))
    }

    fn fabctl(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .env("HOME", std::env::temp_dir())
            .stdin(Stdio::null());
        cmd
    }
}

// ---------------------------------------------------------------------------------
// Rows and their printing

#[derive(Default)]
struct Row {
    name: String,
    plcs: usize,
    registers: usize,
    walls: Vec<f64>,
    /// Requests the simulator received in one run, by function.
    requests: String,
    connections: Option<u64>,
    /// Peak RSS in KiB (max over runs).
    rss_kb: u64,
    target: String,
    met: Option<bool>,
    note: String,
    /// For a memory row: KiB per PLC beyond the baseline.
    per_plc_kb: f64,
}

impl Row {
    fn median(&self) -> f64 {
        median(&self.walls)
    }

    fn wall_text(&self) -> String {
        if self.walls.is_empty() {
            return "-".into();
        }
        let min = self.walls.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.walls.iter().copied().fold(0.0, f64::max);
        format!("{} [{}-{}]", secs(self.median()), secs(min), secs(max))
    }

    fn rate_text(&self) -> String {
        if self.walls.is_empty() || self.registers == 0 {
            return "-".into();
        }
        thousands((self.registers as f64 / self.median()) as u64)
    }

    fn rss_text(&self) -> String {
        if self.rss_kb == 0 {
            "-".into()
        } else {
            format!("{:.1} MB", self.rss_kb as f64 / 1024.0)
        }
    }

    fn met_text(&self) -> &'static str {
        match self.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        }
    }

    fn print(&self) {
        println!("{}", self.name);
        println!(
            "  PLCs {}  registers {}  wall {}  registers/s {}  peak RSS {}",
            self.plcs,
            thousands(self.registers as u64),
            self.wall_text(),
            self.rate_text(),
            self.rss_text()
        );
        if !self.requests.is_empty() || self.connections.is_some() {
            println!(
                "  simulator: requests {}  connections {}",
                if self.requests.is_empty() {
                    "-"
                } else {
                    &self.requests
                },
                self.connections.map_or("-".into(), |c| c.to_string())
            );
        }
        if !self.target.is_empty() {
            println!("  target: {}  met: {}", self.target, self.met_text());
        }
        if !self.note.is_empty() {
            println!("  note: {}", self.note);
        }
        let _ = std::io::stdout().flush();
    }

    fn print_markdown(&self) {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            self.name,
            self.plcs,
            thousands(self.registers as u64),
            self.wall_text(),
            if self.requests.is_empty() {
                "-"
            } else {
                &self.requests
            },
            self.connections.map_or("-".into(), |c| c.to_string()),
            self.rate_text(),
            self.rss_text(),
            self.target,
            self.met_text()
        );
    }
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn secs(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.3} s")
    } else {
        format!("{s:.1} s")
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------
// The fleet on disk

struct Fleet {
    dir: tempfile::TempDir,
    plcs: usize,
    registers: usize,
}

impl Fleet {
    /// `plcs` manifest files of `registers` contiguous u16 holding registers each, in
    /// the block style the examples use; PLC `i` lives at 127.`net`.(i/250).(1+i%250).
    fn new(net: u8, plcs: usize, registers: usize) -> Fleet {
        Fleet::shifted(net, plcs, registers, 0)
    }

    /// The same fleet with every desired value `shift` higher: a simulator started
    /// from `new` differs from it in every register.
    fn shifted(net: u8, plcs: usize, registers: usize, shift: u16) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..plcs {
            let mut text = format!(
                "# Generated by benches/fleet.rs\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: plc-{i:05}\n  namespace: fleet\nspec:\n  deviceAddress: {}\n  port: {PORT}\n  registers:\n",
                ip(net, i)
            );
            for r in 0..registers {
                text.push_str(&format!(
                    "    - name: r{r:03}\n      address: {r}\n      value: {}\n",
                    desired(i, r) + shift
                ));
            }
            std::fs::write(dir.path().join(format!("plc-{i:05}.yaml")), text)
                .expect("write manifest");
        }
        Fleet {
            dir,
            plcs,
            registers,
        }
    }

    /// `plcs` identical machines: every PLC's register `r` holds `desired(0, r)`.
    fn uniform(net: u8, plcs: usize, registers: usize) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        for i in 0..plcs {
            let mut text = format!(
                "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata:\n  name: plc-{i:05}\n  namespace: fleet\nspec:\n  deviceAddress: {}\n  port: {PORT}\n  registers:\n",
                ip(net, i)
            );
            for r in 0..registers {
                text.push_str(&format!(
                    "    - {{name: r{r:03}, address: {r}, value: {}}}\n",
                    desired(0, r)
                ));
            }
            std::fs::write(dir.path().join(format!("plc-{i:05}.yaml")), text)
                .expect("write manifest");
        }
        Fleet {
            dir,
            plcs,
            registers,
        }
    }

    /// A directory with no IndustrialPLC at all (the baseline of memory rows).
    fn empty() -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("other.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-a-plc\ndata: {}\n",
        )
        .expect("write manifest");
        Fleet {
            dir,
            plcs: 0,
            registers: 0,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn total(&self) -> usize {
        self.plcs * self.registers
    }
}

fn ip(net: u8, i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, net, (i / 250) as u8, (1 + i % 250) as u8)
}

fn desired(plc: usize, register: usize) -> u16 {
    ((plc * 7 + register * 13) % 1000 + 100) as u16
}

// ---------------------------------------------------------------------------------
// Child processes

struct Run {
    wall: f64,
    rss_kb: u64,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` to completion; wall time from spawn to exit, peak RSS from wait4.
#[allow(clippy::zombie_processes)] // reaped by `wait4`, which also gives its rusage
fn run(mut cmd: Command) -> Run {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn fabctl");
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let (code, rss_kb) = wait4(&child);
    let wall = started.elapsed().as_secs_f64();
    Run {
        wall,
        rss_kb,
        code,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

fn drain<R: Read + Send + 'static>(r: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut r) = r {
            let _ = r.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Waits for the child and returns its exit code (128+signal when killed) and peak RSS
/// in KiB.
fn wait4(child: &Child) -> (i32, u64) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain syscall on our own child; `rusage` is plain old data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    (code, usage.ru_maxrss as u64)
}

fn terminate(child: &Child) {
    // SAFETY: sending a signal to our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
}

/// (VmRSS, VmHWM) of a running process, in KiB.
fn rss_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// User and system CPU time of a running process so far.
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses: utime and stime
    // are the 12th and 13th of them, in clock ticks.
    let ticks: u64 = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().skip(11).take(2))
        .into_iter()
        .flatten()
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis(ticks * 1000 / per_second)
}

// ---------------------------------------------------------------------------------
// The simulator process

struct Sim {
    child: Child,
    metrics: SocketAddr,
    /// Spawn until every listener is bound (the last "listening on" line).
    startup: f64,
    _stdout: std::thread::JoinHandle<()>,
}

/// The simulator's counters, from `/metrics`.
#[derive(Clone, Debug, Default)]
struct Counters {
    by_function: BTreeMap<String, u64>,
    connections: u64,
}

impl Counters {
    fn minus(&self, before: &Counters) -> Counters {
        Counters {
            by_function: self
                .by_function
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v - before.by_function.get(k).copied().unwrap_or(0),
                    )
                })
                .filter(|(_, v)| *v > 0)
                .collect(),
            connections: self.connections - before.connections,
        }
    }

    fn get(&self, function: &str) -> u64 {
        self.by_function.get(function).copied().unwrap_or(0)
    }

    fn total(&self) -> u64 {
        self.by_function.values().sum()
    }

    fn describe(&self) -> String {
        let short = |f: &str| match f {
            "read_holding_registers" => "FC03",
            "read_input_registers" => "FC04",
            "read_coils" => "FC01",
            "read_discrete_inputs" => "FC02",
            "write_single_register" => "FC06",
            "write_multiple_registers" => "FC16",
            "write_single_coil" => "FC05",
            "write_multiple_coils" => "FC15",
            _ => "other",
        };
        if self.by_function.is_empty() {
            return "0".into();
        }
        self.by_function
            .iter()
            .map(|(k, v)| format!("{v} {}", short(k)))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

impl Sim {
    /// Starts `fabctl sim --from DIR` and waits until all `endpoints` listen.
    fn start(cfg: &Config, fleet: &Path, endpoints: usize, extra: &[&str]) -> Sim {
        let port = unused_port();
        let metrics = SocketAddr::from(([127, 0, 0, 1], port));
        let mut cmd = cfg.fabctl();
        cmd.arg("-q")
            .arg("sim")
            .arg("--from")
            .arg(fleet)
            .args(["--seed", "7", "--metrics-addr"])
            .arg(metrics.to_string())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("spawn fabctl sim");
        let stdout = child.stdout.take().expect("sim stdout");
        let mut lines = BufReader::new(stdout);
        let mut listening = 0;
        let mut line = String::new();
        while listening < endpoints {
            line.clear();
            match lines.read_line(&mut line) {
                Ok(0) | Err(_) => panic!(
                    "fabctl sim exited after {listening} of {endpoints} listeners; is another simulator on these addresses?"
                ),
                Ok(_) if line.starts_with("listening on") => listening += 1,
                Ok(_) => {}
            }
        }
        let startup = started.elapsed().as_secs_f64();
        let drain = std::thread::spawn(move || drain_lines(lines));
        let sim = Sim {
            child,
            metrics,
            startup,
            _stdout: drain,
        };
        // The metrics server is started right after the listeners: wait for it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while sim.try_counters().is_none() {
            assert!(
                Instant::now() < deadline,
                "the simulator's /metrics does not answer"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        sim
    }

    fn counters(&self) -> Counters {
        self.try_counters().expect("simulator /metrics")
    }

    fn try_counters(&self) -> Option<Counters> {
        let text = http_get(self.metrics, "/metrics").ok()?;
        let mut c = Counters::default();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("fabctl_sim_requests_total{function=\"") {
                let (function, value) = rest.split_once("\"} ")?;
                c.by_function
                    .insert(function.to_owned(), value.trim().parse().ok()?);
            } else if let Some(value) = line.strip_prefix("fabctl_sim_connections_total ") {
                c.connections = value.trim().parse().ok()?;
            }
        }
        text.contains("fabctl_sim_connections_total").then_some(c)
    }

    fn rss(&self) -> (u64, u64) {
        rss_of(self.child.id())
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn drain_lines(mut r: BufReader<ChildStdout>) {
    let mut sink = Vec::new();
    let _ = r.read_to_end(&mut sink);
}

// ---------------------------------------------------------------------------------
// Rows

/// Runs `make()` `cfg.runs` times against `sim`, recording walls, peak RSS and the
/// simulator's counters of the last run.
fn measure(
    cfg: &Config,
    sim: &Sim,
    make: impl Fn() -> Command,
    check: impl Fn(&Run),
) -> (Vec<f64>, u64, Counters) {
    let mut walls = Vec::new();
    let mut rss = 0;
    let mut last = Counters::default();
    for _ in 0..cfg.runs {
        let before = sim.counters();
        let r = run(make());
        check(&r);
        last = sim.counters().minus(&before);
        walls.push(r.wall);
        rss = rss.max(r.rss_kb);
    }
    (walls, rss, last)
}

fn expect_code(r: &Run, code: i32, what: &str) {
    if r.code != code {
        panic!(
            "{what}: exit {} (expected {code})\n--- stdout (tail)\n{}\n--- stderr\n{}",
            r.code,
            tail(&r.stdout, 20),
            tail(&r.stderr, 40)
        );
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn validate_rows(cfg: &Config) -> Vec<Row> {
    let fleet = Fleet::new(NET_PLAN, 1000, 100);
    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..cfg.runs {
        let mut cmd = cfg.fabctl();
        cmd.arg("validate").arg("-f").arg(fleet.path());
        let r = run(cmd);
        expect_code(&r, 0, "fabctl validate");
        walls.push(r.wall);
        rss = rss.max(r.rss_kb);
    }
    let mut row = Row {
        name: "validate 1,000 manifest files".into(),
        plcs: fleet.plcs,
        registers: fleet.total(),
        walls,
        rss_kb: rss,
        target: "<= 0.2 s".into(),
        ..Row::default()
    };
    row.met = Some(row.median() <= 0.2);
    vec![row]
}

fn plan_command(cfg: &Config, fleet: &Fleet) -> Command {
    let mut cmd = cfg.fabctl();
    cmd.args(["--color", "never", "plan", "-f"])
        .arg(fleet.path());
    cmd
}

/// Plan over the 1,000-PLC fleet: in sync, with 20 ms latency, and all drifted.
fn plan_rows(cfg: &Config) -> Vec<Row> {
    let fleet = Fleet::new(NET_PLAN, 1000, 100);
    let changed = Fleet::shifted(NET_PLAN, 1000, 100, 1);
    let mut rows = Vec::new();
    for (name, extra, target, limit) in [
        (
            "plan 1,000 PLCs x 100 registers (in sync)",
            &[][..],
            "<= 0.3 s, 1 connection + 1 read per PLC, <= 100 MB",
            0.3,
        ),
        (
            "plan, every PLC answering after 20 ms (sim --latency 20)",
            &["--latency", "20"][..],
            "<= 0.5 s",
            0.5,
        ),
        (
            "plan, all 100,000 registers differ (100,000 lines rendered)",
            &[][..],
            "(no target; rendering of large plans)",
            f64::NAN,
        ),
    ] {
        let sim = Sim::start(cfg, fleet.path(), fleet.plcs, extra);
        let drifted = limit.is_nan();
        let planned = if drifted { &changed } else { &fleet };
        let (walls, rss, counters) = measure(
            cfg,
            &sim,
            || plan_command(cfg, planned),
            |r| {
                let summary = r.stdout.lines().last().unwrap_or_default();
                let expected = if drifted {
                    "Plan: 100000 to change"
                } else {
                    "No changes."
                };
                assert!(summary.starts_with(expected), "plan summary: {summary}");
                expect_code(r, 0, "fabctl plan");
            },
        );
        let mut row = Row {
            name: name.into(),
            plcs: fleet.plcs,
            registers: fleet.total(),
            walls,
            requests: counters.describe(),
            connections: Some(counters.connections),
            rss_kb: rss,
            target: target.into(),
            ..Row::default()
        };
        if !limit.is_nan() {
            let exact = counters.connections == fleet.plcs as u64
                && counters.get("read_holding_registers") == fleet.plcs as u64
                && counters.total() == fleet.plcs as u64;
            row.met = Some(row.median() <= limit && exact && rss <= 100 * 1024);
            if !exact {
                row.note = "NOT exactly one connection and one read per PLC".into();
            }
        }
        rows.push(row);
    }
    rows
}

/// Plan cost as the fleet grows in PLCs (x100 registers) and in registers (100 PLCs).
fn scaling_rows(cfg: &Config) -> Vec<Row> {
    let mut rows = Vec::new();
    let shapes: &[(usize, usize)] = &[(10, 100), (100, 100), (1000, 100), (100, 10), (100, 1000)];
    for &(plcs, registers) in shapes {
        let fleet = Fleet::new(NET_SCALING, plcs, registers);
        let sim = Sim::start(cfg, fleet.path(), plcs, &[]);
        let (walls, rss, counters) = measure(
            cfg,
            &sim,
            || plan_command(cfg, &fleet),
            |r| expect_code(r, 0, "fabctl plan"),
        );
        let mut validate = Vec::new();
        for _ in 0..cfg.runs {
            let mut cmd = cfg.fabctl();
            cmd.arg("validate").arg("-f").arg(fleet.path());
            validate.push(run(cmd).wall);
        }
        rows.push(Row {
            name: format!("scaling: plan {plcs} PLCs x {registers} registers"),
            plcs,
            registers: fleet.total(),
            walls,
            requests: counters.describe(),
            connections: Some(counters.connections),
            rss_kb: rss,
            note: format!(
                "validate alone: {} (the rest is reading, planning and rendering)",
                secs(median(&validate))
            ),
            ..Row::default()
        });
    }
    rows
}

/// `apply --auto-approve` correcting every register of 100 PLCs x 100 registers.
fn apply_rows(cfg: &Config) -> Vec<Row> {
    let live = Fleet::new(NET_APPLY, 100, 100);
    let fleet = Fleet::shifted(NET_APPLY, 100, 100, 1);
    let audit = fleet.path().join("audit.jsonl.log");
    let mut walls = Vec::new();
    let mut rss = 0;
    let mut counters = Counters::default();
    let mut verified = true;
    let mut notes = Vec::new();
    for run_index in 0..cfg.runs {
        // A fresh simulator per run, every register one off the manifests.
        let sim = Sim::start(cfg, live.path(), fleet.plcs, &[]);
        let before = sim.counters();
        let mut cmd = cfg.fabctl();
        cmd.args(["--color", "never", "apply", "--auto-approve", "--audit-log"])
            .arg(&audit)
            .arg("-f")
            .arg(fleet.path());
        let r = run(cmd);
        expect_code(&r, 0, "fabctl apply --auto-approve");
        counters = sim.counters().minus(&before);
        walls.push(r.wall);
        rss = rss.max(r.rss_kb);
        let complete = format!("Apply complete! {} changed, 0 failed.", fleet.total());
        if !r.stdout.contains(&complete) {
            verified = false;
            notes.push(format!(
                "run {run_index}: {}",
                tail(&r.stdout, 1).trim().to_owned()
            ));
        }
        if run_index == 0 {
            // Independent check: a fresh plan finds nothing left to change.
            let mut check = plan_command(cfg, &fleet);
            check.arg("--detailed-exitcode");
            let after = run(check);
            if after.code != 0 {
                verified = false;
                notes.push(format!(
                    "plan after apply: exit {} {}",
                    after.code,
                    tail(&after.stdout, 1)
                ));
            }
        }
    }
    let fc16 = counters.get("write_multiple_registers");
    let per_write = fleet.total() as f64 / fc16.max(1) as f64;
    notes.push(format!(
        "{} FC16 writes, {per_write:.0} registers each on average (the simulator refuses more than 123); every write read back; {}",
        fc16,
        if verified {
            "a fresh plan afterwards finds no changes"
        } else {
            "VERIFICATION FAILED"
        }
    ));
    let mut row = Row {
        name: "apply --auto-approve correcting 10,000 registers on 100 PLCs".into(),
        plcs: fleet.plcs,
        registers: fleet.total(),
        walls,
        requests: counters.describe(),
        connections: Some(counters.connections),
        rss_kb: rss,
        target: "<= 0.5 s, <= 123 registers per FC16, verified".into(),
        note: notes.join("; "),
        ..Row::default()
    };
    row.met = Some(row.median() <= 0.5 && verified && per_write <= 123.0);
    vec![row]
}

/// Simulator throughput: FC03 reads of 100 registers from 8 connections, each a
/// plain blocking client with one request in flight (as Modbus clients are), then the
/// same connections pipelining 16 requests each.
fn throughput_rows(cfg: &Config) -> Vec<Row> {
    let fleet = Fleet::new(NET_LOAD, 1, 100);
    let sim = Sim::start(cfg, fleet.path(), 1, &[]);
    let addr = SocketAddr::from((ip(NET_LOAD, 0), PORT));
    let seconds = if cfg.quick { 0.5 } else { 2.0 };
    let mut rows = Vec::new();
    for (depth, name) in [
        (1, "sim throughput: 8 connections, 1 request in flight each"),
        (
            16,
            "sim throughput: 8 connections, 16 pipelined requests each",
        ),
    ] {
        let mut rates = Vec::new();
        let mut counters = Counters::default();
        let mut rss = 0;
        for _ in 0..cfg.runs {
            let before = sim.counters();
            let (answered, elapsed) = load(addr, 8, depth, Duration::from_secs_f64(seconds));
            counters = sim.counters().minus(&before);
            rates.push(answered as f64 / elapsed);
            rss = rss.max(sim.rss().1);
        }
        let rate = median(&rates);
        let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rates.iter().copied().fold(0.0, f64::max);
        rows.push(Row {
            name: name.into(),
            plcs: 1,
            registers: 100,
            requests: format!(
                "{} read requests/s median [{}-{}]",
                thousands(rate as u64),
                thousands(min as u64),
                thousands(max as u64)
            ),
            connections: Some(counters.connections),
            rss_kb: rss,
            target: if depth == 1 {
                ">= 60,000 read requests/s (this row is the one the target is checked on)".into()
            } else {
                "(pipelined, for reference)".into()
            },
            met: Some(rate >= 60_000.0),
            note: format!(
                "{seconds} s per run; the load client shares the 2 cores with the simulator; sim counted {} in the last run",
                counters.describe()
            ),
            ..Row::default()
        });
    }
    rows
}

/// Sends FC03 (100 registers at 0) on `connections` connections with `depth`
/// requests in flight each, for `duration`. Returns (answers, seconds).
fn load(addr: SocketAddr, connections: usize, depth: usize, duration: Duration) -> (u64, f64) {
    let started = Instant::now();
    let deadline = started + duration;
    let threads: Vec<_> = (0..connections)
        .map(|c| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).expect("connect to the simulator");
                stream.set_nodelay(true).expect("nodelay");
                let mut answered = 0u64;
                let mut sent = 0u16;
                let mut next_expected = 0u16;
                let request = |tid: u16| {
                    let [hi, lo] = tid.to_be_bytes();
                    [hi, lo, 0, 0, 0, 6, 1, 3, 0, 0, 0, 100]
                };
                let mut batch = Vec::with_capacity(12 * depth);
                for _ in 0..depth {
                    batch.extend_from_slice(&request(sent));
                    sent = sent.wrapping_add(1);
                }
                stream.write_all(&batch).expect("send");
                let mut reply = [0u8; 9 + 200];
                let mut outstanding = depth;
                while outstanding > 0 {
                    stream.read_exact(&mut reply).expect("a reply");
                    let tid = u16::from_be_bytes([reply[0], reply[1]]);
                    assert!(
                        tid == next_expected && reply[7] == 3 && reply[8] == 200,
                        "connection {c}: bad reply {:?}",
                        &reply[..9]
                    );
                    next_expected = next_expected.wrapping_add(1);
                    answered += 1;
                    outstanding -= 1;
                    if Instant::now() < deadline {
                        stream.write_all(&request(sent)).expect("send");
                        sent = sent.wrapping_add(1);
                        outstanding += 1;
                    }
                }
                answered
            })
        })
        .collect();
    let answered = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    (answered, started.elapsed().as_secs_f64())
}

/// `fabctl sim` serving 1,000 PLCs: time to bind every listener, RSS when ready and
/// peak RSS after serving a plan of the whole fleet.
fn sim_start_rows(cfg: &Config) -> Vec<Row> {
    let fleet = Fleet::new(NET_PLAN, 1000, 100);
    let mut walls = Vec::new();
    let mut ready_rss = 0;
    let mut peak = 0;
    for _ in 0..cfg.runs {
        let sim = Sim::start(cfg, fleet.path(), fleet.plcs, &[]);
        walls.push(sim.startup);
        ready_rss = ready_rss.max(sim.rss().0);
        let r = run(plan_command(cfg, &fleet));
        expect_code(&r, 0, "fabctl plan");
        peak = peak.max(sim.rss().1);
    }
    let mut row = Row {
        name: "sim serving 1,000 PLCs: start until every listener is bound".into(),
        plcs: fleet.plcs,
        registers: fleet.total(),
        walls,
        rss_kb: peak,
        target: "starts <= 1 s, <= 150 MB RSS".into(),
        note: format!(
            "RSS when ready {:.1} MB; peak after serving a plan of the fleet {:.1} MB (the start includes loading the 1,000 manifests)",
            ready_rss as f64 / 1024.0,
            peak as f64 / 1024.0
        ),
        ..Row::default()
    };
    row.met = Some(row.median() <= 1.0 && peak <= 150 * 1024);
    vec![row]
}

/// Memory of `fabctl reconcile --schedule` per managed PLC: RSS after a few ticks
/// over 1,000 and 10,000 PLCs, minus the RSS of the same command over no PLC.
fn reconcile_rows(cfg: &Config) -> Vec<Row> {
    let registers = cfg.reconcile_registers;
    let sizes: &[usize] = if cfg.quick { &[1000] } else { &[1000, 10_000] };
    let baseline_fleet = Fleet::empty();
    let baseline = reconcile_rss(cfg, &baseline_fleet);
    let mut rows = Vec::new();
    for &plcs in sizes {
        let fleet = Fleet::new(NET_RECONCILE, plcs, registers);
        let sim = Sim::start(cfg, fleet.path(), plcs, &[]);
        let (rss, hwm, tick_ms) = reconcile_rss(cfg, &fleet);
        drop(sim);
        rows.push(memory_row(
            format!(
                "reconcile --schedule: memory per managed PLC ({plcs} PLCs x {registers} registers)"
            ),
            fleet.total(),
            plcs,
            [
                ("RSS between ticks (after 3)", (rss, hwm)),
                ("with no PLC", (baseline.0, baseline.1)),
            ],
            format!("a tick takes {tick_ms} ms"),
        ));
    }
    rows
}

/// A row of memory per managed PLC: `[(what, (RSS, peak)) measured, (what, (RSS,
/// peak)) of the baseline]` in KiB; the target is 10 KB per PLC beyond the baseline.
fn memory_row(
    name: String,
    registers: usize,
    plcs: usize,
    [(measured, (rss, peak)), (base, baseline)]: [(&str, (u64, u64)); 2],
    more: String,
) -> Row {
    let kib_per_plc = |now: u64, then: u64| now.saturating_sub(then) as f64 / plcs as f64;
    let per_plc = kib_per_plc(rss, baseline.0);
    let mb = |kib: u64| kib as f64 / 1024.0;
    Row {
        name,
        per_plc_kb: per_plc,
        plcs,
        registers,
        rss_kb: peak,
        target: "<= 10 KB per PLC beyond the baseline".into(),
        met: Some(per_plc <= 10.0),
        note: format!(
            "{measured} {:.1} MB vs {:.1} MB {base}: {per_plc:.1} KB per PLC (peak {:.1} MB, {:.1} KB per PLC); {more}",
            mb(rss),
            mb(baseline.0),
            mb(peak),
            kib_per_plc(peak, baseline.1),
        ),
        ..Row::default()
    }
}

/// Runs `reconcile --schedule` every 2 s until 3 ticks are done; returns its (VmRSS,
/// VmHWM) in KiB 300 ms after the third, and that tick's duration in ms.
#[allow(clippy::zombie_processes)] // reaped by `wait4`
fn reconcile_rss(cfg: &Config, fleet: &Fleet) -> (u64, u64, u64) {
    let audit = fleet.path().join("audit.jsonl.log");
    let mut cmd = cfg.fabctl();
    cmd.args(["-o", "json", "reconcile", "--schedule", "*/2 * * * * *"])
        .arg("--audit-log")
        .arg(&audit)
        .arg("-f")
        .arg(fleet.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn fabctl reconcile");
    let stdout = child.stdout.take().expect("reconcile stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut ticks = 0;
    let mut tick_ms = 0;
    while ticks < 3 {
        let Some(Ok(line)) = lines.next() else {
            panic!("fabctl reconcile stopped before 3 ticks");
        };
        if line.contains("\"reconcile_tick\"") {
            ticks += 1;
            assert!(
                line.contains("\"errors\":0"),
                "a reconcile tick had errors: {line}"
            );
            tick_ms = line
                .split("\"duration_ms\":")
                .nth(1)
                .and_then(|v| v.split([',', '}']).next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
        }
    }
    // Read the RSS once the tick's memory is released, well before the next tick.
    std::thread::sleep(Duration::from_millis(300));
    let rss = rss_of(child.id());
    terminate(&child);
    let _ = wait4(&child);
    (rss.0, rss.1, tick_ms)
}

/// Memory of `fabctl agent` per managed PLC: RSS once every PLC has been reconciled
/// (its status patched) over 1,000 and 10,000 IndustrialPLC objects, minus the RSS of
/// the agent watching none. The cluster is [`FakeApi`]; the PLCs are the simulator's.
fn agent_rows(cfg: &Config) -> Vec<Row> {
    let registers = cfg.reconcile_registers;
    let sizes: &[usize] = if cfg.quick { &[1000] } else { &[1000, 10_000] };
    // Each figure is the run with the median RSS of up to 3 (the baseline alone moves
    // by more than a megabyte between runs).
    let runs = cfg.runs.clamp(1, 3);
    let baseline = median_run(
        (0..runs)
            .map(|_| agent_rss(cfg, &FakeApi::start(0, registers), 0))
            .collect(),
    );
    let mut rows = Vec::new();
    for &plcs in sizes {
        let fleet = Fleet::new(NET_AGENT, plcs, registers);
        let sim = Sim::start(cfg, fleet.path(), plcs, &[]);
        let measured: Vec<AgentRun> = (0..runs)
            .map(|_| agent_rss(cfg, &FakeApi::start(plcs, registers), plcs))
            .collect();
        let fc03 = sim.counters().get("read_holding_registers");
        drop(sim);
        let all: Vec<String> = measured
            .iter()
            .map(|r| {
                format!(
                    "{:.1}",
                    r.rss.0.saturating_sub(baseline.rss.0) as f64 / plcs as f64
                )
            })
            .collect();
        let run = median_run(measured);
        let measured_at = format!(
            "RSS {} s after every PLC was first reconciled",
            AGENT_SETTLE.as_secs()
        );
        rows.push(memory_row(
            format!("agent: memory per managed PLC ({plcs} PLCs x {registers} registers)"),
            plcs * registers,
            plcs,
            [
                (measured_at.as_str(), run.rss),
                ("watching none", baseline.rss),
            ],
            format!(
                "median of {runs} runs (KB per PLC: {}); every PLC reconciled {:.1} s after start; CPU over the next {} s {:.2} s; {} FC03 read over the runs, {} status patches in that run",
                all.join(", "),
                run.round.as_secs_f64(),
                AGENT_SETTLE.as_secs(),
                run.cpu.as_secs_f64(),
                fc03,
                run.patches,
            ),
        ));
    }
    rows
}

/// Memory of `fabctl agent` per managed PLC for a fleet of identical machines
/// (1,000 and 10,000 PLCs of 100 u16 registers), written two ways: each PLC naming one
/// PLCModel of the 100 registers (defaults = the machines' values, no `values`), and
/// each PLC declaring the 100 registers itself. Same devices, same values, same
/// baseline (the agent watching nothing).
fn model_rows(cfg: &Config) -> Vec<Row> {
    const REGISTERS: usize = 100;
    let sizes: &[usize] = if cfg.quick { &[1000] } else { &[1000, 10_000] };
    let runs = cfg.runs.clamp(1, 3);
    let baseline = median_run(
        (0..runs)
            .map(|_| agent_rss(cfg, &FakeApi::start(0, REGISTERS), 0))
            .collect(),
    );
    let mut rows = Vec::new();
    for &plcs in sizes {
        let fleet = Fleet::uniform(NET_MODELS, plcs, REGISTERS);
        let sim = Sim::start(cfg, fleet.path(), plcs, &[]);
        for with_model in [true, false] {
            let measured: Vec<AgentRun> = (0..runs)
                .map(|_| agent_rss(cfg, &FakeApi::uniform(plcs, REGISTERS, with_model), plcs))
                .collect();
            let all: Vec<String> = measured
                .iter()
                .map(|r| {
                    format!(
                        "{:.1}",
                        r.rss.0.saturating_sub(baseline.rss.0) as f64 / plcs as f64
                    )
                })
                .collect();
            let run = median_run(measured);
            let how = if with_model {
                "one PLCModel of the 100 registers, each PLC `model:` only"
            } else {
                "no model, each PLC its 100 registers"
            };
            rows.push(memory_row(
                format!("agent: memory per managed PLC, {how} ({plcs} PLCs x {REGISTERS} registers)"),
                plcs * REGISTERS,
                plcs,
                [
                    ("RSS after every PLC was reconciled", run.rss),
                    ("watching none", baseline.rss),
                ],
                format!(
                    "median of {runs} runs (KB per PLC: {}); every PLC reconciled {:.1} s after start; {} status patches",
                    all.join(", "),
                    run.round.as_secs_f64(),
                    run.patches,
                ),
            ));
        }
        drop(sim);
        // The rows of this size: with the model, then without. The 10 KB target of the
        // agent rows is for 10 registers; here the model's fleet must cost less.
        let per_plc: Vec<f64> = rows[rows.len() - 2..]
            .iter()
            .map(|r| r.per_plc_kb)
            .collect();
        let n = rows.len();
        for row in &mut rows[n - 2..] {
            row.target = "model fleet < the same fleet without a model".into();
            row.met = Some(per_plc[0] < per_plc[1]);
        }
    }
    rows
}

/// The heartbeat the status-writes rows run the agent with: the default 5 min
/// compressed [`HEARTBEAT_COMPRESSION`] times (a multiple of the default 5 s poll,
/// so a heartbeat falls on a poll as it does at 5 min).
const BENCH_HEARTBEAT: Duration = Duration::from_secs(20);
const HEARTBEAT_COMPRESSION: f64 = 300.0 / 20.0;
/// How long the status-writes rows count patches, once every PLC was first written.
const WRITE_WINDOW: Duration = Duration::from_secs(60);

/// API writes of a steady fleet: status patches per PLC per hour by `fabctl agent`
/// once every PLC is in sync, over 1,000 and 10,000 PLCs polled at the default 5 s,
/// against [`FakeApi`] (which counts the patches). The heartbeat is compressed
/// (`--status-heartbeat 20s`, 15 times shorter than the default 5 min) and the
/// patches are counted over [`WRITE_WINDOW`]: patches per PLC per hour at the
/// default heartbeat are the measured ones per hour divided by 15. A steady fleet
/// writes only heartbeats, so their rate scales exactly with the heartbeat.
fn status_write_rows(cfg: &Config) -> Vec<Row> {
    let registers = cfg.reconcile_registers;
    let sizes: &[usize] = if cfg.quick { &[1000] } else { &[1000, 10_000] };
    let mut rows = Vec::new();
    for &plcs in sizes {
        let fleet = Fleet::new(NET_AGENT, plcs, registers);
        let sim = Sim::start(cfg, fleet.path(), plcs, &[]);
        let api = FakeApi::start(plcs, registers);
        let (round, patches, reads) = steady_writes(cfg, &api, &sim, plcs);
        drop(sim);
        let window = WRITE_WINDOW.as_secs_f64();
        let per_hour_measured = patches as f64 / plcs as f64 * 3600.0 / window;
        let per_hour = per_hour_measured / HEARTBEAT_COMPRESSION;
        rows.push(Row {
            name: format!(
                "agent: status writes of a steady fleet ({plcs} PLCs x {registers} registers)"
            ),
            plcs,
            registers: plcs * registers,
            requests: format!("FC03 {reads} in {} s", WRITE_WINDOW.as_secs()),
            target: "<= 12 status patches per PLC per hour (default 5 min heartbeat)".into(),
            met: Some(per_hour <= 12.0),
            note: format!(
                "{per_hour:.1} patches per PLC per hour at the default heartbeat ({:.0} per second for the fleet): {patches} patches in {} s with --status-heartbeat {} s ({per_hour_measured:.0} per PLC per hour), divided by {HEARTBEAT_COMPRESSION}; {:.1} polls per PLC in that time; every PLC first written {:.1} s after start",
                per_hour * plcs as f64 / 3600.0,
                WRITE_WINDOW.as_secs(),
                BENCH_HEARTBEAT.as_secs(),
                reads as f64 / plcs as f64,
                round.as_secs_f64(),
            ),
            ..Row::default()
        });
    }
    rows
}

/// Runs `fabctl agent --status-heartbeat 20s` against `api` until every PLC's status
/// was written once, then counts the status patches and the simulator's FC03 reads
/// over [`WRITE_WINDOW`]. Returns the time to the first round, patches, reads.
#[allow(clippy::zombie_processes)] // reaped by `wait4`
fn steady_writes(cfg: &Config, api: &FakeApi, sim: &Sim, plcs: usize) -> (Duration, usize, u64) {
    let heartbeat = format!("{}s", BENCH_HEARTBEAT.as_secs());
    let (child, round, _dir) = start_agent(cfg, api, plcs, &["--status-heartbeat", &heartbeat]);
    let (patches, reads) = (api.patches(), sim.counters());
    std::thread::sleep(WRITE_WINDOW);
    let patched = api.patches() - patches;
    let read = sim.counters().minus(&reads).get("read_holding_registers");
    terminate(&child);
    let _ = wait4(&child);
    (round, patched, read)
}

/// Starts `fabctl agent ARGS` against `api` and waits until it has patched the status
/// of `plcs` objects (for none: until it watches). Returns the child, the time that
/// took, and the directory of its kubeconfig and audit log (kept while it runs).
fn start_agent(
    cfg: &Config,
    api: &FakeApi,
    plcs: usize,
    args: &[&str],
) -> (Child, Duration, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = kubeconfig(dir.path(), &api.addr.to_string(), None);
    let mut cmd = cfg.fabctl();
    cmd.args(["-q", "agent", "--metrics-addr", "127.0.0.1:0"])
        .args(args)
        .arg("--audit-log")
        .arg(dir.path().join("audit.jsonl"))
        .env("KUBECONFIG", &kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let child = cmd.spawn().expect("spawn fabctl agent");
    let deadline = started + Duration::from_secs(120);
    while api.watches() == 0 || api.patches() < plcs {
        assert!(
            Instant::now() < deadline,
            "fabctl agent patched {} of {plcs} statuses in 120 s",
            api.patches()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, started.elapsed(), dir)
}

/// One run of the agent: (VmRSS, VmHWM) in KiB, the time until every PLC was
/// reconciled, CPU time while settling, status patches.
struct AgentRun {
    rss: (u64, u64),
    round: Duration,
    cpu: Duration,
    patches: usize,
}

fn median_run(mut runs: Vec<AgentRun>) -> AgentRun {
    runs.sort_by_key(|r| r.rss.0);
    let middle = runs.len() / 2;
    runs.swap_remove(middle)
}

/// How long the agent rows let the agent run once every PLC was reconciled: every
/// PLC has been polled a second time by then (every 5 s by default), so this is the
/// agent's running state, not the burst of its start.
const AGENT_SETTLE: Duration = Duration::from_secs(6);

/// Runs `fabctl agent` against `api` until it has patched the status of `plcs`
/// objects (for none: until it watches), lets it run [`AGENT_SETTLE`], and returns
/// its (VmRSS, VmHWM) then, the time from its start until every status was
/// patched, and the CPU time it used while settling.
#[allow(clippy::zombie_processes)] // reaped by `wait4`
fn agent_rss(cfg: &Config, api: &FakeApi, plcs: usize) -> AgentRun {
    let (child, round, _dir) = start_agent(cfg, api, plcs, &[]);
    let cpu_then = cpu_of(child.id());
    std::thread::sleep(AGENT_SETTLE);
    let rss = rss_of(child.id());
    let cpu = cpu_of(child.id()).saturating_sub(cpu_then);
    terminate(&child);
    let _ = wait4(&child);
    AgentRun {
        rss,
        round,
        cpu,
        patches: api.patches(),
    }
}

// ---------------------------------------------------------------------------------
// A stand-in Kubernetes API for the agent rows

/// What `fabctl agent` asks of a cluster, served from memory on loopback: the lists of
/// IndustrialPLCs and PLCModels, watches, status patches and events. A status patch is merged into
/// the object, answered with it, and sent to every watch as a MODIFIED event, as an
/// API server does, so the agent's cache holds every object with its status. Enough to
/// run the agent over thousands of PLCs and read its memory; the agent's API traffic
/// itself is checked by its tests (`src/agent/tests.rs`).
struct FakeApi {
    addr: SocketAddr,
    state: std::sync::Arc<ApiState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct ApiState {
    objects: std::sync::Mutex<BTreeMap<String, serde_json::Value>>,
    /// The PLCModels listed (never changed).
    models: Vec<serde_json::Value>,
    watchers: std::sync::Mutex<Vec<tokio::sync::mpsc::UnboundedSender<axum::body::Bytes>>>,
    resource_version: std::sync::atomic::AtomicUsize,
    patches: std::sync::atomic::AtomicUsize,
    watches: std::sync::atomic::AtomicUsize,
}

impl FakeApi {
    /// The objects of [`Fleet::uniform`]`(NET_MODELS, ..)`: with `with_model`, every PLC
    /// names PLCModel `machine` (listed too), whose registers' defaults are the values.
    fn uniform(plcs: usize, registers: usize, with_model: bool) -> FakeApi {
        let regs: Vec<serde_json::Value> = (0..registers)
            .map(|r| serde_json::json!({"name": format!("r{r:03}"), "address": r, "value": desired(0, r)}))
            .collect();
        let objects = (0..plcs)
            .map(|i| {
                let mut spec =
                    serde_json::json!({"deviceAddress": ip(NET_MODELS, i).to_string(), "port": PORT});
                if with_model {
                    spec["model"] = "machine".into();
                } else {
                    spec["registers"] = regs.clone().into();
                }
                plc_object(i, spec)
            })
            .collect();
        let models = if with_model {
            vec![serde_json::json!({
                "apiVersion": "fabgitops.io/v1",
                "kind": "PLCModel",
                "metadata": {"name": "machine", "namespace": "fleet", "uid": "model-uid", "resourceVersion": "1", "generation": 1},
                "spec": {"registers": regs},
            })]
        } else {
            Vec::new()
        };
        FakeApi::serve(objects, models)
    }

    /// `plcs` objects, named and addressed like [`Fleet::new`]`(NET_AGENT, ..)`.
    fn start(plcs: usize, registers: usize) -> FakeApi {
        let objects: Vec<serde_json::Value> = (0..plcs)
            .map(|i| {
                let regs: Vec<serde_json::Value> = (0..registers)
                    .map(|r| serde_json::json!({"name": format!("r{r:03}"), "address": r, "value": desired(i, r)}))
                    .collect();
                plc_object(
                    i,
                    serde_json::json!({"deviceAddress": ip(NET_AGENT, i).to_string(), "port": PORT, "registers": regs}),
                )
            })
            .collect();
        FakeApi::serve(objects, Vec::new())
    }

    fn serve(objects: Vec<serde_json::Value>, models: Vec<serde_json::Value>) -> FakeApi {
        let state = std::sync::Arc::new(ApiState {
            models,
            objects: std::sync::Mutex::new(
                objects
                    .iter()
                    .map(|o| {
                        (
                            o["metadata"]["name"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned(),
                            o.clone(),
                        )
                    })
                    .collect(),
            ),
            watchers: Default::default(),
            resource_version: std::sync::atomic::AtomicUsize::new(1),
            patches: Default::default(),
            watches: Default::default(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake API");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("fake API address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = std::sync::Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("fake API runtime");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("fake API listener");
                let app = axum::Router::new().fallback(answer).with_state(served);
                // Stop at once, open watches included: dropping the runtime then
                // frees every connection and the objects.
                tokio::select! {
                    _ = axum::serve(listener, app) => {}
                    _ = stopped => {}
                }
            });
        });
        FakeApi {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn patches(&self) -> usize {
        self.state
            .patches
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn watches(&self) -> usize {
        self.state
            .watches
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// IndustrialPLC `plc-NNNNN` of namespace `fleet` with `spec`.
fn plc_object(i: usize, spec: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "IndustrialPLC",
        "metadata": {
            "name": format!("plc-{i:05}"),
            "namespace": "fleet",
            "uid": format!("00000000-0000-0000-0000-{i:012}"),
            "resourceVersion": "1",
            "generation": 1,
        },
        "spec": spec,
    })
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // The bench's own memory must not grow with every fleet: later rows fork
        // children whose peak RSS starts as a copy of this process's.
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn answer(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<ApiState>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::http::{Method, StatusCode, header};
    use std::sync::atomic::Ordering;
    let json = |code: StatusCode, body: axum::body::Bytes| {
        axum::response::Response::builder()
            .status(code)
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(body))
            .expect("a response")
    };
    let path = uri.path();
    let query = |name: &str| {
        uri.query()
            .unwrap_or_default()
            .split('&')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_owned)
    };
    let watch = matches!(query("watch").as_deref(), Some("true" | "1"));
    match method {
        Method::GET if path == "/apis/fabgitops.io/v1/industrialplcs" && watch => {
            state.watches.fetch_add(1, Ordering::Relaxed);
            let (send, receive) = tokio::sync::mpsc::unbounded_channel();
            state
                .watchers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(send);
            let events = futures::stream::unfold(receive, |mut receive| async move {
                let event = receive.recv().await?;
                Some((Ok::<_, std::io::Error>(event), receive))
            });
            axum::response::Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from_stream(events))
                .expect("a response")
        }
        Method::GET if path == "/apis/fabgitops.io/v1/industrialplcs" => {
            // Pages of `limit` objects, as an API server serves a large list.
            let objects = state.objects.lock().unwrap_or_else(|e| e.into_inner());
            let from: usize = query("continue").and_then(|c| c.parse().ok()).unwrap_or(0);
            let limit: usize = query("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(usize::MAX);
            let items: Vec<&serde_json::Value> = objects.values().skip(from).take(limit).collect();
            let next = from + items.len();
            let mut metadata = serde_json::json!({
                "resourceVersion": state.resource_version.load(Ordering::Relaxed).to_string(),
            });
            if next < objects.len() {
                metadata["continue"] = next.to_string().into();
            }
            let list = serde_json::json!({
                "apiVersion": "fabgitops.io/v1",
                "kind": "IndustrialPLCList",
                "metadata": metadata,
                "items": items,
            });
            json(StatusCode::OK, list.to_string().into())
        }
        // The models are listed once and never change: their watch stays open, silent.
        Method::GET if path == "/apis/fabgitops.io/v1/plcmodels" && watch => {
            let events = futures::stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
            axum::response::Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from_stream(events))
                .expect("a response")
        }
        Method::GET if path == "/apis/fabgitops.io/v1/plcmodels" => {
            let list = serde_json::json!({
                "apiVersion": "fabgitops.io/v1",
                "kind": "PLCModelList",
                "metadata": {"resourceVersion": "1"},
                "items": state.models,
            });
            json(StatusCode::OK, list.to_string().into())
        }
        Method::PATCH if path.ends_with("/status") => {
            let name = path.rsplit('/').nth(1).unwrap_or_default();
            let patch: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let mut objects = state.objects.lock().unwrap_or_else(|e| e.into_inner());
            let Some(object) = objects.get_mut(name) else {
                return json(StatusCode::NOT_FOUND, not_found());
            };
            object["status"] = patch["status"].clone();
            let version = state.resource_version.fetch_add(1, Ordering::Relaxed) + 1;
            object["metadata"]["resourceVersion"] = version.to_string().into();
            let text = object.to_string();
            drop(objects);
            let event: axum::body::Bytes =
                format!("{{\"type\":\"MODIFIED\",\"object\":{text}}}\n").into();
            state
                .watchers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|w| w.send(event.clone()).is_ok());
            state.patches.fetch_add(1, Ordering::Relaxed);
            json(StatusCode::OK, text.into())
        }
        Method::POST if path.ends_with("/events") => json(StatusCode::CREATED, body),
        _ => json(StatusCode::NOT_FOUND, not_found()),
    }
}

fn not_found() -> axum::body::Bytes {
    r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}"#.into()
}

/// The open-file limit: a plan whose parallelism needs more descriptors than the hard
/// limit allows fails at once with a clear message; one that fits raises the soft
/// limit itself.
fn open_file_rows(cfg: &Config) -> Vec<Row> {
    let fleet = Fleet::new(NET_PLAN, 1000, 100);
    let sim = Sim::start(cfg, fleet.path(), fleet.plcs, &[]);
    let mut rows = Vec::new();
    for (soft, hard, expect_ok) in [(256u64, 4096u64, true), (256, 512, false)] {
        let mut cmd = plan_command(cfg, &fleet);
        cmd.args(["--parallelism", "1000"]);
        set_nofile(&mut cmd, soft, hard);
        let before = sim.counters();
        let r = run(cmd);
        let counters = sim.counters().minus(&before);
        let ok = if expect_ok {
            r.code == 0
        } else {
            r.code == 1 && counters.total() == 0 && r.stderr.contains("open files")
        };
        rows.push(Row {
            name: format!("open files: plan --parallelism 1000 with ulimit -Sn {soft} -Hn {hard}"),
            plcs: fleet.plcs,
            registers: fleet.total(),
            walls: vec![r.wall],
            requests: counters.describe(),
            connections: Some(counters.connections),
            rss_kb: r.rss_kb,
            target: if expect_ok {
                "raises the soft limit and succeeds".into()
            } else {
                "fails at once with a clear message, no traffic".into()
            },
            met: Some(ok),
            note: tail(&r.stderr, 2).replace('\n', " / "),
            ..Row::default()
        });
    }
    rows
}

fn set_nofile(cmd: &mut Command, soft: u64, hard: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; it only lowers limits of the child.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}
