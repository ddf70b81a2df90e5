//! The `PLCModel` custom resource: a fleet template. It holds what identical machines
//! share — the register map (each `value` a default), the device's limits and its
//! transport — and an `IndustrialPLC` with `spec.model` inherits it (see
//! [`super::inherit`]).

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::spec::{LimitsSpec, RegisterSpec, TransportKind};
use crate::register::Value;

/// `kind` of the template as written in manifests.
pub const MODEL_KIND: &str = "PLCModel";

/// What every PLC of one device model shares.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "fabgitops.io",
    version = "v1",
    kind = "PLCModel",
    plural = "plcmodels",
    singular = "plcmodel",
    shortname = "plcmodel",
    namespaced,
    doc = "A device model: the register map, limits and transport that IndustrialPLCs with spec.model share"
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PLCModelSpec {
    /// The register map; a `value` here is the default a PLC may override in
    /// `spec.values`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registers: Vec<RegisterSpec<Option<Value>>>,
    /// What the device accepts in one request (a PLC's own `limits` replace these).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsSpec>,
    /// How the device is reached (a PLC's own `transport` replaces this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportKind>,
}
