//! Reading live values: one session per endpoint for the whole run (shared by the
//! unit ids behind it), endpoints in parallel up to a bound, registers coalesced into
//! as few reads as the protocol allows. One device's failure is recorded as data and
//! never stops the others.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;

use crate::device::batch::{self, ReadSpan};
use crate::device::{
    Connector, Exception, Failure, RetryPolicy, Session, Transport, TransportError, endpoint,
};
use crate::manifest::Plc;
use crate::register::{RegisterKind, Words};

/// Default number of endpoints talked to at once: PLCs are independent devices, and
/// a fleet of hundreds should be read in one wave.
pub const DEFAULT_PARALLELISM: usize = 128;

/// Default `--parallelism` of `plan`, `apply` and `reconcile`: 512 reads a fleet of
/// 1,000 PLCs answering in 20 ms in two waves (128 took eight), and the descriptors it
/// needs (~580) fit the common soft limit of 1,024 open files.
pub const DEFAULT_FLEET_PARALLELISM: usize = 512;

/// What was read for one register.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    /// The register's words (bits as 0/1).
    Words(Words),
    /// The device refused the read of this register.
    Exception(Exception),
}

/// Why a whole device could not be read.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DeviceError {
    #[error("{0}")]
    Transport(#[from] TransportError),
    /// A gateway answered for the unit: the device behind it did not answer, or the
    /// gateway has no way to it. The id may be right: the words do not blame it alone.
    #[error("{}", gateway_message(*unit, *exception))]
    Gateway { unit: u8, exception: Exception },
    /// The device answered a read with another number of values than asked.
    #[error("malformed response: asked for {asked} values at {start}, got {got}")]
    WrongCount { start: u16, asked: u16, got: usize },
    /// The endpoint's session was cancelled (the runtime shutting down) before it
    /// read the PLC.
    #[error("connection lost: not read")]
    NotRead,
    /// The host name could not be resolved: the device was not contacted.
    #[error("cannot resolve host {host:?}: {reason}; check spec.deviceAddress")]
    Resolve { host: String, reason: String },
}

impl DeviceError {
    /// What the failure amounts to: "unreachable" only when nothing usable came back
    /// from the device (or from the gateway for it); a device that answered wrongly
    /// or stayed busy is not called unreachable.
    pub fn failure(&self) -> Failure {
        match self {
            DeviceError::Transport(e) => e.failure(),
            DeviceError::Gateway { .. } | DeviceError::Resolve { .. } => Failure::Unreachable,
            DeviceError::WrongCount { .. } => Failure::UnusableAnswer,
            DeviceError::NotRead => Failure::NotRead,
        }
    }
}

/// What a gateway's exception says about the device behind it.
fn gateway_message(unit: u8, exception: Exception) -> String {
    let code = format!("{}, exception 0x{:02X}", exception.name(), exception.0);
    if exception == Exception::GATEWAY_PATH_UNAVAILABLE {
        format!(
            "the gateway has no path to unit {unit} ({code}): it is not set up to route unit {unit}, or its serial line is busy or misconfigured; check the gateway's routing and serial settings, and spec.unitId"
        )
    } else {
        format!(
            "the gateway got no answer from unit {unit} ({code}): the device behind it is off, wired wrong, or not unit {unit}; check the gateway's serial settings (baud rate, parity, stop bits) and spec.unitId"
        )
    }
}

/// One PLC's readings, parallel to its `registers`, or why it could not be read.
pub type PlcReadings = Result<Vec<Reading>, DeviceError>;

/// How reading is done.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    pub parallelism: usize,
    pub retry: RetryPolicy,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            parallelism: DEFAULT_PARALLELISM,
            retry: RetryPolicy::default(),
        }
    }
}

/// Request and connection counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoStats {
    pub requests: u64,
    pub connections: u64,
}

/// Called as reads and writes finish, with the number of registers done.
pub trait Progress: Sync {
    fn advance(&self, registers: u64);
}

impl Progress for () {
    fn advance(&self, _: u64) {}
}

