//! ESRI shapefile layers: the `.shp` geometry, the `.dbf` attributes beside it, and the
//! `.prj` that says the coordinate system (without one, the system is unknown: refused).

use std::io::Cursor;

use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use super::{FieldMap, LayerFiles};
use crate::model::{BoundaryKind, Feature, RawPolygon};

pub fn read(files: &dyn LayerFiles, from: u32, rel: &str, kind: BoundaryKind) -> Result<Vec<Feature>, String> {
    let stem = &rel[..rel.len() - 4];
    let sidecar = |ext: &str| {
        files
            .read(from, &format!("{stem}.{ext}"))
            .map_err(|why| format!("has no readable .{ext} beside it: {stem}.{ext} {why}"))
    };
    let shp = files.read(from, rel)?;
    let dbf = sidecar("dbf")?;
    check_prj(&sidecar("prj")?)?;
    let bad = |e: &dyn std::fmt::Display| {
        format!(
            "is not a readable shapefile: {}",
            crate::escape::short(&e.to_string(), 120)
        )
    };
    let shapes = shapefile::ShapeReader::new(Cursor::new(shp)).map_err(|e| bad(&e))?;
    let records = dbase::Reader::new(Cursor::new(dbf)).map_err(|e| bad(&e))?;
    let names: Vec<String> = records.fields().iter().map(|f| f.name().to_string()).collect();
    let map = FieldMap::for_kind(names.iter().map(String::as_str), kind)?;
    let mut reader = shapefile::Reader::new(shapes, records);
    let mut out = Vec::new();
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| bad(&e))?;
        let polygons = match shape {
            Shape::NullShape => Vec::new(),
            Shape::Polygon(p) => polygons(p.rings(), |q| [q.x, q.y]),
            Shape::PolygonM(p) => polygons(p.rings(), |q| [q.x, q.y]),
            Shape::PolygonZ(p) => polygons(p.rings(), |q| [q.x, q.y]),
            other => return Err(super::polygons_only(&other.shapetype().to_string())),
        };
        let fields = map.fields(|c| record.get(&names[c]).and_then(text));
        out.push(Feature {
            fid: index.to_string(),
            fields,
            polygons,
        });
    }
    Ok(out)
}

/// Rings in file order: each outer ring starts a polygon, inner rings are its holes.
fn polygons<P>(rings: &[PolygonRing<P>], xy: impl Fn(&P) -> [f64; 2]) -> Vec<RawPolygon> {
    let mut out: Vec<RawPolygon> = Vec::new();
    for ring in rings {
        let points = ring.points().iter().map(&xy).collect();
        match ring {
            PolygonRing::Outer(_) => out.push(vec![points]),
            PolygonRing::Inner(_) => match out.last_mut() {
                Some(polygon) => polygon.push(points),
                None => out.push(vec![points]),
            },
        }
    }
    out
}

fn text(v: &FieldValue) -> Option<String> {
    match v {
        FieldValue::Character(s) => s.clone(),
        FieldValue::Memo(s) => Some(s.clone()),
        FieldValue::Numeric(n) => n.map(|n| n.to_string()),
        FieldValue::Float(n) => n.map(|n| n.to_string()),
        FieldValue::Integer(n) => Some(n.to_string()),
        FieldValue::Double(n) | FieldValue::Currency(n) => Some(n.to_string()),
        FieldValue::Logical(b) => b.map(|b| b.to_string()),
        FieldValue::Date(d) => d.map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())),
        FieldValue::DateTime(t) => {
            let d = t.date();
            Some(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
    }
}

/// The `.prj` (ESRI WKT) must name geographic WGS84 or NAD83, not a projection.
fn check_prj(prj: &[u8]) -> Result<(), String> {
    let wkt = String::from_utf8_lossy(prj);
    let upper = wkt.to_ascii_uppercase();
    let name = |key: &str| {
        upper.find(key).map(|i| {
            let rest = &wkt[i + key.len()..];
            rest.trim_start_matches(['[', '"'])
                .split('"')
                .next()
                .unwrap_or("")
                .to_string()
        })
    };
    if let Some(projected) = name("PROJCS[") {
        return Err(super::geojson::unsupported_crs(&projected));
    }
    let datum_ok = [
        "WGS_1984",
        "WGS 84",
        "WGS84",
        "NORTH_AMERICAN_DATUM_1983",
        "NAD83",
        "NAD 83",
    ]
    .iter()
    .any(|d| upper.contains(d));
    match name("GEOGCS[") {
        Some(_) if datum_ok => Ok(()),
        Some(geographic) => Err(super::geojson::unsupported_crs(&geographic)),
        None => Err(super::geojson::unsupported_crs(
            crate::escape::short(wkt.trim(), 60).as_str(),
        )),
    }
}
