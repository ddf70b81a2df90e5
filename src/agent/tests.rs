//! The reconciler against a mock API server (every request asserted) and the real
//! in-process Modbus simulator.

use std::sync::Arc;
use std::time::Duration;

use kube::runtime::controller::Action;
use serde_json::json;

use super::fixtures::{self, NOW, Plant, Scenario, Step, TestContext};
use super::status::Failure;
use super::{Error, error_policy, reconcile};
use crate::engine::apply::Outcome;
use crate::manifest::IndustrialPLC;
use crate::manifest::spec::SYNC_ANNOTATION;
use crate::register::RegisterKind::{Coil, Holding};
use crate::testing::api_server::{Seen, json_response};

const POLL: Duration = Duration::from_secs(5);

async fn reconcile_once(
    obj: &IndustrialPLC,
    ctx: &Arc<super::Context<crate::device::modbus::ModbusConnector>>,
) -> Result<Action, Error> {
    tokio::time::timeout(
        fixtures::WAIT,
        reconcile(Arc::new(obj.clone()), Arc::clone(ctx)),
    )
    .await
    .expect("reconcile finishes")
}

/// Drops the client and collects what the API server saw.
async fn finish(t: TestContext, server: tokio::task::JoinHandle<Vec<Seen>>) -> Vec<Seen> {
    drop(t.ctx);
    tokio::time::timeout(fixtures::WAIT * 2, server)
        .await
        .expect("the verifier finishes")
        .expect("every request was as expected")
}

fn speed_spec(auto_correct: bool) -> serde_json::Value {
    json!({
        "autoCorrect": auto_correct,
        "registers": [
            {"name": "speed", "address": 100, "value": 250, "min": 0, "max": 400},
        ],
    })
}

