//! Whether this agent may write now: a deadline the election moves forward with each
//! renewal of the Lease ([`super::election`]), checked right before every device
//! write ([`Gated`]) and every status patch and event. An agent without
//! `--leader-elect` always leads.
//!
//! The deadline is the only thing shared: a leader whose renewals fail stops at it
//! without anyone telling it, whatever the election task is doing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::device::{Connector, IoResult, RegisterIo, TransportError, WriteEcho};
use crate::register::RegisterKind;

/// Shared by the election, the reconciles and the device gate. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Leadership {
    inner: Option<Arc<Deadline>>,
}

#[derive(Debug)]
struct Deadline {
    epoch: Instant,
    /// Leading until `epoch` + this many microseconds; 0: not leading.
    until_micros: AtomicU64,
    /// Bumped each time leadership is gained: the controller then reconciles
    /// every object at once.
    gained: tokio::sync::watch::Sender<u64>,
}

impl Leadership {
    /// The only agent: always leads.
    pub fn sole() -> Leadership {
        Leadership { inner: None }
    }

    /// One of several candidates: leads only while the election says so.
    pub fn elected() -> Leadership {
        Leadership {
            inner: Some(Arc::new(Deadline {
                epoch: Instant::now(),
                until_micros: AtomicU64::new(0),
                gained: tokio::sync::watch::channel(0).0,
            })),
        }
    }

    /// Whether this agent may write now.
    pub fn is_leading(&self) -> bool {
        self.is_leading_at(Instant::now())
    }

    fn is_leading_at(&self, now: Instant) -> bool {
        let Some(d) = &self.inner else {
            return true;
        };
        let until = d.until_micros.load(Ordering::Acquire);
        until != 0 && micros(d.epoch, now) < until
    }

    /// A renewal sent at `sent` succeeded: lead until `sent + renew_deadline`. When
    /// that gains leadership (it was not held just before), [`gains`](Self::gains)
    /// yields.
    pub fn renewed(&self, sent: Instant, renew_deadline: Duration) {
        let Some(d) = &self.inner else {
            return;
        };
        let was = self.is_leading();
        let until = micros(d.epoch, sent + renew_deadline).max(1);
        d.until_micros.store(until, Ordering::Release);
        if !was && self.is_leading() {
            d.gained.send_modify(|n| *n += 1);
        }
    }

    /// Stop writing now (another holds the Lease, or we release it).
    pub fn resign(&self) {
        if let Some(d) = &self.inner {
            d.until_micros.store(0, Ordering::Release);
        }
    }

    /// Yields each time leadership is gained; never, for the sole agent.
    pub fn gains(&self) -> impl futures::Stream<Item = ()> + Send + 'static {
        let receiver = self.inner.as_ref().map(|d| d.gained.subscribe());
        futures::stream::unfold(receiver, |receiver| async move {
            let mut receiver = receiver?;
            receiver.changed().await.ok()?;
            Some(((), Some(receiver)))
        })
    }
}

fn micros(epoch: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch).as_micros()).unwrap_or(u64::MAX)
}

/// What a write refused by the gate reports: it was never sent.
fn not_leading(endpoint: &str) -> TransportError {
    TransportError::Connect {
        endpoint: endpoint.to_owned(),
        reason: "not sent: this agent does not hold the leader Lease".to_owned(),
    }
}

/// A connector whose connections refuse to write while this agent does not lead;
/// reads pass.
#[derive(Clone, Debug)]
pub struct Gated<C> {
    pub inner: C,
    pub leadership: Leadership,
}

impl<C: Connector> Connector for Gated<C> {
    type Io = GatedIo<C::Io>;

    async fn connect(
        &self,
        host: &str,
        port: u16,
        transport: &crate::device::Transport,
        timeout: Duration,
    ) -> Result<Self::Io, TransportError> {
        Ok(GatedIo {
            io: self.inner.connect(host, port, transport, timeout).await?,
            leadership: self.leadership.clone(),
            endpoint: crate::device::endpoint_name(host, port),
        })
    }
}

/// A connection of [`Gated`].
pub struct GatedIo<I> {
    io: I,
    leadership: Leadership,
    endpoint: String,
}

