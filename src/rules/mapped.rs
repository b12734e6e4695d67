//! What the GIS rules see (SPEC §7): the context with the checked boundary layers, and for
//! the misroute rules the routing analysis too; how their findings name features and places.

use super::{Context, Finding, RuleMeta};
use crate::analysis::Analysis;
use crate::coverage::{Coverage, FeatureRef};
use crate::model::{Boundary, Feature, Place};

/// The context with the boundary layers, which the table names.
#[derive(Clone, Copy)]
pub struct Mapped<'a> {
    pub cx: Context<'a>,
    pub coverage: &'a Coverage,
}

impl<'a> std::ops::Deref for Mapped<'a> {
    type Target = Context<'a>;
    fn deref(&self) -> &Context<'a> {
        &self.cx
    }
}

/// The boundary layers and the routing analysis.
#[derive(Clone, Copy)]
pub struct Located<'a> {
    pub map: Mapped<'a>,
    pub analysis: &'a Analysis,
}

impl<'a> std::ops::Deref for Located<'a> {
    type Target = Mapped<'a>;
    fn deref(&self) -> &Mapped<'a> {
        &self.map
    }
}

impl<'a> Mapped<'a> {
    pub fn boundary(&self, at: FeatureRef) -> &'a Boundary {
        &self.table.boundaries[at.boundary as usize]
    }

    pub fn feature(&self, at: FeatureRef) -> &'a Feature {
        let Ok(features) = &self.boundary(at).read else {
            unreachable!("shapes come only from layers that were read")
        };
        &features[at.feature as usize]
    }

    /// The feature of a shape.
    pub fn shape_ref(&self, shape: u32) -> FeatureRef {
        self.coverage.shapes[shape as usize].at
    }

    /// How findings name a feature: its NGUID, else `layer:fid` (SPEC §7).
    pub fn feature_name(&self, at: FeatureRef) -> String {
        let feature = self.feature(at);
        match feature.fields.nguid.as_deref().filter(|s| !s.is_empty()) {
            Some(nguid) => nguid.to_string(),
            None => format!("{}:{}", layer_name(self.boundary(at)), feature.fid),
        }
    }

    pub fn shape_name(&self, shape: u32) -> String {
        self.feature_name(self.shape_ref(shape))
    }

    /// A feature of a layer, and a point on the map.
    pub fn place(&self, at: FeatureRef, point: Option<[f64; 2]>) -> Place {
        let b = self.boundary(at);
        Place {
            file: b.shown.clone(),
            layer: b.layer.clone(),
            feature: Some(self.feature_name(at)),
            // To the centimetre: the same point on every machine, whatever the overlay's noise.
            point: point.map(|p| p.map(|v| (v * 1e7).round() / 1e7)),
        }
    }

    /// A finding about the boundary layers, its affected origins filled in.
    pub fn gis_finding(
        &self,
        meta: &'static RuleMeta,
        place: Place,
        message: String,
        entities: Vec<String>,
        origins: &[u32],
    ) -> Finding {
        let mut f = self
            .cx
            .finding(meta, crate::model::Loc::default(), message, entities, origins);
        f.location = None;
        f.place = Some(place);
        f
    }
}

impl Mapped<'_> {
    /// Whether a boundary's `ServiceURI` is `urn:emergency:servicenotimplemented`: an area
    /// with no responder, which names no PSAP and is no unrouted boundary (SPEC §7).
    pub fn no_service(&self, shape: u32) -> bool {
        crate::model::is_no_service(self.feature(self.shape_ref(shape)).fields.service_uri.as_deref())
    }

    /// The PSAP a PSAP boundary sends located calls to: named by its `ServiceURI`, and not
    /// decommissioned. None for an unrouted boundary.
    pub fn routed_psap(&self, shape: u32) -> Option<u32> {
        self.coverage.shapes[shape as usize]
            .psap
            .filter(|&p| self.table.psaps[p as usize].status != crate::model::PsapStatus::Decommissioned)
    }
}

/// A layer's name in findings: the GeoPackage layer, else the file's name.
pub fn layer_name(b: &Boundary) -> String {
    b.layer.clone().unwrap_or_else(|| {
        std::path::Path::new(&b.file)
            .file_stem()
            .map_or_else(|| b.file.clone(), |s| s.to_string_lossy().into_owned())
    })
}

/// "12.4 km²" (or m² below a tenth of a square kilometre).
pub fn area(m2: f64) -> String {
    if m2 >= 100_000.0 {
        format!("{:.1} km²", m2 / 1e6)
    } else {
        format!("{} m²", super::thousands(m2.round() as u64))
    }
}

/// "(39.7392, -104.9903)": latitude first, as people read a point.
pub fn point(p: [f64; 2]) -> String {
    format!("({:.5}, {:.5})", p[1], p[0])
}
