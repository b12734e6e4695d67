//! ECRF acceptance (SPEC §10): the LoST (RFC 5222) `findService` answers the boundary layers
//! give, written as a test corpus an authority replays against its ECRF ([`export`]), and the
//! captured answers checked against them ([`compare`]).
//!
//! Which boundary holds a point is decided by the coverage ([`Coverage::psaps_at`]), the
//! same place `check` asks: the corpus can never disagree with the GIS rules.

pub mod compare;
pub mod export;
pub mod xml;

use crate::coverage::Coverage;
use crate::model::{BoundaryKind, Feature, Table};

/// The `ServiceURI` of an area with no responder (STA-010.3 RQ_ECRF-LVF_034): the ECRF answers
/// `<serviceNotImplemented>` there.
pub const SERVICE_NOT_IMPLEMENTED: &str = "urn:emergency:servicenotimplemented";

/// The service every request asks for.
pub const SERVICE: &str = "urn:emergency:service:sos.psap";

pub use crate::rules::ecrf_mismatch::SERVICE_NUMBER;

/// One point of the corpus: a located origin or a grid point.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The request's `<location id>`: the origin id, or `grid@ROW.COL` (`@` is in no origin id,
    /// so the two never collide).
    pub id: String,
    pub lat: f64,
    pub lon: f64,
}

/// One expected `<mapping>`: a boundary in force that holds the point.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mapping {
    /// `NGUID` (the feature id where it is empty).
    pub source_id: String,
    pub uri: String,
    pub display_name: Option<String>,
    /// `xs:dateTime`, or `NO-CACHE`.
    pub expires: String,
    pub last_updated: Option<String>,
}

/// What the ECRF should answer at a point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// One `<mapping>` per PSAP boundary in force holding the point (several in an overlap),
    /// sorted by `sourceId`.
    Mappings(Vec<Mapping>),
    /// No boundary holds the point: `<errors><notFound/>`.
    NotFound,
    /// Only `servicenotimplemented` boundaries hold it: `<errors><serviceNotImplemented/>`.
    ServiceNotImplemented,
}

impl Answer {
    /// How the index names it: the URIs (`;`-separated), `notFound` or `serviceNotImplemented`.
    pub fn summary(&self) -> String {
        match self {
            Answer::Mappings(m) => m.iter().map(|m| m.uri.as_str()).collect::<Vec<_>>().join(";"),
            Answer::NotFound => "notFound".into(),
            Answer::ServiceNotImplemented => "serviceNotImplemented".into(),
        }
    }
}

/// A point and its expected answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub point: Point,
    pub answer: Answer,
}

/// Fewest kilometres between grid points: a finer grid over a state is millions of files.
pub const MIN_GRID_KM: f64 = 0.1;

/// Most grid points one export writes.
pub const MAX_GRID_POINTS: usize = 2_000_000;

/// The corpus of a table: each located origin (table order), then with `grid_km` the grid
/// points inside the provisioning boundaries in force (south to north, west to east).
pub fn corpus(table: &Table, coverage: &Coverage, grid_km: Option<f64>) -> Result<Vec<Case>, String> {
    let mut points: Vec<Point> = coverage
        .placement
        .origins
        .iter()
        .map(|&o| {
            let origin = &table.origins[o as usize];
            let at = origin.location.get().expect("placed origins are located");
            Point {
                id: origin.id.to_string(),
                lat: at.lat,
                lon: at.lon,
            }
        })
        .collect();
    if let Some(km) = grid_km {
        points.extend(grid(coverage, km)?);
    }
    use rayon::prelude::*;
    Ok(points
        .into_par_iter()
        .map(|point| {
            let answer = answer_at(table, coverage, point.lon, point.lat);
            Case { point, answer }
        })
        .collect())
}

/// What the layers answer at a point: the PSAP boundaries in force that hold it.
pub fn answer_at(table: &Table, coverage: &Coverage, lon: f64, lat: f64) -> Answer {
    let mut mappings = Vec::new();
    let mut not_implemented = false;
    for s in coverage.psaps_at(lon, lat) {
        let at = coverage.shapes[s as usize].at;
        let boundary = &table.boundaries[at.boundary as usize];
        let Ok(features) = &boundary.read else { continue };
        let feature = &features[at.feature as usize];
        let uri = feature.fields.service_uri.clone().unwrap_or_default();
        if uri.eq_ignore_ascii_case(SERVICE_NOT_IMPLEMENTED) {
            not_implemented = true;
        } else {
            mappings.push(mapping(feature, uri));
        }
    }
    if !mappings.is_empty() {
        mappings.sort();
        Answer::Mappings(mappings)
    } else if not_implemented {
        Answer::ServiceNotImplemented
    } else {
        Answer::NotFound
    }
}

