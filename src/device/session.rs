//! A session with one endpoint: connects lazily, bounds every request by a timeout,
//! and retries transport failures with backoff on a fresh connection. Device
//! exceptions are answers and are returned at once.
//!
//! Only reads are retried after a request was sent. A write is retried only when the
//! connection could not be opened (the request never left); a write whose answer was
//! lost is returned as it is, because the device may have performed it: re-sending it
//! blindly fires a command twice or overwrites what another writer set in between.
//! The engine reads back and decides.
//!
//! A read answered ServerDeviceBusy or Acknowledge (a busy device or gateway) is sent
//! again after a pause, a bounded number of times; a write is not (the engine re-reads
//! before writing again). A connection the device closed is noticed before a write
//! goes out on it (and before any request, once the device was seen closing one), and
//! the request goes on a fresh connection.
//!
//! The session also keeps what each unit id behind the endpoint accepts
//! ([`UnitLimits`]: its `spec.limits` and what the device showed in this session), and
//! paces requests by each unit's `requestIntervalMs`.

use std::collections::HashMap;
use std::time::Duration;

use super::learned::UnitLimits;
use super::{
    Connector, Exception, IoResult, Limits, RegisterIo, Transport, TransportError, WriteEcho,
};
use crate::register::RegisterKind;

/// How transport failures are retried (a write only while it could not be sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts per request (1 = no retry).
    pub attempts: u32,
    /// Pause before the first retry; doubled before each further one.
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(50),
        }
    }
}

/// Most times a read answered ServerDeviceBusy or Acknowledge is sent again, after
/// pauses of the policy's backoff, doubled each time (50 ms: 750 ms in all).
pub const BUSY_READ_RETRIES: u32 = 4;

/// What a request returns when the device answers it.
enum Answer {
    Words(Vec<u16>),
    Echo(WriteEcho),
}

enum Request<'a> {
    Read {
        kind: RegisterKind,
        start: u16,
        count: u16,
    },
    WriteSingleRegister {
        address: u16,
        word: u16,
    },
    WriteRegisters {
        start: u16,
        words: &'a [u16],
    },
    WriteSingleCoil {
        address: u16,
        bit: bool,
    },
    WriteCoils {
        start: u16,
        bits: &'a [bool],
    },
    MaskWriteRegister {
        address: u16,
        and_mask: u16,
        or_mask: u16,
    },
}

impl Request<'_> {
    /// Whether sending it again cannot change the device: only reads.
    fn is_read(&self) -> bool {
        matches!(self, Request::Read { .. })
    }
}

impl Answer {
    /// The answer of a read; a request gets the answer of its kind, so anything else
    /// is reported as a broken reply rather than invented.
    fn words(answer: IoResult<Answer>) -> IoResult<Vec<u16>> {
        match answer? {
            Ok(Answer::Words(words)) => Ok(Ok(words)),
            Ok(Answer::Echo(_)) => Err(Self::mismatch()),
            Err(exception) => Ok(Err(exception)),
        }
    }

    /// The answer of a write, likewise.
    fn echo(answer: IoResult<Answer>) -> IoResult<WriteEcho> {
        match answer? {
            Ok(Answer::Echo(echo)) => Ok(Ok(echo)),
            Ok(Answer::Words(_)) => Err(Self::mismatch()),
            Err(exception) => Ok(Err(exception)),
        }
    }

    fn mismatch() -> TransportError {
        TransportError::Protocol {
            reason: "the answer does not fit the request".into(),
        }
    }
}

/// One endpoint (host:port) for the whole run: one connection, one request in flight.
pub struct Session<'c, C: Connector> {
    connector: &'c C,
    host: String,
    port: u16,
    transport: Transport,
    io: Option<C::Io>,
    policy: RetryPolicy,
    /// The limits of each unit id (the protocol's maxima for one not set).
    units: HashMap<u8, UnitLimits>,
    /// When the last request was sent, for `requestIntervalMs`.
    last_request: Option<tokio::time::Instant>,
    /// Requests sent (attempts included).
    pub requests: u64,
    /// Connections opened.
    pub connections: u64,
    /// Reads sent again because the device answered busy.
    pub busy_retries: u64,
    /// The device closed a connection of this session: from then on every request
    /// checks its connection first (a write always does).
    closes: bool,
}

