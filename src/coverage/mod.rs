//! Where the boundary layers put a located call (SPEC §7): each feature's geometry checked
//! and repaired, which features are in force, where PSAP boundaries overlap, leave gaps or
//! reach outside the provisioning boundary, and which boundaries hold a point.
//!
//! The GIS rules read this; like the routing analysis, it is computed once per check.

mod area;
mod edges;
mod overlaps;
mod overlay;
pub mod validity;

pub use overlaps::MAX_OVERLAPS;

use geo::orient::{Direction, Orient};
use geo::{BooleanOps, BoundingRect, Contains, InteriorPoint, Intersects, MultiPolygon, Point, Polygon, Rect};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use crate::model::{Boundary, BoundaryKind, Feature, Table, UriIndex};
pub use area::area_m2;
use area::polygon_m2;
use overlay::{Sliver, overlay_inputs};

/// A feature of a usable layer: its boundary (index into `Table::boundaries`) and feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeatureRef {
    pub boundary: u32,
    pub feature: u32,
}

/// A feature's geometry as the coverage rules use it.
#[derive(Debug)]
pub struct Shape {
    pub at: FeatureRef,
    pub kind: BoundaryKind,
    pub in_force: bool,
    /// Valid (repaired where it was not), exteriors counter-clockwise.
    pub geometry: MultiPolygon<f64>,
    pub bbox: Option<Rect<f64>>,
    /// The PSAP its `ServiceURI` names (decommissioned ones too), joined once here.
    pub psap: Option<u32>,
}

/// A feature whose geometry is not valid; no problems means it has no geometry at all.
#[derive(Debug)]
pub struct Invalid {
    pub shape: u32,
    pub problems: Vec<validity::Problem>,
}

/// Two boundaries of one kind in force sharing more than the sliver tolerance.
#[derive(Debug)]
pub struct Overlap {
    pub a: u32,
    pub b: u32,
    /// More shapes identical to `a` and `b` (the same kind and coordinates): one finding
    /// names them all.
    pub also: Vec<u32>,
    pub area_m2: f64,
    pub point: [f64; 2],
    /// The shared area, for the map.
    pub geometry: MultiPolygon<f64>,
}

/// A connected area no PSAP boundary in force covers.
#[derive(Debug)]
pub struct Gap {
    pub area_m2: f64,
    pub point: [f64; 2],
    /// The PSAP boundaries in force that touch it.
    pub neighbours: Vec<u32>,
    pub polygon: Polygon<f64>,
}

/// A PSAP boundary reaching outside the provisioning boundary.
#[derive(Debug)]
pub struct Outside {
    pub shape: u32,
    pub area_m2: f64,
    pub point: [f64; 2],
    /// The part outside, for the map.
    pub geometry: MultiPolygon<f64>,
}

/// Where the located origins are: for each, the PSAP boundaries in force that hold it
/// (several inside an overlap) and the reported gap it lies in, if any.
#[derive(Debug, Default)]
pub struct Placement {
    /// Origins with a `location`, in table order.
    pub origins: Vec<u32>,
    /// `shapes[offsets[i]..offsets[i + 1]]` hold origin `origins[i]`.
    offsets: Vec<u32>,
    shapes: Vec<u32>,
    pub gap: Vec<Option<u32>>,
}

