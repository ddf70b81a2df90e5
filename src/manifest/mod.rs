//! Manifests: the `IndustrialPLC` resource type, loading YAML files with source
//! locations, and validating them before any device is touched.

mod model;
pub mod spec;

pub use model::{Plc, Register, SourceLoc};
pub use spec::{IndustrialPLC, IndustrialPLCSpec, IndustrialPLCStatus, Mode, RegisterSpec};
