//! The routing graph as Graphviz DOT and as a Mermaid flowchart.

use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::mermaid_id;
use crate::graph::{Edge, Vertex, name};

/// A label inside double quotes (DOT and Mermaid): inert, no quote or backslash of the table's.
fn label(v: &Vertex) -> String {
    raw_label(v)
        .split("\\n")
        .map(|part| super::escape::short(part, 80).replace(['"', '\\'], "'"))
        .collect::<Vec<_>>()
        .join("\\n")
}

fn raw_label(v: &Vertex) -> String {
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
struct Drawn {
    from: NodeIndex,
    to: NodeIndex,
    /// The first edge's kind, for its style.
    kind: Edge,
    label: String,
}

/// The style group an edge belongs to: rules and the default are one route.
fn group(e: &Edge) -> u8 {
    match e {
        Edge::Ingress { first: true } => 0,
        Edge::Ingress { first: false } => 1,
        Edge::Rule(_) | Edge::Default => 2,
        Edge::Mate => 3,
        Edge::Alternate => 4,
        Edge::Overflow => 5,
    }
}

/// (from, to, style group) → (first edge's kind, rule numbers, whether the default goes there).
type Merged = std::collections::BTreeMap<(NodeIndex, NodeIndex, u8), (Edge, Vec<usize>, bool)>;

fn merged_edges(g: &DiGraph<Vertex, Edge>, keep: &[NodeIndex]) -> Vec<Drawn> {
    let kept: std::collections::HashSet<NodeIndex> = keep.iter().copied().collect();
    let mut by = Merged::new();
    for e in g
        .edge_references()
        .filter(|e| kept.contains(&e.source()) && kept.contains(&e.target()))
    {
        let (mut from, mut to) = (e.source(), e.target());
        if *e.weight() == Edge::Mate && from > to {
            std::mem::swap(&mut from, &mut to); // a mate pair is one edge
        }
        let entry = by
            .entry((from, to, group(e.weight())))
            .or_insert((e.weight().clone(), Vec::new(), false));
        match e.weight() {
            Edge::Rule(k) => entry.1.push(k + 1),
            Edge::Default => entry.2 = true,
            _ => {}
        }
    }
    by.into_iter()
        .map(|((from, to, _), (kind, mut rules, default))| {
            rules.sort_unstable();
            rules.dedup();
            let label = match kind {
                Edge::Rule(_) | Edge::Default => {
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
            };
            Drawn { from, to, kind, label }
        })
        .collect()
}

/// Mermaid's default limit on edges (`maxEdges`): beyond it, a chart is not drawn.
const MERMAID_MAX_EDGES: usize = 500;

/// A DOT id: the vertex name quoted, so distinct names stay distinct (`x-911`, `x_911`).
fn dot_id(v: &Vertex) -> String {
    format!("\"{}\"", name(v).replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz DOT.
pub fn dot(g: &DiGraph<Vertex, Edge>, keep: &[NodeIndex]) -> String {
    let mut out = String::from("digraph routing {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for &i in keep {
        let shape = match &g[i] {
            Vertex::Origins { .. } => "shape=folder, style=filled, fillcolor=\"#eef3fb\"",
            Vertex::Router(_) => "shape=box, style=\"rounded,filled\", fillcolor=\"#fff4d6\"",
            Vertex::Psap(..) => "shape=doubleoctagon, style=filled, fillcolor=\"#e3f6e3\"",
        };
        let _ = writeln!(out, "  {} [label=\"{}\", {shape}];", dot_id(&g[i]), label(&g[i]));
    }
    for e in merged_edges(g, keep) {
        let style = match e.kind {
            Edge::Ingress { first: false } | Edge::Alternate => "style=dashed",
            Edge::Mate => "style=dotted, dir=both, color=\"#888888\"",
            Edge::Overflow => "style=dotted, color=\"#d07000\"",
            _ => "style=solid",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\", {style}];",
            dot_id(&g[e.from]),
            dot_id(&g[e.to]),
            e.label
        );
    }
    out.push_str(LEGEND);
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
    legend_r -> legend_p [label=\"rules, default\", style=solid];
    legend_p -> legend_p [label=\"alternate (dashed), overflow (dotted orange)\", style=dashed];
  }
";

/// A Mermaid flowchart.
pub fn mermaid(g: &DiGraph<Vertex, Edge>, keep: &[NodeIndex]) -> String {
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
    let edges = merged_edges(g, keep);
    for e in edges.iter().take(MERMAID_MAX_EDGES) {
        let arrow = match e.kind {
            // A mate pair is one edge, labelled "mates" (Mermaid's two-headed dotted arrow is
            // not in every version's grammar).
            Edge::Ingress { first: false } | Edge::Alternate | Edge::Overflow | Edge::Mate => "-.->",
            _ => "-->",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            mermaid_id(&name(&g[e.from])),
            e.label,
            mermaid_id(&name(&g[e.to]))
        );
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
