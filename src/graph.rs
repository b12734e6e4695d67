//! The routing graph as a picture (`psapguard graph`): origins grouped by county, routers,
//! PSAPs, and the rule, default, mate, alternate and overflow edges between them.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{Match, Node, Table};

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
}

/// Origins of one county: how many, and their (ingress rank, router) pairs.
type OriginGroup = (usize, BTreeSet<(usize, Node)>);

/// Builds the routing graph.
pub fn build(table: &Table) -> DiGraph<Vertex, Edge> {
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