/// Endpoint key: PLCs with the same host and port share one connection (and, in the
/// agent, one endpoint lock). The one place that says when two spellings are one
/// endpoint: the host's resolved address once the run resolved it, else its literal
/// identity (case, trailing dot, `localhost`; see [`crate::device::endpoint`]).
/// A serial line is one endpoint whatever its PLCs' `deviceAddress`
/// ([`endpoint::key`]).
pub fn endpoint_key(host: &str, port: u16, transport: &Transport) -> (String, u16) {
    endpoint::key(host, port, transport)
}

/// How many endpoints (connections) the PLCs are behind.
pub fn endpoint_count(plcs: &[Plc]) -> usize {
    endpoints_of(plcs.iter().map(|p| (p.host.as_str(), p.port, &p.transport)))
}

/// How many endpoints these `(host, port, transport)` are.
pub fn endpoints_of<'a>(pairs: impl Iterator<Item = (&'a str, u16, &'a Transport)>) -> usize {
    pairs
        .map(|(host, port, transport)| endpoint_key(host, port, transport))
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Groups PLC indices by endpoint, in a stable order.
pub fn by_endpoint<'a>(plcs: impl IntoIterator<Item = (usize, &'a Plc)>) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<(String, u16), Vec<usize>> = BTreeMap::new();
    for (i, plc) in plcs {
        groups
            .entry(endpoint_key(&plc.host, plc.port, &plc.transport))
            .or_default()
            .push(i);
    }
    groups.into_values().collect()
}

/// How often [`read_all`] passes the registers read so far to its [`Progress`].
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Reads every register of every PLC. The result is parallel to `plcs`.
///
/// Each endpoint's session runs as its own task, so a multi-threaded runtime spreads
/// the fleet's connections and decoding over every core; at most
/// `options.parallelism` sessions run at once. Dropping the returned future stops
/// the sessions still running. `progress` hears of every read request as it is
/// answered (a PLC that fails counts as done when it fails), not only of whole
/// endpoints.
pub async fn read_all<C: Connector>(
    connector: &C,
    plcs: &[Plc],
    options: ReadOptions,
    progress: &dyn Progress,
) -> (Vec<PlcReadings>, IoStats) {
    let groups = by_endpoint(plcs.iter().enumerate());
    let mut results: Vec<Option<PlcReadings>> = vec![None; plcs.len()];
    let mut stats = IoStats::default();
    let done = Arc::new(AtomicU64::new(0));
    let mut stream = futures::stream::iter(groups)
        .map(|group| {
            let done = done.clone();
            let first = &plcs[group[0]];
            let (host, port) = (first.host.clone(), first.port);
            let transport = first.transport.clone();
            let units: Vec<UnitRead> = group
                .into_iter()
                .map(|i| UnitRead::of(i, &plcs[i]))
                .collect();
            let connector = connector.clone();
            let unresolved = endpoint::network_host(&host, &transport).and_then(endpoint::failure);
            AbortOnDrop(tokio::spawn(async move {
                if let Some(reason) = unresolved {
                    let out = units
                        .into_iter()
                        .map(|unit| {
                            let error = DeviceError::Resolve {
                                host: host.clone(),
                                reason: reason.clone(),
                            };
                            // A PLC that fails counts as done when it fails.
                            done.fetch_add(unit.items.len() as u64, Ordering::Relaxed);
                            (unit.index, Err(error))
                        })
                        .collect();
                    return (out, IoStats::default());
                }
                let mut session = Session::new(&connector, &host, port, &transport, options.retry);
                for unit in &units {
                    session.set_limits(unit.unit, unit.limits);
                }
                let mut out = Vec::with_capacity(units.len());
                for unit in units {
                    let mut counted = 0;
                    let mut count = |registers: u64| {
                        counted += registers;
                        done.fetch_add(registers, Ordering::Relaxed);
                    };
                    let readings = read_registers_counting(
                        &mut session,
                        unit.unit,
                        &unit.items,
                        unit.timeout,
                        &mut count,
                    )
                    .await;
                    let total = unit.items.len() as u64;
                    done.fetch_add(total.saturating_sub(counted), Ordering::Relaxed);
                    out.push((unit.index, readings));
                }
                let stats = IoStats {
                    requests: session.requests,
                    connections: session.connections,
                };
                (out, stats)
            }))
        })
        .buffer_unordered(options.parallelism.max(1));
    // A session cancelled from outside (the runtime shutting down) leaves its PLCs
    // unread: they are reported as not read below.
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    let mut reported = 0;
    loop {
        let finished = tokio::select! {
            finished = stream.next() => finished,
            _ = ticks.tick() => {
                reported = report_progress(&done, reported, progress);
                continue;
            }
        };
        let Some(finished) = finished else { break };
        reported = report_progress(&done, reported, progress);
        let Some((out, s)) = finished else { continue };
        stats.requests += s.requests;
        stats.connections += s.connections;
        for (i, r) in out {
            results[i] = Some(r);
        }
    }
    let results = results
        .into_iter()
        .map(|r| r.unwrap_or(Err(DeviceError::NotRead)))
        .collect();
    (results, stats)
}

