//! Logging to stderr (results go to stdout).

use tracing_subscriber::EnvFilter;

/// Sets up the global tracing subscriber: warnings by default, `-v` info, `-vv` debug,
/// `-q` errors only; the long-running commands (`long_running`) log their own info
/// lines without `-v`. The libraries underneath (the Kubernetes client, HTTP, Modbus,
/// cron) log at warning until the user asks for `-vv`: their info lines say nothing a
/// user acts on. `RUST_LOG` overrides. `color`: ANSI colors in log lines (only when
/// stderr is a terminal and colors are allowed, see [`crate::view::color_enabled`]).
pub fn init(verbose: u8, long_running: bool, quiet: bool, color: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(directives(verbose, long_running, quiet)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .try_init();
}

/// The filter for `-v`/`-q`: fabctl's own level, everything else at warning (`-q`:
/// error) until `-vv`, which shows everything at debug.
fn directives(verbose: u8, long_running: bool, quiet: bool) -> String {
    if quiet {
        return format!("error{QUIET_KUBE}");
    }
    if verbose >= 2 {
        return "debug".to_owned();
    }
    let own = match verbose + u8::from(long_running) {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    format!("warn,fabctl={own}{QUIET_KUBE}")
}

/// kube's HTTP layer logs every failed request at ERROR, without context; the commands
/// report those failures themselves.
const QUIET_KUBE: &str = ",kube_client::client::builder=off";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_stay_at_warning_until_vv() {
        let quiet_kube = ",kube_client::client::builder=off";
        assert_eq!(
            directives(0, false, false),
            format!("warn,fabctl=warn{quiet_kube}")
        );
        assert_eq!(
            directives(1, false, false),
            format!("warn,fabctl=info{quiet_kube}")
        );
        // `fabctl agent` and `fabctl agent -v`: its own lines, not its libraries'.
        assert_eq!(
            directives(0, true, false),
            format!("warn,fabctl=info{quiet_kube}")
        );
        assert_eq!(
            directives(1, true, false),
            format!("warn,fabctl=debug{quiet_kube}")
        );
        assert_eq!(directives(2, false, false), "debug");
        assert_eq!(directives(2, true, false), "debug");
        assert_eq!(directives(1, true, true), format!("error{quiet_kube}"));
    }
}