impl Placement {
    pub fn shapes_of(&self, i: usize) -> &[u32] {
        &self.shapes[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// (origin, the boundaries that hold it, its gap), for each located origin.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[u32], Option<u32>)> + '_ {
        (0..self.origins.len()).map(|i| (self.origins[i], self.shapes_of(i), self.gap[i]))
    }
}

#[derive(Debug, Default)]
pub struct Coverage {
    pub placement: Placement,
    pub shapes: Vec<Shape>,
    pub invalid: Vec<Invalid>,
    pub overlaps: Vec<Overlap>,
    /// Pairs of boundaries whose boxes meet but that were not compared: past
    /// the pair bound compared or [`MAX_OVERLAPS`] found, the rest are counted, not
    /// overlaid.
    pub overlaps_unexamined: usize,
    pub gaps: Vec<Gap>,
    pub outside: Vec<Outside>,
    /// The PSAP boundaries in force, by bounding box.
    psap_index: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
    gap_index: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

/// The settings the coverage rules share.
#[derive(Debug, Clone, PartialEq)]
pub struct GisSettings {
    /// Gaps and overlaps smaller than this (m², geodesic) are rounding, not findings.
    pub sliver_m2: f64,
    /// Parts narrower than this (m, mean width) are the rounding of a shared border, however
    /// long: a 5 cm seam along 50 km of border is 2,500 m² and no gap.
    pub sliver_width_m: f64,
}

impl Default for GisSettings {
    fn default() -> Self {
        GisSettings {
            sliver_m2: 1_000.0,
            sliver_width_m: 1.0,
        }
    }
}

/// Whether a feature is in force on `today` (YYYY-MM-DD): from `Effective` (inclusive) until
/// `Expire` (exclusive), so that on a handover day the retired boundary is out and its
/// successor in. Dates compare by day; a date that cannot be read does not take the feature
/// out of force.
pub fn in_force(feature: &Feature, today: &str) -> bool {
    let expired = day_of(&feature.fields.expire).is_some_and(|e| e <= today);
    let pending = day_of(&feature.fields.effective).is_some_and(|e| e > today);
    !expired && !pending
}

/// The day (YYYY-MM-DD) of a NENA date or date-time field, if it has a readable one.
pub fn day_of(field: &Option<String>) -> Option<&str> {
    use crate::load::gis::dates::{DateText, read};
    // The readers wrote every date they could read as `YYYY-MM-DD…`; the rest is no date.
    let text = field.as_deref()?;
    match read(text) {
        DateText::Day(day) if text.get(..10) == day.get(..10) => text.get(..10),
        _ => None,
    }
}

impl Coverage {
    /// Checks every usable layer of the table.
    pub fn build(table: &Table, today: &str, settings: &GisSettings) -> Coverage {
        let mut c = Coverage::default();
        let uris = UriIndex::new(table);
        for (b, boundary) in table.boundaries.iter().enumerate() {
            let Ok(features) = &boundary.read else { continue };
            for (f, feature) in features.iter().enumerate() {
                c.add_shape(
                    boundary,
                    FeatureRef {
                        boundary: b as u32,
                        feature: f as u32,
                    },
                    feature,
                    today,
                    &uris,
                );
            }
        }
        c.psap_index = RTree::bulk_load(c.boxes(|s| s.kind == BoundaryKind::Psap && s.in_force));
        let sliver = Sliver {
            m2: settings.sliver_m2,
            width_m: settings.sliver_width_m,
        };
        c.find_overlaps(sliver);
        let geometry = |kind| c.in_force(kind).map(|s| &s.geometry);
        let edges = edges::EdgeCount::new(geometry(BoundaryKind::Psap), geometry(BoundaryKind::Provisioning));
        // A PSAP layer that cannot be read (its `boundary-format` finding says why) would
        // make every place it covers a gap: one mistake, one finding.
        let psap_layer_broken = table
            .boundaries
            .iter()
            .any(|b| matches!(b.kind, BoundaryKind::Psap | BoundaryKind::Service) && b.read.is_err());
        if !psap_layer_broken {
            c.find_gaps(sliver, &edges);
        }
        c.find_outside(sliver, &edges);
        let gap_boxes = c
            .gaps
            .iter()
            .enumerate()
            .filter_map(|(i, g)| Some(boxed(g.polygon.bounding_rect()?, i as u32)))
            .collect();
        c.gap_index = RTree::bulk_load(gap_boxes);
        c.placement = c.locate(table);
        c
    }

    /// Locates every origin that has a `location`, on both cores: the PSAP boundaries that
    /// hold it, or the gap it is in. ([`Coverage::build`] has done it once already; public so
    /// that its cost can be measured apart.)
    pub fn locate(&self, table: &Table) -> Placement {
        use rayon::prelude::*;
        let origins: Vec<u32> = (0..table.origins.len() as u32)
            .filter(|&o| table.origins[o as usize].location.get().is_some())
            .collect();
        let found: Vec<(Vec<u32>, Option<u32>)> = origins
            .par_iter()
            .map(|&o| {
                let at = table.origins[o as usize].location.get().expect("located");
                let shapes = self.psaps_at(at.lon, at.lat);
                let gap = if shapes.is_empty() {
                    self.gap_at(at.lon, at.lat).map(|g| g as u32)
                } else {
                    None
                };
                (shapes, gap)
            })
            .collect();
        let mut p = Placement {
            origins,
            offsets: vec![0],
            ..Placement::default()
        };
        for (shapes, gap) in found {
            p.shapes.extend(shapes);
            p.offsets.push(p.shapes.len() as u32);
            p.gap.push(gap);
        }
        p
    }

