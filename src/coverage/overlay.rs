//! Preparing polygon overlays and judging their results: thinning large inputs the same way
//! on every side, and telling a real area from a seam.

use geo::{GeodesicArea, MultiPolygon, Polygon};

use super::polygon_m2;

/// Overlay inputs of more points than this are thinned first ([`for_overlay`]).
const THIN_ABOVE: usize = 50_000;

fn points(g: &MultiPolygon<f64>) -> usize {
    g.0.iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum()
}

/// Overlay inputs as they are, or all thinned when together they are large.
pub(super) fn overlay_inputs<'a>(parts: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Vec<MultiPolygon<f64>> {
    let parts: Vec<&MultiPolygon<f64>> = parts.collect();
    let thin = parts.iter().map(|g| points(g)).sum::<usize>() > THIN_ABOVE;
    parts
        .into_iter()
        .map(|g| if thin { for_overlay(g) } else { g.clone() })
        .collect()
}

/// A geometry as a large overlay takes it: without the points that only densify a straight
/// border (where it turns by less than a nano-radian: rounding, not a real corner). The
/// overlay's contour
/// simplification goes quadratic on borders densified to thousands of collinear points
/// (24 GB on the national layer densified 32 times). Small overlays take their input exactly:
/// thinning one side of a shared border can open a hair-wide seam there.
fn for_overlay(g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let ring = |r: &geo::LineString<f64>| geo::LineString::new(drop_collinear(&r.0));
    MultiPolygon::new(
        g.0.iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .collect(),
    )
}

/// A closed ring without its straight-through points (it keeps at least 4). Each point is
/// judged by its own neighbours in the input, so a border shared by two rings, walked in
/// opposite directions and from different starts, is thinned the same way on both.
fn drop_collinear(ring: &[geo::Coord<f64>]) -> Vec<geo::Coord<f64>> {
    if ring.len() <= 4 {
        return ring.to_vec();
    }
    let straight = |a: geo::Coord<f64>, b: geo::Coord<f64>, c: geo::Coord<f64>| {
        let (u, v) = (b - a, c - b);
        let cross = u.x * v.y - u.y * v.x;
        let dot = u.x * v.x + u.y * v.y;
        dot > 0.0 && cross.abs() <= 1e-9 * (u.x.hypot(u.y) * v.x.hypot(v.y))
    };
    let mut out: Vec<geo::Coord<f64>> = Vec::with_capacity(ring.len());
    out.push(ring[0]);
    out.extend(ring.windows(3).filter(|w| !straight(w[0], w[1], w[2])).map(|w| w[1]));
    out.push(ring[ring.len() - 1]);
    if out.len() < 4 { ring.to_vec() } else { out }
}

/// What is too small to report: under the area, or narrower than the width.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sliver {
    pub(super) m2: f64,
    pub(super) width_m: f64,
}

impl Sliver {
    /// Whether a part is wider than a seam: its mean width (2 × area / perimeter, the width
    /// of a long thin strip) is above the tolerance. The width is taken from the area of the
    /// ring drawn straight in longitude and latitude, as the layer draws it, as well as from
    /// the geodesic area: a zero-width spike along a 30 km border has no area drawn straight,
    /// but its geodesic edges bow apart and enclose 0.1 km². (Chamberlain–Duquette's area is
    /// not the straight one: on a border whose latitude changes, such a spike measured 0.25
    /// km² by it, as wide as 6 m.)
    pub(super) fn wide(&self, p: &Polygon<f64>, area: f64) -> bool {
        let perimeter = p.geodesic_perimeter();
        perimeter <= 0.0 || 2.0 * area.min(straight_m2(p)) / perimeter > self.width_m
    }

    /// What of a part is to be reported (SPEC §7), each piece larger than the area
    /// tolerance: the part as it is when it is wide on average; else its pieces wider than a
    /// seam — what is left of it opened by half the width (shrunk inward, grown back), so a
    /// notch joined to a zero-width spike along the rest of a border is judged by its own
    /// area, and a seam throughout leaves nothing.
    pub(super) fn wide_parts(&self, p: Polygon<f64>, area: f64) -> Vec<(Polygon<f64>, f64)> {
        if area <= self.m2 {
            return Vec::new();
        }
        if self.wide(&p, area) {
            return vec![(p, area)];
        }
        opened(&p, self.width_m / 2.0)
            .0
            .into_iter()
            .map(|q| {
                let a = polygon_m2(&q);
                (q, a)
            })
            .filter(|(_, a)| *a > self.m2)
            .collect()
    }

