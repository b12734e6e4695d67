//! Plays every origin's calls through the table under every analysed scenario (SPEC §2).
//!
//! Origins that every rule treats alike (same ingress; ESNs between the same rule bounds; kind
//! and county only where rules look at them; not named by any `match.origin`) are one *route
//! class*, walked once. A failure domain or busy PSAP can
//! only change the walks that consulted one of its elements, so each scenario re-walks just
//! those classes (found through an index from node to classes).

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::engine::{Conditions, Disposition, Trace, route};
use crate::finding::ScenarioLabel;
use crate::model::{Element, Node, Table};

/// Origins walked as one.
#[derive(Debug, Clone)]
pub struct RouteClass {
    /// Origin indices, in table order; the first is the one walked.
    pub origins: Vec<u32>,
}

/// A failure domain: declared in `domains`, or a router's or PSAP's own.
#[derive(Debug, Clone)]
pub struct FailureDomain {
    pub name: String,
    /// Index into `table.domains` for declared ones; None for an element's implicit domain.
    pub declared: Option<u32>,
    /// Sorted, deduplicated.
    pub members: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scenario {
    Normal,
    /// Index into [`Analysis::domains`].
    Fail(usize),
    /// A busy PSAP.
    Busy(u32),
}

/// The walks of one scenario that differ from normal conditions' inputs.
#[derive(Debug)]
pub struct ScenarioRun {
    pub scenario: Scenario,
    /// (class, how its walk ended) for every class the scenario could change. Only the ends
    /// are kept: a national table has hundreds of thousands of these walks.
    pub ends: Vec<(u32, Disposition)>,
    /// The whole walks of those that looped, whose path a finding shows.
    pub loops: Vec<(u32, Trace)>,
}

impl ScenarioRun {
    fn new(scenario: Scenario, walks: Vec<(u32, Trace)>) -> Self {
        let mut run = ScenarioRun {
            scenario,
            ends: Vec::with_capacity(walks.len()),
            loops: Vec::new(),
        };
        for (class, trace) in walks {
            run.ends.push((class, trace.end.clone()));
            if matches!(trace.end, Disposition::Looped { .. }) {
                run.loops.push((class, trace));
            }
        }
        run
    }
}

#[derive(Debug)]
pub struct Analysis {
    pub classes: Vec<RouteClass>,
    /// Per class, its walk under normal conditions.
    pub normal: Vec<Trace>,
    pub domains: Vec<FailureDomain>,
    /// Failure and busy scenarios, in a fixed order.
    pub runs: Vec<ScenarioRun>,
    pub max_hops: usize,
    /// Per dense node index: the classes whose normal walk consulted that node.
    touching: Vec<Vec<u32>>,
}

impl Analysis {
    /// Each origin's route class, by origin index (`u32::MAX` for an origin in none).
    pub fn class_of_origins(&self, origins: usize) -> Vec<u32> {
        let mut class_of = vec![u32::MAX; origins];
        for (c, class) in self.classes.iter().enumerate() {
            for &o in &class.origins {
                class_of[o as usize] = c as u32;
            }
        }
        class_of
    }

    /// How findings and reports name a scenario.
    pub fn scenario_label(&self, table: &Table, s: &Scenario) -> ScenarioLabel {
        match s {
            Scenario::Normal => ScenarioLabel::Normal,
            Scenario::Fail(d) => ScenarioLabel::Fail(self.domains[*d].name.clone()),
            Scenario::Busy(p) => ScenarioLabel::Busy(table.psaps[*p as usize].id.clone()),
        }
    }

    /// Classes whose normal walk consulted any of `nodes`: the only ones a failure or a busy
    /// PSAP among them can change.
    pub fn classes_touching(&self, table: &Table, nodes: &[Node]) -> Vec<u32> {
        let mut cs: Vec<u32> = nodes
            .iter()
            .flat_map(|&m| self.touching[table.node_index(m)].iter().copied())
            .collect();
        cs.sort_unstable();
        cs.dedup();
        cs
    }

