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
        Vertex::Router(id) | Vertex::Psap(id) => id.clone(),
    }
}

fn edge_label(e: &Edge) -> String {
    match e {
        Edge::Ingress { first: true } => "ingress".into(),
        Edge::Ingress { first: false } => "ingress (backup)".into(),
        Edge::Rule(k) => format!("rule {}", k + 1),
        Edge::Default => "default".into(),
        Edge::Mate => "mate".into(),
        Edge::Alternate => "alternate".into(),
        Edge::Overflow => "overflow".into(),
    }
}

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
            Vertex::Psap(_) => "shape=doubleoctagon, style=filled, fillcolor=\"#e3f6e3\"",
        };
        let _ = writeln!(out, "  {} [label=\"{}\", {shape}];", dot_id(&g[i]), label(&g[i]));
    }
    for e in g
        .edge_references()
        .filter(|e| keep.contains(&e.source()) && keep.contains(&e.target()))
    {
        let style = match e.weight() {
            Edge::Ingress { first: false } | Edge::Alternate => "style=dashed",
            Edge::Mate => "style=dotted, dir=both, color=\"#888888\"",
            Edge::Overflow => "style=dotted, color=\"#d07000\"",
            _ => "style=solid",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\", {style}];",
            dot_id(&g[e.source()]),
            dot_id(&g[e.target()]),
            edge_label(e.weight())
        );
    }
    out.push_str("}\n");
    out
}

/// A Mermaid flowchart.
pub fn mermaid(g: &DiGraph<Vertex, Edge>, keep: &[NodeIndex]) -> String {
    let mut out = String::from("flowchart LR\n");
    for &i in keep {
        let text = label(&g[i]).replace("\\n", "<br/>");
        let id = mermaid_id(&name(&g[i]));
        let node = match &g[i] {
            Vertex::Origins { .. } => format!("{id}[/\"{text}\"/]"),
            Vertex::Router(_) => format!("{id}([\"{text}\"])"),
            Vertex::Psap(_) => format!("{id}{{{{\"{text}\"}}}}"),
        };
        let _ = writeln!(out, "  {node}");
    }
    for e in g
        .edge_references()
        .filter(|e| keep.contains(&e.source()) && keep.contains(&e.target()))
    {
        let arrow = match e.weight() {
            Edge::Ingress { first: false } | Edge::Alternate | Edge::Overflow | Edge::Mate => "-.->",
            _ => "-->",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            mermaid_id(&name(&g[e.source()])),
            edge_label(e.weight()),
            mermaid_id(&name(&g[e.target()]))
        );
    }
    out
}