    /// The parts of an overlay's result that are to be reported ([`Sliver::wide_parts`]).
    pub(super) fn keep(&self, g: MultiPolygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon::new(
            g.0.into_iter()
                .flat_map(|p| {
                    let area = polygon_m2(&p);
                    self.wide_parts(p, area)
                })
                .map(|(p, _)| p)
                .collect(),
        )
    }
}

/// A local equirectangular frame in metres, centred on a part's box (parts this small are
/// flat to well under a millimetre).
#[derive(Clone, Copy)]
struct LocalFrame {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl LocalFrame {
    /// The frame of a polygon (longitude, latitude); `None` without a box or at a pole.
    fn of(p: &Polygon<f64>) -> Option<LocalFrame> {
        use geo::BoundingRect;
        let b = p.bounding_rect()?;
        let (lon0, lat0) = ((b.min().x + b.max().x) / 2.0, (b.min().y + b.max().y) / 2.0);
        // Metres per degree at the part's middle latitude (WGS84, good to 0.1% there).
        let ky = 111_132.954 - 559.822 * (2.0 * lat0.to_radians()).cos();
        let kx = 111_412.84 * lat0.to_radians().cos();
        (kx > 0.0).then_some(LocalFrame { lon0, lat0, kx, ky })
    }

    fn to_local(self, p: &Polygon<f64>) -> Polygon<f64> {
        use geo::MapCoords;
        p.map_coords(|c| geo::Coord {
            x: (c.x - self.lon0) * self.kx,
            y: (c.y - self.lat0) * self.ky,
        })
    }

