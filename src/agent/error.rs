//! Why a reconcile failed. Every failure is retried with backoff by the error policy.

/// A failed reconcile of one `IndustrialPLC`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object lacks a field the API server always sets.
    #[error("the IndustrialPLC has no metadata.{field}")]
    Metadata { field: &'static str },
    /// The status patch was refused (e.g. 409 Conflict, 500): the counts of this
    /// reconcile are kept and written by the next successful patch.
    #[error("cannot write the status of {plc}: {source}")]
    Status {
        plc: String,
        #[source]
        source: kube::Error,
    },
    /// The device could not be reached, a register could not be read, or a correction
    /// was not verified. The status already says so.
    #[error("{plc}: {failure}")]
    Device {
        plc: String,
        failure: super::status::Failure,
    },
}