impl<'c, C: Connector> Session<'c, C> {
    pub fn new(
        connector: &'c C,
        host: &str,
        port: u16,
        transport: &Transport,
        policy: RetryPolicy,
    ) -> Self {
        Session {
            connector,
            host: host.to_owned(),
            port,
            transport: transport.clone(),
            io: None,
            policy,
            units: HashMap::new(),
            last_request: None,
            requests: 0,
            connections: 0,
            busy_retries: 0,
            closes: false,
        }
    }

    /// Sets what unit `unit` accepts (its `spec.limits`), keeping what the session
    /// learned about it.
    pub fn set_limits(&mut self, unit: u8, limits: Limits) {
        self.units
            .entry(unit)
            .and_modify(|u| u.limits = limits)
            .or_insert_with(|| UnitLimits::new(limits));
    }

    /// What unit `unit` accepts, as set and as learned.
    pub fn unit_limits(&mut self, unit: u8) -> &mut UnitLimits {
        self.units
            .entry(unit)
            .or_insert_with(|| UnitLimits::new(Limits::PROTOCOL))
    }

    /// The device as messages name it: `host:port unit N`.
    pub fn device_name(&self, unit: u8) -> String {
        format!(
            "{} unit {unit}",
            super::endpoint_name(&self.host, self.port)
        )
    }

    /// FC01-04.
    pub async fn read(
        &mut self,
        unit: u8,
        kind: RegisterKind,
        start: u16,
        count: u16,
        timeout: Duration,
    ) -> IoResult<Vec<u16>> {
        let answer = self
            .call(unit, Request::Read { kind, start, count }, timeout)
            .await;
        Answer::words(answer)
    }

    /// FC06.
    pub async fn write_single_register(
        &mut self,
        unit: u8,
        address: u16,
        word: u16,
        timeout: Duration,
    ) -> IoResult<WriteEcho> {
        Answer::echo(
            self.call(
                unit,
                Request::WriteSingleRegister { address, word },
                timeout,
            )
            .await,
        )
    }

    /// FC16.
    pub async fn write_registers(
        &mut self,
        unit: u8,
        start: u16,
        words: &[u16],
        timeout: Duration,
    ) -> IoResult<WriteEcho> {
        Answer::echo(
            self.call(unit, Request::WriteRegisters { start, words }, timeout)
                .await,
        )
    }

    /// FC05.
    pub async fn write_single_coil(
        &mut self,
        unit: u8,
        address: u16,
        bit: bool,
        timeout: Duration,
    ) -> IoResult<WriteEcho> {
        Answer::echo(
            self.call(unit, Request::WriteSingleCoil { address, bit }, timeout)
                .await,
        )
    }

    /// FC15.
    pub async fn write_coils(
        &mut self,
        unit: u8,
        start: u16,
        bits: &[bool],
        timeout: Duration,
    ) -> IoResult<WriteEcho> {
        Answer::echo(
            self.call(unit, Request::WriteCoils { start, bits }, timeout)
                .await,
        )
    }

    /// FC22.
    pub async fn mask_write_register(
        &mut self,
        unit: u8,
        address: u16,
        masks: crate::register::bit::Masks,
        timeout: Duration,
    ) -> IoResult<WriteEcho> {
        let request = Request::MaskWriteRegister {
            address,
            and_mask: masks.and,
            or_mask: masks.or,
        };
        Answer::echo(self.call(unit, request, timeout).await)
    }

    async fn call(
        &mut self,
        unit: u8,
        request: Request<'_>,
        timeout: Duration,
    ) -> IoResult<Answer> {
        let mut pause = self.policy.backoff;
        let mut waited = Duration::ZERO;
        let mut retries = 0;
        loop {
            let answer = self.call_once(unit, &request, timeout).await;
            let exception = match answer {
                Ok(Err(e @ (Exception::SERVER_DEVICE_BUSY | Exception::ACKNOWLEDGE)))
                    if request.is_read() =>
                {
                    e
                }
                answer => {
                    if retries > 0 && answer.is_ok() {
                        tracing::warn!(
                            "{} unit {unit}: the device was busy; the read was answered after {retries} retr{} ({} ms)",
                            super::endpoint_name(&self.host, self.port),
                            if retries == 1 { "y" } else { "ies" },
                            waited.as_millis()
                        );
                    }
                    return answer;
                }
            };
            if retries >= BUSY_READ_RETRIES {
                return Err(TransportError::Busy {
                    exception,
                    retries,
                    waited,
                });
            }
            tokio::time::sleep(pause).await;
            waited += pause;
            pause = pause.saturating_mul(2);
            retries += 1;
            self.busy_retries += 1;
        }
    }

