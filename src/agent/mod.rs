//! `fabctl agent`: a Kubernetes controller that keeps every watched `IndustrialPLC`
//! enforced and reports it in `.status`, events and metrics.
//!
//! Each reconcile runs the same engine as `fabctl apply --auto-approve` for one PLC
//! ([`crate::engine::reconcile::tick`]): enforced registers are corrected only when
//! `autoCorrect` is true, observe-only and read-only registers are reported, every
//! correction is verified by read-back and audited. Invalid specs are reported with
//! zero device traffic.
//!
//! - [`controller`]: `reconcile`, `error_policy`, and the kube-runtime `Controller`.
//! - [`context`]: what reconciles share (client, connector, metrics, audit, policy,
//!   clock) and what the agent remembers per object (backoff, the status last sent
//!   and whether it is stored).
//! - [`status`]: the status written and the drift and correction counts it carries
//!   (pure).
//! - [`events`]: the events published (deciding is pure).
//! - [`backoff`]: the retry policy.
//! - [`election`], [`lease`], [`leadership`]: `--leader-elect`: the election on a
//!   Lease (API calls), its decisions (pure), and the deadline every device write,
//!   status patch and event is checked against.
//!
//! Scheduling: after a successful reconcile the PLC is polled again after
//! `pollIntervalSecs`; after a device failure after 5 s doubling to 5 min with
//! jitter, per object, reset by a success or a new `fabctl sync` request. A failed
//! status write does not back off: it is retried at the next poll. `.status` is
//! written only when it changed, or after `--status-heartbeat` (5 min) unchanged. Watch events that
//! change neither the generation nor the sync annotation (such as the agent's own
//! status patches) do not poll early. PLCs are reconciled concurrently, except that
//! PLCs behind one endpoint (a gateway) take turns.

pub mod backoff;
pub mod context;
pub mod controller;
pub mod election;
mod error;
pub mod events;
pub mod leadership;
pub mod lease;
pub mod status;

#[cfg(test)]
mod election_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use backoff::Backoff;
pub use context::{Context, MANAGER};
pub use controller::{error_policy, reconcile, run};
pub use error::Error;
pub use leadership::{Gated, Leadership};
