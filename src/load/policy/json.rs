//! JSON with positions: the table's YAML reader (JSON is YAML 1.2) under the same limits,
//! then held to JSON — what YAML accepts but JSON does not is refused, with its place.

use crate::load::yaml::{self, Limits, Node, Pos, Resolved, Value};

/// The value of `key` in a mapping's entries (the first, as JSON readers keep).
pub(super) fn member<'n, 'a>(entries: &'n [(Node<'a>, Node<'a>)], key: &str) -> Option<&'n Node<'a>> {
    entries.iter().find(|(k, _)| k.text() == Some(key)).map(|(_, v)| v)
}

/// What a JSON value is, for messages.
pub(super) fn describe(node: &Node<'_>) -> &'static str {
    match &node.value {
        Value::Map(_) => "an object",
        Value::Seq(_) => "an array",
        Value::Scalar { .. } => match node.resolve() {
            Some(Resolved::Null) => "null",
            Some(Resolved::Bool(_)) => "a boolean",
            Some(Resolved::Int(_) | Resolved::Float(_)) => "a number",
            _ => "a string",
        },
    }
}

pub(super) fn text_of<'n>(node: &'n Node<'_>) -> Option<&'n str> {
    match &node.value {
        Value::Scalar { text, plain: false } => Some(text),
        _ => None,
    }
}

/// Parses JSON text with positions; what YAML accepts but JSON does not is refused.
pub(super) fn parse_json(text: &str) -> Result<Node<'_>, (Pos, String)> {
    let first = text
        .char_indices()
        .find(|(_, c)| !c.is_whitespace() && *c != '\u{feff}');
    let Some((offset, c)) = first else {
        return Err((Pos { line: 1, col: 1 }, "the file is empty".into()));
    };
    if c != '{' && c != '[' {
        return Err((position(text, offset), "it does not start with `{` or `[`".into()));
    }
    let root = yaml::parse(text, Limits::default())
        .map_err(|e| (e.pos.unwrap_or(Pos { line: 1, col: 1 }), e.message))?
        .ok_or((Pos { line: 1, col: 1 }, "the file is empty".to_string()))?;
    strict(&root)?;
    Ok(root)
}

fn position(text: &str, offset: usize) -> Pos {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    Pos { line, col }
}

/// JSON's words and numbers only (YAML's unquoted text, `yes`, `0x1F`, `.inf` are not JSON),
/// and no key twice.
fn strict(node: &Node<'_>) -> Result<(), (Pos, String)> {
    match &node.value {
        Value::Scalar { text, plain: true } => {
            let number = text.starts_with(|c: char| c == '-' || c.is_ascii_digit())
                && text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
                && matches!(node.resolve(), Some(Resolved::Int(_) | Resolved::Float(_)));
            if matches!(text.as_ref(), "true" | "false" | "null") || number {
                Ok(())
            } else {
                let shown = crate::escape::short(text, 40);
                Err((node.pos, format!("`{shown}` is not a JSON value (text must be quoted)")))
            }
        }
        Value::Scalar { .. } => Ok(()),
        Value::Seq(items) => items.iter().try_for_each(strict),
        Value::Map(entries) => {
            let mut seen = std::collections::BTreeSet::new();
            for (key, value) in entries {
                if !matches!(key.value, Value::Scalar { plain: false, .. }) {
                    return Err((key.pos, "an object key must be a quoted string".into()));
                }
                if !seen.insert(key.text().unwrap_or_default()) {
                    let shown = crate::escape::short(key.text().unwrap_or_default(), 40);
                    return Err((key.pos, format!("the key `{shown}` appears twice in one object")));
                }
                strict(value)?;
            }
            Ok(())
        }
    }
}