#[tokio::test]
async fn first_reconcile_patches_status_with_all_three_conditions_and_observed_generation() {
    // The original operator's shorthand: one u16 holding register named `target`.
    let plant = Plant::start(
        "press-1",
        json!({"targetRegister": 4001, "targetValue": 2500}),
    )
    .await;
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(
        &plant.object,
        Scenario::Steps(vec![Step::StatusApply(200), Step::StatusApply(200)]),
    );
    let ctx = &t.ctx;

    let action = reconcile_once(&plant.object, ctx)
        .await
        .expect("reconciled");
    assert_eq!(action, Action::requeue(POLL));

    // The watch delivers the patched object; a spec change (generation 2) reconciles
    // at once, and conditions whose status did not change keep their transition time.
    let mut next = plant.object.clone();
    next.metadata.generation = Some(2);
    // The status the API server now holds, as the cache shows it.
    next.status = ctx.memory().previous("uid-press-1", None);
    let action = reconcile_once(&next, ctx).await.expect("reconciled again");
    assert_eq!(action, Action::requeue(POLL));
    assert!(plant.sim.write_log().is_empty(), "nothing to correct");

    let seen = finish(t, server).await;
    let first = &seen[0];
    let status = first.status();
    assert_eq!(status["phase"], "Connected");
    assert_eq!(status["currentValue"], 2500);
    assert_eq!(status["inSync"], true);
    assert_eq!(status["driftEvents"], 0);
    assert_eq!(status["correctionsApplied"], 0);
    assert_eq!(status["observedGeneration"], 1);
    assert_eq!(status["lastUpdate"], NOW);
    assert!(status.get("lastError").is_none(), "{status:#}");
    assert_eq!(
        status["registers"],
        json!([{"name": "target", "kind": "holding", "address": 4001, "live": 2500,
                "desired": 2500, "inSync": true, "action": "InSync"}])
    );
    let conditions: Vec<(&str, &str, &str)> = status["conditions"]
        .as_array()
        .expect("conditions")
        .iter()
        .map(|c| {
            assert_eq!(c["lastTransitionTime"], NOW, "{c:#}");
            assert_eq!(c["observedGeneration"], 1, "{c:#}");
            assert!(c["message"].as_str().is_some_and(|m| !m.is_empty()));
            (
                c["type"].as_str().unwrap_or_default(),
                c["status"].as_str().unwrap_or_default(),
                c["reason"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        conditions,
        [
            ("Ready", "True", "Reconciled"),
            ("Reachable", "True", "Connected"),
            ("InSync", "True", "InSync")
        ]
    );

    let second = &seen[1];
    assert_eq!(second.status()["observedGeneration"], 2);
    assert_eq!(second.condition("Ready")["observedGeneration"], 2);
    assert_eq!(second.condition("Ready")["lastTransitionTime"], NOW);
}

#[tokio::test]
async fn drift_with_auto_correct_writes_the_device_and_publishes_drift_corrected() {
    let plant = Plant::start(
        "press-2",
        json!({"registers": [
            {"name": "speed", "address": 100, "value": 250, "min": 0, "max": 400},
            {"name": "guard", "address": 1, "kind": "coil", "value": true},
        ]}),
    )
    .await;
    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
    assert!(plant.sim.set_words(&plant.device, Coil, 1, &[0]));
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(
        &plant.object,
        Scenario::EventsThenStatus(&["DriftCorrected"]),
    );
    let ctx = &t.ctx;

    let action = reconcile_once(&plant.object, ctx)
        .await
        .expect("reconciled");
    assert_eq!(action, Action::requeue(POLL));

    // The device holds the desired values again.
    assert_eq!(
        plant.sim.read_words(&plant.device, Holding, 100, 1),
        Some(vec![250])
    );
    assert_eq!(
        plant.sim.read_words(&plant.device, Coil, 1, 1),
        Some(vec![1])
    );
    let counters = plant.sim.counters(&plant.device).expect("counters");
    assert_eq!(counters.writes_to(Holding, 100), 1);
    assert_eq!(counters.writes_to(Coil, 1), 1);
    // Audited, and counted in the metrics.
    let audited: Vec<Outcome> = t
        .audit
        .0
        .lock()
        .expect("audit")
        .iter()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(audited, [Outcome::Applied, Outcome::Applied]);
    let text = t.metrics.render();
    assert!(
        text.contains(
            r#"fabctl_corrections_total{namespace="plant-a",plc="press-2",register="speed"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"fabctl_plc_up{namespace="plant-a",plc="press-2"} 1"#));

    let seen = finish(t, server).await;
    let event = &seen[0].body;
    assert_eq!(event["type"], "Normal");
    assert_eq!(event["action"], "Correct");
    assert_eq!(
        event["note"],
        "corrected 2 registers (verified by read-back): speed 200 → 250, guard false → true"
    );
    let status = seen[1].status();
    assert_eq!(status["phase"], "Connected");
    assert_eq!(status["inSync"], true);
    assert_eq!(status["driftEvents"], 2);
    assert_eq!(status["correctionsApplied"], 2);
    assert_eq!(status["registers"][0]["action"], "Corrected");
    assert_eq!(status["registers"][0]["live"], 250);
    assert_eq!(status["registers"][1]["live"], true);
    assert_eq!(seen[1].condition("InSync")["reason"], "Corrected");
    assert_eq!(seen[1].condition("Ready")["status"], "True");
}

#[tokio::test]
async fn auto_correct_false_publishes_drift_detected_and_sends_no_write() {
    let plant = Plant::start("press-3", speed_spec(false)).await;
    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(
        &plant.object,
        Scenario::EventsThenStatus(&["DriftDetected"]),
    );
    let ctx = &t.ctx;

    let action = reconcile_once(&plant.object, ctx)
        .await
        .expect("reconciled");
    assert_eq!(
        action,
        Action::requeue(POLL),
        "drift left alone is not an error"
    );

    assert!(plant.sim.write_log().is_empty());
    let counters = plant.sim.counters(&plant.device).expect("counters");
    assert_eq!(counters.writes_to(Holding, 100), 0);
    assert_eq!(
        plant.sim.read_words(&plant.device, Holding, 100, 1),
        Some(vec![200])
    );
    assert!(t.audit.0.lock().expect("audit").is_empty());

    let seen = finish(t, server).await;
    let event = &seen[0].body;
    assert_eq!(event["type"], "Warning");
    assert_eq!(
        event["note"],
        "1 register drifted and not written: speed 200 (desired 250, autoCorrect off)"
    );
    let status = seen[1].status();
    assert_eq!(status["phase"], "DriftDetected");
    assert_eq!(status["inSync"], false);
    assert_eq!(status["driftEvents"], 1);
    assert_eq!(status["correctionsApplied"], 0);
    assert_eq!(
        status["registers"][0],
        json!({"name": "speed", "kind": "holding", "address": 100, "live": 200, "desired": 250,
               "inSync": false, "action": "Drifted", "message": "not written: autoCorrect off"})
    );
    assert_eq!(seen[1].condition("InSync")["status"], "False");
    assert_eq!(seen[1].condition("InSync")["reason"], "Drifted");
    assert_eq!(seen[1].condition("Ready")["reason"], "Drifted");
    assert_eq!(seen[1].condition("Reachable")["status"], "True");
}

#[tokio::test]
async fn observe_only_register_is_reported_and_not_written() {
    let plant = Plant::start(
        "oven-1",
        json!({"registers": [{"name": "recipe", "address": 7, "value": 3, "mode": "observe"}]}),
    )
    .await;
    assert!(plant.sim.set_words(&plant.device, Holding, 7, &[4]));
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(
        &plant.object,
        Scenario::EventsThenStatus(&["DriftDetected"]),
    );
    let action = reconcile_once(&plant.object, &t.ctx)
        .await
        .expect("reconciled");
    assert_eq!(action, Action::requeue(POLL));
    assert!(plant.sim.write_log().is_empty());
    let seen = finish(t, server).await;
    assert_eq!(
        seen[0].body["note"],
        "1 register drifted and not written: recipe 4 (desired 3, observe only)"
    );
    assert_eq!(seen[1].status()["phase"], "DriftDetected");
    assert_eq!(seen[1].status()["registers"][0]["action"], "Drifted");
}

#[tokio::test]
async fn unreachable_device_sets_reachable_false_publishes_connection_failed_and_backs_off() {
    let mut spec = speed_spec(true);
    spec["deviceAddress"] = json!("127.0.0.1");
    spec["port"] = json!(fixtures::closed_port());
    spec["timeoutMs"] = json!(300);
    let object = fixtures::object("press-4", spec);
    let mut t = fixtures::context(Duration::from_millis(50));
    let server = t.serve(
        &object,
        Scenario::Steps(vec![
            Step::EventCreate("ConnectionFailed"),
            Step::StatusApply(200),
            // Still down: no new event, and the status, unchanged, is not written
            // again before the heartbeat.
        ]),
    );
    let ctx = &t.ctx;
    let obj = Arc::new(object.clone());

    let mut delays = Vec::new();
    for _ in 0..3 {
        let error = reconcile_once(&object, ctx).await.expect_err("unreachable");
        assert!(
            matches!(&error, Error::Device { plc, failure: Failure::Unreachable { reason } } if plc == "plant-a/press-4" && reason.starts_with("cannot connect to 127.0.0.1:")),
            "{error}"
        );
        let action = error_policy(Arc::clone(&obj), &error, Arc::clone(ctx));
        delays.push(action.clone());
        // Before the retry is due, a trigger (our own status patch) does not poll:
        // the verifier would see an unexpected request.
        let early = reconcile_once(&object, ctx).await.expect("not due");
        assert_ne!(early, Action::requeue(POLL));
        let waited = 50 * (1 << delays.len()) / 2 + 10;
        tokio::time::sleep(Duration::from_millis(waited)).await;
    }
    assert_eq!(
        delays,
        [
            Action::requeue(Duration::from_millis(50)),
            Action::requeue(Duration::from_millis(100)),
            Action::requeue(Duration::from_millis(200)),
        ],
        "the backoff grows"
    );
    let text = t.metrics.render();
    assert!(
        text.contains(r#"fabctl_plc_up{namespace="plant-a",plc="press-4"} 0"#),
        "{text}"
    );

    let seen = finish(t, server).await;
    let event = &seen[0].body;
    assert_eq!(event["type"], "Warning");
    assert!(
        event["note"]
            .as_str()
            .is_some_and(|n| n.contains("cannot connect to 127.0.0.1:")),
        "{event:#}"
    );
    for patch in &seen[1..] {
        let status = patch.status();
        assert_eq!(status["phase"], "Failed");
        assert!(status.get("registers").is_none(), "{status:#}");
        assert!(
            status["lastError"]
                .as_str()
                .is_some_and(|e| e.starts_with("cannot connect to 127.0.0.1:")),
            "{status:#}"
        );
        assert_eq!(patch.condition("Reachable")["status"], "False");
        assert_eq!(patch.condition("Reachable")["reason"], "ConnectionFailed");
        assert_eq!(patch.condition("Ready")["status"], "False");
        assert_eq!(patch.condition("InSync")["status"], "Unknown");
    }
}

/// A status patch refused with `code`: the reconcile is not failed, the PLC is polled
/// and corrected again at the poll interval (not after the backoff, a minute here),
/// and the next patch carries the refused tick's counts.
async fn a_refused_status_patch_does_not_delay_the_next_correction(code: u16) {
    let plant = Plant::start(&format!("press-{code}"), speed_spec(true)).await;
    let uid = format!("uid-press-{code}");
    let mut t = fixtures::context(Duration::from_secs(60));
    let server = t.serve(
        &plant.object,
        Scenario::Steps(vec![
            Step::EventCreate("DriftCorrected"),
            Step::StatusApply(code),
            Step::EventSeries("DriftCorrected"),
            Step::StatusApply(200),
        ]),
    );
    let ctx = &t.ctx;

    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
    let action = reconcile_once(&plant.object, ctx)
        .await
        .expect("a refused status is no failed reconcile");
    assert_eq!(action, Action::requeue(POLL), "polled again on schedule");
    assert_eq!(ctx.memory().failures(&uid), 0, "no backoff");
    // The correction itself happened and was verified.
    assert_eq!(
        plant.sim.read_words(&plant.device, Holding, 100, 1),
        Some(vec![250])
    );

    // Drifts again; the poll interval passes; the cache still shows no status.
    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[190]));
    ctx.memory()
        .wait(&uid, Duration::ZERO, std::time::Instant::now());
    let action = reconcile_once(&plant.object, ctx).await.expect("polled");
    assert_eq!(action, Action::requeue(POLL));
    assert_eq!(
        plant.sim.read_words(&plant.device, Holding, 100, 1),
        Some(vec![250]),
        "corrected at the next poll"
    );
    let writes = plant.sim.counters(&plant.device).expect("counters");
    assert_eq!(writes.writes_to(Holding, 100), 2);

    let seen = finish(t, server).await;
    let refused = seen[1].status();
    assert_eq!(
        (&refused["driftEvents"], &refused["correctionsApplied"]),
        (&json!(1), &json!(1))
    );
    let written = seen[3].status();
    assert_eq!(
        (&written["driftEvents"], &written["correctionsApplied"]),
        (&json!(2), &json!(2)),
        "the totals include the tick whose patch was refused"
    );
    assert_eq!(written["phase"], "Connected");
    assert_eq!(seen[2].body["series"]["count"], 2);
}

#[tokio::test]
async fn a_status_500_does_not_delay_the_next_correction() {
    a_refused_status_patch_does_not_delay_the_next_correction(500).await;
}

#[tokio::test]
async fn a_status_409_does_not_delay_the_next_correction() {
    a_refused_status_patch_does_not_delay_the_next_correction(409).await;
}

/// The API server stored the patch but answered 500 (a timeout behind a proxy, an
/// etcd leader change): the next patch does not add that tick's counts again.
#[tokio::test]
async fn a_patch_stored_but_answered_500_counts_its_corrections_once() {
    let plant = Plant::start("press-11", speed_spec(true)).await;
    let uid = "uid-press-11";
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(
        &plant.object,
        Scenario::Steps(vec![
            Step::EventCreate("DriftCorrected"),
            Step::StatusApply(500),
            Step::EventSeries("DriftCorrected"),
            Step::StatusApply(200),
        ]),
    );
    let ctx = &t.ctx;

    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
    reconcile_once(&plant.object, ctx).await.expect("polled");
    // The server stored the patch it answered 500: the watch shows it.
    let mut stored = plant.object.clone();
    stored.status = t
        .last_status
        .lock()
        .expect("last status")
        .clone()
        .map(super::status::retained);
    assert_eq!(
        stored.status.as_ref().map(|s| s.corrections_applied),
        Some(1)
    );

    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[190]));
    ctx.memory()
        .wait(uid, Duration::ZERO, std::time::Instant::now());
    reconcile_once(&stored, ctx).await.expect("polled");
    let writes = plant
        .sim
        .counters(&plant.device)
        .expect("counters")
        .writes_to(Holding, 100);
    assert_eq!(writes, 2);

    let seen = finish(t, server).await;
    let written = seen[3].status();
    assert_eq!(
        (&written["driftEvents"], &written["correctionsApplied"]),
        (&json!(2), &json!(2)),
        "two corrections, counted once each"
    );
}

/// An API server that takes the status patch and never answers: the reconcile gives
/// up after the status timeout, the PLC is polled on schedule, and the status is
/// written at the next poll.
#[tokio::test]
async fn an_unanswered_status_patch_does_not_hold_up_the_next_poll() {
    let plant = Plant::start("press-13", speed_spec(true)).await;
    let uid = "uid-press-13";
    let mut t = fixtures::context(Duration::from_secs(60));
    t.ctx = {
        let mut ctx = Arc::try_unwrap(t.ctx).ok().expect("not shared yet");
        ctx.status_timeout = Duration::from_millis(200);
        Arc::new(ctx)
    };
    let server = t.serve(
        &plant.object,
        Scenario::Steps(vec![
            Step::EventCreate("DriftCorrected"),
            Step::StatusUnanswered,
            Step::EventSeries("DriftCorrected"),
            Step::StatusApply(200),
        ]),
    );
    let ctx = &t.ctx;

    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
    let started = std::time::Instant::now();
    let action = reconcile_once(&plant.object, ctx).await.expect("polled");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(action, Action::requeue(POLL));
    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[190]));
    ctx.memory()
        .wait(uid, Duration::ZERO, std::time::Instant::now());
    reconcile_once(&plant.object, ctx).await.expect("polled");
    assert_eq!(
        plant.sim.read_words(&plant.device, Holding, 100, 1),
        Some(vec![250])
    );

    let seen = finish(t, server).await;
    let written = seen[3].status();
    assert_eq!(
        (&written["driftEvents"], &written["correctionsApplied"]),
        (&json!(2), &json!(2))
    );
}

