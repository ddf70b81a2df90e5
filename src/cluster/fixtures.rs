//! Resources as the API server returns them, shared by the cluster view tests.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::manifest::IndustrialPLC;

/// The time every fixture's age is measured at.
pub fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

/// The original operator's sample (shorthand), as the agent reports it.
pub fn production_line() -> Value {
    json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "IndustrialPLC",
        "metadata": {
            "name": "production-line-1",
            "namespace": "default",
            "uid": "0b6d1f1e-5c1a-4f0e-9a53-1c2d3e4f5a6b",
            "resourceVersion": "4711",
            "generation": 2,
            "creationTimestamp": "2026-11-23T08:00:00Z",
            "labels": {"environment": "production", "line": "assembly-1"},
            "annotations": {"fabgitops.io/sync-requested-at": "2026-11-25T11:59:00Z"},
            "managedFields": [{"manager": "kubectl", "operation": "Update"}]
        },
        "spec": {
            "deviceAddress": "mock-plc.default.svc.cluster.local",
            "port": 5502,
            "targetRegister": 4001,
            "targetValue": 2500,
            "pollIntervalSecs": 5,
            "autoCorrect": true,
            "tags": ["production", "assembly", "critical"]
        },
        "status": {
            "phase": "Connected",
            "lastUpdate": "2026-11-25T11:59:30Z",
            "currentValue": 2500,
            "inSync": true,
            "driftEvents": 3,
            "correctionsApplied": 3,
            "message": "all registers in sync",
            "observedGeneration": 2,
            "lastSyncRequest": "2026-11-25T11:59:00Z"
        }
    })
}

/// A PLC with typed registers, drifted.
pub fn oven() -> Value {
    json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "IndustrialPLC",
        "metadata": {
            "name": "oven-1",
            "namespace": "plant-a",
            "generation": 1,
            "creationTimestamp": "2026-11-25T11:54:30Z"
        },
        "spec": {
            "deviceAddress": "10.0.0.7",
            "port": 502,
            "unitId": 3,
            "timeoutMs": 500,
            "pollIntervalSecs": 10,
            "autoCorrect": false,
            "writeWindows": [
                {"schedule": "0 22 * * 1-5", "duration": "8h", "timeZone": "Europe/Berlin"},
                {"schedule": "0 6 * * 0", "duration": "2h"}
            ],
            "minWriteIntervalMs": 250,
            "registers": [
                {"name": "zone1_setpoint", "address": 100, "type": "f32", "wordOrder": "little",
                 "value": 180.5, "tolerance": 0.1, "min": 20.0, "max": 250.0},
                {"name": "recipe", "address": 130, "value": 7, "mode": "observe"},
                {"name": "heater_on", "address": 5, "kind": "coil", "value": true}
            ]
        },
        "status": {
            "phase": "DriftDetected",
            "lastUpdate": "2026-11-25T11:59:50Z",
            "inSync": false,
            "driftEvents": 12,
            "correctionsApplied": 0,
            "message": "2 registers drifted; autoCorrect is off",
            "observedGeneration": 1,
            "registers": [
                {"name": "zone1_setpoint", "kind": "holding", "address": 100, "live": 176.25,
                 "desired": 180.5, "inSync": false, "action": "Drifted",
                 "message": "autoCorrect is off"},
                {"name": "recipe", "kind": "holding", "address": 130, "live": 9, "desired": 7,
                 "inSync": false, "action": "Drifted", "message": "observe mode"},
                {"name": "heater_on", "kind": "coil", "address": 5, "live": true,
                 "desired": true, "inSync": true, "action": "InSync"}
            ],
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "Drifted",
                 "message": "2 registers drifted", "lastTransitionTime": "2026-11-25T11:57:00Z",
                 "observedGeneration": 1},
                {"type": "Reachable", "status": "True", "reason": "Connected",
                 "message": "10.0.0.7:502 unit 3 answered", "lastTransitionTime": "2026-11-25T11:55:00Z",
                 "observedGeneration": 1},
                {"type": "InSync", "status": "False", "reason": "Drifted",
                 "message": "zone1_setpoint, recipe", "lastTransitionTime": "2026-11-25T11:57:00Z",
                 "observedGeneration": 1}
            ]
        }
    })
}

/// Just created: no agent has reported.
pub fn new_plc() -> Value {
    json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "IndustrialPLC",
        "metadata": {
            "name": "new-plc",
            "namespace": "default",
            "creationTimestamp": "2026-11-25T11:59:15Z"
        },
        "spec": {"deviceAddress": "fd00::7", "port": 5502}
    })
}

/// The three fixtures, typed.
pub fn plcs() -> Vec<IndustrialPLC> {
    [production_line(), oven(), new_plc()]
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
}

/// An API list response holding `items`.
pub fn list(items: &[Value]) -> Value {
    json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "IndustrialPLCList",
        "metadata": {"resourceVersion": "5000"},
        "items": items
    })
}
