//! Typed readers of YAML values for the builder: a mapping's fields, strings, numbers,
//! choices, references and lists, each reporting what is wrong with the value where it is.

use super::build::{Fields, FileBuilder};
use super::yaml::{Node as YNode, Resolved, Value};
use crate::model::*;
use crate::suggest::did_you_mean;

/// The fields each part of the format takes.
pub(super) const TOP_FIELDS: &[&str] = &[
    "version",
    "name",
    "boundaries",
    "policies",
    "domains",
    "psaps",
    "routers",
    "origins",
    "pools",
];
pub(super) const DOMAIN_FIELDS: &[&str] = &["kind", "provider", "note", "waivers"];
pub(super) const PSAP_FIELDS: &[&str] = &[
    "name",
    "uri",
    "fcc_id",
    "state",
    "counties",
    "status",
    "positions",
    "handle_seconds",
    "domains",
    "alternate",
    "overflow",
    "waivers",
];
pub(super) const ROUTER_FIELDS: &[&str] = &["kind", "domains", "mate", "rules", "default", "queue", "waivers"];
pub(super) const RULE_FIELDS: &[&str] = &["match", "to", "alternate"];
pub(super) const MATCH_FIELDS: &[&str] = &["esn", "origin", "kind", "county"];
pub(super) const ORIGIN_FIELDS: &[&str] = &[
    "kind",
    "esn",
    "state",
    "county",
    "population",
    "calls_per_day",
    "location",
    "ingress",
    "waivers",
];
pub(super) const POOL_FIELDS: &[&str] = &[
    "kind", "range", "psap", "esn", "element", "limit", "used", "per_day", "waivers",
];
pub(super) const WAIVER_FIELDS: &[&str] = &["rule", "reason", "expires"];
pub(super) const LAYER_WAIVER_FIELDS: &[&str] = &["feature", "rule", "reason", "expires"];

/// Largest ESN accepted (ESNs are up to five digits).
pub(super) const MAX_ESN: u64 = 99_999;

/// Most call-taker positions a PSAP may declare: far above the largest centres (a few hundred),
/// and a bound on the capacity estimate's work, which grows with the positions.
pub(super) const MAX_POSITIONS_FIELD: u64 = crate::model::MAX_POSITIONS as u64;

