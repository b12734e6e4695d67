//! What a finding inside a JWS points at (SPEC §9): the file's text is base64url, so its code
//! frame shows the decoded payload instead — the rule the pointer is in, pretty-printed, with
//! the part the pointer names marked.

use serde_json::Value;

use super::escape::inert;
use crate::model::{Loc, Policy, Table};

/// A pretty-printed part of a decoded payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Excerpt {
    /// The pointer of the part shown (`/policyRules/2`, or "" for the whole policy).
    pub(super) root: String,
    pub(super) text: String,
    /// The byte span in `text` of the first line of what the pointer names.
    pub(super) span: Option<(usize, usize)>,
}

/// The decoded payload of the JWS policy whose payload is at `loc`.
pub(super) fn payload_at(table: &Table, loc: Loc) -> Option<&Value> {
    table
        .policy_files
        .iter()
        .flat_map(|f| &f.policies)
        .find(|p: &&Policy| p.at.loc == loc && p.payload.is_some())
        .and_then(|p| p.payload.as_deref())
}

/// The rule `pointer` is in (else the whole policy), pretty-printed as JSON with two-space
/// indents, every string made inert; None when the pointer names nothing in `payload`.
pub(super) fn excerpt(payload: &Value, pointer: &str) -> Option<Excerpt> {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    let in_rule = tokens.len() >= 2 && tokens[0] == "policyRules";
    let depth = if in_rule { 2 } else { 0 };
    let root: String = tokens[..depth].iter().map(|t| format!("/{}", escape(t))).collect();
    let value = payload.pointer(&root)?;
    payload.pointer(pointer)?;
    let mut out = Printer {
        text: String::new(),
        target: &tokens[depth..],
        path: Vec::new(),
        span: None,
    };
    out.value(value, 0, None);
    Some(Excerpt {
        root,
        text: out.text,
        span: out.span,
    })
}

struct Printer<'t> {
    text: String,
    target: &'t [String],
    path: Vec<String>,
    span: Option<(usize, usize)>,
}

impl Printer<'_> {
    /// Writes `v` at `indent`; `from` is where its member's key began, if it has one.
    fn value(&mut self, v: &Value, indent: usize, from: Option<usize>) {
        let start = from.unwrap_or(self.text.len());
        if self.path == self.target && self.span.is_none() {
            // Marked below, once its first line is written.
            self.span = Some((start, 0));
        }
        let pad = |n: usize| "  ".repeat(n);
        match v {
            Value::Object(m) if !m.is_empty() => {
                self.text.push_str("{\n");
                for (i, (k, x)) in m.iter().enumerate() {
                    self.text.push_str(&pad(indent + 1));
                    let key = self.text.len();
                    self.text.push_str(&inert(&Value::String(k.clone()).to_string()));
                    self.text.push_str(": ");
                    self.path.push(k.clone());
                    self.value(x, indent + 1, Some(key));
                    self.path.pop();
                    self.text.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
                }
                self.text.push_str(&pad(indent));
                self.text.push('}');
            }
            Value::Array(items) if !items.is_empty() => {
                self.text.push_str("[\n");
                for (i, x) in items.iter().enumerate() {
                    self.text.push_str(&pad(indent + 1));
                    self.path.push(i.to_string());
                    self.value(x, indent + 1, None);
                    self.path.pop();
                    self.text.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                self.text.push_str(&pad(indent));
                self.text.push(']');
            }
            other => self.text.push_str(&inert(&other.to_string())),
        }
        if let Some((s, 0)) = self.span
            && s == start
        {
            let line_end = self.text[s..].find('\n').map_or(self.text.len(), |e| s + e);
            self.span = Some((s, (line_end - s).max(1)));
        }
    }
}

/// A pointer token as written (RFC 6901: `~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_is_shown_in_its_rule_and_marked() {
        let payload = serde_json::json!({ "policyType": "NormalNextHopRoutePolicy", "policyRules": [
            { "id": "a", "priority": 1, "actions": [] },
            { "id": "b", "priority": 0, "conditions": [ { "conditionType": "QueueStateCondition" } ] } ] });
        let e = excerpt(&payload, "/policyRules/1/conditions/0").unwrap();
        assert_eq!(e.root, "/policyRules/1");
        assert!(e.text.starts_with("{\n  \"id\": \"b\",\n"), "{}", e.text);
        let (at, len) = e.span.unwrap();
        assert_eq!(&e.text[at..at + len], "{");
        assert_eq!(e.text[..at].lines().count(), 5, "the condition opens on line 5");
        let key = excerpt(&payload, "/policyRules/1/id").unwrap();
        let (at, len) = key.span.unwrap();
        assert_eq!(&key.text[at..at + len], "\"id\": \"b\"");
    }

    #[test]
    fn outside_a_rule_the_policy_is_shown_and_a_missing_part_is_nothing() {
        let payload = serde_json::json!({ "policyType": "OtherRoutePolicy", "policyId": "x" });
        let e = excerpt(&payload, "").unwrap();
        assert_eq!(e.root, "");
        assert_eq!(e.span, Some((0, 1)));
        assert!(excerpt(&payload, "/policyRules/3").is_none());
    }
}
