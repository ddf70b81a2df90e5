//! Cluster views: `IndustrialPLC` resources read from the Kubernetes API (`fabctl get`,
//! `describe`, `watch`) and sync requests written to it (`fabctl sync`).
//!
//! Every function takes a [`kube::Client`], so tests drive them against a mock API
//! server; only [`connect`] looks at kubeconfig. Every request is bounded by a timeout,
//! and every failure becomes a [`ClusterError`] that says what to do about it.
//! Rendering lives in [`table`] and [`describe`] and never talks to the cluster.

pub mod age;
pub mod describe;
mod error;
pub mod table;

#[cfg(test)]
pub(crate) mod fixtures;

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use jiff::Timestamp;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::{Client, Config};
use serde::Serialize;
use serde_json::json;

pub use self::error::ClusterError;
use crate::error::Error;
use crate::manifest::IndustrialPLC;
use crate::manifest::spec::SYNC_ANNOTATION;

/// How long one API request may take unless `--request-timeout` says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The field manager fabctl's writes are recorded under.
pub const FIELD_MANAGER: &str = "fabctl";

/// Which resources a list covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// `-n`; `None` is the kubeconfig context's namespace (the client's default).
    pub namespace: Option<String>,
    /// `-A`: every namespace (overrides `namespace`).
    pub all_namespaces: bool,
    /// `-l`: a label selector such as `line=assembly-1,tier!=test`.
    pub selector: Option<String>,
}

/// Machine-readable formats of the cluster views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// A client for the cluster kubeconfig (or the pod's service account) points at.
/// Connection and read timeouts are set to `timeout`.
pub async fn connect(timeout: Duration) -> Result<Client, ClusterError> {
    let mut config = infer_config().await?;
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    client(config)
}

/// The configuration of kubeconfig's cluster, or of the pod's.
pub async fn infer_config() -> Result<Config, ClusterError> {
    Config::infer()
        .await
        .map_err(|source| ClusterError::NoConfig { source })
}

/// A client for `config`.
pub fn client(config: Config) -> Result<Client, ClusterError> {
    let server = config.cluster_url.to_string();
    Client::try_from(config).map_err(|source| ClusterError::Client { server, source })
}

/// The resources in `scope`, sorted by namespace and name.
pub async fn list(
    client: &Client,
    scope: &Scope,
    timeout: Duration,
) -> Result<Vec<IndustrialPLC>, ClusterError> {
    let api: Api<IndustrialPLC> = if scope.all_namespaces {
        Api::all(client.clone())
    } else {
        Api::namespaced(
            client.clone(),
            namespace(client, scope.namespace.as_deref()),
        )
    };
    let mut params = ListParams::default();
    if let Some(selector) = &scope.selector {
        params = params.labels(selector);
    }
    let list = bounded(timeout, api.list(&params))
        .await
        .map_err(|e| cluster_error(e, None))?;
    let mut items = list.items;
    items.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(items)
}

/// One resource by name.
pub async fn get(
    client: &Client,
    namespace_flag: Option<&str>,
    name: &str,
    timeout: Duration,
) -> Result<IndustrialPLC, ClusterError> {
    let ns = namespace(client, namespace_flag);
    let api: Api<IndustrialPLC> = Api::namespaced(client.clone(), ns);
    bounded(timeout, api.get(name))
        .await
        .map_err(|e| cluster_error(e, Some((ns, name))))
}

/// What `fabctl sync` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The annotation now holds `at`; the agent reconciles at once.
    Requested { plc: String, at: String },
    /// A request the agent has not handled yet is already there; nothing was sent.
    Pending { plc: String, since: String },
}

/// Asks the agent to reconcile `name` now: a merge patch setting
/// [`SYNC_ANNOTATION`] to `now` (RFC 3339). Without `force`, a request the agent has
/// not handled yet is left alone.
pub async fn request_sync(
    client: &Client,
    namespace_flag: Option<&str>,
    name: &str,
    force: bool,
    now: Timestamp,
    timeout: Duration,
) -> Result<SyncOutcome, ClusterError> {
    let ns = namespace(client, namespace_flag);
    let plc = format!("{ns}/{name}");
    let api: Api<IndustrialPLC> = Api::namespaced(client.clone(), ns);
    if !force {
        let current = bounded(timeout, api.get(name))
            .await
            .map_err(|e| cluster_error(e, Some((ns, name))))?;
        if let Some(since) = pending_sync(&current) {
            return Ok(SyncOutcome::Pending { plc, since });
        }
    }
    let at = now.to_string();
    let patch = json!({"metadata": {"annotations": {SYNC_ANNOTATION: at}}});
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_owned()),
        ..PatchParams::default()
    };
    bounded(timeout, api.patch(name, &params, &Patch::Merge(&patch)))
        .await
        .map_err(|e| cluster_error(e, Some((ns, name))))?;
    Ok(SyncOutcome::Requested { plc, at })
}

/// The sync request still waiting for the agent, if any: the annotation's value when
/// it differs from the last request the agent reports having handled.
fn pending_sync(plc: &IndustrialPLC) -> Option<String> {
    let requested = plc.metadata.annotations.as_ref()?.get(SYNC_ANNOTATION)?;
    let handled = plc
        .status
        .as_ref()
        .and_then(|s| s.last_sync_request.as_ref());
    (handled != Some(requested)).then(|| requested.clone())
}

