//! The reconciler: `reconcile(obj, ctx) -> Result<Action, Error>`, its error policy,
//! and the kube-runtime `Controller` that calls them for every watched
//! `IndustrialPLC` (and, through the PLCs that name it, every watched `PLCModel`).
//!
//! One reconcile: decide whether the trigger polls the device (see
//! [`Context`](super::Context)); validate the spec with the file rules (invalid:
//! status only, zero device traffic); run one tick of the same engine as `fabctl
//! apply --auto-approve` for this PLC (enforced registers written only with
//! `autoCorrect`); publish events; write `.status` by server-side apply when it
//! changed or the heartbeat is due; requeue after `pollIntervalSecs`, or fail so the
//! error policy backs off. Only the device backs off: a failed status write is
//! logged and written again at the next poll, so enforcement keeps its pace through
//! an API server outage.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::{self, Action, Controller};
use kube::runtime::reflector::{self, ObjectRef, reflector};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};

use super::context::{Context, MANAGER, Start};
use super::error::Error;
use super::events;
use super::status::{self, Assessment, Counts, Inputs, Observation};
use crate::device::Connector;
use crate::manifest::spec::{API_VERSION, KIND, SYNC_ANNOTATION};
use crate::manifest::template::PLCModel;
use crate::manifest::{self, IndustrialPLC, IndustrialPLCStatus};

/// Identity of the object being reconciled.
struct Key {
    namespace: String,
    name: String,
    uid: String,
}

