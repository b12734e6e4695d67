//! OGC simple-features validity of a feature's polygons, with the coordinates of each
//! problem, and the repair ("make valid") the coverage rules work on.

use geo::algorithm::bool_ops::FillRule;
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{BooleanOps, Coord, Line, LineString, MultiPolygon, Orient, Polygon, orient::Direction};

use crate::model::{RawPolygon, Ring};

/// One problem of a feature's geometry: what, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub point: [f64; 2],
}

/// The feature's polygons checked and repaired: the problems found, and a valid geometry
/// (exteriors counter-clockwise) for the coverage rules.
pub fn check_and_repair(polygons: &[RawPolygon]) -> (Vec<Problem>, MultiPolygon<f64>) {
    let mut problems = Vec::new();
    let mut kept = Vec::with_capacity(polygons.len());
    for raw in polygons {
        if let Some(polygon) = ring_checks(raw, &mut problems) {
            kept.push(polygon);
        }
    }
    for polygon in &kept {
        problems.extend(crossings(polygon));
    }
    let geometry = MultiPolygon::new(kept);
    let oriented: Vec<Polygon<f64>> = geometry.0.iter().map(|p| p.orient(Direction::Default)).collect();
    if problems.is_empty() {
        // Valid as written: kept exactly, so that neighbours' shared borders still match
        // vertex for vertex (an overlay would snap them to its own grid).
        return (problems, MultiPolygon::new(oriented));
    }
    // The OGC "make valid" way for areas: each polygon keeps the area its rings enclose an
    // odd number of times (both lobes of a bow-tie, holes cut out), then the parts are merged.
    let empty = MultiPolygon::<f64>::new(vec![]);
    let fixed: Vec<MultiPolygon<f64>> = oriented
        .iter()
        .map(|p| p.union_with_fill_rule(&empty, FillRule::EvenOdd))
        .collect();
    (problems, geo::unary_union(fixed.iter()))
}

/// Checks each ring as written; returns the polygon with closed rings, or None when its
/// exterior ring is unusable. Rings with bad coordinates or too few points are dropped.
fn ring_checks(raw: &RawPolygon, problems: &mut Vec<Problem>) -> Option<Polygon<f64>> {
    let mut rings = Vec::with_capacity(raw.len());
    for (i, ring) in raw.iter().enumerate() {
        let role = if i == 0 {
            "the exterior ring".to_string()
        } else {
            format!("interior ring {i}")
        };
        match checked_ring(ring, &role, problems) {
            Some(r) => rings.push(r),
            None if i == 0 => return None,
            None => {}
        }
    }
    let mut rings = rings.into_iter();
    let exterior = rings.next()?;
    Some(Polygon::new(exterior, rings.collect()))
}

fn checked_ring(ring: &Ring, role: &str, problems: &mut Vec<Problem>) -> Option<LineString<f64>> {
    if let Some(bad) = ring.iter().find(|p| !in_range(p)) {
        problems.push(Problem {
            message: format!("{role} has a coordinate out of range ({}, {})", bad[0], bad[1]),
            point: ring.iter().copied().find(in_range).unwrap_or([0.0, 0.0]),
        });
        return None;
    }
    let first = *ring.first()?;
    let last = *ring.last()?;
    let mut coords: Vec<Coord<f64>> = ring.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
    if first != last {
        problems.push(Problem {
            message: format!(
                "{role} is not closed: it starts at {} and ends at {}",
                shown(first),
                shown(last)
            ),
            point: first,
        });
        coords.push(coords[0]);
    }
    // A point repeated in a row is allowed (OGC): it is one vertex.
    coords.dedup();
    if coords.len() < 4 {
        let distinct = coords.len().saturating_sub(1);
        problems.push(Problem {
            message: format!(
                "{role} has {distinct} distinct point{}; a ring needs at least 3 (4 with the first again)",
                if distinct == 1 { "" } else { "s" }
            ),
            point: first,
        });
        return None;
    }
    Some(LineString::new(coords))
}

fn in_range(p: &[f64; 2]) -> bool {
    p[0].is_finite() && p[1].is_finite() && p[0].abs() <= 180.0 && p[1].abs() <= 90.0
}

/// A point as `(lon, lat)` with the precision a GIS user reads.
pub fn shown(p: [f64; 2]) -> String {
    format!("({:.6}, {:.6})", p[0], p[1])
}

/// A segment of one of a polygon's rings: (ring, index in the ring, the segment).
type Segment = (usize, usize, Line<f64>);

