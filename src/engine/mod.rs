//! The engine: the path every command shares from a validated fleet to a recorded
//! outcome. Select targets, read the devices, plan (pure), save or load a plan, and
//! apply it safely (guards, per-device lock, compare-and-set, read-back, audit).
//! A reconcile tick is plan + apply with `autoCorrect` respected.
//!
//! Nothing here prints or parses flags: commands give it options, views render
//! what it returns.

pub mod apply;
pub mod audit;
pub mod binding;
pub mod conflict;
pub mod guard;
pub mod lock;
pub mod observe;
pub mod plan;
pub mod planfile;
pub mod reconcile;
pub mod revert;
pub mod signing;
pub mod target;
