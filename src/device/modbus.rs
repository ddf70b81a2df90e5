//! [`RegisterIo`] over Modbus TCP, with tokio-modbus as the client.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

use tokio_modbus::client::{Client, Context, Reader};
use tokio_modbus::prelude::SlaveContext;
use tokio_modbus::{ExceptionCode, ProtocolError, Request, Response, Slave};

use super::watched::{self, Probe};
use super::{Connector, Exception, IoResult, RegisterIo, TransportError, WriteEcho};
use crate::register::RegisterKind;

/// Connects with tokio-modbus over TCP.
#[derive(Clone, Copy, Debug, Default)]
pub struct ModbusConnector;

/// One Modbus TCP connection.
pub struct ModbusIo {
    ctx: Context,
    /// Tells whether the device closed the connection.
    probe: Probe,
}

impl Connector for ModbusConnector {
    type Io = ModbusIo;

    async fn connect(
        &self,
        host: &str,
        port: u16,
        transport: &super::Transport,
        timeout: Duration,
    ) -> Result<ModbusIo, TransportError> {
        let endpoint = format!("{host}:{port}");
        if !transport.is_tcp() {
            return Err(TransportError::Connect {
                endpoint,
                reason: format!("transport {:?} is not built yet", transport.kind()),
            });
        }
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
                        let (stream, probe) = watched::watch(stream);
                        return Ok((tokio_modbus::client::tcp::attach(stream), probe));
                    }
                    Err(e) => last = e.to_string(),
                }
            }
            Err(last)
        };
        match tokio::time::timeout(timeout, connect).await {
            Ok(Ok((ctx, probe))) => Ok(ModbusIo { ctx, probe }),
            Ok(Err(reason)) => Err(TransportError::Connect { endpoint, reason }),
            Err(_) => Err(TransportError::Connect {
                endpoint,
                reason: format!("no connection within {} ms", timeout.as_millis()),
            }),
        }
    }
}

/// A failed request in words: a device that closed the connection, an answer for
/// another unit, rather than what the OS reported last or a Rust dump of both headers.
fn convert<T>(unit: u8, probe: &Probe, r: tokio_modbus::Result<T>) -> IoResult<T> {
    match r {
        Ok(Ok(v)) => Ok(Ok(v)),
        Ok(Err(code)) => Ok(Err(exception(code))),
        Err(tokio_modbus::Error::Transport(_)) if probe.saw_close() => Err(TransportError::Closed),
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
    async fn write(&mut self, unit: u8, request: Request<'_>) -> IoResult<WriteEcho> {
        self.ctx.set_slave(Slave(unit));
        match convert(unit, &self.probe, self.ctx.call(request).await) {
            Ok(Ok(response)) => echo(response).map(Ok),
            Ok(Err(exception)) => Ok(Err(exception)),
            Err(e) => Err(e),
        }
    }
}

impl RegisterIo for ModbusIo {
    fn is_closed(&self) -> bool {
        self.probe.is_closed()
    }

    async fn read(
        &mut self,
        unit: u8,
        kind: RegisterKind,
        start: u16,
        count: u16,
    ) -> IoResult<Vec<u16>> {
        self.ctx.set_slave(Slave(unit));
        let probe = &self.probe;
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
        self.ctx.set_slave(Slave(unit));
        let request = Request::MaskWriteRegister(address, and_mask, or_mask);
        match convert(unit, &self.probe, self.ctx.call(request).await)? {
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
