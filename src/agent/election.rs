//! `fabctl agent --leader-elect`: several replicas watch the same PLCs; the one
//! holding a `coordination.k8s.io/v1` Lease writes to devices and status, the others
//! stand by. Each candidate reads the Lease every retry period and, as
//! [`super::lease::decide`] says, creates, renews or takes it over (a write that
//! names the `resourceVersion` it read, so of two candidates only one wins) or
//! stands by. Each successful renewal moves the [`Leadership`] deadline to the
//! renew deadline counted from before it was sent; nothing else does, so a leader
//! whose renewals fail or hang stops writing at that deadline on its own.
//!
//! On a graceful stop the leader releases the Lease (empty holder), so a standby
//! takes over at its next look instead of after the lease duration.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};

use super::leadership::Leadership;
use super::lease::{Decision, Observed, Record, Timing, decide};

/// One candidate in one election.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The Lease's name (`--lease-name`).
    pub lease: String,
    /// The Lease's namespace (`--lease-namespace`).
    pub namespace: String,
    /// Who we are in `holderIdentity`: unique among the replicas.
    pub identity: String,
    pub timing: Timing,
}

/// The Lease name when none is given: one per set of watched objects, so agents of
/// different shards (`-l`) or namespaces (`-n`) never share an election.
pub fn default_lease_name(namespace: Option<&str>, selector: Option<&str>) -> String {
    let mut name = String::from("fabctl-agent");
    for part in [namespace, selector].into_iter().flatten() {
        name.push('-');
        for c in part.chars() {
            let c = c.to_ascii_lowercase();
            name.push(if c.is_ascii_alphanumeric() { c } else { '-' });
        }
    }
    // A name is at most 253 characters; keep it readable and end it alphanumerically.
    name.truncate(253);
    name.trim_end_matches('-').to_owned()
}

/// `POD_NAME` (the Deployment passes it), else the host name and process id.
pub fn identity() -> String {
    std::env::var("POD_NAME")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_owned())
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "fabctl".to_owned());
            format!("{host}_{}", std::process::id())
        })
}

/// What one look at the Lease came to.
#[derive(Debug)]
enum Step {
    /// We hold it now; `from`: whom it was taken from (`Some(None)`: it was free).
    Held {
        from: Option<Option<String>>,
    },
    Standby {
        holder: String,
        expires: Instant,
    },
}

/// Runs the election until `stop` resolves, then stops writing and releases the
/// Lease if it holds it. Call `stop` only once the controller has finished its
/// reconciles in flight.
pub async fn elect(
    api: Api<Lease>,
    candidate: Candidate,
    leadership: Leadership,
    stop: impl Future<Output = ()>,
) {
    let timing = candidate.timing;
    let mut observed = Observed::default();
    let mut standing_by: Option<String> = None;
    let mut failing = false;
    // Whether "leading" was the last thing said.
    let mut said_leading = false;
    let mut stop = std::pin::pin!(stop);
    loop {
        let sent = Instant::now();
        let step =
            tokio::time::timeout(timing.renew_deadline, look(&api, &candidate, &mut observed))
                .await;
        let mut next = timing.retry;
        match step {
            Ok(Ok(Step::Held { from })) => {
                failing = false;
                standing_by = None;
                leadership.renewed(sent, timing.renew_deadline);
                if !said_leading && leadership.is_leading() {
                    said_leading = true;
                    let how = match from {
                        Some(Some(holder)) => format!(", taken over from {holder}"),
                        _ => String::new(),
                    };
                    tracing::info!(
                        "leading: holding Lease {}/{} as {}{how}; writing to devices and status",
                        candidate.namespace,
                        candidate.lease,
                        candidate.identity
                    );
                }
            }
            Ok(Ok(Step::Standby { holder, expires })) => {
                failing = false;
                leadership.resign();
                if said_leading || standing_by.as_deref() != Some(&holder) {
                    said_leading = false;
                    tracing::info!(
                        "standing by: Lease {}/{} is held by {holder}; not writing",
                        candidate.namespace,
                        candidate.lease
                    );
                }
                standing_by = Some(holder);
                // Look again as soon as it may have expired.
                next = next.min(expires.saturating_duration_since(Instant::now()));
            }
            Ok(Err(error)) => {
                let conflict = matches!(&error, kube::Error::Api(s) if s.code == 409);
                if conflict {
                    tracing::debug!(
                        "Lease {}/{}: another candidate wrote first",
                        candidate.namespace,
                        candidate.lease
                    );
                } else if !failing {
                    tracing::warn!(
                        "Lease {}/{}: {error}; writing stops {} ms after the last renewal unless one succeeds",
                        candidate.namespace,
                        candidate.lease,
                        timing.renew_deadline.as_millis()
                    );
                }
                failing = !conflict;
            }
            Err(_) => {
                if !failing {
                    tracing::warn!(
                        "Lease {}/{}: no answer within {} ms",
                        candidate.namespace,
                        candidate.lease,
                        timing.renew_deadline.as_millis()
                    );
                }
                failing = true;
            }
        }
        if said_leading && !leadership.is_leading() {
            said_leading = false;
            tracing::warn!(
                "not leading: Lease {}/{} not renewed within {} ms; stopped writing to devices and status",
                candidate.namespace,
                candidate.lease,
                timing.renew_deadline.as_millis()
            );
        }
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(next) => {}
        }
    }
    let held = leadership.is_leading();
    leadership.resign();
    if held {
        let lease = format!("{}/{}", candidate.namespace, candidate.lease);
        match tokio::time::timeout(timing.retry, release(&api, &candidate)).await {
            Ok(Ok(())) => tracing::info!("released Lease {lease}"),
            Ok(Err(e)) => tracing::warn!("could not release Lease {lease}: {e}"),
            Err(_) => tracing::warn!("could not release Lease {lease}: no answer"),
        }
    }
}

