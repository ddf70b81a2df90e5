//! `fabctl sim`: its flags ([`SimArgs`], each with its help text) and [`run`], which
//! builds a [`SimConfig`] from them, serves until Ctrl-C or SIGTERM, and exits cleanly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tls::SimTls;
use super::{SimConfig, SimError, Simulator};
use crate::manifest;

/// Flags of `fabctl sim`.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct SimArgs {
    /// Manifest file or directory to simulate, one PLC per IndustrialPLC; repeatable
    /// [default: manifests/]
    #[arg(long = "from", value_name = "PATH", conflicts_with = "config")]
    pub from: Vec<PathBuf>,
    /// Scenario file (devices, unit ids, registers, faults), e.g. sim/gateway.yaml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to bind manifest PLCs whose deviceAddress is not a loopback IP
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// Start every writable register off its desired value (one drift each)
    #[arg(long)]
    pub drift: bool,
    /// Drift random writable registers every --chaos-interval
    #[arg(long)]
    pub chaos: bool,
    /// Time between chaos steps, e.g. 10s, 500ms, 2m
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::schedule::duration::parse_duration)]
    pub chaos_interval: Duration,
    /// Largest drift of a value per step, in engineering units
    #[arg(long, value_name = "AMOUNT", default_value_t = super::config::DEFAULT_MAX_DRIFT)]
    pub max_drift: f64,
    /// Seed for chaos and faults (same seed, same sequence) [default: random, logged]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Delay every reply by this many milliseconds
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency: u64,
    /// Probability of closing the connection instead of replying
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    pub drop_rate: f64,
    /// Probability of replying ServerDeviceBusy or ServerDeviceFailure
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    pub exception_rate: f64,
    /// Probability of a malformed reply (wrong transaction id or random bytes)
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    pub garbage_rate: f64,
    /// Perform every write at once but reply this many milliseconds late
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub write_latency: u64,
    /// Answer every write for the address N higher than the one written (a wrong echo)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub write_echo_offset: u16,
    /// Answer every write Acknowledge (0x05) and perform it this many milliseconds later
    #[arg(long, value_name = "MS")]
    pub acknowledge_writes: Option<u64>,
    /// Answer every Nth read and every Nth write (counted apart) ServerDeviceBusy
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub busy_every: u32,
    /// Answer with this unit id in every reply, whatever the request asked
    #[arg(long, value_name = "ID")]
    pub answer_unit: Option<u8>,
    /// Close the connection after each reply
    #[arg(long)]
    pub close_after_reply: bool,
    /// Function code every device answers IllegalFunction (e.g. 16); repeatable
    #[arg(long, value_name = "FC")]
    pub unsupported: Vec<u8>,
    /// Answer reads of more than N registers (FC03/FC04) with IllegalDataValue, on every
    /// device (overrides a scenario's `limits`)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=125))]
    pub max_read_registers: Option<u16>,
    /// Answer FC16 writes of more than N registers with IllegalDataValue, on every device
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=123))]
    pub max_write_registers: Option<u16>,
    /// Answer reads of more than N bits (FC01/FC02) with IllegalDataValue, on every device
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=2000))]
    pub max_read_bits: Option<u16>,
    /// Answer FC15 writes of more than N coils with IllegalDataValue, on every device
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1968))]
    pub max_write_bits: Option<u16>,
    /// How every device answers a read touching an undeclared address
    /// [default: illegal-data-address]
    #[arg(long, value_name = "EXCEPTION", value_enum)]
    pub undeclared_read: Option<super::UndeclaredRead>,
    /// PLC that accepts connections and reads requests but never replies; repeatable
    #[arg(long, value_name = "NAME")]
    pub silent: Vec<String>,
    /// How every endpoint is served: tcp (Modbus TCP), rtu-over-tcp (RTU frames over
    /// TCP, like a serial gateway in transparent mode), tls (Modbus/TCP Security,
    /// client certificates required) or rtu (Modbus RTU on a pseudo-terminal per
    /// endpoint, whose path is printed)
    #[arg(long, value_enum, value_name = "TRANSPORT", default_value = "tcp")]
    pub transport: super::SimTransport,
    /// With --transport tls: the server's certificate (PEM) [default: generated]
    #[arg(long, value_name = "FILE", requires_all = ["tls_key", "tls_client_ca"])]
    pub tls_cert: Option<PathBuf>,
    /// With --transport tls: the private key of --tls-cert (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// With --transport tls: the CA that client certificates must be issued by (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// With --transport tls and no --tls-cert: where to write the generated test
    /// certificates (ca.pem, server.pem, server.key, client.pem, client.key)
    /// [default: a new directory in the temporary directory]
    #[arg(long, value_name = "DIR", conflicts_with = "tls_cert")]
    pub tls_dir: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics (a bare port means 127.0.0.1:PORT)
    #[arg(long, value_name = "ADDR", value_parser = parse_listen_addr)]
    pub metrics_addr: Option<SocketAddr>,
}

