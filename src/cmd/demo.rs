//! `fabctl demo`.
use std::process::ExitCode;
pub fn run(_: &crate::cli::GlobalArgs, _: &crate::cli::DemoArgs) -> Result<ExitCode, crate::Error> {
    Ok(ExitCode::SUCCESS)
}