    /// One request, with transport failures retried (a write only while unsent).
    async fn call_once(
        &mut self,
        unit: u8,
        request: &Request<'_>,
        timeout: Duration,
    ) -> IoResult<Answer> {
        let attempts = self.policy.attempts.max(1);
        let mut backoff = self.policy.backoff;
        let mut attempt = 1;
        loop {
            match self.attempt(unit, request, timeout).await {
                Ok(answer) => return Ok(answer),
                Err(e) => {
                    tracing::debug!(endpoint = %format!("{}:{}", self.host, self.port), attempt, "transport error: {e}");
                    // A connection that failed or timed out may deliver a late reply to
                    // the next request: never reuse it.
                    self.io = None;
                    self.closes |= e == TransportError::Closed;
                    let unsent = matches!(e, TransportError::Connect { .. });
                    if attempt >= attempts || !(request.is_read() || unsent) || !e.is_transient() {
                        return Err(e);
                    }
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
            attempt += 1;
        }
    }

    async fn attempt(
        &mut self,
        unit: u8,
        request: &Request<'_>,
        timeout: Duration,
    ) -> IoResult<Answer> {
        // A write never goes out on a connection the device closed since the last
        // answer (one request per connection, an idle timeout); nor, once the device
        // was seen closing one, a read (else the read would fail and be sent again).
        let check = !request.is_read() || self.closes;
        if check && self.io.as_ref().is_some_and(|io| io.is_closed()) {
            self.closes = true;
            tracing::debug!(
                endpoint = %super::endpoint_name(&self.host, self.port),
                "the device closed the connection; reconnecting"
            );
            self.io = None;
        }
        let io = match &mut self.io {
            Some(io) => io,
            slot => {
                // Boxed: connecting (name lookup, TLS handshake) needs more state than
                // a request, and once per connection; inline it would enlarge every
                // session's task for its whole life.
                let io = Box::pin(self.connector.connect(
                    &self.host,
                    self.port,
                    &self.transport,
                    timeout,
                ))
                .await?;
                self.connections += 1;
                slot.insert(io)
            }
        };
        let interval = self
            .units
            .get(&unit)
            .map_or(Duration::ZERO, |u| u.limits.request_interval);
        if let Some(last) = self.last_request
            && !interval.is_zero()
        {
            tokio::time::sleep_until(last + interval).await;
        }
        self.last_request = Some(tokio::time::Instant::now());
        self.requests += 1;
        let fut = async {
            match *request {
                Request::Read { kind, start, count } => io
                    .read(unit, kind, start, count)
                    .await
                    .map(|r| r.map(Answer::Words)),
                Request::WriteSingleRegister { address, word } => io
                    .write_single_register(unit, address, word)
                    .await
                    .map(|r| r.map(Answer::Echo)),
                Request::WriteRegisters { start, words } => io
                    .write_registers(unit, start, words)
                    .await
                    .map(|r| r.map(Answer::Echo)),
                Request::WriteSingleCoil { address, bit } => io
                    .write_single_coil(unit, address, bit)
                    .await
                    .map(|r| r.map(Answer::Echo)),
                Request::WriteCoils { start, bits } => io
                    .write_coils(unit, start, bits)
                    .await
                    .map(|r| r.map(Answer::Echo)),
                Request::MaskWriteRegister {
                    address,
                    and_mask,
                    or_mask,
                } => io
                    .mask_write_register(unit, address, and_mask, or_mask)
                    .await
                    .map(|r| r.map(Answer::Echo)),
            }
        };
        match tokio::time::timeout(timeout, fut).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout { timeout }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::memory::MemoryConnector;

    const TIMEOUT: Duration = Duration::from_millis(200);

    fn plant() -> MemoryConnector {
        let mem = MemoryConnector::default();
        mem.set("10.0.0.1", 502, 1, RegisterKind::Holding, 10, &[1]);
        mem
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(1),
        }
    }

    #[tokio::test]
    async fn a_read_whose_answer_is_lost_is_sent_again() {
        let mem = plant();
        mem.lose_read_answers(2);
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let words = session.read(1, RegisterKind::Holding, 10, 1, TIMEOUT).await;
        assert_eq!(words, Ok(Ok(vec![1])));
        assert_eq!(session.requests, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_to_a_paced_unit_keep_its_request_interval() {
        let mem = plant();
        mem.set("10.0.0.1", 502, 2, RegisterKind::Holding, 10, &[2]);
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let limits = Limits {
            request_interval: Duration::from_millis(250),
            ..Limits::PROTOCOL
        };
        session.set_limits(1, limits);
        let start = tokio::time::Instant::now();
        let mut sent = Vec::new();
        for _ in 0..3 {
            let words = session.read(1, RegisterKind::Holding, 10, 1, TIMEOUT).await;
            assert_eq!(words, Ok(Ok(vec![1])));
            sent.push(start.elapsed());
        }
        let write = session.write_single_register(1, 10, 5, TIMEOUT).await;
        assert!(matches!(write, Ok(Ok(_))), "{write:?}");
        sent.push(start.elapsed());
        assert_eq!(
            sent,
            [0, 250, 500, 750].map(Duration::from_millis),
            "reads and writes alike wait for the interval"
        );
        // Unit 2 has no interval: it is not held back by unit 1's.
        let words = session.read(2, RegisterKind::Holding, 10, 1, TIMEOUT).await;
        assert_eq!(words, Ok(Ok(vec![2])));
        assert_eq!(start.elapsed(), Duration::from_millis(750));
    }

    #[tokio::test]
    async fn a_write_whose_answer_is_lost_is_sent_once() {
        let mem = plant();
        mem.lose_write_answers(true);
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let answer = session.write_single_register(1, 10, 5, TIMEOUT).await;
        assert_eq!(answer, Err(TransportError::Timeout { timeout: TIMEOUT }));
        assert_eq!(session.requests, 1);
        let writes = mem.requests().iter().filter(|r| r.2 == 6).count();
        assert_eq!(writes, 1);
    }

    #[tokio::test]
    async fn a_write_that_could_not_connect_was_never_sent() {
        let mem = plant();
        mem.set_unreachable("10.0.0.1", 502);
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let answer = session.write_single_register(1, 10, 5, TIMEOUT).await;
        assert!(
            matches!(answer, Err(TransportError::Connect { .. })),
            "{answer:?}"
        );
        assert_eq!((session.requests, session.connections), (0, 0));
        assert!(mem.requests().is_empty());
    }

    #[tokio::test]
    async fn a_busy_read_is_sent_again_a_bounded_number_of_times() {
        let mem = plant();
        mem.busy_reads(2);
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let words = session.read(1, RegisterKind::Holding, 10, 1, TIMEOUT).await;
        assert_eq!(words, Ok(Ok(vec![1])));
        assert_eq!((session.requests, session.busy_retries), (3, 2));

        mem.busy_reads(100);
        let answer = session.read(1, RegisterKind::Holding, 10, 1, TIMEOUT).await;
        assert_eq!(
            answer.map_err(|e| e.to_string()),
            Err("the device stayed busy: ServerDeviceBusy (exception 0x06) through 4 retries over 15 ms".into())
        );
        assert_eq!(session.requests, 3 + 5);
    }

    #[tokio::test]
    async fn a_busy_write_is_handed_up_not_sent_again() {
        let mem = plant();
        mem.busy_writes(1);
        let mut session = Session::new(&mem, "10.0.0.1", 502, &Transport::Tcp, fast());
        let answer = session.write_single_register(1, 10, 5, TIMEOUT).await;
        assert_eq!(answer, Ok(Err(Exception::SERVER_DEVICE_BUSY)));
        assert_eq!(session.requests, 1);
    }
}
