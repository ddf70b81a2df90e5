//! Command-line interface: every flag with its help text beside it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

mod help;

/// Terraform for PLC registers: declare Modbus register values in YAML, plan, apply.
#[derive(Parser, Debug)]
#[command(name = "fabctl", version, about, long_about = None, propagate_version = true,
          after_long_help = help::ROOT)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses `args` (the program name first). A long flag written with one dash
    /// (`-detailed-exitcode`), which clap reads as a run of short flags, gets the tip
    /// clap gives other misspelt flags: "a similar argument exists: '--detailed-exitcode'".
    pub fn parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        Cli::try_parse_from(&args).map_err(|mut error| {
            if error.kind() == ErrorKind::UnknownArgument
                && let Some((written, long)) = one_dash_long_flag(&args)
            {
                error.insert(ContextKind::InvalidArg, ContextValue::String(written));
                error.insert(ContextKind::SuggestedArg, ContextValue::String(long));
            }
            error
        })
    }
}

/// The first argument that is a long flag of any command written with one dash, and
/// that flag with two (`-junit=a.xml` gives `-junit` and `--junit`).
fn one_dash_long_flag(args: &[OsString]) -> Option<(String, String)> {
    fn longs(cmd: &clap::Command, out: &mut Vec<String>) {
        out.extend(
            cmd.get_arguments()
                .filter_map(|a| a.get_long())
                .map(str::to_owned),
        );
        for sub in cmd.get_subcommands() {
            longs(sub, out);
        }
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut known = Vec::new();
    longs(&cmd, &mut known);
    args.iter()
        .skip(1)
        .map_while(|a| a.to_str().filter(|a| *a != "--"))
        .find_map(|arg| {
            let name = arg.strip_prefix('-').filter(|n| !n.starts_with('-'))?;
            let name = name.split('=').next().unwrap_or(name);
            (name.len() > 1 && known.iter().any(|k| k == name))
                .then(|| (format!("-{name}"), format!("--{name}")))
        })
}

/// Flags every command accepts.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Manifest file or directory (recursive, *.yaml/*.yml); repeatable [default: manifests/]
    #[arg(short = 'f', long = "filename", value_name = "PATH", global = true)]
    pub filename: Vec<PathBuf>,
    /// When to color output and log lines: auto = on a terminal, NO_COLOR unset, TERM not dumb
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Output format of results on stdout
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Human, global = true)]
    pub output: OutputFormat,
    /// More detail: -v lists in-sync registers and logs info, -vv logs debug (with the libraries' lines)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

impl GlobalArgs {
    /// The manifest paths to load: `-f` values, or `manifests/` when it exists.
    pub fn manifest_paths(&self) -> Vec<PathBuf> {
        if !self.filename.is_empty() {
            return self.filename.clone();
        }
        let default = Path::new("manifests");
        if default.is_dir() {
            vec![default.to_path_buf()]
        } else {
            Vec::new()
        }
    }
}

/// `--color`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `-o/--output`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Terraform-like text
    Human,
    /// One JSON object per line: events with a "type"; get and describe: the resources
    Json,
    /// YAML (get, describe and watch only)
    Yaml,
}

/// Options of `fabctl schema`.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// The kind whose documents the schema describes
    #[arg(long, value_enum, default_value = "industrialplc")]
    pub kind: SchemaKind,
}

