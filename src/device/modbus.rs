//! [`RegisterIo`] over Modbus TCP (plain, or inside TLS: Modbus/TCP Security), RTU
//! framing on a TCP socket (a transparent gateway) and a serial line, with
//! tokio-modbus as the client.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio_modbus::client::{Client, Context, Reader};
use tokio_modbus::prelude::SlaveContext;
use tokio_modbus::{ExceptionCode, ProtocolError, Request, Response, Slave};

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
                    let ctx = match framing {
                        Framing::Mbap => tokio_modbus::client::tcp::attach(stream),
                        Framing::Rtu => tokio_modbus::client::rtu::attach_slave(stream, Slave(1)),
                        Framing::Tls(settings) => super::tls::handshake(stream, settings)
                            .await
                            .map(tokio_modbus::client::tcp::attach)?,
                    };
                    return Ok((ctx, probe));
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    };
    match tokio::time::timeout(timeout, connect).await {
        Ok(Ok((ctx, probe))) => Ok(ModbusIo {
            ctx,
            pace: None,
            probe: Some(probe),
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
    Ok(ModbusIo {
        ctx: tokio_modbus::client::rtu::attach_slave(stream, Slave(1)),
        pace: Some(Pace {
            silence: super::serial::inter_frame_silence(serial),
            last: None,
            open: false,
        }),
        probe: None,
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
fn convert<T>(unit: u8, probe: Option<&Probe>, r: tokio_modbus::Result<T>) -> IoResult<T> {
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
            Err(header_mismatch(unit, &message))
        }
        Err(tokio_modbus::Error::Protocol(e)) => Err(TransportError::Protocol {
            reason: e.to_string(),
        }),
    }
}

/// tokio-modbus reports a response header that does not match the request only as
/// text: `expected/request = Header { transaction_id: 3, unit_id: 1 }, actual/response
/// = Header { transaction_id: 3, unit_id: 0 }`. An answer for another unit is named
/// as such; another transaction id is an answer to some other request.
fn header_mismatch(asked: u8, message: &str) -> TransportError {
    let field = |text: &str, name: &str| -> Option<u32> {
        let rest = &text[text.find(name)? + name.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let (request, response) = message
        .split_once("actual/response")
        .unwrap_or((message, ""));
    let answered = field(response, "unit_id: ").and_then(|u| u8::try_from(u).ok());
    match answered {
        Some(answered) if answered != asked => TransportError::WrongUnit { asked, answered },
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

fn bits_to_words(bits: Vec<bool>) -> Vec<u16> {
    bits.into_iter().map(u16::from).collect()
}

impl ModbusIo {
    /// Addresses `unit`, after the line's silence since the last frame.
    async fn begin(&mut self, unit: u8) {
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
        match convert(unit, self.probe.as_ref(), answer) {
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
        self.begin(unit).await;
        let probe = self.probe.as_ref();
        let mut result = match kind {
            RegisterKind::Holding => convert(
                unit,
                probe,
                self.ctx.read_holding_registers(start, count).await,
            ),
            RegisterKind::Input => convert(
                unit,
                probe,
                self.ctx.read_input_registers(start, count).await,
            ),
            RegisterKind::Coil => convert(
                unit,
                probe,
                self.ctx
                    .read_coils(start, count)
                    .await
                    .map(|r| r.map(bits_to_words)),
            ),
            RegisterKind::Discrete => convert(
                unit,
                probe,
                self.ctx
                    .read_discrete_inputs(start, count)
                    .await
                    .map(|r| r.map(bits_to_words)),
            ),
        };
        self.end();
        // Bit reads come back padded to whole bytes.
        if let Ok(Ok(words)) = &mut result {
            if words.len() < usize::from(count) {
                return Err(TransportError::Protocol {
                    reason: format!("asked for {count} values, got {}", words.len()),
                });
            }
            words.truncate(usize::from(count));
        }
        result
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
        match convert(unit, self.probe.as_ref(), answer)? {
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

    #[test]
    fn a_header_for_another_unit_is_named_as_such() {
        let text = "expected/request = Header { transaction_id: 3, unit_id: 1 }, \
                    actual/response = Header { transaction_id: 3, unit_id: 0 }";
        assert_eq!(
            header_mismatch(1, text),
            TransportError::WrongUnit {
                asked: 1,
                answered: 0
            }
        );
        let late = "expected/request = Header { transaction_id: 4, unit_id: 1 }, \
                    actual/response = Header { transaction_id: 3, unit_id: 1 }";
        assert_eq!(
            header_mismatch(1, late).to_string(),
            "malformed response: the answer belongs to another request (transaction id 3, not 4)"
        );
    }
}
