//! A session with one endpoint: connects lazily, bounds every request by a timeout,
//! and retries transport failures with backoff on a fresh connection. Device
//! exceptions are answers and are returned at once.

use std::time::Duration;

use super::{Connector, IoResult, RegisterIo, TransportError};
use crate::register::RegisterKind;

/// How transport failures are retried.
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

/// One endpoint (host:port) for the whole run: one connection, one request in flight.
pub struct Session<'c, C: Connector> {
    connector: &'c C,
    host: String,
    port: u16,
    io: Option<C::Io>,
    policy: RetryPolicy,
    /// Requests sent (attempts included).
    pub requests: u64,
    /// Connections opened.
    pub connections: u64,
}

impl<'c, C: Connector> Session<'c, C> {
    pub fn new(connector: &'c C, host: &str, port: u16, policy: RetryPolicy) -> Self {
        Session {
            connector,
            host: host.to_owned(),
            port,
            io: None,
            policy,
            requests: 0,
            connections: 0,
        }
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
        self.call(unit, Request::Read { kind, start, count }, timeout)
            .await
            .map(|r| r.map(|v| v.unwrap_or_default()))
    }

    /// FC06.
    pub async fn write_single_register(
        &mut self,
        unit: u8,
        address: u16,
        word: u16,
        timeout: Duration,
    ) -> IoResult<()> {
        self.call(
            unit,
            Request::WriteSingleRegister { address, word },
            timeout,
        )
        .await
        .map(|r| r.map(drop))
    }

    /// FC16.
    pub async fn write_registers(
        &mut self,
        unit: u8,
        start: u16,
        words: &[u16],
        timeout: Duration,
    ) -> IoResult<()> {
        self.call(unit, Request::WriteRegisters { start, words }, timeout)
            .await
            .map(|r| r.map(drop))
    }

    /// FC05.
    pub async fn write_single_coil(
        &mut self,
        unit: u8,
        address: u16,
        bit: bool,
        timeout: Duration,
    ) -> IoResult<()> {
        self.call(unit, Request::WriteSingleCoil { address, bit }, timeout)
            .await
            .map(|r| r.map(drop))
    }

    /// FC15.
    pub async fn write_coils(
        &mut self,
        unit: u8,
        start: u16,
        bits: &[bool],
        timeout: Duration,
    ) -> IoResult<()> {
        self.call(unit, Request::WriteCoils { start, bits }, timeout)
            .await
            .map(|r| r.map(drop))
    }

    /// FC22.
    pub async fn mask_write_register(
        &mut self,
        unit: u8,
        address: u16,
        masks: crate::register::bit::Masks,
        timeout: Duration,
    ) -> IoResult<()> {
        let request = Request::MaskWriteRegister {
            address,
            and_mask: masks.and,
            or_mask: masks.or,
        };
        self.call(unit, request, timeout).await.map(|r| r.map(drop))
    }

    async fn call(
        &mut self,
        unit: u8,
        request: Request<'_>,
        timeout: Duration,
    ) -> IoResult<Option<Vec<u16>>> {
        let attempts = self.policy.attempts.max(1);
        let mut backoff = self.policy.backoff;
        let mut attempt = 1;
        loop {
            match self.attempt(unit, &request, timeout).await {
                Ok(answer) => return Ok(answer),
                Err(e) => {
                    tracing::debug!(endpoint = %format!("{}:{}", self.host, self.port), attempt, "transport error: {e}");
                    // A connection that failed or timed out may deliver a late reply to
                    // the next request: never reuse it.
                    self.io = None;
                    if attempt >= attempts {
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
    ) -> IoResult<Option<Vec<u16>>> {
        let io = match &mut self.io {
            Some(io) => io,
            slot => {
                let io = self
                    .connector
                    .connect(&self.host, self.port, timeout)
                    .await?;
                self.connections += 1;
                slot.insert(io)
            }
        };
        self.requests += 1;
        let fut = async {
            match *request {
                Request::Read { kind, start, count } => {
                    io.read(unit, kind, start, count).await.map(|r| r.map(Some))
                }
                Request::WriteSingleRegister { address, word } => io
                    .write_single_register(unit, address, word)
                    .await
                    .map(|r| r.map(|()| None)),
                Request::WriteRegisters { start, words } => io
                    .write_registers(unit, start, words)
                    .await
                    .map(|r| r.map(|()| None)),
                Request::WriteSingleCoil { address, bit } => io
                    .write_single_coil(unit, address, bit)
                    .await
                    .map(|r| r.map(|()| None)),
                Request::WriteCoils { start, bits } => io
                    .write_coils(unit, start, bits)
                    .await
                    .map(|r| r.map(|()| None)),
                Request::MaskWriteRegister {
                    address,
                    and_mask,
                    or_mask,
                } => io
                    .mask_write_register(unit, address, and_mask, or_mask)
                    .await
                    .map(|r| r.map(|()| None)),
            }
        };
        match tokio::time::timeout(timeout, fut).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout { timeout }),
        }
    }
}