/// The kinds `fabctl schema` describes.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaKind {
    /// A PLC (kind IndustrialPLC)
    Industrialplc,
    /// A fleet template (kind PLCModel)
    Plcmodel,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check manifests offline (exit 0 valid, 1 invalid)
    #[command(after_long_help = help::VALIDATE)]
    Validate,
    /// Print the IndustrialPLC and PLCModel CustomResourceDefinitions (YAML)
    #[command(after_long_help = help::CRD)]
    Crd,
    /// Print the JSON Schema of an IndustrialPLC (or PLCModel) manifest document
    #[command(after_long_help = help::SCHEMA)]
    Schema(SchemaArgs),
    /// Read live registers and show what differs from the manifests
    #[command(after_long_help = help::PLAN)]
    Plan(PlanArgs),
    /// Plan, ask for approval, write the corrections and verify each by reading it back
    #[command(after_long_help = help::APPLY)]
    Apply(ApplyArgs),
    /// Render a saved plan file
    #[command(after_long_help = help::SHOW)]
    Show(ShowArgs),
    /// Make an Ed25519 key pair for signing plans: KEY (secret, 0600) and KEY.pub
    #[command(after_long_help = help::KEYGEN)]
    Keygen(KeygenArgs),
    /// Show a saved plan and sign it: one more approval for `apply --verify-key`
    #[command(after_long_help = help::APPROVE)]
    Approve(ApproveArgs),
    /// Who changed what, from the audit log: its runs, or one PLC's or register's changes
    #[command(after_long_help = help::HISTORY)]
    History(HistoryArgs),
    /// Enforce the manifests once (--once, for CronJobs) or on a cron schedule
    #[command(after_long_help = help::RECONCILE)]
    Reconcile(ReconcileArgs),
    /// Kubernetes controller: watch IndustrialPLC resources, enforce them, write .status
    #[command(after_long_help = help::AGENT)]
    Agent(AgentArgs),
    /// Run the whole story on an in-process simulated plant, no setup needed
    #[command(after_long_help = help::DEMO)]
    Demo(DemoArgs),
    /// Serve simulated PLCs over Modbus TCP
    #[command(after_long_help = help::SIM)]
    Sim(crate::sim::SimArgs),
    /// Print version information
    #[command(after_long_help = help::VERSION)]
    Version,
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    #[command(after_long_help = help::COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Read a running PLC and write a manifest with its live values as desired values
    #[command(after_long_help = help::IMPORT)]
    Import(ImportArgs),
    /// List IndustrialPLC resources in the cluster with their status
    #[command(visible_aliases = ["get-status", "list"], after_long_help = help::GET)]
    Get(GetArgs),
    /// Show one IndustrialPLC in the cluster: spec, status, registers, conditions
    #[command(after_long_help = help::DESCRIBE)]
    Describe(DescribeArgs),
    /// Refresh the `get` table until Ctrl-C
    #[command(after_long_help = help::WATCH)]
    Watch(WatchArgs),
    /// Ask the agent to reconcile an IndustrialPLC now (annotates the resource)
    #[command(after_long_help = help::SYNC)]
    Sync(SyncArgs),
}

impl Command {
    /// Whether `-o yaml` means something to this command.
    pub fn supports_yaml(&self) -> bool {
        matches!(
            self,
            Command::Get(_) | Command::Describe(_) | Command::Watch(_)
        )
    }

    /// Servers and schedulers log at info by default: what they do is the output.
    pub fn is_long_running(&self) -> bool {
        matches!(self, Command::Sim(_) | Command::Agent(_))
            || matches!(self, Command::Reconcile(r) if !r.once)
    }
}

/// Flags shared by commands that talk to devices.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Only these PLCs or registers: NAME, NAMESPACE/NAME, NAME/REGISTER or NAMESPACE/NAME/REGISTER; repeatable
    #[arg(long, value_name = "NAME[/REGISTER]")]
    pub target: Vec<String>,
    /// Endpoints (host:port) talked to at once
    #[arg(long, value_name = "N", default_value_t = crate::engine::observe::DEFAULT_FLEET_PARALLELISM as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub parallelism: u32,
    #[command(flatten)]
    pub access: DeviceAccessArgs,
}

/// How the commands that talk to devices guard that access on this host.
#[derive(Args, Debug, Clone)]
pub struct DeviceAccessArgs {
    /// Directory of the per-device write locks, yours only (created 0700)
    /// [default: $XDG_RUNTIME_DIR/fabctl, else $TMPDIR/fabctl-<uid>]
    #[arg(long, value_name = "DIR", env = "FABCTL_LOCK_DIR")]
    pub lock_dir: Option<PathBuf>,
    /// Connect only to devices in these networks, e.g. 10.0.0.0/16,192.168.7.0/24; a PLC outside is a device error [default: any]
    #[arg(
        long,
        value_name = "CIDR,...",
        env = "FABCTL_ALLOW_DEVICES",
        value_delimiter = ','
    )]
    pub allow_devices: Vec<crate::device::allow::Network>,
}

