//! [`RegisterIo`] over Modbus TCP (plain, or inside TLS: Modbus/TCP Security), with
//! tokio-modbus as the client.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

use tokio_modbus::client::{Client, Context, Reader};
use tokio_modbus::prelude::SlaveContext;
use tokio_modbus::{ExceptionCode, Request, Response, Slave};

use super::{Connector, Exception, IoResult, RegisterIo, Transport, TransportError, WriteEcho};
use crate::register::RegisterKind;

/// Connects with tokio-modbus over TCP or TLS.
#[derive(Clone, Copy, Debug, Default)]
pub struct ModbusConnector;

/// One Modbus TCP connection.
pub struct ModbusIo {
    ctx: Context,
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
        let endpoint = format!("{host}:{port}");
        if !matches!(transport, Transport::Tcp | Transport::Tls(_)) {
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
                        return match transport {
                            Transport::Tls(settings) => super::tls::handshake(stream, settings)
                                .await
                                .map(tokio_modbus::client::tcp::attach),
                            _ => Ok(tokio_modbus::client::tcp::attach(stream)),
                        };
                    }
                    Err(e) => last = e.to_string(),
                }
            }
            Err(last)
        };
        match tokio::time::timeout(timeout, connect).await {
            Ok(Ok(ctx)) => Ok(ModbusIo { ctx }),
            Ok(Err(reason)) => Err(TransportError::Connect { endpoint, reason }),
            Err(_) => Err(TransportError::Connect {
                endpoint,
                reason: format!("no connection within {} ms", timeout.as_millis()),
            }),
        }
    }
}

fn convert<T>(r: tokio_modbus::Result<T>) -> IoResult<T> {
    match r {
        Ok(Ok(v)) => Ok(Ok(v)),
        Ok(Err(code)) => Ok(Err(exception(code))),
        Err(tokio_modbus::Error::Transport(e)) => Err(TransportError::Io {
            reason: e.to_string(),
        }),
        Err(tokio_modbus::Error::Protocol(e)) => Err(TransportError::Protocol {
            reason: e.to_string(),
        }),
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
        match convert(self.ctx.call(request).await) {
            Ok(Ok(response)) => echo(response).map(Ok),
            Ok(Err(exception)) => Ok(Err(exception)),
            Err(e) => Err(e),
        }
    }
}

impl RegisterIo for ModbusIo {
    async fn read(
        &mut self,
        unit: u8,
        kind: RegisterKind,
        start: u16,
        count: u16,
    ) -> IoResult<Vec<u16>> {
        self.ctx.set_slave(Slave(unit));
        let mut result = match kind {
            RegisterKind::Holding => convert(self.ctx.read_holding_registers(start, count).await),
            RegisterKind::Input => convert(self.ctx.read_input_registers(start, count).await),
            RegisterKind::Coil => convert(
                self.ctx
                    .read_coils(start, count)
                    .await
                    .map(|r| r.map(bits_to_words)),
            ),
            RegisterKind::Discrete => convert(
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
        match convert(self.ctx.call(request).await)? {
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
