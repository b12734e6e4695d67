//! The whole table: its sections, the id index, and every reference it makes.

use std::hash::BuildHasher;

use super::*;

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
    /// GIS boundary layers (SPEC §7), in the order the files declare them.
    pub boundaries: Vec<super::Boundary>,
    /// `policies:` entries (SPEC §9), in the order the files declare them.
    pub policy_sources: Vec<super::PolicySource>,
    /// The policy files read from them.
    pub policy_files: Vec<super::PolicyFile>,
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
    // foldhash, not SipHash: a national table hashes a million ids, and nothing iterates
    // the index, so its order cannot reach the output.
    hasher: hashbrown::DefaultHashBuilder,
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
        self.origins[origin as usize].population.get().unwrap_or(0)
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

/// The one list of the format's reference fields: walks every link of `$table` with
/// `$iter` (`iter` or `iter_mut`), calling `$visit(from, field, expect, link)`.
macro_rules! each_link {
    ($table:expr, $iter:ident, [$($m:tt)?], $visit:expr) => {{
        let mut visit = $visit;
        for (i, r) in $table.routers.$iter().enumerate() {
            let e = Element::Router(i as u32);
            r.domains.$iter().for_each(|l| visit(e, "domains", Expect::Domain, l));
            r.mate.$iter().for_each(|l| visit(e, "mate", Expect::Router, l));
            for rule in r.rules.$iter() {
                let origins = rule.matcher.origin.$iter().flatten();
                origins.for_each(|l| visit(e, "match.origin", Expect::Origin, l));
                visit(e, "to", Expect::Hop, & $($m)? rule.to);
                rule.alternate.$iter().flatten().for_each(|l| visit(e, "alternate", Expect::Hop, l));
            }
            r.default.$iter().for_each(|l| visit(e, "default", Expect::Hop, l));
        }
        for (i, p) in $table.psaps.$iter().enumerate() {
            let e = Element::Psap(i as u32);
            p.domains.$iter().for_each(|l| visit(e, "domains", Expect::Domain, l));
            p.alternate.$iter().for_each(|l| visit(e, "alternate", Expect::Hop, l));
            p.overflow.$iter().for_each(|l| visit(e, "overflow", Expect::Hop, l));
        }
        for (i, o) in $table.origins.$iter().enumerate() {
            let e = Element::Origin(i as u32);
            o.ingress.$iter().for_each(|l| visit(e, "ingress", Expect::Router, l));
        }
        for (i, p) in $table.pools.$iter().enumerate() {
            let e = Element::Pool(i as u32);
            p.psap.$iter().for_each(|l| visit(e, "psap", Expect::Psap, l));
            p.element.$iter().for_each(|l| visit(e, "element", Expect::Hop, l));
        }
    }};
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
        each_link!(self, iter, [], |from, field, expect, link| visit(Reference {
            from,
            field,
            link,
            expect,
        }));
    }

    /// Visits every reference mutably, in the same order (the loader resolves them).
    pub fn each_link_mut(&mut self, mut visit: impl FnMut(Element, &'static str, Expect, &mut Link)) {
        each_link!(self, iter_mut, [mut], |from, field, expect, link| visit(from, field, expect, link));
    }
}
