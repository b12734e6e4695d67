//! The file format as a JSON Schema: generated from the model's types with schemars
//! (`schemas/routing-table.schema.json`, `psapguard schema`).

use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::{Boundary, Domain, Link, Origin, Pool, Psap, Router};

/// Element ids: letters, digits, `-`, `_`, `.`.
pub struct Id;

pub const ID_PATTERN: &str = "^[A-Za-z0-9_.-]+$";

impl JsonSchema for Id {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": ID_PATTERN, "description": "An element id: letters, digits, '-', '_', '.'" })
    }
}

impl JsonSchema for Link {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Reference".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": ID_PATTERN, "description": "The id of another element" })
    }
}

/// One file of a routing table, as written.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "psapguard routing table", extend("$id" = "https://psapguard.dev/schemas/routing-table.schema.json"))]
pub(super) struct Document {
    /// Format version; always 1.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Shown in reports.
    name: Option<String>,
    /// NG9-1-1 GIS boundary layers (SPEC §7), paths relative to this file.
    boundaries: Option<Vec<Boundary>>,
    /// NENA i3 policy documents (SPEC §9): files or directories of `*.json`, relative to this file.
    policies: Option<Vec<super::PolicySource>>,
    #[schemars(schema_with = "section::<Domain>")]
    domains: Option<BTreeMap<String, Domain>>,
    #[schemars(schema_with = "section::<Psap>")]
    psaps: Option<BTreeMap<String, Psap>>,
    #[schemars(schema_with = "section::<Router>")]
    routers: Option<BTreeMap<String, Router>>,
    #[schemars(schema_with = "section::<Origin>")]
    origins: Option<BTreeMap<String, Origin>>,
    #[schemars(schema_with = "section::<Pool>")]
    pools: Option<BTreeMap<String, Pool>>,
}

fn section<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    let item = generator.subschema_for::<T>();
    json_schema!({
        "type": ["object", "null"],
        "propertyNames": { "pattern": ID_PATTERN },
        "additionalProperties": item,
    })
}

/// The JSON Schema of a table file, as committed in `schemas/routing-table.schema.json`.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Document);
    let mut value = serde_json::to_value(schema).expect("a schema is always JSON");
    // Sections are optional: a file may hold any of them (`schema_with` marks them required).
    value["required"] = serde_json::json!(["version"]);
    value
}

/// The committed schema text, pretty-printed with a final newline.
pub fn schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&json_schema()).expect("a schema is always JSON");
    s.push('\n');
    s
}
