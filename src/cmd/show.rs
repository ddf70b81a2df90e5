//! `fabctl show PLANFILE`: render a saved plan.

use crate::cli::{GlobalArgs, ShowArgs};
use crate::error::Error;
use crate::outcome::Outcome;

pub fn run(global: &GlobalArgs, args: &ShowArgs) -> Result<Outcome, Error> {
    let saved = crate::engine::planfile::load(&args.planfile)?;
    if global.output == crate::cli::OutputFormat::Human {
        eprintln!("Plan saved {} ({})", saved.created_at, saved.digest);
    }
    super::stdout_view(global).plan(&saved.plan)?;
    Ok(Outcome::Success)
}