/// Passes the registers done since `reported` to `progress`; the new total.
fn report_progress(done: &AtomicU64, reported: u64, progress: &dyn Progress) -> u64 {
    let now = done.load(Ordering::Relaxed);
    if now > reported {
        progress.advance(now - reported);
    }
    now.max(reported)
}

/// What a session task needs to read one PLC (it owns it: tasks outlive borrows).
struct UnitRead {
    index: usize,
    unit: u8,
    timeout: Duration,
    limits: crate::device::Limits,
    items: Vec<(u16, u16, RegisterKind)>,
}

impl UnitRead {
    fn of(index: usize, plc: &Plc) -> UnitRead {
        UnitRead {
            index,
            unit: plc.unit_id,
            timeout: plc.timeout,
            limits: plc.limits,
            items: plc
                .registers
                .iter()
                .map(|r| (r.read_at(), r.width(), r.kind))
                .collect(),
        }
    }
}

/// A spawned session that is aborted when its handle is dropped, so cancelling a
/// read (a shutdown, a timeout around it) leaves no session talking to a device.
/// Yields `None` when the task was cancelled before it finished.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> std::future::Future for AbortOnDrop<T> {
    type Output = Option<T>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|joined| match joined {
                Ok(value) => Some(value),
                // A session that panicked: the panic belongs to the caller.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => None,
            })
    }
}

/// Reads the given registers (address, width, kind) of one unit, coalesced within
/// what the unit accepts (its limits as [`Session::set_limits`] set them, narrowed by
/// what the session learned). A refused read is not the end of its registers:
/// - one spanning undeclared addresses, refused with IllegalDataAddress,
///   IllegalDataValue or ServerDeviceFailure, is read again without the gaps, and the
///   session reads no undeclared address of the unit from then on;
/// - one refused with IllegalDataValue is read again in halves (never splitting a
///   register), and the session reads at most the largest read the device then
///   answered from then on — unless a register refused when read alone explains the
///   refusal: that is the register's error, not the read's size;
/// - one of several adjacent registers refused with IllegalDataAddress is read again
///   one register at a time.
///
/// Registers at one place (bits of one word) are read together: only a register
/// refused when read alone (with the others at its place) gets the exception as its
/// reading. Retries go at most [`MAX_RETRY_DEPTH`] deep. Each
/// learned setting is logged once, naming the `spec.limits` setting that avoids it (a
/// warning; an info line for IllegalDataAddress across a gap, the standard answer). Nothing of this costs a request on a device that refuses nothing.
pub async fn read_registers<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    items: &[(u16, u16, RegisterKind)],
    timeout: Duration,
) -> PlcReadings {
    read_registers_counting(session, unit, items, timeout, &mut |_| {}).await
}

