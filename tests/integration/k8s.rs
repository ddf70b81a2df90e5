//! `k8s/`: every manifest parses, and the properties that keep a plant safe hold:
//! locked-down pods with probes, a CronJob that never overlaps,
//! kustomizations that list every file, samples that validate, a small non-root image.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::{run, stderr, stdout};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Every `*.yaml` under `dir`, recursively, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
    files
}

/// Every Kubernetes object under k8s/. Every YAML file must parse; documents that
/// are not objects (Prometheus rules and scrape configuration in `monitoring/`) are
/// left out.
pub(crate) fn documents() -> Vec<Value> {
    let files = yaml_files(&root().join("k8s"));
    assert!(!files.is_empty());
    files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            docs
        })
        .filter(|doc| doc["apiVersion"].is_string() && doc["kind"].is_string())
        .collect()
}

/// The one document of `kind` named `name`.
pub(crate) fn find(kind: &str, name: &str) -> Value {
    let found: Vec<Value> = documents()
        .into_iter()
        .filter(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "{kind} {name}: {} found", found.len());
    found.into_iter().next().unwrap()
}

/// What every fabctl container must look like.
fn locked_down() -> Value {
    json!({
        "runAsNonRoot": true,
        "runAsUser": 65532,
        "runAsGroup": 65532,
        "readOnlyRootFilesystem": true,
        "allowPrivilegeEscalation": false,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"}
    })
}

fn pod_security_context() -> Value {
    json!({
        "runAsNonRoot": true,
        "runAsUser": 65532,
        "runAsGroup": 65532,
        "seccompProfile": {"type": "RuntimeDefault"}
    })
}

/// The emptyDir of a pod's writable runtime files (the write locks).
fn run_volume() -> Value {
    json!({"name": "run", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}})
}

/// Where a pod's fabctl keeps its write locks: a directory it creates on the emptyDir.
fn lock_dir_env() -> Value {
    json!([{"name": "FABCTL_LOCK_DIR", "value": "/run/fabctl/locks"}])
}

