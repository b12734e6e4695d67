//! YAML tree → model, checking the document against the format as it goes.
//!
//! Every deviation from the schema becomes a [`Problem`] pointing at the offending key or
//! value. Doing this by hand rather than through a generic deserializer keeps positions for
//! every value and keeps the loader close to the raw parse in speed.

use super::yaml::{Item, Node as YNode, Pos, Resolved, Value};
use super::{Problem, ProblemKind};
use crate::model::*;

/// Builds the elements of one file into the table.
pub struct FileBuilder<'t> {
    pub file: u32,
    pub table: &'t mut Table,
    pub problems: &'t mut Vec<Problem>,
    /// Where the root mapping starts, once seen.
    root: Option<Pos>,
    seen_top: Vec<&'static str>,
}

impl<'t> FileBuilder<'t> {
    pub fn new(file: u32, table: &'t mut Table, problems: &'t mut Vec<Problem>) -> Self {
        FileBuilder {
            file,
            table,
            problems,
            root: None,
            seen_top: Vec::new(),
        }
    }
}

use super::fields::*;

pub(super) type Fields<'n, 'a> = Vec<(&'static str, &'n YNode<'a>)>;

impl FileBuilder<'_> {
    pub(super) fn loc(&self, pos: Pos) -> Loc {
        Loc {
            file: self.file,
            line: pos.line,
            col: pos.col,
        }
    }

    pub(super) fn schema(&mut self, pos: Pos, element: Option<&str>, message: String) {
        let loc = self.loc(pos);
        self.problems.push(Problem {
            kind: ProblemKind::Schema,
            loc,
            element: element.map(str::to_string),
            message,
        });
    }

    /// Takes one item of the streamed document.
    pub fn item(&mut self, item: Item<'_>) {
        match item {
            Item::Root(None) => self.schema(
                Pos { line: 1, col: 1 },
                None,
                "the file is empty; a table file starts with `version: 1`".into(),
            ),
            Item::Root(Some(root)) => self.document(&root),
            Item::RootMap(pos) => self.root = Some(pos),
            Item::Top { key, value } => self.top_field(&key, &value),
            Item::Section { key } => {
                self.top_key(&key);
            }
            Item::Element { section, key, value } => self.element(section, &key, &value),
            Item::BadTag { pos, tag } => self.schema(
                pos,
                None,
                format!(
                    "the YAML tag `{}` has no meaning in a routing table; only the core tags (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map) are read",
                    crate::escape::short(&tag, 80)
                ),
            ),
        }
    }

    /// Checks what only the whole file can tell, once it has been read.
    pub fn finish(&mut self) {
        if let Some(pos) = self.root
            && !self.seen_top.contains(&"version")
        {
            self.schema(pos, None, "missing `version: 1` at the top of the file".into());
        }
    }

    /// A document that arrived whole (its root was not streamed).
    fn document(&mut self, root: &YNode<'_>) {
        let Value::Map(entries) = &root.value else {
            let found = root.describe();
            self.schema(
                root.pos,
                None,
                format!("the table file must be a mapping (version, psaps, routers, …), found {found}"),
            );
            return;
        };
        self.root = Some(root.pos);
        for (key, value) in entries {
            let section = key.text().and_then(Section::of);
            match (section, &value.value) {
                (Some(section), Value::Map(items)) => {
                    if self.top_key(key).is_some() {
                        for (k, v) in items {
                            self.element(section, k, v);
                        }
                    }
                }
                _ => self.top_field(key, value),
            }
        }
    }

    /// Registers a top-level key; None (after a problem) when it is unknown or repeated.
    fn top_key(&mut self, key: &YNode<'_>) -> Option<&'static str> {
        let Some(k) = key.text() else {
            self.schema(
                key.pos,
                None,
                format!("a top-level key must be a field name, found {}", key.describe()),
            );
            return None;
        };
        let Some(&known) = TOP_FIELDS.iter().find(|n| **n == k) else {
            let hint = crate::suggest::hint(k, TOP_FIELDS.iter().copied());
            self.schema(key.pos, None, format!("unknown top-level field `{k}`{hint}"));
            return None;
        };
        if self.seen_top.contains(&known) {
            self.schema(key.pos, None, format!("`{k}` appears twice at the top of the file"));
            return None;
        }
        self.seen_top.push(known);
        Some(known)
    }

    fn top_field(&mut self, key: &YNode<'_>, value: &YNode<'_>) {
        let before = self.problems.len();
        let Some(known) = self.top_key(key) else { return };
        match known {
            "version" => {
                if self.uint(value, None, "version", 1).is_some_and(|v| v != 1) {
                    self.schema(
                        value.pos,
                        None,
                        "unsupported `version`; this psapguard reads version 1".into(),
                    );
                }
            }
            "name" => {
                if let Some(name) = self.string(value, None, "name") {
                    self.table.name.get_or_insert(name);
                }
            }
            "boundaries" => self.boundaries(value),
            "policies" => self.policies(value),
            section => {
                // Not a mapping (mappings are streamed as elements): null is an empty section.
                if !Self::is_null(value) {
                    let found = value.describe();
                    self.schema(
                        value.pos,
                        None,
                        format!("`{section}` must be a mapping of id to {section} entry, found {found}"),
                    );
                }
            }
        }
        let violations = super::schema::validate_top(known, value);
        self.add_violations(before, None, violations);
    }

    /// One entry of a section: the id is checked and registered, the element built.
    fn element(&mut self, section: Section, key: &YNode<'_>, value: &YNode<'_>) {
        let Some(id) = key.text() else {
            let (name, found) = (section.name(), key.describe());
            self.schema(key.pos, None, format!("a key in `{name}` must be an id, found {found}"));
            return;
        };
        let loc = self.loc(key.pos);
        if let Err(problem) = super::register::admit(self.table, id, loc) {
            self.problems.push(problem);
            return;
        }
        let before = self.problems.len();
        let built = match section {
            Section::Domains => self.domain(id.to_string(), loc, value),
            Section::Psaps => self.psap(id.to_string(), loc, value),
            Section::Routers => self.router(id.to_string(), loc, value),
            Section::Origins => self.origin(id.to_string(), loc, value),
            Section::Pools => self.pool(id.to_string(), loc, value),
        };
        if let Some(element) = built {
            self.table.register(element);
        }
        let violations = super::schema::validate_element(section, value);
        self.add_violations(before, Some(id), violations);
    }

    /// Adds JSON Schema violations the builder did not already report at the same place.
    fn add_violations(&mut self, since: usize, element: Option<&str>, violations: Vec<(Pos, String)>) {
        for (pos, message) in violations {
            let loc = self.loc(pos);
            if !self.problems[since..].iter().any(|p| p.loc == loc) {
                self.problems.push(Problem {
                    kind: ProblemKind::Schema,
                    loc,
                    element: element.map(str::to_string),
                    message,
                });
            }
        }
    }

    /// Builds an element from its fields; a broken field is reported and dropped, the element
    /// kept (the run skips routing analysis on schema findings anyway).
    fn domain(&mut self, id: String, loc: Loc, node: &YNode<'_>) -> Option<Element> {
        let fields = self.fields(node, &format!("domain `{id}`"), Some(&id), DOMAIN_FIELDS)?;
        let mut d = Domain {
            id,
            loc,
            kind: None,
            provider: None,
            note: None,
            waivers: vec![],
        };
        for (key, value) in fields {
            let e = d.id.clone();
            if Self::is_null(value) {
                continue;
            }
            let _ = match key {
                "kind" => self.string(value, Some(&e), key).map(|v| d.kind = Some(v)).is_some(),
                "provider" => self
                    .string(value, Some(&e), key)
                    .map(|v| d.provider = Some(v))
                    .is_some(),
                "note" => self.string(value, Some(&e), key).map(|v| d.note = Some(v)).is_some(),
                _ => self.waivers(value, &e).map(|v| d.waivers = v).is_some(),
            };
        }
        // An element with a bad field still exists (only that field is dropped): references
        // to it are not unknown, and the schema finding is the one finding of the typo.
        Some({
            self.table.domains.push(d);
            Element::Domain(self.table.domains.len() as u32 - 1)
        })
    }

    fn psap(&mut self, id: String, loc: Loc, node: &YNode<'_>) -> Option<Element> {
        let fields = self.fields(node, &format!("PSAP `{id}`"), Some(&id), PSAP_FIELDS)?;
        let mut p = Psap {
            id,
            loc,
            name: None,
            uri: None,
            fcc_id: None,
            state: None,
            counties: None,
            status: PsapStatus::Active,
            positions: None,
            handle_seconds: None,
            domains: vec![],
            alternate: vec![],
            overflow: vec![],
            waivers: vec![],
        };
        let e = p.id.clone();
        for (key, value) in fields {
            if Self::is_null(value) {
                continue;
            }
            let _ = match key {
                "name" => self.string(value, Some(&e), key).map(|v| p.name = Some(v)).is_some(),
                "uri" => self.sip_uri(value, &e).map(|v| p.uri = Some(v)).is_some(),
                "fcc_id" => self
                    .uint(value, Some(&e), key, u32::MAX as u64)
                    .map(|v| p.fcc_id = Some(v as u32))
                    .is_some(),
                "state" => self.string(value, Some(&e), key).map(|v| p.state = Some(v)).is_some(),
                "counties" => self.strings(value, &e, key).map(|v| p.counties = Some(v)).is_some(),
                "status" => self
                    .choice(value, Some(&e), key, &PsapStatus::ALL)
                    .map(|v| p.status = v)
                    .is_some(),
                "positions" => self
                    .uint(value, Some(&e), key, MAX_POSITIONS_FIELD)
                    .map(|v| p.positions = Some(v as u32))
                    .is_some(),
                "handle_seconds" => self
                    .rate(value, Some(&e), key)
                    .filter(|&v| {
                        v >= 1.0 || {
                            self.schema(value.pos, Some(&e), "`handle_seconds` must be at least 1".into());
                            false
                        }
                    })
                    .map(|v| p.handle_seconds = Some(v))
                    .is_some(),
                "domains" => self.links(value, &e, key).map(|v| p.domains = v).is_some(),
                "alternate" => self.links(value, &e, key).map(|v| p.alternate = v).is_some(),
                "overflow" => self.links(value, &e, key).map(|v| p.overflow = v).is_some(),
                _ => self.waivers(value, &e).map(|v| p.waivers = v).is_some(),
            };
        }
        // An element with a bad field still exists (only that field is dropped): references
        // to it are not unknown, and the schema finding is the one finding of the typo.
        Some({
            self.table.psaps.push(p);
            Element::Psap(self.table.psaps.len() as u32 - 1)
        })
    }

    fn router(&mut self, id: String, loc: Loc, node: &YNode<'_>) -> Option<Element> {
        let fields = self.fields(node, &format!("router `{id}`"), Some(&id), ROUTER_FIELDS)?;
        let mut r = Router {
            id,
            loc,
            kind: None,
            domains: vec![],
            mate: vec![],
            rules: vec![],
            default: None,
            queue: None,
            waivers: vec![],
        };
        let e = r.id.clone();
        for (key, value) in fields {
            if Self::is_null(value) {
                continue;
            }
            let _ = match key {
                "kind" => self
                    .choice(value, Some(&e), key, &RouterKind::ALL)
                    .map(|v| r.kind = Some(v))
                    .is_some(),
                "domains" => self.links(value, &e, key).map(|v| r.domains = v).is_some(),
                "mate" => self.links(value, &e, key).map(|v| r.mate = v).is_some(),
                "rules" => self
                    .list(value, Some(&e), key, |b, n| b.rule(n, &e))
                    .map(|v| r.rules = v)
                    .is_some(),
                "default" => self.link(value, &e, key).map(|v| r.default = Some(v)).is_some(),
                "queue" => self.queue(value, &e).map(|v| r.queue = Some(v)).is_some(),
                _ => self.waivers(value, &e).map(|v| r.waivers = v).is_some(),
            };
        }
        self.queue_beside_own_routing(node, &e);
        // An element with a bad field still exists (only that field is dropped): references
        // to it are not unknown, and the schema finding is the one finding of the typo.
        Some({
            self.table.routers.push(r);
            Element::Router(self.table.routers.len() as u32 - 1)
        })
    }

    fn rule(&mut self, node: &YNode<'_>, router: &str) -> Option<Rule> {
        let fields = self.fields(node, &format!("a rule of router `{router}`"), Some(router), RULE_FIELDS)?;
        let mut ok = self.require(&fields, node, "a rule", Some(router), &["match", "to"]);
        let mut matcher = None;
        let mut to = None;
        let mut alternate = None;
        for (key, value) in fields {
            ok &= match key {
                "match" => self.matcher(value, router).map(|m| matcher = Some(m)).is_some(),
                "to" => self.link(value, router, key).map(|l| to = Some(l)).is_some(),
                _ => self.links(value, router, key).map(|l| alternate = Some(l)).is_some(),
            };
        }
        let (Some(matcher), Some(to), true) = (matcher, to, ok) else {
            return None;
        };
        Some(Rule {
            loc: self.loc(node.pos),
            matcher,
            to,
            alternate,
        })
    }

    fn matcher(&mut self, node: &YNode<'_>, router: &str) -> Option<Match> {
        let fields = self.fields(node, "`match`", Some(router), MATCH_FIELDS)?;
        // Only a match written empty is reported as such: one whose keys are all unknown has
        // its finding already (one typo, one finding).
        if matches!(&node.value, Value::Map(entries) if entries.is_empty()) {
            self.schema(
                node.pos,
                Some(router),
                "an empty `match` is invalid; use the router's `default` for calls that match nothing else".into(),
            );
            return None;
        }
        let mut m = Match {
            loc: self.loc(node.pos),
            ..Match::default()
        };
        let mut ok = !fields.is_empty();
        for (key, value) in fields {
            if matches!(&value.value, Value::Seq(items) if items.is_empty()) {
                self.schema(
                    value.pos,
                    Some(router),
                    format!("`{key}: []` matches no call; list values, or remove the key"),
                );
                ok = false;
                continue;
            }
            ok &= match key {
                "esn" => self
                    .list(value, Some(router), key, |b, n| b.esn_item(n, router))
                    .map(|v| m.esn = Some(v))
                    .is_some(),
                "origin" => self.links(value, router, key).map(|v| m.origin = Some(v)).is_some(),
                "kind" => self
                    .list(value, Some(router), key, |b, n| {
                        b.choice(n, Some(router), "kind", &OriginKind::ALL)
                    })
                    .map(|v| m.kind = Some(v))
                    .is_some(),
                _ => self
                    .strings(value, router, key)
                    .map(|v| m.county = Some(v.into_iter().map(|c| crate::model::fold_county(&c)).collect()))
                    .is_some(),
            };
        }
        ok.then_some(m)
    }

    fn esn_item(&mut self, node: &YNode<'_>, router: &str) -> Option<(u32, u32)> {
        if let Some(Resolved::Str(s)) = node.resolve() {
            let digits = |t: &str| {
                let t = t.trim();
                (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| t.parse::<u64>().ok())
                    .flatten()
            };
            // A single ESN written as a string ("105") is that ESN (SPEC §1), as is a range.
            let parsed = match s.split_once('-') {
                Some((lo, hi)) => digits(lo).zip(digits(hi)),
                None => digits(s).map(|v| (v, v)),
            };
            return match parsed {
                Some((lo, hi)) if lo <= hi && hi <= MAX_ESN => Some((lo as u32, hi as u32)),
                Some((lo, hi)) if lo > hi => {
                    self.schema(
                        node.pos,
                        Some(router),
                        format!("ESN range `{s}` is empty: {lo} is above {hi}"),
                    );
                    None
                }
                Some(_) => {
                    self.schema(node.pos, Some(router), format!("ESN range `{s}` goes above {MAX_ESN}"));
                    None
                }
                None => {
                    self.schema(
                        node.pos,
                        Some(router),
                        format!("`esn` entries are numbers or \"lo-hi\" ranges, found `{s}`"),
                    );
                    None
                }
            };
        }
        let v = self.uint(node, Some(router), "esn", MAX_ESN)? as u32;
        Some((v, v))
    }

    fn origin(&mut self, id: String, loc: Loc, node: &YNode<'_>) -> Option<Element> {
        let fields = self.fields(node, &format!("origin `{id}`"), Some(&id), ORIGIN_FIELDS)?;
        self.require(
            &fields,
            node,
            &format!("origin `{id}`"),
            Some(&id),
            &["kind", "ingress"],
        );
        let mut o = Origin {
            id: id.into(),
            loc,
            kind: OriginKind::Other,
            esn: Maybe::NONE,
            state: None,
            county: None,
            population: Maybe::NONE,
            calls_per_day: Maybe::NONE,
            location: Maybe::NONE,
            ingress: Box::default(),
            waivers: Rare::default(),
        };
        let e = o.id.to_string();
        for (key, value) in fields {
            if Self::is_null(value) && key != "kind" && key != "ingress" {
                continue;
            }
            let _ = match key {
                "kind" => self
                    .choice(value, Some(&e), key, &OriginKind::ALL)
                    .map(|v| o.kind = v)
                    .is_some(),
                "esn" => self
                    .uint(value, Some(&e), key, MAX_ESN)
                    .map(|v| o.esn = Some(v as u32).into())
                    .is_some(),
                "state" => self
                    .string(value, Some(&e), key)
                    .map(|v| o.state = Some(self.table.names.name(&v)))
                    .is_some(),
                "county" => self
                    .string(value, Some(&e), key)
                    .map(|v| o.county = Some(self.table.names.name(&v)))
                    .is_some(),
                "population" => self
                    .uint(value, Some(&e), key, u32::MAX as u64 * 16)
                    .map(|v| o.population = Some(v).into())
                    .is_some(),
                "calls_per_day" => self
                    .rate(value, Some(&e), key)
                    .map(|v| o.calls_per_day = Some(v as f32).into())
                    .is_some(),
                "location" => self.location(value, &e).map(|v| o.location = Some(v).into()).is_some(),
                "ingress" => self.links(value, &e, key).map(|v| o.ingress = v.into()).is_some(),
                _ => self.waivers(value, &e).map(|v| o.waivers = v.into()).is_some(),
            };
        }
        // An element with a bad field still exists (only that field is dropped): references
        // to it are not unknown, and the schema finding is the one finding of the typo.
        Some({
            self.table.origins.push(o);
            Element::Origin(self.table.origins.len() as u32 - 1)
        })
    }

    fn pool(&mut self, id: String, loc: Loc, node: &YNode<'_>) -> Option<Element> {
        let fields = self.fields(node, &format!("pool `{id}`"), Some(&id), POOL_FIELDS)?;
        self.require(&fields, node, &format!("pool `{id}`"), Some(&id), &["kind"]);
        let mut p = Pool {
            id,
            loc,
            kind: PoolKind::Counter,
            range: None,
            psap: None,
            esn: None,
            element: None,
            limit: None,
            used: None,
            per_day: None,
            waivers: vec![],
        };
        let e = p.id.clone();
        for (key, value) in fields {
            if Self::is_null(value) && key != "kind" {
                continue;
            }
            let _ = match key {
                "kind" => self
                    .choice(value, Some(&e), key, &PoolKind::ALL)
                    .map(|v| p.kind = v)
                    .is_some(),
                "range" => self.key_range(value, &e).map(|v| p.range = Some(v)).is_some(),
                "psap" => self.link(value, &e, key).map(|v| p.psap = Some(v)).is_some(),
                "esn" => self
                    .uint(value, Some(&e), key, MAX_ESN)
                    .map(|v| p.esn = Some(v as u32))
                    .is_some(),
                "element" => self.link(value, &e, key).map(|v| p.element = Some(v)).is_some(),
                "limit" => self
                    .uint(value, Some(&e), key, u64::MAX)
                    .map(|v| p.limit = Some(v))
                    .is_some(),
                "used" => self
                    .uint(value, Some(&e), key, u64::MAX)
                    .map(|v| p.used = Some(v))
                    .is_some(),
                "per_day" => self.rate(value, Some(&e), key).map(|v| p.per_day = Some(v)).is_some(),
                _ => self.waivers(value, &e).map(|v| p.waivers = v).is_some(),
            };
        }
        // An element with a bad field still exists (only that field is dropped): references
        // to it are not unknown, and the schema finding is the one finding of the typo.
        Some({
            self.table.pools.push(p);
            Element::Pool(self.table.pools.len() as u32 - 1)
        })
    }
}