    /// What the ECRF answers at each origin's location, for routing by policies (SPEC §9):
    /// the `ServiceURI`s of the PSAP boundaries in force that hold it (not the areas with no
    /// responder).
    pub fn answers(&self, table: &Table) -> crate::engine::Answers {
        let mut out = crate::engine::Answers::default();
        let mut placed = self.placement.iter().peekable();
        for o in 0..table.origins.len() as u32 {
            let shapes = match placed.peek() {
                Some((p, shapes, _)) if *p == o => {
                    let shapes = *shapes;
                    placed.next();
                    shapes
                }
                _ => &[],
            };
            out.push(shapes.iter().filter_map(|&s| {
                let shape = &self.shapes[s as usize];
                let uri = self.feature_of(table, shape.at).fields.service_uri.as_deref()?;
                (!crate::model::is_no_service(Some(uri))).then_some((shape.kind, uri))
            }));
        }
        out
    }

    fn feature_of<'t>(&self, table: &'t Table, at: FeatureRef) -> &'t Feature {
        let Ok(features) = &table.boundaries[at.boundary as usize].read else {
            unreachable!("shapes come only from layers that were read")
        };
        &features[at.feature as usize]
    }

    fn add_shape(&mut self, boundary: &Boundary, at: FeatureRef, feature: &Feature, today: &str, uris: &UriIndex) {
        let (problems, geometry) = validity::check_and_repair(&feature.polygons);
        let shape = self.shapes.len() as u32;
        // A feature without a geometry (NULL or empty) is reported as such, with no problems.
        let no_geometry = feature.polygons.iter().all(Vec::is_empty);
        if !problems.is_empty() || no_geometry {
            self.invalid.push(Invalid { shape, problems });
        }
        self.shapes.push(Shape {
            at,
            kind: boundary.kind,
            in_force: in_force(feature, today),
            bbox: geometry.bounding_rect(),
            geometry,
            psap: uris.psap(feature.fields.service_uri.as_deref()),
        });
    }

    fn boxes(&self, keep: impl Fn(&Shape) -> bool) -> Vec<GeomWithData<Rectangle<[f64; 2]>, u32>> {
        self.shapes
            .iter()
            .enumerate()
            .filter(|(_, s)| keep(s))
            .filter_map(|(i, s)| Some(boxed(s.bbox?, i as u32)))
            .collect()
    }

