//! What a change does to the boundary layers (SPEC §7 "With diff"): PSAP boundary features
//! added, removed and changed (by NGUID), the area that moves from one PSAP to another, and
//! the located origins whose boundary PSAP changes.

use std::collections::BTreeMap;

use geo::{BooleanOps, MultiPolygon};

use crate::coverage::{Coverage, area_m2};
use crate::model::{BoundaryKind, Element, Feature, Table};

/// One located origin whose boundary PSAP changes.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryChange {
    pub origin: String,
    /// The PSAP(s) whose boundary held it before and after (ids joined with `+` inside an
    /// overlap; None outside every routed boundary).
    pub before: Option<String>,
    pub after: Option<String>,
    pub population: u64,
}

/// Area that moved from one PSAP's boundaries to another's.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaMove {
    pub from: String,
    pub to: String,
    pub km2: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoundaryDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub area: Vec<AreaMove>,
    pub changes: Vec<BoundaryChange>,
    /// New-table indices of the origins in `changes` (for blast-radius).
    pub moved: Vec<u32>,
    /// The first feature the change edited (changed or added, else removed): where a finding
    /// about boundary moves points, since no element of the table was edited for them.
    pub edited: Option<crate::model::Place>,
}

impl BoundaryDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() && self.changes.is_empty()
    }
}

/// Compares the PSAP boundary layers of two tables.
pub fn compare(old: &Table, old_cov: &Coverage, new: &Table, new_cov: &Coverage) -> BoundaryDiff {
    let (before, after) = (features_by_nguid(old), features_by_nguid(new));
    let mut d = BoundaryDiff::default();
    for (nguid, f) in &after {
        match before.get(nguid) {
            None => d.added.push(nguid.clone()),
            Some(g) if g != f => d.changed.push(nguid.clone()),
            _ => {}
        }
    }
    d.removed = before.keys().filter(|n| !after.contains_key(*n)).cloned().collect();
    d.edited = d
        .changed
        .iter()
        .chain(&d.added)
        .find_map(|n| place_of(new, n))
        .or_else(|| d.removed.iter().find_map(|n| place_of(old, n)));
    if !d.added.is_empty() || !d.removed.is_empty() || !d.changed.is_empty() {
        d.area = area_moves(old, old_cov, new, new_cov);
    }
    origin_moves(old, old_cov, new, new_cov, &mut d);
    d
}

/// Where the PSAP boundary feature `name` is: its layer and the first point of its outline.
fn place_of(table: &Table, name: &str) -> Option<crate::model::Place> {
    table
        .boundaries
        .iter()
        .filter(|b| b.kind == BoundaryKind::Psap)
        .find_map(|b| {
            let f = b.read.iter().flatten().find(|f| f.name() == name)?;
            Some(crate::model::Place {
                file: b.shown.clone(),
                layer: b.layer.clone(),
                feature: Some(name.to_string()),
                point: f
                    .polygons
                    .first()
                    .and_then(|p| p.first())
                    .and_then(|r| r.first())
                    .copied(),
            })
        })
}

/// The PSAP boundary features of a table, by NGUID (fields and rings as read).
fn features_by_nguid(table: &Table) -> BTreeMap<String, &Feature> {
    let mut out = BTreeMap::new();
    for b in table.boundaries.iter().filter(|b| b.kind == BoundaryKind::Psap) {
        for f in b.read.iter().flatten() {
            out.entry(f.name().to_string()).or_insert(f);
        }
    }
    out
}

/// The PSAP id a shape's `ServiceURI` names, or the URI in brackets when it names none.
fn psap_of(table: &Table, cov: &Coverage, shape: usize) -> Option<String> {
    let s = &cov.shapes[shape];
    if let Some(p) = s.psap {
        return Some(table.psaps[p as usize].id.clone());
    }
    let Ok(features) = &table.boundaries[s.at.boundary as usize].read else {
        return None;
    };
    let uri = features[s.at.feature as usize]
        .fields
        .service_uri
        .as_deref()
        .unwrap_or("");
    Some(format!("({uri})"))
}

/// Each PSAP's area (its boundaries in force, by `uri`), by PSAP id.
fn psap_areas(table: &Table, cov: &Coverage) -> BTreeMap<String, MultiPolygon<f64>> {
    let mut parts: BTreeMap<String, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
    for (i, s) in cov
        .shapes
        .iter()
        .enumerate()
        .filter(|(_, s)| s.in_force && s.kind == BoundaryKind::Psap)
    {
        if let Some(psap) = psap_of(table, cov, i) {
            parts.entry(psap).or_default().push(&s.geometry);
        }
    }
    parts.into_iter().map(|(p, g)| (p, geo::unary_union(g))).collect()
}

/// km² that left one PSAP's area for another's (only PSAPs whose area changed are overlaid).
fn area_moves(old: &Table, old_cov: &Coverage, new: &Table, new_cov: &Coverage) -> Vec<AreaMove> {
    let (before, after) = (psap_areas(old, old_cov), psap_areas(new, new_cov));
    let mut out = Vec::new();
    for (from, was) in &before {
        let lost = match after.get(from) {
            Some(now) if now == was => continue,
            Some(now) => was.difference(now),
            None => was.clone(),
        };
        if lost.0.is_empty() {
            continue;
        }
        for (to, now) in after.iter().filter(|(to, _)| *to != from) {
            let km2 = area_m2(&lost.intersection(now)) / 1e6;
            if km2 >= 0.001 {
                out.push(AreaMove {
                    from: from.clone(),
                    to: to.clone(),
                    km2,
                });
            }
        }
    }
    out
}

/// The PSAP ids whose boundaries hold origin `o`, sorted and once each, into `out` (empty
/// when it is not located or no boundary holds it). Looked up per origin, not collected:
/// a national layer locates 1.6 million origins in each table.
fn holders_of<'t>(table: &'t Table, cov: &Coverage, o: u32, out: &mut Vec<&'t str>) {
    out.clear();
    let placement = &cov.placement;
    if let Ok(i) = placement.origins.binary_search(&o) {
        let psaps = placement
            .shapes_of(i)
            .iter()
            .filter_map(|&s| cov.shapes[s as usize].psap);
        out.extend(psaps.map(|p| table.psaps[p as usize].id.as_str()));
        out.sort_unstable();
        out.dedup();
    }
}

fn origin_moves(old: &Table, old_cov: &Coverage, new: &Table, new_cov: &Coverage, d: &mut BoundaryDiff) {
    let joined = |ids: &[&str]| (!ids.is_empty()).then(|| ids.join("+"));
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for (o, origin) in new.origins.iter().enumerate() {
        // An origin new to the table has no boundary PSAP to move from.
        let Some(was) = old.lookup(&origin.id) else { continue };
        match was {
            Element::Origin(w) => holders_of(old, old_cov, w, &mut before),
            _ => before.clear(),
        }
        holders_of(new, new_cov, o as u32, &mut after);
        if before == after {
            continue;
        }
        d.changes.push(BoundaryChange {
            origin: origin.id.to_string(),
            before: joined(&before),
            after: joined(&after),
            population: new.population(o as u32),
        });
        d.moved.push(o as u32);
    }
}
