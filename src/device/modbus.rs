//! [`RegisterIo`] over Modbus TCP (plain, or inside TLS: Modbus/TCP Security), RTU
//! framing on a TCP socket (a transparent gateway) and a serial line, with
//! tokio-modbus as the client.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio_modbus::client::{Client, Context};
use tokio_modbus::prelude::SlaveContext;
use tokio_modbus::{ExceptionCode, ProtocolError, Request, Response, Slave};

use super::fresh::{self, NextRequest};
use super::transport::{SerialSettings, TlsSettings, Transport};
use super::watched::{self, Probe};
use super::{Connector, Exception, IoResult, RegisterIo, TransportError, WriteEcho};
use crate::register::RegisterKind;

/// Connects with tokio-modbus over the device's transport.
#[derive(Clone, Copy, Debug, Default)]
pub struct ModbusConnector;

/// One connection: a TCP socket or a serial line.
pub struct ModbusIo {
    ctx: Context,
    /// The inter-frame silence of a serial line.
    pace: Option<Pace>,
    /// Tells whether the device closed the connection (a TCP socket's).
    probe: Option<Probe>,
    /// With RTU framing (no transaction id): marks where each request begins, so
    /// that whatever is waiting then (a late answer) is discarded.
    next: Option<NextRequest>,
}

impl Connector for ModbusConnector {
    type Io = ModbusIo;

    async fn connect(
        &self,
        host: &str,
        port: u16,
        transport: &Transport,
        timeout: Duration,
    ) -> Result<ModbusIo, TransportError> {
        match transport {
            Transport::Tcp => connect_tcp(host, port, timeout, Framing::Mbap).await,
            Transport::RtuOverTcp => connect_tcp(host, port, timeout, Framing::Rtu).await,
            Transport::Rtu(serial) => connect_serial(serial),
            Transport::Tls(settings) => {
                connect_tcp(host, port, timeout, Framing::Tls(settings)).await
            }
        }
    }
}

/// How requests are framed on a TCP socket.
#[derive(Clone, Copy)]
enum Framing<'a> {
    /// Modbus TCP (MBAP header).
    Mbap,
    /// RTU frames with their CRC: a serial gateway in transparent mode puts them on
    /// its line as they come.
    Rtu,
    /// Modbus TCP inside TLS (Modbus/TCP Security).
    Tls(&'a TlsSettings),
}