/// A PLC in sync polled again and again: one status, then none until the heartbeat,
/// then one (its `lastUpdate` moves).
#[tokio::test]
async fn a_steady_plc_writes_its_status_once_then_only_at_the_heartbeat() {
    let plant = Plant::start("press-12", speed_spec(true)).await;
    let uid = "uid-press-12";
    let heartbeat = Duration::from_secs(1);
    let mut t = fixtures::context(Duration::from_millis(10));
    t.ctx = {
        let mut ctx = Arc::try_unwrap(t.ctx).ok().expect("not shared yet");
        ctx.status_heartbeat = heartbeat;
        Arc::new(ctx)
    };
    let server = t.serve(
        &plant.object,
        Scenario::Steps(vec![Step::StatusApply(200), Step::StatusApply(200)]),
    );
    let ctx = &t.ctx;
    let poll = async |object: &IndustrialPLC| {
        ctx.memory()
            .wait(uid, Duration::ZERO, std::time::Instant::now());
        reconcile_once(object, ctx).await.expect("polled")
    };

    let started = std::time::Instant::now();
    assert_eq!(poll(&plant.object).await, Action::requeue(POLL));
    // The watch shows the stored status from now on.
    let mut cached = plant.object.clone();
    cached.status = ctx.memory().previous(uid, None);
    let reads = plant.sim.total_requests();
    for _ in 0..5 {
        assert_eq!(poll(&cached).await, Action::requeue(POLL));
    }
    assert!(
        started.elapsed() < heartbeat,
        "the polls took longer than the heartbeat"
    );
    assert!(
        plant.sim.total_requests() >= reads + 5,
        "every poll read the PLC"
    );
    tokio::time::sleep(heartbeat).await;
    assert_eq!(poll(&cached).await, Action::requeue(POLL));

    // Two patches in all (an unexpected third would fail the verifier).
    let seen = finish(t, server).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].status()["phase"], "Connected");
    assert_eq!(seen[1].status()["lastUpdate"], NOW);
}