    /// A what-if: the walks that change when `down` are down and `busy` is busy.
    pub fn what_if(&self, table: &Table, down: &[Node], busy: Option<u32>) -> Vec<(u32, Trace)> {
        let mut cond = Conditions::normal(table);
        let mut nodes = down.to_vec();
        nodes.extend(busy.map(Node::Psap));
        walk_changed(
            table,
            &self.classes,
            self.classes_touching(table, &nodes),
            &mut cond,
            down,
            busy,
            self.max_hops,
        )
    }

    /// Every origin of the given classes, sorted by table order.
    pub fn origins_of(&self, classes: impl IntoIterator<Item = u32>) -> Vec<u32> {
        let mut out: Vec<u32> = classes
            .into_iter()
            .flat_map(|c| self.classes[c as usize].origins.iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// What the rules of the table look at, for grouping origins by rule outcome.
///
/// Two origins belong to one route class when every rule of every router treats them alike —
/// not when their attributes are equal (the idea behind VeriFlow's and APKeep's equivalence
/// classes: classes follow the rules). So the key holds, besides the ingress:
/// - the ESN's interval among the cut points of every rule's ESN bounds (ESNs between two cuts
///   meet exactly the same rules);
/// - the kind, only when some rule matches on kind;
/// - the county, only when some rule names it (compared folded, as `engine::rule_matches` does);
/// - the origin id, only when some rule names it.
///
/// This must mirror `engine::rule_matches`: any attribute the engine distinguishes and this
/// key does not would hand one origin another's route (the property test checks it).
struct RuleView<'t> {
    /// Sorted cut points: each rule ESN range `lo-hi` cuts at `lo` and `hi + 1`.
    esn_cuts: Vec<u32>,
    any_kind_rule: bool,
    /// Folded county names some rule matches on.
    counties: HashMap<String, u32>,
    origins: HashSet<&'t str>,
}

impl<'t> RuleView<'t> {
    /// The view of the rules of `routers` (the ones an origin's calls can reach).
    fn new(table: &'t Table, routers: &[u32]) -> Self {
        let matchers = || {
            routers
                .iter()
                .flat_map(|&r| table.routers[r as usize].rules.iter())
                .map(|rule| &rule.matcher)
        };
        let mut esn_cuts: Vec<u32> = matchers()
            .flat_map(|m| m.esn.iter().flatten())
            .flat_map(|&(lo, hi)| [lo, hi.saturating_add(1)])
            .collect();
        esn_cuts.sort_unstable();
        esn_cuts.dedup();
        let mut counties = HashMap::new();
        for c in matchers().flat_map(|m| m.county.iter().flatten()) {
            let next = counties.len() as u32;
            counties.entry(c.clone()).or_insert(next);
        }
        RuleView {
            esn_cuts,
            any_kind_rule: matchers().any(|m| m.kind.is_some()),
            counties,
            origins: matchers()
                .flat_map(|m| m.origin.iter().flatten())
                .map(|l| &*l.name)
                .collect(),
        }
    }

    /// The ESN's interval: how many cut points lie at or below it (None: no ESN).
    fn esn_interval(&self, esn: Option<u32>) -> u32 {
        esn.map_or(u32::MAX, |e| self.esn_cuts.partition_point(|&c| c <= e) as u32)
    }
}

/// The routers a call entering at `ingress` can reach, in any scenario: through rules,
/// defaults, mates and the alternate and overflow lists of the PSAPs on the way.
fn reachable_routers(table: &Table, ingress: &[Option<Node>]) -> Vec<u32> {
    let mut seen = vec![false; table.node_count()];
    let mut stack: Vec<Node> = ingress.iter().flatten().copied().collect();
    let mut routers = Vec::new();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[table.node_index(n)], true) {
            continue;
        }
        match n {
            Node::Router(r) => {
                routers.push(r);
                let router = &table.routers[r as usize];
                let rules = router.rules.iter();
                let links = router
                    .mate
                    .iter()
                    .chain(router.default.iter())
                    .chain(rules.flat_map(|rule| std::iter::once(&rule.to).chain(rule.alternate.iter().flatten())));
                stack.extend(links.filter_map(|l| l.target()));
            }
            Node::Psap(p) => {
                let psap = &table.psaps[p as usize];
                stack.extend(psap.alternate.iter().chain(&psap.overflow).filter_map(|l| l.target()));
            }
        }
    }
    routers.sort_unstable();
    routers
}

/// Groups origins into route classes: origins that every rule they can meet treats alike (see
/// [`RuleView`]; only the rules of the routers reachable from their ingress count).
pub fn route_classes(table: &Table) -> Vec<RouteClass> {
    type Key<'a> = (u32, u32, Option<crate::model::OriginKind>, Option<u32>, Option<&'a str>);
    // Origins with one ingress list reach the same routers: one view of their rules each.
    let mut by_ingress: HashMap<Vec<Option<Node>>, u32> = HashMap::new();
    let mut views: Vec<RuleView<'_>> = Vec::new();
    // County names repeat across origins: each spelling is folded and looked up once a view.
    let mut county_of: HashMap<(u32, &str), Option<u32>> = HashMap::new();
    let mut index: HashMap<Key<'_>, u32> = HashMap::new();
    let mut classes: Vec<RouteClass> = Vec::new();
    for (i, o) in table.origins.iter().enumerate() {
        let ingress: Vec<Option<Node>> = o.ingress.iter().map(|l| l.target()).collect();
        let v = match by_ingress.get(&ingress) {
            Some(&v) => v,
            None => {
                views.push(RuleView::new(table, &reachable_routers(table, &ingress)));
                by_ingress.insert(ingress, views.len() as u32 - 1);
                views.len() as u32 - 1
            }
        };
        let view = &views[v as usize];
        let own = view.origins.contains(&*o.id).then_some(&*o.id);
        let county = match (&o.county, view.counties.is_empty()) {
            (Some(c), false) => *county_of
                .entry((v, c))
                .or_insert_with(|| view.counties.get(&crate::model::fold_county(c)).copied()),
            _ => None,
        };
        let key: Key<'_> = (
            v,
            view.esn_interval(o.esn.get()),
            view.any_kind_rule.then_some(o.kind),
            county,
            own,
        );
        let next = classes.len() as u32;
        let c = *index.entry(key).or_insert(next);
        if c == next {
            classes.push(RouteClass { origins: Vec::new() });
        }
        classes[c as usize].origins.push(i as u32);
    }
    classes
}

