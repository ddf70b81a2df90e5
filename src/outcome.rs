//! How a command ended, and the one place that turns it into the process exit status.

use std::process::ExitCode;

use crate::error::Error;

/// How a command that ran to its end turned out. A command that could not run at
/// all returns an [`Error`] instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything asked for was done (exit 0).
    Success,
    /// `plan --detailed-exitcode` found changes to make (exit 2).
    Changes,
    /// The command ran, but not everything succeeded: a PLC unreachable, a write
    /// refused or unverified, invalid manifests for `validate`, an apply cancelled at
    /// the prompt (exit 1).
    Failure,
}

impl Outcome {
    /// [`Outcome::Success`] when `ok`, else [`Outcome::Failure`].
    pub fn success_if(ok: bool) -> Outcome {
        if ok {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}

/// Prints what clap says about the command line (`--help`, `--version`, or a usage
/// error with clap's "did you mean" tip) and gives its exit status: 0 for help and
/// version, 1 for a usage error. Never 2: that is `plan --detailed-exitcode`'s "changes
/// found", which CI pipelines treat as a successful plan.
pub fn usage(error: &clap::Error) -> ExitCode {
    // Nothing useful can be done when stderr or stdout is closed.
    let _ = error.print();
    ExitCode::from(usage_status(error))
}

fn usage_status(error: &clap::Error) -> u8 {
    if error.use_stderr() { 1 } else { 0 }
}

/// The process exit status of a command's result. A closed stdout (`fabctl plan |
/// head`) is not a failure; every other error is 1.
pub fn exit_code(result: &Result<Outcome, Error>) -> ExitCode {
    ExitCode::from(exit_status(result))
}

fn exit_status(result: &Result<Outcome, Error>) -> u8 {
    match result {
        Ok(Outcome::Success) => 0,
        Ok(Outcome::Failure) => 1,
        Ok(Outcome::Changes) => 2,
        Err(error) if error.is_broken_pipe() => 0,
        Err(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_has_its_exit_status() {
        assert_eq!(exit_status(&Ok(Outcome::Success)), 0);
        assert_eq!(exit_status(&Ok(Outcome::Failure)), 1);
        assert_eq!(exit_status(&Ok(Outcome::Changes)), 2);
        assert_eq!(exit_status(&Err(Error::NoApproval)), 1);
        assert_eq!(exit_status(&Err(Error::InvalidManifests { count: 2 })), 1);
        let closed = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(exit_status(&Err(Error::from(closed))), 0);
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert_eq!(exit_status(&Err(Error::from(full))), 1);
    }

    #[test]
    fn usage_errors_are_1_and_help_and_version_are_0() {
        use clap::Parser;
        let status = |args: &[&str]| match crate::cli::Cli::try_parse_from(args) {
            Ok(_) => panic!("{args:?} parses"),
            Err(error) => usage_status(&error),
        };
        assert_eq!(status(&["fabctl", "plan", "--no-such-flag"]), 1);
        assert_eq!(status(&["fabctl", "no-such-command"]), 1);
        assert_eq!(status(&["fabctl", "plan", "--parallelism", "0"]), 1);
        assert_eq!(status(&["fabctl"]), 1);
        assert_eq!(status(&["fabctl", "--help"]), 0);
        assert_eq!(status(&["fabctl", "plan", "--help"]), 0);
        assert_eq!(status(&["fabctl", "--version"]), 0);
    }

    #[test]
    fn success_if_is_success_or_failure() {
        assert_eq!(Outcome::success_if(true), Outcome::Success);
        assert_eq!(Outcome::success_if(false), Outcome::Failure);
    }
}