/// A TCP connection to `host:port`, Modbus TCP or RTU framed.
async fn connect_tcp(
    host: &str,
    port: u16,
    timeout: Duration,
    framing: Framing<'_>,
) -> Result<ModbusIo, TransportError> {
    let endpoint = super::endpoint_name(host, port);
    let connect = async {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        let mut last = format!("{host} resolves to no address");
        for addr in addrs {
            // `--allow-devices`: checked on the address itself, just before
            // connecting, so no name resolves around it.
            if let Err(outside) = super::allow::check(addr.ip()) {
                last = outside.to_string();
                continue;
            }
            match tokio::net::TcpStream::connect(addr).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    // A TLS device may send bytes nobody asked for (session tickets):
                    // there only the end of the stream or a reset says it closed.
                    let peek = !matches!(framing, Framing::Tls(_));
                    let (stream, probe) = watched::watch(stream, peek);
                    let (ctx, next) = match framing {
                        Framing::Mbap => (tokio_modbus::client::tcp::attach(stream), None),
                        Framing::Rtu => {
                            let (stream, next) = fresh::fresh(stream);
                            let ctx = tokio_modbus::client::rtu::attach_slave(stream, Slave(1));
                            (ctx, Some(next))
                        }
                        // Boxed: the handshake's state is large, and inline it would
                        // enlarge every connection's task, TLS or not.
                        Framing::Tls(settings) => Box::pin(super::tls::handshake(stream, settings))
                            .await
                            .map(|stream| (tokio_modbus::client::tcp::attach(stream), None))?,
                    };
                    return Ok((ctx, probe, next));
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    };
    match tokio::time::timeout(timeout, connect).await {
        Ok(Ok((ctx, probe, next))) => Ok(ModbusIo {
            ctx,
            pace: None,
            probe: Some(probe),
            next,
        }),
        Ok(Err(reason)) => Err(TransportError::Connect { endpoint, reason }),
        Err(_) => Err(TransportError::Connect {
            endpoint,
            reason: format!("no connection within {} ms", timeout.as_millis()),
        }),
    }
}

/// The serial line of `transport: rtu`, every unit id on it through this one session.
fn connect_serial(serial: &SerialSettings) -> Result<ModbusIo, TransportError> {
    let stream = super::serial::open(serial).map_err(|reason| TransportError::Connect {
        endpoint: serial.device.display().to_string(),
        reason,
    })?;
    let (stream, next) = fresh::fresh(stream);
    Ok(ModbusIo {
        ctx: tokio_modbus::client::rtu::attach_slave(stream, Slave(1)),
        pace: Some(Pace {
            silence: super::serial::inter_frame_silence(serial),
            last: None,
            open: false,
        }),
        probe: None,
        next: Some(next),
    })
}

/// The silence kept between two frames on a serial line: a request goes out no sooner
/// than `silence` after the end of the previous answer (or timeout).
struct Pace {
    silence: Duration,
    /// When the last exchange ended.
    last: Option<Instant>,
    /// An exchange began and has not ended (it was given up).
    open: bool,
}

/// A failed request in words: a device that closed the connection, an answer for
/// another unit, rather than what the OS reported last or a Rust dump of both headers.
/// `rtu`: the request went out RTU framed (onto a serial line).
fn convert<T>(
    unit: u8,
    rtu: bool,
    probe: Option<&Probe>,
    r: tokio_modbus::Result<T>,
) -> IoResult<T> {
    match r {
        Ok(Ok(v)) => Ok(Ok(v)),
        Ok(Err(code)) => Ok(Err(exception(code))),
        Err(tokio_modbus::Error::Transport(_)) if probe.is_some_and(Probe::names_close) => {
            Err(TransportError::Closed)
        }
        Err(tokio_modbus::Error::Transport(e)) => Err(TransportError::Io {
            reason: e.to_string(),
        }),
        Err(tokio_modbus::Error::Protocol(ProtocolError::HeaderMismatch { message, .. })) => {
            Err(header_mismatch(unit, rtu, &message))
        }
        Err(tokio_modbus::Error::Protocol(e)) => Err(TransportError::Protocol {
            reason: e.to_string(),
        }),
    }
}

/// tokio-modbus reports a response header that does not match the request only as
/// text: `expected/request = Header { transaction_id: 3, unit_id: 1 }, actual/response
/// = Header { transaction_id: 3, unit_id: 0 }`, and with RTU framing `Header {
/// slave_id: 0 }`. An answer for another unit is named as such; another transaction id
/// is an answer to some other request.
fn header_mismatch(asked: u8, rtu: bool, message: &str) -> TransportError {
    let field = |text: &str, name: &str| -> Option<u32> {
        let rest = &text[text.find(name)? + name.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let (request, response) = message
        .split_once("actual/response")
        .unwrap_or((message, ""));
    let answered = field(response, "unit_id: ")
        .or_else(|| field(response, "slave_id: "))
        .and_then(|u| u8::try_from(u).ok());
    match answered {
        Some(answered) if answered != asked => TransportError::WrongUnit {
            asked,
            answered,
            serial: rtu,
        },
        _ => {
            let sent = field(request, "transaction_id: ");
            let got = field(response, "transaction_id: ");
            let ids = match (sent, got) {
                (Some(sent), Some(got)) => format!(" (transaction id {got}, not {sent})"),
                _ => String::new(),
            };
            TransportError::Protocol {
                reason: format!("the answer belongs to another request{ids}"),
            }
        }
    }
}

/// What a write answer says was written. tokio-modbus's `Writer` methods only
/// `debug_assert` the echo (a panic in a debug build, silence in a release one), so
/// writes go through `Client::call` and the echo is handed up as it came.
fn echo(response: Response) -> Result<WriteEcho, TransportError> {
    match response {
        Response::WriteSingleRegister(address, value) => Ok(WriteEcho::Single { address, value }),
        Response::WriteSingleCoil(address, bit) => Ok(WriteEcho::Single {
            address,
            value: u16::from(bit),
        }),
        Response::WriteMultipleRegisters(start, quantity)
        | Response::WriteMultipleCoils(start, quantity) => {
            Ok(WriteEcho::Multiple { start, quantity })
        }
        other => Err(TransportError::Protocol {
            reason: format!("a write answered with {other:?}"),
        }),
    }
}

fn exception(code: ExceptionCode) -> Exception {
    Exception(u8::from(code))
}

/// The values of a read answer, exactly `count` of them. tokio-modbus's `Reader`
/// methods only `debug_assert` the count, so reads go through `Client::call` and an
/// answer of another length is refused: its values cannot be told apart.
fn values(kind: RegisterKind, count: u16, response: Response) -> Result<Vec<u16>, TransportError> {
    let wrong = |got: usize, expected: usize| TransportError::Protocol {
        reason: format!(
            "asked for {count} {kind} value{}, the answer carries {got}{}",
            if count == 1 { "" } else { "s" },
            if expected == usize::from(count) {
                String::new()
            } else {
                format!(" (bits come in whole bytes: {expected} expected)")
            },
        ),
    };
    match (kind, response) {
        (RegisterKind::Holding, Response::ReadHoldingRegisters(words))
        | (RegisterKind::Input, Response::ReadInputRegisters(words)) => {
            match words.len() == usize::from(count) {
                true => Ok(words),
                false => Err(wrong(words.len(), usize::from(count))),
            }
        }
        (RegisterKind::Coil, Response::ReadCoils(bits))
        | (RegisterKind::Discrete, Response::ReadDiscreteInputs(bits)) => {
            // Bits come packed in whole bytes, the last one padded.
            let padded = usize::from(count).div_ceil(8) * 8;
            if bits.len() != padded {
                return Err(wrong(bits.len(), padded));
            }
            Ok(bits
                .into_iter()
                .take(usize::from(count))
                .map(u16::from)
                .collect())
        }
        (_, other) => Err(TransportError::Protocol {
            reason: format!("a {kind} read answered with {other:?}"),
        }),
    }
}

impl ModbusIo {
    /// Addresses `unit`, after the line's silence since the last frame; with RTU
    /// framing, what is waiting when the request goes out is not its answer.
    async fn begin(&mut self, unit: u8) {
        if let Some(next) = &self.next {
            next.mark();
        }
        if let Some(pace) = &mut self.pace {
            // An exchange given up (a timeout) ended just now, as far as we know.
            let last = match pace.open {
                true => Some(Instant::now()),
                false => pace.last,
            };
            if let Some(last) = last {
                tokio::time::sleep_until((last + pace.silence).into()).await;
            }
            pace.open = true;
        }
        self.ctx.set_slave(Slave(unit));
    }

    /// The answer ends the exchange: the silence counts from now.
    fn end(&mut self) {
        if let Some(pace) = &mut self.pace {
            pace.last = Some(Instant::now());
            pace.open = false;
        }
    }

    async fn write(&mut self, unit: u8, request: Request<'_>) -> IoResult<WriteEcho> {
        self.begin(unit).await;
        let answer = self.ctx.call(request).await;
        self.end();
        match convert(unit, self.next.is_some(), self.probe.as_ref(), answer) {
            Ok(Ok(response)) => echo(response).map(Ok),
            Ok(Err(exception)) => Ok(Err(exception)),
            Err(e) => Err(e),
        }
    }
}

impl RegisterIo for ModbusIo {
    fn is_closed(&self) -> bool {
        self.probe.as_ref().is_some_and(Probe::is_closed)
    }

    async fn read(
        &mut self,
        unit: u8,
        kind: RegisterKind,
        start: u16,
        count: u16,
    ) -> IoResult<Vec<u16>> {
        let request = match kind {
            RegisterKind::Holding => Request::ReadHoldingRegisters(start, count),
            RegisterKind::Input => Request::ReadInputRegisters(start, count),
            RegisterKind::Coil => Request::ReadCoils(start, count),
            RegisterKind::Discrete => Request::ReadDiscreteInputs(start, count),
        };
        self.begin(unit).await;
        let answer = self.ctx.call(request).await;
        self.end();
        match convert(unit, self.next.is_some(), self.probe.as_ref(), answer)? {
            Ok(response) => values(kind, count, response).map(Ok),
            Err(exception) => Ok(Err(exception)),
        }
    }

    async fn write_single_register(
        &mut self,
        unit: u8,
        address: u16,
        word: u16,
    ) -> IoResult<WriteEcho> {
        self.write(unit, Request::WriteSingleRegister(address, word))
            .await
    }

    async fn write_registers(
        &mut self,
        unit: u8,
        start: u16,
        words: &[u16],
    ) -> IoResult<WriteEcho> {
        self.write(
            unit,
            Request::WriteMultipleRegisters(start, Cow::Borrowed(words)),
        )
        .await
    }

    async fn write_single_coil(
        &mut self,
        unit: u8,
        address: u16,
        bit: bool,
    ) -> IoResult<WriteEcho> {
        self.write(unit, Request::WriteSingleCoil(address, bit))
            .await
    }

    async fn write_coils(&mut self, unit: u8, start: u16, bits: &[bool]) -> IoResult<WriteEcho> {
        self.write(
            unit,
            Request::WriteMultipleCoils(start, Cow::Borrowed(bits)),
        )
        .await
    }

    async fn mask_write_register(
        &mut self,
        unit: u8,
        address: u16,
        and_mask: u16,
        or_mask: u16,
    ) -> IoResult<WriteEcho> {
        self.begin(unit).await;
        let request = Request::MaskWriteRegister(address, and_mask, or_mask);
        let answer = self.ctx.call(request).await;
        self.end();
        match convert(unit, self.next.is_some(), self.probe.as_ref(), answer)? {
            Ok(Response::MaskWriteRegister(address, and, or)) => {
                Ok(Ok(WriteEcho::Mask { address, and, or }))
            }
            Ok(other) => Err(TransportError::Protocol {
                reason: format!("a Mask Write answered with {other:?}"),
            }),
            Err(exception) => Ok(Err(exception)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::spec::Parity;
    use crate::sim::{SimConfig, SimTransport, Simulator};

    #[tokio::test]
    async fn requests_on_a_serial_line_keep_the_inter_frame_silence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drive.yaml");
        std::fs::write(
            &path,
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: drive}\nspec:\n  deviceAddress: 127.0.0.1\n  registers:\n    - {name: a, address: 7, value: 1}\n",
        )
        .unwrap();
        let plcs = crate::manifest::load(&[path]).unwrap();
        let mut config = SimConfig::from_plcs(&plcs).unwrap().on_ephemeral_ports();
        config.transport = SimTransport::Rtu;
        let sim = Simulator::start(config).await.unwrap();
        let line = sim.line_of("default/drive").expect("a serial line");
        let settings = SerialSettings {
            device: line,
            baud_rate: 1200,
            parity: Parity::Even,
            data_bits: 8,
            stop_bits: 1,
        };
        let mut io = connect_serial(&settings).unwrap();
        let started = Instant::now();
        for _ in 0..5 {
            let words = io.read(1, RegisterKind::Holding, 7, 1).await.unwrap();
            assert_eq!(words, Ok(vec![1]));
        }
        // A pseudo-terminal carries bytes at once; the line keeps 3.5 characters of
        // 11 bits at 1200 baud (32 ms) between frames.
        let silence = crate::device::serial::inter_frame_silence(&settings);
        assert_eq!(silence, Duration::from_micros(32083));
        assert!(started.elapsed() >= 4 * silence, "{:?}", started.elapsed());
    }

    /// An RTU frame: `pdu` from `unit`, with its CRC.
    fn rtu_frame(unit: u8, pdu: &[u8]) -> Vec<u8> {
        let mut frame = vec![unit];
        frame.extend_from_slice(pdu);
        let crc = crate::modbus::rtu::crc16(&frame);
        frame.extend_from_slice(&crc.to_le_bytes());
        frame
    }

    /// The RTU answer of unit 1 to a read of one holding register.
    fn holding_answer(word: u16) -> Vec<u8> {
        let [high, low] = word.to_be_bytes();
        rtu_frame(1, &[0x03, 2, high, low])
    }

    /// A gateway's (or a line's) end: first the late answer to a request given up,
    /// then, once the next request came, its answer. Returns that request, and the
    /// stream, still open.
    async fn late_then_answer<S>(mut device: S) -> (Vec<u8>, S)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        device.write_all(&holding_answer(0xBEEF)).await.unwrap();
        let mut request = vec![0u8; 8];
        device.read_exact(&mut request).await.unwrap();
        device.write_all(&holding_answer(1)).await.unwrap();
        (request, device)
    }

    #[tokio::test]
    async fn a_late_rtu_answer_waiting_on_a_gateway_socket_is_not_the_next_answer() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let gateway = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            late_then_answer(socket).await.0
        });
        let mut io = connect_tcp("127.0.0.1", port, Duration::from_secs(2), Framing::Rtu)
            .await
            .unwrap();
        // The late answer is waiting on the socket when the request goes out.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let words = io.read(1, RegisterKind::Holding, 7, 1).await.unwrap();
        assert_eq!(words, Ok(vec![1]));
        let request = gateway.await.unwrap();
        assert_eq!(request[..6], [1, 0x03, 0, 7, 0, 1]);
    }

    #[tokio::test]
    async fn a_late_rtu_answer_waiting_on_a_serial_line_is_not_the_next_answer() {
        let (device, line) = tokio_serial::SerialStream::pair().unwrap();
        let path = tokio_serial::SerialPort::name(&line).unwrap();
        let settings = SerialSettings {
            device: path.into(),
            baud_rate: 115200,
            parity: Parity::None,
            data_bits: 8,
            stop_bits: 1,
        };
        let mut io = connect_serial(&settings).unwrap();
        // Opened (and flushed) before the late answer arrives.
        let answering = tokio::spawn(late_then_answer(device));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let words = io.read(1, RegisterKind::Holding, 7, 1).await.unwrap();
        assert_eq!(words, Ok(vec![1]));
        let (request, device) = answering.await.unwrap();
        assert_eq!(request[..6], [1, 0x03, 0, 7, 0, 1]);
        drop((device, line));
    }

    /// A gateway that answers the one request it gets with `answer`'s PDU.
    async fn answering(pdu: Vec<u8>) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 8];
            socket.read_exact(&mut request).await.unwrap();
            socket.write_all(&rtu_frame(1, &pdu)).await.unwrap();
            // Hold the connection until the client is done.
            let _ = socket.read(&mut request).await;
        });
        port
    }

    #[tokio::test]
    async fn a_read_answered_with_another_count_is_refused() {
        // Two registers for one asked.
        let port = answering(vec![0x03, 4, 0, 1, 0, 2]).await;
        let mut io = connect_tcp("127.0.0.1", port, Duration::from_secs(2), Framing::Rtu)
            .await
            .unwrap();
        let error = io.read(1, RegisterKind::Holding, 7, 1).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed response: asked for 1 holding value, the answer carries 2"
        );
        // One register for two asked.
        let port = answering(vec![0x04, 2, 0, 1]).await;
        let mut io = connect_tcp("127.0.0.1", port, Duration::from_secs(2), Framing::Rtu)
            .await
            .unwrap();
        let error = io.read(1, RegisterKind::Input, 7, 2).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed response: asked for 2 input values, the answer carries 1"
        );
        // Two bytes of coils for three asked.
        let port = answering(vec![0x01, 2, 0b101, 0]).await;
        let mut io = connect_tcp("127.0.0.1", port, Duration::from_secs(2), Framing::Rtu)
            .await
            .unwrap();
        let error = io.read(1, RegisterKind::Coil, 7, 3).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed response: asked for 3 coil values, the answer carries 16 (bits come in whole bytes: 8 expected)"
        );
        // One byte for three: the bits asked for, the padding dropped.
        let port = answering(vec![0x02, 1, 0b1111_0101]).await;
        let mut io = connect_tcp("127.0.0.1", port, Duration::from_secs(2), Framing::Rtu)
            .await
            .unwrap();
        let words = io.read(1, RegisterKind::Discrete, 7, 3).await.unwrap();
        assert_eq!(words, Ok(vec![1, 0, 1]));
    }

    #[test]
    fn a_header_for_another_unit_is_named_as_such() {
        let text = "expected/request = Header { transaction_id: 3, unit_id: 1 }, \
                    actual/response = Header { transaction_id: 3, unit_id: 0 }";
        assert_eq!(
            header_mismatch(1, false, text),
            TransportError::WrongUnit {
                asked: 1,
                answered: 0,
                serial: false,
            }
        );
        let rtu = "expected/request = Header { slave_id: 1 }, \
                   actual/response = Header { slave_id: 3 }";
        let error = header_mismatch(1, true, rtu);
        assert_eq!(
            error,
            TransportError::WrongUnit {
                asked: 1,
                answered: 3,
                serial: true,
            }
        );
        assert_eq!(
            error.to_string(),
            "the device answered for unit 3, not unit 1: check spec.unitId: another device on the line answers, or this one has unit id 3 (then set unitId to that)"
        );
        let broadcast = "expected/request = Header { slave_id: 1 }, \
                         actual/response = Header { slave_id: 0 }";
        let hint = header_mismatch(1, true, broadcast).to_string();
        assert!(!hint.contains("set unitId to that"), "{hint}");
        assert!(hint.contains("0 is broadcast"), "{hint}");
        let late = "expected/request = Header { transaction_id: 4, unit_id: 1 }, \
                    actual/response = Header { transaction_id: 3, unit_id: 1 }";
        assert_eq!(
            header_mismatch(1, false, late).to_string(),
            "malformed response: the answer belongs to another request (transaction id 3, not 4)"
        );
    }
}
