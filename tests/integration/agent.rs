//! `fabctl agent` as an operator meets it without a cluster: one clear message and
//! exit 1 at start, never a retry loop in the logs. (The reconciler itself is tested
//! against a mock API server and the simulator in `src/agent/tests.rs`.)

use std::process::Output;

use crate::support::{stderr, stdout, without_cluster};

fn agent_without_cluster(kubeconfig: &std::path::Path) -> Output {
    without_cluster(&["agent", "--metrics-addr", "127.0.0.1:0"], kubeconfig)
}

#[test]
fn agent_without_kubeconfig_or_pod_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("kubeconfig");
    let out = agent_without_cluster(&missing);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "error: cannot reach a Kubernetes cluster: no usable kubeconfig (failed to read kubeconfig from '{missing:?}': No such file or directory (os error 2)) and not running inside a pod (set KUBECONFIG or run inside a pod)\n"
        )
    );
}

#[test]
fn agent_fails_at_start_when_the_api_server_does_not_answer() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = crate::support::kubeconfig_to_closed_port(dir.path());
    let out = agent_without_cluster(&kubeconfig);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.ends_with("\n")
            && err.lines().last().is_some_and(|l| l.starts_with(
                "error: cannot reach the Kubernetes API server: client error (Connect): tcp connect error: Connection refused"
            )),
        "{err}"
    );
}
