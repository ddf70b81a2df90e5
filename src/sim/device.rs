//! [`Device`]: one simulated PLC — four sparse register tables holding only the
//! declared addresses, the declared points (named, typed registers) that chaos drifts
//! as whole values, and the counters that tests and metrics read.
//!
//! A device knows nothing about sockets or faults: [`Device::execute`] turns one
//! request PDU into one response, exactly as a real PLC's Modbus stack would.

use std::collections::BTreeMap;

use super::SimError;
use super::limits::DeviceLimits;
use super::quirks::{Quirks, Route};
use super::table::Table;
use crate::modbus::{ExceptionCode, Request, Response};
use crate::register::{Codec, RegisterKind, Value, ValueType};

/// A declared register of a simulated device: where it is, how its value is encoded,
/// and the engineering value it starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub name: String,
    pub kind: RegisterKind,
    pub address: u16,
    pub codec: Codec,
    /// For a `bool` in a holding or input register: its bit of the word.
    pub bit: Option<u8>,
    /// Initial engineering value (a manifest's desired value, or a scenario's `value`).
    pub initial: Value,
}

impl Point {
    /// Number of addresses the point occupies.
    pub fn width(&self) -> u16 {
        self.codec.width()
    }
}

/// Per-device counters: requests received per function code (including ones answered
/// with an exception or swallowed by a fault) and Modbus writes per address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceCounters {
    /// Function code → requests addressed to this device.
    pub requests: BTreeMap<u8, u64>,
    /// (table, address) → how many write requests changed-or-set that address. A
    /// multi-register write counts once for every address it covers.
    pub writes: BTreeMap<(RegisterKind, u16), u64>,
    /// Read requests that touched an undeclared address (refused: see
    /// [`DeviceLimits::undeclared_read`]).
    pub undeclared_reads: u64,
}

impl DeviceCounters {
    /// Requests received with function code `function`.
    pub fn requests_for(&self, function: u8) -> u64 {
        self.requests.get(&function).copied().unwrap_or(0)
    }

    /// All requests received.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Writes to one address of one table.
    pub fn writes_to(&self, kind: RegisterKind, address: u16) -> u64 {
        self.writes.get(&(kind, address)).copied().unwrap_or(0)
    }
}

/// One Modbus write as the device saw it. Bits are logged as words 0/1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteRecord {
    pub device: String,
    pub kind: RegisterKind,
    /// First address written.
    pub address: u16,
    pub old: Vec<u16>,
    pub new: Vec<u16>,
}

/// A simulated PLC's state.
#[derive(Debug)]
pub struct Device {
    name: String,
    holding: Table<u16>,
    input: Table<u16>,
    coils: Table<bool>,
    discrete: Table<bool>,
    points: Vec<Point>,
    counters: DeviceCounters,
    quirks: Quirks,
    limits: DeviceLimits,
}

/// What a read of a written range at its own address answers (see [`Quirks`]).
static ZERO_WORDS: [u16; crate::modbus::pdu::MAX_READ_REGISTERS as usize] =
    [0; crate::modbus::pdu::MAX_READ_REGISTERS as usize];
static ZERO_BITS: [bool; crate::modbus::pdu::MAX_READ_BITS as usize] =
    [false; crate::modbus::pdu::MAX_READ_BITS as usize];