/// `fabctl plan`.
#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// Save the plan to FILE; `fabctl apply FILE` then writes exactly it, without a prompt
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when nothing differs, 2 when something differs, 1 on any error
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan changes even outside the PLCs' writeWindows
    #[arg(long)]
    pub ignore_windows: bool,
    /// Also write a JUnit XML report to FILE: a test suite per PLC, a test case per register
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Sign the saved plan (--out) with this secret key (see `fabctl keygen`)
    #[arg(long, value_name = "KEY", env = "FABCTL_SIGN_KEY")]
    pub sign_key: Option<PathBuf>,
    /// Plan putting back what run RUN_ID of the audit log changed (see `fabctl history`)
    #[arg(long, value_name = "RUN_ID")]
    pub revert: Option<String>,
    /// The audit log --revert reads [default: $XDG_STATE_HOME/fabctl/audit.jsonl]
    #[arg(long, value_name = "FILE", env = "FABCTL_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `fabctl apply`.
#[derive(Args, Debug, Clone)]
pub struct ApplyArgs {
    /// A plan saved by `fabctl plan --out`; it is the approval, no prompt is shown
    #[arg(value_name = "PLANFILE")]
    pub planfile: Option<PathBuf>,
    /// Write without asking (CronJobs, scripts)
    #[arg(long)]
    pub auto_approve: bool,
    /// Write even outside the PLCs' writeWindows (a person takes responsibility)
    #[arg(long)]
    pub ignore_windows: bool,
    /// Refuse to write anything if the plan would change more than N registers
    #[arg(long, value_name = "N")]
    pub max_changes: Option<usize>,
    /// Trusted public key (KEY.pub); repeatable, or comma-separated in the variable. A
    /// saved plan must then carry signatures of --require-approvals distinct trusted keys
    #[arg(
        long = "verify-key",
        value_name = "PUB",
        env = "FABCTL_VERIFY_KEYS",
        value_delimiter = ','
    )]
    pub verify_key: Vec<PathBuf>,
    /// How many distinct trusted keys must have signed the saved plan [default: 1]
    #[arg(long, value_name = "N", env = "FABCTL_REQUIRE_APPROVALS", requires = "verify_key",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub require_approvals: Option<u32>,
    /// Append one JSON line per register write here ("-" for stderr)
    /// [default: $XDG_STATE_HOME/fabctl/audit.jsonl]
    #[arg(long, value_name = "FILE", env = "FABCTL_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `fabctl reconcile`.
#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("when").required(true).args(["schedule", "once"])))]
pub struct ReconcileArgs {
    /// Cron schedule: 5 fields (minute hour dom month dow) or 6 with seconds first, UTC
    #[arg(long, value_name = "CRON")]
    pub schedule: Option<String>,
    /// One tick, then exit with apply's exit codes (what the CronJob runs)
    #[arg(long)]
    pub once: bool,
    /// Serve /metrics and /healthz here (e.g. 127.0.0.1:9090; 0.0.0.0:9090 in a pod)
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Append one JSON line per register write here ("-" for stderr)
    #[arg(long, value_name = "FILE", env = "FABCTL_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    /// Stop writing a register corrected in N consecutive ticks: another writer owns it (0: never stop; --schedule only)
    #[arg(long, value_name = "N", default_value_t = crate::engine::conflict::DEFAULT_AFTER)]
    pub conflict_after: u32,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Where the cluster commands look, and how long they wait.
#[derive(Args, Debug, Clone)]
pub struct ClusterArgs {
    /// Namespace [default: the kubeconfig context's, or the pod's]
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Give up on a Kubernetes API request after SECS seconds
    #[arg(long, value_name = "SECS", default_value_t = crate::cluster::DEFAULT_REQUEST_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
}

/// `fabctl get` (alias `get-status`, `list`).
#[derive(Args, Debug, Clone)]
pub struct GetArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Every namespace (adds a NAMESPACE column)
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Only resources whose labels match, e.g. line=assembly-1,environment!=test
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
}

