//! Logging to stderr (results go to stdout).

use tracing_subscriber::EnvFilter;

/// Sets up the global tracing subscriber: warnings by default, `-v` info, `-vv` debug,
/// `-q` errors only. `RUST_LOG` overrides.
pub fn init(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    // kube's HTTP layer logs every failed request at ERROR, without context; the
    // commands report those failures themselves. `-vv` (or RUST_LOG) shows them.
    let directives = if verbose >= 2 {
        level.to_owned()
    } else {
        format!("{level},kube_client::client::builder=off")
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directives));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