/// Where the polygon's rings cross or touch themselves or each other, and holes outside the
/// exterior: one problem per ring (or pair of rings), with a point. Segments are found through
/// an R-tree of their boxes, so a ring of a million points costs about n log n — long straight
/// borders densified along a meridian included.
fn crossings(polygon: &Polygon<f64>) -> Vec<Problem> {
    use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};
    let rings: Vec<&LineString<f64>> = std::iter::once(polygon.exterior()).chain(polygon.interiors()).collect();
    let segments: Vec<Segment> = rings
        .iter()
        .enumerate()
        .flat_map(|(r, ring)| ring.lines().enumerate().map(move |(i, l)| (r, i, l)))
        .collect();
    let boxes = segments
        .iter()
        .enumerate()
        .map(|(k, (_, _, l))| GeomWithData::new(Rectangle::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y]), k))
        .collect();
    let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(boxes);
    let mut found: std::collections::BTreeMap<(usize, usize), Coord<f64>> = std::collections::BTreeMap::new();
    for (k, &(ra, ia, a)) in segments.iter().enumerate() {
        let envelope = AABB::from_corners([a.start.x, a.start.y], [a.end.x, a.end.y]);
        for other in tree.locate_in_envelope_intersecting(&envelope) {
            let (rb, ib, b) = segments[other.data];
            if other.data <= k || found.contains_key(&(ra, rb)) {
                continue;
            }
            let hit = if ra == rb {
                let n = rings[ra].0.len() - 1;
                let adjacent = ia.abs_diff(ib) == 1 || ia.abs_diff(ib) + 1 == n;
                meet(a, b, adjacent)
            } else {
                cross(a, b)
            };
            if let Some(c) = hit {
                found.insert((ra, rb), c);
            }
        }
    }
    let role = |r: usize| {
        if r == 0 {
            "the exterior ring".to_string()
        } else {
            format!("interior ring {r}")
        }
    };
    let mut out: Vec<Problem> = found
        .iter()
        .map(|(&(a, b), c)| Problem {
            message: if a == b {
                format!("{} crosses or touches itself", role(a))
            } else {
                format!("{} and {} cross", role(a), role(b))
            },
            point: [c.x, c.y],
        })
        .collect();
    let exterior = Polygon::new(polygon.exterior().clone(), vec![]);
    for (r, ring) in rings.iter().enumerate().skip(1) {
        let Some(first) = ring.0.first() else { continue };
        if !found.contains_key(&(0, r)) && exterior.coordinate_position(first) == CoordPos::Outside {
            out.push(Problem {
                message: format!("{} lies outside the exterior ring", role(r)),
                point: [first.x, first.y],
            });
        }
    }
    out
}

/// Where two rings' segments cross or overlap: touching at a vertex of both is allowed.
fn cross(a: Line<f64>, b: Line<f64>) -> Option<Coord<f64>> {
    match line_intersection(a, b)? {
        LineIntersection::SinglePoint { intersection, .. } => {
            let vertex = [a.start, a.end].contains(&intersection) && [b.start, b.end].contains(&intersection);
            (!vertex).then_some(intersection)
        }
        LineIntersection::Collinear { intersection } => Some(intersection.start),
    }
}

/// Where two segments meet, ignoring the shared end of adjacent segments.
fn meet(a: Line<f64>, b: Line<f64>, adjacent: bool) -> Option<Coord<f64>> {
    match line_intersection(a, b)? {
        LineIntersection::SinglePoint { intersection, .. } => {
            let shared =
                adjacent && [a.start, a.end].contains(&intersection) && [b.start, b.end].contains(&intersection);
            (!shared).then_some(intersection)
        }
        LineIntersection::Collinear { intersection } => Some(intersection.start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Ring {
        vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    }

    #[test]
    fn a_square_is_valid() {
        let (problems, geometry) = check_and_repair(&[vec![square()]]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(geometry.0.len(), 1);
    }

    #[test]
    fn a_bowtie_names_its_crossing() {
        let bowtie = vec![[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
        let (problems, geometry) = check_and_repair(&[vec![bowtie]]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.contains("crosses or touches itself"),
            "{}",
            problems[0].message
        );
        assert_eq!(problems[0].point, [0.5, 0.5]);
        assert!(geo::Validation::is_valid(&geometry));
    }

    #[test]
    fn an_unclosed_ring_is_reported_and_closed() {
        let mut open = square();
        open.pop();
        let (problems, geometry) = check_and_repair(&[vec![open]]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("not closed"), "{}", problems[0].message);
        assert!(geo::Validation::is_valid(&geometry));
    }

    #[test]
    fn a_short_ring_and_a_bad_coordinate_are_reported() {
        let short = vec![[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]];
        let (problems, geometry) = check_and_repair(&[vec![short]]);
        assert!(problems[0].message.contains("at least 3"), "{}", problems[0].message);
        assert!(geometry.0.is_empty());
        let nan = vec![[0.0, 0.0], [f64::NAN, 0.0], [1.0, 1.0], [0.0, 0.0]];
        let (problems, _) = check_and_repair(&[vec![nan]]);
        assert!(problems[0].message.contains("out of range"));
    }
}
