//! `fabctl keygen KEY`: a new Ed25519 key pair for approving saved plans.

use crate::cli::KeygenArgs;
use crate::engine::signing;
use crate::error::Error;
use crate::outcome::Outcome;

/// Runs `keygen`: prints the public key, which approvers hand to whoever applies.
pub fn run(args: &KeygenArgs) -> Result<Outcome, Error> {
    let (public_path, public) = signing::keygen(&args.key)?;
    eprintln!(
        "Wrote the secret key to {} (readable by you only) and the public key to {}.",
        args.key.display(),
        public_path.display()
    );
    println!("{public}");
    Ok(Outcome::Success)
}
