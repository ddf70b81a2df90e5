//! `fabctl get`, `describe`, `watch` and `sync` as a user meets them without a
//! cluster: one clear message and exit 1, never a hang. (Against a mock API server
//! they are tested in `src/cmd/cluster/tests.rs`.)

use crate::support::{stderr, stdout, without_cluster};

#[test]
fn without_kubeconfig_or_pod_every_cluster_command_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("kubeconfig");
    for args in [
        &["get"][..],
        &["get-status"],
        &["list", "-A"],
        &["describe", "press-1"],
        &["watch"],
        &["sync", "press-1"],
    ] {
        let out = without_cluster(args, &missing);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "error: cannot reach a Kubernetes cluster: no usable kubeconfig (failed to read kubeconfig from '{:?}': No such file or directory (os error 2)) and not running inside a pod (set KUBECONFIG or run inside a pod)\n",
                missing
            ),
            "{args:?}"
        );
    }
}

#[test]
fn an_api_server_nobody_listens_on_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = crate::support::kubeconfig_to_closed_port(dir.path());
    let out = without_cluster(&["get"], &kubeconfig);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    // One line (kube's own request log stays quiet), the cause without repeats.
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "error: cannot reach the Kubernetes API server: client error (Connect): tcp connect error: Connection refused"
        ),
        "{err}"
    );
}

#[test]
fn yaml_output_is_refused_where_it_means_nothing() {
    let out = crate::support::run(&["-o", "yaml", "validate"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: -o yaml is supported by get, describe and watch only; use -o human or -o json\n"
    );
}
