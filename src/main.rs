//! The `fabctl` binary: parse arguments, run, and report the error if there is one;
//! the exit code comes from [`fabctl::outcome::exit_code`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = fabctl::cli::Cli::parse();
    fabctl::process::logging::init(
        cli.global.verbose + u8::from(cli.command.is_long_running()),
        cli.global.quiet,
    );
    let result = fabctl::run(cli);
    if let Err(error) = &result
        && !error.is_broken_pipe()
    {
        eprintln!("error: {error}");
    }
    fabctl::outcome::exit_code(&result)
}
