//! Why talking to the Kubernetes API failed, each case saying what to do about it.

use std::error::Error as _;
use std::time::Duration;

/// A failure to reach the cluster or of one request to it.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// Neither kubeconfig nor the pod's service account gives a cluster.
    #[error(
        "cannot reach a Kubernetes cluster: no usable kubeconfig ({}) and not running inside a pod (set KUBECONFIG or run inside a pod)",
        source.source().map_or_else(|| source.to_string(), |s| s.to_string())
    )]
    NoConfig {
        #[source]
        source: kube::config::InferConfigError,
    },
    /// The configuration was found but no client could be built for it.
    #[error("cannot reach a Kubernetes cluster at {server}: {source}")]
    Client {
        server: String,
        #[source]
        source: kube::Error,
    },
    #[error(
        "the Kubernetes API server did not answer within {}s (raise --request-timeout, or check the cluster)",
        after.as_secs()
    )]
    Timeout { after: Duration },
    #[error("industrialplc \"{name}\" not found in namespace \"{namespace}\"")]
    NotFound { namespace: String, name: String },
    #[error(
        "the IndustrialPLC resource type is not installed in this cluster (kubectl apply -f k8s/crd.yaml)"
    )]
    CrdMissing,
    /// 401 or 403.
    #[error("the Kubernetes API refused the request: {message} (check your credentials and RBAC)")]
    Refused { code: u16, message: String },
    /// Any other status the API server answered with.
    #[error("the Kubernetes API answered {code} {reason}: {message}")]
    Status {
        code: u16,
        reason: String,
        message: String,
    },
    /// No connection to the API server.
    #[error("cannot reach the Kubernetes API server: {}", causes(source))]
    Unreachable {
        #[source]
        source: kube::Error,
    },
    #[error("Kubernetes API request failed: {source}")]
    Request {
        #[source]
        source: kube::Error,
    },
}

/// The causes under kube's wrapper, outermost first, repeats dropped:
/// `client error (Connect): tcp connect error: Connection refused (os error 111)`.
fn causes(e: &kube::Error) -> String {
    let mut texts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if texts.last() != Some(&text) {
            texts.push(text);
        }
        source = s.source();
    }
    if texts.is_empty() {
        texts.push(e.to_string());
    }
    texts.join(": ")
}