impl<I> GatedIo<I> {
    fn check(&self) -> Result<(), TransportError> {
        if self.leadership.is_leading() {
            Ok(())
        } else {
            Err(not_leading(&self.endpoint))
        }
    }
}

impl<I: RegisterIo> RegisterIo for GatedIo<I> {
    async fn read(
        &mut self,
        unit: u8,
        kind: RegisterKind,
        start: u16,
        count: u16,
    ) -> IoResult<Vec<u16>> {
        self.io.read(unit, kind, start, count).await
    }

    async fn write_single_register(
        &mut self,
        unit: u8,
        address: u16,
        word: u16,
    ) -> IoResult<WriteEcho> {
        self.check()?;
        self.io.write_single_register(unit, address, word).await
    }

    async fn write_registers(
        &mut self,
        unit: u8,
        start: u16,
        words: &[u16],
    ) -> IoResult<WriteEcho> {
        self.check()?;
        self.io.write_registers(unit, start, words).await
    }

    async fn write_single_coil(
        &mut self,
        unit: u8,
        address: u16,
        bit: bool,
    ) -> IoResult<WriteEcho> {
        self.check()?;
        self.io.write_single_coil(unit, address, bit).await
    }

    async fn write_coils(&mut self, unit: u8, start: u16, bits: &[bool]) -> IoResult<WriteEcho> {
        self.check()?;
        self.io.write_coils(unit, start, bits).await
    }

    async fn mask_write_register(
        &mut self,
        unit: u8,
        address: u16,
        and_mask: u16,
        or_mask: u16,
    ) -> IoResult<WriteEcho> {
        self.check()?;
        self.io
            .mask_write_register(unit, address, and_mask, or_mask)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::memory::MemoryConnector;

    const DEADLINE: Duration = Duration::from_secs(10);

    #[test]
    fn the_sole_agent_always_leads() {
        assert!(Leadership::sole().is_leading());
    }

    #[test]
    fn an_elected_agent_leads_from_a_renewal_until_its_deadline() {
        use futures::{FutureExt, StreamExt};
        let l = Leadership::elected();
        let mut gains = Box::pin(l.gains());
        assert!(!l.is_leading(), "not before the first renewal");
        let sent = Instant::now();
        l.renewed(sent, DEADLINE);
        assert_eq!(gains.next().now_or_never(), Some(Some(())), "gained");
        l.renewed(sent, DEADLINE);
        assert_eq!(
            gains.next().now_or_never(),
            None,
            "renewed, not gained again"
        );
        assert!(l.is_leading_at(sent + DEADLINE - Duration::from_millis(1)));
        assert!(
            !l.is_leading_at(sent + DEADLINE),
            "stops at the renew deadline"
        );
        l.resign();
        assert!(!l.is_leading());
    }

    #[tokio::test]
    async fn writes_are_refused_unsent_while_not_leading_and_reads_pass() {
        let plant = MemoryConnector::default();
        plant.set("plc", 502, 1, RegisterKind::Holding, 10, &[7]);
        let leadership = Leadership::elected();
        let gated = Gated {
            inner: plant.clone(),
            leadership: leadership.clone(),
        };
        let mut io = gated
            .connect("plc", 502, &Default::default(), Duration::from_secs(1))
            .await
            .expect("connects");
        assert_eq!(
            io.read(1, RegisterKind::Holding, 10, 1).await,
            Ok(Ok(vec![7]))
        );
        let refused = io.write_single_register(1, 10, 9).await;
        assert!(
            matches!(&refused, Err(TransportError::Connect { reason, .. }) if reason.contains("leader Lease")),
            "{refused:?}"
        );
        assert_eq!(
            io.read(1, RegisterKind::Holding, 10, 1).await,
            Ok(Ok(vec![7])),
            "nothing written"
        );
        leadership.renewed(Instant::now(), DEADLINE);
        assert!(matches!(
            io.write_single_register(1, 10, 9).await,
            Ok(Ok(_))
        ));
        assert_eq!(
            io.read(1, RegisterKind::Holding, 10, 1).await,
            Ok(Ok(vec![9]))
        );
    }
}
