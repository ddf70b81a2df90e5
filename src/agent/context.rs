//! What every reconcile shares: the Kubernetes client and event recorder, the device
//! connector, metrics, the audit sink, the retry policy, a clock, and the little the
//! agent remembers about each object between reconciles (keyed by UID).
//!
//! The memory is what makes the agent behave under watch events it causes itself: a
//! status patch produces a watch event and so a reconcile, which must not poll the
//! device again before `pollIntervalSecs` (or the backoff) has passed. A new
//! generation (spec change) or a new `fabctl sync` annotation always runs at once.
//!
//! It also holds each object's tug-of-war memory ([`Conflicts`]): a new generation or
//! a new `fabctl sync` resumes writing every register left to another writer.
//!
//! And it decides when `.status` is written: when it changed, or when the unchanged
//! status was last stored a heartbeat ago (`--status-heartbeat`). A steady fleet then
//! writes nothing between heartbeats.
//!
//! Counts are idempotent. Every status carries absolute totals (`driftEvents`,
//! `correctionsApplied`): those of the status it is built on plus this tick's, once.
//! The status built on is the last one *sent*, whether its patch was answered or not,
//! and else the cached one. A patch the API server refused is then carried by the
//! next patch (its totals include the refused tick); a patch it stored but answered
//! with an error (outcome unknown) is overwritten by the next one with the same
//! totals plus the new tick's: counted once either way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::Client;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::Store;

use super::backoff::Backoff;
use super::leadership::{Gated, Leadership};
use super::status::retained;
use crate::engine::apply::ResultSink;
use crate::engine::conflict::{self, Conflicts, Resume};
use crate::engine::observe::ReadOptions;
use crate::manifest::template::PLCModel;
use crate::manifest::{Diagnostics, IndustrialPLC, IndustrialPLCStatus, Models, Plc};
use crate::metrics::Metrics;

/// Field manager of the status server-side apply; also the events' reporting controller.
pub const MANAGER: &str = "fabctl-agent";

/// A trigger this much before the due time counts as due (timer granularity).
const DUE_SLACK: Duration = Duration::from_millis(5);

/// Requests to the API server (status patches, events) in flight at once, whatever
/// the number of reconciles: each one in flight keeps a pooled HTTP connection, with
/// its buffers, for as long as the agent runs (about 50 KB each). Client-go
/// controllers limit themselves the same way.
pub const API_CONCURRENCY: usize = 16;

/// How often forgotten objects are pruned from the memory.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// How long an unchanged status goes unwritten by default (`--status-heartbeat`).
pub const STATUS_HEARTBEAT: Duration = Duration::from_secs(300);

/// How long a reconcile waits for the API server (its turn, its events, its status
/// patch) before it gives up and leaves the status to the next poll.
pub const STATUS_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared by all reconciles. `C` is the device connector: Modbus TCP in production,
/// the same over the in-process simulator in tests; it writes only while this agent
/// leads ([`Leadership`]).
pub struct Context<C> {
    pub client: Client,
    pub recorder: Recorder,
    pub connector: Gated<C>,
    pub metrics: Arc<Metrics>,
    pub audit: Arc<dyn ResultSink + Send>,
    /// Retries and parallelism of device requests within one reconcile.
    pub read: ReadOptions,
    /// Retry policy after failed reconciles.
    pub backoff: Backoff,
    /// Corrections in consecutive reconciles after which a register is left to its
    /// other writer (`--conflict-after`; 0: never).
    pub conflict_after: u32,
    /// An unchanged status is written again after this long (`--status-heartbeat`;
    /// zero: at every poll).
    pub status_heartbeat: Duration,
    /// Events and the status patch of one reconcile are abandoned after this long
    /// ([`STATUS_TIMEOUT`]), and the status written at the next poll.
    pub status_timeout: Duration,
    /// Wall clock for `lastUpdate` and condition transition times.
    pub clock: fn() -> jiff::Timestamp,
    /// The controller's cache of watched objects: sizes `fabctl_managed_plcs` and
    /// lets the memory forget deleted objects. `None` in tests.
    pub store: Option<Store<IndustrialPLC>>,
    /// The cache of watched PLCModels, which PLCs with `spec.model` are resolved
    /// against: each model's register map is held once, whatever the number of PLCs
    /// of the model. `None`: no model is known (a PLC naming one is `ModelNotFound`).
    pub models: Option<Store<PLCModel>>,
    /// Each cached model, checked once per version, shared by its PLCs' reconciles.
    checked_models: Mutex<HashMap<(String, String), CheckedModel>>,
    memory: Memory,
    endpoints: EndpointLocks,
    api_slots: tokio::sync::Semaphore,
}

