//! The routing graph as Graphviz DOT and as a Mermaid flowchart.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::mermaid_id;
use crate::graph::{Edge, Focus, Vertex, name};

/// A label inside double quotes (DOT and Mermaid): inert, no quote or backslash of the table's.
fn label(v: &Vertex) -> String {
    raw_label(v)
        .split("\\n")
        .map(|part| super::escape::short(part, 80).replace(['"', '\\'], "'"))
        .collect::<Vec<_>>()
        .join("\\n")
}

pub(super) fn raw_label(v: &Vertex) -> String {
    match v {
        Vertex::Origins { state, county, count } => {
            let place = if state.is_empty() {
                county.clone()
            } else {
                format!("{county}, {state}")
            };
            format!("{place}\\n{count} origins")
        }
        Vertex::Router(id) | Vertex::Psap(id, None) => id.clone(),
        // The name a board member knows, the id an engineer greps for.
        Vertex::Psap(id, Some(name)) => format!("{name}\\n{id}"),
    }
}

/// One drawn edge: every parallel edge of one kind between two vertices, merged, with what
/// it carries ("rules 1, 2, 5; default"). A mate pair is drawn once.
pub(super) struct Drawn {
    pub(super) from: NodeIndex,
    pub(super) to: NodeIndex,
    /// The first edge's kind, for its style.
    pub(super) kind: Edge,
    pub(super) label: String,
    /// For a route: what its rules match, and "default" — the calls it takes, compared
    /// between mates (rule numbers may differ where the calls do not).
    pub(super) carries: BTreeSet<String>,
}

/// The style group an edge belongs to: rules and the default are one route.
fn group(e: &Edge) -> u8 {
    match e {
        Edge::Ingress { first: true } => 0,
        Edge::Ingress { first: false } => 1,
        Edge::Rule(..) | Edge::Default => 2,
        Edge::Mate => 3,
        Edge::Alternate => 4,
        Edge::Overflow => 5,
        Edge::Policy { diversion: false, .. } => 6,
        Edge::Policy { diversion: true, .. } => 7,
    }
}

/// (from, to, style group) → (first edge's kind, rule numbers, whether the default goes
/// there, what the edge carries: for policy routes, the rule ids).
type Merged = BTreeMap<(NodeIndex, NodeIndex, u8), (Edge, Vec<usize>, bool, BTreeSet<String>)>;

pub(super) fn merged_edges(g: &DiGraph<Vertex, Edge>, keep: &[NodeIndex]) -> Vec<Drawn> {
    let kept: HashSet<NodeIndex> = keep.iter().copied().collect();
    let mut by = Merged::new();
    for e in g
        .edge_references()
        .filter(|e| kept.contains(&e.source()) && kept.contains(&e.target()))
    {
        let (mut from, mut to) = (e.source(), e.target());
        if *e.weight() == Edge::Mate && from > to {
            std::mem::swap(&mut from, &mut to); // a mate pair is one edge
        }
        let entry =
            by.entry((from, to, group(e.weight())))
                .or_insert((e.weight().clone(), Vec::new(), false, BTreeSet::new()));
        match e.weight() {
            Edge::Rule(k, carries) => {
                entry.1.push(k + 1);
                entry.3.insert(carries.clone());
            }
            Edge::Default => {
                entry.2 = true;
                entry.3.insert("default".into());
            }
            Edge::Policy { rule, .. } => {
                entry.3.insert(rule.clone());
            }
            _ => {}
        }
    }
    by.into_iter()
        .map(|((from, to, _), (kind, mut rules, default, carries))| {
            rules.sort_unstable();
            rules.dedup();
            let label = match kind {
                Edge::Rule(..) | Edge::Default => {
                    let mut parts = Vec::new();
                    if !rules.is_empty() {
                        let shown: Vec<String> = rules.iter().take(6).map(|r| r.to_string()).collect();
                        let more = if rules.len() > 6 {
                            format!(" +{}", rules.len() - 6)
                        } else {
                            String::new()
                        };
                        let noun = if rules.len() == 1 { "rule" } else { "rules" };
                        parts.push(format!("{noun} {}{more}", shown.join(", ")));
                    }
                    if default {
                        parts.push("default".into());
                    }
                    parts.join("; ")
                }
                Edge::Ingress { first: true } => "ingress".into(),
                Edge::Ingress { first: false } => "ingress (backup)".into(),
                Edge::Mate => "mates".into(),
                Edge::Alternate => "alternate".into(),
                Edge::Overflow => "overflow".into(),
                Edge::Policy { diversion, .. } => policy_label(&carries, diversion),
            };
            Drawn {
                from,
                to,
                kind,
                label,
                carries,
            }
        })
        .collect()
}

