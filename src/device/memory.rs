//! An in-memory [`Connector`]: devices as maps of words, for unit tests of the engine.
//! Unknown addresses answer IllegalDataAddress like a real PLC; endpoints can be made
//! unreachable, units can be made to answer an exception, and writes can be made to
//! lose their answer, echo another address, or find the device busy.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{Connector, Exception, IoResult, RegisterIo, TransportError, WriteEcho};
use crate::register::RegisterKind;

#[derive(Default, Debug)]
struct State {
    /// (endpoint, unit, kind) -> address -> word
    tables: HashMap<(String, u8, RegisterKind), BTreeMap<u16, u16>>,
    unreachable: HashSet<String>,
    /// Every request, as (endpoint, unit, function code, start, count).
    requests: Vec<(String, u8, u8, u16, u16)>,
    /// Writes to these (endpoint, unit) answer with the exception.
    write_exception: HashMap<(String, u8), Exception>,
    /// FC06 answers IllegalFunction (a device that only knows FC16).
    no_fc06: bool,
    /// Writes are performed, then answered with the address one too high.
    wrong_echo: bool,
    /// Writes are performed, then their answer is lost (a timeout).
    lose_write_answers: bool,
    /// Writes answer this many times with ServerDeviceBusy before they are performed.
    busy_writes: u32,
    /// This many writes are swallowed: not performed, their answer lost.
    swallowed_writes: u32,
    /// This many reads lose their answer (a timeout).
    lost_reads: u32,
    /// FC22 answers IllegalFunction (a device without Mask Write Register).
    no_fc22: bool,
    /// FC22 writes its OR mask as the word (a device that implements it wrongly).
    broken_fc22: bool,
    /// Write function codes answered IllegalFunction (a device without them).
    refused_functions: HashSet<u8>,
    /// This many reads answer ServerDeviceBusy.
    busy_reads: u32,
    /// Reads covering one of these addresses (any table) answer its exception.
    refused_reads: BTreeMap<u16, Exception>,
    /// Reads of more values than this answer IllegalDataValue.
    max_read: Option<u16>,
}

/// Shared fake plant; clones see the same state.
#[derive(Clone, Default, Debug)]
pub struct MemoryConnector {
    state: Arc<Mutex<State>>,
}