impl Key {
    fn of(obj: &IndustrialPLC) -> Result<Key, Error> {
        let field = |v: &Option<String>, field| v.clone().ok_or(Error::Metadata { field });
        Ok(Key {
            namespace: field(&obj.metadata.namespace, "namespace")?,
            name: field(&obj.metadata.name, "name")?,
            uid: field(&obj.metadata.uid, "uid")?,
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Reconciles one `IndustrialPLC`.
pub async fn reconcile<C: Connector + 'static>(
    obj: Arc<IndustrialPLC>,
    ctx: Arc<Context<C>>,
) -> Result<Action, Error> {
    let key = Key::of(&obj)?;
    // A standby watches and remembers nothing (the leader's status writes reach it
    // as watch events): gaining the Lease reconciles everything at once, from the
    // statuses the leader stored.
    if !ctx.leadership().is_leading() {
        ctx.memory().forget_status(&key.uid);
        return Ok(Action::await_change());
    }
    let generation = obj.metadata.generation;
    let sync = obj.annotations().get(SYNC_ANNOTATION).map(String::as_str);
    let memory = ctx.memory();
    let model = match model_of(&obj, &ctx) {
        // At start the models may not be listed yet: a PLC is not called one whose model
        // is missing (a status, a Warning event) before the agent has seen them.
        None if obj.spec.model.is_some() => {
            if let Some(models) = &ctx.models {
                let _ = tokio::time::timeout(MODELS_LISTED, models.wait_until_ready()).await;
            }
            model_of(&obj, &ctx)
        }
        model => model,
    };
    match memory.start(
        &key.uid,
        spec_version(generation, model.as_deref()),
        sync,
        obj.status.as_ref(),
        Instant::now(),
    ) {
        Start::NotDue(after) => return Ok(Action::requeue(after)),
        Start::Run {
            sync: Some(requested),
        } => {
            tracing::info!("{key}: sync requested at {requested}; reconciling now");
        }
        Start::Run { sync: None } => {}
    }
    ctx.prune();
    ctx.metrics.set_managed_plcs(ctx.managed());

    let (observation, poll) = match resolve(&obj, model.as_deref(), &ctx) {
        Err(missing) => {
            tracing::warn!("{key}: {missing}; nothing sent to the device");
            (Observation::ModelNotFound(missing), None)
        }
        Ok(Err(diagnostics)) => {
            let text: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(ToString::to_string)
                .collect();
            tracing::warn!(
                "{key}: invalid spec, nothing sent to the device:\n{}",
                text.join("\n")
            );
            (Observation::InvalidSpec(text.join("\n")), None)
        }
        Ok(Ok(plc)) => {
            let mut conflicts = memory.take_conflicts(&key.uid, ctx.conflict_after);
            let report = {
                let _endpoint = ctx.lock_endpoint(&plc).await;
                crate::engine::reconcile::tick_with(
                    &ctx.connector,
                    std::slice::from_ref(&plc),
                    ctx.read,
                    &*ctx.audit,
                    None,
                    Some(&mut conflicts),
                )
                .await
            };
            memory.put_conflicts(&key.uid, conflicts);
            for e in &report.conflicts.entered {
                tracing::warn!(
                    "{key}: register {} {}; set by another writer (the PLC program, an HMI?)",
                    e.register,
                    crate::engine::conflict::describe(e.corrections)
                );
            }
            for r in &report.conflicts.resumed {
                tracing::info!(
                    "{key}: register {}: writing again: {}",
                    r.register,
                    r.reason.describe()
                );
            }
            ctx.metrics.observe_plan(&report.plan);
            ctx.metrics.observe_apply(&report.apply);
            ctx.metrics.observe_conflicts(&report.conflicts);
            ctx.metrics.observe_duration(report.duration.as_secs_f64());
            (
                Observation::Tick(Assessment::of(&report)),
                Some(plc.poll_interval),
            )
        }
    };

    let tick = match &observation {
        Observation::Tick(a) => a.counts,
        Observation::InvalidSpec(_) | Observation::ModelNotFound(_) => Default::default(),
    };
    // The totals are those of the status built on plus this tick's: a retried patch
    // carries the totals of the one that failed, whether or not the API server
    // stored it (see the memory).
    let previous = memory.previous(&key.uid, obj.status.as_ref());
    let mut new_status = status::build(
        &observation,
        &Inputs {
            previous: previous.as_ref(),
            totals: Counts::of(previous.as_ref()) + tick,
            generation,
            sync: sync.map(str::to_owned),
            now: (ctx.clock)(),
        },
    );
    let notices = events::decide(&observation, previous.as_ref());
    let fingerprint = status::fingerprint(&mut new_status);
    let write = memory.write_due(&key.uid, fingerprint, ctx.status_heartbeat, Instant::now());
    if write || !notices.is_empty() {
        // Bounded: an API server that does not answer must not hold up this PLC's
        // next poll (nor, through the API slots, every other PLC's). Only the leader
        // speaks: leadership is checked again after the wait for a slot and after the
        // events, right before the patch.
        let report = async {
            let _api_slot = ctx.api_slot().await;
            if !ctx.leadership().is_leading() {
                return Err(NotLeading);
            }
            events::publish(&ctx.recorder, &obj, &notices).await;
            if !write {
                return Ok(None);
            }
            if !ctx.leadership().is_leading() {
                return Err(NotLeading);
            }
            Ok(Some(patch_status(&ctx.client, &key, &new_status).await))
        };
        let retry = "written again at the next poll (the device is polled on schedule)";
        match tokio::time::timeout(ctx.status_timeout, report).await {
            Ok(Err(NotLeading)) => return Ok(lost_lease(&ctx, &key)),
            Ok(Ok(None)) => {}
            Ok(Ok(Some(Ok(_)))) => {
                memory.stored(&key.uid, new_status, fingerprint, Instant::now());
            }
            Ok(Ok(Some(Err(source)))) => {
                tracing::warn!("{key}: cannot write the status: {source}; {retry}");
                memory.unstored(&key.uid, new_status);
            }
            Err(_) => {
                let what = if write { "status" } else { "events" };
                tracing::warn!(
                    "{key}: the API server did not answer within {} s; {what} not written; {retry}",
                    ctx.status_timeout.as_secs_f64()
                );
                if write {
                    memory.unstored(&key.uid, new_status);
                }
            }
        }
    }

    match (&observation, poll) {
        (Observation::Tick(a), Some(poll)) => match a.failure() {
            Some(failure) => Err(Error::Device {
                plc: key.to_string(),
                failure,
            }),
            None => {
                memory.succeeded(&key.uid, poll, Instant::now());
                Ok(Action::requeue(poll))
            }
        },
        // Invalid: a spec change triggers at once; look again after the longest backoff.
        _ => {
            memory.wait(&key.uid, ctx.backoff.max, Instant::now());
            Ok(Action::requeue(ctx.backoff.max))
        }
    }
}

/// How long a PLC of a model waits for the agent's first list of PLCModels.
const MODELS_LISTED: Duration = Duration::from_secs(30);

/// The PLCModel `spec.model` names, from the agent's cache.
fn model_of<C>(obj: &IndustrialPLC, ctx: &Context<C>) -> Option<Arc<PLCModel>> {
    let name = obj.spec.model.as_deref()?;
    let namespace = obj.metadata.namespace.as_deref().unwrap_or("default");
    ctx.models
        .as_ref()?
        .get(&ObjectRef::new(name).within(namespace))
}

/// What says the desired state changed: the PLC's generation and, for a PLC of a
/// model, the model's (uid and generation), so a changed model polls its PLCs at
/// once, as a changed spec does.
fn spec_version(generation: Option<i64>, model: Option<&PLCModel>) -> Option<i64> {
    use std::hash::{Hash, Hasher};
    let Some(model) = model else {
        return generation;
    };
    let mut hash = std::collections::hash_map::DefaultHasher::new();
    (generation, &model.metadata.uid, model.metadata.generation).hash(&mut hash);
    Some(hash.finish() as i64)
}

/// The PLC resolved for the engine: `Ok(Err(diagnostics))` for an invalid spec (or an
/// invalid model), `Err(message)` when `spec.model` names no PLCModel of the PLC's
/// namespace in the agent's cache.
#[allow(clippy::type_complexity)]
fn resolve<C>(
    obj: &IndustrialPLC,
    model: Option<&PLCModel>,
    ctx: &Context<C>,
) -> Result<Result<manifest::Plc, manifest::Diagnostics>, String> {
    let Some(name) = obj.spec.model.as_deref() else {
        return Ok(manifest::from_resource(obj));
    };
    let namespace = obj.metadata.namespace.as_deref().unwrap_or("default");
    let Some(model) = model else {
        return Err(format!(
            "PLCModel `{name}` not found in namespace `{namespace}`; create it, or fix `spec.model`"
        ));
    };
    match &*ctx.checked_model(model) {
        Ok(models) => Ok(manifest::from_resource_in(obj, models)),
        Err(diagnostics) => Ok(Err(diagnostics.clone())),
    }
}

/// The PLCs (in `plcs`) that name `model`: what a change of the model re-reconciles.
fn plcs_of_model(plcs: &[Arc<IndustrialPLC>], model: &PLCModel) -> Vec<ObjectRef<IndustrialPLC>> {
    let namespace = model.metadata.namespace.as_deref();
    let Some(name) = model.metadata.name.as_deref() else {
        return Vec::new();
    };
    plcs.iter()
        .filter(|p| {
            p.metadata.namespace.as_deref() == namespace && p.spec.model.as_deref() == Some(name)
        })
        .map(|p| ObjectRef::from_obj(&**p))
        .collect()
}

/// This agent stopped leading during the reconcile.
struct NotLeading;

/// After losing the lease mid-reconcile: the status is left to the new leader, and
/// this agent forgets what it sent, so that should it lead again it builds on what
/// the other leader stored, never over it. This poll's counts are lost with it.
fn lost_lease<C>(ctx: &Context<C>, key: &Key) -> Action {
    tracing::info!("{key}: no longer the leader; status not written");
    ctx.memory().forget_status(&key.uid);
    Action::await_change()
}

/// After a failed reconcile: retry after the object's next backoff delay.
pub fn error_policy<C>(obj: Arc<IndustrialPLC>, error: &Error, ctx: Arc<Context<C>>) -> Action {
    let Some(uid) = obj.metadata.uid.as_deref() else {
        tracing::warn!("{error}");
        return Action::requeue(ctx.backoff.max);
    };
    let delay = ctx.memory().failed(uid, &ctx.backoff, Instant::now());
    tracing::warn!("{error}; retrying in {} ms", delay.as_millis());
    Action::requeue(delay)
}

/// Writes the whole status with server-side apply, as the `fabctl-agent` field manager.
async fn patch_status(
    client: &Client,
    key: &Key,
    status: &IndustrialPLCStatus,
) -> Result<IndustrialPLC, kube::Error> {
    let api: Api<IndustrialPLC> = Api::namespaced(client.clone(), &key.namespace);
    let patch = serde_json::json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "status": status,
    });
    api.patch_status(
        &key.name,
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await
}

/// What the agent keeps of a watched object: the spec whole, the status as
/// [`status::retained`] keeps it, no managed fields and no `kubectl apply` copy of
/// the object (together often larger than the object itself). The cache holds one
/// of these per PLC for as long as the agent runs.
fn trim_for_cache(obj: &mut IndustrialPLC) {
    obj.metadata.managed_fields = None;
    if let Some(annotations) = obj.metadata.annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
    if let Some(status) = obj.status.take() {
        obj.status = Some(status::retained(status));
    }
}

/// The annotation `kubectl apply` keeps a whole copy of the object in.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Runs the controller until `shutdown` resolves; reconciles in flight then finish.
/// At most `concurrency` PLCs are reconciled at once (0: unbounded); one object is
/// never reconciled twice at the same time.
pub async fn run<C: Connector + 'static>(
    api: Api<IndustrialPLC>,
    models: Api<PLCModel>,
    watch: watcher::Config,
    mut ctx: Context<C>,
    concurrency: u16,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    // As `Controller::new` does, with the objects trimmed before they are cached.
    let (reader, writer) = reflector::store();
    let objects = reflector(writer, watcher(api, watch).modify(trim_for_cache)).applied_objects();
    // Models are watched whole (the label selector picks PLCs); a model that changes
    // re-reconciles the PLCs that name it, read from the PLC cache.
    let (model_reader, model_writer) = reflector::store();
    let model_events = reflector(
        model_writer,
        watcher(models, watcher::Config::default()).modify(|m: &mut PLCModel| {
            m.metadata.managed_fields = None;
            if let Some(annotations) = m.metadata.annotations.as_mut() {
                annotations.remove(LAST_APPLIED);
            }
        }),
    )
    .touched_objects();
    let plc_store = reader.clone();
    let controller = Controller::for_stream(objects, reader)
        .with_config(controller::Config::default().concurrency(concurrency))
        .watches_stream(model_events, move |model| {
            plcs_of_model(&plc_store.state(), &model)
        })
        .reconcile_all_on(ctx.leadership().gains());
    ctx.store = Some(controller.store());
    ctx.models = Some(model_reader);
    controller
        .graceful_shutdown_on(shutdown)
        .run(reconcile::<C>, error_policy::<C>, Arc::new(ctx))
        .for_each(|result| async move {
            match result {
                Ok((obj, action)) => tracing::debug!("reconciled {obj}: {action:?}"),
                // Logged by the error policy.
                Err(controller::Error::ReconcilerFailed(..)) => {}
                Err(controller::Error::ObjectNotFound(obj)) => {
                    tracing::debug!("{obj} was deleted before its reconcile");
                }
                Err(e) => tracing::warn!("{e}"),
            }
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::spec::{RegisterAction, RegisterStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;

    #[test]
    fn the_cache_keeps_the_spec_the_sync_annotation_and_what_reconciles_read() {
        let mut obj = crate::agent::fixtures::object(
            "p",
            serde_json::json!({"deviceAddress": "127.0.0.1", "port": 502, "targetRegister": 1, "targetValue": 5}),
        );
        obj.metadata.managed_fields = Some(vec![ManagedFieldsEntry::default()]);
        obj.metadata.annotations = Some(
            [
                (
                    LAST_APPLIED.to_owned(),
                    "{\"a whole copy\": true}".to_owned(),
                ),
                (SYNC_ANNOTATION.to_owned(), "now".to_owned()),
            ]
            .into(),
        );
        let register = |name: &str, action| RegisterStatus {
            name: name.into(),
            kind: crate::register::RegisterKind::Holding,
            address: 0,
            live: None,
            desired: crate::register::Value::Int(5),
            in_sync: false,
            action,
            message: None,
        };
        obj.status = Some(IndustrialPLCStatus {
            drift_events: 2,
            registers: vec![
                register("a", RegisterAction::InSync),
                register("b", RegisterAction::Drifted),
            ],
            ..Default::default()
        });
        let spec = obj.spec.clone();
        trim_for_cache(&mut obj);
        assert_eq!(obj.spec, spec);
        assert_eq!(obj.metadata.managed_fields, None);
        let annotations = obj.metadata.annotations.as_ref().unwrap();
        assert_eq!(annotations.keys().collect::<Vec<_>>(), [SYNC_ANNOTATION]);
        let status = obj.status.as_ref().unwrap();
        assert_eq!(status.drift_events, 2);
        let names: Vec<&str> = status.registers.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["b"]);
    }
}
