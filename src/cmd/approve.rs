//! `fabctl approve PLANFILE --sign-key KEY`: show a saved plan, then add the
//! approver's Ed25519 signature of it to the file.

use std::io::Write;

use serde_json::json;

use crate::cli::{ApproveArgs, GlobalArgs, OutputFormat};
use crate::engine::audit::{self, Identity};
use crate::engine::{planfile, signing};
use crate::error::Error;
use crate::outcome::Outcome;

/// Runs `approve`: the approver sees exactly what they sign.
pub fn run(global: &GlobalArgs, args: &ApproveArgs) -> Result<Outcome, Error> {
    let key = signing::read_signing_key(&args.sign_key)?;
    let saved = planfile::load(&args.planfile)?;
    super::stdout_view(global).plan(&saved.plan)?;
    let signer = Identity::current(&audit::host()).describe();
    let approval = signing::sign(&key, &saved.digest, &signer);
    let short = approval.short_key();
    let saved = planfile::add_approval(&args.planfile, approval)?;
    match global.output {
        OutputFormat::Human => eprintln!(
            "Approved {} ({}) as {signer} with {short}; it carries {} {}.",
            args.planfile.display(),
            saved.digest,
            saved.signatures.len(),
            if saved.signatures.len() == 1 {
                "signature"
            } else {
                "signatures"
            }
        ),
        OutputFormat::Json | OutputFormat::Yaml => {
            let line = json!({
                "type": "plan_approved",
                "planfile": args.planfile.display().to_string(),
                "digest": saved.digest,
                "signer": signer,
                "key": short,
                "signatures": saved.signatures.len(),
            });
            writeln!(std::io::stdout(), "{line}")?;
        }
    }
    Ok(Outcome::Success)
}
