//! The routing table as psapguard sees it: origins, routers, PSAPs, domains and pools.
//!
//! These types are also the single description of the file format: `schemas/` is generated
//! from them with schemars (fields marked `schemars(skip)` are what the loader adds: ids,
//! positions and resolved references).

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// Where something is: file index into [`Table::files`], 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

/// A node of the routing graph: a router or a PSAP (index into its section).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Router(u32),
    Psap(u32),
}

/// Any element a table declares (ids are unique across all sections).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Element {
    Domain(u32),
    Psap(u32),
    Router(u32),
    Origin(u32),
    Pool(u32),
}

impl Element {
    pub fn node(self) -> Option<Node> {
        match self {
            Element::Router(i) => Some(Node::Router(i)),
            Element::Psap(i) => Some(Node::Psap(i)),
            _ => None,
        }
    }

    /// The section word used in messages.
    pub fn kind_name(self) -> &'static str {
        match self {
            Element::Domain(_) => "domain",
            Element::Psap(_) => "PSAP",
            Element::Router(_) => "router",
            Element::Origin(_) => "origin",
            Element::Pool(_) => "pool",
        }
    }
}

/// A shared, interned string: ids named by references, states, counties. A national table
/// names the same few thousand of them millions of times, so it is one pointer wide (an
/// `Arc<str>` is two).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(std::sync::Arc<Box<str>>);

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(std::sync::Arc::new(s.into()))
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// Hands out one shared [`Name`] per distinct string.
#[derive(Debug, Default)]
pub struct Interner(std::collections::HashSet<Name>);

impl Interner {
    pub fn name(&mut self, s: &str) -> Name {
        if let Some(n) = self.0.get(s) {
            return n.clone();
        }
        let n: Name = s.into();
        self.0.insert(n.clone());
        n
    }

    pub fn iter(&self) -> impl Iterator<Item = &Name> {
        self.0.iter()
    }
}

/// A reference to another element by id, with where it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub name: Name,
    pub loc: Loc,
    /// The node it names, packed into four bytes (a national table has millions of links).
    target: u32,
}

impl Link {
    const NONE: u32 = u32::MAX;
    const PSAP: u32 = 1 << 31;

    /// A reference not yet resolved.
    pub fn new(name: Name, loc: Loc) -> Self {
        Link {
            name,
            loc,
            target: Self::NONE,
        }
    }

    /// The router or PSAP it names, once resolved; None when the id does not exist or is of
    /// the wrong kind.
    pub fn target(&self) -> Option<Node> {
        match self.target {
            Self::NONE => None,
            t if t & Self::PSAP != 0 => Some(Node::Psap(t & !Self::PSAP)),
            t => Some(Node::Router(t)),
        }
    }

    pub fn set_target(&mut self, target: Option<Node>) {
        self.target = match target {
            None => Self::NONE,
            // Sections hold far fewer than 2^31 elements (files are at most 512 MB).
            Some(Node::Router(i)) => i & !Self::PSAP,
            Some(Node::Psap(i)) => Self::PSAP | (i & !Self::PSAP),
        };
    }
}

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

/// A shared-risk group: a site, a power feed, a provider, a fibre route.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Domain {
    #[schemars(skip)]
    pub id: String,
    #[schemars(skip)]
    pub loc: Loc,
    /// What kind of shared risk this is (site, power, provider, fibre, …).
    pub kind: Option<String>,
    pub provider: Option<String>,
    pub note: Option<String>,
    #[schemars(with = "Option<Vec<Waiver>>")]
    pub waivers: Vec<Waiver>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PsapStatus {
    Active,
    Standby,
    Unstaffed,
    Decommissioned,
}

impl PsapStatus {
    pub const ALL: [(&'static str, PsapStatus); 4] = [
        ("active", PsapStatus::Active),
        ("standby", PsapStatus::Standby),
        ("unstaffed", PsapStatus::Unstaffed),
        ("decommissioned", PsapStatus::Decommissioned),
    ];

    /// Whether a PSAP in this status answers calls when it is up.
    pub fn answers(self) -> bool {
        matches!(self, PsapStatus::Active | PsapStatus::Standby)
    }

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, s)| *s == self).map_or("", |(n, _)| n)
    }
}