/// "policy nn-main" for the usual route, "diversion nn-full, nn-down" for the others: the
/// rule ids (at most six, then "+N"), inert and without quotes.
fn policy_label(rules: &BTreeSet<String>, diversion: bool) -> String {
    let shown: Vec<String> = rules
        .iter()
        .take(6)
        .map(|r| super::escape::short(r, 40).replace(['"', '\\', '|'], "'"))
        .collect();
    let more = if rules.len() > 6 {
        format!(" +{}", rules.len() - 6)
    } else {
        String::new()
    };
    let what = if diversion { "diversion" } else { "policy" };
    format!("{what} {}{more}", shown.join(", "))
}

/// Mermaid's default limit on edges (`maxEdges`): beyond it, a chart is not drawn.
const MERMAID_MAX_EDGES: usize = 500;

/// A DOT id: the vertex name quoted, so distinct names stay distinct (`x-911`, `x_911`).
fn dot_id(v: &Vertex) -> String {
    format!("\"{}\"", name(v).replace('\\', "\\\\").replace('"', "\\\""))
}

/// Mated routers among the drawn vertices, as groups (each group's first member leads).
pub(super) fn mate_groups(drawn: &[Drawn]) -> Vec<Vec<NodeIndex>> {
    let mut groups: Vec<Vec<NodeIndex>> = Vec::new();
    for e in drawn.iter().filter(|e| e.kind == Edge::Mate) {
        let find = |groups: &Vec<Vec<NodeIndex>>, n| groups.iter().position(|g| g.contains(&n));
        match (find(&groups, e.from), find(&groups, e.to)) {
            (Some(a), Some(b)) if a != b => {
                let merged = groups.remove(a.max(b));
                groups[a.min(b)].extend(merged);
            }
            (Some(a), None) => groups[a].push(e.to),
            (None, Some(b)) => groups[b].push(e.from),
            (None, None) => groups.push(vec![e.from, e.to]),
            _ => {}
        }
    }
    for g in &mut groups {
        g.sort_unstable();
    }
    groups
}

/// How a drawn edge looks once mated routers are one cluster: a route every mate has, carrying
/// the same calls, is drawn once, from the cluster; a route some mate lacks or carries other
/// calls on stands out, with what only this mate sends there — a failover to the mate would
/// send those calls elsewhere; a mate edge inside a cluster is not drawn (the cluster shows it).
#[derive(Clone, PartialEq)]
pub(super) enum Look {
    Plain,
    FromCluster(usize),
    /// What only this mate sends there (never empty).
    Only(Vec<String>),
}

pub(super) fn looks(drawn: &[Drawn], groups: &[Vec<NodeIndex>]) -> Vec<Option<Look>> {
    let routes: HashMap<(NodeIndex, NodeIndex), &BTreeSet<String>> = drawn
        .iter()
        .filter(|e| matches!(e.kind, Edge::Rule(..) | Edge::Default))
        .map(|e| ((e.from, e.to), &e.carries))
        .collect();
    let group_of = |n: NodeIndex| groups.iter().position(|g| g.contains(&n));
    drawn
        .iter()
        .map(|e| match (&e.kind, group_of(e.from)) {
            (Edge::Mate, Some(c)) if groups[c].contains(&e.to) => None,
            (Edge::Rule(..) | Edge::Default, Some(c)) => {
                let others = groups[c].iter().filter(|&&m| m != e.from);
                if others.clone().all(|&m| routes.get(&(m, e.to)) == Some(&&e.carries)) {
                    if groups[c][0] == e.from {
                        Some(Look::FromCluster(c))
                    } else {
                        None
                    }
                } else {
                    let only: Vec<String> = e
                        .carries
                        .iter()
                        .filter(|what| {
                            !others
                                .clone()
                                .all(|m| routes.get(&(*m, e.to)).is_some_and(|c| c.contains(*what)))
                        })
                        .cloned()
                        .collect();
                    // One that only sends less than its mates is drawn plain: what the others
                    // send elsewhere is marked on their edges.
                    Some(if only.is_empty() { Look::Plain } else { Look::Only(only) })
                }
            }
            _ => Some(Look::Plain),
        })
        .collect()
}