#[tokio::test]
async fn invalid_spec_sets_ready_false_with_zero_device_traffic() {
    let mut plant = Plant::start("press-5", speed_spec(true)).await;
    // Someone edits the resource: 500 is above max.
    plant.object.spec.registers[0].value = crate::register::Value::Int(500);
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(&plant.object, Scenario::EventsThenStatus(&["InvalidSpec"]));
    let action = reconcile_once(&plant.object, &t.ctx)
        .await
        .expect("reported");
    assert_eq!(action, Action::requeue(Duration::from_millis(80)));
    assert_eq!(plant.sim.total_connections(), 0);
    assert_eq!(plant.sim.total_requests(), 0);

    let seen = finish(t, server).await;
    let status = seen[1].status();
    assert_eq!(status["phase"], "Failed");
    assert!(
        status["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("max")),
        "{status:#}"
    );
    assert_eq!(seen[1].condition("Ready")["status"], "False");
    assert_eq!(seen[1].condition("Ready")["reason"], "InvalidSpec");
    assert_eq!(seen[1].condition("Reachable")["status"], "Unknown");
    assert_eq!(seen[1].condition("InSync")["status"], "Unknown");
}

#[tokio::test]
async fn sync_annotation_reconciles_at_once_and_resets_the_backoff() {
    let mut spec = speed_spec(true);
    spec["deviceAddress"] = json!("127.0.0.1");
    spec["port"] = json!(fixtures::closed_port());
    spec["timeoutMs"] = json!(300);
    let mut object = fixtures::object("press-6", spec);
    // Long delays: nothing becomes due by itself during the test.
    let mut t = fixtures::context(Duration::from_secs(10));
    let server = t.serve(
        &object,
        Scenario::Steps(vec![
            Step::EventCreate("ConnectionFailed"),
            Step::StatusApply(200),
            Step::StatusApply(200),
            Step::StatusApply(200),
        ]),
    );
    let ctx = &t.ctx;
    let mut policy = Vec::new();

    let error = reconcile_once(&object, ctx).await.expect_err("down");
    policy.push(error_policy(
        Arc::new(object.clone()),
        &error,
        Arc::clone(ctx),
    ));
    // A watch event that changes nothing relevant: no request, requeue at the retry.
    let early = reconcile_once(&object, ctx).await.expect("not due");
    assert!(early != Action::requeue(POLL) && early != Action::requeue(Duration::ZERO));

    // A spec change runs at once; the failure count goes on.
    object.metadata.generation = Some(2);
    let error = reconcile_once(&object, ctx).await.expect_err("down");
    policy.push(error_policy(
        Arc::new(object.clone()),
        &error,
        Arc::clone(ctx),
    ));

    // `fabctl sync` annotates: runs now, and the backoff starts over.
    object
        .metadata
        .annotations
        .get_or_insert_default()
        .insert(SYNC_ANNOTATION.into(), "2025-06-15T15:07:00Z".into());
    let error = reconcile_once(&object, ctx).await.expect_err("down");
    policy.push(error_policy(
        Arc::new(object.clone()),
        &error,
        Arc::clone(ctx),
    ));
    // The same annotation again is not a new request.
    let early = reconcile_once(&object, ctx).await.expect("not due");
    assert!(early != Action::requeue(POLL));

    assert_eq!(
        policy,
        [
            Action::requeue(Duration::from_secs(10)),
            Action::requeue(Duration::from_secs(20)),
            Action::requeue(Duration::from_secs(10)),
        ]
    );
    let seen = finish(t, server).await;
    assert!(seen[1].status().get("lastSyncRequest").is_none());
    assert_eq!(seen[2].status()["observedGeneration"], 2);
    assert_eq!(seen[3].status()["lastSyncRequest"], "2025-06-15T15:07:00Z");
}

#[tokio::test]
async fn controller_lists_watches_reconciles_and_stops_gracefully() {
    use http::Method;
    use kube::runtime::watcher;

    let plant = Plant::start("press-7", speed_spec(true)).await;
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let (ctx, mut handle) = fixtures::bare_context(
        Duration::from_millis(10),
        Arc::clone(&metrics),
        Arc::default(),
    );
    let controller = RunningController::start(ctx, watcher::Config::default().labels("shard=a"));

    let plcs = "/apis/fabgitops.io/v1/industrialplcs";
    let models = "/apis/fabgitops.io/v1/plcmodels";
    let status = format!(
        "/apis/fabgitops.io/v1/namespaces/{}/industrialplcs/press-7/status",
        fixtures::NS
    );
    let mut list = None;
    // Watches are held open (never answered) until the controller stops.
    let mut watches = Vec::new();
    let patch = loop {
        let (request, send) = tokio::time::timeout(fixtures::WAIT, handle.next_request())
            .await
            .expect("a request")
            .expect("the controller is running");
        let seen = Seen::read(request).await;
        let watching = seen.query.iter().any(|(k, v)| k == "watch" && v == "true");
        match seen.method.clone() {
            Method::GET if seen.path == plcs && watching => watches.push((seen, send)),
            // No PLCModel: the PLC names none.
            Method::GET if seen.path == models && watching => watches.push((seen, send)),
            Method::GET if seen.path == models => {
                // The label selector picks PLCs, not models.
                assert!(seen.query.iter().all(|(k, _)| k != "labelSelector"));
                send.send_response(json_response(200, &model_list(&[])));
            }
            Method::GET if seen.path == plcs => {
                send.send_response(json_response(
                    200,
                    &json!({
                        "apiVersion": "fabgitops.io/v1",
                        "kind": "IndustrialPLCList",
                        "metadata": {"resourceVersion": "100"},
                        "items": [plant.object],
                    }),
                ));
                list = Some(seen);
            }
            Method::PATCH if seen.path == status => {
                let mut patched = plant.object.clone();
                patched.status = serde_json::from_value(seen.status().clone()).ok();
                send.send_response(json_response(
                    200,
                    &serde_json::to_value(patched).expect("json"),
                ));
                break seen;
            }
            other => panic!("unexpected request {other} {}", seen.path),
        }
    };

    let started = std::time::Instant::now();
    controller.stop().await;
    // The next poll was 5 s away: shutdown does not wait for requeues.
    assert!(started.elapsed() < Duration::from_secs(3));

    let list = list.expect("listed");
    assert!(
        list.query
            .contains(&("labelSelector".to_owned(), "shard%3Da".to_owned())),
        "{:?}",
        list.query
    );
    assert_eq!(patch.content_type, "application/apply-patch+yaml");
    assert_eq!(patch.status()["phase"], "Connected");
    assert_eq!(patch.condition("Ready")["status"], "True");
    assert!(metrics.render().contains("fabctl_managed_plcs 1"));
    drop(watches);
}

#[tokio::test]
async fn a_register_rewritten_after_three_corrections_is_left_to_its_writer_until_fabctl_sync() {
    let plant = Plant::start("press-8", speed_spec(true)).await;
    let uid = "uid-press-8";
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(
        &plant.object,
        Scenario::Steps(vec![
            Step::EventCreate("DriftCorrected"),
            Step::StatusApply(200),
            Step::EventSeries("DriftCorrected"),
            Step::StatusApply(200),
            Step::EventSeries("DriftCorrected"),
            Step::StatusApply(200),
            // The fourth time: not written.
            Step::EventCreate("WriteConflict"),
            Step::StatusApply(200),
            // Still rewritten: still not written, no new event.
            Step::StatusApply(200),
            // `fabctl sync`: written again.
            Step::EventSeries("DriftCorrected"),
            Step::EventCreate("WriteConflictResolved"),
            Step::StatusApply(200),
        ]),
    );
    let ctx = &t.ctx;
    let writes = || {
        plant
            .sim
            .counters(&plant.device)
            .expect("counters")
            .writes_to(Holding, 100)
    };
    // The PLC program sets its own speed before every poll.
    let poll = async |object: &IndustrialPLC| {
        assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
        // The poll interval has passed.
        ctx.memory()
            .wait(uid, Duration::ZERO, std::time::Instant::now());
        reconcile_once(object, ctx).await.expect("reconciled")
    };
    for n in 1..=3 {
        assert_eq!(poll(&plant.object).await, Action::requeue(POLL));
        assert_eq!(writes(), n);
    }
    for _ in 0..2 {
        assert_eq!(
            poll(&plant.object).await,
            Action::requeue(POLL),
            "a conflict is not an error to back off from"
        );
        assert_eq!(writes(), 3, "not written any more");
        assert_eq!(
            plant.sim.read_words(&plant.device, Holding, 100, 1),
            Some(vec![200])
        );
    }
    let text = t.metrics.render();
    assert!(
        text.contains(
            r#"fabctl_write_conflicts{namespace="plant-a",plc="press-8",register="speed"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"fabctl_write_conflicts_started_total{namespace="plant-a",plc="press-8",register="speed"} 1"#
        ),
        "{text}"
    );

    let mut synced = plant.object.clone();
    synced
        .metadata
        .annotations
        .get_or_insert_default()
        .insert(SYNC_ANNOTATION.into(), "2025-06-15T15:07:00Z".into());
    poll(&synced).await;
    assert_eq!(writes(), 4, "written again after fabctl sync");
    assert!(t.metrics.render().contains(
        r#"fabctl_write_conflicts{namespace="plant-a",plc="press-8",register="speed"} 0"#
    ));

    let seen = finish(t, server).await;
    let event = &seen[6].body;
    assert_eq!(event["type"], "Warning");
    assert_eq!(
        event["note"],
        "1 register rewritten by another writer (the PLC program, an HMI?); fabctl stopped writing: speed 200 (desired 250, conflict: rewritten by another writer after 3 corrections; not written). It writes again when the manifest changes, on fabctl sync, or once the register stays in sync by itself"
    );
    for patch in [&seen[7], &seen[8]] {
        let status = patch.status();
        assert_eq!(status["phase"], "DriftDetected");
        assert_eq!(status["inSync"], false);
        assert_eq!(
            status["registers"][0],
            json!({"name": "speed", "kind": "holding", "address": 100, "live": 200,
                   "desired": 250, "inSync": false, "action": "Conflict",
                   "message": "conflict: rewritten by another writer after 3 corrections; not written"})
        );
        assert_eq!(patch.condition("InSync")["status"], "False");
        assert_eq!(patch.condition("InSync")["reason"], "WriteConflict");
        assert_eq!(
            patch.condition("InSync")["message"],
            "1 of 1 registers out of sync; rewritten by another writer, not written: speed"
        );
        assert_eq!(patch.condition("Ready")["reason"], "WriteConflict");
        assert_eq!(status["correctionsApplied"], 3);
    }
    assert_eq!(seen[9].body["series"]["count"], 4);
    let resolved = &seen[10].body;
    assert_eq!(resolved["type"], "Normal");
    assert_eq!(
        resolved["note"],
        "writing again 1 register left to another writer: speed (fabctl sync was requested)"
    );
    let status = seen[11].status();
    assert_eq!(status["registers"][0]["action"], "Corrected");
    assert_eq!(seen[11].condition("InSync")["reason"], "Corrected");
}

#[tokio::test]
async fn a_new_generation_resumes_writing_a_register_in_conflict() {
    let plant = Plant::start("press-9", speed_spec(true)).await;
    let uid = "uid-press-9";
    let mut t = fixtures::context(Duration::from_millis(10));
    t.ctx = {
        let mut ctx = Arc::try_unwrap(t.ctx).ok().expect("not shared yet");
        ctx.conflict_after = 1;
        Arc::new(ctx)
    };
    let server = t.serve(
        &plant.object,
        Scenario::Steps(vec![
            Step::EventCreate("DriftCorrected"),
            Step::StatusApply(200),
            Step::EventCreate("WriteConflict"),
            Step::StatusApply(200),
            Step::EventSeries("DriftCorrected"),
            Step::EventCreate("WriteConflictResolved"),
            Step::StatusApply(200),
        ]),
    );
    let ctx = &t.ctx;
    let poll = async |object: &IndustrialPLC| {
        assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
        ctx.memory()
            .wait(uid, Duration::ZERO, std::time::Instant::now());
        reconcile_once(object, ctx).await.expect("reconciled")
    };
    poll(&plant.object).await;
    poll(&plant.object).await;
    let writes = || {
        plant
            .sim
            .counters(&plant.device)
            .expect("c")
            .writes_to(Holding, 100)
    };
    assert_eq!(
        writes(),
        1,
        "--conflict-after 1: one correction, then left alone"
    );
    let mut edited = plant.object.clone();
    edited.metadata.generation = Some(2);
    poll(&edited).await;
    assert_eq!(writes(), 2);
    let seen = finish(t, server).await;
    assert_eq!(
        seen[5].body["note"],
        "writing again 1 register left to another writer: speed (its manifest changed)"
    );
}

#[tokio::test]
async fn a_plc_behind_modbus_tcp_security_is_corrected_over_tls() {
    let dir = tempfile::tempdir().expect("a directory");
    let plant = Plant::start_tls("press-tls", speed_spec(true), dir.path()).await;
    corrects_speed_in_one_reconcile(&plant).await;
}

#[tokio::test]
async fn the_agent_reaches_a_plc_by_the_transport_of_its_spec() {
    // The simulator plays a serial gateway in transparent mode: only RTU framing
    // gets an answer.
    let plant = Plant::start(
        "drive-7",
        json!({"transport": "rtu-over-tcp", "unitId": 3, "registers": [
            {"name": "speed", "address": 100, "value": 250, "min": 0, "max": 400},
        ]}),
    )
    .await;
    corrects_speed_in_one_reconcile(&plant).await;
}

/// `speed` (holding 100, desired 250) found at 200 is corrected in one reconcile, and
/// the status says so.
async fn corrects_speed_in_one_reconcile(plant: &Plant) {
    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(
        &plant.object,
        Scenario::EventsThenStatus(&["DriftCorrected"]),
    );
    let action = reconcile_once(&plant.object, &t.ctx)
        .await
        .expect("reconciled");
    assert_eq!(action, Action::requeue(POLL));
    assert_eq!(
        plant.sim.read_words(&plant.device, Holding, 100, 1),
        Some(vec![250])
    );
    let seen = finish(t, server).await;
    let status = seen[1].status();
    assert_eq!(status["phase"], "Connected");
    assert_eq!(status["inSync"], true);
    assert_eq!(status["registers"][0]["action"], "Corrected");
}

/// A `PLCModelList` holding `items`.
fn model_list(items: &[serde_json::Value]) -> serde_json::Value {
    json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "PLCModelList",
        "metadata": {"resourceVersion": "100"},
        "items": items,
    })
}

