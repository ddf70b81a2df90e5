//! fabctl: Terraform for PLC registers.

pub mod agent;
pub mod ci;
pub mod cli;
pub mod cluster;
pub mod cmd;
pub mod device;
pub mod engine;
pub mod error;
pub mod manifest;
pub mod metrics;
pub mod modbus;
pub mod outcome;
pub mod process;
pub mod register;
pub mod schedule;
pub mod sim;
#[cfg(test)]
mod testing;
pub mod view;

use std::io::Write;

use cli::{Cli, Command};
pub use error::Error;
use outcome::Outcome;

/// Runs one command and says how it ended.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    // Commands that run async tasks print from several threads: none may hold the
    // stdout lock for the whole command.
    let stdout = std::io::stdout();
    if cli.global.output == cli::OutputFormat::Yaml && !cli.command.supports_yaml() {
        return Err(Error::YamlUnsupported);
    }
    let outcome = match cli.command {
        Command::Crd => cmd::generate::crd(&mut stdout.lock()).map(|()| Outcome::Success)?,
        Command::Schema(args) => {
            cmd::generate::schema(args.kind, &mut stdout.lock()).map(|()| Outcome::Success)?
        }
        Command::Completions(args) => {
            cmd::generate::completions(args.shell, &mut stdout.lock()).map(|()| Outcome::Success)?
        }
        Command::Version => {
            cmd::generate::version(&mut stdout.lock()).map(|()| Outcome::Success)?
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
        Command::Agent(args) => cmd::agent::run(&cli.global, &args)?,
        Command::Show(args) => cmd::show::run(&cli.global, &args)?,
        Command::Keygen(args) => cmd::keygen::run(&args)?,
        Command::Approve(args) => cmd::approve::run(&cli.global, &args)?,
        Command::History(args) => cmd::history::run(&cli.global, &args)?,
        Command::Demo(args) => cmd::demo::run(&cli.global, &args)?,
        Command::Import(args) => cmd::import::run(&cli.global, &args)?,
        Command::Get(args) => cmd::cluster::get(&cli.global, &args)?,
        Command::Describe(args) => cmd::cluster::describe(&cli.global, &args)?,
        Command::Watch(args) => cmd::cluster::watch(&cli.global, &args)?,
        Command::Sync(args) => cmd::cluster::sync(&cli.global, &args)?,
        Command::Sim(mut args) => {
            if args.from.is_empty() && args.config.is_none() {
                args.from = cli.global.filename.clone();
            }
            cmd::runtime()?.block_on(sim::run(args))?;
            Outcome::Success
        }
    };
    stdout.lock().flush()?;
    Ok(outcome)
}
