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
    fn success_if_is_success_or_failure() {
        assert_eq!(Outcome::success_if(true), Outcome::Success);
        assert_eq!(Outcome::success_if(false), Outcome::Failure);
    }
}
