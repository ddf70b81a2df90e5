//! Test doubles shared by the unit tests of several modules.

pub mod api_server;
pub mod cluster;
