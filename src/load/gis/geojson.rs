//! GeoJSON layers (RFC 7946): a FeatureCollection of Polygon and MultiPolygon features. A
//! legacy `crs` member (GeoJSON 2008) decides the coordinate system; without one it is WGS84.

use geojson::{GeoJson, GeometryValue, feature::Id};
use serde_json::Value;

use super::FieldMap;
use crate::model::{BoundaryKind, Feature, RawPolygon};

pub(super) fn read(bytes: &[u8], kind: BoundaryKind) -> Result<Vec<Feature>, String> {
    let parsed = GeoJson::from_reader(bytes).map_err(|e| format!("is not GeoJSON: {}", plain(&e)))?;
    let GeoJson::FeatureCollection(collection) = parsed else {
        return Err("is GeoJSON but not a FeatureCollection".into());
    };
    let crs = match collection.foreign_members.as_ref().and_then(|m| m.get("crs")) {
        Some(crs) => read_crs(crs)?,
        None => super::crs::Crs::Geographic,
    };
    // The layer's fields: every property name any feature has.
    let mut names: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for key in collection
        .features
        .iter()
        .flat_map(|f| f.properties.iter().flat_map(|p| p.keys()))
    {
        if seen.insert(key.as_str()) {
            names.push(key);
        }
    }
    let map = FieldMap::for_kind(names.iter().copied(), kind)?;
    let column_names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::with_capacity(collection.features.len());
    for (index, f) in collection.features.iter().enumerate() {
        let fid = match &f.id {
            Some(Id::String(s)) => s.clone(),
            Some(Id::Number(n)) => n.to_string(),
            None => index.to_string(),
        };
        let properties = f.properties.as_ref();
        let fields = map.fields(|c| properties.and_then(|p| p.get(&column_names[c])).and_then(text));
        let polygons = match f.geometry.as_ref().map(|g| &g.value) {
            None => Vec::new(),
            Some(GeometryValue::Polygon { coordinates }) => vec![polygon(coordinates)?],
            Some(GeometryValue::MultiPolygon { coordinates }) => {
                coordinates.iter().map(|p| polygon(p)).collect::<Result<_, _>>()?
            }
            Some(other) => return Err(super::polygons_only(other.type_name())),
        };
        out.push(Feature { fid, fields, polygons });
    }
    super::crs::to_wgs84(&mut out, &crs)?;
    Ok(out)
}

fn polygon(rings: &[Vec<geojson::Position>]) -> Result<RawPolygon, String> {
    rings
        .iter()
        .map(|ring| {
            ring.iter()
                .map(|p| match p.as_slice() {
                    [x, y, ..] => Ok([*x, *y]),
                    _ => Err("is not valid GeoJSON: a position has fewer than two numbers".to_string()),
                })
                .collect()
        })
        .collect()
}

/// A property's text: strings as they are, numbers and booleans written out, null as absent.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A legacy named `crs`: `urn:ogc:def:crs:OGC:1.3:CRS84`, `EPSG:4326`,
/// `urn:ogc:def:crs:EPSG::2264` (GDAL writes it for a layer it does not reproject).
fn read_crs(crs: &Value) -> Result<super::crs::Crs, String> {
    let name = crs.pointer("/properties/name").and_then(Value::as_str).unwrap_or("");
    let parts: Vec<&str> = name.split(':').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [.., version, code] if version.eq_ignore_ascii_case("1.3") && code.eq_ignore_ascii_case("CRS84") => {
            Ok(super::crs::Crs::Geographic)
        }
        [.., org, code] => match code.trim_start_matches("CRS").parse::<i64>() {
            Ok(code) => super::crs::from_code(org, code, ""),
            Err(_) => Err(super::crs::unsupported(name)),
        },
        _ => Err(super::crs::unsupported(name)),
    }
}

/// serde_json's message without its own position noise for a binary file.
fn plain(e: &serde_json::Error) -> String {
    format!("{} at line {} column {}", e.classify_name(), e.line(), e.column())
}

trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "cannot be read",
            serde_json::error::Category::Syntax => "a syntax error",
            serde_json::error::Category::Data => "a value of the wrong type",
            serde_json::error::Category::Eof => "the file ends early",
        }
    }
}