/// `fabctl describe`.
#[derive(Args, Debug, Clone)]
pub struct DescribeArgs {
    /// Name of the IndustrialPLC
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `fabctl watch`.
#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    #[command(flatten)]
    pub get: GetArgs,
    /// Seconds between refreshes
    #[arg(long, value_name = "SECS", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub interval: u64,
}

/// `fabctl sync`.
#[derive(Args, Debug, Clone)]
pub struct SyncArgs {
    /// Name of the IndustrialPLC
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Request again even if a request the agent has not handled yet is pending
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `fabctl agent`.
#[derive(Args, Debug, Clone)]
pub struct AgentArgs {
    /// Watch only this namespace [default: every namespace]
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Watch every namespace (the default; needs a ClusterRole)
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Only resources whose labels match, e.g. shard=a: run one agent per shard of a large fleet
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Serve /metrics and /healthz here (127.0.0.1:9090 to keep them local)
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:9090")]
    pub metrics_addr: std::net::SocketAddr,
    /// Append one JSON line per register write here [default: "-", standard error]
    #[arg(long, value_name = "FILE", env = "FABCTL_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    /// PLCs reconciled at once (PLCs behind one endpoint always take turns)
    #[arg(long, value_name = "N", default_value_t = crate::engine::observe::DEFAULT_PARALLELISM as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Stop writing a register corrected in N consecutive reconciles: another writer owns it (0: never stop)
    #[arg(long, value_name = "N", default_value_t = crate::engine::conflict::DEFAULT_AFTER)]
    pub conflict_after: u32,
    /// Write an unchanged .status again after this long (a changed one is written at once; 0: every poll)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::schedule::duration::parse_duration)]
    pub status_heartbeat: std::time::Duration,
    /// Run several replicas: only the holder of a Lease writes to devices and status, the others stand by
    #[arg(long)]
    pub leader_elect: bool,
    /// Name of the Lease [default: fabctl-agent, plus the namespace and selector watched]
    #[arg(long, value_name = "NAME", requires = "leader_elect")]
    pub lease_name: Option<String>,
    /// Namespace of the Lease [default: the agent's own]
    #[arg(long, value_name = "NAMESPACE", requires = "leader_elect")]
    pub lease_namespace: Option<String>,
    /// How long a standby waits for a leader that stopped renewing; the leader stops writing after two thirds of it
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = lease_duration, requires = "leader_elect")]
    pub lease_duration: std::time::Duration,
    #[command(flatten)]
    pub access: DeviceAccessArgs,
}

/// `--lease-duration`: a duration of at least one second (the Lease counts seconds).
fn lease_duration(text: &str) -> Result<std::time::Duration, String> {
    let d = crate::schedule::duration::parse_duration(text)?;
    if d < std::time::Duration::from_secs(1) {
        return Err(format!("{text:?} is too short: a Lease lasts at least 1s"));
    }
    Ok(d)
}

/// `fabctl show`.
#[derive(Args, Debug, Clone)]
pub struct ShowArgs {
    /// A plan saved by `fabctl plan --out`
    #[arg(value_name = "PLANFILE")]
    pub planfile: PathBuf,
}

/// `fabctl keygen`.
#[derive(Args, Debug, Clone)]
pub struct KeygenArgs {
    /// Where to write the secret key; the public key goes to KEY.pub. Neither may exist
    #[arg(value_name = "KEY")]
    pub key: PathBuf,
}

/// `fabctl approve`.
#[derive(Args, Debug, Clone)]
pub struct ApproveArgs {
    /// A plan saved by `fabctl plan --out`
    #[arg(value_name = "PLANFILE")]
    pub planfile: PathBuf,
    /// The approver's secret key (see `fabctl keygen`)
    #[arg(long, value_name = "KEY", env = "FABCTL_SIGN_KEY")]
    pub sign_key: PathBuf,
}

/// `fabctl history`.
#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    /// Only this PLC (NAME or NAMESPACE/NAME) or register (PLC/REGISTER): its changes
    #[arg(value_name = "PLC[/REGISTER]")]
    pub target: Option<String>,
    /// The audit log to read [default: $XDG_STATE_HOME/fabctl/audit.jsonl]
    #[arg(long, value_name = "FILE", env = "FABCTL_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
}