    /// The union of the shapes in force of `kind` whose boxes meet `rect`. Overlays run per
    /// neighbourhood, not nationally: their snapping grid follows the extent, so a small one
    /// keeps shared borders exact to well under a millimetre.
    /// The shapes of a kind in force today.
    pub fn in_force(&self, kind: BoundaryKind) -> impl Iterator<Item = &Shape> + '_ {
        self.shapes.iter().filter(move |s| s.in_force && s.kind == kind)
    }

    /// A shape minus the union of the shapes of a kind around it. Both sides of the overlay
    /// are thinned or neither: a border thinned on one side only is bent against the same
    /// border kept whole on the other, and the overlay reads the difference as gaps.
    fn minus_near(&self, subject: &MultiPolygon<f64>, kind: BoundaryKind, rect: Rect<f64>) -> MultiPolygon<f64> {
        let mut parts = overlay_inputs(
            std::iter::once(subject).chain(
                self.in_force(kind)
                    .filter(|s| s.bbox.is_some_and(|b| b.intersects(&rect)))
                    .map(|s| &s.geometry),
            ),
        );
        let subject = parts.remove(0);
        subject.difference(&geo::unary_union(parts.iter()))
    }

    /// Gaps inside each provisioning boundary, or, without one, holes the PSAP boundaries
    /// enclose.
    fn find_gaps(&mut self, sliver: Sliver, edges: &edges::EdgeCount) {
        let provisioning: Vec<&Shape> = self.in_force(BoundaryKind::Provisioning).collect();
        // Where a gap can be: around PSAP edges that match nothing.
        let loose = edges.unmatched_psap_boxes();
        let mut uncovered: Vec<Polygon<f64>> = Vec::new();
        if provisioning.is_empty() {
            if !loose.is_empty() {
                // Thinned like every large overlay: on the national layer this union costs
                // about 2 s.
                let all = self.in_force(BoundaryKind::Psap).map(|s| &s.geometry);
                let psaps = geo::unary_union(overlay_inputs(all).iter());
                uncovered.extend(
                    psaps
                        .0
                        .iter()
                        .flat_map(|p| p.interiors().iter().map(|r| Polygon::new(r.clone(), vec![]))),
                );
            }
        } else {
            for p in provisioning {
                let Some(rect) = p.bbox else { continue };
                let loose_here = loose.iter().any(|b| b.intersects(&rect));
                if !loose_here && edges.provisioning_matched(&p.geometry) {
                    continue;
                }
                uncovered.extend(self.minus_near(&p.geometry, BoundaryKind::Psap, rect).0);
            }
        }
        for (polygon, area) in uncovered.into_iter().flat_map(|polygon| {
            let polygon = polygon.orient(Direction::Default);
            let area = polygon_m2(&polygon);
            sliver.wide_parts(polygon, area)
        }) {
            let neighbours = self.touching(&polygon);
            let point = inside(&MultiPolygon::new(vec![polygon.clone()]));
            self.gaps.push(Gap {
                area_m2: area,
                point,
                neighbours,
                polygon,
            });
        }
        self.gaps.sort_by(|a, b| {
            a.point[0]
                .total_cmp(&b.point[0])
                .then(a.point[1].total_cmp(&b.point[1]))
        });
    }

    /// PSAP boundaries in force that touch an area (within a rounding tolerance).
    fn touching(&self, polygon: &Polygon<f64>) -> Vec<u32> {
        let Some(rect) = polygon.bounding_rect() else {
            return vec![];
        };
        const NEAR: f64 = 1e-6; // degrees: about 10 cm
        let envelope = AABB::from_corners(
            [rect.min().x - NEAR, rect.min().y - NEAR],
            [rect.max().x + NEAR, rect.max().y + NEAR],
        );
        let grown = geo::Buffer::buffer(polygon, NEAR);
        let mut out: Vec<u32> = self
            .psap_index
            .locate_in_envelope_intersecting(&envelope)
            .map(|g| g.data)
            .filter(|&s| self.shapes[s as usize].geometry.intersects(&grown))
            .collect();
        out.sort_unstable();
        out
    }

    fn find_outside(&mut self, sliver: Sliver, edges: &edges::EdgeCount) {
        if self.in_force(BoundaryKind::Provisioning).next().is_none() {
            return;
        }
        for (i, s) in self.shapes.iter().enumerate() {
            let (true, BoundaryKind::Psap, Some(rect)) = (s.in_force, s.kind, s.bbox) else {
                continue;
            };
            // Every edge shared with a neighbour or on the provisioning boundary: inside.
            if edges.psap_matched(&s.geometry) {
                continue;
            }
            let beyond = sliver.keep(self.minus_near(&s.geometry, BoundaryKind::Provisioning, rect));
            let area = area_m2(&beyond);
            if area > sliver.m2 {
                self.outside.push(Outside {
                    shape: i as u32,
                    area_m2: area,
                    point: inside(&beyond),
                    geometry: beyond,
                });
            }
        }
    }

    /// The PSAP boundaries in force that hold a point (several inside an overlap).
    pub fn psaps_at(&self, lon: f64, lat: f64) -> Vec<u32> {
        let point = Point::new(lon, lat);
        let mut out: Vec<u32> = self
            .psap_index
            .locate_all_at_point(&[lon, lat])
            .map(|g| g.data)
            .filter(|&s| covers(&self.shapes[s as usize].geometry, &point))
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether a provisioning boundary in force holds a point (the LoST grid's points).
    pub fn provisioned_at(&self, lon: f64, lat: f64) -> bool {
        let point = Point::new(lon, lat);
        self.in_force(BoundaryKind::Provisioning)
            .filter(|s| s.bbox.is_some_and(|b| b.intersects(&point)))
            .any(|s| covers(&s.geometry, &point))
    }

    /// The reported gap that holds a point.
    pub fn gap_at(&self, lon: f64, lat: f64) -> Option<usize> {
        let point = Point::new(lon, lat);
        self.gap_index
            .locate_all_at_point(&[lon, lat])
            .map(|g| g.data as usize)
            .filter(|&g| self.gaps[g].polygon.contains(&point))
            .min()
    }
}

/// The PSAP boundaries in force that hold a point, read straight from the layers (for one
/// origin's trace: no coverage is built). Rings are taken as written.
pub fn boundaries_holding(table: &Table, today: &str, lon: f64, lat: f64) -> Vec<FeatureRef> {
    let point = Point::new(lon, lat);
    let mut out = Vec::new();
    for (b, boundary) in table.boundaries.iter().enumerate() {
        let Ok(features) = &boundary.read else { continue };
        if boundary.kind != BoundaryKind::Psap {
            continue;
        }
        for (f, feature) in features.iter().enumerate() {
            // Repairing a national layer's every feature for one point would take seconds:
            // only features whose rings' box holds the point are repaired and tested.
            if !in_force(feature, today) || !in_box(&feature.polygons, lon, lat) {
                continue;
            }
            let (_, geometry) = validity::check_and_repair(&feature.polygons);
            if covers(&geometry, &point) {
                out.push(FeatureRef {
                    boundary: b as u32,
                    feature: f as u32,
                });
            }
        }
    }
    out
}

/// Whether the box of the polygons' rings holds the point (a repaired geometry never leaves
/// the box of the points it was made from; every ring counts, in whatever order written).
fn in_box(polygons: &[crate::model::RawPolygon], lon: f64, lat: f64) -> bool {
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for c in polygons.iter().flatten().flatten() {
        min = [min[0].min(c[0]), min[1].min(c[1])];
        max = [max[0].max(c[0]), max[1].max(c[1])];
    }
    (min[0]..=max[0]).contains(&lon) && (min[1]..=max[1]).contains(&lat)
}

/// Inside or on the boundary: a location on a shared border belongs to both sides.
fn covers(geometry: &MultiPolygon<f64>, point: &Point<f64>) -> bool {
    use geo::coordinate_position::{CoordPos, CoordinatePosition};
    geometry.coordinate_position(&point.0) != CoordPos::Outside
}

fn boxed(rect: Rect<f64>, data: u32) -> GeomWithData<Rectangle<[f64; 2]>, u32> {
    GeomWithData::new(
        Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]),
        data,
    )
}