/// Every failure domain: declared ones (with their members), then each router's and PSAP's own.
pub fn failure_domains(table: &Table) -> Vec<FailureDomain> {
    let mut declared: BTreeMap<u32, Vec<Node>> = BTreeMap::new();
    let nodes = table
        .routers
        .iter()
        .enumerate()
        .map(|(i, r)| (Node::Router(i as u32), &r.domains))
        .chain(
            table
                .psaps
                .iter()
                .enumerate()
                .map(|(i, p)| (Node::Psap(i as u32), &p.domains)),
        );
    for (node, links) in nodes {
        for l in links {
            if let Some(crate::model::Element::Domain(d)) = table.lookup(&l.name) {
                declared.entry(d).or_default().push(node);
            }
        }
    }
    let mut out: Vec<FailureDomain> = table
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut members = declared.remove(&(i as u32)).unwrap_or_default();
            members.sort_unstable();
            members.dedup();
            FailureDomain {
                name: d.id.clone(),
                declared: Some(i as u32),
                members,
            }
        })
        .collect();
    out.extend(table.routers.iter().enumerate().map(|(i, r)| FailureDomain {
        name: r.id.clone(),
        declared: None,
        members: vec![Node::Router(i as u32)],
    }));
    out.extend(table.psaps.iter().enumerate().map(|(i, p)| FailureDomain {
        name: p.id.clone(),
        declared: None,
        members: vec![Node::Psap(i as u32)],
    }));
    out
}

/// Walks `classes` with `down` set down and `busy` busy in `cond`, restoring `cond` after.
fn walk_changed(
    table: &Table,
    all: &[RouteClass],
    classes: Vec<u32>,
    cond: &mut Conditions,
    down: &[Node],
    busy: Option<u32>,
    max_hops: usize,
) -> Vec<(u32, Trace)> {
    for &m in down {
        cond.set_down(table, m, true);
    }
    cond.set_busy(busy);
    let walks = classes
        .into_iter()
        .map(|c| (c, walk_class(table, &all[c as usize], cond, max_hops)))
        .collect();
    for &m in down {
        cond.set_down(table, m, false);
    }
    cond.set_busy(None);
    walks
}

