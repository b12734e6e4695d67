//! The routing table as psapguard sees it: origins, routers, PSAPs, domains and pools.
//!
//! These types are also the single description of the file format: `schemas/` is generated
//! from them with schemars (fields marked `schemars(skip)` are what the loader adds: ids,
//! positions and resolved references).

use schemars::JsonSchema;

mod compact;
mod format;
mod gis;
mod policy;
mod policy_store;
mod source;
mod table;

pub use compact::{Absent, Maybe, Rare};
pub use format::{ID_PATTERN, Id, json_schema, schema_text};
pub use gis::{
    Boundary, BoundaryKind, Feature, Location, NENA_FIELDS, NO_SERVICE_URI, NenaField, NenaFields, Place, RawPolygon,
    Ring, UriIndex, is_no_service, is_sip_uri, sip_key,
};
pub use policy::{
    ACTION_TYPES, Action, CONDITION_TYPES, Condition, Policy, PolicyFile, PolicyProblem, PolicyRule, PolicySource,
    PolicyValue, Spot,
};
pub use policy_store::{
    PolicyKind, PolicyStore, identity as policy_identity, in_force as policy_in_force, queues as queue_index,
};
pub use source::{SourceFile, open_regular, plain_io};
pub use table::{Expect, IdIndex, Reference, Table};

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

impl From<Node> for Element {
    fn from(node: Node) -> Element {
        match node {
            Node::Router(r) => Element::Router(r),
            Node::Psap(p) => Element::Psap(p),
        }
    }
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

/// Hands out one shared [`Name`] per distinct string (foldhash: it is asked millions of
/// times on a national table; nothing reads its order into the output).
#[derive(Debug, Default)]
pub struct Interner(hashbrown::HashSet<Name>);

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

    /// Takes in the names of another interner (a file read on another thread).
    pub fn extend(&mut self, other: Interner) {
        for name in other.0 {
            if !self.0.contains(&name) {
                self.0.insert(name);
            }
        }
    }
}

/// Most call-taker positions a PSAP may declare (the schema's maximum for `positions`).
pub const MAX_POSITIONS: u32 = 10_000;

/// A county name folded for comparison: full Unicode case folding (`MAYAGÜEZ`, `Mayagüez`
/// and `mayagüez` are one county; so are `Straße` and `STRASSE`, `ﬁ` and `fi`, `ς` and `σ`).
/// Upper-casing first expands what lower-casing alone keeps apart (ß → SS, ﬁ → FI, ς → Σ);
/// lower-casing then joins the rest. Rules, the engine and route classes all compare through
/// this one function.
pub fn fold_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars().flat_map(char::to_uppercase).flat_map(char::to_lowercase)
}

/// [`fold_chars`] collected.
pub fn fold_county(name: &str) -> String {
    fold_chars(name).collect()
}

/// The settings file's name (`psapguard.toml`), looked up from the current directory upwards.
pub const CONFIG_FILE: &str = "psapguard.toml";

/// The sections of a table file, in the order the format lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Domains,
    Psaps,
    Routers,
    Origins,
    Pools,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Domains,
        Section::Psaps,
        Section::Routers,
        Section::Origins,
        Section::Pools,
    ];

    /// The key that starts it in a file.
    pub fn name(self) -> &'static str {
        match self {
            Section::Domains => "domains",
            Section::Psaps => "psaps",
            Section::Routers => "routers",
            Section::Origins => "origins",
            Section::Pools => "pools",
        }
    }

    pub fn of(key: &str) -> Option<Section> {
        Self::ALL.into_iter().find(|s| s.name() == key)
    }

    /// The name of its elements' type in the JSON Schema (`#/$defs/Psap`).
    pub fn schema_def(self) -> &'static str {
        match self {
            Section::Domains => "Domain",
            Section::Psaps => "Psap",
            Section::Routers => "Router",
            Section::Origins => "Origin",
            Section::Pools => "Pool",
        }
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
    /// The PSAP's queue URI (`sip:` or `sips:`): a PSAP boundary's `ServiceURI` names it (SPEC §7).
    pub uri: Option<String>,
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
    #[schemars(range(min = 0, max = 10000))]
    pub positions: Option<u32>,
    /// Seconds a call-taker spends on a call here (else `capacity.handle_seconds`).
    #[schemars(range(min = 1))]
    pub handle_seconds: Option<f64>,
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
// A router whose `queue` names its OriginationRoutePolicy is routed by that policy: it has no
// rules or default of its own (SPEC §9).
#[schemars(extend("dependentSchemas" = { "queue": { "properties": { "rules": { "type": "null" }, "default": { "type": "null" } } } }))]
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
    /// Its ingress queue (a `sip:`/`sips:` URI): the NENA i3 `OriginationRoutePolicy` with
    /// this `policyQueueName` routes its calls (SPEC §9); then it has no `rules` or `default`.
    pub queue: Option<String>,
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

/// An ESN, an ESN written as a string ("105"), or an inclusive ESN range written "lo-hi".
#[allow(dead_code)]
#[derive(JsonSchema)]
#[serde(untagged)]
enum EsnItem {
    Number(#[schemars(range(min = 0, max = 99999))] u32),
    Range(#[schemars(regex(pattern = r"^[0-9]{1,5}(-[0-9]{1,5})?$"))] String),
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
// Boxed strings and slices, not String and Vec, and optional numbers in the size of the
// number ([`Maybe`]): a national table has a million origins (104 bytes each, not 136).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Origin {
    #[schemars(skip)]
    pub id: Box<str>,
    #[schemars(skip)]
    pub loc: Loc,
    pub kind: OriginKind,
    /// Routing ESN.
    #[schemars(range(min = 0, max = 99999), with = "Option<u32>")]
    pub esn: Maybe<u32>,
    #[schemars(with = "Option<String>")]
    pub state: Option<Name>,
    #[schemars(with = "Option<String>")]
    pub county: Option<Name>,
    /// People served; weights reports.
    #[schemars(range(min = 0), with = "Option<u64>")]
    pub population: Maybe<u64>,
    /// 911 calls a day from here (else population × `capacity.calls_per_1000_per_day` / 1000).
    #[schemars(range(min = 0), with = "Option<f64>")]
    pub calls_per_day: Maybe<f32>,
    /// Where calls come from (WGS84); for a cell sector, the sector's centroid (SPEC §7).
    #[schemars(with = "Option<Location>")]
    pub location: Maybe<Location>,
    /// Routers its trunks reach, in order of preference.
    #[schemars(with = "Vec<Link>")]
    pub ingress: Box<[Link]>,
    #[schemars(with = "Option<Vec<Waiver>>")]
    pub waivers: Rare<Waiver>,
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
    /// Keys used a day: a rate, so it may be fractional.
    #[schemars(range(min = 0))]
    pub per_day: Option<f64>,
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
    /// On a boundary layer: the NGUID of the feature it covers (SPEC §7). Only layer waivers
    /// have one; their schema is [`FeatureWaiver`].
    #[schemars(skip)]
    pub feature: Option<String>,
}

/// A waiver on a boundary layer (`boundaries:` entry): covers the findings of `rule` about
/// one feature of the layer, named by its NGUID.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct FeatureWaiver {
    /// The NGUID of the feature whose findings the waiver covers.
    feature: String,
    rule: String,
    reason: String,
    /// YYYY-MM-DD; after this day the waiver no longer counts.
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    expires: Option<String>,
}