impl<C> Context<C> {
    /// A context with the default policy: 5 s to 5 min backoff with jitter.
    pub fn new(
        client: Client,
        connector: C,
        metrics: Arc<Metrics>,
        audit: Arc<dyn ResultSink + Send>,
    ) -> Self {
        let recorder = Recorder::new(
            client.clone(),
            Reporter {
                controller: MANAGER.into(),
                instance: instance_name(),
            },
        );
        Context {
            client,
            recorder,
            connector: Gated {
                inner: connector,
                leadership: Leadership::sole(),
            },
            metrics,
            audit,
            read: ReadOptions::default(),
            backoff: Backoff::default(),
            conflict_after: conflict::DEFAULT_AFTER,
            status_heartbeat: STATUS_HEARTBEAT,
            status_timeout: STATUS_TIMEOUT,
            clock: jiff::Timestamp::now,
            store: None,
            models: None,
            checked_models: Mutex::default(),
            memory: Memory::default(),
            endpoints: EndpointLocks::default(),
            api_slots: tokio::sync::Semaphore::new(API_CONCURRENCY),
        }
    }

    /// Writes to devices, status and events only while `leadership` says so
    /// (`--leader-elect`); without it, always.
    pub fn lead_with(&mut self, leadership: Leadership) {
        self.connector.leadership = leadership;
    }

    /// Whether this agent may write now.
    pub fn leadership(&self) -> &Leadership {
        &self.connector.leadership
    }

    /// Waits for a turn to talk to the API server ([`API_CONCURRENCY`] at once).
    pub async fn api_slot(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.api_slots
            .acquire()
            .await
            .expect("the API semaphore is never closed")
    }

    /// Serializes reconciles of PLCs behind one endpoint (host:port): a Modbus
    /// gateway serves one request at a time, and fabctl keeps one connection per
    /// endpoint (a serial line: every unit id on it). PLCs on other endpoints are
    /// never delayed by it. The host name is resolved again first, so a name and its
    /// address are one endpoint.
    pub async fn lock_endpoint(&self, plc: &Plc) -> tokio::sync::OwnedMutexGuard<()> {
        let endpoint = crate::device::endpoint::network_host(&plc.host, &plc.transport);
        if let Some(host) = endpoint {
            crate::device::endpoint::refresh(host).await;
        }
        self.endpoints.lock(plc).await
    }

    pub(crate) fn memory(&self) -> &Memory {
        &self.memory
    }

    /// `model` checked by its own rules, ready to resolve its PLCs against: checked
    /// once per version of the model (uid and resourceVersion), then shared.
    pub(crate) fn checked_model(&self, model: &PLCModel) -> Arc<Result<Models, Diagnostics>> {
        let key = (
            model.metadata.namespace.clone().unwrap_or_default(),
            model.metadata.name.clone().unwrap_or_default(),
        );
        let version = (
            model.metadata.uid.clone(),
            model.metadata.resource_version.clone(),
        );
        let mut cache = self
            .checked_models
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(checked) = cache.get(&key).filter(|c| c.version == version) {
            return Arc::clone(&checked.models);
        }
        let mut diagnostics = Diagnostics::default();
        let models = Models::of_objects([model], &mut diagnostics);
        let models = Arc::new(if diagnostics.has_errors() {
            Err(diagnostics)
        } else {
            Ok(models)
        });
        cache.insert(
            key,
            CheckedModel {
                version,
                models: Arc::clone(&models),
            },
        );
        models
    }

    /// Number of objects to report as managed.
    pub fn managed(&self) -> usize {
        match &self.store {
            Some(store) => store.len(),
            None => self.memory.len(),
        }
    }

    /// Forgets objects no longer in the store, and stops exporting their metrics, at
    /// most every ten minutes.
    pub fn prune(&self) {
        self.prune_at(Instant::now());
    }