/// Reads the Lease and acts on it.
async fn look(
    api: &Api<Lease>,
    candidate: &Candidate,
    observed: &mut Observed,
) -> Result<Step, kube::Error> {
    let lease = api.get_opt(&candidate.lease).await?;
    let record = lease.as_ref().map(record_of);
    let now = Instant::now();
    let since = observed.note(record.as_ref(), now);
    let decision = decide(
        record.as_ref(),
        since,
        &candidate.identity,
        candidate.timing.duration,
        now,
    );
    let spec = lease
        .as_ref()
        .and_then(|l| l.spec.clone())
        .unwrap_or_default();
    let stamp = MicroTime(jiff::Timestamp::now());
    let mine = |acquired: Option<MicroTime>, transitions: i32| LeaseSpec {
        holder_identity: Some(candidate.identity.clone()),
        lease_duration_seconds: Some(seconds(candidate.timing.duration)),
        acquire_time: acquired,
        renew_time: Some(stamp.clone()),
        lease_transitions: Some(transitions),
        ..LeaseSpec::default()
    };
    match decision {
        Decision::Create => {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(candidate.lease.clone()),
                    namespace: Some(candidate.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(mine(Some(stamp.clone()), 0)),
            };
            api.create(&PostParams::default(), &lease).await?;
            Ok(Step::Held { from: Some(None) })
        }
        Decision::Renew => {
            let spec = mine(
                spec.acquire_time.clone(),
                spec.lease_transitions.unwrap_or(0),
            );
            replace(api, lease, spec).await?;
            Ok(Step::Held { from: None })
        }
        Decision::TakeOver { from } => {
            let transitions = spec.lease_transitions.unwrap_or(0).saturating_add(1);
            replace(api, lease, mine(Some(stamp.clone()), transitions)).await?;
            Ok(Step::Held { from: Some(from) })
        }
        Decision::Standby { holder, expires } => Ok(Step::Standby { holder, expires }),
    }
}

/// Writes `spec` over the Lease as read: fails with 409 Conflict if anyone wrote it
/// since (its `resourceVersion` is in the request).
async fn replace(
    api: &Api<Lease>,
    lease: Option<Lease>,
    spec: LeaseSpec,
) -> Result<(), kube::Error> {
    let mut lease = lease.unwrap_or_default();
    let name = lease.metadata.name.clone().unwrap_or_default();
    lease.spec = Some(spec);
    api.replace(&name, &PostParams::default(), &lease).await?;
    Ok(())
}

/// Empties the holder, if it is still us, so a standby takes over at its next look.
async fn release(api: &Api<Lease>, candidate: &Candidate) -> Result<(), kube::Error> {
    let Some(lease) = api.get_opt(&candidate.lease).await? else {
        return Ok(());
    };
    let mut spec = lease.spec.clone().unwrap_or_default();
    if spec.holder_identity.as_deref() != Some(candidate.identity.as_str()) {
        return Ok(());
    }
    spec.holder_identity = None;
    spec.renew_time = Some(MicroTime(jiff::Timestamp::now()));
    replace(api, Some(lease), spec).await
}

fn record_of(lease: &Lease) -> Record {
    let spec = lease.spec.as_ref();
    Record {
        holder: spec.and_then(|s| s.holder_identity.clone()),
        renew_time: spec.and_then(|s| s.renew_time.as_ref()).map(|t| t.0),
        duration: spec
            .and_then(|s| s.lease_duration_seconds)
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs),
    }
}

/// `leaseDurationSeconds`: whole seconds, rounded up (others then wait at least as
/// long as we promise).
fn seconds(duration: Duration) -> i32 {
    let whole = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i32::try_from(whole.max(1)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shard_and_namespace_has_its_own_lease() {
        assert_eq!(default_lease_name(None, None), "fabctl-agent");
        assert_eq!(
            default_lease_name(None, Some("shard=a")),
            "fabctl-agent-shard-a"
        );
        assert_eq!(
            default_lease_name(Some("plant-a"), Some("shard in (A,b)")),
            "fabctl-agent-plant-a-shard-in--a-b"
        );
    }

    #[test]
    fn the_lease_promises_at_least_the_duration() {
        assert_eq!(seconds(Duration::from_secs(15)), 15);
        assert_eq!(seconds(Duration::from_millis(1500)), 2);
        assert_eq!(seconds(Duration::from_millis(100)), 1);
    }
}
