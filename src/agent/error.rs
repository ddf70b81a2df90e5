//! Why a reconcile failed. Every failure is retried with backoff by the error policy.
//! A failed status write is not among them: it is written again at the next poll.

/// A failed reconcile of one `IndustrialPLC`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object lacks a field the API server always sets.
    #[error("the IndustrialPLC has no metadata.{field}")]
    Metadata { field: &'static str },
    /// The device could not be reached, a register could not be read, or a correction
    /// was not verified. The status already says so.
    #[error("{plc}: {failure}")]
    Device {
        plc: String,
        failure: super::status::Failure,
    },
}
