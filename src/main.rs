//! The `fabctl` binary: parse arguments, run, and choose the exit code in one place.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = fabctl::cli::Cli::parse();
    fabctl::process::logging::init(
        cli.global.verbose + u8::from(cli.command.is_long_running()),
        cli.global.quiet,
    );
    match fabctl::run(cli) {
        Ok(code) => code,
        Err(error) => {
            if error.is_broken_pipe() {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}