/// `fabctl import`.
#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// The device: HOST:PORT, or HOST for the transport's default port (502, tls 802); for tcp, rtu-over-tcp and tls
    #[arg(long, value_name = "HOST:PORT")]
    pub device: Option<String>,
    /// How the device is reached: tcp (Modbus TCP), rtu-over-tcp (a serial gateway in transparent mode), tls (Modbus/TCP Security) or rtu (a serial line, --serial-device)
    #[arg(long, value_name = "TRANSPORT", default_value = "tcp", value_parser = ["tcp", "rtu-over-tcp", "tls", "rtu"])]
    pub transport: String,
    /// With --transport tls: the CA certificate(s) the device's certificate must chain to (PEM)
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// With --transport tls: fabctl's client certificate (PEM)
    #[arg(long, value_name = "FILE")]
    pub cert_file: Option<PathBuf>,
    /// With --transport tls: the private key of --cert-file (PEM)
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// With --transport tls: the name the device's certificate must carry [default: HOST]
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// The serial line of --transport rtu, e.g. /dev/ttyUSB0
    #[arg(long, value_name = "PATH", conflicts_with = "device")]
    pub serial_device: Option<PathBuf>,
    /// Baud rate of the serial line
    #[arg(long, value_name = "BAUD", default_value_t = 19200)]
    pub baud_rate: u32,
    /// Parity of the serial line: none, even or odd
    #[arg(long, value_name = "PARITY", default_value = "even")]
    pub parity: String,
    /// Data bits of the serial line: 7 or 8
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub data_bits: u8,
    /// Stop bits of the serial line: 1 or 2
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub stop_bits: u8,
    /// Modbus unit id
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub unit: u8,
    /// Import a PLC of this PLCModel (from the manifests, in --namespace): the model's
    /// registers are read and the PLC gets a value for each
    #[arg(long, value_name = "NAME", conflicts_with_all = ["holding", "input", "coils", "discrete"])]
    pub model: Option<String>,
    /// Holding register ranges, e.g. 4000-4099,4200 (zero-based protocol addresses)
    #[arg(long, value_name = "RANGES")]
    pub holding: Option<String>,
    /// Input register ranges (imported as observe-only assertions)
    #[arg(long, value_name = "RANGES")]
    pub input: Option<String>,
    /// Coil ranges
    #[arg(long, value_name = "RANGES")]
    pub coils: Option<String>,
    /// Discrete input ranges (imported as observe-only assertions)
    #[arg(long, value_name = "RANGES")]
    pub discrete: Option<String>,
    /// Type of the holding and input registers (multi-word types take consecutive registers)
    #[arg(long = "type", value_name = "TYPE", default_value = "u16")]
    pub value_type: String,
    /// With --type string: the registers each string occupies (two characters each)
    #[arg(long, value_name = "N")]
    pub length: Option<u16>,
    /// Word order of multi-word types: big or little
    #[arg(long, value_name = "ORDER", default_value = "big")]
    pub word_order: String,
    /// Byte and word order as device manuals name it: ABCD (default), CDAB (words
    /// swapped), BADC (bytes swapped), DCBA (both)
    #[arg(
        long,
        value_name = "ABCD|CDAB|BADC|DCBA",
        conflicts_with = "word_order"
    )]
    pub order: Option<String>,
    /// metadata.name of the manifest [default: derived from the device]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// metadata.namespace of the manifest
    #[arg(long, value_name = "NS", default_value = "default")]
    pub namespace: String,
    /// Request timeout in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub timeout_ms: u32,
    /// Write the manifest here instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Import writable registers as `mode: enforce` [default: every register is `mode: observe`]
    #[arg(long)]
    pub enforce: bool,
    /// Read at most N registers per request (the device's limit) [default: 125, halved
    /// while the device answers IllegalDataValue]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=125))]
    pub max_read_registers: Option<u16>,
    /// Read at most N coils or discrete inputs per request [default: 2000, halved likewise]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=2000))]
    pub max_read_bits: Option<u16>,
    /// Undeclared registers one read may span; 0 reads only the ranges given [default: 8]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(0..=125))]
    pub max_gap: Option<u16>,
}