/// "rule 1 (only esrp-den)" where no mate routes there, else what this mate alone sends there:
/// "rule 1; default (only esrp-cos: esn 400-409)".
pub(super) fn only_label(g: &DiGraph<Vertex, Edge>, e: &Drawn, only: &[String]) -> String {
    let router = label(&g[e.from]);
    let router = router.split("\\n").next().unwrap_or_default();
    if only.len() == e.carries.len() {
        return format!("{} (only {router})", e.label);
    }
    let shown: Vec<String> = only
        .iter()
        .take(3)
        .map(|w| super::escape::short(w, 60).replace(['"', '\\', '|'], "'"))
        .collect();
    let more = if only.len() > 3 {
        format!(" +{}", only.len() - 3)
    } else {
        String::new()
    };
    format!("{} (only {router}: {}{more})", e.label, shown.join(" / "))
}

/// Graphviz DOT.
pub fn dot(g: &DiGraph<Vertex, Edge>, shown: &Focus) -> String {
    let keep = &shown.keep;
    let mut out =
        String::from("digraph routing {\n  rankdir=LR;\n  compound=true;\n  node [fontname=\"Helvetica\"];\n");
    for &i in keep {
        let shape = match &g[i] {
            Vertex::Origins { .. } => "shape=folder, style=filled, fillcolor=\"#eef3fb\"",
            Vertex::Router(_) => "shape=box, style=\"rounded,filled\", fillcolor=\"#fff4d6\"",
            Vertex::Psap(..) => "shape=doubleoctagon, style=filled, fillcolor=\"#e3f6e3\"",
        };
        let _ = writeln!(out, "  {} [label=\"{}\", {shape}];", dot_id(&g[i]), label(&g[i]));
    }
    let drawn = merged_edges(g, keep);
    let groups = mate_groups(&drawn);
    for (c, members) in groups.iter().enumerate() {
        let ids: Vec<String> = members.iter().map(|&m| dot_id(&g[m])).collect();
        let _ = writeln!(
            out,
            "  subgraph cluster_mates_{c} {{ label=\"mates\"; style=dashed; color=\"#888888\"; {}; }}",
            ids.join("; ")
        );
    }
    for (e, look) in drawn.iter().zip(looks(&drawn, &groups)) {
        let Some(look) = look else { continue };
        let mut style = match e.kind {
            Edge::Ingress { first: false } | Edge::Alternate => "style=dashed".to_string(),
            Edge::Mate => "style=dotted, dir=both, color=\"#888888\"".into(),
            Edge::Overflow => "style=dotted, color=\"#d07000\"".into(),
            Edge::Policy { diversion: false, .. } => format!("style=solid, color=\"{POLICY}\", fontcolor=\"{POLICY}\""),
            Edge::Policy { diversion: true, .. } => format!("style=dashed, color=\"{POLICY}\", fontcolor=\"{POLICY}\""),
            _ => "style=solid".into(),
        };
        let mut text = e.label.clone();
        match look {
            Look::Plain => {}
            Look::FromCluster(c) => style.push_str(&format!(", ltail=cluster_mates_{c}")),
            Look::Only(only) => {
                style.push_str(", color=\"#c01c28\", fontcolor=\"#c01c28\", penwidth=2");
                text = only_label(g, e, &only);
            }
        }
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\", {style}];",
            dot_id(&g[e.from]),
            dot_id(&g[e.to]),
            text
        );
    }
    for (&(n, kind), count) in &shown.more {
        let what = crate::graph::KINDS[kind as usize];
        let more = format!(
            "\"more:{kind}:{}\"",
            name(&g[n]).replace('\\', "\\\\").replace('"', "\\\"")
        );
        let _ = writeln!(out, "  {more} [label=\"+{count} more {what}\", shape=plaintext];");
        let _ = writeln!(out, "  {} -> {more} [style=dotted, arrowhead=none];", dot_id(&g[n]));
    }
    let legend = if drawn.iter().any(|e| matches!(e.kind, Edge::Policy { .. })) {
        // The policy line goes inside the legend's cluster, before its closing brace.
        LEGEND.replacen("  }\n", &format!("{POLICY_LEGEND}  }}\n"), 1)
    } else {
        LEGEND.to_string()
    };
    out.push_str(&legend);
    out.push_str("}\n");
    out
}