/// PLCModel `press-v` of the fixtures' namespace: register `speed` at 100 with this
/// default, at this generation.
fn speed_model(default: u16, generation: i64) -> serde_json::Value {
    json!({
        "apiVersion": "fabgitops.io/v1",
        "kind": "PLCModel",
        "metadata": {
            "name": "press-v",
            "namespace": fixtures::NS,
            "uid": "uid-model",
            "generation": generation,
            "resourceVersion": format!("{}", 100 + generation),
        },
        "spec": {"registers": [
            {"name": "speed", "address": 100, "value": default, "min": 0, "max": 400},
        ]},
    })
}

/// The device of `speed_spec`, and the object of a PLC of model `press-v` on it.
async fn model_plant(name: &str) -> (Plant, IndustrialPLC) {
    let plant = Plant::start(name, speed_spec(true)).await;
    let mut object = plant.object.clone();
    object.spec.registers.clear();
    object.spec.model = Some("press-v".into());
    (plant, object)
}

#[tokio::test]
async fn a_plc_whose_model_is_missing_is_not_ready_and_never_written() {
    let (plant, object) = model_plant("press-20").await;
    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[200]));
    let mut t = fixtures::context(Duration::from_millis(10));
    let server = t.serve(&object, Scenario::EventsThenStatus(&["ModelNotFound"]));
    reconcile_once(&object, &t.ctx).await.expect("reconciled");
    assert!(plant.sim.write_log().is_empty(), "nothing written");
    let seen = finish(t, server).await;
    let ready = seen[1].condition("Ready");
    assert_eq!(ready["status"], "False");
    assert_eq!(ready["reason"], "ModelNotFound");
    assert_eq!(
        ready["message"],
        "PLCModel `press-v` not found in namespace `plant-a`; create it, or fix `spec.model`"
    );
    assert_eq!(seen[1].condition("Reachable")["status"], "Unknown");
    assert_eq!(seen[1].status()["phase"], "Failed");
}