/// A public-safety answering point: where a call-taker answers.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Psap {
    #[schemars(skip)]
    pub id: String,
    #[schemars(skip)]
    pub loc: Loc,
    pub name: Option<String>,
    /// FCC PSAP Registry id.
    #[schemars(range(min = 0))]
    pub fcc_id: Option<u32>,
    /// Two-letter state code.
    pub state: Option<String>,
    /// Counties it answers for.
    pub counties: Option<Vec<String>>,
    #[schemars(with = "Option<PsapStatus>")]
    pub status: PsapStatus,
    /// Call-taker positions.
    #[schemars(range(min = 0))]
    pub positions: Option<u32>,
    /// Failure domains it belongs to.
    #[schemars(with = "Option<Vec<Link>>")]
    pub domains: Vec<Link>,
    /// Tried in order when this PSAP is down, unstaffed or decommissioned.
    #[schemars(with = "Option<Vec<Link>>")]
    pub alternate: Vec<Link>,
    /// Tried in order when all positions are busy.
    #[schemars(with = "Option<Vec<Link>>")]
    pub overflow: Vec<Link>,
    #[schemars(with = "Option<Vec<Waiver>>")]
    pub waivers: Vec<Waiver>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouterKind {
    Esrp,
    SelectiveRouter,
    Tandem,
    Gateway,
}

impl RouterKind {
    pub const ALL: [(&'static str, RouterKind); 4] = [
        ("esrp", RouterKind::Esrp),
        ("selective_router", RouterKind::SelectiveRouter),
        ("tandem", RouterKind::Tandem),
        ("gateway", RouterKind::Gateway),
    ];
}

/// A selective router, ESRP, tandem or gateway: it steers calls by its rules.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Router {
    #[schemars(skip)]
    pub id: String,
    #[schemars(skip)]
    pub loc: Loc,
    pub kind: Option<RouterKind>,
    #[schemars(with = "Option<Vec<Link>>")]
    pub domains: Vec<Link>,
    /// Routers that take calls meant for this one while it is down (not chained).
    #[schemars(with = "Option<Vec<Link>>")]
    pub mate: Vec<Link>,
    /// Evaluated top to bottom; the first match wins.
    #[schemars(with = "Option<Vec<Rule>>")]
    pub rules: Vec<Rule>,
    /// Where calls that match no rule go.
    pub default: Option<Link>,
    #[schemars(with = "Option<Vec<Waiver>>")]
    pub waivers: Vec<Waiver>,
}

/// One routing rule of a router.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Rule {
    #[schemars(skip)]
    pub loc: Loc,
    #[serde(rename = "match")]
    pub matcher: Match,
    pub to: Link,
    /// Overrides the destination PSAP's own alternates for calls sent by this rule.
    pub alternate: Option<Vec<Link>>,
}

/// Which calls a rule takes; every key present must hold.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields, extend("minProperties" = 1))]
pub struct Match {
    #[schemars(skip)]
    pub loc: Loc,
    /// ESNs: numbers or "lo-hi" ranges.
    #[schemars(with = "Option<Vec<EsnItem>>")]
    pub esn: Option<Vec<(u32, u32)>>,
    /// Origin ids.
    pub origin: Option<Vec<Link>>,
    pub kind: Option<Vec<OriginKind>>,
    /// County names, compared case-insensitively with the origin's county.
    pub county: Option<Vec<String>>,
}