/// What the shapes and lines of the DOT picture mean.
const LEGEND: &str = "  subgraph cluster_legend {
    label=\"legend\"; fontname=\"Helvetica\"; style=dashed; color=\"#bbbbbb\";
    node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];
    legend_o [label=\"origins of a county\", shape=folder, style=filled, fillcolor=\"#eef3fb\"];
    legend_r [label=\"router (ESRP, selective router)\", shape=box, style=\"rounded,filled\", fillcolor=\"#fff4d6\"];
    legend_p [label=\"PSAP (name, id)\", shape=doubleoctagon, style=filled, fillcolor=\"#e3f6e3\"];
    legend_o -> legend_r [label=\"ingress; dashed: backup\", style=solid];
    legend_r -> legend_p [label=\"rules, default; red: only one of two mates\", style=solid];
    legend_p -> legend_p [label=\"alternate (dashed), overflow (dotted orange)\", style=dashed];
  }
";

/// The legend's line for routes policies take (drawn when some are).
const POLICY_LEGEND: &str = "    legend_r -> legend_p [label=\"policy rule's route (purple; dashed: a diversion)\", style=solid, color=\"#613583\", fontcolor=\"#613583\"];
";

/// The colour of routes that policies take.
const POLICY: &str = "#613583";

/// A Mermaid flowchart.
pub fn mermaid(g: &DiGraph<Vertex, Edge>, shown: &Focus) -> String {
    let keep = &shown.keep;
    let mut out = String::from("flowchart LR\n");
    for &i in keep {
        let text = label(&g[i]).replace("\\n", "<br/>");
        let id = mermaid_id(&name(&g[i]));
        let node = match &g[i] {
            Vertex::Origins { .. } => format!("{id}[/\"{text}\"/]"),
            Vertex::Router(_) => format!("{id}([\"{text}\"])"),
            Vertex::Psap(..) => format!("{id}{{{{\"{text}\"}}}}"),
        };
        let _ = writeln!(out, "  {node}");
    }
    let drawn = merged_edges(g, keep);
    let groups = mate_groups(&drawn);
    for (c, members) in groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph n_mates_{c} [mates]");
        for &m in members {
            let _ = writeln!(out, "    {}", mermaid_id(&name(&g[m])));
        }
        out.push_str("  end\n");
    }
    let edges: Vec<(&Drawn, Look)> = drawn
        .iter()
        .zip(looks(&drawn, &groups))
        .filter_map(|(e, look)| Some((e, look?)))
        .collect();
    for (e, look) in edges.iter().take(MERMAID_MAX_EDGES) {
        let arrow = match e.kind {
            // Mermaid's two-headed dotted arrow is not in every version's grammar.
            Edge::Ingress { first: false }
            | Edge::Alternate
            | Edge::Overflow
            | Edge::Mate
            | Edge::Policy { diversion: true, .. } => "-.->",
            _ => "-->",
        };
        let (from, text) = match look {
            Look::FromCluster(c) => (format!("n_mates_{c}"), e.label.clone()),
            Look::Only(only) => (mermaid_id(&name(&g[e.from])), only_label(g, e, only)),
            Look::Plain => (mermaid_id(&name(&g[e.from])), e.label.clone()),
        };
        let _ = writeln!(out, "  {from} {arrow}|\"{text}\"| {}", mermaid_id(&name(&g[e.to])));
    }
    // Routes only one mate has, in red (links are numbered in the order they are written).
    for (k, _) in edges
        .iter()
        .take(MERMAID_MAX_EDGES)
        .enumerate()
        .filter(|(_, (_, l))| matches!(l, Look::Only(_)))
    {
        let _ = writeln!(out, "  linkStyle {k} stroke:#c01c28,stroke-width:2px");
    }
    // Routes policies take, in the policy colour.
    for (k, _) in edges
        .iter()
        .take(MERMAID_MAX_EDGES)
        .enumerate()
        .filter(|(_, (e, _))| matches!(e.kind, Edge::Policy { .. }))
    {
        let _ = writeln!(out, "  linkStyle {k} stroke:{POLICY},color:{POLICY}");
    }
    for (&(n, kind), count) in &shown.more {
        let id = mermaid_id(&name(&g[n]));
        let what = crate::graph::KINDS[kind as usize];
        let _ = writeln!(out, "  {id}_more{kind}[\"+{count} more {what}\"]");
        let _ = writeln!(out, "  {id} -.-> {id}_more{kind}");
    }
    if edges.len() > MERMAID_MAX_EDGES {
        let _ = writeln!(
            out,
            "  %% psapguard: {} more edges not drawn (Mermaid draws at most {MERMAID_MAX_EDGES}); use --focus ID or --format dot",
            edges.len() - MERMAID_MAX_EDGES
        );
    }
    out
}
