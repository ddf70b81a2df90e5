//! fabctl: Terraform for PLC registers.

pub mod apply;
pub mod audit;
pub mod cli;
pub mod cmd;
pub mod device;
pub mod duration;
pub mod error;
pub mod lock;
pub mod logging;
pub mod manifest;
pub mod metrics;
pub mod modbus;
pub mod observe;
pub mod plan;
pub mod planfile;
pub mod progress;
pub mod reconcile;
pub mod register;
pub mod signal;
pub mod sim;
pub mod target;
pub mod view;
pub mod window;

use std::io::Write;
use std::process::ExitCode;

use cli::{Cli, Command};
pub use error::Error;

/// Runs one command and returns the exit code it chose.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    // Commands that run async tasks print from several threads: none may hold the
    // stdout lock for the whole command.
    let stdout = std::io::stdout();
    let code = match cli.command {
        Command::Crd => cmd::generate::crd(&mut stdout.lock()).map(|()| ExitCode::SUCCESS)?,
        Command::Schema => cmd::generate::schema(&mut stdout.lock()).map(|()| ExitCode::SUCCESS)?,
        Command::Version => {
            cmd::generate::version(&mut stdout.lock()).map(|()| ExitCode::SUCCESS)?
        }
        Command::Validate => cmd::validate::run(
            &cli.global.manifest_paths(),
            cli.global.output,
            &mut stdout.lock(),
            &mut std::io::stderr(),
        )?,
        Command::Plan(args) => cmd::plan::run(&cli.global, &args)?,
        Command::Apply(args) => cmd::apply::run(&cli.global, &args)?,
        Command::Reconcile(args) => cmd::reconcile::run(&cli.global, &args)?,
        Command::Show(args) => cmd::show::run(&cli.global, &args)?,
        Command::Demo(args) => cmd::demo::run(&cli.global, &args)?,
        Command::Sim(mut args) => {
            if args.from.is_empty() && args.config.is_none() {
                args.from = cli.global.filename.clone();
            }
            cmd::runtime()?.block_on(sim::run(args))?;
            ExitCode::SUCCESS
        }
    };
    stdout.lock().flush()?;
    Ok(code)
}
