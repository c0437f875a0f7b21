//! The pod as the evaluator reads it: the `requestObject` of a pod creation, typed with serde,
//! every field optional so that "unset" stays apart from "false" or "empty" (SPEC §5).

use serde::Deserialize;

/// A pod (`requestObject`); unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    #[serde(default)]
    pub metadata: serde_json::Value,
    #[serde(default)]
    pub spec: serde_json::Value,
}
