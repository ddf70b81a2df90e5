//! fabctl: Terraform for PLC registers.

pub mod manifest;
pub mod register;
