//! fabctl against a Modbus server that is not ours: pymodbus playing a plant.

use crate::support::pymodbus::Peer;
use crate::support::{run, stdout};

/// docs/interop/pymodbus-plant.yaml, on the peer's port.
fn manifest(dir: &std::path::Path, port: u16) -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/interop/pymodbus-plant.yaml"),
    )
    .unwrap()
    .replace("port: 15020", &format!("port: {port}"));
    let path = dir.join("pyplc.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn plan_apply_verify_against_pymodbus() {
    let Some(peer) = Peer::start(serde_json::json!({"input": {"5": 450}, "discrete": {"1": true}}))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = manifest(dir.path(), peer.port);

    let plan = run(&["plan", "-f", &file, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2), "{}", peer.log());
    assert!(
        stdout(&plan).contains("Plan: 6 to change, 0 drifted, 2 in sync."),
        "{}",
        stdout(&plan)
    );

    let apply = run(&["apply", "-f", &file, "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(0), "{}", stdout(&apply));
    assert!(
        stdout(&apply).contains("Apply complete! 6 changed, 0 failed."),
        "{}",
        stdout(&apply)
    );

    let again = run(&["plan", "-f", &file, "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(
        stdout(&again).contains("8 registers in sync"),
        "{}",
        stdout(&again)
    );
}