/// `fabctl completions`.
#[derive(Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// The shell to print the script for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `fabctl demo`.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Seed of the simulated drift (same seed, same story)
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_flag_with_one_dash_gets_the_two_dash_tip() {
        let error = Cli::parse_args(["fabctl", "plan", "-detailed-exitcode"]).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("unexpected argument '-detailed-exitcode' found"),
            "{text}"
        );
        assert!(
            text.contains("a similar argument exists: '--detailed-exitcode'"),
            "{text}"
        );
        let error = Cli::parse_args(["fabctl", "plan", "-junit=r.xml"]).unwrap_err();
        assert!(error.to_string().contains("'--junit'"), "{error}");
        // Short flags run together are still short flags.
        assert!(Cli::parse_args(["fabctl", "-vq", "validate"]).is_err());
        assert!(Cli::parse_args(["fabctl", "-vv", "validate"]).is_ok());
        let error = Cli::parse_args(["fabctl", "plan", "-x"]).unwrap_err();
        assert!(!error.to_string().contains("similar"), "{error}");
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn filename_is_repeatable_and_global() {
        let cli = Cli::try_parse_from(["fabctl", "validate", "-f", "a.yaml", "-f", "dir"]).unwrap();
        assert_eq!(
            cli.global.filename,
            [PathBuf::from("a.yaml"), PathBuf::from("dir")]
        );
    }

    #[test]
    fn output_and_color_parse() {
        let cli =
            Cli::try_parse_from(["fabctl", "-o", "json", "--color", "never", "validate"]).unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert_eq!(cli.global.color, ColorChoice::Never);
    }

    #[test]
    fn plan_flags_parse() {
        let cli = Cli::try_parse_from([
            "fabctl",
            "plan",
            "--out",
            "p.json",
            "--detailed-exitcode",
            "--target",
            "press-1",
            "--target",
            "oven-1/recipe",
            "--parallelism",
            "8",
        ])
        .unwrap();
        let Command::Plan(args) = cli.command else {
            panic!("plan expected")
        };
        assert_eq!(args.out, Some(PathBuf::from("p.json")));
        assert!(args.detailed_exitcode);
        assert_eq!(args.run.target, ["press-1", "oven-1/recipe"]);
        assert_eq!(args.run.parallelism, 8);
    }

    #[test]
    fn parallelism_defaults_to_fleet_size_and_rejects_zero() {
        let cli = Cli::try_parse_from(["fabctl", "plan"]).unwrap();
        let Command::Plan(args) = cli.command else {
            panic!("plan expected")
        };
        assert_eq!(args.run.parallelism, 512);
        assert!(Cli::try_parse_from(["fabctl", "plan", "--parallelism", "0"]).is_err());
    }

    #[test]
    fn apply_takes_an_optional_plan_file() {
        let cli = Cli::try_parse_from(["fabctl", "apply", "saved.json", "--auto-approve"]).unwrap();
        let Command::Apply(args) = cli.command else {
            panic!("apply expected")
        };
        assert_eq!(args.planfile, Some(PathBuf::from("saved.json")));
        assert!(args.auto_approve);
    }

    #[test]
    fn signing_flags_parse() {
        let cli = Cli::try_parse_from([
            "fabctl",
            "apply",
            "p.json",
            "--verify-key",
            "a.pub",
            "--verify-key",
            "b.pub",
            "--require-approvals",
            "2",
        ])
        .unwrap();
        let Command::Apply(args) = cli.command else {
            panic!("apply expected")
        };
        assert_eq!(
            args.verify_key,
            [PathBuf::from("a.pub"), PathBuf::from("b.pub")]
        );
        assert_eq!(args.require_approvals, Some(2));
        assert!(Cli::try_parse_from(["fabctl", "apply", "--require-approvals", "0"]).is_err());
        let cli = Cli::try_parse_from(["fabctl", "approve", "p.json", "--sign-key", "k"]).unwrap();
        assert!(matches!(cli.command, Command::Approve(a) if a.sign_key == Path::new("k")));
        let cli = Cli::try_parse_from(["fabctl", "keygen", "k"]).unwrap();
        assert!(matches!(cli.command, Command::Keygen(a) if a.key == Path::new("k")));
    }

    #[test]
    fn get_has_the_original_operators_names_and_kubectl_flags() {
        for name in ["get", "get-status", "list"] {
            let cli = Cli::try_parse_from(["fabctl", name, "-A", "-l", "line=a"]).unwrap();
            let Command::Get(args) = cli.command else {
                panic!("{name} is get")
            };
            assert!(args.all_namespaces);
            assert_eq!(args.selector.as_deref(), Some("line=a"));
            assert_eq!(args.cluster.request_timeout, 10);
        }
        assert!(Cli::try_parse_from(["fabctl", "get", "-A", "-n", "x"]).is_err());
    }

    #[test]
    fn yaml_output_parses_and_only_cluster_views_take_it() {
        let cli = Cli::try_parse_from(["fabctl", "describe", "press-1", "-o", "yaml"]).unwrap();
        assert_eq!(cli.global.output, OutputFormat::Yaml);
        assert!(cli.command.supports_yaml());
        let cli = Cli::try_parse_from(["fabctl", "-o", "yaml", "plan"]).unwrap();
        assert!(!cli.command.supports_yaml());
    }

    #[test]
    fn watch_and_sync_flags_parse() {
        let cli =
            Cli::try_parse_from(["fabctl", "watch", "-n", "plant-a", "--interval", "5"]).unwrap();
        let Command::Watch(args) = cli.command else {
            panic!("watch expected")
        };
        assert_eq!(args.interval, 5);
        assert_eq!(args.get.cluster.namespace.as_deref(), Some("plant-a"));
        assert!(Cli::try_parse_from(["fabctl", "watch", "--interval", "0"]).is_err());
        let cli = Cli::try_parse_from(["fabctl", "sync", "press-1", "--force"]).unwrap();
        let Command::Sync(args) = cli.command else {
            panic!("sync expected")
        };
        assert_eq!(args.name, "press-1");
        assert!(args.force);
    }

    #[test]
    fn agent_flags_parse_with_pod_friendly_defaults() {
        let cli = Cli::try_parse_from(["fabctl", "agent"]).unwrap();
        let Command::Agent(args) = cli.command else {
            panic!("agent expected")
        };
        assert_eq!((args.namespace, args.all_namespaces), (None, false));
        assert_eq!(args.metrics_addr.to_string(), "0.0.0.0:9090");
        assert_eq!(args.parallelism, 128);
        assert_eq!(args.status_heartbeat, std::time::Duration::from_secs(300));
        let cli = Cli::try_parse_from([
            "fabctl",
            "agent",
            "-n",
            "plant-a",
            "-l",
            "shard=a",
            "--metrics-addr",
            "127.0.0.1:0",
            "--audit-log",
            "-",
            "--parallelism",
            "4",
            "--status-heartbeat",
            "30s",
        ])
        .unwrap();
        let Command::Agent(args) = cli.command else {
            panic!("agent expected")
        };
        assert_eq!(args.namespace.as_deref(), Some("plant-a"));
        assert_eq!(args.selector.as_deref(), Some("shard=a"));
        assert_eq!(args.audit_log, Some(PathBuf::from("-")));
        assert_eq!(args.parallelism, 4);
        assert_eq!(args.status_heartbeat, std::time::Duration::from_secs(30));
        assert!(Cli::try_parse_from(["fabctl", "agent", "-A", "-n", "x"]).is_err());
        assert!(Cli::try_parse_from(["fabctl", "agent", "--parallelism", "0"]).is_err());
    }

    #[test]
    fn leader_election_is_off_by_default_and_its_flags_need_it() {
        let agent = |extra: &[&str]| {
            let cli = Cli::try_parse_from(["fabctl", "agent"].iter().chain(extra))?;
            let Command::Agent(args) = cli.command else {
                panic!("agent expected")
            };
            Ok::<_, clap::Error>(args)
        };
        let args = agent(&[]).unwrap();
        assert!(!args.leader_elect);
        assert_eq!(args.lease_duration, std::time::Duration::from_secs(15));
        let args = agent(&[
            "--leader-elect",
            "--lease-name",
            "shard-a",
            "--lease-namespace",
            "fabctl-system",
            "--lease-duration",
            "30s",
        ])
        .unwrap();
        assert!(args.leader_elect);
        assert_eq!(args.lease_name.as_deref(), Some("shard-a"));
        assert_eq!(args.lease_namespace.as_deref(), Some("fabctl-system"));
        assert_eq!(args.lease_duration, std::time::Duration::from_secs(30));
        assert!(
            agent(&["--lease-name", "x"]).is_err(),
            "needs --leader-elect"
        );
        let short = agent(&["--leader-elect", "--lease-duration", "500ms"]).unwrap_err();
        assert!(short.to_string().contains("at least 1s"), "{short}");
    }

    #[test]
    fn conflict_after_defaults_to_three_on_reconcile_and_agent() {
        for command in ["agent", "reconcile"] {
            let conflict_after = |extra: &[&str]| {
                let mut argv = vec!["fabctl", command];
                if command == "reconcile" {
                    argv.push("--once");
                }
                argv.extend_from_slice(extra);
                match Cli::try_parse_from(argv).unwrap().command {
                    Command::Agent(a) => a.conflict_after,
                    Command::Reconcile(r) => r.conflict_after,
                    _ => panic!("{command} expected"),
                }
            };
            assert_eq!(conflict_after(&[]), 3, "{command}");
            assert_eq!(conflict_after(&["--conflict-after", "0"]), 0, "{command}");
            assert_eq!(conflict_after(&["--conflict-after", "5"]), 5, "{command}");
        }
        assert!(Cli::try_parse_from(["fabctl", "agent", "--conflict-after", "-1"]).is_err());
    }

    #[test]
    fn device_access_flags_parse_on_every_command_that_talks_to_devices() {
        for command in ["plan", "apply", "agent"] {
            let cli = Cli::try_parse_from([
                "fabctl",
                command,
                "--allow-devices",
                "10.0.0.0/16,192.168.7.0/24",
                "--allow-devices",
                "10.9.0.5",
                "--lock-dir",
                "/run/fabctl/locks",
            ])
            .unwrap();
            let access = match cli.command {
                Command::Plan(a) => a.run.access,
                Command::Apply(a) => a.run.access,
                Command::Agent(a) => a.access,
                _ => panic!("{command} expected"),
            };
            let allowed: Vec<String> = access.allow_devices.iter().map(|n| n.to_string()).collect();
            assert_eq!(
                allowed,
                ["10.0.0.0/16", "192.168.7.0/24", "10.9.0.5/32"],
                "{command}"
            );
            assert_eq!(access.lock_dir, Some(PathBuf::from("/run/fabctl/locks")));
        }
        assert!(
            Cli::try_parse_from(["fabctl", "agent", "--allow-devices", "10.0.0.5/16"]).is_err()
        );
        let Command::Agent(args) = Cli::try_parse_from(["fabctl", "agent"]).unwrap().command else {
            panic!("agent expected")
        };
        assert!(
            args.access.allow_devices.is_empty(),
            "no allowlist by default"
        );
    }

    #[test]
    fn plan_writes_junit_on_request_only() {
        let cli = Cli::try_parse_from(["fabctl", "plan", "--junit", "report.xml"]).unwrap();
        let Command::Plan(args) = cli.command else {
            panic!("plan expected")
        };
        assert_eq!(args.junit, Some(PathBuf::from("report.xml")));
        let Command::Plan(args) = Cli::try_parse_from(["fabctl", "plan"]).unwrap().command else {
            panic!("plan expected")
        };
        assert_eq!(args.junit, None);
    }

    #[test]
    fn completions_know_five_shells() {
        for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
            let cli = Cli::try_parse_from(["fabctl", "completions", shell]).unwrap();
            assert!(matches!(cli.command, Command::Completions(_)), "{shell}");
        }
        assert!(Cli::try_parse_from(["fabctl", "completions", "tcsh"]).is_err());
        assert!(Cli::try_parse_from(["fabctl", "completions"]).is_err());
    }

    #[test]
    fn verbose_and_quiet_conflict() {
        assert!(Cli::try_parse_from(["fabctl", "-v", "-q", "validate"]).is_err());
    }
}
