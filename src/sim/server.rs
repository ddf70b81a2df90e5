//! The TCP side of the simulator: one listener per endpoint, one task per connection,
//! plain or inside TLS (Modbus/TCP Security: the handshake first, in the connection's
//! task, then the same framing).
//!
//! A connection reads into a fixed buffer, answers every complete frame in order
//! (pipelined requests are fine; one is processed at a time), and writes the replies
//! of a batch with one `write_all` — no allocation per request. A request for a unit id
//! the endpoint does not serve gets GatewayTargetDeviceFailedToRespond at once. Faults
//! are decided per request with a per-connection RNG derived from the seed; write
//! faults (a late reply, a wrong echo, Acknowledge) apply to every write. A frame
//! whose header is not Modbus TCP closes that connection, never the server.
//!
//! With RTU framing (`--transport rtu-over-tcp`, and `rtu` on a pseudo-terminal, whose
//! one byte stream [`serve_line`] serves) requests and replies are RTU frames; a unit
//! id nobody on the line answers to gets no reply, as on a real line, and a frame
//! whose CRC is wrong closes a TCP connection, or is dropped with what else arrived on
//! a line.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, info, warn};

use super::shared::{Shared, Units, lock};
use crate::modbus::frame::{Frame, MAX_FRAME_LEN, decode_frame};
use crate::modbus::rtu;
use crate::modbus::{ExceptionCode, Response};

/// Read buffer per connection: many pipelined frames at once.
const READ_BUFFER: usize = 16 * MAX_FRAME_LEN;

/// One bound listener (or serial line) and the units it serves.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) addr: SocketAddr,
    /// The pseudo-terminal of a serial line (`--transport rtu`), instead of `addr`.
    pub(crate) line: Option<std::path::PathBuf>,
    /// Unit id → device index, in configuration order.
    pub(crate) units: Units,
    pub(crate) framing: Framing,
}

/// How requests and replies are framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Modbus TCP.
    Mbap,
    /// Modbus RTU (CRC, no header).
    Rtu,
}

impl Endpoint {
    pub(crate) fn device_for(&self, unit: u8) -> Option<usize> {
        self.units
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|&(_, device)| device)
    }
}

