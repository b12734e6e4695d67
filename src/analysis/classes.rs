//! Route classes: origins that every rule they can meet treats alike, walked once.

use std::collections::{HashMap, HashSet};

use super::RouteClass;
use crate::engine::{Branch, PolicyNet};
use crate::model::{Node, Table};

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
    /// Whether calls reach an ESRP routed by policies.
    by_policy: bool,
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
            by_policy: false,
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
///
/// Calls that reach an ESRP routed by policies (SPEC §9) are told apart also by what the
/// policies can ask of them without a choice: the kind of origin (voice or text) and the
/// ECRF's answers at its location.
pub fn route_classes(table: &Table, net: Option<&PolicyNet<'_>>) -> Vec<RouteClass> {
    type Key<'a> = (
        u32,
        u32,
        Option<crate::model::OriginKind>,
        Option<u32>,
        Option<&'a str>,
        Option<&'a [(u8, u32)]>,
    );
    // Origins with one ingress list reach the same routers: one view of their rules each.
    let mut by_ingress: HashMap<Vec<Option<Node>>, u32> = HashMap::new();
    let mut views: Vec<RuleView<'_>> = Vec::new();
    // County names repeat across origins: each spelling is folded and looked up once a view.
    let mut county_of: HashMap<(u32, &str), Option<u32>> = HashMap::new();
    let mut index: HashMap<Key<'_>, u32> = HashMap::new();
    let mut classes: Vec<(Branch, Vec<u32>)> = Vec::new();
    for (i, o) in table.origins.iter().enumerate() {
        let ingress: Vec<Option<Node>> = o.ingress.iter().map(|l| l.target()).collect();
        let v = match by_ingress.get(&ingress) {
            Some(&v) => v,
            None => {
                let routers = reachable_routers(table, &ingress);
                let by_policy = net.is_some() && routers.iter().any(|&r| table.routers[r as usize].queue.is_some());
                // A policy can route a call to any router: every router's rules may meet it.
                let routers = if by_policy {
                    (0..table.routers.len() as u32).collect()
                } else {
                    routers
                };
                let mut view = RuleView::new(table, &routers);
                view.by_policy = by_policy;
                views.push(view);
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
            (view.any_kind_rule || view.by_policy).then_some(o.kind),
            county,
            own,
            net.filter(|_| view.by_policy).map(|n| n.answers.of(i as u32)),
        );
        let next = classes.len() as u32;
        let c = *index.entry(key).or_insert(next);
        if c == next {
            let branch = match net.filter(|_| view.by_policy) {
                Some(n) => Branch {
                    facts: n.base_facts(o.kind),
                    ..Branch::default()
                },
                None => Branch::default(),
            };
            classes.push((branch, Vec::new()));
        }
        classes[c as usize].1.push(i as u32);
    }
    classes
        .into_iter()
        .map(|(branch, origins)| RouteClass {
            origins: origins.into(),
            branch,
            usual: true,
        })
        .collect()
}