impl FileBuilder<'_> {
    /// A mapping's known fields; reports non-mappings, duplicate and unknown keys.
    pub(super) fn fields<'n, 'a>(
        &mut self,
        node: &'n YNode<'a>,
        what: &str,
        element: Option<&str>,
        known: &[&'static str],
    ) -> Option<Fields<'n, 'a>> {
        let Value::Map(entries) = &node.value else {
            let found = node.describe();
            self.schema(node.pos, element, format!("{what} must be a mapping, found {found}"));
            return None;
        };
        let mut out: Fields<'n, 'a> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let Some(k) = key.text() else {
                self.schema(
                    key.pos,
                    element,
                    format!("a key of {what} must be a field name, found {}", key.describe()),
                );
                continue;
            };
            let Some(&known_key) = known.iter().find(|n| **n == k) else {
                // A key can be a 500 MB token: it is cut before anything else reads it.
                let hint = (k.len() <= 64)
                    .then(|| did_you_mean(k, known.iter().copied()))
                    .flatten()
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let k = crate::escape::short(k, crate::escape::MAX_SHOWN_CHARS);
                self.schema(key.pos, element, format!("unknown field `{k}` in {what}{hint}"));
                continue;
            };
            if out.iter().any(|(seen, _)| *seen == known_key) {
                self.schema(key.pos, element, format!("field `{k}` appears twice in {what}"));
                continue;
            }
            out.push((known_key, value));
        }
        Some(out)
    }

    pub(super) fn require(
        &mut self,
        fields: &Fields<'_, '_>,
        node: &YNode<'_>,
        what: &str,
        element: Option<&str>,
        required: &[&str],
    ) -> bool {
        let mut ok = true;
        for r in required {
            if !fields.iter().any(|(k, _)| k == r) {
                self.schema(node.pos, element, format!("{what} is missing the required field `{r}`"));
                ok = false;
            }
        }
        ok
    }

    pub(super) fn is_null(node: &YNode<'_>) -> bool {
        node.resolve() == Some(Resolved::Null)
    }

    pub(super) fn string(&mut self, node: &YNode<'_>, element: Option<&str>, field: &str) -> Option<String> {
        match node.resolve() {
            Some(Resolved::Str(s)) => Some(s.to_string()),
            _ => {
                let found = node.describe();
                let hint = if matches!(node.value, Value::Scalar { .. }) {
                    " (quote it to make it a string)"
                } else {
                    ""
                };
                self.schema(
                    node.pos,
                    element,
                    format!("`{field}` must be a string, found {found}{hint}"),
                );
                None
            }
        }
    }

    pub(super) fn uint(&mut self, node: &YNode<'_>, element: Option<&str>, field: &str, max: u64) -> Option<u64> {
        match node.resolve() {
            Some(Resolved::Int(i)) if (0..=max as i128).contains(&i) => Some(i as u64),
            Some(Resolved::Int(i)) if i < 0 => {
                self.schema(node.pos, element, format!("`{field}` must not be negative, found {i}"));
                None
            }
            Some(Resolved::Int(_)) => {
                self.schema(node.pos, element, format!("`{field}` is out of range (at most {max})"));
                None
            }
            _ => {
                let found = node.describe();
                self.schema(
                    node.pos,
                    element,
                    format!("`{field}` must be a whole number, found {found}"),
                );
                None
            }
        }
    }

    /// A rate: a number (whole or not), finite and not negative.
    pub(super) fn rate(&mut self, node: &YNode<'_>, element: Option<&str>, field: &str) -> Option<f64> {
        let value = match node.resolve() {
            Some(Resolved::Int(i)) => i as f64,
            Some(Resolved::Float(f)) => f,
            _ => {
                let found = node.describe();
                self.schema(node.pos, element, format!("`{field}` must be a number, found {found}"));
                return None;
            }
        };
        if !value.is_finite() || value < 0.0 {
            self.schema(
                node.pos,
                element,
                format!("`{field}` must be a number of at least 0, found {value}"),
            );
            return None;
        }
        Some(value)
    }

    pub(super) fn choice<T: Copy>(
        &mut self,
        node: &YNode<'_>,
        element: Option<&str>,
        field: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let text = match node.resolve() {
            Some(Resolved::Str(s)) => s,
            _ => {
                let found = node.describe();
                self.schema(
                    node.pos,
                    element,
                    format!("`{field}` must be one of {}, found {found}", names(options)),
                );
                return None;
            }
        };
        if let Some((_, v)) = options.iter().find(|(n, _)| *n == text) {
            return Some(*v);
        }
        let hint = crate::suggest::hint(text, options.iter().map(|(n, _)| *n));
        self.schema(
            node.pos,
            element,
            format!("`{field}` must be one of {}, found `{text}`{hint}", names(options)),
        );
        None
    }

    pub(super) fn link(&mut self, node: &YNode<'_>, element: &str, field: &str) -> Option<Link> {
        let name = self.string(node, Some(element), field)?;
        if !super::register::valid_id(&name) {
            self.schema(
                node.pos,
                Some(element),
                format!("`{field}` names `{name}`, which is not a valid id"),
            );
            return None;
        }
        Some(Link::new(self.table.names.name(&name), self.loc(node.pos)))
    }

    /// A list; None (after a problem) when the node is not a sequence.
    pub(super) fn list<T>(
        &mut self,
        node: &YNode<'_>,
        element: Option<&str>,
        field: &str,
        mut item: impl FnMut(&mut Self, &YNode<'_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Value::Seq(items) = &node.value else {
            let found = node.describe();
            let example = node.text().map(|t| format!(", e.g. [{t}]")).unwrap_or_default();
            self.schema(
                node.pos,
                element,
                format!("`{field}` must be a list{example}; found {found}"),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for n in items {
            match item(self, n) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    pub(super) fn links(&mut self, node: &YNode<'_>, element: &str, field: &str) -> Option<Vec<Link>> {
        self.list(node, Some(element), field, |b, n| b.link(n, element, field))
    }

    pub(super) fn strings(&mut self, node: &YNode<'_>, element: &str, field: &str) -> Option<Vec<String>> {
        self.list(node, Some(element), field, |b, n| b.string(n, Some(element), field))
    }

    pub(super) fn waivers(&mut self, node: &YNode<'_>, element: &str) -> Option<Vec<Waiver>> {
        self.list(node, Some(element), "waivers", |b, n| b.waiver(n, element))
    }

    pub(super) fn waiver(&mut self, node: &YNode<'_>, element: &str) -> Option<Waiver> {
        self.waiver_with(node, Some(element), WAIVER_FIELDS, &["rule", "reason"])
    }

    /// A waiver on a boundary layer: one more field, `feature`, the NGUID it covers (SPEC §7).
    pub(super) fn layer_waiver(&mut self, node: &YNode<'_>) -> Option<Waiver> {
        self.waiver_with(node, None, LAYER_WAIVER_FIELDS, &["feature", "rule", "reason"])
    }

    fn waiver_with(
        &mut self,
        node: &YNode<'_>,
        element: Option<&str>,
        known: &'static [&'static str],
        required: &[&str],
    ) -> Option<Waiver> {
        let fields = self.fields(node, "a waiver", element, known)?;
        let mut ok = self.require(&fields, node, "a waiver", element, required);
        let mut w = Waiver {
            loc: self.loc(node.pos),
            rule_loc: self.loc(node.pos),
            rule: String::new(),
            reason: String::new(),
            expires: None,
            feature: None,
        };
        for (key, value) in fields {
            match key {
                // Whether the rule exists is checked after loading, where the rules are known.
                "rule" => match self.string(value, element, key) {
                    Some(rule) => {
                        w.rule = rule;
                        w.rule_loc = self.loc(value.pos);
                    }
                    None => ok = false,
                },
                "reason" => match self.string(value, element, key) {
                    Some(r) if !r.trim().is_empty() => w.reason = r,
                    Some(_) => {
                        self.schema(value.pos, element, "a waiver's `reason` must say why".into());
                        ok = false;
                    }
                    None => ok = false,
                },
                "feature" => match self.string(value, element, key) {
                    Some(f) if !f.trim().is_empty() => w.feature = Some(f),
                    Some(_) => {
                        self.schema(
                            value.pos,
                            element,
                            "a layer waiver's `feature` must name an NGUID".into(),
                        );
                        ok = false;
                    }
                    None => ok = false,
                },
                _ => match self.string(value, element, key) {
                    Some(d) if crate::date::is_valid(&d) => w.expires = Some(d),
                    Some(d) => {
                        self.schema(
                            value.pos,
                            element,
                            format!("`expires` must be a date YYYY-MM-DD, found `{d}`"),
                        );
                        ok = false;
                    }
                    None => ok = false,
                },
            }
        }
        ok.then_some(w)
    }

    /// A key range "lo-hi" of two 10-digit numbers.
    pub(super) fn key_range(&mut self, node: &YNode<'_>, pool: &str) -> Option<(u64, u64)> {
        let s = self.string(node, Some(pool), "range")?;
        let ten = |t: &str| {
            (t.len() == 10 && t.bytes().all(|c| c.is_ascii_digit()))
                .then(|| t.parse::<u64>().ok())
                .flatten()
        };
        match s.split_once('-').and_then(|(lo, hi)| Some((ten(lo)?, ten(hi)?))) {
            Some((lo, hi)) if lo <= hi => Some((lo, hi)),
            Some((lo, hi)) => {
                self.schema(
                    node.pos,
                    Some(pool),
                    format!("range `{s}` is empty: {lo} is above {hi}"),
                );
                None
            }
            None => {
                self.schema(
                    node.pos,
                    Some(pool),
                    format!("`range` must be two 10-digit numbers \"lo-hi\", found `{s}`"),
                );
                None
            }
        }
    }
}

fn names<T>(options: &[(&str, T)]) -> String {
    options.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}
