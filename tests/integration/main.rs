//! Integration tests: the real `fabctl` binary and the in-process simulator on 127.0.0.1:0.

mod generate;
mod plan_apply;
mod sim;
mod support;
mod validate;
mod hostile;
