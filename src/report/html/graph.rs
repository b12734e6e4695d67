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
use crate::report::graph::{Look, looks, mate_groups, merged_edges, only_label, raw_label};
use crate::simulate::DomainImpact;

/// Most vertices drawn per column.
const MAX_PER_COLUMN: usize = 40;
const COLUMN_X: [f64; 3] = [10.0, 330.0, 650.0];
const NODE_W: f64 = 260.0;

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

/// Characters of a name per line in a box: long PSAP names wrap instead of overflowing.
const LINE_CHARS: usize = 40;
/// Lines of a name at most (the rest is cut, "…").
const NAME_LINES: usize = 3;
const LINE_H: f64 = 13.0;

/// The lines a vertex's box shows: its name wrapped, then the id (and "decommissioned").
fn box_lines(table: &Table, v: &Vertex) -> (Vec<String>, Option<String>, bool) {
    let label = raw_label(v);
    let mut parts = label.split("\\n");
    let first = parts.next().unwrap_or_default();
    let mut second = parts.next().map(str::to_string);
    let inactive = match v {
        Vertex::Psap(id, _) => match table.lookup(id) {
            Some(crate::model::Element::Psap(p)) => {
                table.psaps[p as usize].status == crate::model::PsapStatus::Decommissioned
            }
            _ => false,
        },
        _ => false,
    };
    if inactive {
        // A PSAP with no name shows its id first: the note goes on a line of its own.
        second = Some(match second {
            Some(id) => format!("{id} · decommissioned"),
            None => "decommissioned".into(),
        });
    }
    let mut lines: Vec<String> = textwrap::wrap(first, LINE_CHARS)
        .into_iter()
        .map(|l| l.into_owned())
        .collect();
    if lines.len() > NAME_LINES {
        lines.truncate(NAME_LINES);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    let lines = lines.iter().map(|l| crate::escape::short(l, LINE_CHARS + 2)).collect();
    (
        lines,
        second.map(|s| crate::escape::short(&s, LINE_CHARS + 2)),
        inactive,
    )
}

pub(super) fn routing_svg(table: &Table, today: &str) -> String {
    let g = crate::graph::build(table, today);
    let (cols, left) = choose(&g);
    let keep: Vec<NodeIndex> = cols.iter().flatten().copied().collect();
    let boxes: HashMap<NodeIndex, (Vec<String>, Option<String>, bool)> =
        keep.iter().map(|&i| (i, box_lines(table, &g[i]))).collect();
    // Every row as tall as the tallest box, so the columns stay aligned.
    let lines = boxes
        .values()
        .map(|(name, id, _)| name.len() + usize::from(id.is_some()))
        .max()
        .unwrap_or(2)
        .max(2);
    let node_h = 4.0 + lines as f64 * LINE_H;
    let row_h = node_h + 8.0;
    let mut at: HashMap<NodeIndex, (f64, f64)> = HashMap::new();
    for (c, col) in cols.iter().enumerate() {
        for (row, &i) in col.iter().enumerate() {
            at.insert(i, (COLUMN_X[c], 40.0 + row as f64 * row_h));
        }
    }
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0) + 1;
    let height = 60.0 + rows as f64 * row_h;
    let drawn = merged_edges(&g, &keep);
    // Both mates' edges are drawn (there is no cluster box here); a route only one mate has
    // is marked as `graph` marks it.
    let looks = looks(&drawn, &mate_groups(&drawn));
    let mut paths = String::new();
    // The arcs beside a column reach past the last one: the picture is as wide as they are.
    let mut width: f64 = 930.0;
    for (e, look) in drawn.iter().zip(looks) {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(&e.from), at.get(&e.to)) else {
            continue;
        };
        let (class, title) = match (&e.kind, &look) {
            (Edge::Mate, _) => ("mate", e.label.clone()),
            (Edge::Alternate | Edge::Overflow, _) => ("alternate", e.label.clone()),
            (Edge::Ingress { .. }, _) => ("ingress", e.label.clone()),
            (Edge::Policy { diversion: false, .. }, _) => ("policy", e.label.clone()),
            (Edge::Policy { diversion: true, .. }, _) => ("policy diversion", e.label.clone()),
            (_, Some(Look::Only(only))) => ("differs", only_label(&g, e, only)),
            _ => ("route", e.label.clone()),
        };
        // A diversion runs beside the usual route between the same boxes, not on top of it.
        let beside = if matches!(e.kind, Edge::Policy { diversion: true, .. }) {
            node_h / 5.0
        } else {
            0.0
        };
        let (y1, y2) = (y1 + node_h / 2.0 + beside, y2 + node_h / 2.0 + beside);
        let d = if (x1 - x2).abs() < 1.0 {
            // Within a column (mates, alternates): an arc beside it.
            let side = x1 + NODE_W + 30.0 + (y2 - y1).abs().min(200.0) / 8.0;
            width = width.max(side + 10.0);
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
            paths,
            "<path class=\"edge {class}\" d=\"{d}\"><title>{}</title></path>",
            esc(&title)
        );
    }
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"routing graph\">"
    );
    for (c, head) in ["Origins (by county)", "Routers", "PSAPs"].iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"22\" font-weight=\"bold\">{head}</text>",
            COLUMN_X[c]
        );
    }
    s.push_str(&paths);
    for &i in &keep {
        let (x, y) = at[&i];
        let kind = ["origins", "router", "psap"][column(&g[i])];
        let (name, id, inactive) = &boxes[&i];
        let inactive = if *inactive { " inactive" } else { "" };
        let _ = write!(
            s,
            "<g class=\"node {kind}{inactive}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{node_h}\" rx=\"4\"/>"
        );
        for (k, line) in name.iter().enumerate() {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\">{}</text>",
                x + 6.0,
                y + 13.0 + k as f64 * LINE_H,
                esc(line)
            );
        }
        if let Some(id) = id {
            let _ = write!(
                s,
                "<text class=\"id\" x=\"{}\" y=\"{}\">{}</text>",
                x + 6.0,
                y + 13.0 + name.len() as f64 * LINE_H,
                esc(id)
            );
        }
        s.push_str("</g>");
    }
    for (c, &n) in left.iter().enumerate().filter(|(_, n)| **n > 0) {
        let y = 40.0 + cols[c].len() as f64 * row_h + 16.0;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{y}\" font-style=\"italic\">+{n} more</text>",
            COLUMN_X[c]
        );
    }
    s.push_str("</svg>");
    s.push_str(
        "<p class=\"legend\"><span>— route (rules, default; hover for which)</span><span style=\"color:#c01c28\">— calls only one of two mates sends here</span>\
<span style=\"color:#1a5fb4\">- - mates</span><span style=\"color:#26a269\">- - alternate, overflow</span><span style=\"color:#999\">— ingress</span>\
<span style=\"color:#777\">▭ dashed grey: decommissioned PSAP</span>",
    );
    if drawn.iter().any(|e| matches!(e.kind, Edge::Policy { .. })) {
        s.push_str(
            "<span style=\"color:#613583\">— policy rule's route, - - a diversion (queue or service state, time, kind of call; hover for the rule ids)</span>",
        );
    }
    s.push_str("</p>");
    s
}

/// Most failures drawn in the chart.
const MAX_BARS: usize = 20;

pub(super) fn ranking_chart(analysis: &Analysis, ranking: &[DomainImpact]) -> String {
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
            format!(
                "{} below the answering standard",
                crate::finding::plural(imp.below_standard.len(), "PSAP")
            )
        } else {
            format!(
                "{}, population {}",
                crate::finding::plural(imp.lost.len(), "origin"),
                crate::finding::thousands(imp.population)
            )
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
