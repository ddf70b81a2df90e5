//! One module per command: each turns parsed arguments into work and output.

pub mod generate;
pub mod validate;