/// Accepts connections on `listener` (TLS ones with `tls`) until the task is aborted
/// (which aborts the connections too).
pub(crate) async fn listen(
    listener: TcpListener,
    endpoint: Arc<Endpoint>,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let n = shared.metrics.count_connection();
                    debug!(%peer, endpoint = %endpoint.addr, "connection accepted");
                    let _ = stream.set_nodelay(true);
                    let seed = shared.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    let endpoint = Arc::clone(&endpoint);
                    let shared = Arc::clone(&shared);
                    let tls = tls.clone();
                    connections.spawn(async move {
                        let rng = SmallRng::seed_from_u64(seed);
                        let peer = peer.to_string();
                        match tls {
                            None => Connection::new(stream, peer, endpoint, shared, rng).run().await,
                            Some(acceptor) => match acceptor.accept(stream).await {
                                Ok(stream) => Connection::new(stream, peer, endpoint, shared, rng).run().await,
                                Err(error) => {
                                    info!(%peer, %error, "TLS handshake failed; closing the connection");
                                }
                            },
                        }
                    });
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    warn!(%error, endpoint = %endpoint.addr, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves the simulator's end of a serial line (a pseudo-terminal's master) until the
/// task is aborted. `line` is the other end, kept open so that the line stays up
/// while no client has it open.
pub(crate) async fn serve_line<S>(stream: S, line: S, endpoint: Arc<Endpoint>, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _line = line;
    let peer = endpoint
        .line
        .as_ref()
        .map_or_else(String::new, |p| p.display().to_string());
    let mut connection = Connection {
        stream,
        peer,
        rng: SmallRng::seed_from_u64(shared.seed),
        endpoint,
        shared,
        out: Vec::with_capacity(MAX_FRAME_LEN),
    };
    // A line is never closed: after a bad frame it starts over with the next bytes.
    loop {
        connection.run().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// `response` with its echoed address moved by `offset` when it answers a write: a
/// device that reports writing elsewhere.
fn misplaced(response: Response<'_>, offset: u16) -> Response<'_> {
    match response {
        Response::WriteSingle {
            function,
            address,
            value,
        } => Response::WriteSingle {
            function,
            address: address.wrapping_add(offset),
            value,
        },
        Response::WriteMultiple {
            function,
            address,
            quantity,
        } => Response::WriteMultiple {
            function,
            address: address.wrapping_add(offset),
            quantity,
        },
        other => other,
    }
}

/// What to do after a request.
enum Next {
    Continue,
    Close,
}

struct Connection<S> {
    stream: S,
    /// The client's address, or the serial line.
    peer: String,
    endpoint: Arc<Endpoint>,
    shared: Arc<Shared>,
    rng: SmallRng,
    /// Replies not yet written.
    out: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    fn new(
        stream: S,
        peer: String,
        endpoint: Arc<Endpoint>,
        shared: Arc<Shared>,
        rng: SmallRng,
    ) -> Self {
        Connection {
            stream,
            peer,
            endpoint,
            shared,
            rng,
            out: Vec::with_capacity(MAX_FRAME_LEN),
        }
    }

    /// Serves the stream until it closes or can no longer be trusted.
    async fn run(&mut self) {
        let mut buf = vec![0u8; READ_BUFFER];
        let mut filled = 0;
        loop {
            let mut start = 0;
            loop {
                let framing = self.endpoint.framing;
                let decoded = match framing {
                    Framing::Mbap => decode_frame(&buf[start..filled]).map_err(|e| e.to_string()),
                    Framing::Rtu => {
                        rtu::decode_request(&buf[start..filled]).map_err(|e| e.to_string())
                    }
                };
                match decoded {
                    Ok(Some((frame, used))) => {
                        start += used;
                        let reply = self.out.len();
                        let next = self.handle(frame).await;
                        if framing == Framing::Rtu && self.out.len() > reply {
                            rtu::from_mbap(&mut self.out, reply);
                        }
                        if let Next::Close = next {
                            let _ = self.flush().await;
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(error) => {
                        warn!(peer = %self.peer, endpoint = %self.endpoint.addr, %error, "malformed frame; closing the connection");
                        let _ = self.flush().await;
                        return;
                    }
                }
            }
            if let Err(error) = self.flush().await {
                debug!(peer = %self.peer, %error, "write failed; closing the connection");
                return;
            }
            // Keep the incomplete frame (< MAX_FRAME_LEN bytes) at the front.
            buf.copy_within(start..filled, 0);
            filled -= start;
            match self.stream.read(&mut buf[filled..]).await {
                Ok(0) => {
                    debug!(peer = %self.peer, "connection closed by the client");
                    return;
                }
                Ok(n) => filled += n,
                Err(error) => {
                    debug!(peer = %self.peer, %error, "read failed; closing the connection");
                    return;
                }
            }
        }
    }

    async fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await?;
            self.out.clear();
        }
        Ok(())
    }

    /// Answers one frame (or not, as faults decide) into `self.out`.
    async fn handle(&mut self, frame: Frame<'_>) -> Next {
        let header = frame.header;
        let function = frame.pdu.first().copied().unwrap_or(0);
        self.shared.metrics.count_request(function);
        let Some(index) = self.endpoint.device_for(header.unit) else {
            if self.endpoint.framing == Framing::Rtu {
                debug!(line = %self.peer, unit = header.unit, "request for a unit nobody on the line answers to");
                return Next::Continue;
            }
            debug!(endpoint = %self.endpoint.addr, unit = header.unit, "request for a unit this endpoint does not serve");
            let code = ExceptionCode::GatewayTargetDeviceFailedToRespond;
            Response::Exception { function, code }.encode(header, &mut self.out);
            return Next::Continue;
        };
        let shared = Arc::clone(&self.shared);
        let Some(slot) = shared.devices.get(index) else {
            return Next::Continue;
        };
        shared.perform_due_writes(slot);
        if slot.silent.load(Ordering::Relaxed) {
            lock(&slot.device).count_request(function);
            return Next::Continue;
        }
        let faults = &slot.faults;
        // A device that answers for another unit id than the one asked.
        let header = crate::modbus::frame::Header {
            unit: faults.answer_unit.unwrap_or(header.unit),
            ..header
        };
        let done = if faults.close_after_reply {
            Next::Close
        } else {
            Next::Continue
        };
        if !faults.latency.is_zero() {
            // Earlier replies are not held back by this one's delay.
            if self.flush().await.is_err() {
                return Next::Close;
            }
            tokio::time::sleep(faults.latency).await;
        }
        if self.roll(faults.drop_rate) {
            lock(&slot.device).count_request(function);
            info!(device = %slot.name, peer = %self.peer, "fault: dropping the connection instead of replying");
            return Next::Close;
        }
        if self.roll(faults.exception_rate) {
            lock(&slot.device).count_request(function);
            let code = if self.rng.random_bool(0.5) {
                ExceptionCode::ServerDeviceBusy
            } else {
                ExceptionCode::ServerDeviceFailure
            };
            debug!(device = %slot.name, %code, "fault: exception reply");
            Response::Exception { function, code }.encode(header, &mut self.out);
            return Next::Continue;
        }
        if slot.busy_turn(crate::modbus::function::is_write(function)) {
            lock(&slot.device).count_request(function);
            debug!(device = %slot.name, "busyEvery: ServerDeviceBusy");
            let code = ExceptionCode::ServerDeviceBusy;
            Response::Exception { function, code }.encode(header, &mut self.out);
            return done;
        }
        if slot.refuse_writes.load(Ordering::Relaxed) && crate::modbus::function::is_write(function)
        {
            lock(&slot.device).count_request(function);
            let code = ExceptionCode::ServerDeviceFailure;
            debug!(device = %slot.name, %code, "fault: write refused");
            Response::Exception { function, code }.encode(header, &mut self.out);
            return Next::Continue;
        }
        let is_write = crate::modbus::function::is_write(function);
        if let (true, Some(delay)) = (is_write, faults.acknowledge_writes) {
            lock(&slot.device).count_request(function);
            slot.defer_write(frame.pdu, delay);
            debug!(device = %slot.name, ?delay, "fault: write acknowledged, performed later");
            let code = ExceptionCode::Acknowledge;
            Response::Exception { function, code }.encode(header, &mut self.out);
            return Next::Continue;
        }
        let late = is_write && !faults.write_latency.is_zero();
        // Earlier replies are not held back with this one.
        if late && self.flush().await.is_err() {
            return Next::Close;
        }
        let garbage = self.roll(faults.garbage_rate);
        let start = self.out.len();
        let record = {
            let mut device = lock(&slot.device);
            device.count_request(function);
            let (response, record) = device.execute(frame.pdu);
            let offset = faults.write_echo_offset;
            if record.is_some() && offset != 0 {
                debug!(device = %slot.name, offset, "fault: write answered for another address");
            }
            misplaced(response, offset).encode(header, &mut self.out);
            record
        };
        let written = record.is_some();
        if let Some(record) = record {
            debug!(device = %slot.name, kind = %record.kind, address = record.address, old = ?record.old, new = ?record.new, "write");
            shared.log_write(record);
        }
        if written && slot.drop_after_write.load(Ordering::Relaxed) {
            self.out.truncate(start);
            info!(device = %slot.name, peer = %self.peer, "fault: write performed, connection dropped before the reply");
            return Next::Close;
        }
        if garbage {
            debug!(device = %slot.name, "fault: malformed reply");
            self.corrupt(start);
        }
        if late && written {
            info!(device = %slot.name, delay = ?faults.write_latency, "fault: write performed, reply held back");
            tokio::time::sleep(faults.write_latency).await;
        }
        done
    }

    /// True with probability `p` (never for 0, always for ≥ 1).
    fn roll(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.random::<f64>() < p
    }

    /// Corrupts the reply at `self.out[start..]`: a wrong transaction id, or random bytes
    /// (always random bytes with RTU framing).
    fn corrupt(&mut self, start: usize) {
        let Some(reply) = self.out.get_mut(start..) else {
            return;
        };
        // An RTU frame has no transaction id: its bytes are garbled.
        if self.endpoint.framing == Framing::Mbap && self.rng.random_bool(0.5) {
            if let Some(id) = reply.get_mut(..2) {
                let wrong = u16::from_be_bytes([id[0], id[1]]).wrapping_add(1);
                id.copy_from_slice(&wrong.to_be_bytes());
            }
        } else {
            self.rng.fill(reply);
        }
    }
}
