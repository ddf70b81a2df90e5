//! `fabctl agent`: run the Kubernetes controller until SIGTERM/Ctrl-C.
//!
//! Defaults suit a pod: every namespace (`-n` narrows it to one), `/metrics` and
//! `/healthz` on 0.0.0.0:9090, audit lines on standard error (the root filesystem
//! is read-only; the log collector keeps them). The cluster comes from kubeconfig or
//! the pod's service account; the agent lists the resources once before watching, so
//! a missing cluster, CRD or permission is a clear error at start, not a log loop.
//! With `--leader-elect` (the Lease must be readable at start, too) the agent writes
//! only while it holds the Lease ([`crate::agent::election`]); on a graceful stop it
//! releases it after the reconciles in flight.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::Client;
use kube::api::Api;
use kube::runtime::watcher;

use crate::agent::lease::Timing;
use crate::agent::{self, Context, Leadership, election};
use crate::cli::{AgentArgs, GlobalArgs};
use crate::cluster::Scope;
use crate::device::modbus::ModbusConnector;
use crate::engine::audit::{self, AuditLog};
use crate::error::Error;
use crate::manifest::IndustrialPLC;
use crate::metrics::Metrics;
use crate::outcome::Outcome;

/// How long the start-up check may wait for the API server.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

pub fn run(global: &GlobalArgs, args: &AgentArgs) -> Result<Outcome, Error> {
    super::setup::guard_access(&args.access);
    // Before the runtime's first reconcile: its buffers never pin the cache's pages.
    let off_heap = crate::process::heap::keep_buffers_off_the_heap();
    tracing::debug!(
        "buffers of {} bytes or more off the heap: {off_heap}",
        crate::process::heap::BUFFER_THRESHOLD
    );
    super::runtime()?.block_on(agent(global, args))
}

async fn agent(global: &GlobalArgs, args: &AgentArgs) -> Result<Outcome, Error> {
    // Before anything announces itself: a SIGTERM from then on is always graceful.
    let signals =
        crate::process::signal::Shutdown::install().map_err(|source| Error::Runtime { source })?;
    // Device connections (up to --parallelism at once) keep their descriptors, whatever
    // connects to the metrics server.
    let parallelism = usize::from(args.parallelism);
    crate::process::limits::ensure(&crate::process::limits::Need::clients(
        parallelism,
        parallelism,
    ))?;
    let client = connect().await?;
    let candidate = args.leader_elect.then(|| candidate(&client, args));
    let scope = Scope {
        namespace: args.namespace.clone(),
        all_namespaces: args.namespace.is_none(),
        selector: args.selector.clone(),
    };
    let found = crate::cluster::list(&client, &scope, STARTUP_TIMEOUT)
        .await?
        .len();
    if let Some(c) = &candidate {
        crate::cluster::check_lease(&client, &c.namespace, &c.lease, STARTUP_TIMEOUT).await?;
    }
    let api: Api<IndustrialPLC> = match &args.namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let models: Api<crate::manifest::template::PLCModel> = match &args.namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let mut watch = watcher::Config::default();
    if let Some(selector) = &args.selector {
        watch = watch.labels(selector);
    }

    let metrics = Arc::new(Metrics::new());
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let (bound, server) = crate::metrics::serve(args.metrics_addr, Arc::clone(&metrics), async {
        let _ = metrics_stopped.await;
    })
    .await
    .map_err(|source| Error::Listen {
        addr: args.metrics_addr,
        source,
    })?;
    let server = tokio::spawn(server);
    let audit = open_audit(args)?;
    let lease_client = client.clone();
    let mut context = Context::new(client, ModbusConnector, metrics, Arc::new(audit));
    // Devices are read and written as every other command does.
    context.read = super::setup::Setup::defaults(global).read_options();
    context.conflict_after = args.conflict_after;
    context.status_heartbeat = args.status_heartbeat;
    let (stop_election, election_stopped) = tokio::sync::oneshot::channel::<()>();
    let election = candidate.clone().map(|candidate| {
        let leadership = Leadership::elected();
        context.lead_with(leadership.clone());
        let api: Api<Lease> = Api::namespaced(lease_client, &candidate.namespace);
        tokio::spawn(election::elect(api, candidate, leadership, async {
            let _ = election_stopped.await;
        }))
    });

    let (signalled, signal) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        signals.wait().await;
        let _ = signalled.send(());
    });
    let shutdown = async move {
        let _ = signal.await;
        tracing::info!("stopping: waiting for the reconciles in flight");
    };
    let place = match &args.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => "all namespaces".to_owned(),
    };
    let selector = args
        .selector
        .as_deref()
        .map(|s| format!(" matching {s}"))
        .unwrap_or_default();
    eprintln!(
        "agent: watching IndustrialPLCs in {place}{selector} ({found} now); metrics on http://{bound}/metrics; Ctrl-C or SIGTERM stops after the reconciles in flight"
    );
    if let Some(c) = &candidate {
        eprintln!(
            "agent: electing a leader on Lease {}/{} as {}; writing only while holding it",
            c.namespace, c.lease, c.identity
        );
    }
    agent::run(api, models, watch, context, args.parallelism, shutdown).await;
    // The reconciles have finished: the Lease may be released.
    let _ = stop_election.send(());
    if let Some(election) = election {
        let _ = election.await;
    }
    let _ = stop_metrics.send(());
    let _ = server.await;
    eprintln!("stopped");
    Ok(Outcome::Success)
}

/// `--leader-elect`: this replica in the election of its shard.
fn candidate(client: &Client, args: &AgentArgs) -> election::Candidate {
    election::Candidate {
        lease: args.lease_name.clone().unwrap_or_else(|| {
            election::default_lease_name(args.namespace.as_deref(), args.selector.as_deref())
        }),
        namespace: args
            .lease_namespace
            .clone()
            .unwrap_or_else(|| client.default_namespace().to_owned()),
        identity: election::identity(),
        timing: Timing::of(args.lease_duration),
    }
}

/// A client for kubeconfig's cluster or the pod's, with kube's default timeouts
/// (long enough for watches).
async fn connect() -> Result<Client, Error> {
    let config = crate::cluster::infer_config().await?;
    Ok(crate::cluster::client(config)?)
}

/// `--audit-log`, default standard error.
fn open_audit(args: &AgentArgs) -> Result<AuditLog, Error> {
    let path = args.audit_log.as_deref().unwrap_or(Path::new("-"));
    let context = audit::Context {
        plan_digest: "agent".into(),
        ..audit::Context::default()
    };
    super::setup::open_audit(&audit::Target::resolve(Some(path)), context)
}