#[tokio::test]
async fn the_agent_reconciles_the_plcs_of_a_model_that_changed() {
    use http::{Method, Response, header};
    use kube::client::Body;
    use kube::runtime::watcher;

    let (plant, object) = model_plant("press-21").await;
    let (ctx, mut handle) = fixtures::bare_context(
        Duration::from_millis(10),
        Arc::new(crate::metrics::Metrics::new()),
        Arc::default(),
    );
    let controller = RunningController::start(ctx, watcher::Config::default());
    let plcs = "/apis/fabgitops.io/v1/industrialplcs";
    let models = "/apis/fabgitops.io/v1/plcmodels";
    let status = format!(
        "/apis/fabgitops.io/v1/namespaces/{}/industrialplcs/press-21/status",
        fixtures::NS
    );
    // Watches are held open until a test step answers them.
    let mut plc_watches = Vec::new();
    let mut model_watch = None;
    let mut patches = Vec::new();
    let mut events = Vec::new();
    while patches.len() < 2 {
        let (request, send) = tokio::time::timeout(fixtures::WAIT, handle.next_request())
            .await
            .expect("a request")
            .expect("the controller is running");
        let seen = Seen::read(request).await;
        let watching = seen.query.iter().any(|(k, v)| k == "watch" && v == "true");
        match seen.method.clone() {
            Method::GET if seen.path == plcs && watching => plc_watches.push(send),
            Method::GET if seen.path == plcs => send.send_response(json_response(
                200,
                &json!({
                    "apiVersion": "fabgitops.io/v1",
                    "kind": "IndustrialPLCList",
                    "metadata": {"resourceVersion": "100"},
                    "items": [object],
                }),
            )),
            Method::GET if seen.path == models && watching => model_watch = Some(send),
            Method::GET if seen.path == models => {
                send.send_response(json_response(200, &model_list(&[speed_model(250, 1)])))
            }
            Method::POST if seen.path.ends_with("/events") => {
                events.push(seen.body["reason"].as_str().unwrap_or_default().to_owned());
                send.send_response(json_response(201, &seen.body));
            }
            Method::PATCH if seen.path == status => {
                let mut patched = object.clone();
                patched.status = serde_json::from_value(seen.status().clone()).ok();
                send.send_response(json_response(200, &serde_json::to_value(patched).unwrap()));
                patches.push(seen);
                if patches.len() == 1 {
                    // In sync with the model's default: nothing written.
                    assert!(plant.sim.write_log().is_empty());
                    // The model's default changes: the watch delivers it.
                    let event = json!({"type": "MODIFIED", "object": speed_model(300, 2)});
                    let body = format!("{event}\n");
                    let send = model_watch.take().expect("the models are watched");
                    send.send_response(
                        Response::builder()
                            .status(200)
                            .header(header::CONTENT_TYPE, "application/json")
                            .body(Body::from(body.into_bytes()))
                            .expect("response"),
                    );
                }
            }
            other => panic!("unexpected request {other} {}", seen.path),
        }
    }
    controller.stop().await;
    drop(plc_watches);

    assert_eq!(patches[0].status()["inSync"], true);
    // The PLC was polled again at once (its next poll was 5 s away) and corrected to
    // the model's new default.
    let second = patches[1].status();
    assert_eq!(second["correctionsApplied"], 1, "{second:#}");
    assert_eq!(
        second["registers"],
        json!([{"name": "speed", "kind": "holding", "address": 100, "live": 300,
                "desired": 300, "inSync": true, "action": "Corrected"}])
    );
    assert_eq!(events, ["DriftCorrected"]);
    assert_eq!(
        plant.sim.read_words(&plant.device, Holding, 100, 1),
        Some(vec![300])
    );
    assert_eq!(plant.sim.write_log().len(), 1);
}