#[test]
fn every_manifest_parses_and_lives_in_fabctl_system() {
    for doc in documents() {
        let kind = doc["kind"].as_str().unwrap();
        let cluster_scoped = matches!(
            kind,
            "CustomResourceDefinition"
                | "Namespace"
                | "ClusterRole"
                | "ClusterRoleBinding"
                | "Kustomization"
        );
        if !cluster_scoped && kind != "IndustrialPLC" {
            assert_eq!(
                doc["metadata"]["namespace"], "fabctl-system",
                "{kind} {}",
                doc["metadata"]["name"]
            );
        }
    }
    let namespace = find("Namespace", "fabctl-system");
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

#[test]
fn the_leader_election_role_grants_only_leases_in_the_agent_namespace() {
    let election = find("Role", "fabctl-agent-leader-election");
    assert_eq!(election["metadata"]["namespace"], "fabctl-system");
    assert_eq!(
        election["rules"],
        json!([{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                "verbs": ["get", "create", "update"]}])
    );
    let election = find("RoleBinding", "fabctl-agent-leader-election");
    assert_eq!(
        election["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "fabctl-agent-leader-election"})
    );
    assert_eq!(
        election["subjects"],
        json!([{"kind": "ServiceAccount", "name": "fabctl-agent", "namespace": "fabctl-system"}])
    );
}

#[test]
fn the_agent_runs_locked_down_with_probes_and_limits() {
    let deployment = find("Deployment", "fabctl-agent");
    let spec = &deployment["spec"];
    // Two replicas, one leader: a rollout starts the new pod before it stops the old.
    assert_eq!(spec["replicas"], 2);
    assert_eq!(
        spec["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    );
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "fabctl-agent");
    assert_eq!(pod["securityContext"], pod_security_context());
    let [container] = pod["containers"].as_array().unwrap().as_slice() else {
        panic!("one container expected")
    };
    assert_eq!(container["command"], json!(["fabctl"]));
    assert_eq!(
        container["args"],
        json!([
            "agent",
            "--metrics-addr",
            "0.0.0.0:9090",
            "--audit-log",
            "-",
            "--leader-elect"
        ])
    );
    // The identity in the Lease, then the write locks' directory.
    let mut env =
        json!([{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]);
    env.as_array_mut()
        .unwrap()
        .extend(lock_dir_env().as_array().unwrap().iter().cloned());
    assert_eq!(container["env"], env);
    assert_eq!(container["securityContext"], locked_down());
    // The root filesystem is read-only: the write locks live on an emptyDir.
    assert_eq!(
        container["volumeMounts"],
        json!([{"name": "run", "mountPath": "/run/fabctl"}])
    );
    assert_eq!(pod["volumes"], json!([run_volume()]));
    assert_eq!(
        container["ports"],
        json!([{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}])
    );
    for probe in ["livenessProbe", "readinessProbe"] {
        assert_eq!(
            container[probe]["httpGet"],
            json!({"path": "/healthz", "port": "metrics"}),
            "{probe}"
        );
    }
    for bound in ["requests", "limits"] {
        let resources = &container["resources"][bound];
        assert!(
            resources["cpu"].is_string() && resources["memory"].is_string(),
            "{bound}: {resources}"
        );
    }
    // The Service reaches the agent's pods on that port.
    let service = find("Service", "fabctl-metrics");
    assert_eq!(
        service["spec"]["selector"],
        spec["template"]["metadata"]["labels"]
    );
    assert_eq!(
        service["spec"]["ports"],
        json!([{"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}])
    );
}

#[test]
fn the_cronjob_never_overlaps_and_enforces_the_configmap_once_per_run() {
    let cronjob = find("CronJob", "fabctl-reconcile");
    let spec = &cronjob["spec"];
    assert_eq!(spec["concurrencyPolicy"], "Forbid");
    assert_eq!(
        spec["suspend"], true,
        "shipped off: the agent is the default"
    );
    let pod = &spec["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["securityContext"], pod_security_context());
    let [container] = pod["containers"].as_array().unwrap().as_slice() else {
        panic!("one container expected")
    };
    assert_eq!(container["command"], json!(["fabctl"]));
    assert_eq!(
        container["args"],
        json!([
            "reconcile",
            "--once",
            "-f",
            "/manifests",
            "--audit-log",
            "-"
        ])
    );
    assert_eq!(container["securityContext"], locked_down());
    assert_eq!(
        container["volumeMounts"],
        json!([
            {"name": "manifests", "mountPath": "/manifests", "readOnly": true},
            {"name": "run", "mountPath": "/run/fabctl"}
        ])
    );
    assert_eq!(
        pod["volumes"],
        json!([
            {"name": "manifests", "configMap": {"name": "plant-manifests"}},
            run_volume()
        ])
    );
    assert_eq!(container["env"], lock_dir_env());
    // The command line the CronJob runs is one fabctl accepts.
    let out = run(&[
        "reconcile",
        "--once",
        "-f",
        "/nonexistent-manifests",
        "--audit-log",
        "-",
    ]);
    assert!(
        !stderr(&out).contains("unexpected argument"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_kustomization_lists_exactly_the_files_beside_it() {
    let mut checked = 0;
    for path in yaml_files(&root().join("k8s")) {
        if path.file_name().unwrap() != "kustomization.yaml" {
            continue;
        }
        let dir = path.parent().unwrap();
        let kustomization: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let listed: BTreeSet<String> = kustomization["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect();
        let present: BTreeSet<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") && n != "kustomization.yaml")
            .collect();
        assert_eq!(listed, present, "{}", path.display());
        checked += 1;
    }
    assert_eq!(checked, 2, "k8s/ and k8s/samples/");
}

#[test]
fn the_samples_validate_and_keep_the_original_operators_sample_unchanged() {
    let out = run(&["validate", "-f", "k8s/samples/"]);
    assert_eq!(
        stderr(&out),
        "k8s/samples/kustomization.yaml:3:1: note: skipping kustomize.config.k8s.io/v1beta1 Kustomization (not an IndustrialPLC)\n"
    );
    assert_eq!(
        stdout(&out),
        "Manifests valid: 3 PLCs, 6 registers in 3 files.\n"
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(root().join("k8s/samples/original-sample-plc.yaml")).unwrap(),
        std::fs::read(root().join("tests/fixtures/original-sample-plc.yaml")).unwrap()
    );
}

/// A ConfigMap volume holds each key three times: `name.yaml` -> `..data/name.yaml`
/// -> `..<timestamp>/name.yaml`. The CronJob must load each manifest once.
#[cfg(unix)]
#[test]
fn a_configmap_volume_loads_each_manifest_once() {
    use std::os::unix::fs::symlink;
    let volume = tempfile::tempdir().unwrap();
    let stamp = volume.path().join("..2026_11_25_12_00_00.000000001");
    std::fs::create_dir(&stamp).unwrap();
    for file in yaml_files(&root().join("manifests")) {
        let name = file.file_name().unwrap();
        std::fs::copy(&file, stamp.join(name)).unwrap();
        symlink(Path::new("..data").join(name), volume.path().join(name)).unwrap();
    }
    symlink(stamp.file_name().unwrap(), volume.path().join("..data")).unwrap();
    let from_volume = run(&["validate", "-f", volume.path().to_str().unwrap()]);
    let from_repo = run(&["validate", "-f", "manifests/"]);
    assert_eq!(stderr(&from_volume), "");
    assert!(from_volume.status.success());
    assert_eq!(stdout(&from_volume), stdout(&from_repo));
}

#[test]
fn the_dockerfile_builds_locked_and_runs_as_nonroot_on_a_small_base() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let stages: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(
        stages,
        [
            "FROM rust:1.95-slim-bookworm AS builder",
            "FROM gcr.io/distroless/cc-debian12:nonroot"
        ]
    );
    assert!(dockerfile.contains("cargo build --release --locked"));
    assert!(dockerfile.contains("\nUSER 65532:65532\n"));
    assert!(dockerfile.contains("\nENTRYPOINT [\"fabctl\"]\n"));
}

#[test]
fn the_network_policy_lets_fabctl_reach_only_devices_the_api_server_and_dns() {
    let policy = find("NetworkPolicy", "fabctl");
    let spec = &policy["spec"];
    assert_eq!(spec["policyTypes"], json!(["Ingress", "Egress"]));
    // It covers the agent's pods and the CronJob's.
    let selector = spec["podSelector"]["matchLabels"].as_object().unwrap();
    for labels in [
        &find("Deployment", "fabctl-agent")["spec"]["template"]["metadata"]["labels"],
        &find("CronJob", "fabctl-reconcile")["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
            ["labels"],
    ] {
        for (key, value) in selector {
            assert_eq!(&labels[key], value, "{labels}");
        }
    }
    assert_eq!(
        spec["ingress"],
        json!([{"ports": [{"port": 9090, "protocol": "TCP"}]}])
    );
    let ports = |rule: &Value| -> Vec<(i64, String)> {
        rule["ports"]
            .as_array()
            .unwrap_or_else(|| panic!("an egress rule open to every port: {rule}"))
            .iter()
            .map(|p| {
                (
                    p["port"].as_i64().unwrap(),
                    p["protocol"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let egress = spec["egress"].as_array().unwrap();
    let tcp = |port| (port, "TCP".to_owned());
    assert_eq!(
        egress.iter().map(ports).collect::<Vec<_>>(),
        [
            vec![tcp(502), tcp(802)],
            vec![tcp(443), tcp(6443)],
            vec![(53, "UDP".to_owned()), tcp(53)]
        ]
    );
    assert_eq!(
        egress[0]["to"],
        json!([{"ipBlock": {"cidr": "10.0.0.0/16"}}])
    );
}