    fn prune_at(&self, now: Instant) {
        if let Some(store) = &self.store
            && self.memory.prune_due(now)
        {
            let objects = store.state();
            let live: std::collections::HashSet<&str> = objects
                .iter()
                .filter_map(|o| o.metadata.uid.as_deref())
                .collect();
            self.memory.retain(|uid| live.contains(uid));
            self.metrics.retain_plcs(objects.iter().filter_map(|o| {
                Some((
                    o.metadata.namespace.as_deref()?,
                    o.metadata.name.as_deref()?,
                ))
            }));
        }
    }
}

/// The reporting instance of events: the pod name when the Deployment passes it,
/// else the host name (a pod's host name is its name).
fn instance_name() -> Option<String> {
    std::env::var("POD_NAME")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|s| !s.is_empty())
}

/// What the agent remembers about one object.
#[derive(Debug, Default)]
struct ObjectMemory {
    /// What later reconciles need of the status last sent ([`retained`]), stored or
    /// not, until the cache shows it; boxed, so objects without one cost little.
    sent: Option<Box<IndustrialPLCStatus>>,
    /// The status last known stored (its patch answered OK); `None` after a start or
    /// a failed patch: the next status is written whatever it holds.
    stored: Option<Stored>,
    /// Consecutive failed reconciles (for the backoff).
    failures: u32,
    /// When the next poll is due; `None`: at once.
    due: Option<Instant>,
    /// The generation last reconciled.
    generation: Option<i64>,
    /// The sync annotation value last handled.
    sync: Option<String>,
    /// Registers corrected in the last reconciles, or left to another writer; `None`
    /// (no allocation) while there are none.
    conflicts: Option<Box<Conflicts>>,
}

/// A model as [`Context::checked_model`] keeps it.
struct CheckedModel {
    /// uid and resourceVersion of the model checked.
    version: (Option<String>, Option<String>),
    models: Arc<Result<Models, Diagnostics>>,
}

/// A status known stored.
#[derive(Debug, Clone, Copy)]
struct Stored {
    /// [`super::status::fingerprint`] of it.
    fingerprint: u64,
    /// When its patch was answered.
    at: Instant,
}

/// Whether a triggered reconcile talks to the device.
#[derive(Debug, PartialEq, Eq)]
pub enum Start {
    /// Poll now. `sync` is a newly requested `fabctl sync` (the backoff was reset).
    Run { sync: Option<String> },
    /// Nothing changed since the last poll and it is not due yet: requeue after this.
    NotDue(Duration),
}

/// The per-UID memory.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    objects: Mutex<HashMap<String, ObjectMemory>>,
    pruned: Mutex<Option<Instant>>,
}

impl Memory {
    fn with<T>(&self, uid: &str, f: impl FnOnce(&mut ObjectMemory) -> T) -> T {
        let mut map = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        f(map.entry(uid.to_owned()).or_default())
    }

