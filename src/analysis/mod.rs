//! Plays every origin's calls through the table under every analysed scenario (SPEC §2).
//!
//! Origins that every rule treats alike (same ingress; ESNs between the same rule bounds; kind
//! and county only where rules look at them; not named by any `match.origin`) are one *route
//! class*, walked once. A failure domain or busy PSAP can
//! only change the walks that consulted one of its elements, so each scenario re-walks just
//! those classes (found through an index from node to classes).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

mod branches;
mod classes;
mod moves;

pub use branches::Exploration;
pub use classes::route_classes;
pub use moves::{CallsMove, FailoverMove, Move, Pairing, failover_moves, moves};

use crate::engine::{Branch, Conditions, Disposition, PolicyNet, RuleUse, Trace, Walker};
use crate::finding::ScenarioLabel;
use crate::model::{Node, Table};

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
    /// How every walk ended: each class under normal conditions, then each scenario's
    /// re-walked classes (scenario, class, end), read once — a national analysis has millions.
    pub fn every_end(&self) -> impl Iterator<Item = (Scenario, u32, &Disposition)> {
        let normal = self
            .normal
            .iter()
            .enumerate()
            .map(|(c, t)| (Scenario::Normal, c as u32, &t.end));
        let runs = self
            .runs
            .iter()
            .flat_map(|run| run.ends.iter().map(move |(c, end)| (run.scenario.clone(), *c, end)));
        normal.chain(runs)
    }

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
