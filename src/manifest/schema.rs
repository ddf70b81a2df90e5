//! The OpenAPI schemas of `IndustrialPLC` and `PLCModel` as kube derives it from the Rust type: the
//! single source for the CRD, for `fabctl schema`, and for structural validation.

use std::sync::OnceLock;

use kube::CustomResourceExt;

use super::IndustrialPLC;
use super::template::PLCModel;

/// The `openAPIV3Schema` of the CRD (inlined, structural), built once per process:
/// every manifest document is checked against it, so it is borrowed, never cloned.
pub fn document_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let crd = serde_json::to_value(IndustrialPLC::crd()).unwrap_or_default();
        crd.pointer("/spec/versions/0/schema/openAPIV3Schema")
            .cloned()
            .unwrap_or_default()
    })
}

/// The `openAPIV3Schema` of the `PLCModel` CRD, built once per process.
pub fn model_document_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let crd = serde_json::to_value(PLCModel::crd()).unwrap_or_default();
        crd.pointer("/spec/versions/0/schema/openAPIV3Schema")
            .cloned()
            .unwrap_or_default()
    })
}