    fn back(self, g: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        use geo::MapCoords;
        g.map_coords(|c| geo::Coord {
            x: c.x / self.kx + self.lon0,
            y: c.y / self.ky + self.lat0,
        })
    }
}

/// The area (m²) of a polygon drawn straight in longitude and latitude, as the layer draws
/// it: the plane area in the part's local frame. A spike that goes out and back along one
/// straight border has none, however its edges are cut.
fn straight_m2(p: &Polygon<f64>) -> f64 {
    use geo::Area;
    LocalFrame::of(p).map_or(0.0, |f| f.to_local(p).unsigned_area())
}

/// A polygon (longitude, latitude) opened by `r` metres: shrunk inward by `r`, then grown
/// back, in the part's local frame in metres. What is narrower than 2·`r` anywhere vanishes;
/// the rest keeps its shape.
fn opened(p: &Polygon<f64>, r: f64) -> MultiPolygon<f64> {
    use geo::Buffer;
    use geo::algorithm::buffer::{BufferStyle, LineJoin};
    let Some(frame) = LocalFrame::of(p) else {
        return MultiPolygon::new(vec![p.clone()]);
    };
    let local = frame.to_local(p);
    // Mitred joins: growing back restores the corners that shrinking kept.
    let shrunk = local.buffer_with_style(BufferStyle::new(-r).line_join(LineJoin::Miter(4.0)));
    if shrunk.0.is_empty() {
        return shrunk;
    }
    let grown = shrunk.buffer_with_style(BufferStyle::new(r).line_join(LineJoin::Miter(4.0)));
    frame.back(&grown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Coord, LineString};

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn a_shared_border_is_thinned_alike_from_either_side() {
        // A border densified between two real corners, walked both ways from different starts.
        let (a, b) = (c(-91.6, 34.57), c(-91.3, 34.56));
        let mut border: Vec<Coord<f64>> = (0..=33).map(|i| a + (b - a) * (i as f64 / 33.0)).collect();
        border.push(c(-91.2, 34.7));
        let mut forward = border.clone();
        forward.push(border[0]);
        let mut backward: Vec<Coord<f64>> = border.iter().rev().copied().collect();
        backward.push(backward[0]);
        let kept = |r: &[Coord<f64>]| {
            let mut v: Vec<(u64, u64)> = drop_collinear(r)
                .iter()
                .map(|p| (p.x.to_bits(), p.y.to_bits()))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        assert_eq!(kept(&forward), kept(&backward));
        assert_eq!(kept(&forward).len(), 3, "only the corners stay");
    }

    #[test]
    fn a_corner_that_turns_by_a_microradian_is_kept() {
        let ring = vec![c(0.0, 0.0), c(1.0, 0.0), c(2.0, 2e-6), c(1.0, 1.0), c(0.0, 0.0)];
        assert_eq!(drop_collinear(&ring).len(), 5);
    }

    #[test]
    fn a_zero_width_spike_along_a_long_border_is_a_seam() {
        // An overlay left this spike on a 28 km border in Arkansas: its geodesic edges bow
        // apart and enclose 0.1 km², drawn straight it has no area.
        let spike = Polygon::new(
            LineString::new(vec![
                c(-91.37833398744674, 34.563329749530695),
                c(-91.59369163379283, 34.567625046497724),
                c(-91.29219093337865, 34.56161163074388),
                c(-91.37833398744674, 34.563329749530695),
            ]),
            vec![],
        );
        let sliver = Sliver {
            m2: 1000.0,
            width_m: 1.0,
        };
        assert!(polygon_m2(&spike) > 50_000.0);
        assert!(!sliver.wide(&spike, polygon_m2(&spike)));
        let square = Polygon::new(
            LineString::new(vec![
                c(0.0, 0.0),
                c(0.01, 0.0),
                c(0.01, 0.01),
                c(0.0, 0.01),
                c(0.0, 0.0),
            ]),
            vec![],
        );
        assert!(sliver.wide(&square, polygon_m2(&square)));
        assert!(sliver.wide_parts(spike, 50_000.0).is_empty(), "a seam throughout");
    }

    #[test]
    fn a_zero_width_spike_along_a_border_that_runs_north_east_is_a_seam() {
        // The overlay left this spike on the Maine–Quebec border at the national extent (the
        // border's latitude changes by 0.76°): every vertex within 1.2 cm of the border line.
        // Chamberlain–Duquette gives it 250,000 m², 6 m wide on average; drawn straight it has
        // about 200 m², and shrunk by half a metre nothing is left.
        let spike = Polygon::new(
            LineString::new(vec![
                c(-69.97352500984496, 46.718139198458864),
                c(-69.9969095809204, 46.69497063461609),
                c(-69.68794342109985, 47.00108030144043),
                c(-69.9033705813629, 46.787645128405764),
                c(-69.92675539085693, 46.76447632614441),
                c(-69.97352500984496, 46.718139198458864),
            ]),
            vec![],
        );
        let sliver = Sliver {
            m2: 1000.0,
            width_m: 1.0,
        };
        let area = polygon_m2(&spike);
        assert!(area > 600_000.0, "{area}");
        assert!(straight_m2(&spike) < 1_000.0, "{}", straight_m2(&spike));
        assert!(!sliver.wide(&spike, area));
        assert!(sliver.wide_parts(spike, area).is_empty(), "a seam throughout");
    }

    #[test]
    fn a_notch_joined_to_a_spike_is_judged_by_its_own_area() {
        // A 30 km hair-wide spike along a border (lat 34.56), with a 100 m × 60 m notch along
        // it: thin on average, but the notch is 6,000 m².
        let (m_lon, m_lat) = (1.0 / 91_800.0, 1.0 / 110_900.0);
        let y = 34.56;
        let ring = vec![
            c(-91.6, y),
            c(-91.4 - 50.0 * m_lon, y),
            c(-91.4 - 50.0 * m_lon, y - 60.0 * m_lat),
            c(-91.4 + 50.0 * m_lon, y - 60.0 * m_lat),
            c(-91.4 + 50.0 * m_lon, y),
            c(-91.3, y),
            c(-91.5, y + 1e-8),
            c(-91.6, y),
        ];
        let part = Polygon::new(LineString::new(ring), vec![]);
        let sliver = Sliver {
            m2: 1000.0,
            width_m: 1.0,
        };
        let area = polygon_m2(&part);
        assert!(!sliver.wide(&part, area), "thin on average");
        let kept = sliver.wide_parts(part, area);
        assert_eq!(kept.len(), 1);
        assert!((kept[0].1 - 6_000.0).abs() < 200.0, "{}", kept[0].1);
    }
}