#[tokio::test]
async fn at_start_a_plc_of_a_model_waits_for_the_models_before_being_called_missing() {
    use http::Method;
    use kube::runtime::watcher;

    let (plant, object) = model_plant("press-22").await;
    // In sync with the model's default: nothing to write.
    assert!(plant.sim.set_words(&plant.device, Holding, 100, &[250]));
    let (ctx, mut handle) = fixtures::bare_context(
        Duration::from_millis(10),
        Arc::new(crate::metrics::Metrics::new()),
        Arc::default(),
    );
    let controller = RunningController::start(ctx, watcher::Config::default());
    let plcs = "/apis/fabgitops.io/v1/industrialplcs";
    let models = "/apis/fabgitops.io/v1/plcmodels";
    let mut watches = Vec::new();
    let mut held_models = None;
    let mut listed_at: Option<std::time::Instant> = None;
    let mut patches = Vec::new();
    let mut events = Vec::new();
    while patches.is_empty() {
        // The models' list is held back for 300 ms after the PLCs are listed.
        let wait = match listed_at {
            Some(at) if held_models.is_some() => (at + Duration::from_millis(300))
                .saturating_duration_since(std::time::Instant::now()),
            _ => fixtures::WAIT,
        };
        let next = tokio::time::timeout(wait, handle.next_request()).await;
        let Ok(next) = next else {
            let send: tower_test::mock::SendResponse<_> = held_models.take().expect("held");
            send.send_response(json_response(200, &model_list(&[speed_model(250, 1)])));
            continue;
        };
        let (request, send) = next.expect("the controller is running");
        let seen = Seen::read(request).await;
        let watching = seen.query.iter().any(|(k, v)| k == "watch" && v == "true");
        match seen.method.clone() {
            Method::GET if watching => watches.push(send),
            Method::GET if seen.path == plcs => {
                listed_at = Some(std::time::Instant::now());
                send.send_response(json_response(
                    200,
                    &json!({
                        "apiVersion": "fabgitops.io/v1",
                        "kind": "IndustrialPLCList",
                        "metadata": {"resourceVersion": "100"},
                        "items": [object],
                    }),
                ));
            }
            Method::GET if seen.path == models => held_models = Some(send),
            Method::POST if seen.path.ends_with("/events") => {
                assert!(
                    held_models.is_none(),
                    "an event before the models were listed"
                );
                events.push(seen.body["reason"].as_str().unwrap_or_default().to_owned());
                send.send_response(json_response(201, &seen.body));
            }
            Method::PATCH => {
                assert!(
                    held_models.is_none(),
                    "a status before the models were listed"
                );
                let mut patched = object.clone();
                patched.status = serde_json::from_value(seen.status().clone()).ok();
                send.send_response(json_response(200, &serde_json::to_value(patched).unwrap()));
                patches.push(seen);
            }
            other => panic!("unexpected request {other} {}", seen.path),
        }
    }
    controller.stop().await;
    drop(watches);
    assert!(listed_at.is_some());
    assert_eq!(
        patches[0].status()["inSync"],
        true,
        "{:#}",
        patches[0].status()
    );
    assert!(events.is_empty(), "{events:?}");
    assert!(plant.sim.write_log().is_empty());
}

/// The whole controller (`super::run`) against the mock API of its context, with
/// four reconciles at a time.
struct RunningController {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningController {
    fn start(
        ctx: super::Context<crate::device::modbus::ModbusConnector>,
        watch: kube::runtime::watcher::Config,
    ) -> RunningController {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(super::run(
            kube::Api::all(ctx.client.clone()),
            kube::Api::all(ctx.client.clone()),
            watch,
            ctx,
            4,
            async move {
                let _ = stopped.await;
            },
        ));
        RunningController { stop, task }
    }

    /// Asks it to stop, and waits until it has (reconciles in flight finish).
    async fn stop(self) {
        self.stop.send(()).expect("controller running");
        tokio::time::timeout(fixtures::WAIT, self.task)
            .await
            .expect("the controller stops")
            .expect("without panicking");
    }
}
