//! Logging to stderr (results go to stdout).

use tracing_subscriber::EnvFilter;

/// Sets up the global tracing subscriber: warnings by default, `-v` info, `-vv` debug,
/// `-q` errors only. The libraries underneath (the Kubernetes client, HTTP, Modbus,
/// cron) log at warning until `-vv`: their info lines say nothing a user acts on.
/// `RUST_LOG` overrides. `color`: ANSI colors in log lines (only when stderr is a
/// terminal and colors are allowed, see [`crate::view::color_enabled`]).
pub fn init(verbose: u8, quiet: bool, color: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(directives(verbose, quiet)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .try_init();
}

/// The filter for `-v`/`-q`: fabctl's own level, everything else at warning (`-q`:
/// error) until `-vv`, which shows everything at debug.
fn directives(verbose: u8, quiet: bool) -> String {
    let own = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,fabctl=info",
        (false, _) => return "debug".to_owned(),
    };
    // kube's HTTP layer logs every failed request at ERROR, without context; the
    // commands report those failures themselves.
    format!("{own},kube_client::client::builder=off")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_stay_at_warning_until_vv() {
        let quiet_kube = ",kube_client::client::builder=off";
        assert_eq!(directives(0, false), format!("warn{quiet_kube}"));
        assert_eq!(
            directives(1, false),
            format!("warn,fabctl=info{quiet_kube}")
        );
        assert_eq!(directives(2, false), "debug");
        assert_eq!(directives(1, true), format!("error{quiet_kube}"));
    }
}