    fn len(&self) -> usize {
        self.objects.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Decides whether this trigger polls the device. A new generation, a new sync
    /// annotation, or the due time having come means yes. A new sync annotation
    /// also resets the backoff. `status` is the object's status as the cache holds it
    /// (used after a restart, when nothing is remembered).
    pub(crate) fn start(
        &self,
        uid: &str,
        generation: Option<i64>,
        sync: Option<&str>,
        status: Option<&IndustrialPLCStatus>,
        now: Instant,
    ) -> Start {
        self.with(uid, |m| {
            // The cache has caught up with the status last sent (usually through
            // the watch event of its own patch): it can stand for it from now on.
            if m.sent.is_some() && m.sent.as_deref() == status {
                m.sent = None;
            }
            let handled = m
                .sync
                .as_deref()
                .or_else(|| status.and_then(|s| s.last_sync_request.as_deref()));
            let new_sync = sync.filter(|s| Some(*s) != handled).map(str::to_owned);
            // `due` is only set once a reconcile has run.
            match m.due {
                Some(due)
                    if new_sync.is_none()
                        && m.generation == generation
                        && now + DUE_SLACK < due =>
                {
                    Start::NotDue(due - now)
                }
                _ => {
                    if new_sync.is_some() {
                        m.failures = 0;
                    }
                    if let Some(c) = m.conflicts.as_deref_mut() {
                        if new_sync.is_some() {
                            c.resume_all(Resume::SyncRequested);
                        } else if m.generation.is_some() && m.generation != generation {
                            c.resume_all(Resume::ManifestChanged);
                        }
                    }
                    m.generation = generation;
                    if let Some(s) = sync {
                        m.sync = Some(s.to_owned());
                    }
                    // Until this reconcile ends, a new trigger runs.
                    m.due = None;
                    Start::Run { sync: new_sync }
                }
            }
        })
    }

    /// The object's tug-of-war memory, for one reconcile (given back with
    /// [`put_conflicts`](Self::put_conflicts)).
    pub(crate) fn take_conflicts(&self, uid: &str, after: u32) -> Conflicts {
        self.with(uid, |m| {
            m.conflicts
                .take()
                .map_or_else(|| Conflicts::new(after), |c| *c)
        })
    }

    /// Keeps the memory a reconcile updated; nothing when it holds nothing.
    pub(crate) fn put_conflicts(&self, uid: &str, conflicts: Conflicts) {
        let keep = conflicts.remembers_anything().then(|| Box::new(conflicts));
        self.with(uid, |m| m.conflicts = keep);
    }

    /// The status the next one builds on, its totals included: the last sent
    /// (answered or not), else the cached one. Never both added: a tick's counts
    /// enter the totals once, in the status built on it, and every later status
    /// carries them on as part of its base.
    pub(crate) fn previous(
        &self,
        uid: &str,
        cached: Option<&IndustrialPLCStatus>,
    ) -> Option<IndustrialPLCStatus> {
        self.with(uid, |m| m.sent.as_deref().or(cached).cloned())
    }

    /// Whether a status with this fingerprint is to be written now: it differs from
    /// the one last stored (or none is known stored), or that one was stored
    /// `heartbeat` ago or longer.
    pub(crate) fn write_due(
        &self,
        uid: &str,
        fingerprint: Option<u64>,
        heartbeat: Duration,
        now: Instant,
    ) -> bool {
        self.with(uid, |m| match (m.stored, fingerprint) {
            (Some(stored), Some(f)) => {
                f != stored.fingerprint || now.saturating_duration_since(stored.at) >= heartbeat
            }
            _ => true,
        })
    }

    /// The status patch succeeded: the status is stored.
    pub(crate) fn stored(
        &self,
        uid: &str,
        status: IndustrialPLCStatus,
        fingerprint: Option<u64>,
        now: Instant,
    ) {
        let kept = Box::new(retained(status));
        self.with(uid, |m| {
            m.sent = Some(kept);
            m.stored = fingerprint.map(|fingerprint| Stored {
                fingerprint,
                at: now,
            });
        });
    }

    /// The status patch failed: refused, or stored with an error answer (nobody can
    /// tell). The next status builds on this one, so its totals carry this tick's
    /// counts exactly once in both cases, and it is written whatever it holds.
    pub(crate) fn unstored(&self, uid: &str, status: IndustrialPLCStatus) {
        let kept = Box::new(retained(status));
        self.with(uid, |m| {
            m.sent = Some(kept);
            m.stored = None;
        });
    }

    /// Forgets the status this agent last sent or knew stored: while it did not lead,
    /// another replica may have written newer ones, so its totals and conditions
    /// must come from the object's stored status again.
    pub(crate) fn forget_status(&self, uid: &str) {
        self.with(uid, |m| {
            m.sent = None;
            m.stored = None;
        });
    }

    /// The reconcile succeeded: reset the backoff, poll again after `interval`.
    pub(crate) fn succeeded(&self, uid: &str, interval: Duration, now: Instant) {
        self.with(uid, |m| {
            m.failures = 0;
            m.due = Some(now + interval);
        });
    }

    /// Poll again after `delay` without touching the backoff (invalid spec).
    pub(crate) fn wait(&self, uid: &str, delay: Duration, now: Instant) {
        self.with(uid, |m| m.due = Some(now + delay));
    }

    /// The reconcile failed: one more failure; returns the delay before the retry.
    pub(crate) fn failed(&self, uid: &str, backoff: &Backoff, now: Instant) -> Duration {
        self.with(uid, |m| {
            m.failures = m.failures.saturating_add(1);
            let delay = backoff.delay(m.failures);
            m.due = Some(now + delay);
            delay
        })
    }

    /// Consecutive failures so far.
    #[cfg(test)]
    pub(crate) fn failures(&self, uid: &str) -> u32 {
        self.with(uid, |m| m.failures)
    }

    fn prune_due(&self, now: Instant) -> bool {
        let mut last = self.pruned.lock().unwrap_or_else(|e| e.into_inner());
        match *last {
            // The first call starts the clock: the cache may still be filling.
            None => {
                *last = Some(now);
                false
            }
            Some(t) if now.duration_since(t) < PRUNE_EVERY => false,
            Some(_) => {
                *last = Some(now);
                true
            }
        }
    }

    fn retain(&self, keep: impl Fn(&str) -> bool) {
        let mut map = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|uid, _| keep(uid));
    }
}

