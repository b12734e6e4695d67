//! Where boundaries of one exclusive kind overlap (`boundary-overlap`), with the bounds that
//! keep a stranger's layer from making the comparison quadratic.

use std::collections::HashMap;

use geo::{BooleanOps, MultiPolygon};
use rstar::RTree;

use super::overlay::{Sliver, overlay_inputs};
use super::{Coverage, Overlap, Shape, area_m2, inside};
use crate::model::BoundaryKind;

/// Pairs of boundaries overlaid at most to find overlaps, for `shapes` boundaries: linear in
/// them (a real layer's neighbours meet a few times each; a national one of 3,200 counties
/// has about 10,000 such pairs), where a stranger's thousand nested squares have 499,500. Past
/// it the pairs are counted, not overlaid, and the report says so.
fn max_overlap_pairs(shapes: usize) -> usize {
    10_000 + 16 * shapes
}

/// Overlaps found at most; past them the remaining pairs are counted, not compared.
pub const MAX_OVERLAPS: usize = 1_000;

/// A hash of a geometry's coordinates, bit for bit (identical shapes hash alike).
fn geometry_hash(g: &MultiPolygon<f64>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for polygon in &g.0 {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            ring.0.len().hash(&mut h);
            for c in &ring.0 {
                (c.x.to_bits(), c.y.to_bits()).hash(&mut h);
            }
        }
    }
    h.finish()
}

impl Coverage {
    /// Pairs of one exclusive kind whose boxes meet, then their shared area. Identical shapes
    /// are one group, compared once and reported once (a thousand copies of a square are one
    /// mistake, not 499,500 overlaps); at most [`max_overlap_pairs`] pairs are overlaid.
    pub(super) fn find_overlaps(&mut self, sliver: Sliver) {
        let exclusive = |s: &Shape| s.in_force && s.kind.exclusive();
        let mut found = Vec::new();
        let mut groups: HashMap<(BoundaryKind, u64), Vec<Vec<u32>>> = HashMap::new();
        for (i, shape) in self.shapes.iter().enumerate().filter(|(_, s)| exclusive(s)) {
            let alike = groups.entry((shape.kind, geometry_hash(&shape.geometry))).or_default();
            match alike
                .iter_mut()
                .find(|g| self.shapes[g[0] as usize].geometry == shape.geometry)
            {
                Some(group) => group.push(i as u32),
                None => alike.push(vec![i as u32]),
            }
        }
        let mut repeated: Vec<&Vec<u32>> = groups.values().flatten().filter(|g| g.len() > 1).collect();
        repeated.sort();
        for group in repeated {
            let shared = sliver.keep(self.shapes[group[0] as usize].geometry.clone());
            let area = area_m2(&shared);
            if area > sliver.m2 {
                found.push(Overlap {
                    a: group[0],
                    b: group[1],
                    also: group[2..].to_vec(),
                    area_m2: area,
                    point: inside(&shared),
                    geometry: shared,
                });
            }
        }
        let first_of_group: std::collections::HashSet<u32> = groups.values().flatten().map(|g| g[0]).collect();
        let tree = RTree::bulk_load(self.boxes(exclusive));
        let most = max_overlap_pairs(first_of_group.len());
        let (mut compared, mut unexamined) = (0usize, 0usize);
        for (a, b) in tree.intersection_candidates_with_other_tree(&tree) {
            let (a, b) = (a.data, b.data);
            let (sa, sb) = (&self.shapes[a as usize], &self.shapes[b as usize]);
            if a >= b || sa.kind != sb.kind || !first_of_group.contains(&a) || !first_of_group.contains(&b) {
                continue;
            }
            if compared == most || found.len() >= MAX_OVERLAPS {
                unexamined += 1;
                continue;
            }
            compared += 1;
            let pair = overlay_inputs([&sa.geometry, &sb.geometry].into_iter());
            let shared = sliver.keep(pair[0].intersection(&pair[1]));
            let area = area_m2(&shared);
            if area > sliver.m2 {
                found.push(Overlap {
                    a,
                    b,
                    also: Vec::new(),
                    area_m2: area,
                    point: inside(&shared),
                    geometry: shared,
                });
            }
        }
        found.sort_by_key(|o| (o.a, o.b));
        self.overlaps = found;
        self.overlaps_unexamined = unexamined;
    }
}
