//! OGC simple-features validity of a feature's polygons, with the coordinates of each
//! problem, and the repair ("make valid") the coverage rules work on.

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, Line, LineString, MultiPolygon, Orient, Polygon, Validation, orient::Direction};

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
    let before = problems.len();
    for polygon in &kept {
        for error in polygon.validation_errors() {
            let message = plain(&error.to_string());
            let point = problem_point(polygon, &message);
            problems.push(Problem { message, point });
        }
    }
    let mut geometry = MultiPolygon::new(kept);
    if problems.len() > before || polygons.len() > 1 && !geometry.is_valid() {
        // The OGC "make valid" way for areas: the overlay keeps the area the rings enclose.
        geometry = geo::unary_union(
            geometry
                .0
                .iter()
                .map(|p| p.orient(Direction::Default))
                .collect::<Vec<_>>()
                .iter(),
        );
    }
    (problems, geometry.orient(Direction::Default))
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
    if coords.len() < 4 {
        problems.push(Problem {
            message: format!(
                "{role} has {} points; a ring needs at least 4 (3 distinct, then the first again)",
                ring.len()
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

/// geo's words, in the report's voice.
fn plain(message: &str) -> String {
    message
        .replace("exterior ring", "the exterior ring")
        .replace("interior ring", "interior ring")
}

/// Where to show a validity problem: the crossing of a self-intersecting ring, else the
/// start of the ring concerned.
fn problem_point(polygon: &Polygon<f64>, message: &str) -> [f64; 2] {
    let rings: Vec<&LineString<f64>> = std::iter::once(polygon.exterior()).chain(polygon.interiors()).collect();
    if message.contains("self-intersection") {
        for ring in &rings {
            if let Some(c) = self_crossing(ring) {
                return [c.x, c.y];
            }
        }
    }
    if message.contains("intersect") {
        for (i, a) in rings.iter().enumerate() {
            for b in &rings[i + 1..] {
                if let Some(c) = crossing_between(a, b) {
                    return [c.x, c.y];
                }
            }
        }
    }
    let c = polygon
        .exterior()
        .0
        .first()
        .copied()
        .unwrap_or(Coord { x: 0.0, y: 0.0 });
    [c.x, c.y]
}

/// Segment (ring, index, line).
type Segment = (usize, usize, Line<f64>);

/// The first place two segments the filter pairs up meet. Segments are swept by their west
/// end, so only those whose longitudes overlap are compared: a ring of a million points is
/// checked in near-linear time.
fn sweep(mut segments: Vec<Segment>, pair: impl Fn(&Segment, &Segment) -> Option<bool>) -> Option<Coord<f64>> {
    segments.sort_by(|a, b| west(&a.2).total_cmp(&west(&b.2)));
    for (k, a) in segments.iter().enumerate() {
        for b in segments[k + 1..].iter().take_while(|b| west(&b.2) <= east(&a.2)) {
            if let Some(adjacent) = pair(a, b)
                && let Some(hit) = meet(a.2, b.2, adjacent)
            {
                return Some(hit);
            }
        }
    }
    None
}

fn segments(ring: usize, line: &LineString<f64>) -> impl Iterator<Item = Segment> + '_ {
    line.lines().enumerate().map(move |(i, l)| (ring, i, l))
}

fn west(l: &Line<f64>) -> f64 {
    l.start.x.min(l.end.x)
}

fn east(l: &Line<f64>) -> f64 {
    l.start.x.max(l.end.x)
}

/// Where a ring meets itself other than at the shared ends of neighbouring segments.
fn self_crossing(ring: &LineString<f64>) -> Option<Coord<f64>> {
    let n = ring.0.len().saturating_sub(1);
    sweep(segments(0, ring).collect(), |a, b| {
        let d = a.1.abs_diff(b.1);
        Some(d == 1 || d + 1 == n)
    })
}

/// Where two rings meet.
fn crossing_between(a: &LineString<f64>, b: &LineString<f64>) -> Option<Coord<f64>> {
    sweep(segments(0, a).chain(segments(1, b)).collect(), |x, y| {
        (x.0 != y.0).then_some(false)
    })
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
        assert!(problems[0].message.contains("self-intersection"));
        assert_eq!(problems[0].point, [0.5, 0.5]);
        assert!(geometry.is_valid());
    }

    #[test]
    fn an_unclosed_ring_is_reported_and_closed() {
        let mut open = square();
        open.pop();
        let (problems, geometry) = check_and_repair(&[vec![open]]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("not closed"), "{}", problems[0].message);
        assert!(geometry.is_valid());
    }

    #[test]
    fn a_short_ring_and_a_bad_coordinate_are_reported() {
        let short = vec![[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]];
        let (problems, geometry) = check_and_repair(&[vec![short]]);
        assert!(problems[0].message.contains("at least 4"));
        assert!(geometry.0.is_empty());
        let nan = vec![[0.0, 0.0], [f64::NAN, 0.0], [1.0, 1.0], [0.0, 0.0]];
        let (problems, _) = check_and_repair(&[vec![nan]]);
        assert!(problems[0].message.contains("out of range"));
    }
}