/// [`read_registers`], calling `count` with the registers each answered read covers.
async fn read_registers_counting<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    items: &[(u16, u16, RegisterKind)],
    timeout: Duration,
    count: &mut (dyn FnMut(u64) + Send),
) -> PlcReadings {
    let mut readings: Vec<Option<Reading>> = vec![None; items.len()];
    let coalescing = session.unit_limits(unit).coalescing();
    let spans = batch::coalesce(items.iter().map(|&(a, w, k)| (k, a, w)), coalescing);
    let mut result = Ok(());
    for span in spans {
        let covered = items
            .iter()
            .filter(|&&(a, w, k)| span.covers(k, a, w))
            .count();
        result = read_span(session, unit, items, span, 0, timeout, &mut readings)
            .await
            .map(|_| ());
        if result.is_err() {
            break;
        }
        count(covered as u64);
    }
    let device = session.device_name(unit);
    for (warn, message) in session.unit_limits(unit).news(&device) {
        if warn {
            tracing::warn!("{message}");
        } else {
            tracing::info!("{message}");
        }
    }
    result?;
    Ok(readings
        .into_iter()
        .map(|r| r.unwrap_or(Reading::Exception(Exception::ILLEGAL_DATA_ADDRESS)))
        .collect())
}

/// How many times a refused read is read again in narrower pieces, at most: more than
/// halving the protocol's largest read down to one value takes (11), so a bound that
/// only registers overlapping in strange ways can reach.
const MAX_RETRY_DEPTH: u8 = 16;

/// Reads one span (see [`read_registers`] for what a refusal leads to), `depth`
/// retries below the span first formed. Returns the largest read the device answered
/// (0 if none).
async fn read_span<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    items: &[(u16, u16, RegisterKind)],
    span: ReadSpan,
    depth: u8,
    timeout: Duration,
    readings: &mut [Option<Reading>],
) -> Result<u16, DeviceError> {
    let inside: Vec<usize> = (0..items.len())
        .filter(|&i| span.covers(items[i].2, items[i].0, items[i].1))
        .collect();
    let places = places(items, &inside);
    let spans_gap = covered(&places) < u32::from(span.count);
    // Registers of one place (bits of one word) are read together or not at all:
    // reading them again would send the same request.
    let retry = places.len() > 1 && depth < MAX_RETRY_DEPTH;
    // What the session learned since this span was formed may already narrow it.
    let now = session.unit_limits(unit).coalescing();
    let (max, gap) = now.for_kind(span.kind);
    if retry && (span.count > max || (spans_gap && gap == 0)) {
        return read_again(session, unit, items, &inside, now, depth, timeout, readings).await;
    }
    match session
        .read(unit, span.kind, span.start, span.count, timeout)
        .await?
    {
        Ok(words) if words.len() == usize::from(span.count) => {
            for i in inside {
                let offset = usize::from(items[i].0 - span.start);
                let words = Words::try_from_slice(&words[offset..offset + usize::from(items[i].1)])
                    .expect("a register is at most four words wide");
                readings[i] = Some(Reading::Words(words));
            }
            Ok(span.count)
        }
        Ok(words) => Err(DeviceError::WrongCount {
            start: span.start,
            asked: span.count,
            got: words.len(),
        }),
        Err(
            exception @ (Exception::GATEWAY_PATH_UNAVAILABLE | Exception::GATEWAY_TARGET_FAILED),
        ) => Err(DeviceError::Gateway { unit, exception }),
        Err(
            exception @ (Exception::ILLEGAL_DATA_ADDRESS
            | Exception::ILLEGAL_DATA_VALUE
            | Exception::SERVER_DEVICE_FAILURE),
        ) if retry && spans_gap => {
            let limits = session.unit_limits(unit);
            limits.no_gap(span.count, exception);
            let now = limits.coalescing();
            read_again(session, unit, items, &inside, now, depth, timeout, readings).await
        }
        Err(exception @ Exception::ILLEGAL_DATA_VALUE) if retry => {
            // Halves are tried for this span only: the unit learns the size it
            // answered, and nothing when a register refused alone explains the refusal.
            let widest = inside.iter().map(|&i| items[i].1).max().unwrap_or(1);
            let half = (span.count / 2).max(widest);
            let trial = at_most(now, span.kind, half);
            let answered = read_again(
                session, unit, items, &inside, trial, depth, timeout, readings,
            )
            .await?;
            let explained = inside
                .iter()
                .any(|&i| matches!(readings[i], Some(Reading::Exception(_))));
            if !explained && answered > 0 {
                let bits = span.kind.is_bit();
                let limits = session.unit_limits(unit);
                limits.shrink(bits, span.count, answered, exception);
            }
            Ok(answered)
        }
        Err(Exception::ILLEGAL_DATA_ADDRESS) if retry => {
            // Adjacent registers, one of which the device lacks: each place alone.
            let mut answered = 0;
            for &(start, count) in &places {
                let alone = ReadSpan {
                    kind: span.kind,
                    start,
                    count,
                };
                let read = read_span(session, unit, items, alone, depth + 1, timeout, readings);
                answered = answered.max(Box::pin(read).await?);
            }
            Ok(answered)
        }
        Err(exception) => {
            for i in inside {
                readings[i] = Some(Reading::Exception(exception));
            }
            Ok(0)
        }
    }
}

