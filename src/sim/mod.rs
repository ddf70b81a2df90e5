//! The Modbus TCP simulator (`fabctl sim`): a fleet of simulated PLCs that behave like
//! real devices on the wire — sparse register maps, correct exceptions, gateways with
//! several unit ids — plus chaos (random drift) and faults (latency, drops, exception
//! and garbage replies, silence) for testing fabctl against misbehaving plants.
//!
//! In-process use (tests, `fabctl demo`):
//!
//! ```no_run
//! # async fn demo(plcs: Vec<fabctl::manifest::Plc>) -> Result<(), fabctl::sim::SimError> {
//! use fabctl::register::RegisterKind;
//! use fabctl::sim::{SimConfig, Simulator};
//!
//! let config = SimConfig::from_plcs(&plcs)?.on_ephemeral_ports();
//! let sim = Simulator::start(config).await?;
//! let addr = sim.addr_of("plant-a/press-1");          // where to point a client
//! let drifts = sim.chaos_step();                       // drift some registers now
//! let words = sim.read_words("plant-a/press-1", RegisterKind::Holding, 4001, 1);
//! let writes = sim.write_log();                        // what clients wrote
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Layout: [`config`] (what to serve), [`scenario`] (the scenario file format), [`device`] (register tables),
//! `table` (sparse storage), [`quirks`] (behaviours of real equipment), [`chaos`] (drift), [`program`] (a device's own writes), `shared` (the running fleet's state),
//! `server` (TCP and faults), [`tls`] (Modbus/TCP Security and test certificates), `metrics` (Prometheus), `handle` ([`Simulator`],
//! [`SimHandle`]), `args` ([`SimArgs`], [`run`]).

mod args;
pub mod chaos;
pub mod config;
pub mod device;
mod error;
mod handle;
pub mod limits;
mod metrics;
pub mod program;
pub mod quirks;
pub mod scenario;
mod server;
mod shared;
mod table;
pub mod tls;

pub use args::{SimArgs, run};
pub use chaos::DriftRecord;
pub use config::{
    ChaosConfig, DeviceConfig, EndpointConfig, FaultOverrides, Faults, SimConfig, SimTransport,
};
pub use device::{DeviceCounters, Point, WriteRecord};
pub use error::SimError;
pub use handle::{SimHandle, Simulator};
pub use limits::{DeviceLimits, UndeclaredRead};
pub use program::ProgramStep;
pub use quirks::{Quirks, ReadBack};
pub use shared::WRITE_LOG_CAPACITY;