/// An ESN or an inclusive ESN range written "lo-hi".
#[allow(dead_code)]
#[derive(JsonSchema)]
#[serde(untagged)]
enum EsnItem {
    Number(#[schemars(range(min = 0, max = 99999))] u32),
    Range(#[schemars(regex(pattern = r"^[0-9]{1,5}-[0-9]{1,5}$"))] String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OriginKind {
    Esz,
    CellSector,
    Wireline,
    Voip,
    Text,
    Other,
}

impl OriginKind {
    pub const ALL: [(&'static str, OriginKind); 6] = [
        ("esz", OriginKind::Esz),
        ("cell_sector", OriginKind::CellSector),
        ("wireline", OriginKind::Wireline),
        ("voip", OriginKind::Voip),
        ("text", OriginKind::Text),
        ("other", OriginKind::Other),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("", |(n, _)| n)
    }
}

/// Where 911 calls enter the network.
// Boxed strings and slices, not String and Vec: a national table has a million origins.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Origin {
    #[schemars(skip)]
    pub id: Box<str>,
    #[schemars(skip)]
    pub loc: Loc,
    pub kind: OriginKind,
    /// Routing ESN.
    #[schemars(range(min = 0, max = 99999))]
    pub esn: Option<u32>,
    #[schemars(with = "Option<String>")]
    pub state: Option<Name>,
    #[schemars(with = "Option<String>")]
    pub county: Option<Name>,
    /// People served; weights reports.
    #[schemars(range(min = 0))]
    pub population: Option<u64>,
    /// Routers its trunks reach, in order of preference.
    #[schemars(with = "Vec<Link>")]
    pub ingress: Box<[Link]>,
    #[schemars(with = "Option<Vec<Waiver>>")]
    pub waivers: Box<[Waiver]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    Esrk,
    Esqk,
    Pani,
    Counter,
}

impl PoolKind {
    pub const ALL: [(&'static str, PoolKind); 4] = [
        ("esrk", PoolKind::Esrk),
        ("esqk", PoolKind::Esqk),
        ("pani", PoolKind::Pani),
        ("counter", PoolKind::Counter),
    ];
}

/// An identifier pool (a range of 10-digit keys) or a counter with a hard limit.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Pool {
    #[schemars(skip)]
    pub id: String,
    #[schemars(skip)]
    pub loc: Loc,
    pub kind: PoolKind,
    /// "lo-hi", two 10-digit numbers.
    #[schemars(with = "Option<String>", regex(pattern = r"^[0-9]{10}-[0-9]{10}$"))]
    pub range: Option<(u64, u64)>,
    pub psap: Option<Link>,
    #[schemars(range(min = 0, max = 99999))]
    pub esn: Option<u32>,
    /// The router or PSAP a counter belongs to.
    pub element: Option<Link>,
    #[schemars(range(min = 0))]
    pub limit: Option<u64>,
    #[schemars(range(min = 0))]
    pub used: Option<u64>,
    #[schemars(range(min = 0))]
    pub per_day: Option<u64>,
    #[schemars(with = "Option<Vec<Waiver>>")]
    pub waivers: Vec<Waiver>,
}

/// An accepted exception: findings of `rule` about this element are reported as waived.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Waiver {
    #[schemars(skip)]
    pub loc: Loc,
    /// Where its `rule:` value is written.
    #[schemars(skip)]
    pub rule_loc: Loc,
    pub rule: String,
    pub reason: String,
    /// YYYY-MM-DD; after this day the waiver no longer counts.
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub expires: Option<String>,
}

/// One file of a routing table, as written.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "psapguard routing table", extend("$id" = "https://psapguard.dev/schemas/routing-table.schema.json"))]
pub struct Document {
    /// Format version; always 1.
    #[schemars(range(min = 1, max = 1))]
    version: u32,
    /// Shown in reports.
    name: Option<String>,
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

/// A source file of the table.
///
/// The text of a file on disk is not kept once the table is built from it (a national
/// table's text weighs as much as its model); it is read again only if a report needs it:
/// the lines of code frames, a diff's element text.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or as found below the directory they gave).
    pub path: String,
    /// An `Arc<String>` takes a file read into a `String` without copying it.
    text: std::sync::OnceLock<std::sync::Arc<String>>,
    /// Size and modification time when it was read, for a file that can be read again.
    stamp: Option<(u64, std::time::SystemTime)>,
}

impl SourceFile {
    /// A file whose text exists only here (a git revision, a pipe, a test): it is kept.
    pub fn in_memory(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: std::sync::OnceLock::from(std::sync::Arc::new(text.into())),
            stamp: None,
        }
    }

    /// A file on disk, with its size and modification time when it was read (None if it
    /// could not be read). Its text is read again when it is asked for.
    pub fn on_disk(path: String, stamp: Option<(u64, std::time::SystemTime)>) -> Self {
        SourceFile {
            path,
            text: std::sync::OnceLock::new(),
            stamp,
        }
    }

    /// The file's text, read again from disk the first time it is asked for; if the file
    /// has changed or gone since, the text is empty (positions still name lines, but no
    /// code is shown).
    pub fn text(&self) -> &std::sync::Arc<String> {
        self.text.get_or_init(|| {
            let mut text = String::new();
            match self
                .reopen()
                .map(|mut f| std::io::Read::read_to_string(&mut f, &mut text))
            {
                Some(Ok(len)) if Some(len as u64) == self.stamp.map(|(len, _)| len) => text.into(),
                _ => String::new().into(),
            }
        })
    }

