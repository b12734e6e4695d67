//! The routing graph and the failure ranking as inline SVG.
//!
//! The graph is drawn in three columns — origins by county, routers, PSAPs — with the edges
//! merged as `psapguard graph` merges them. Where two mated routers route differently, the
//! edges only one of them has are drawn red: what a failover would change. A national table
//! is capped per column, the rest counted as "+N more".

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::esc;
use crate::analysis::Analysis;
use crate::graph::{Edge, Vertex};
use crate::model::Table;
use crate::report::graph::{Look, looks, mate_groups, merged_edges, raw_label};
use crate::simulate::DomainImpact;

/// Most vertices drawn per column.
const MAX_PER_COLUMN: usize = 40;
const COLUMN_X: [f64; 3] = [10.0, 330.0, 650.0];
const NODE_W: f64 = 260.0;
const NODE_H: f64 = 30.0;
const ROW_H: f64 = 38.0;

fn column(v: &Vertex) -> usize {
    match v {
        Vertex::Origins { .. } => 0,
        Vertex::Router(_) => 1,
        Vertex::Psap(..) => 2,
    }
}

/// The vertices drawn, per column, and how many were left out: the busiest routers (most
/// edges), then the PSAPs and origin groups most connected to them, at most
/// [`MAX_PER_COLUMN`] each, in name order.
fn choose(g: &DiGraph<Vertex, Edge>) -> ([Vec<NodeIndex>; 3], [usize; 3]) {
    let degree = |i: NodeIndex| g.edges(i).count() + g.edges_directed(i, petgraph::Direction::Incoming).count();
    let mut cols: [Vec<NodeIndex>; 3] = Default::default();
    for i in g.node_indices() {
        cols[column(&g[i])].push(i);
    }
    let total = [cols[0].len(), cols[1].len(), cols[2].len()];
    let top = |col: &mut Vec<NodeIndex>, weight: &dyn Fn(NodeIndex) -> usize| {
        col.sort_by(|a, b| weight(*b).cmp(&weight(*a)).then(g[*a].cmp(&g[*b])));
        col.truncate(MAX_PER_COLUMN);
        col.sort_by(|a, b| g[*a].cmp(&g[*b]));
    };
    top(&mut cols[1], &degree);
    let routers: BTreeSet<NodeIndex> = cols[1].iter().copied().collect();
    let links = |i: NodeIndex| {
        g.edges(i)
            .map(|e| e.target())
            .chain(g.edges_directed(i, petgraph::Direction::Incoming).map(|e| e.source()))
            .filter(|n| routers.contains(n))
            .count()
    };
    let origins_weight = |i: NodeIndex| match &g[i] {
        Vertex::Origins { count, .. } if links(i) > 0 => *count + 1,
        _ => 0,
    };
    top(&mut cols[0], &origins_weight);
    top(&mut cols[2], &links);
    let left = [0, 1, 2].map(|c| total[c] - cols[c].len());
    (cols, left)
}

