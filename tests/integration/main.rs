//! Integration tests: the real `fabctl` binary and the in-process simulator on 127.0.0.1:0.

mod agent;
mod attack;
mod bits;
mod ci;
mod cluster;
mod conflict;
mod docs;
mod faults;
mod generate;
mod generated;
mod guards;
mod hostile;
mod import;
mod interop;
mod k8s;
mod listeners;
mod locks;
mod monitoring;
mod plan_apply;
mod rbac;
mod reconcile;
mod sim;
mod soak;
mod support;
mod validate;
mod write_answers;
