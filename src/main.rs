//! The `fabctl` binary: parse arguments, run, and report the error if there is one;
//! the exit code comes from [`fabctl::outcome::exit_code`].

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match fabctl::cli::Cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(error) => return fabctl::outcome::usage(&error),
    };
    fabctl::process::logging::init(
        cli.global.verbose,
        cli.command.is_long_running(),
        cli.global.quiet,
        fabctl::view::color_enabled(cli.global.color, std::io::stderr().is_terminal()),
    );
    let result = fabctl::run(cli);
    if let Err(error) = &result
        && !error.is_broken_pipe()
    {
        eprintln!("error: {error}");
    }
    fabctl::outcome::exit_code(&result)
}
