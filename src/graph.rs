//! The routing graph as a picture (`psapguard graph`): origins grouped by county, routers,
//! PSAPs, and the rule, default, mate, alternate and overflow edges between them; an ESRP
//! routed by NENA i3 policies (SPEC §9) has an edge to each PSAP or router its policies route
//! to, through the next-hop policies they invoke.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{Condition, Match, Node, PolicyKind, PolicyRule, PolicyStore, Table};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Vertex {
    /// Origins of one county (state, county, how many).
    Origins {
        state: String,
        county: String,
        count: usize,
    },
    Router(String),
    /// A PSAP's id and its name, if the table gives one.
    Psap(String, Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    /// An origin group's trunk; `first` for the preferred ingress.
    Ingress {
        first: bool,
    },
    /// A rule's number and what it matches ("esn 400-409; county adams"): two mates' routes
    /// to one PSAP are alike only when they carry the same calls.
    Rule(usize, String),
    Default,
    Mate,
    Alternate,
    Overflow,
    /// A policy rule's route (its `id`): `diversion` when the rule, or one that invoked its
    /// policy, holds only on the state of the network, the clock or the kind of call — not
    /// the route a usual call takes.
    Policy {
        rule: String,
        diversion: bool,
    },
}

/// Origins of one county: how many, and their (ingress rank, router) pairs.
type OriginGroup = (usize, BTreeSet<(usize, Node)>);

/// Builds the routing graph; `today` decides which policies are in force.
pub fn build(table: &Table, today: &str) -> DiGraph<Vertex, Edge> {
    let mut g = DiGraph::new();
    let mut nodes: HashMap<Node, NodeIndex> = HashMap::new();
    for (i, r) in table.routers.iter().enumerate() {
        nodes.insert(Node::Router(i as u32), g.add_node(Vertex::Router(r.id.clone())));
    }
    for (i, p) in table.psaps.iter().enumerate() {
        nodes.insert(
            Node::Psap(i as u32),
            g.add_node(Vertex::Psap(p.id.clone(), p.name.clone())),
        );
    }
    // Origins by (state, county) so a state table stays readable.
    let mut groups: BTreeMap<(String, String), OriginGroup> = BTreeMap::new();
    for o in &table.origins {
        let key = (
            o.state.as_deref().unwrap_or_default().to_string(),
            o.county.as_deref().unwrap_or("(no county)").to_string(),
        );
        let e = groups.entry(key).or_default();
        e.0 += 1;
        for (k, l) in o.ingress.iter().enumerate() {
            if let Some(n) = l.target() {
                e.1.insert((usize::from(k > 0), n));
            }
        }
    }
    for ((state, county), (count, ingress)) in groups {
        let v = g.add_node(Vertex::Origins { state, county, count });
        let mut seen = Vec::new();
        for (rank, n) in ingress {
            if !seen.contains(&n) {
                seen.push(n);
                g.add_edge(v, nodes[&n], Edge::Ingress { first: rank == 0 });
            }
        }
    }
    let link = |g: &mut DiGraph<Vertex, Edge>, from: Node, to: Option<Node>, e: Edge| {
        if let Some(t) = to {
            g.add_edge(nodes[&from], nodes[&t], e);
        }
    };
    for (i, r) in table.routers.iter().enumerate() {
        let me = Node::Router(i as u32);
        for (k, rule) in r.rules.iter().enumerate() {
            link(&mut g, me, rule.to.target(), Edge::Rule(k, carries(&rule.matcher)));
        }
        if let Some(d) = &r.default {
            link(&mut g, me, d.target(), Edge::Default);
        }
        for m in &r.mate {
            link(&mut g, me, m.target(), Edge::Mate);
        }
    }
    let store = PolicyStore::new(table, today);
    for (i, r) in table.routers.iter().enumerate() {
        let me = Node::Router(i as u32);
        let entry = r.queue.as_deref().and_then(|q| store.find(PolicyKind::Origination, q));
        for (rule, target, diversion) in policy_routes(&store, entry) {
            link(&mut g, me, Some(target), Edge::Policy { rule, diversion });
        }
    }
    for (i, p) in table.psaps.iter().enumerate() {
        let me = Node::Psap(i as u32);
        for a in &p.alternate {
            link(&mut g, me, a.target(), Edge::Alternate);
        }
        for o in &p.overflow {
            link(&mut g, me, o.target(), Edge::Overflow);
        }
    }
    g
}