fn key(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

impl MemoryConnector {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Declares words (or bits, 0/1) starting at `address`.
    pub fn set(
        &self,
        host: &str,
        port: u16,
        unit: u8,
        kind: RegisterKind,
        address: u16,
        words: &[u16],
    ) {
        let mut state = self.state();
        let table = state
            .tables
            .entry((key(host, port), unit, kind))
            .or_default();
        for (i, w) in words.iter().enumerate() {
            table.insert(address + i as u16, *w);
        }
    }

    /// Reads words directly.
    pub fn get(
        &self,
        host: &str,
        port: u16,
        unit: u8,
        kind: RegisterKind,
        address: u16,
        count: u16,
    ) -> Option<Vec<u16>> {
        let state = self.state();
        let table = state.tables.get(&(key(host, port), unit, kind))?;
        (0..count)
            .map(|i| table.get(&(address + i)).copied())
            .collect()
    }

    pub fn set_unreachable(&self, host: &str, port: u16) {
        self.state().unreachable.insert(key(host, port));
    }

    pub fn fail_writes(&self, host: &str, port: u16, unit: u8, exception: Exception) {
        self.state()
            .write_exception
            .insert((key(host, port), unit), exception);
    }

    pub fn refuse_fc06(&self) {
        self.state().no_fc06 = true;
    }

    /// Writes are performed and answered for the next address (a wrong echo).
    pub fn answer_writes_elsewhere(&self) {
        self.state().wrong_echo = true;
    }

    /// Writes are performed and their answer never comes (a timeout).
    pub fn lose_write_answers(&self, lose: bool) {
        self.state().lose_write_answers = lose;
    }

    /// The next `times` reads lose their answer (a timeout).
    pub fn lose_read_answers(&self, times: u32) {
        self.state().lost_reads = times;
    }

    /// The next `times` writes are swallowed: not performed, their answer lost.
    pub fn swallow_writes(&self, times: u32) {
        self.state().swallowed_writes = times;
    }

    /// The next `times` writes answer ServerDeviceBusy without being performed.
    pub fn busy_writes(&self, times: u32) {
        self.state().busy_writes = times;
    }

    /// The write function `function` (5, 6, 15, 16) answers IllegalFunction from now on.
    pub fn refuse_function(&self, function: u8) {
        self.state().refused_functions.insert(function);
    }

    /// The next `times` reads answer ServerDeviceBusy.
    pub fn busy_reads(&self, times: u32) {
        self.state().busy_reads = times;
    }

    /// Reads covering `address` (of any table) answer `exception` from now on, even
    /// where the address holds a word.
    pub fn refuse_reads_at(&self, address: u16, exception: Exception) {
        self.state().refused_reads.insert(address, exception);
    }

    /// Reads of more than `count` values answer IllegalDataValue from now on.
    pub fn refuse_reads_over(&self, count: u16) {
        self.state().max_read = Some(count);
    }

    /// FC22 answers IllegalFunction from now on.
    pub fn refuse_fc22(&self) {
        self.state().no_fc22 = true;
    }

    /// FC22 writes its OR mask as the word from now on.
    pub fn break_fc22(&self) {
        self.state().broken_fc22 = true;
    }

    /// Requests seen so far: (endpoint, unit, function code, start, count).
    pub fn requests(&self) -> Vec<(String, u8, u8, u16, u16)> {
        self.state().requests.clone()
    }
}

/// A connection to one endpoint of the fake plant.
pub struct MemoryIo {
    endpoint: String,
    connector: MemoryConnector,
}

impl Connector for MemoryConnector {
    type Io = MemoryIo;

    async fn connect(
        &self,
        host: &str,
        port: u16,
        _transport: &super::Transport,
        _timeout: Duration,
    ) -> Result<MemoryIo, TransportError> {
        let endpoint = key(host, port);
        if self.state().unreachable.contains(&endpoint) {
            return Err(TransportError::Connect {
                endpoint,
                reason: "Connection refused (os error 111)".into(),
            });
        }
        Ok(MemoryIo {
            endpoint,
            connector: self.clone(),
        })
    }
}

impl MemoryIo {
    fn write(
        &mut self,
        unit: u8,
        function: u8,
        kind: RegisterKind,
        start: u16,
        words: &[u16],
    ) -> IoResult<WriteEcho> {
        let mut state = self.connector.state();
        state.requests.push((
            self.endpoint.clone(),
            unit,
            function,
            start,
            words.len() as u16,
        ));
        if (function == 6 && state.no_fc06)
            || (function == 22 && state.no_fc22)
            || state.refused_functions.contains(&function)
        {
            return Ok(Err(Exception::ILLEGAL_FUNCTION));
        }
        if let Some(e) = state.write_exception.get(&(self.endpoint.clone(), unit)) {
            return Ok(Err(*e));
        }
        if state.swallowed_writes > 0 {
            state.swallowed_writes -= 1;
            return Err(TransportError::Timeout {
                timeout: Duration::from_millis(200),
            });
        }
        if state.busy_writes > 0 {
            state.busy_writes -= 1;
            return Ok(Err(Exception::SERVER_DEVICE_BUSY));
        }
        let Some(table) = state.tables.get_mut(&(self.endpoint.clone(), unit, kind)) else {
            return Ok(Err(Exception::ILLEGAL_DATA_ADDRESS));
        };
        if (0..words.len()).any(|i| !table.contains_key(&(start + i as u16))) {
            return Ok(Err(Exception::ILLEGAL_DATA_ADDRESS));
        }
        for (i, w) in words.iter().enumerate() {
            table.insert(start + i as u16, *w);
        }
        if state.lose_write_answers {
            return Err(TransportError::Timeout {
                timeout: Duration::from_millis(200),
            });
        }
        let echoed = if state.wrong_echo { start + 1 } else { start };
        Ok(Ok(WriteEcho::of(matches!(function, 5 | 6), echoed, words)))
    }
}

impl RegisterIo for MemoryIo {
    async fn read(
        &mut self,
        unit: u8,
        kind: RegisterKind,
        start: u16,
        count: u16,
    ) -> IoResult<Vec<u16>> {
        let function = match kind {
            RegisterKind::Coil => 1,
            RegisterKind::Discrete => 2,
            RegisterKind::Holding => 3,
            RegisterKind::Input => 4,
        };
        let mut state = self.connector.state();
        state
            .requests
            .push((self.endpoint.clone(), unit, function, start, count));
        if state.busy_reads > 0 {
            state.busy_reads -= 1;
            return Ok(Err(Exception::SERVER_DEVICE_BUSY));
        }
        if state.lost_reads > 0 {
            state.lost_reads -= 1;
            return Err(TransportError::Timeout {
                timeout: Duration::from_millis(200),
            });
        }
        if state.max_read.is_some_and(|max| count > max) {
            return Ok(Err(Exception::ILLEGAL_DATA_VALUE));
        }
        let end = u32::from(start) + u32::from(count);
        let refused = state.refused_reads.range(start..).next();
        if let Some((_, &exception)) = refused.filter(|&(&a, _)| u32::from(a) < end) {
            return Ok(Err(exception));
        }
        let Some(table) = state.tables.get(&(self.endpoint.clone(), unit, kind)) else {
            return Ok(Err(Exception::ILLEGAL_DATA_ADDRESS));
        };
        match (0..count)
            .map(|i| table.get(&(start + i)).copied())
            .collect::<Option<Vec<u16>>>()
        {
            Some(words) => Ok(Ok(words)),
            None => Ok(Err(Exception::ILLEGAL_DATA_ADDRESS)),
        }
    }

    async fn write_single_register(
        &mut self,
        unit: u8,
        address: u16,
        word: u16,
    ) -> IoResult<WriteEcho> {
        self.write(unit, 6, RegisterKind::Holding, address, &[word])
    }

    async fn write_registers(
        &mut self,
        unit: u8,
        start: u16,
        words: &[u16],
    ) -> IoResult<WriteEcho> {
        self.write(unit, 16, RegisterKind::Holding, start, words)
    }

    async fn write_single_coil(
        &mut self,
        unit: u8,
        address: u16,
        bit: bool,
    ) -> IoResult<WriteEcho> {
        self.write(unit, 5, RegisterKind::Coil, address, &[u16::from(bit)])
    }

    async fn write_coils(&mut self, unit: u8, start: u16, bits: &[bool]) -> IoResult<WriteEcho> {
        let words: Vec<u16> = bits.iter().map(|b| u16::from(*b)).collect();
        self.write(unit, 15, RegisterKind::Coil, start, &words)
    }

    async fn mask_write_register(
        &mut self,
        unit: u8,
        address: u16,
        and_mask: u16,
        or_mask: u16,
    ) -> IoResult<WriteEcho> {
        let (current, broken) = {
            let state = self.connector.state();
            let current = state
                .tables
                .get(&(self.endpoint.clone(), unit, RegisterKind::Holding))
                .and_then(|t| t.get(&address).copied());
            (current, state.broken_fc22)
        };
        // An undeclared address: `write` records the request and answers for it.
        let masks = crate::register::bit::Masks {
            and: and_mask,
            or: or_mask,
        };
        let word = match current {
            Some(_) if broken => or_mask,
            Some(w) => masks.apply(w),
            None => 0,
        };
        self.write(unit, 22, RegisterKind::Holding, address, &[word])
            .map(|r| {
                // The echo's address, one too high when the fake answers elsewhere.
                r.map(|echo| WriteEcho::Mask {
                    address: match echo {
                        WriteEcho::Single { address, .. } | WriteEcho::Mask { address, .. } => {
                            address
                        }
                        WriteEcho::Multiple { start, .. } => start,
                    },
                    and: and_mask,
                    or: or_mask,
                })
            })
    }
}