    /// Each line of the file in order: its 1-based number and its text with its line break,
    /// until `visit` returns false. A text not in memory is read again a line at a time, not
    /// whole; a file changed since it was read has no lines.
    pub fn each_line(&self, mut visit: impl FnMut(u32, &str) -> bool) {
        if let Some(text) = self.text.get() {
            for (i, line) in text.split_inclusive('\n').enumerate() {
                if !visit(i as u32 + 1, line) {
                    return;
                }
            }
            return;
        }
        let Some(mut file) = self.reopen() else { return };
        let mut buf = Vec::new();
        for number in 1.. {
            buf.clear();
            match std::io::BufRead::read_until(&mut file, b'\n', &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let Ok(line) = std::str::from_utf8(&buf) else { return };
            if !visit(number, line) {
                return;
            }
        }
    }

    /// The file on disk, if it is still as it was when it was read.
    fn reopen(&self) -> Option<std::io::BufReader<std::fs::File>> {
        let stamp = self.stamp?;
        let file = std::fs::File::open(&self.path).ok()?;
        let meta = file.metadata().ok()?;
        (Some((meta.len(), meta.modified().ok()?)) == Some(stamp)).then(|| std::io::BufReader::new(file))
    }
}

/// The whole table, all files merged.
#[derive(Debug, Default)]
pub struct Table {
    pub name: Option<String>,
    pub files: Vec<SourceFile>,
    pub domains: Vec<Domain>,
    pub psaps: Vec<Psap>,
    pub routers: Vec<Router>,
    pub origins: Vec<Origin>,
    pub pools: Vec<Pool>,
    /// id → element, for the first definition of each id.
    pub ids: IdIndex,
    /// Interned names used while loading.
    pub names: Interner,
}

/// Which element each id names. The ids live once, in their elements: the index holds only
/// the element, found by the hash of its id (a national table has a million ids).
#[derive(Default)]
pub struct IdIndex {
    slots: hashbrown::HashTable<Element>,
    hasher: std::hash::RandomState,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdIndex({} ids)", self.slots.len())
    }
}

impl Table {
    pub fn lookup(&self, id: &str) -> Option<Element> {
        let hash = self.ids.hasher.hash_one(id);
        self.ids.slots.find(hash, |&e| self.element_id(e) == id).copied()
    }

    /// Makes an element, already added to its section, findable by its id.
    pub fn register(&mut self, element: Element) {
        let mut ids = std::mem::take(&mut self.ids);
        let hash = ids.hasher.hash_one(self.element_id(element));
        let hasher = &ids.hasher;
        ids.slots
            .insert_unique(hash, element, |&e| hasher.hash_one(self.element_id(e)));
        self.ids = ids;
    }

    /// Every element with its id, section by section in table order.
    pub fn elements(&self) -> impl Iterator<Item = (&str, Element)> {
        let section = |len: usize, element: fn(u32) -> Element| (0..len as u32).map(element);
        section(self.domains.len(), Element::Domain)
            .chain(section(self.psaps.len(), Element::Psap))
            .chain(section(self.routers.len(), Element::Router))
            .chain(section(self.origins.len(), Element::Origin))
            .chain(section(self.pools.len(), Element::Pool))
            .map(|e| (self.element_id(e), e))
    }

    pub fn node_id(&self, node: Node) -> &str {
        match node {
            Node::Router(i) => &self.routers[i as usize].id,
            Node::Psap(i) => &self.psaps[i as usize].id,
        }
    }

    pub fn element_id(&self, e: Element) -> &str {
        match e {
            Element::Domain(i) => &self.domains[i as usize].id,
            Element::Psap(i) => &self.psaps[i as usize].id,
            Element::Router(i) => &self.routers[i as usize].id,
            Element::Origin(i) => &self.origins[i as usize].id,
            Element::Pool(i) => &self.pools[i as usize].id,
        }
    }