fn walk_class(table: &Table, class: &RouteClass, cond: &Conditions, max_hops: usize) -> Trace {
    route(table, &table.origins[class.origins[0] as usize], cond, max_hops)
}

/// Walks every route class under normal conditions and indexes which nodes each consulted
/// (enough for what-ifs; [`analyse`] adds every single failure and busy PSAP).
pub fn analyse_normal(table: &Table, max_hops: usize) -> Analysis {
    let classes = route_classes(table);
    let cond = Conditions::normal(table);
    // Walks are independent: both cores share them; collect() keeps the order.
    crate::progress::phase("origins analysed", table.origins.len());
    let normal: Vec<Trace> = classes
        .par_iter()
        .map(|c| {
            crate::progress::advance(c.origins.len());
            walk_class(table, c, &cond, max_hops)
        })
        .collect();

    let mut touching: Vec<Vec<u32>> = vec![Vec::new(); table.node_count()];
    for (c, t) in normal.iter().enumerate() {
        let mut seen: Vec<u32> = t.touched.clone();
        seen.sort_unstable();
        seen.dedup();
        for n in seen {
            touching[n as usize].push(c as u32);
        }
    }
    Analysis {
        classes,
        normal,
        domains: failure_domains(table),
        runs: Vec::new(),
        max_hops,
        touching,
    }
}

/// Runs normal conditions, every single failure domain and every busy PSAP.
pub fn analyse(table: &Table, max_hops: usize) -> Analysis {
    let mut analysis = analyse_normal(table, max_hops);

    let with_overflow = table.psaps.iter().filter(|p| !p.overflow.is_empty()).count();
    crate::progress::phase(
        "failure and busy scenarios done",
        analysis.domains.len() + with_overflow,
    );
    // Scenarios are independent too: each worker keeps its own conditions.
    let failures: Vec<ScenarioRun> = (0..analysis.domains.len())
        .into_par_iter()
        .map_init(
            || Conditions::normal(table),
            |cond, d| {
                crate::progress::advance(1);
                let members = &analysis.domains[d].members;
                let cs = analysis.classes_touching(table, members);
                let walks = walk_changed(table, &analysis.classes, cs, cond, members, None, max_hops);
                ScenarioRun::new(Scenario::Fail(d), walks)
            },
        )
        .filter(|run| !run.ends.is_empty())
        .collect();
    // A busy PSAP without overflow queues its calls: nothing changes, so only those with one.
    let busy: Vec<ScenarioRun> = (0..table.psaps.len() as u32)
        .into_par_iter()
        .filter(|&p| !table.psaps[p as usize].overflow.is_empty())
        .map_init(
            || Conditions::normal(table),
            |cond, p| {
                crate::progress::advance(1);
                let cs = analysis.classes_touching(table, &[Node::Psap(p)]);
                let walks = walk_changed(table, &analysis.classes, cs, cond, &[], Some(p), max_hops);
                ScenarioRun::new(Scenario::Busy(p), walks)
            },
        )
        .filter(|run| !run.ends.is_empty())
        .collect();
    let mut runs = failures;
    runs.extend(busy);
    analysis.runs = runs;
    analysis
}

/// An origin present in both tables whose calls end at another PSAP (or at none) under normal
/// conditions after a change.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    /// Index in the new table.
    pub origin: u32,
    /// Its route class in the old analysis and in the new one.
    pub old_class: u32,
    pub new_class: u32,
}

/// Per origin id: its route class.
/// Each origin's class, found by the origin's id (through the table's id index: a map of a
/// million ids would cost `diff` 30 MB more, twice).
struct ClassById<'t> {
    table: &'t Table,
    class_of: Vec<u32>,
}

impl ClassById<'_> {
    fn get(&self, id: &str) -> Option<u32> {
        match self.table.lookup(id)? {
            Element::Origin(o) => Some(self.class_of[o as usize]).filter(|&c| c != u32::MAX),
            _ => None,
        }
    }
}

fn class_by_id<'t>(table: &'t Table, a: &Analysis) -> ClassById<'t> {
    ClassById {
        table,
        class_of: a.class_of_origins(table.origins.len()),
    }
}

/// The PSAP id a walk ends at, if it delivers.
fn psap_of<'t>(t: &'t Table, end: &Disposition) -> Option<&'t str> {
    end.delivered_to().map(|p| t.psaps[p as usize].id.as_str())
}

