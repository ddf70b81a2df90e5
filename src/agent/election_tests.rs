//! Two agents, one Lease, one PLC: the whole controller and election of each against
//! a stand-in API server with state ([`crate::testing::cluster`]) and the real
//! in-process Modbus simulator. A task keeps drifting the register, so the leader
//! corrects it at every poll; device writes are counted at the simulator, status
//! patches and events at the API server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::api::Api;
use kube::runtime::watcher;
use serde_json::json;
use tokio::task::JoinHandle;

use super::election::{Candidate, elect};
use super::fixtures::{self, NS, Plant};
use super::lease::Timing;
use super::{Context, Leadership};
use crate::device::RetryPolicy;
use crate::device::modbus::ModbusConnector;
use crate::engine::apply::{Outcome, RegisterResult, ResultSink};
use crate::engine::observe::ReadOptions;
use crate::metrics::Metrics;
use crate::register::RegisterKind::Holding;
use crate::testing::cluster::Cluster;

const LEASE: &str = "fabctl-agent";
/// The shortest a Lease can name: the leader stops 667 ms after a renewal was sent,
/// standbys look every 400 ms.
const DURATION: Duration = Duration::from_secs(2);
/// Scheduling and loopback round trips, on a busy 2-core machine.
const SLACK: Duration = Duration::from_millis(300);
/// Every wait for something to happen is bounded by this.
const WAIT: Duration = Duration::from_secs(10);

/// When an agent's device writes were sent (written, whatever the read-back said).
#[derive(Default)]
struct Writes(Mutex<Vec<Instant>>);

impl ResultSink for Writes {
    fn record(&self, result: &RegisterResult) {
        if matches!(result.outcome, Outcome::Applied | Outcome::VerifyFailed) {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Instant::now());
        }
    }
}

impl Writes {
    fn times(&self) -> Vec<Instant> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// One replica: its controller and its election, each a task.
struct Agent {
    /// Its connection's index at the stand-in API.
    index: usize,
    writes: Arc<Writes>,
    tasks: [JoinHandle<()>; 2],
    /// Stop the controller, then the election (a graceful stop).
    stops: Option<[tokio::sync::oneshot::Sender<()>; 2]>,
}

impl Agent {
    fn start(cluster: &Cluster, identity: &str) -> Agent {
        let (client, index) = cluster.client();
        let writes = Arc::new(Writes::default());
        let mut ctx = Context::new(
            client.clone(),
            ModbusConnector,
            Arc::new(Metrics::new()),
            Arc::clone(&writes) as Arc<dyn ResultSink + Send>,
        );
        ctx.read = ReadOptions {
            parallelism: 1,
            retry: RetryPolicy {
                attempts: 1,
                backoff: Duration::from_millis(1),
            },
        };
        // Every poll corrects the register: never leave it to the "other writer".
        ctx.conflict_after = 0;
        ctx.clock = fixtures::clock;
        let leadership = Leadership::elected();
        ctx.lead_with(leadership.clone());
        let (stop_controller, controller_stopped) = tokio::sync::oneshot::channel::<()>();
        let (stop_election, election_stopped) = tokio::sync::oneshot::channel::<()>();
        let controller = tokio::spawn(super::run(
            Api::all(client.clone()),
            Api::all(client.clone()),
            watcher::Config::default(),
            ctx,
            4,
            async {
                let _ = controller_stopped.await;
            },
        ));
        let candidate = Candidate {
            lease: LEASE.into(),
            namespace: NS.into(),
            identity: identity.into(),
            timing: Timing::of(DURATION),
        };
        let election = tokio::spawn(elect(
            Api::namespaced(client, NS),
            candidate,
            leadership,
            async {
                let _ = election_stopped.await;
            },
        ));
        Agent {
            index,
            writes,
            tasks: [controller, election],
            stops: Some([stop_controller, stop_election]),
        }
    }

    /// SIGTERM: the reconciles in flight finish, then the election ends.
    async fn stop(&mut self) {
        let [controller, election] = self.stops.take().expect("running");
        let _ = controller.send(());
        let _ = tokio::time::timeout(WAIT, &mut self.tasks[0])
            .await
            .expect("controller stops");
        let _ = election.send(());
        let _ = tokio::time::timeout(WAIT, &mut self.tasks[1])
            .await
            .expect("election stops");
    }

