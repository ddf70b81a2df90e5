//! Integration tests: the real `fabctl` binary and the in-process simulator on 127.0.0.1:0.

mod faults;
mod generate;
mod guards;
mod hostile;
mod monitoring;
mod plan_apply;
mod sim;
mod soak;
mod support;
mod validate;
