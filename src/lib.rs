//! fabctl: Terraform for PLC registers.

pub mod apply;
pub mod cli;
pub mod cmd;
pub mod device;
pub mod error;
pub mod logging;
pub mod manifest;
pub mod observe;
pub mod plan;
pub mod modbus;
pub mod register;
pub mod sim;

use std::io::Write;
use std::process::ExitCode;

use cli::{Cli, Command};
pub use error::Error;

/// Runs one command and returns the exit code it chose.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = match cli.command {
        Command::Crd => cmd::generate::crd(&mut out).map(|()| ExitCode::SUCCESS)?,
        Command::Schema => cmd::generate::schema(&mut out).map(|()| ExitCode::SUCCESS)?,
        Command::Version => cmd::generate::version(&mut out).map(|()| ExitCode::SUCCESS)?,
        Command::Validate => cmd::validate::run(
            &cli.global.manifest_paths(),
            cli.global.output,
            &mut out,
            &mut std::io::stderr(),
        )?,
    };
    out.flush()?;
    Ok(code)
}
