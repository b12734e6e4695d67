//! Plays every origin's calls through the table under every analysed scenario (SPEC §2).
//!
//! Origins that every rule treats alike (same ingress; ESNs between the same rule bounds; kind
//! and county only where rules look at them; not named by any `match.origin`) are one *route
//! class*, walked once. A failure domain or busy PSAP can
//! only change the walks that consulted one of its elements, so each scenario re-walks just
//! those classes (found through an index from node to classes).

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

mod branches;
mod classes;

pub use branches::Exploration;
pub use classes::route_classes;

use crate::engine::{Branch, Conditions, Disposition, PolicyNet, RuleUse, Trace, Walker, merged};
use crate::finding::ScenarioLabel;
use crate::model::{Element, Node, Table};

/// Origins walked as one.
#[derive(Debug, Clone)]
pub struct RouteClass {
    /// Origin indices, in table order; the first is the one walked. Shared by the classes
    /// one group of origins splits into, branch by branch (SPEC §9), not copied for each.
    pub origins: std::sync::Arc<[u32]>,
    /// What its calls are assumed to be, for calls routed by policies (SPEC §9: the kind of
    /// call, the time slice, the boundary answering inside an overlap); everything otherwise.
    pub branch: Branch,
    /// The first branch of its origins: the usual call (voice or text as the origin is, outside
    /// every special time window, none of the optional call facts). The rules that judge
    /// where calls belong (misroutes, jurisdiction) judge this one; deliberate diversions of
    /// other kinds of call are not misroutes.
    pub usual: bool,
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
    pub loops: Vec<(u32, Box<Trace>)>,
}

impl ScenarioRun {
    fn new(scenario: Scenario, walks: Vec<(u32, Ended)>) -> Self {
        let mut run = ScenarioRun {
            scenario,
            ends: Vec::with_capacity(walks.len()),
            loops: Vec::new(),
        };
        for (class, ended) in walks {
            run.ends.push((class, ended.end));
            if let Some(trace) = ended.looped {
                run.loops.push((class, trace));
            }
        }
        run
    }
}

/// A scenario's re-walked classes, each with how its walks ended.
type ScenarioWalks = (Scenario, Vec<(u32, Vec<Ended>)>);

/// How one walk of a scenario ended, kept as small as the runs keep it (a scenario re-walks
/// hundreds of thousands of classes, each branch a walk): the branch only when the class's
/// calls took several, the whole walk only when it looped.
#[derive(Debug, Clone)]
pub(crate) struct Ended {
    pub branch: Option<Branch>,
    pub end: Disposition,
    pub looped: Option<Box<Trace>>,
}

impl Ended {
    /// The walks of one class, each reduced to how it ended.
    fn of(walks: Walks) -> Vec<Ended> {
        let several = walks.len() > 1;
        walks
            .into_iter()
            .map(|(branch, trace)| {
                let looped = matches!(trace.end, Disposition::Looped { .. });
                Ended {
                    branch: several.then_some(branch),
                    end: trace.end.clone(),
                    looped: looped.then(|| Box::new(trace)),
                }
            })
            .collect()
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
    /// Which policy rules held first, or could have held, in some walk (SPEC §9).
    pub rule_use: Option<RuleUse>,
    /// Walks whose branches were cut at [`crate::engine::MAX_BRANCHES`].
    pub capped: usize,
    /// Origins whose calls take several branches (SPEC §9): by the first origin of their
    /// classes, how many classes (branches) they have.
    pub branches: HashMap<u32, u32>,
}

impl Analysis {
    /// Each origin's route class, by origin index (`u32::MAX` for an origin in none).
    /// An origin whose calls take several branches (SPEC §9) is given its first class.
    pub fn class_of_origins(&self, origins: usize) -> Vec<u32> {
        let mut class_of = vec![u32::MAX; origins];
        for (c, class) in self.classes.iter().enumerate() {
            for &o in class.origins.iter() {
                if class_of[o as usize] == u32::MAX {
                    class_of[o as usize] = c as u32;
                }
            }
        }
        class_of
    }

