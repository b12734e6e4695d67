//! Shared-edge matching, the way GEOS's coverage validator works: in a clean coverage every
//! edge of a PSAP boundary is also an edge of its neighbour or of the provisioning boundary,
//! vertex for vertex. Where every edge matches there is no gap and nothing reaches outside,
//! and no polygon overlay (whose snapping grid turns shared borders into slivers) is needed;
//! only the neighbourhoods of unmatched edges are overlaid.

use std::collections::HashMap;

use geo::{MultiPolygon, Rect};

/// An edge, its ends in a fixed order, by their exact bits.
type Edge = [u64; 4];

fn edge(a: geo::Coord<f64>, b: geo::Coord<f64>) -> Edge {
    let (p, q) = ([a.x.to_bits(), a.y.to_bits()], [b.x.to_bits(), b.y.to_bits()]);
    if (a.x, a.y) <= (b.x, b.y) {
        [p[0], p[1], q[0], q[1]]
    } else {
        [q[0], q[1], p[0], p[1]]
    }
}

fn edges(g: &MultiPolygon<f64>) -> impl Iterator<Item = Edge> + '_ {
    g.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.lines())
        .filter(|l| l.start != l.end)
        .map(|l| edge(l.start, l.end))
}

/// How often each edge occurs among the PSAP boundaries, and which edges the provisioning
/// boundaries have.
#[derive(Default)]
pub(super) struct EdgeCount {
    psap: HashMap<Edge, u32>,
    provisioning: HashMap<Edge, u32>,
}

impl EdgeCount {
    pub(super) fn new<'a>(
        psaps: impl Iterator<Item = &'a MultiPolygon<f64>>,
        provisioning: impl Iterator<Item = &'a MultiPolygon<f64>>,
    ) -> Self {
        let mut c = EdgeCount::default();
        for g in psaps {
            for e in edges(g) {
                *c.psap.entry(e).or_default() += 1;
            }
        }
        for g in provisioning {
            for e in edges(g) {
                *c.provisioning.entry(e).or_default() += 1;
            }
        }
        c
    }

    /// Whether every edge of a PSAP boundary is shared with a neighbour or lies on the
    /// provisioning boundary.
    pub(super) fn psap_matched(&self, g: &MultiPolygon<f64>) -> bool {
        edges(g).all(|e| self.psap.get(&e).copied().unwrap_or(0) >= 2 || self.provisioning.contains_key(&e))
    }

    /// Whether every edge of a provisioning boundary is an edge of some PSAP boundary.
    pub(super) fn provisioning_matched(&self, g: &MultiPolygon<f64>) -> bool {
        edges(g).all(|e| self.psap.contains_key(&e))
    }

    /// Boxes around the PSAP edges that are matched by nothing (where gaps can be).
    pub(super) fn unmatched_psap_boxes(&self) -> Vec<Rect<f64>> {
        self.psap
            .iter()
            .filter(|(e, n)| **n == 1 && !self.provisioning.contains_key(*e))
            .map(|(e, _)| {
                let c = |i: usize| f64::from_bits(e[i]);
                Rect::new((c(0), c(1)), (c(2), c(3)))
            })
            .collect()
    }
}