/// Where the policy `entry` (an ESRP's OriginationRoutePolicy) can send a call: (rule id,
/// the PSAP or router its `recipientUri` names, whether that is a diversion), following
/// invocations — one without `policyQueueName` into every NormalNextHopRoutePolicy, since the
/// ECRF may answer any PSAP. Each policy is followed once; a route to a router ends there
/// (that router's own routing is drawn from it).
fn policy_routes(store: &PolicyStore<'_>, entry: Option<u32>) -> BTreeSet<(String, Node, bool)> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut pending: Vec<(u32, bool)> = entry.map(|p| (p, false)).into_iter().collect();
    while let Some((policy, diverted)) = pending.pop() {
        if !seen.insert((policy, diverted)) {
            continue;
        }
        let rules = &store.policies[policy as usize].rules;
        for (rule, diverts) in rules.iter().zip(diversions(rules)) {
            let diversion = diverted || diverts;
            let Some(action) = rule.routing_action() else {
                continue;
            };
            let text = |name: &str| action.field(name).and_then(|v| v.value.as_str());
            match action.kind.as_str() {
                "RouteAction" => {
                    if let Some(target) = text("recipientUri").and_then(|uri| store.queue(uri)) {
                        out.insert((rule.id.clone(), target, diversion));
                    }
                }
                "InvokePolicyAction" => {
                    let invoked = invoked(store, text("policyType"), text("policyQueueName").or(text("policyId")));
                    pending.extend(invoked.into_iter().map(|p| (p, diversion)));
                }
                _ => {}
            }
        }
    }
    out
}

/// The policies an `InvokePolicyAction` can run.
fn invoked(store: &PolicyStore<'_>, policy_type: Option<&str>, key: Option<&str>) -> Vec<u32> {
    let Some(kind) = policy_type.and_then(PolicyKind::of) else {
        return Vec::new();
    };
    match key {
        Some(key) => store.find(kind, key).into_iter().collect(),
        // The call's Normal-NextHop: whichever PSAP the ECRF answers.
        None if kind == PolicyKind::NormalNextHop => (0..store.policies.len() as u32)
            .filter(|&p| store.kinds[p as usize] == kind)
            .collect(),
        None => Vec::new(),
    }
}

/// How a condition stands while nothing has failed and nothing is busy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Normally {
    Holds,
    Fails,
    /// It depends on where the call is (the ECRF's answer, its Normal-NextHop, the queue it
    /// came in on): it picks among usual routes.
    Where,
}

/// A condition's standing in the normal state. Queue and service states are `Active` and
/// `Normal` then; a condition on the time or on the kind of call holds only for some calls,
/// so a rule with one diverts them.
fn normally(c: &Condition) -> Normally {
    const WHERE: &[&str] = &[
        "LostServiceUrnCondition",
        "NormalNextHopCondition",
        "IncomingQueueCondition",
        "LocationCondition",
    ];
    if WHERE.contains(&c.kind.as_str()) {
        return Normally::Where;
    }
    let normal_value = match c.kind.as_str() {
        "QueueStateCondition" => "Active",
        "ServiceStateCondition" => "Normal",
        _ => return Normally::Fails,
    };
    let text = |name: &str| c.field(name).and_then(|v| v.value.as_str());
    let equal = text("value") == Some(normal_value);
    let holds = match text("condition") {
        Some("NE") => !equal,
        _ => equal,
    };
    if holds != c.negation {
        Normally::Holds
    } else {
        Normally::Fails
    }
}

/// For each rule (in the policy's order), whether its route is a diversion: the rule holds
/// only when something has failed or is busy, at some times, or for some kinds of call — or
/// a rule above it (by priority) already takes every call while all is normal, so it is
/// reached only when that one does not hold.
fn diversions(rules: &[PolicyRule]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..rules.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(rules[k].priority));
    let mut out = vec![true; rules.len()];
    for k in order {
        let standing: Vec<Normally> = rules[k].conditions.iter().map(normally).collect();
        if standing.contains(&Normally::Fails) {
            continue;
        }
        out[k] = false;
        if standing.iter().all(|&n| n == Normally::Holds) && rules[k].routing_action().is_some() {
            break;
        }
    }
    out
}