/// `limits` with reads of `kind`'s table at most `max` long.
fn at_most(limits: batch::Coalescing, kind: RegisterKind, max: u16) -> batch::Coalescing {
    let mut limits = limits;
    if kind.is_bit() {
        limits.max_bits = limits.max_bits.min(max);
    } else {
        limits.max_registers = limits.max_registers.min(max);
    }
    limits
}

/// The distinct places (address, width) of the registers `inside`, sorted: bits of
/// one word are one place.
fn places(items: &[(u16, u16, RegisterKind)], inside: &[usize]) -> Vec<(u16, u16)> {
    let mut places: Vec<(u16, u16)> = inside.iter().map(|&i| (items[i].0, items[i].1)).collect();
    places.sort_unstable();
    places.dedup();
    places
}

/// How many addresses the sorted `places` cover together (each counted once).
fn covered(places: &[(u16, u16)]) -> u32 {
    let mut total = 0;
    let mut next = 0u32; // first address not yet counted
    for &(address, width) in places {
        let (start, end) = (u32::from(address), u32::from(address) + u32::from(width));
        total += end.saturating_sub(start.max(next));
        next = next.max(end);
    }
    total
}

/// Reads the registers `inside` again, coalesced within `limits`, one retry deeper
/// than `depth`; the largest read answered. Every span formed is shorter than the one
/// refused (fewer addresses or no gap), and retries stop at [`MAX_RETRY_DEPTH`].
#[allow(clippy::too_many_arguments)]
async fn read_again<C: Connector>(
    session: &mut Session<'_, C>,
    unit: u8,
    items: &[(u16, u16, RegisterKind)],
    inside: &[usize],
    limits: batch::Coalescing,
    depth: u8,
    timeout: Duration,
    readings: &mut [Option<Reading>],
) -> Result<u16, DeviceError> {
    let narrower = batch::coalesce(
        inside.iter().map(|&i| (items[i].2, items[i].0, items[i].1)),
        limits,
    );
    let mut answered = 0;
    for s in narrower {
        let read = read_span(session, unit, items, s, depth + 1, timeout, readings);
        answered = answered.max(Box::pin(read).await?);
    }
    Ok(answered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::memory::MemoryConnector;

    fn plcs(hosts: &[&str]) -> Vec<Plc> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        let docs: Vec<String> = hosts
            .iter()
            .enumerate()
            .map(|(i, host)| {
                format!(
                    "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {{name: p{i}}}\nspec:\n  deviceAddress: {host}\n  unitId: {}\n  registers:\n    - {{name: a, address: 0, value: 1}}\n",
                    i + 1
                )
            })
            .collect();
        std::fs::write(&path, docs.join("---\n")).unwrap();
        crate::manifest::load(&[path]).unwrap()
    }

    #[tokio::test]
    async fn a_host_that_did_not_resolve_is_its_plcs_error_and_never_contacted() {
        let plcs = plcs(&["lost-1.observe-test", "10.0.0.1"]);
        endpoint::resolve_with(["lost-1.observe-test"], &|name: &str| {
            Err(format!("{name}: Name or service not known"))
        });
        let mem = MemoryConnector::default();
        mem.set("10.0.0.1", 502, 2, RegisterKind::Holding, 0, &[1]);
        let (readings, stats) = read_all(&mem, &plcs, ReadOptions::default(), &()).await;
        assert_eq!(
            readings[0].as_ref().unwrap_err().to_string(),
            "cannot resolve host \"lost-1.observe-test\": lost-1.observe-test: Name or service not known; check spec.deviceAddress"
        );
        assert_eq!(readings[1], Ok(vec![Reading::Words(Words::from([1]))]));
        assert!(mem.requests().iter().all(|r| r.0 == "10.0.0.1:502"));
        assert_eq!(stats.connections, 1);
    }

    const TIMEOUT: Duration = Duration::from_millis(200);

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 1,
            backoff: Duration::from_millis(1),
        }
    }

    /// Reads `items` (address, width) of holding registers of unit 1 within `limits`.
    async fn read_holding(
        mem: &MemoryConnector,
        limits: crate::device::Limits,
        items: &[(u16, u16)],
    ) -> (PlcReadings, crate::device::batch::Coalescing, u64) {
        let items: Vec<_> = items
            .iter()
            .map(|&(a, w)| (a, w, RegisterKind::Holding))
            .collect();
        let mut session = Session::new(mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        session.set_limits(1, limits);
        let readings = read_registers(&mut session, 1, &items, TIMEOUT).await;
        let learned = session.unit_limits(1).coalescing();
        (readings, learned, session.requests)
    }

    fn words(word: u16) -> Reading {
        Reading::Words(Words::from([word]))
    }

    #[tokio::test]
    async fn bits_of_one_refused_word_are_its_exception_after_one_request() {
        // Bits 3 and 5 of word 10 (two registers of one place), the device lacking it.
        let mem = MemoryConnector::default();
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 11, &[7]);
        let bits = [(10, 1), (10, 1)];
        let (readings, _, requests) =
            read_holding(&mem, crate::device::Limits::PROTOCOL, &bits).await;
        let missing = Reading::Exception(Exception::ILLEGAL_DATA_ADDRESS);
        assert_eq!(readings, Ok(vec![missing.clone(), missing]));
        assert_eq!(requests, 1);
        // The same word refused with IllegalDataValue: no halving of one place.
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 10, &[0b10_1000]);
        mem.refuse_reads_at(10, Exception::ILLEGAL_DATA_VALUE);
        let (readings, learned, requests) =
            read_holding(&mem, crate::device::Limits::PROTOCOL, &bits).await;
        let refused = Reading::Exception(Exception::ILLEGAL_DATA_VALUE);
        assert_eq!(readings, Ok(vec![refused.clone(), refused]));
        assert_eq!(requests, 1);
        assert_eq!(
            learned.max_registers, 125,
            "a lone word's refusal is its own"
        );
    }

    #[tokio::test]
    async fn bits_sharing_a_word_do_not_hide_an_undeclared_word_between() {
        // Bits 3 and 5 of word 10 and a register at 12; reads across 11 fail.
        let mem = MemoryConnector::default();
        mem.set(
            "10.0.0.1",
            502,
            1,
            RegisterKind::Holding,
            10,
            &[0b10_1000, 0, 12],
        );
        mem.refuse_reads_at(11, Exception::SERVER_DEVICE_FAILURE);
        let items = [(10, 1), (10, 1), (12, 1)];
        let (readings, learned, _) =
            read_holding(&mem, crate::device::Limits::PROTOCOL, &items).await;
        let bits = words(0b10_1000);
        assert_eq!(readings, Ok(vec![bits.clone(), bits.clone(), words(12)]));
        assert_eq!(learned.max_gap, 0);
        // Once that is learned (here from a gap at 1 read first), no read spans 11.
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &[0, 1, 2]);
        mem.refuse_reads_at(1, Exception::SERVER_DEVICE_FAILURE);
        let before = mem.requests().len();
        let limits = crate::device::Limits {
            max_read_registers: 3,
            ..crate::device::Limits::PROTOCOL
        };
        let items = [(0, 1), (2, 1), (10, 1), (10, 1), (12, 1)];
        let (readings, _, _) = read_holding(&mem, limits, &items).await;
        let expected = vec![words(0), words(2), bits.clone(), bits, words(12)];
        assert_eq!(readings, Ok(expected));
        let across = |&(_, _, _, start, count): &(String, u8, u8, u16, u16)| {
            start <= 11 && u32::from(start) + u32::from(count) > 11
        };
        assert!(
            !mem.requests()[before..].iter().any(across),
            "{:?}",
            mem.requests()
        );
        // And with maxGap: 0 set, word 11 is never read at all.
        let before = mem.requests().len();
        let limits = crate::device::Limits {
            max_gap: 0,
            ..crate::device::Limits::PROTOCOL
        };
        let (readings, _, _) = read_holding(&mem, limits, &items[2..]).await;
        assert!(readings.is_ok_and(|r| r.iter().all(|r| matches!(r, Reading::Words(_)))));
        assert!(!mem.requests()[before..].iter().any(across));
    }

    #[tokio::test]
    async fn one_register_refused_alone_does_not_shrink_the_units_reads() {
        // Ten registers; the device answers IllegalDataValue for 4, even alone.
        let mem = MemoryConnector::default();
        let values: Vec<u16> = (0..10).collect();
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &values);
        mem.refuse_reads_at(4, Exception::ILLEGAL_DATA_VALUE);
        let items: Vec<(u16, u16)> = (0..10).map(|a| (a, 1)).collect();
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let all: Vec<_> = items
            .iter()
            .map(|&(a, w)| (a, w, RegisterKind::Holding))
            .collect();
        let readings = read_registers(&mut session, 1, &all, TIMEOUT).await;
        let expected: Vec<Reading> = (0..10)
            .map(|a| match a {
                4 => Reading::Exception(Exception::ILLEGAL_DATA_VALUE),
                _ => words(a),
            })
            .collect();
        assert_eq!(readings, Ok(expected));
        let learned = session.unit_limits(1).coalescing();
        assert_eq!(learned, crate::device::batch::Coalescing::default());
        // The other registers are still read in one request.
        let before = mem.requests().len();
        let rest = &all[5..];
        let readings = read_registers(&mut session, 1, rest, TIMEOUT).await;
        assert!(readings.is_ok());
        assert_eq!(mem.requests()[before..].len(), 1);
    }

    #[tokio::test]
    async fn a_refused_size_learns_the_largest_read_answered() {
        // Five two-word registers (10 words); the device answers at most 8 per read.
        // Halving tries 5, which splits a register: reads of 4 are what it answered.
        let mem = MemoryConnector::default();
        let values: Vec<u16> = (0..10).collect();
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 0, &values);
        mem.refuse_reads_over(8);
        let items: Vec<(u16, u16)> = (0..5).map(|i| (2 * i, 2)).collect();
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let all: Vec<_> = items
            .iter()
            .map(|&(a, w)| (a, w, RegisterKind::Holding))
            .collect();
        let readings = read_registers(&mut session, 1, &all, TIMEOUT).await;
        assert!(readings.is_ok_and(|r| r.iter().all(|r| matches!(r, Reading::Words(_)))));
        // What is learned is what the warning advises and `import` writes.
        let learned = session.unit_limits(1).coalescing();
        assert_eq!(learned.max_registers, 4);
    }

    #[test]
    fn a_name_and_the_address_it_resolved_to_are_one_endpoint() {
        let plcs = plcs(&["press-1.observe-test", "10.0.0.9", "PRESS-1.observe-test."]);
        assert_eq!(endpoint_count(&plcs), 2, "not resolved yet: two spellings");
        endpoint::resolve_with(["press-1.observe-test"], &|_: &str| {
            Ok("10.0.0.9".parse().unwrap())
        });
        assert_eq!(endpoint_count(&plcs), 1);
        assert_eq!(by_endpoint(plcs.iter().enumerate()), [vec![0, 1, 2]]);
    }
}