/// Host identity and port, or a serial line (see
/// [`crate::engine::observe::endpoint_key`]).
type Endpoint = (String, u16);

/// One async mutex per endpoint, dropped when nobody holds it any more.
#[derive(Default)]
struct EndpointLocks {
    locks: Mutex<HashMap<Endpoint, Arc<tokio::sync::Mutex<()>>>>,
}

impl EndpointLocks {
    async fn lock(&self, plc: &Plc) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            // Amortized cleanup: only endpoints someone is using (or queued for) stay.
            if map.len() >= 64 {
                map.retain(|_, l| Arc::strong_count(l) > 1);
            }
            Arc::clone(
                map.entry(crate::engine::observe::endpoint_key(
                    &plc.host,
                    plc.port,
                    &plc.transport,
                ))
                .or_default(),
            )
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_with_sync(value: &str) -> IndustrialPLCStatus {
        IndustrialPLCStatus {
            last_sync_request: Some(value.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_trigger_before_the_poll_interval_does_not_poll_again() {
        let m = Memory::default();
        let t0 = Instant::now();
        assert_eq!(
            m.start("u", Some(1), None, None, t0),
            Start::Run { sync: None }
        );
        m.succeeded("u", Duration::from_secs(5), t0);
        // Our own status patch comes back as a watch event.
        assert_eq!(
            m.start("u", Some(1), None, None, t0 + Duration::from_secs(1)),
            Start::NotDue(Duration::from_secs(4))
        );
        assert_eq!(
            m.start("u", Some(1), None, None, t0 + Duration::from_secs(5)),
            Start::Run { sync: None }
        );
    }

    #[test]
    fn a_spec_change_runs_at_once() {
        let m = Memory::default();
        let t0 = Instant::now();
        m.start("u", Some(1), None, None, t0);
        m.succeeded("u", Duration::from_secs(60), t0);
        assert_eq!(
            m.start("u", Some(2), None, None, t0 + Duration::from_secs(1)),
            Start::Run { sync: None }
        );
    }

    #[test]
    fn a_new_sync_request_runs_at_once_and_resets_the_backoff() {
        let m = Memory::default();
        let t0 = Instant::now();
        let backoff = Backoff {
            jitter: false,
            ..Backoff::default()
        };
        m.start("u", Some(1), Some("t1"), None, t0);
        m.failed("u", &backoff, t0);
        m.failed("u", &backoff, t0);
        assert_eq!(m.failures("u"), 2);
        // The same request again is not new.
        assert!(matches!(
            m.start("u", Some(1), Some("t1"), None, t0),
            Start::NotDue(_)
        ));
        assert_eq!(
            m.start("u", Some(1), Some("t2"), None, t0),
            Start::Run {
                sync: Some("t2".into())
            }
        );
        assert_eq!(m.failures("u"), 0);
        assert_eq!(m.failed("u", &backoff, t0), Duration::from_secs(5));
    }

    #[test]
    fn after_a_restart_the_handled_sync_request_comes_from_the_status() {
        let m = Memory::default();
        let status = status_with_sync("t1");
        assert_eq!(
            m.start("u", Some(1), Some("t1"), Some(&status), Instant::now()),
            Start::Run { sync: None }
        );
    }

    #[test]
    fn a_status_whose_patch_failed_is_built_on_so_its_counts_enter_once() {
        let m = Memory::default();
        let cached = IndustrialPLCStatus {
            drift_events: 10,
            corrections_applied: 4,
            ..Default::default()
        };
        assert_eq!(m.previous("u", Some(&cached)), Some(cached.clone()));
        // A patch with the totals 11/5 fails: stored or not, nobody knows.
        let failed = IndustrialPLCStatus {
            drift_events: 11,
            corrections_applied: 5,
            ..Default::default()
        };
        m.unstored("u", failed.clone());
        // The next status builds on it whatever the cache shows: the old status (the
        // patch was refused) or the failed one (it was stored).
        for cache in [&cached, &failed] {
            m.start("u", None, None, Some(cache), Instant::now());
            assert_eq!(m.previous("u", Some(cache)), Some(failed.clone()));
        }
    }

    #[test]
    fn an_unchanged_status_is_written_again_only_after_the_heartbeat() {
        let m = Memory::default();
        let t0 = Instant::now();
        let heartbeat = Duration::from_secs(300);
        let s = IndustrialPLCStatus::default();
        assert!(
            m.write_due("u", Some(1), heartbeat, t0),
            "nothing stored yet"
        );
        m.stored("u", s.clone(), Some(1), t0);
        assert!(!m.write_due("u", Some(1), heartbeat, t0 + Duration::from_secs(299)));
        assert!(m.write_due("u", Some(2), heartbeat, t0 + Duration::from_secs(1)));
        assert!(m.write_due("u", Some(1), heartbeat, t0 + heartbeat));
        assert!(m.write_due("u", None, heartbeat, t0), "not fingerprinted");
        assert!(
            m.write_due("u", Some(1), Duration::ZERO, t0),
            "0: every poll"
        );
        m.unstored("u", s);
        assert!(
            m.write_due("u", Some(1), heartbeat, t0),
            "after a failed patch"
        );
    }

    #[tokio::test]
    async fn pruning_forgets_deleted_objects_and_stops_exporting_them() {
        use crate::agent::fixtures;
        use crate::engine::plan::{Action, Plan};
        use crate::metrics::tests::{plc, reg};
        use kube::runtime::{reflector, watcher};

        let metrics = Arc::new(Metrics::new());
        let audit = Arc::new(fixtures::Audit::default());
        let (mut ctx, _api) =
            fixtures::bare_context(Duration::from_secs(1), Arc::clone(&metrics), audit);
        let (store, mut writer) = reflector::store::<IndustrialPLC>();
        let spec = serde_json::json!({"deviceAddress": "127.0.0.1"});
        writer.apply_watcher_event(&watcher::Event::Apply(fixtures::object("kept", spec)));
        ctx.store = Some(store);
        let read = || {
            vec![reg(
                "target",
                Action::InSync,
                crate::register::Value::Int(5),
            )]
        };
        metrics.observe_plan(&Plan {
            plcs: vec![plc("kept", None, read()), plc("gone", None, read())],
        });
        for uid in ["uid-kept", "uid-gone"] {
            ctx.memory.start(uid, Some(1), None, None, Instant::now());
        }
        let exported = |name: &str| {
            metrics.render().contains(&format!(
                r#"fabctl_plc_up{{namespace="plant-a",plc="{name}"}} 1"#
            ))
        };

        let t0 = Instant::now();
        ctx.prune_at(t0); // The first call only starts the clock: the cache may be filling.
        assert!(exported("kept") && exported("gone"));
        assert_eq!(ctx.memory.len(), 2);
        ctx.prune_at(t0 + PRUNE_EVERY);
        assert!(exported("kept"));
        assert!(!exported("gone"), "{}", metrics.render());
        assert_eq!(ctx.memory.len(), 1);
    }

    #[test]
    fn the_sent_status_is_let_go_once_the_cache_shows_it() {
        let m = Memory::default();
        let written = IndustrialPLCStatus {
            drift_events: 12,
            ..Default::default()
        };
        m.stored("u", written.clone(), Some(1), Instant::now());
        m.start("u", None, None, Some(&written), Instant::now());
        // Forgotten: the cache stands for it now (here it has moved on since).
        let later = IndustrialPLCStatus {
            drift_events: 13,
            ..Default::default()
        };
        assert_eq!(m.previous("u", Some(&later)), Some(later));
    }
}