/// What a rule's match takes, written the same for the same calls whatever the order of its
/// lists: "esn 400-409, 500; county adams".
pub fn carries(m: &Match) -> String {
    let mut parts = Vec::new();
    if let Some(esns) = &m.esn {
        let mut esns = esns.clone();
        esns.sort_unstable();
        let shown: Vec<String> = esns
            .iter()
            .map(|&(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") })
            .collect();
        parts.push(format!("esn {}", shown.join(", ")));
    }
    let mut sorted = |what: &str, mut items: Vec<String>| {
        items.sort_unstable();
        items.dedup();
        parts.push(format!("{what} {}", items.join(", ")));
    };
    if let Some(ids) = &m.origin {
        sorted("origin", ids.iter().map(|l| l.name.to_string()).collect());
    }
    if let Some(kinds) = &m.kind {
        sorted("kind", kinds.iter().map(|k| format!("{k:?}").to_lowercase()).collect());
    }
    if let Some(counties) = &m.county {
        // Stored folded by the loader.
        sorted("county", counties.clone());
    }
    parts.join("; ")
}

/// The vertex's unique name: an element id, or `origins:STATE:COUNTY`.
pub fn name(v: &Vertex) -> String {
    match v {
        Vertex::Origins { state, county, .. } => format!("origins:{state}:{county}"),
        Vertex::Router(id) | Vertex::Psap(id, _) => id.clone(),
    }
}

/// Most neighbours of one vertex a focused picture draws; the rest are counted.
pub const MAX_FANOUT: usize = 12;

/// A focused part of the graph: the vertices drawn, and per vertex and kind of neighbour
/// how many were left out (drawn as "+N more PSAPs").
#[derive(Debug, Default)]
pub struct Focus {
    pub keep: Vec<NodeIndex>,
    pub more: BTreeMap<(NodeIndex, u8), usize>,
}

/// The kinds of neighbour a focused picture counts, as `Focus::more` numbers them.
pub const KINDS: [&str; 3] = ["origin groups", "routers", "PSAPs"];

/// The whole graph, nothing left out.
pub fn everything(g: &DiGraph<Vertex, Edge>) -> Focus {
    Focus {
        keep: g.node_indices().collect(),
        more: BTreeMap::new(),
    }
}

/// The part of the graph within `depth` hops (either direction) of `focus`. A vertex with
/// more than [`MAX_FANOUT`] new neighbours keeps the largest origin groups and the first
/// routers and PSAPs by name; the others are counted, so a national router stays readable.
pub fn focus(g: &DiGraph<Vertex, Edge>, focus: &str, depth: usize) -> Result<Focus, crate::error::Error> {
    let start = g.node_indices().find(|&i| name(&g[i]) == focus).ok_or_else(|| {
        let names: Vec<String> = g.node_indices().map(|i| name(&g[i])).collect();
        crate::simulate::unknown(names.iter().map(String::as_str), focus, "router or PSAP")
    })?;
    let mut dist: HashMap<NodeIndex, usize> = HashMap::from([(start, 0)]);
    let mut more = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let d = dist[&n];
        if d == depth {
            continue;
        }
        let mut fresh: Vec<NodeIndex> = g
            .neighbors_directed(n, Direction::Outgoing)
            .chain(g.neighbors_directed(n, Direction::Incoming))
            .filter(|next| !dist.contains_key(next))
            .collect();
        fresh.sort_by_cached_key(|v| importance(&g[*v]));
        fresh.dedup();
        // Each kind of neighbour (origin groups, routers, PSAPs) is capped on its own.
        for kind in 0..3u8 {
            let of_kind: Vec<NodeIndex> = fresh.iter().copied().filter(|v| importance(&g[*v]).0 == kind).collect();
            if of_kind.len() > MAX_FANOUT {
                more.insert((n, kind), of_kind.len() - MAX_FANOUT);
            }
            for next in of_kind.into_iter().take(MAX_FANOUT) {
                dist.insert(next, d + 1);
                queue.push_back(next);
            }
        }
    }
    let mut keep: Vec<NodeIndex> = dist.into_keys().collect();
    keep.sort();
    Ok(Focus { keep, more })
}

/// Which neighbours a capped vertex draws first: the largest origin groups, then routers
/// and PSAPs by name.
fn importance(v: &Vertex) -> (u8, std::cmp::Reverse<usize>, String) {
    match v {
        Vertex::Origins { count, .. } => (0, std::cmp::Reverse(*count), name(v)),
        Vertex::Router(_) => (1, std::cmp::Reverse(0), name(v)),
        Vertex::Psap(..) => (2, std::cmp::Reverse(0), name(v)),
    }
}