impl SimArgs {
    /// The configuration these flags describe (loads manifests or the scenario file).
    pub fn to_config(&self) -> Result<SimConfig, SimError> {
        let mut config = match &self.config {
            Some(path) => SimConfig::from_file(path)?,
            None => {
                let paths = if self.from.is_empty() {
                    let default = Path::new("manifests");
                    if !default.is_dir() {
                        return Err(SimError::NothingToSimulate);
                    }
                    vec![default.to_path_buf()]
                } else {
                    self.from.clone()
                };
                let plcs = manifest::load(&paths)
                    .map_err(|diagnostics| SimError::Manifest { diagnostics })?;
                if plcs.is_empty() {
                    return Err(SimError::NothingToSimulate);
                }
                SimConfig::from_plcs_on(&plcs, self.bind)?
            }
        };
        config.faults.latency = Duration::from_millis(self.latency);
        config.faults.drop_rate = self.drop_rate;
        config.faults.exception_rate = self.exception_rate;
        config.faults.garbage_rate = self.garbage_rate;
        config.faults.write_latency = Duration::from_millis(self.write_latency);
        config.faults.write_echo_offset = self.write_echo_offset;
        config.faults.acknowledge_writes = self.acknowledge_writes.map(Duration::from_millis);
        config.faults.busy_every = self.busy_every;
        config.faults.answer_unit = self.answer_unit;
        config.faults.close_after_reply = self.close_after_reply;
        for device in config.endpoints.iter_mut().flat_map(|e| &mut e.devices) {
            device.quirks.unsupported.extend(&self.unsupported);
        }
        for name in &self.silent {
            config.set_silent(name)?;
        }
        for device in config.endpoints.iter_mut().flat_map(|e| &mut e.devices) {
            let limits = &mut device.limits;
            let set = |field: &mut u16, flag: Option<u16>| *field = flag.unwrap_or(*field);
            set(&mut limits.max_read_registers, self.max_read_registers);
            set(&mut limits.max_write_registers, self.max_write_registers);
            set(&mut limits.max_read_bits, self.max_read_bits);
            set(&mut limits.max_write_bits, self.max_write_bits);
            limits.undeclared_read = self.undeclared_read.unwrap_or(limits.undeclared_read);
        }
        config.chaos.interval = self.chaos.then_some(self.chaos_interval);
        config.chaos.max_drift = self.max_drift;
        config.chaos.drift_at_start = self.drift;
        config.seed = self.seed.unwrap_or_else(random_seed);
        config.transport = self.transport;
        config.validate()?;
        Ok(config)
    }

    /// The TLS files to serve with; `None` for `--transport tcp`. When none are given
    /// they are generated (into `--tls-dir` or a new temporary directory, kept) before
    /// the manifests are loaded, so manifests can point at them.
    fn tls(&self) -> Result<Option<SimTls>, SimError> {
        if self.transport != super::SimTransport::Tls {
            if self.tls_cert.is_some() || self.tls_dir.is_some() {
                return Err(SimError::Tls {
                    reason: "--tls-cert and --tls-dir need --transport tls".into(),
                });
            }
            return Ok(None);
        }
        if let (Some(cert), Some(key), Some(ca)) =
            (&self.tls_cert, &self.tls_key, &self.tls_client_ca)
        {
            return Ok(Some(SimTls {
                cert_file: cert.clone(),
                key_file: key.clone(),
                client_ca_file: ca.clone(),
            }));
        }
        let dir = match &self.tls_dir {
            Some(dir) => dir.clone(),
            None => tempfile::Builder::new()
                .prefix("fabctl-sim-tls-")
                .tempdir()
                .map_err(|e| SimError::Tls {
                    reason: format!("cannot make a directory for test certificates: {e}"),
                })?
                .keep(),
        };
        let mut names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        let bind = self.bind.to_string();
        if !names.contains(&bind) && !self.bind.is_unspecified() {
            names.push(bind);
        }
        let tls = SimTls::generate(&dir, &names)?;
        println!(
            "test certificates in {}: ca.pem (the CA of both sides: spec.tls.caFile), client.pem and client.key (spec.tls.certFile, keyFile), server.pem and server.key (for {})",
            dir.display(),
            names.join(", ")
        );
        Ok(Some(tls))
    }
}

