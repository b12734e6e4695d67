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

    /// How messages name a feature: its name, with the PSAP its `ServiceURI` names and its
    /// `DsplayName` beside it — `{1F0…} (PSAP sedgwick-911, "Sedgwick County ECC")` — so that
    /// an office reads whose boundary it is without looking the NGUID up.
    pub fn feature_label(&self, at: FeatureRef) -> String {
        let psap = self.coverage.shapes.iter().find(|s| s.at == at).and_then(|s| s.psap);
        self.label(at, psap)
    }

    /// [`Mapped::feature_label`] of a shape.
    pub fn shape_label(&self, shape: u32) -> String {
        let s = &self.coverage.shapes[shape as usize];
        self.label(s.at, s.psap)
    }

    fn label(&self, at: FeatureRef, psap: Option<u32>) -> String {
        let name = self.feature_name(at);
        let psap = psap.map(|p| format!("PSAP {}", self.table.psaps[p as usize].id));
        let shown = self
            .feature(at)
            .fields
            .dsplay_name
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != name)
            .map(|d| format!("\"{}\"", crate::escape::short(d, 60)));
        let beside: Vec<String> = psap.into_iter().chain(shown).collect();
        if beside.is_empty() {
            name
        } else {
            format!("{name} ({})", beside.join(", "))
        }
    }

    /// Why a feature is not in force today, in words: "expired on 2026-01-01" or "in force
    /// only from 2027-01-01"; None when it is in force.
    pub fn out_of_force(&self, shape: u32) -> Option<String> {
        let s = &self.coverage.shapes[shape as usize];
        if s.in_force {
            return None;
        }
        let fields = &self.feature(s.at).fields;
        let today = self.settings.today.as_str();
        if let Some(day) = crate::coverage::day_of(&fields.expire).filter(|d| *d <= today) {
            return Some(format!("expired on {day}"));
        }
        crate::coverage::day_of(&fields.effective).map(|day| format!("in force only from {day}"))
    }

    /// PSAP boundaries in force whose `ServiceURI` names no PSAP but is near the `uri` of an
    /// active PSAP that no boundary in force names: one typo, reported once, by
    /// `boundary-unrouted` with "did you mean" (not again by `psap-without-boundary`).
    /// (shape, PSAP), by shape.
    pub fn uri_typos(&self) -> Vec<(u32, u32)> {
        let mut named = vec![false; self.table.psaps.len()];
        for shape in self.coverage.in_force(crate::model::BoundaryKind::Psap) {
            if let Some(p) = shape.psap {
                named[p as usize] = true;
            }
        }
        let orphans: Vec<(u32, &str)> = self
            .table
            .psaps
            .iter()
            .enumerate()
            .filter(|(p, psap)| !named[*p] && psap.status == crate::model::PsapStatus::Active)
            .filter_map(|(p, psap)| Some((p as u32, psap.uri.as_deref()?)))
            .collect();
        let unrouted = self
            .coverage
            .in_force(crate::model::BoundaryKind::Psap)
            .filter(|s| s.psap.is_none())
            .count();
        // Each pair costs an edit distance: a table whose URIs do not join at all (thousands
        // on each side) is one mistake that no suggestion helps with, so none is looked for.
        if orphans.is_empty() || unrouted.saturating_mul(orphans.len()) > MAX_TYPO_PAIRS {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, shape) in self.coverage.shapes.iter().enumerate() {
            if !shape.in_force || shape.kind != crate::model::BoundaryKind::Psap || shape.psap.is_some() {
                continue;
            }
            let Some(uri) = self.feature(shape.at).fields.service_uri.as_deref() else {
                continue;
            };
            if let Some(near) = crate::suggest::did_you_mean(uri, orphans.iter().map(|(_, u)| *u))
                && let Some(&(p, _)) = orphans.iter().find(|(_, u)| *u == near)
            {
                out.push((i as u32, p));
            }
        }
        out
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

/// The most (boundary, PSAP) pairs [`Mapped::uri_typos`] compares (about a second's work).
const MAX_TYPO_PAIRS: usize = 250_000;

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
