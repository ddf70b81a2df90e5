//! `fabctl crd`, `schema` and `version`.

use crate::support::{run, stdout};

#[test]
fn checked_in_crd_matches_the_rust_type() {
    let out = run(&["crd"]);
    assert!(out.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/k8s/crd.yaml")).unwrap();
    assert!(
        stdout(&out) == checked_in,
        "k8s/crd.yaml is stale: run `cargo run -- crd > k8s/crd.yaml`"
    );
}

#[test]
fn crd_keeps_the_original_operators_names_and_columns() {
    // The IndustrialPLC CRD comes first; the PLCModel CRD follows it.
    let text = stdout(&run(&["crd"]));
    let (first, second) = text.split_once("\n---\n").expect("two documents");
    let model: serde_json::Value = serde_saphyr::from_str(second).unwrap();
    assert_eq!(model["metadata"]["name"], "plcmodels.fabgitops.io");
    assert_eq!(model["spec"]["scope"], "Namespaced");
    assert_eq!(model["spec"]["names"]["shortNames"][0], "plcmodel");
    let model_spec =
        &model["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
    for field in ["registers", "limits", "transport"] {
        assert!(model_spec["properties"][field].is_object(), "{field}");
    }
    let crd: serde_json::Value = serde_saphyr::from_str(first).unwrap();
    assert_eq!(crd["metadata"]["name"], "industrialplcs.fabgitops.io");
    assert_eq!(crd["spec"]["scope"], "Namespaced");
    assert_eq!(crd["spec"]["names"]["shortNames"][0], "plc");
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1");
    assert!(version["subresources"]["status"].is_object());
    let columns: Vec<&str> = version["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for original in ["Device", "Register", "Desired", "Actual", "Status", "Age"] {
        assert!(
            columns.contains(&original),
            "missing column {original}: {columns:?}"
        );
    }
    let spec = &version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
    for field in [
        "deviceAddress",
        "port",
        "targetRegister",
        "targetValue",
        "pollIntervalSecs",
        "autoCorrect",
        "tags",
        "registers",
        "unitId",
    ] {
        assert!(spec[field].is_object(), "spec.{field} missing from the CRD");
    }
    let status = &version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"];
    for field in [
        "phase",
        "currentValue",
        "inSync",
        "driftEvents",
        "correctionsApplied",
        "lastError",
        "message",
        "lastUpdate",
    ] {
        assert!(
            status[field].is_object(),
            "status.{field} missing from the CRD"
        );
    }
}

#[test]
fn schema_describes_a_whole_manifest_document() {
    let out = run(&["schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(schema["properties"]["kind"]["const"], "IndustrialPLC");
    assert_eq!(
        schema["properties"]["apiVersion"]["const"],
        "fabgitops.io/v1"
    );
    assert!(
        schema["properties"]["spec"]["properties"]["registers"]["items"]["properties"]["wordOrder"]
            .is_object()
    );
}

#[test]
fn version_names_the_resource() {
    let out = run(&["version"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!(
            "fabctl {}\nresource: IndustrialPLC (group fabgitops.io, version v1)\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}