/// `fabctl sim`: serves until Ctrl-C or SIGTERM (then exits cleanly), printing one
/// line per listener on stdout.
pub async fn run(args: SimArgs) -> Result<(), SimError> {
    let tls = args.tls()?;
    let mut config = args.to_config()?;
    config.tls = tls;
    crate::process::limits::ensure(&crate::process::limits::Need::simulator(
        config.endpoints.len(),
    ))?;
    tracing::info!(
        seed = config.seed,
        "simulator seed (pass --seed to repeat this run)"
    );
    let shutdown = crate::process::signal::Shutdown::install()
        .map_err(|source| SimError::Signal { source })?;
    let config_tls = config.tls.is_some();
    let mut sim = Simulator::start(config).await?;
    if let Some(addr) = args.metrics_addr {
        let bound = sim.serve_metrics(addr).await?;
        tracing::info!("metrics on http://{bound}/metrics");
    }
    let units = |devices: Vec<(String, u8)>| {
        let devices: Vec<String> = devices
            .iter()
            .map(|(name, unit)| format!("{name} unit {unit}"))
            .collect();
        devices.join(", ")
    };
    match args.transport {
        super::SimTransport::Rtu => {
            for (line, devices) in sim.lines() {
                println!("serial line {} ({})", line.display(), units(devices));
            }
        }
        super::SimTransport::Tcp | super::SimTransport::RtuOverTcp | super::SimTransport::Tls => {
            let framing = match args.transport {
                super::SimTransport::RtuOverTcp => ", RTU framing",
                _ if config_tls => " with TLS",
                _ => "",
            };
            for (addr, devices) in sim.endpoints() {
                println!("listening on {addr}{framing} ({})", units(devices));
            }
        }
    }
    shutdown.wait().await;
    tracing::info!("shutting down");
    sim.shutdown().await;
    Ok(())
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

fn parse_probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{text:?} is not a probability between 0 and 1")),
    }
}

/// `IP:PORT`, or a bare port on 127.0.0.1.
fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not IP:PORT or a port"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimArgs,
    }

    fn parse(args: &[&str]) -> Result<SimArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("sim").chain(args.iter().copied())).map(|c| c.sim)
    }

    #[test]
    fn defaults_match_the_original_mock() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.chaos_interval, Duration::from_secs(10));
        assert_eq!(args.max_drift, 500.0);
        assert_eq!(args.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(!args.chaos && !args.drift && args.seed.is_none());
    }

    #[test]
    fn limit_flags_set_every_device() {
        let args = parse(&[
            "--config",
            "sim/gateway.yaml",
            "--max-read-registers",
            "64",
            "--max-write-bits",
            "8",
            "--undeclared-read",
            "illegal-data-value",
        ])
        .unwrap();
        let config = args.to_config().unwrap();
        let devices: Vec<_> = config.endpoints.iter().flat_map(|e| &e.devices).collect();
        assert!(devices.len() > 1);
        for d in devices {
            assert_eq!(
                (d.limits.max_read_registers, d.limits.max_write_registers),
                (64, 123)
            );
            assert_eq!((d.limits.max_read_bits, d.limits.max_write_bits), (2000, 8));
            assert_eq!(
                d.limits.undeclared_read,
                super::super::UndeclaredRead::IllegalDataValue
            );
        }
        assert!(parse(&["--max-read-registers", "126"]).is_err());
        assert!(parse(&["--max-read-registers", "0"]).is_err());
    }

    #[test]
    fn fault_flags_parse_and_silent_repeats() {
        let args = parse(&[
            "--config",
            "sim/gateway.yaml",
            "--latency",
            "50",
            "--drop-rate",
            "0.1",
            "--exception-rate",
            "1",
            "--garbage-rate",
            "0",
            "--silent",
            "a",
            "--silent",
            "b/c",
            "--seed",
            "9",
        ])
        .unwrap();
        assert_eq!(
            (args.latency, args.drop_rate, args.exception_rate),
            (50, 0.1, 1.0)
        );
        assert_eq!(args.silent, ["a", "b/c"]);
        assert_eq!(args.seed, Some(9));
        assert!(parse(&["--drop-rate", "1.5"]).is_err());
        let writes = parse(&[
            "--write-latency",
            "500",
            "--write-echo-offset",
            "1",
            "--acknowledge-writes",
            "100",
        ])
        .unwrap();
        assert_eq!(
            (
                writes.write_latency,
                writes.write_echo_offset,
                writes.acknowledge_writes
            ),
            (500, 1, Some(100))
        );
        assert_eq!(parse(&[]).unwrap().acknowledge_writes, None);
        let devices = parse(&[
            "--busy-every",
            "2",
            "--answer-unit",
            "0",
            "--close-after-reply",
            "--unsupported",
            "15",
            "--unsupported",
            "16",
        ])
        .unwrap();
        assert_eq!(
            (
                devices.busy_every,
                devices.answer_unit,
                devices.close_after_reply,
                devices.unsupported
            ),
            (2, Some(0), true, vec![15, 16])
        );
        assert!(
            parse(&["--from", "m", "--config", "c"]).is_err(),
            "--from and --config conflict"
        );
    }

    #[test]
    fn metrics_addr_defaults_to_loopback() {
        let args = parse(&["--metrics-addr", "9464"]).unwrap();
        assert_eq!(args.metrics_addr, Some("127.0.0.1:9464".parse().unwrap()));
        assert!(parse(&["--metrics-addr", "nowhere"]).is_err());
    }
}