    fn count_branches(&mut self) {
        let mut count: HashMap<u32, u32> = HashMap::new();
        for class in self.classes.iter().filter(|c| !c.branch.is_everything()) {
            *count.entry(class.origins[0]).or_default() += 1;
        }
        count.retain(|_, n| *n > 1);
        self.branches = count;
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
    pub fn what_if(&self, walker: &Walker<'_>, down: &[Node], busy: Option<u32>) -> Vec<(u32, Trace)> {
        let table = walker.table;
        let mut cond = Conditions::normal(table);
        let mut nodes = down.to_vec();
        nodes.extend(busy.map(Node::Psap));
        walk_changed(
            walker,
            &self.classes,
            self.classes_touching(table, &nodes),
            &mut cond,
            down,
            busy,
        )
        .into_iter()
        .flat_map(|(c, walks)| walks.into_iter().map(move |(_, t)| (c, t)))
        .collect()
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

/// The walks of one class in a scenario: one per branch its calls take.
type Walks = Vec<(Branch, Trace)>;

/// Walks `classes` with `down` set down and `busy` busy in `cond`, restoring `cond` after.
fn walk_changed(
    walker: &Walker<'_>,
    all: &[RouteClass],
    classes: Vec<u32>,
    cond: &mut Conditions,
    down: &[Node],
    busy: Option<u32>,
) -> Vec<(u32, Walks)> {
    let table = walker.table;
    for &m in down {
        cond.set_down(table, m, true);
    }
    cond.set_busy(busy);
    let walks = classes
        .into_iter()
        .map(|c| (c, walk_class(walker, &all[c as usize], cond, None)))
        .collect();
    for &m in down {
        cond.set_down(table, m, false);
    }
    cond.set_busy(None);
    walks
}

fn walk_class(walker: &Walker<'_>, class: &RouteClass, cond: &Conditions, used: Option<&RuleUse>) -> Walks {
    walker.branches(class.origins[0], cond, &class.branch, used)
}

/// Walks every route class under normal conditions and indexes which nodes each consulted
/// (enough for what-ifs; [`analyse`] adds every single failure and busy PSAP).
pub fn analyse_normal(table: &Table, max_hops: usize) -> Analysis {
    analyse_normal_routed(table, None, max_hops)
}

/// [`analyse_normal`] of a table whose ESRPs may be routed by policies.
pub fn analyse_normal_routed(table: &Table, net: Option<&PolicyNet<'_>>, max_hops: usize) -> Analysis {
    let walker = Walker {
        table,
        net,
        max_hops,
        record: false,
    };
    let groups = route_classes(table, net);
    let rule_use = net.map(RuleUse::new);
    let cond = Conditions::normal(table);
    // Walks are independent: both cores share them; collect() keeps the order.
    crate::progress::phase("origins analysed", table.origins.len());
    let walked: Vec<Walks> = groups
        .par_iter()
        .map(|c| {
            crate::progress::advance(c.origins.len());
            walk_class(&walker, c, &cond, rule_use.as_ref())
        })
        .collect();
    // A class whose calls branch (SPEC §9) becomes one class per branch.
    let mut classes = Vec::with_capacity(groups.len());
    let mut normal = Vec::with_capacity(groups.len());
    let mut capped = 0;
    for (group, walks) in groups.into_iter().zip(walked) {
        capped += usize::from(walks.len() >= crate::engine::MAX_BRANCHES);
        for (i, (branch, trace)) in walks.into_iter().enumerate() {
            classes.push(RouteClass {
                origins: group.origins.clone(),
                branch,
                usual: i == 0,
            });
            normal.push(trace);
        }
    }
    // The normal walks are kept for the whole run, one per class and branch: no spare room.
    for t in &mut normal {
        t.hops.shrink_to_fit();
        t.touched.shrink_to_fit();
    }
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
        rule_use,
        capped,
        branches: HashMap::new(),
    }
}

/// Runs normal conditions, every single failure domain and every busy PSAP.
pub fn analyse(table: &Table, max_hops: usize) -> Analysis {
    analyse_routed(table, None, max_hops)
}

/// [`analyse`] of a table whose ESRPs may be routed by policies (SPEC §9).
pub fn analyse_routed(table: &Table, net: Option<&PolicyNet<'_>>, max_hops: usize) -> Analysis {
    let mut analysis = analyse_normal_routed(table, net, max_hops);
    analysis.count_branches();
    let walker = Walker {
        table,
        net,
        max_hops,
        record: false,
    };
    // A busy PSAP without overflow queues its calls: nothing changes, so only those with one,
    // and those whose queue state a policy asks about.
    let watched = net.map_or(&[][..], |n| n.watched_busy.as_slice());
    let busy_psaps: Vec<u32> = (0..table.psaps.len() as u32)
        .filter(|&p| !table.psaps[p as usize].overflow.is_empty() || watched.binary_search(&p).is_ok())
        .collect();
    crate::progress::phase(
        "failure and busy scenarios done",
        analysis.domains.len() + busy_psaps.len(),
    );
    let used = analysis.rule_use.as_ref();
    let scenarios: Vec<(Scenario, Vec<Node>, Option<u32>)> = (0..analysis.domains.len())
        .map(|d| (Scenario::Fail(d), analysis.domains[d].members.clone(), None))
        .chain(busy_psaps.iter().map(|&p| (Scenario::Busy(p), Vec::new(), Some(p))))
        .collect();
    // Scenarios are independent too: each worker keeps its own conditions.
    let walked: Vec<ScenarioWalks> = scenarios
        .into_par_iter()
        .map_init(
            || Conditions::normal(table),
            |cond, (scenario, down, busy)| {
                crate::progress::advance(1);
                let mut nodes = down.clone();
                nodes.extend(busy.map(Node::Psap));
                let cs = analysis.classes_touching(table, &nodes);
                for &m in &down {
                    cond.set_down(table, m, true);
                }
                cond.set_busy(busy);
                let walks: Vec<(u32, Vec<Ended>)> = cs
                    .into_iter()
                    .map(|c| {
                        (
                            c,
                            Ended::of(walk_class(&walker, &analysis.classes[c as usize], cond, used)),
                        )
                    })
                    .collect();
                for &m in &down {
                    cond.set_down(table, m, false);
                }
                cond.set_busy(None);
                (scenario, walks)
            },
        )
        .filter(|(_, walks)| !walks.is_empty())
        .collect();
    analysis.capped += walked
        .iter()
        .flat_map(|(_, walks)| walks.iter())
        .filter(|(_, w)| w.len() >= crate::engine::MAX_BRANCHES)
        .count();
    analysis.runs = branches::refine(&mut analysis, net, walked);
    analysis.count_branches();
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
    // The usual call of each origin is compared (SPEC §9: other kinds of call are branches
    // of it, diverted on purpose).
    for (c, trace) in na.normal.iter().enumerate().filter(|(c, _)| na.classes[*c].usual) {
        for &o in na.classes[c].origins.iter() {
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

/// Calls of an origin other than its usual call — a kind of call, a time slice, an overlap's
/// answer (SPEC §9) — that end at another PSAP after a change: under normal conditions, or
/// only when a failure domain is down.
#[derive(Debug, Clone)]
pub struct CallsMove {
    /// The failure domain, by name; None under normal conditions.
    pub domain: Option<String>,
    /// Index in the new table.
    pub origin: u32,
    /// PSAP indices in the old and the new table (None: lost or looping).
    pub before: Option<u32>,
    pub after: Option<u32>,
    /// Which calls move, as findings name branches: "calls with SdpOffer rtt=true".
    pub calls: String,
}

/// (old class, new class, the calls of both) of a pair of branches whose calls move.
type MovedCalls = (u32, u32, String);

/// The classes of each group of origins, one per branch (SPEC §9), by the group's shared
/// origins: a group split in failures has its later branches at the end of the classes.
fn branch_classes(a: &Analysis) -> HashMap<*const [u32], Vec<u32>> {
    let mut out: HashMap<*const [u32], Vec<u32>> = HashMap::new();
    for (c, class) in a.classes.iter().enumerate() {
        out.entry(std::sync::Arc::as_ptr(&class.origins))
            .or_default()
            .push(c as u32);
    }
    out
}

fn group_of<'g>(groups: &'g HashMap<*const [u32], Vec<u32>>, a: &Analysis, class: u32) -> &'g [u32] {
    &groups[&std::sync::Arc::as_ptr(&a.classes[class as usize].origins)]
}

/// Where an old branch's facts are among the new analysis's: facts are told apart by their
/// description, as indices differ between the tables; a fact the new policies never ask
/// about constrains nothing there.
struct FactMap(Vec<Option<u32>>);

impl FactMap {
    fn new(old: Option<&PolicyNet<'_>>, new: Option<&PolicyNet<'_>>) -> FactMap {
        let (Some(old), Some(new)) = (old, new) else {
            // One side routes by no policy: its branches assume no facts.
            return FactMap(Vec::new());
        };
        let by_name: HashMap<&str, u32> = new
            .facts
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        FactMap(
            old.facts
                .names
                .iter()
                .map(|n| by_name.get(n.as_str()).copied())
                .collect(),
        )
    }

    /// An old branch in the new analysis's terms.
    fn carry(&self, old: &Branch, new_has_net: bool) -> Branch {
        let facts = if new_has_net {
            old.facts
                .iter()
                .filter_map(|&(f, v)| Some((self.0.get(f as usize).copied().flatten()?, v)))
                .collect::<BTreeMap<u32, bool>>()
                .into_iter()
                .collect()
        } else {
            old.facts.clone()
        };
        Branch { facts, ..old.clone() }
    }
}

/// Both analyses of a change with their policies, to pair their branches.
pub struct Pairing<'x> {
    old: &'x Table,
    oa: &'x Analysis,
    new: &'x Table,
    na: &'x Analysis,
    /// Branches are named in the new policies' terms, or the old ones' when only they route.
    words: &'x PolicyNet<'x>,
    new_has_net: bool,
    map: FactMap,
    old_class: ClassById<'x>,
    new_class: Vec<u32>,
    old_groups: HashMap<*const [u32], Vec<u32>>,
    new_groups: HashMap<*const [u32], Vec<u32>>,
}

/// How a pair's calls end in the scenario compared: (in the old analysis, in the new one).
type Ends<'e> = dyn Fn(u32, u32) -> (&'e Disposition, &'e Disposition) + 'e;

impl<'x> Pairing<'x> {
    /// None when no policy routes either table: every origin's calls are its usual call.
    pub fn new(
        old: &'x Table,
        (oa, onet): (&'x Analysis, Option<&'x PolicyNet<'x>>),
        new: &'x Table,
        (na, nnet): (&'x Analysis, Option<&'x PolicyNet<'x>>),
    ) -> Option<Pairing<'x>> {
        Some(Pairing {
            old,
            oa,
            new,
            na,
            words: nnet.or(onet)?,
            new_has_net: nnet.is_some(),
            map: FactMap::new(onet, nnet),
            old_class: class_by_id(old, oa),
            new_class: na.class_of_origins(new.origins.len()),
            old_groups: branch_classes(oa),
            new_groups: branch_classes(na),
        })
    }

    /// The moves under normal conditions of every kind of call and time slice but the usual
    /// call (which [`moves`] reports), in new-table order, then by the calls' words.
    pub fn moves(&self) -> Vec<CallsMove> {
        let normal = |i: u32, j: u32| (&self.oa.normal[i as usize].end, &self.na.normal[j as usize].end);
        let mut out = self.moved(0..self.new.origins.len() as u32, None, &normal, &|_, _| false);
        out.sort_by(|a, b| (a.origin, &a.calls).cmp(&(b.origin, &b.calls)));
        out
    }

    /// The failover moves of every kind of call but the usual one (which [`failover_moves`]
    /// reports): calls whose PSAP is the same in both tables normally, and not when the
    /// domain is down. By domain name, then origin.
    pub fn failover_moves(&self) -> Vec<CallsMove> {
        let (old_runs, new_runs) = (failed(self.oa), failed(self.na));
        let empty = HashMap::new();
        let mut out = Vec::new();
        let old_domains: HashSet<&str> = self.oa.domains.iter().map(|d| d.name.as_str()).collect();
        // A declared domain and an element's own that take down the same elements are one
        // scenario, named by the first.
        let mut seen: HashSet<&[Node]> = HashSet::new();
        for d in self.na.domains.iter().filter(|d| old_domains.contains(d.name.as_str())) {
            if !seen.insert(&d.members) {
                continue;
            }
            let (old_ends, new_ends) = (
                old_runs.get(&d.name).unwrap_or(&empty),
                new_runs.get(&d.name).unwrap_or(&empty),
            );
            // Only the classes a failure re-walked in either table can differ from normal.
            let mut origins: Vec<u32> = self.na.origins_of(new_ends.keys().copied());
            for o in self.oa.origins_of(old_ends.keys().copied()) {
                if let Some(Element::Origin(i)) = self.new.lookup(&self.old.origins[o as usize].id) {
                    origins.push(i);
                }
            }
            origins.sort_unstable();
            origins.dedup();
            let in_failure = |i: u32, j: u32| {
                let (was, now) = (&self.oa.normal[i as usize].end, &self.na.normal[j as usize].end);
                (
                    old_ends.get(&i).copied().unwrap_or(was),
                    new_ends.get(&j).copied().unwrap_or(now),
                )
            };
            // Calls that move normally are normal moves, reported as such.
            let normal_moves = |i: u32, j: u32| {
                let (was, now) = (&self.oa.normal[i as usize].end, &self.na.normal[j as usize].end);
                psap_of(self.old, was) != psap_of(self.new, now)
            };
            let mut moved = self.moved(origins, Some(&d.name), &in_failure, &normal_moves);
            moved.sort_by(|a, b| (a.origin, &a.calls).cmp(&(b.origin, &b.calls)));
            out.extend(moved);
        }
        out.sort_by(|a, b| a.domain.cmp(&b.domain));
        out
    }

    /// The moved calls of `origins` (new-table indices) between the ends of each pair.
    fn moved(
        &self,
        origins: impl IntoIterator<Item = u32>,
        domain: Option<&String>,
        ends: &Ends<'_>,
        skip: &dyn Fn(u32, u32) -> bool,
    ) -> Vec<CallsMove> {
        // Origins of one old group, one new group and one kind move the same calls (the
        // words leave out what every call of the kind is).
        let mut cache: HashMap<(u32, u32, crate::model::OriginKind), Vec<MovedCalls>> = HashMap::new();
        let mut out = Vec::new();
        for o in origins {
            let (Some(oc), nc) = (
                self.old_class.get(&self.new.origins[o as usize].id),
                self.new_class[o as usize],
            ) else {
                continue;
            };
            if nc == u32::MAX {
                continue;
            }
            let kind = self.new.origins[o as usize].kind;
            let pairs = cache
                .entry((oc, nc, kind))
                .or_insert_with(|| self.pairs(oc, nc, kind, ends, skip));
            for (i, j, calls) in pairs.iter() {
                let (before, after) = ends(*i, *j);
                out.push(CallsMove {
                    domain: domain.cloned(),
                    origin: o,
                    before: before.delivered_to(),
                    after: after.delivered_to(),
                    calls: calls.clone(),
                });
            }
        }
        out
    }

    /// The pairs of branches of an origin in `oc`'s and `nc`'s groups whose calls move, in words.
    fn pairs(
        &self,
        oc: u32,
        nc: u32,
        kind: crate::model::OriginKind,
        ends: &Ends<'_>,
        skip: &dyn Fn(u32, u32) -> bool,
    ) -> Vec<MovedCalls> {
        let (old_group, new_group) = (
            group_of(&self.old_groups, self.oa, oc),
            group_of(&self.new_groups, self.na, nc),
        );
        if old_group.len() == 1 && new_group.len() == 1 {
            return Vec::new();
        }
        let base = Branch {
            facts: self.words.base_facts(kind),
            ..Branch::default()
        };
        self.moved_branches(old_group, new_group, ends, skip)
            .into_iter()
            .map(|(i, j, calls)| {
                let words = self.words.branch_words(&calls, &base);
                (i, j, if words.is_empty() { "some calls".into() } else { words })
            })
            .collect()
    }

    /// (old class, new class, the calls of both) of the branch pairs of one origin that end
    /// at different PSAPs, but for the pair of usual calls and the calls that move with it.
    fn moved_branches(
        &self,
        old_group: &[u32],
        new_group: &[u32],
        ends: &Ends<'_>,
        skip: &dyn Fn(u32, u32) -> bool,
    ) -> Vec<(u32, u32, Branch)> {
        let psaps = |i: u32, j: u32| {
            let (was, now) = ends(i, j);
            (psap_of(self.old, was), psap_of(self.new, now))
        };
        // Calls that move as the usual call does are its move, already told.
        let usual = psaps(old_group[0], new_group[0]);
        let mut out = Vec::new();
        for &i in old_group {
            let was = self.map.carry(&self.oa.classes[i as usize].branch, self.new_has_net);
            for &j in new_group {
                if self.oa.classes[i as usize].usual && self.na.classes[j as usize].usual {
                    continue; // the usual call: a move of it is a Move
                }
                let now = &self.na.classes[j as usize].branch;
                let Some(both) = was.meet(now, &self.words.facts) else {
                    continue;
                };
                let (before, after) = psaps(i, j);
                if before != after && (before, after) != usual && !skip(i, j) {
                    out.push((i, j, both));
                }
            }
        }
        // The calls that move between the same PSAPs, joined where they differ in one fact
        // or the time only: "calls with SdpOffer rtt=true", not one piece per time slice.
        let mut by_ends: Vec<((u32, u32), Vec<Branch>)> = Vec::new();
        for (i, j, both) in out {
            match by_ends.iter_mut().find(|((a, b), _)| psaps(*a, *b) == psaps(i, j)) {
                Some((_, calls)) => calls.push(both),
                None => by_ends.push(((i, j), vec![both])),
            }
        }
        by_ends
            .into_iter()
            .flat_map(|((i, j), calls)| merged(calls).into_iter().map(move |b| (i, j, b)))
            .collect()
    }
}

/// Each failure domain's run, by name: the classes it re-walked and how they ended.
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
            .filter(|&&c| na.classes[c as usize].usual)
            .flat_map(|&c| na.classes[c as usize].origins.iter().copied())
            .collect();
        #[allow(clippy::iter_over_hash_type, reason = "the origins are sorted below")]
        for &c in old_ends.keys() {
            for &o in oa.classes[c as usize].origins.iter() {
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