impl Device {
    /// Builds the tables for `points` and stores their initial values. Fails when a
    /// point runs past address 65535, overlaps another point of the same table, or
    /// its initial value does not encode.
    pub fn new(name: &str, points: Vec<Point>) -> Result<Self, SimError> {
        check_layout(name, &points)?;
        let ranges = |kind: RegisterKind| {
            points
                .iter()
                .filter(move |p| p.kind == kind)
                .map(|p| (p.address, p.width()))
        };
        let mut device = Device {
            name: name.to_owned(),
            holding: Table::with_ranges(ranges(RegisterKind::Holding)),
            input: Table::with_ranges(ranges(RegisterKind::Input)),
            coils: Table::with_ranges(ranges(RegisterKind::Coil)),
            discrete: Table::with_ranges(ranges(RegisterKind::Discrete)),
            points: Vec::new(),
            counters: DeviceCounters::default(),
            quirks: Quirks::default(),
            limits: DeviceLimits::default(),
        };
        for point in &points {
            let invalid = |reason: String| SimError::InvalidRegister {
                device: name.to_owned(),
                register: point.name.clone(),
                reason,
            };
            let mut words = point
                .codec
                .encode(&point.initial)
                .map_err(|e| invalid(format!("initial value {}: {e}", point.initial)))?;
            if let Some(bit) = point.bit {
                // Only its bit of the word: the other points of the word keep theirs.
                let word = device
                    .read_words(point.kind, point.address, 1)
                    .and_then(|w| w.first().copied())
                    .unwrap_or(0);
                let value = words.first().is_some_and(|&w| w != 0);
                words = crate::register::Words::from([crate::register::bit::set(word, bit, value)]);
            }
            if !device.set_words(point.kind, point.address, &words) {
                return Err(invalid(format!(
                    "{} words do not fit its type",
                    words.len()
                )));
            }
        }
        device.points = points;
        Ok(device)
    }

    /// The device with `quirks` (FC22 support, split read-back); fails when a read-back
    /// range cannot be served or its read address is declared as a register.
    pub fn with_quirks(mut self, quirks: Quirks) -> Result<Self, SimError> {
        for r in &quirks.read_back {
            let reason = r.problem().or_else(|| {
                let declared = (0..r.count)
                    .any(|i| self.read_words(r.kind, r.to.saturating_add(i), 1).is_some());
                declared.then(|| {
                    format!(
                        "readBack: {} {} is declared as a register, so it cannot show {} {}",
                        r.kind, r.to, r.kind, r.from
                    )
                })
            });
            if let Some(reason) = reason {
                return Err(SimError::InvalidDevice {
                    device: self.name.clone(),
                    reason,
                });
            }
        }
        self.quirks = quirks;
        Ok(self)
    }