/// The namespace `-n` names, or the client's default (kubeconfig context, pod).
pub fn namespace<'a>(client: &'a Client, flag: Option<&'a str>) -> &'a str {
    flag.unwrap_or_else(|| client.default_namespace())
}

/// Writes `items` as a kubectl-style `List` (JSON on one line, or YAML), without
/// `managedFields`.
pub fn write_list(
    format: Format,
    items: &[IndustrialPLC],
    out: &mut dyn Write,
) -> Result<(), Error> {
    let items: Vec<IndustrialPLC> = items.iter().map(without_managed_fields).collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    write_object(format, &list, out)
}

/// Writes one resource (JSON on one line, or YAML), without `managedFields`.
pub fn write_resource(
    format: Format,
    plc: &IndustrialPLC,
    out: &mut dyn Write,
) -> Result<(), Error> {
    write_object(format, &without_managed_fields(plc), out)
}

fn write_object<T: Serialize>(format: Format, value: &T, out: &mut dyn Write) -> Result<(), Error> {
    const WHAT: &str = "IndustrialPLC";
    match format {
        Format::Json => {
            let text = serde_json::to_string(value)
                .map_err(|source| Error::SerializeJson { what: WHAT, source })?;
            writeln!(out, "{text}")?;
        }
        Format::Yaml => {
            let text = serde_saphyr::to_string(value)
                .map_err(|source| Error::SerializeYaml { what: WHAT, source })?;
            write!(out, "{text}")?;
            if !text.ends_with('\n') {
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

fn without_managed_fields(plc: &IndustrialPLC) -> IndustrialPLC {
    let mut plc = plc.clone();
    plc.metadata.managed_fields = None;
    plc
}

/// Whether the Lease of `fabctl agent --leader-elect` can be read, so that a missing
/// permission is a clear error at start rather than an agent that never leads. A
/// Lease that does not exist yet is fine: the first replica creates it.
pub async fn check_lease(
    client: &Client,
    namespace: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), ClusterError> {
    let api: Api<k8s_openapi::api::coordination::v1::Lease> =
        Api::namespaced(client.clone(), namespace);
    bounded(timeout, api.get_opt(name))
        .await
        .map(drop)
        .map_err(|e| cluster_error(e, None))
}

/// Runs one request, giving up after `timeout`.
async fn bounded<T>(
    timeout: Duration,
    request: impl Future<Output = kube::Result<T>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(timeout, request).await {
        Ok(result) => result.map_err(Failure::Api),
        Err(_) => Err(Failure::Timeout(timeout)),
    }
}

/// Why one request failed.
#[derive(Debug)]
enum Failure {
    Api(kube::Error),
    Timeout(Duration),
}

/// One clear error for a failed request; `object` (namespace, name) names the
/// resource a single-object request was about.
fn cluster_error(failure: Failure, object: Option<(&str, &str)>) -> ClusterError {
    match failure {
        Failure::Timeout(after) => ClusterError::Timeout { after },
        Failure::Api(kube::Error::Api(status)) => match (status.code, object) {
            (404, Some((namespace, name))) => ClusterError::NotFound {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            },
            (404, None) => ClusterError::CrdMissing,
            (code @ (401 | 403), _) => ClusterError::Refused {
                code,
                message: status.message,
            },
            (code, _) => ClusterError::Status {
                code,
                reason: status.reason,
                message: status.message,
            },
        },
        Failure::Api(source @ (kube::Error::HyperError(_) | kube::Error::Service(_))) => {
            ClusterError::Unreachable { source }
        }
        Failure::Api(source) => ClusterError::Request { source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::api_server::{self, status_error};
    use http::Method;

    const LEASE: &str = "/apis/coordination.k8s.io/v1/namespaces/fabctl-system/leases/fabctl-agent";

    #[tokio::test]
    async fn a_lease_the_agent_may_not_read_is_a_clear_error_at_start() {
        let (client, mut server) = api_server::client();
        let check = tokio::spawn(async move {
            check_lease(
                &client,
                "fabctl-system",
                "fabctl-agent",
                Duration::from_secs(5),
            )
            .await
        });
        let message = "leases.coordination.k8s.io \"fabctl-agent\" is forbidden: User \"system:serviceaccount:fabctl-system:fabctl-agent\" cannot get resource \"leases\"";
        server
            .expect(
                Method::GET,
                LEASE,
                403,
                status_error(403, "Forbidden", message),
            )
            .await;
        let error = check.await.unwrap().unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the Kubernetes API refused the request: {message} (check your credentials and RBAC)"
            )
        );
    }

    #[tokio::test]
    async fn a_lease_not_created_yet_is_fine() {
        let (client, mut server) = api_server::client();
        let check = tokio::spawn(async move {
            check_lease(
                &client,
                "fabctl-system",
                "fabctl-agent",
                Duration::from_secs(5),
            )
            .await
        });
        server
            .expect(
                Method::GET,
                LEASE,
                404,
                status_error(404, "NotFound", "not found"),
            )
            .await;
        assert!(check.await.unwrap().is_ok());
    }
}
