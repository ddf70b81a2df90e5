//! Open-file limits. A fleet means sockets: `plan`, `apply` and `reconcile` hold one
//! connection per endpoint in flight (up to `--parallelism`), and the simulator one
//! listener per endpoint plus the connections it serves. Shells and service managers
//! often start processes with a soft limit of 1024 descriptors and a much higher hard
//! limit, so at startup the soft limit is raised to the hard limit when the run needs
//! more; when even the hard limit is too low, the command fails before any device is
//! contacted, saying what to change.

use std::fmt;

/// Descriptors kept for everything that is not a device connection: standard streams,
/// manifest files, the audit log, the metrics server and every connection it may
/// serve ([`super::listener::MAX_CONNECTIONS`]), the runtime's own.
pub const RESERVED: u64 = 64 + super::listener::MAX_CONNECTIONS as u64;

/// Connections the simulator expects at once per listener, at most (clients read a
/// fleet a bounded number of endpoints at a time).
pub const SIM_CONNECTIONS: u64 = 1024;

/// How many descriptors a run needs, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub descriptors: u64,
    /// What needs them, for messages: "reading 1000 endpoints, 512 at a time".
    pub what: String,
    /// How to need fewer.
    pub advice: &'static str,
}

impl Need {
    /// A client of `endpoints` endpoints, `parallelism` of them at once.
    pub fn clients(endpoints: usize, parallelism: usize) -> Need {
        let at_once = endpoints.min(parallelism) as u64;
        Need {
            descriptors: at_once + RESERVED,
            what: format!("talking to {endpoints} endpoints, {at_once} at a time"),
            advice: "lower --parallelism",
        }
    }

    /// A simulator with `listeners` endpoints.
    pub fn simulator(listeners: usize) -> Need {
        let listeners = listeners as u64;
        Need {
            descriptors: listeners + listeners.min(SIM_CONNECTIONS) + RESERVED,
            what: format!("serving {listeners} endpoints"),
            advice: "simulate fewer PLCs per process",
        }
    }
}

/// The run cannot have the descriptors it needs.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error(
        "{} needs about {} open files, but the hard limit of this process is {hard}: {}, or raise the hard limit (`ulimit -Hn`, systemd `LimitNOFILE=`, the container runtime's `nofile` ulimit)",
        need.what, need.descriptors, need.advice
    )]
    TooLow { need: Need, hard: u64 },
    #[error(
        "{} needs about {} open files; raising the limit from {soft} failed: {source}",
        need.what, need.descriptors
    )]
    Raise {
        need: Need,
        soft: u64,
        #[source]
        source: std::io::Error,
    },
}

/// What [`ensure`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The soft limit was already enough.
    Enough,
    /// The soft limit was raised from the first value to the second.
    Raised(u64, u64),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Enough => f.write_str("the open-file limit is enough"),
            Outcome::Raised(from, to) => {
                write!(f, "raised the open-file limit from {from} to {to}")
            }
        }
    }
}

/// Makes sure `need.descriptors` files can be open at once: raises the soft limit to
/// the hard limit when it is lower than that, and fails when the hard limit is too.
#[cfg(unix)]
pub fn ensure(need: &Need) -> Result<Outcome, LimitError> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let outcome = decide(need, limit.current, limit.maximum)?;
    if let Outcome::Raised(soft, new) = outcome {
        let raised = Rlimit {
            current: Some(new),
            maximum: limit.maximum,
        };
        setrlimit(Resource::Nofile, raised).map_err(|e| LimitError::Raise {
            need: need.clone(),
            soft,
            source: e.into(),
        })?;
        tracing::debug!("{outcome} ({})", need.what);
    }
    Ok(outcome)
}

/// Other platforms have no descriptor limit of this kind to raise.
#[cfg(not(unix))]
pub fn ensure(_need: &Need) -> Result<Outcome, LimitError> {
    Ok(Outcome::Enough)
}

/// The decision of [`ensure`] for soft and hard limits (`None` = unlimited). An
/// unlimited hard limit raises the soft one to what is needed only: kernels refuse an
/// unlimited soft limit for descriptors.
pub fn decide(need: &Need, soft: Option<u64>, hard: Option<u64>) -> Result<Outcome, LimitError> {
    let soft_value = soft.unwrap_or(u64::MAX);
    if need.descriptors <= soft_value {
        return Ok(Outcome::Enough);
    }
    match hard {
        Some(hard) if need.descriptors > hard => Err(LimitError::TooLow {
            need: need.clone(),
            hard,
        }),
        Some(hard) => Ok(Outcome::Raised(soft_value, hard)),
        None => Ok(Outcome::Raised(soft_value, need.descriptors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enough_is_left_alone() {
        let need = Need::clients(1000, 128);
        assert_eq!(need.descriptors, 128 + RESERVED);
        assert_eq!(
            decide(&need, Some(1024), Some(4096)).unwrap(),
            Outcome::Enough
        );
    }

    #[test]
    fn a_low_soft_limit_is_raised_to_the_hard_limit() {
        let need = Need::clients(1000, 1000);
        assert_eq!(
            decide(&need, Some(256), Some(4096)).unwrap(),
            Outcome::Raised(256, 4096)
        );
        assert_eq!(
            decide(&need, Some(256), None).unwrap(),
            Outcome::Raised(256, 1000 + RESERVED)
        );
    }

    #[test]
    fn a_low_hard_limit_fails_with_what_to_do() {
        let need = Need::clients(1000, 1000);
        let e = decide(&need, Some(256), Some(512)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "talking to 1000 endpoints, 1000 at a time needs about 1128 open files, but the hard limit of this process is 512: lower --parallelism, or raise the hard limit (`ulimit -Hn`, systemd `LimitNOFILE=`, the container runtime's `nofile` ulimit)"
        );
    }

    #[test]
    fn the_simulator_needs_a_listener_and_a_connection_per_endpoint() {
        assert_eq!(Need::simulator(1000).descriptors, 2000 + RESERVED);
        assert_eq!(
            Need::simulator(10_000).descriptors,
            10_000 + SIM_CONNECTIONS + RESERVED
        );
    }

    #[cfg(unix)]
    #[test]
    fn ensure_reads_the_real_limit() {
        assert_eq!(ensure(&Need::clients(1, 1)).unwrap(), Outcome::Enough);
    }
}