fn mapping(feature: &Feature, uri: String) -> Mapping {
    let f = &feature.fields;
    Mapping {
        source_id: feature.name().to_string(),
        uri,
        display_name: f.dsplay_name.clone().filter(|s| !s.is_empty()),
        expires: f
            .expire
            .as_deref()
            .and_then(date_time)
            .unwrap_or_else(|| "NO-CACHE".into()),
        last_updated: f.date_update.as_deref().and_then(date_time),
    }
}

/// A NENA date or date-time as `xs:dateTime` (a bare date is its midnight, UTC); None when
/// it is no date.
fn date_time(s: &str) -> Option<String> {
    let s = s.trim();
    let day = s.get(..10).filter(|d| crate::date::is_valid(d))?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(format!("{day}T00:00:00Z"));
    }
    // `2026-01-01 00:00:00` (a shapefile's text) is the same instant as with a `T`.
    let time = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let ok = time.len() >= 8 && time.chars().all(|c| c.is_ascii_digit() || ":.+-Z".contains(c));
    ok.then(|| format!("{day}T{time}"))
}

/// Grid points `km` apart over each provisioning boundary in force, inside it.
fn grid(coverage: &Coverage, km: f64) -> Result<Vec<Point>, String> {
    if !(km.is_finite() && km >= MIN_GRID_KM) {
        return Err(format!("--grid must be at least {MIN_GRID_KM} km"));
    }
    let boxes: Vec<_> = coverage
        .in_force(BoundaryKind::Provisioning)
        .filter_map(|s| s.bbox)
        .collect();
    if boxes.is_empty() {
        return Err("--grid lays points over the provisioning boundary, and the table has none in force".into());
    }
    let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for b in &boxes {
        west = west.min(b.min().x);
        south = south.min(b.min().y);
        east = east.max(b.max().x);
        north = north.max(b.max().y);
    }
    // Rows a fixed distance apart; along each row, points `km` apart at that row's latitude.
    const KM_PER_DEGREE: f64 = 111.32;
    let dlat = km / KM_PER_DEGREE;
    let rows = ((north - south) / dlat).floor() as usize + 1;
    let mut out = Vec::new();
    for row in 0..rows {
        let lat = south + dlat * (row as f64 + 0.5);
        if lat > north {
            break;
        }
        let dlon = km / (KM_PER_DEGREE * lat.to_radians().cos().max(0.01));
        let cols = ((east - west) / dlon).floor() as usize + 1;
        if out.len() + cols > MAX_GRID_POINTS * 4 {
            return Err(too_many(km));
        }
        for col in 0..cols {
            let lon = west + dlon * (col as f64 + 0.5);
            if lon <= east && coverage.provisioned_at(lon, lat) {
                out.push(Point {
                    id: format!("grid@{row}.{col}"),
                    lat: round(lat),
                    lon: round(lon),
                });
                if out.len() > MAX_GRID_POINTS {
                    return Err(too_many(km));
                }
            }
        }
    }
    Ok(out)
}

fn too_many(km: f64) -> String {
    format!("a {km} km grid over the provisioning boundary is more than {MAX_GRID_POINTS} points; give a larger --grid")
}

/// Seven decimals (about 1 cm): what the request file says is the point that was tested.
fn round(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

#[cfg(test)]
mod tests {
    use super::date_time;

    #[test]
    fn nena_dates_become_xs_date_times() {
        assert_eq!(date_time("2027-01-01").as_deref(), Some("2027-01-01T00:00:00Z"));
        assert_eq!(
            date_time("2027-01-01T00:00:00.000Z").as_deref(),
            Some("2027-01-01T00:00:00.000Z")
        );
        assert_eq!(date_time("2027-01-01 12:00:00").as_deref(), Some("2027-01-01T12:00:00"));
        assert_eq!(date_time("soon"), None);
        assert_eq!(date_time("2027-01-01T<x>"), None);
    }
}
