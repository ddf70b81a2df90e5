//! `fabctl show PLANFILE`: render a saved plan.

use crate::cli::{GlobalArgs, ShowArgs};
use crate::error::Error;
use crate::outcome::Outcome;

pub fn run(global: &GlobalArgs, args: &ShowArgs) -> Result<Outcome, Error> {
    let saved = crate::engine::planfile::load(&args.planfile)?;
    if global.output == crate::cli::OutputFormat::Human {
        eprintln!("Plan saved {} ({})", saved.created_at, saved.digest);
        if let Some(m) = &saved.origin.manifests {
            let paths: Vec<String> = m.paths.iter().map(|p| p.display().to_string()).collect();
            eprintln!(
                "From the manifests {} ({})",
                paths.join(", "),
                m.digest.as_deref().unwrap_or("digest unknown")
            );
        }
        for a in &saved.signatures {
            eprintln!(
                "Signed by {} with {} at {}",
                a.signer,
                a.short_key(),
                a.signed_at
            );
        }
    }
    super::stdout_view(global).plan(&saved.plan)?;
    Ok(Outcome::Success)
}