    /// The device with `limits` (request sizes, the answer to undeclared reads).
    pub fn with_limits(mut self, limits: DeviceLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The device name (`namespace/name` for PLCs from manifests).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared points, in declaration order.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> &DeviceCounters {
        &self.counters
    }

    /// Counts one request addressed to this device.
    pub fn count_request(&mut self, function: u8) {
        *self.counters.requests.entry(function).or_default() += 1;
    }

    /// Reads `count` values as words (bits as 0/1); `None` if any address is undeclared.
    pub fn read_words(&self, kind: RegisterKind, address: u16, count: u16) -> Option<Vec<u16>> {
        match kind {
            RegisterKind::Holding => self.holding.get(address, count).map(<[u16]>::to_vec),
            RegisterKind::Input => self.input.get(address, count).map(<[u16]>::to_vec),
            RegisterKind::Coil => bits_to_words(self.coils.get(address, count)?),
            RegisterKind::Discrete => bits_to_words(self.discrete.get(address, count)?),
        }
    }

    /// Sets values directly (any table, bits from words ≠ 0), as the machine itself
    /// would; not a Modbus write, so neither logged nor counted. `false` if any
    /// address is undeclared.
    pub fn set_words(&mut self, kind: RegisterKind, address: u16, words: &[u16]) -> bool {
        let Ok(count) = u16::try_from(words.len()) else {
            return false;
        };
        let copy_bits = |bits: Option<&mut [bool]>| match bits {
            Some(bits) => {
                bits.iter_mut()
                    .zip(words)
                    .for_each(|(bit, &w)| *bit = w != 0);
                true
            }
            None => false,
        };
        match kind {
            RegisterKind::Holding => self
                .holding
                .get_mut(address, count)
                .map(|r| r.copy_from_slice(words))
                .is_some(),
            RegisterKind::Input => self
                .input
                .get_mut(address, count)
                .map(|r| r.copy_from_slice(words))
                .is_some(),
            RegisterKind::Coil => copy_bits(self.coils.get_mut(address, count)),
            RegisterKind::Discrete => copy_bits(self.discrete.get_mut(address, count)),
        }
    }

    /// Performs one request PDU and returns the response (an exception response when
    /// the request is invalid), plus a record when it wrote something.
    pub fn execute(&mut self, pdu: &[u8]) -> (Response<'_>, Option<WriteRecord>) {
        let function = pdu.first().copied().unwrap_or(0);
        if !self.quirks.serves(function) {
            let code = ExceptionCode::IllegalFunction;
            return (Response::Exception { function, code }, None);
        }
        let request = match Request::parse(pdu) {
            Ok(request) => request,
            Err(code) => return (Response::Exception { function, code }, None),
        };
        if self.limits.refuses(&request) {
            let code = ExceptionCode::IllegalDataValue;
            return (Response::Exception { function, code }, None);
        }
        match self.perform(request) {
            Ok(done) => done,
            Err(code) => (Response::Exception { function, code }, None),
        }
    }

    fn perform(
        &mut self,
        request: Request<'_>,
    ) -> Result<(Response<'_>, Option<WriteRecord>), ExceptionCode> {
        use ExceptionCode::IllegalDataAddress as Undeclared;
        let function = request.function();
        // A read touching an undeclared address: counted, answered as the device does.
        let refused_read = self.limits.undeclared_read.code();
        let undeclared_reads = &mut self.counters.undeclared_reads;
        let mut undeclared = || {
            *undeclared_reads += 1;
            refused_read
        };
        let read = match request {
            Request::ReadCoils { address, quantity } => Response::Bits {
                function,
                bits: match self.quirks.route(RegisterKind::Coil, address, quantity) {
                    Route::Table(at) => self.coils.get(at, quantity).ok_or_else(undeclared)?,
                    Route::Zeros => &ZERO_BITS[..usize::from(quantity)],
                    Route::Refused => return Err(undeclared()),
                },
            },
            Request::ReadDiscreteInputs { address, quantity } => Response::Bits {
                function,
                bits: self
                    .discrete
                    .get(address, quantity)
                    .ok_or_else(undeclared)?,
            },
            Request::ReadHoldingRegisters { address, quantity } => Response::Words {
                function,
                words: match self.quirks.route(RegisterKind::Holding, address, quantity) {
                    Route::Table(at) => self.holding.get(at, quantity).ok_or_else(undeclared)?,
                    Route::Zeros => &ZERO_WORDS[..usize::from(quantity)],
                    Route::Refused => return Err(undeclared()),
                },
            },
            Request::ReadInputRegisters { address, quantity } => Response::Words {
                function,
                words: self.input.get(address, quantity).ok_or_else(undeclared)?,
            },
            Request::WriteSingleCoil { address, value } => {
                let record = self.write_bits(address, 1, std::iter::once(value))?;
                let value = if value { 0xFF00 } else { 0x0000 };
                return Ok((
                    Response::WriteSingle {
                        function,
                        address,
                        value,
                    },
                    Some(record),
                ));
            }
            Request::WriteSingleRegister { address, value } => {
                let record = self.write_registers(address, 1, std::iter::once(value))?;
                return Ok((
                    Response::WriteSingle {
                        function,
                        address,
                        value,
                    },
                    Some(record),
                ));
            }
            Request::WriteMultipleCoils { address, values } => {
                let record = self.write_bits(address, values.len(), values.iter())?;
                let quantity = values.len();
                return Ok((
                    Response::WriteMultiple {
                        function,
                        address,
                        quantity,
                    },
                    Some(record),
                ));
            }
            Request::WriteMultipleRegisters { address, values } => {
                let record = self.write_registers(address, values.len(), values.iter())?;
                let quantity = values.len();
                return Ok((
                    Response::WriteMultiple {
                        function,
                        address,
                        quantity,
                    },
                    Some(record),
                ));
            }
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => {
                let masks = crate::register::bit::Masks {
                    and: and_mask,
                    or: or_mask,
                };
                let word = self.holding.get(address, 1).ok_or(Undeclared)?[0];
                let record =
                    self.write_registers(address, 1, std::iter::once(masks.apply(word)))?;
                return Ok((
                    Response::MaskWrite {
                        address,
                        and_mask,
                        or_mask,
                    },
                    Some(record),
                ));
            }
        };
        Ok((read, None))
    }

    fn write_registers(
        &mut self,
        address: u16,
        count: u16,
        values: impl Iterator<Item = u16>,
    ) -> Result<WriteRecord, ExceptionCode> {
        if self
            .quirks
            .refuses_write(RegisterKind::Holding, address, count)
        {
            return Err(ExceptionCode::IllegalDataAddress);
        }
        let slots = self
            .holding
            .get_mut(address, count)
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        let old = slots.to_vec();
        slots
            .iter_mut()
            .zip(values)
            .for_each(|(slot, value)| *slot = value);
        let new = slots.to_vec();
        Ok(self.record(RegisterKind::Holding, address, old, new))
    }

    fn write_bits(
        &mut self,
        address: u16,
        count: u16,
        values: impl Iterator<Item = bool>,
    ) -> Result<WriteRecord, ExceptionCode> {
        if self
            .quirks
            .refuses_write(RegisterKind::Coil, address, count)
        {
            return Err(ExceptionCode::IllegalDataAddress);
        }
        let slots = self
            .coils
            .get_mut(address, count)
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        let old = slots.iter().map(|&b| u16::from(b)).collect();
        slots
            .iter_mut()
            .zip(values)
            .for_each(|(slot, value)| *slot = value);
        let new = slots.iter().map(|&b| u16::from(b)).collect();
        Ok(self.record(RegisterKind::Coil, address, old, new))
    }

    fn record(
        &mut self,
        kind: RegisterKind,
        address: u16,
        old: Vec<u16>,
        new: Vec<u16>,
    ) -> WriteRecord {
        for offset in 0..new.len() {
            let at = address.wrapping_add(u16::try_from(offset).unwrap_or(u16::MAX));
            *self.counters.writes.entry((kind, at)).or_default() += 1;
        }
        WriteRecord {
            device: self.name.clone(),
            kind,
            address,
            old,
            new,
        }
    }
}

fn bits_to_words(bits: &[bool]) -> Option<Vec<u16>> {
    Some(bits.iter().map(|&b| u16::from(b)).collect())
}

/// Every point fits the address space and no two points of one table overlap.
fn check_layout(device: &str, points: &[Point]) -> Result<(), SimError> {
    let mut spans: Vec<(RegisterKind, u32, u32, Option<u8>, &str)> =
        Vec::with_capacity(points.len());
    for point in points {
        let start = u32::from(point.address);
        let end = start + u32::from(point.width());
        if end > 1 << 16 {
            return Err(SimError::InvalidRegister {
                device: device.to_owned(),
                register: point.name.clone(),
                reason: format!(
                    "{} at {} runs past address 65535",
                    point.codec.value_type, point.address
                ),
            });
        }
        if point.kind.is_bit() && point.codec.value_type != ValueType::Bool {
            return Err(SimError::InvalidRegister {
                device: device.to_owned(),
                register: point.name.clone(),
                reason: format!(
                    "type {} does not fit a {} register",
                    point.codec.value_type, point.kind
                ),
            });
        }
        spans.push((point.kind, start, end, point.bit, &point.name));
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        let [
            (kind, _, end, bit, first),
            (next_kind, start, _, next_bit, second),
        ] = pair
        else {
            continue;
        };
        // Different bits of one word share it; anything else may not.
        let bits_apart = matches!((bit, next_bit), (Some(a), Some(b)) if a != b);
        if kind == next_kind && start < end && !bits_apart {
            return Err(SimError::OverlappingRegisters {
                device: device.to_owned(),
                kind: *kind,
                first: (*first).to_owned(),
                second: (*second).to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