    pub fn element_loc(&self, e: Element) -> Loc {
        match e {
            Element::Domain(i) => self.domains[i as usize].loc,
            Element::Psap(i) => self.psaps[i as usize].loc,
            Element::Router(i) => self.routers[i as usize].loc,
            Element::Origin(i) => self.origins[i as usize].loc,
            Element::Pool(i) => self.pools[i as usize].loc,
        }
    }

    pub fn waivers(&self, e: Element) -> &[Waiver] {
        match e {
            Element::Domain(i) => &self.domains[i as usize].waivers,
            Element::Psap(i) => &self.psaps[i as usize].waivers,
            Element::Router(i) => &self.routers[i as usize].waivers,
            Element::Origin(i) => &self.origins[i as usize].waivers,
            Element::Pool(i) => &self.pools[i as usize].waivers,
        }
    }

    pub fn node_loc(&self, node: Node) -> Loc {
        match node {
            Node::Router(i) => self.routers[i as usize].loc,
            Node::Psap(i) => self.psaps[i as usize].loc,
        }
    }

    /// Dense index of a node: routers first, then PSAPs (for per-node arrays).
    pub fn node_index(&self, node: Node) -> usize {
        match node {
            Node::Router(i) => i as usize,
            Node::Psap(i) => self.routers.len() + i as usize,
        }
    }

    pub fn node_count(&self) -> usize {
        self.routers.len() + self.psaps.len()
    }

    pub fn population(&self, origin: u32) -> u64 {
        self.origins[origin as usize].population.unwrap_or(0)
    }
}

/// What kind of element a reference must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Router,
    /// A router or a PSAP.
    Hop,
    Psap,
    Domain,
    Origin,
}

impl Expect {
    pub fn accepts(self, e: Element) -> bool {
        matches!(
            (self, e),
            (Expect::Router, Element::Router(_))
                | (Expect::Hop, Element::Router(_) | Element::Psap(_))
                | (Expect::Psap, Element::Psap(_))
                | (Expect::Domain, Element::Domain(_))
                | (Expect::Origin, Element::Origin(_))
        )
    }

    pub fn noun(self) -> &'static str {
        match self {
            Expect::Router => "a router",
            Expect::Hop => "a router or PSAP",
            Expect::Psap => "a PSAP",
            Expect::Domain => "a declared domain",
            Expect::Origin => "an origin",
        }
    }
}

/// One reference written in the table.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'t> {
    pub from: Element,
    pub field: &'static str,
    pub link: &'t Link,
    pub expect: Expect,
}

impl Table {
    /// Visits every reference in the table, in table order (a national table has millions:
    /// they are not collected).
    pub fn each_reference<'t>(&'t self, mut visit: impl FnMut(Reference<'t>)) {
        let mut add =
            |from: Element, field: &'static str, links: &mut dyn Iterator<Item = &'t Link>, expect: Expect| {
                for link in links {
                    visit(Reference {
                        from,
                        field,
                        link,
                        expect,
                    });
                }
            };
        for (i, r) in self.routers.iter().enumerate() {
            let e = Element::Router(i as u32);
            add(e, "domains", &mut r.domains.iter(), Expect::Domain);
            add(e, "mate", &mut r.mate.iter(), Expect::Router);
            for rule in &r.rules {
                add(
                    e,
                    "match.origin",
                    &mut rule.matcher.origin.iter().flatten(),
                    Expect::Origin,
                );
                add(e, "to", &mut std::iter::once(&rule.to), Expect::Hop);
                add(e, "alternate", &mut rule.alternate.iter().flatten(), Expect::Hop);
            }
            add(e, "default", &mut r.default.iter(), Expect::Hop);
        }
        for (i, p) in self.psaps.iter().enumerate() {
            let e = Element::Psap(i as u32);
            add(e, "domains", &mut p.domains.iter(), Expect::Domain);
            add(e, "alternate", &mut p.alternate.iter(), Expect::Hop);
            add(e, "overflow", &mut p.overflow.iter(), Expect::Hop);
        }
        for (i, o) in self.origins.iter().enumerate() {
            add(
                Element::Origin(i as u32),
                "ingress",
                &mut o.ingress.iter(),
                Expect::Router,
            );
        }
        for (i, p) in self.pools.iter().enumerate() {
            let e = Element::Pool(i as u32);
            add(e, "psap", &mut p.psap.iter(), Expect::Psap);
            add(e, "element", &mut p.element.iter(), Expect::Hop);
        }
    }
}