/// A point inside an area (on it, for a degenerate one).
pub fn inside(geometry: &MultiPolygon<f64>) -> [f64; 2] {
    let biggest = geometry.0.iter().max_by(|a, b| polygon_m2(a).total_cmp(&polygon_m2(b)));
    biggest
        .and_then(|p| p.interior_point())
        .map_or([0.0, 0.0], |p| [p.x(), p.y()])
}

/// One fuzzing input for the reader of `file`'s kind: read as a PSAP layer (a GeoPackage's
/// `PsapPolygon`, the NENA layer name), then its polygons checked and repaired. A
/// shapefile's input is split into .shp, .dbf and .prj at each `|SPLIT|`. Used by the fuzz
/// targets and by the replay of their corpus in `cargo test`.
pub fn fuzz_layer(file: &str, data: &[u8]) {
    let mut files = std::collections::HashMap::new();
    if let Some(stem) = file.strip_suffix(".shp") {
        let mut parts = split_parts(data).into_iter();
        let shapefile = crate::load::gis::reader_of(file).map_or(&[][..], |r| r.sidecars);
        for ext in std::iter::once("shp").chain(shapefile.iter().copied()) {
            files.insert(format!("{stem}.{ext}"), parts.next().unwrap_or_default());
        }
    } else {
        files.insert(file.to_string(), data.to_vec());
    }
    let layer = file.ends_with(".gpkg").then_some("PsapPolygon");
    let memory = crate::load::gis::MemoryFiles(files);
    if let Ok(features) = crate::load::gis::read_one(file, layer, BoundaryKind::Psap, &memory) {
        for f in &features {
            let _ = validity::check_and_repair(&f.polygons);
        }
    }
}

/// Splits at each `|SPLIT|` (a shapefile's header is full of zero bytes: no separator there).
fn split_parts(data: &[u8]) -> Vec<Vec<u8>> {
    const MARK: &[u8] = b"|SPLIT|";
    let mut out = vec![Vec::new()];
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(MARK) {
            out.push(Vec::new());
            i += MARK.len();
        } else {
            out.last_mut().expect("one part").push(data[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::in_box;

    #[test]
    fn a_point_is_in_the_box_of_every_ring_written_whatever_their_order() {
        let square =
            |x: f64, y: f64, side: f64| vec![[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]];
        // A hole written before its outer ring still widens the box to the outer ring.
        let polygon = vec![square(1.0, 1.0, 1.0), square(0.0, 0.0, 10.0)];
        assert!(in_box(std::slice::from_ref(&polygon), 9.0, 9.0));
        assert!(
            in_box(std::slice::from_ref(&polygon), 10.0, 0.0),
            "the box's edge is in"
        );
        assert!(!in_box(std::slice::from_ref(&polygon), 10.5, 5.0));
        assert!(!in_box(&[], 0.0, 0.0), "no rings, no box");
    }
}