    /// The pod dies: no release, no last words.
    fn kill(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PLC polled every second whose register someone keeps setting to 200 (desired
/// 250); the task drifting it stops when the handle is dropped.
async fn drifting_plant() -> (Arc<Plant>, Cluster, DropAbort) {
    let plant = Plant::start(
        "press-ha",
        json!({
            "pollIntervalSecs": 1,
            "registers": [{"name": "speed", "address": 100, "value": 250, "min": 0, "max": 400}],
        }),
    )
    .await;
    let cluster = Cluster::new(vec![serde_json::to_value(&plant.object).expect("json")]);
    let plant = Arc::new(plant);
    let drifting = Arc::clone(&plant);
    let drifter = tokio::spawn(async move {
        loop {
            drifting
                .sim
                .set_words(&drifting.device, Holding, 100, &[200]);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    (plant, cluster, DropAbort(drifter))
}

struct DropAbort(JoinHandle<()>);

impl Drop for DropAbort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Waits until `done` holds, polling; panics with `what` after [`WAIT`].
async fn until(what: &str, mut done: impl FnMut() -> bool) -> Instant {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < WAIT, "waited {WAIT:?} for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Instant::now()
}

/// Starts `a`, waits until it leads, then starts `b`.
async fn leader_and_standby(cluster: &Cluster) -> (Agent, Agent) {
    let a = Agent::start(cluster, "agent-a");
    until("agent-a to take the Lease", || {
        cluster.holder(NS, LEASE).as_deref() == Some("agent-a")
    })
    .await;
    let b = Agent::start(cluster, "agent-b");
    (a, b)
}

#[tokio::test]
async fn of_two_agents_with_one_lease_only_the_leader_writes_to_the_device_and_status() {
    let (plant, cluster, _drifter) = drifting_plant().await;
    let (a, b) = leader_and_standby(&cluster).await;
    // Waited for, not timed: on a loaded machine a poll can come late.
    until("five corrections", || plant.sim.write_log().len() >= 5).await;
    // The standby has seen the object for long enough to have polled it twice.
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let device_writes = plant.sim.write_log().len();
    assert!(
        a.writes.times().len() >= device_writes - 1,
        "the leader wrote them"
    );
    assert_eq!(b.writes.times().len(), 0, "the standby wrote to the device");
    assert!(cluster.status_patches(a.index) >= 3);
    assert!(
        cluster.events(a.index) >= 1,
        "the leader publishes the corrections"
    );
    assert_eq!(
        cluster.status_patches(b.index),
        0,
        "the standby patched status"
    );
    assert_eq!(cluster.events(b.index), 0, "the standby published events");
    assert_eq!(cluster.holder(NS, LEASE).as_deref(), Some("agent-a"));
    drop(a);
    drop(b);
    assert_eq!(
        plant.sim.write_log().len() - device_writes,
        0,
        "nothing after the agents stopped"
    );
}

#[tokio::test]
async fn a_standby_takes_over_within_the_lease_duration_after_the_leader_dies() {
    let (plant, cluster, _drifter) = drifting_plant().await;
    let (a, b) = leader_and_standby(&cluster).await;
    until("the leader's first correction", || {
        !a.writes.times().is_empty()
    })
    .await;
    // Long enough for the standby to have read the Lease.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let died = Instant::now();
    a.kill();
    let took_over = until("agent-b to correct the PLC", || {
        !b.writes.times().is_empty()
    })
    .await;
    let after = took_over - died;
    // The Lease unchanged for its duration, as the standby sees it from its last look
    // before the leader died (a retry period at most); then at once.
    let bound = DURATION + Timing::of(DURATION).retry + SLACK;
    assert!(
        after <= bound,
        "took over after {after:?}, more than {bound:?}"
    );
    assert!(
        after >= DURATION - Timing::of(DURATION).retry,
        "too early: {after:?}"
    );
    assert_eq!(cluster.holder(NS, LEASE).as_deref(), Some("agent-b"));
    until("agent-b's status patch", || {
        cluster.status_patches(b.index) >= 1
    })
    .await;
    assert!(
        plant.sim.write_log().len() > a.writes.times().len(),
        "the simulator saw agent-b's writes"
    );
}

#[tokio::test]
async fn a_leader_whose_renewals_fail_stops_writing_before_a_standby_can_start() {
    let (plant, cluster, _drifter) = drifting_plant().await;
    let (a, b) = leader_and_standby(&cluster).await;
    until("two corrections", || a.writes.times().len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cut = Instant::now();
    cluster.fail_leases(a.index);
    let took_over = until("agent-b to correct the PLC", || {
        !b.writes.times().is_empty()
    })
    .await;
    // Agent-a could still reach the device and the API: left alone, it would go on
    // correcting at every poll. Give it time to.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let patches_after_takeover = cluster.status_patches(a.index);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let a_writes = a.writes.times();
    let b_writes = b.writes.times();
    let last_a = *a_writes.last().expect("agent-a wrote before");
    let first_b = b_writes[0];
    let deadline = cut + Timing::of(DURATION).renew_deadline;
    assert!(
        last_a <= deadline + SLACK,
        "agent-a wrote {:?} after its renewals began failing (renew deadline {:?})",
        last_a - cut,
        Timing::of(DURATION).renew_deadline
    );
    assert!(last_a < first_b, "agent-a wrote after agent-b began");
    assert!(took_over - cut >= Timing::of(DURATION).renew_deadline);
    assert!(
        b_writes.len() >= 3,
        "agent-b enforces: {} writes",
        b_writes.len()
    );
    assert_eq!(
        plant.sim.write_log().len(),
        a_writes.len() + b_writes.len(),
        "every device write was one of theirs"
    );
    assert_eq!(
        cluster.status_patches(a.index),
        patches_after_takeover,
        "agent-a patched status without the Lease"
    );
    assert_eq!(cluster.holder(NS, LEASE).as_deref(), Some("agent-b"));
}

#[tokio::test]
async fn a_leader_that_stops_gracefully_releases_the_lease_and_the_standby_takes_over_at_once() {
    let (_plant, cluster, _drifter) = drifting_plant().await;
    let (mut a, b) = leader_and_standby(&cluster).await;
    until("the leader's first correction", || {
        !a.writes.times().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let stopping = Instant::now();
    a.stop().await;
    assert_eq!(cluster.holder(NS, LEASE), None, "released: no holder");
    let writes = a.writes.times().len();
    let took_over = until("agent-b to correct the PLC", || {
        !b.writes.times().is_empty()
    })
    .await;
    // At agent-b's next look, not after the lease duration.
    let bound = Timing::of(DURATION).retry + SLACK;
    let after = took_over - stopping;
    assert!(
        after <= bound,
        "took over after {after:?}, more than {bound:?}"
    );
    assert_eq!(cluster.holder(NS, LEASE).as_deref(), Some("agent-b"));
    assert_eq!(
        a.writes.times().len(),
        writes,
        "agent-a wrote after stopping"
    );
}
