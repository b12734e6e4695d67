//! Areas on the WGS84 ellipsoid, in square metres (SPEC §7: areas and tolerances are
//! geodesic).

use geo::{GeodesicArea, MultiPolygon, Polygon};

/// The WGS84 ellipsoid's surface, m².
const EARTH_M2: f64 = 510_065_621_724_088.4;

/// Geodesic area on the WGS84 ellipsoid, in square metres. A ring whose winding the overlay
/// left clockwise (or degenerate) would measure the rest of the globe: no boundary is half
/// the earth, so the smaller side is the area.
pub fn area_m2(geometry: &MultiPolygon<f64>) -> f64 {
    geometry.0.iter().map(polygon_m2).sum()
}

/// The outer ring's area less its holes', each ring measured on its own and taken by its
/// smaller side. A hair-thin hole (an overlay or a buffer leaves ones of 10⁻⁵ m²) can wind
/// one way drawn flat and the other on the ellipsoid: measured with its polygon, it counted
/// as the whole earth, and a 1,200 m² reach came out below zero.
pub(super) fn polygon_m2(p: &Polygon<f64>) -> f64 {
    let ring = |r: &geo::LineString<f64>| {
        let a = Polygon::new(r.clone(), vec![]).geodesic_area_unsigned();
        if a > EARTH_M2 / 2.0 { EARTH_M2 - a } else { a }
    };
    let holes: f64 = p.interiors().iter().map(ring).sum();
    (ring(p.exterior()) - holes).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::polygon_m2;
    use geo::{Coord, LineString, Polygon};

    #[test]
    fn a_hair_thin_hole_wound_either_way_takes_only_its_own_area() {
        // A hole straight out and back along the Maine–Quebec border (it runs north-east):
        // no area drawn flat, so flat winding cannot say which way it turns on the ellipsoid.
        let c = |x: f64, y: f64| Coord { x, y };
        let (a, b) = (c(-69.9969097, 46.6949707), c(-69.2252115, 47.4595338));
        let at = |t: f64| a + (b - a) * t;
        let square = LineString::new(vec![
            c(-70.1, 46.6),
            c(-69.1, 46.6),
            c(-69.1, 47.5),
            c(-70.1, 47.5),
            c(-70.1, 46.6),
        ]);
        let whole = polygon_m2(&Polygon::new(square.clone(), vec![]));
        for hole in [
            vec![at(0.49), at(0.51), at(0.5), at(0.49)],
            vec![at(0.49), at(0.5), at(0.51), at(0.49)],
        ] {
            let m2 = polygon_m2(&Polygon::new(square.clone(), vec![LineString::new(hole)]));
            assert!((whole - m2).abs() < 1_000.0, "{whole} {m2}");
        }
    }
}
