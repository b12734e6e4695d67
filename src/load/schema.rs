//! JSON Schema validation of a file's YAML, with each violation mapped back to its position.
//!
//! The schema is the one generated from the model types (`psapguard schema`). The builder
//! checks the same format while it builds the model, with messages written for people; this
//! pass is the authority that catches anything the builder's checks do not express.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use serde_json::{Map, Number, Value};

use super::yaml::{Node, Pos, Resolved, Value as YValue};
use crate::model::Section;

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| jsonschema::validator_for(&crate::model::json_schema()).expect("the generated schema is valid"))
}

/// The document schema without `required`: validates one top-level field at a time.
fn top_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let mut schema = crate::model::json_schema();
        schema.as_object_mut().expect("an object schema").remove("required");
        jsonschema::validator_for(&schema).expect("the generated schema is valid")
    })
}

/// One validator per section, for one element of it (`#/$defs/Psap`, …).
fn element_validator(section: Section) -> &'static jsonschema::Validator {
    static V: OnceLock<Vec<jsonschema::Validator>> = OnceLock::new();
    &V.get_or_init(|| {
        let schema = crate::model::json_schema();
        Section::ALL
            .iter()
            .map(|s| {
                let def = s.schema_def();
                let one = serde_json::json!({ "$ref": format!("#/$defs/{def}"), "$defs": schema["$defs"].clone() });
                jsonschema::validator_for(&one).expect("the generated schema is valid")
            })
            .collect()
    })[section as usize]
}

/// Violations in one element of a section, positions within it.
pub fn validate_element(section: Section, node: &Node<'_>) -> Vec<(Pos, String)> {
    violations(element_validator(section), node, &to_json(node), "")
}

/// Violations in one top-level field (`version`, `name`, or a section that is not a mapping).
pub fn validate_top(key: &str, value: &Node<'_>) -> Vec<(Pos, String)> {
    let mut doc = Map::new();
    doc.insert(key.to_string(), to_json(value));
    violations(top_validator(), value, &Value::Object(doc), &format!("/{key}"))
}

/// The YAML tree as JSON (YAML 1.2 core schema for scalars).
pub fn to_json(node: &Node<'_>) -> Value {
    match &node.value {
        YValue::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        YValue::Map(entries) => {
            let mut m = Map::with_capacity(entries.len());
            for (k, v) in entries {
                m.entry(k.text().unwrap_or_default().to_string())
                    .or_insert_with(|| to_json(v));
            }
            Value::Object(m)
        }
        YValue::Scalar { .. } => match node.resolve() {
            Some(Resolved::Null) | None => Value::Null,
            Some(Resolved::Bool(b)) => Value::Bool(b),
            Some(Resolved::Int(i)) => i64::try_from(i)
                .map(Number::from)
                .ok()
                .or_else(|| u64::try_from(i).ok().map(Number::from))
                .or_else(|| Number::from_f64(i as f64))
                .map_or(Value::Null, Value::Number),
            Some(Resolved::Float(f)) => Number::from_f64(f).map_or_else(|| Value::String(f.to_string()), Value::Number),
            Some(Resolved::Str(s)) => Value::String(s.to_string()),
        },
    }
}

/// Every schema violation in a whole document: (position, message).
pub fn validate(root: &Node<'_>) -> Vec<(Pos, String)> {
    violations(validator(), root, &to_json(root), "")
}

/// Runs a validator; `prefix` is the pointer of `node` within `instance`.
fn violations(
    validator: &jsonschema::Validator,
    node: &Node<'_>,
    instance: &Value,
    prefix: &str,
) -> Vec<(Pos, String)> {
    if validator.is_valid(instance) {
        return Vec::new();
    }
    let root = node;
    let mut out = Vec::new();
    for error in validator.iter_errors(instance) {
        let pointer = error.instance_path().as_str().to_string();
        let node = find(root, pointer.strip_prefix(prefix).unwrap_or(&pointer));
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    let pos = key_pos(node, name).unwrap_or(node.pos);
                    let name = crate::escape::short(name, crate::escape::MAX_SHOWN_CHARS);
                    out.push((pos, format!("unknown field `{name}` at {}", shown(&pointer))));
                }
            }
            _ => out.push((
                node.pos,
                format!(
                    "{} at {}",
                    crate::escape::short(&error.to_string(), crate::escape::MAX_SHOWN_CHARS),
                    shown(&pointer)
                ),
            )),
        }
    }
    out
}

fn shown(pointer: &str) -> String {
    if pointer.is_empty() {
        "the top of the file".into()
    } else {
        format!(
            "`{}`",
            crate::escape::short(
                &pointer.trim_start_matches('/').replace('/', "."),
                crate::escape::MAX_SHOWN_CHARS
            )
        )
    }
}

/// The node a JSON pointer names (the deepest one that exists).
fn find<'n, 'a>(root: &'n Node<'a>, pointer: &str) -> &'n Node<'a> {
    let mut node = root;
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        let next = match &node.value {
            YValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.text() == Some(segment.as_str()))
                .map(|(_, v)| v),
            YValue::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            YValue::Scalar { .. } => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

fn key_pos(node: &Node<'_>, name: &str) -> Option<Pos> {
    match &node.value {
        YValue::Map(entries) => entries.iter().find(|(k, _)| k.text() == Some(name)).map(|(k, _)| k.pos),
        _ => None,
    }
}