/// The origins a change moves, in new-table order. PSAPs are compared by id: indices differ
/// between the tables.
pub fn moves(old: &Table, oa: &Analysis, new: &Table, na: &Analysis) -> Vec<Move> {
    let old_class = class_by_id(old, oa);
    let mut out = Vec::new();
    for (c, trace) in na.normal.iter().enumerate() {
        for &o in &na.classes[c].origins {
            let Some(oc) = old_class.get(&new.origins[o as usize].id) else {
                continue;
            };
            if psap_of(old, &oa.normal[oc as usize].end) != psap_of(new, &trace.end) {
                out.push(Move {
                    origin: o,
                    old_class: oc,
                    new_class: c as u32,
                });
            }
        }
    }
    out.sort_unstable_by_key(|m| m.origin);
    out
}

/// An origin whose calls end elsewhere after a change only when one failure domain is down:
/// its normal PSAP is the same in both tables, its PSAP in that failure is not.
#[derive(Debug, Clone)]
pub struct FailoverMove {
    /// The failure domain, by name (present in both tables).
    pub domain: String,
    /// Index in the new table.
    pub origin: u32,
    /// PSAP indices in the old and the new table in that failure (None: lost or looping).
    pub before: Option<u32>,
    pub after: Option<u32>,
}

/// Every failover move of a change, by domain name then origin. Only the classes a failure
/// re-walked in either table can differ from their normal walk, so only those are compared.
pub fn failover_moves(old: &Table, oa: &Analysis, new: &Table, na: &Analysis) -> Vec<FailoverMove> {
    let old_class = class_by_id(old, oa);
    let new_class = na.class_of_origins(new.origins.len());
    fn failed(a: &Analysis) -> HashMap<String, HashMap<u32, &Disposition>> {
        a.runs
            .iter()
            .filter_map(|run| match run.scenario {
                Scenario::Fail(d) => Some((
                    a.domains[d].name.clone(),
                    run.ends.iter().map(|(c, e)| (*c, e)).collect(),
                )),
                _ => None,
            })
            .collect()
    }
    let (old_runs, new_runs) = (failed(oa), failed(na));
    let old_domains: HashSet<&str> = oa.domains.iter().map(|d| d.name.as_str()).collect();
    let empty = HashMap::new();
    let mut out = Vec::new();
    // A declared domain and an element's own that take down the same elements are one
    // scenario, named by the first (declared domains come first).
    let mut seen: HashSet<&[Node]> = HashSet::new();
    for d in na.domains.iter().filter(|d| old_domains.contains(d.name.as_str())) {
        if !seen.insert(&d.members) {
            continue;
        }
        let (old_ends, new_ends) = (
            old_runs.get(&d.name).unwrap_or(&empty),
            new_runs.get(&d.name).unwrap_or(&empty),
        );
        // The origins either table re-walked in this failure, in new-table order.
        let mut origins: Vec<u32> = new_ends
            .keys()
            .flat_map(|&c| na.classes[c as usize].origins.iter().copied())
            .collect();
        #[allow(clippy::iter_over_hash_type, reason = "the origins are sorted below")]
        for &c in old_ends.keys() {
            for &o in &oa.classes[c as usize].origins {
                if let Some(Element::Origin(i)) = new.lookup(&old.origins[o as usize].id) {
                    origins.push(i);
                }
            }
        }
        origins.sort_unstable();
        origins.dedup();
        for o in origins {
            let Some(oc) = old_class.get(&new.origins[o as usize].id) else {
                continue;
            };
            let nc = new_class[o as usize];
            let (old_normal, new_normal) = (&oa.normal[oc as usize].end, &na.normal[nc as usize].end);
            if psap_of(old, old_normal) != psap_of(new, new_normal) {
                continue; // a normal move, reported as such
            }
            let before = old_ends.get(&oc).copied().unwrap_or(old_normal);
            let after = new_ends.get(&nc).copied().unwrap_or(new_normal);
            if psap_of(old, before) != psap_of(new, after) {
                out.push(FailoverMove {
                    domain: d.name.clone(),
                    origin: o,
                    before: before.delivered_to(),
                    after: after.delivered_to(),
                });
            }
        }
    }
    out
}
