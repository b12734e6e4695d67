//! ESRI shapefile layers: the `.shp` geometry, the `.dbf` attributes beside it, and the
//! `.prj` that says the coordinate system (without one, the system is unknown: refused).

use std::io::Cursor;

use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use super::{FieldMap, LayerFiles};
use crate::model::{BoundaryKind, Feature, RawPolygon};

pub(super) fn read(files: &dyn LayerFiles, from: u32, rel: &str, kind: BoundaryKind) -> Result<Vec<Feature>, String> {
    let stem = &rel[..rel.len() - 4];
    let sidecar = |ext: &str| {
        files
            .read(from, &format!("{stem}.{ext}"))
            .map_err(|why| format!("has no readable .{ext} beside it: {stem}.{ext} {why}"))
    };
    let shp = files.read(from, rel)?;
    let dbf = dates_as_text(sidecar("dbf")?);
    let crs = super::crs::from_wkt(&String::from_utf8_lossy(&sidecar("prj")?))?;
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
    super::crs::to_wgs84(&mut out, &crs)?;
    Ok(out)
}

/// The `.dbf` with its dBASE date (`D`) columns read as text: their empty value is often
/// written `00000000`, which is no date, and the date forms are read where every writer's
/// forms are (SPEC §7 dates), so that one bad value is one feature's finding.
fn dates_as_text(mut dbf: Vec<u8>) -> Vec<u8> {
    let header_len = dbf.get(8..10).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let end = header_len.min(dbf.len());
    let mut at = 32;
    while at + 32 <= end && dbf[at] != 0x0D {
        if dbf[at + 11] == b'D' {
            dbf[at + 11] = b'C';
        }
        at += 32;
    }
    dbf
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