pub fn routing_svg(table: &Table) -> String {
    let g = crate::graph::build(table);
    let (cols, left) = choose(&g);
    let mut at: HashMap<NodeIndex, (f64, f64)> = HashMap::new();
    for (c, col) in cols.iter().enumerate() {
        for (row, &i) in col.iter().enumerate() {
            at.insert(i, (COLUMN_X[c], 40.0 + row as f64 * ROW_H));
        }
    }
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0) + 1;
    let height = 60.0 + rows as f64 * ROW_H;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 930 {height:.0}\" role=\"img\" aria-label=\"routing graph\">"
    );
    for (c, head) in ["Origins (by county)", "Routers", "PSAPs"].iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"22\" font-weight=\"bold\">{head}</text>",
            COLUMN_X[c]
        );
    }
    let keep: Vec<NodeIndex> = cols.iter().flatten().copied().collect();
    let drawn = merged_edges(&g, &keep);
    // Both mates' edges are drawn (there is no cluster box here); a route only one mate has
    // is marked as `graph` marks it.
    let looks = looks(&drawn, &mate_groups(&drawn));
    for (e, look) in drawn.iter().zip(looks) {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(&e.from), at.get(&e.to)) else {
            continue;
        };
        let class = match e.kind {
            Edge::Mate => "mate",
            Edge::Alternate | Edge::Overflow => "alternate",
            Edge::Ingress { .. } => "ingress",
            _ if look == Some(Look::Only) => "differs",
            _ => "route",
        };
        let (y1, y2) = (y1 + NODE_H / 2.0, y2 + NODE_H / 2.0);
        let d = if (x1 - x2).abs() < 1.0 {
            // Within a column (mates, alternates): an arc beside it.
            let side = x1 + NODE_W + 30.0 + (y2 - y1).abs().min(200.0) / 8.0;
            format!(
                "M{:.0} {y1:.0} C{side:.0} {y1:.0} {side:.0} {y2:.0} {:.0} {y2:.0}",
                x1 + NODE_W,
                x1 + NODE_W
            )
        } else {
            let (sx, tx) = (x1 + NODE_W, x2);
            let mid = (sx + tx) / 2.0;
            format!("M{sx:.0} {y1:.0} C{mid:.0} {y1:.0} {mid:.0} {y2:.0} {tx:.0} {y2:.0}")
        };
        let _ = write!(
            s,
            "<path class=\"edge {class}\" d=\"{d}\"><title>{}</title></path>",
            esc(&e.label)
        );
    }
    for &i in &keep {
        let (x, y) = at[&i];
        let kind = ["origins", "router", "psap"][column(&g[i])];
        let label = raw_label(&g[i]);
        let mut lines = label.split("\\n");
        let first = lines.next().unwrap_or_default();
        let second = lines.next().unwrap_or_default();
        let _ = write!(
            s,
            "<g class=\"node {kind}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"4\"/>\
<text x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text></g>",
            x + 6.0,
            y + 13.0,
            esc(&crate::escape::short(first, 42)),
            x + 6.0,
            y + 26.0,
            esc(&crate::escape::short(second, 42))
        );
    }
    for (c, &n) in left.iter().enumerate().filter(|(_, n)| **n > 0) {
        let y = 40.0 + cols[c].len() as f64 * ROW_H + 16.0;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{y}\" font-style=\"italic\">+{n} more</text>",
            COLUMN_X[c]
        );
    }
    s.push_str("</svg>");
    s.push_str(
        "<p class=\"legend\"><span>— route (rules, default; hover for which)</span><span style=\"color:#c01c28\">— only one of two mates routes here</span>\
<span style=\"color:#1a5fb4\">- - mates</span><span style=\"color:#26a269\">- - alternate, overflow</span><span style=\"color:#999\">— ingress</span></p>",
    );
    s
}

/// Most failures drawn in the chart.
const MAX_BARS: usize = 20;

pub fn ranking_chart(analysis: &Analysis, ranking: &[DomainImpact]) -> String {
    if ranking.is_empty() {
        return "<p>No single failure cuts off any origin or pushes a PSAP below its answering standard.</p>".into();
    }
    let shown = &ranking[..ranking.len().min(MAX_BARS)];
    let top = shown.iter().map(|i| i.population).max().unwrap_or(0).max(1) as f64;
    let height = 20.0 + shown.len() as f64 * 24.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 930 {height:.0}\" role=\"img\" aria-label=\"failure ranking\">"
    );
    for (row, imp) in shown.iter().enumerate() {
        let y = 10.0 + row as f64 * 24.0;
        let w = (imp.population as f64 / top * 420.0).max(2.0);
        let class = if imp.lost.is_empty() { "bar below" } else { "bar" };
        let what = if imp.lost.is_empty() {
            format!("{} PSAPs below the answering standard", imp.below_standard.len())
        } else {
            format!("{} origins, population {}", imp.lost.len(), imp.population)
        };
        let name = &analysis.domains[imp.domain].name;
        let _ = write!(
            s,
            "<text x=\"270\" y=\"{:.0}\" text-anchor=\"end\">{}</text><rect class=\"{class}\" x=\"280\" y=\"{y:.0}\" width=\"{w:.0}\" height=\"18\"><title>{}</title></rect>\
<text x=\"{:.0}\" y=\"{:.0}\">{what}</text>",
            y + 13.0,
            esc(&crate::escape::short(name, 40)),
            esc(name),
            286.0 + w,
            y + 13.0,
        );
    }
    s.push_str("</svg>");
    if ranking.len() > MAX_BARS {
        let _ = write!(s, "<p>+{} more failure domains.</p>", ranking.len() - MAX_BARS);
    }
    s
}
