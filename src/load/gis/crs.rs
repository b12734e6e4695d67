//! A layer's coordinate system (SPEC §7), and reprojection to WGS84 longitude/latitude.
//!
//! Geographic NAD83 (any realisation: HARN, 2011, NSRS2007) and WGS84 are read as they are
//! (they differ by less than two metres). Projected systems — state plane in US survey feet,
//! international feet or metres, UTM, Web Mercator — are reprojected with `proj4rs` (pure
//! Rust), from an EPSG code (`crs-definitions`' table) or from the parameters of an ESRI or
//! OGC WKT `.prj`, which ArcGIS writes without any code.

use proj4rs::Proj;

use crate::model::Feature;

/// What a layer's coordinates are.
pub enum Crs {
    /// Longitude/latitude on WGS84 or NAD83: read as they are.
    Geographic,
    /// A projection: reprojected on reading. `name` is how the layer names the system.
    Projected { name: String, proj: Box<Proj> },
}

impl std::fmt::Debug for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Crs::Geographic => write!(f, "Geographic"),
            Crs::Projected { name, .. } => write!(f, "Projected({name})"),
        }
    }
}

/// Why a system is not read: names it.
pub fn unsupported(name: &str) -> String {
    format!(
        "is in the coordinate system `{}`, which psapguard cannot reproject; it reads WGS84 or NAD83 longitude/latitude and projections of them (state plane, UTM, Web Mercator)",
        crate::escape::short(name, 80)
    )
}

/// Geographic codes read as WGS84: WGS84, NAD83 and its realisations (HARN, NSRS2007, 2011,
/// CSRS), OGC's CRS84.
fn geographic_code(organization: &str, code: i64) -> bool {
    let org = organization.to_ascii_uppercase();
    (org == "EPSG" && matches!(code, 4326 | 4269 | 4152 | 4759 | 6318 | 4617)) || (org == "OGC" && code == 84)
}

/// A system named by organisation and code (a GeoPackage's `srs_id`, GeoJSON's `crs`).
pub fn from_code(organization: &str, code: i64, name: &str) -> Result<Crs, String> {
    if geographic_code(organization, code) {
        return Ok(Crs::Geographic);
    }
    let shown = if name.is_empty() {
        format!("{organization}:{code}")
    } else {
        format!("{organization}:{code} ({name})")
    };
    if !organization.eq_ignore_ascii_case("EPSG") {
        return Err(unsupported(&shown));
    }
    let definition = u16::try_from(code)
        .ok()
        .and_then(crs_definitions::from_code)
        .ok_or_else(|| unsupported(&shown))?;
    projected(&shown, definition.proj4)
}

/// A projection from a proj string, if it is one of a datum read as WGS84.
fn projected(name: &str, proj4: &str) -> Result<Crs, String> {
    let is_projection = !proj4.contains("+proj=longlat") && !proj4.contains("+proj=latlong");
    // NAD27 and other old datums need shift grids psapguard does not carry.
    let value = |key: &str| proj4.split_whitespace().find_map(|p| p.strip_prefix(key)).unwrap_or("");
    let shift = value("+towgs84=");
    let zero_shift = shift.is_empty() || shift.split(',').all(|n| n.parse::<f64>().is_ok_and(|n| n == 0.0));
    let datum_ok = match (value("+datum="), value("+ellps=")) {
        ("NAD83" | "WGS84", _) => true,
        ("", "GRS80" | "WGS84") => zero_shift,
        // A sphere or ellipsoid given by its axes: the WKT's own (shift stated as none), or
        // Web Mercator's sphere.
        ("", "") => !value("+a=").is_empty() && (value("+nadgrids=") == "@null" || !shift.is_empty() && zero_shift),
        _ => false,
    };
    if !is_projection || !datum_ok {
        return Err(unsupported(name));
    }
    let proj = Proj::from_proj_string(proj4).map_err(|_| unsupported(name))?;
    Ok(Crs::Projected {
        name: name.to_string(),
        proj: Box::new(proj),
    })
}

/// A `.prj` (ESRI WKT, as ArcGIS and GDAL write it) or an OGC WKT definition.
pub fn from_wkt(wkt: &str) -> Result<Crs, String> {
    let text = wkt.trim().trim_start_matches('\u{feff}');
    let shown = || crate::escape::short(text, 60);
    let root = Wkt::parse(text).ok_or_else(|| unsupported(&shown()))?;
    let name = root.text(0).unwrap_or_default().to_string();
    match root.name.to_ascii_uppercase().as_str() {
        "GEOGCS" | "GEOGCRS" | "GEODCRS" | "GEOGRAPHICCRS" => {
            if datum_ok(&root) {
                Ok(Crs::Geographic)
            } else {
                Err(unsupported(&name))
            }
        }
        "PROJCS" | "PROJCRS" | "PROJECTEDCRS" => {
            if let Some((org, code)) = root
                .child("AUTHORITY")
                .or_else(|| root.child("ID"))
                .and_then(|a| Some((a.text(0)?, a.text(1)?)))
                && let Ok(code) = code.parse::<i64>()
                && let Ok(crs) = from_code(org, code, &name)
            {
                return Ok(crs);
            }
            let geographic = root.child("GEOGCS").ok_or_else(|| unsupported(&name))?;
            if !datum_ok(geographic) {
                return Err(unsupported(&name));
            }
            let proj4 = proj_string(&root, geographic).ok_or_else(|| unsupported(&name))?;
            projected(&name, &proj4)
        }
        _ => Err(unsupported(&shown())),
    }
}

/// Whether a geographic system's datum is WGS84 or NAD83 (any realisation), as GDAL
/// (`North_American_Datum_1983`, `NAD83_High_Accuracy_Reference_Network`) or ArcGIS
/// (`D_North_American_1983`, `D_North_American_1983_HARN`, `D_NAD_1983_2011`) spells it.
fn datum_ok(geographic: &Wkt) -> bool {
    let datum = geographic
        .child("DATUM")
        .and_then(|d| d.text(0))
        .or_else(|| geographic.text(0))
        .unwrap_or_default();
    let key: String = datum
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    let key = key
        .strip_prefix('D')
        .filter(|k| k.starts_with("NORTH") || k.starts_with("NAD") || k.starts_with("WGS"))
        .unwrap_or(&key);
    key.starts_with("WGS1984")
        || key.starts_with("WGS84")
        || key.starts_with("NORTHAMERICAN1983")
        || key.starts_with("NORTHAMERICANDATUM1983")
        || key.starts_with("NAD1983")
        || key.starts_with("NAD83")
}

/// The proj string of a WKT projection: Lambert conformal conic, transverse Mercator,
/// Mercator (Web Mercator's auxiliary sphere included). Parameters are in the system's unit.
fn proj_string(root: &Wkt, geographic: &Wkt) -> Option<String> {
    let method = root.child("PROJECTION")?.text(0)?.to_ascii_lowercase();
    let unit = root.child("UNIT").and_then(|u| u.number(1)).unwrap_or(1.0);
    let param = |name: &str| {
        root.children("PARAMETER")
            .find(|p| p.text(0).is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|p| p.number(1))
    };
    let lon_0 = param("central_meridian")
        .or_else(|| param("longitude_of_origin"))
        .unwrap_or(0.0);
    let lat_0 = param("latitude_of_origin").unwrap_or(0.0);
    let k = param("scale_factor").unwrap_or(1.0);
    let x_0 = param("false_easting").unwrap_or(0.0) * unit;
    let y_0 = param("false_northing").unwrap_or(0.0) * unit;
    let spheroid = geographic.child("DATUM").and_then(|d| d.child("SPHEROID"));
    let (a, rf) = (spheroid.and_then(|s| s.number(1))?, spheroid.and_then(|s| s.number(2))?);
    let earth = format!("+a={a} +rf={rf} +towgs84=0,0,0");
    let projection = match method.as_str() {
        "lambert_conformal_conic" | "lambert_conformal_conic_2sp" | "lambert_conformal_conic_1sp" => {
            let lat_1 = param("standard_parallel_1").unwrap_or(lat_0);
            let lat_2 = param("standard_parallel_2").unwrap_or(lat_1);
            format!("+proj=lcc +lat_1={lat_1} +lat_2={lat_2} +lat_0={lat_0} +lon_0={lon_0} +k_0={k} {earth}")
        }
        "transverse_mercator" => format!("+proj=tmerc +lat_0={lat_0} +lon_0={lon_0} +k_0={k} {earth}"),
        "mercator_auxiliary_sphere" | "popular_visualisation_pseudo_mercator" => {
            format!("+proj=merc +a={a} +b={a} +lat_ts=0 +lon_0={lon_0} +k=1 +nadgrids=@null")
        }
        "mercator" | "mercator_1sp" => format!("+proj=merc +lon_0={lon_0} +k_0={k} {earth}"),
        "mercator_2sp" => {
            let lat_ts = param("standard_parallel_1").unwrap_or(0.0);
            format!("+proj=merc +lat_ts={lat_ts} +lon_0={lon_0} {earth}")
        }
        _ => return None,
    };
    Some(format!("{projection} +x_0={x_0} +y_0={y_0} +to_meter={unit} +no_defs"))
}

/// Reprojects every point of the features to WGS84 longitude/latitude (degrees).
pub fn to_wgs84(features: &mut [Feature], crs: &Crs) -> Result<(), String> {
    let Crs::Projected { name, proj } = crs else {
        return Ok(());
    };
    let wgs84 = Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").map_err(|_| unsupported(name))?;
    for feature in features {
        for point in feature.polygons.iter_mut().flatten().flatten() {
            let (x, y) = proj4rs::adaptors::transform_xy(proj, &wgs84, point[0], point[1]).map_err(|e| {
                format!(
                    "cannot be reprojected from `{}`: the point ({}, {}) of feature {} is outside it ({e})",
                    crate::escape::short(name, 80),
                    point[0],
                    point[1],
                    crate::escape::short(&feature.fid, 40)
                )
            })?;
            *point = [x.to_degrees(), y.to_degrees()];
        }
    }
    Ok(())
}

/// A WKT node: `NAME[value, value, CHILD[...]]`.
#[derive(Debug)]
struct Wkt {
    name: String,
    values: Vec<WktValue>,
}

#[derive(Debug)]
enum WktValue {
    Text(String),
    Number(f64),
    Node(Wkt),
}

impl Wkt {
    fn parse(text: &str) -> Option<Wkt> {
        let mut rest = text.as_bytes();
        let node = Wkt::node(&mut rest, 0)?;
        Some(node)
    }

    fn node(rest: &mut &[u8], depth: u32) -> Option<Wkt> {
        if depth > 32 {
            return None;
        }
        skip_space(rest);
        let end = rest.iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))?;
        let name = String::from_utf8_lossy(&rest[..end]).into_owned();
        *rest = &rest[end..];
        skip_space(rest);
        if !matches!(rest.first(), Some(b'[' | b'(')) {
            return None;
        }
        *rest = &rest[1..];
        let mut values = Vec::new();
        loop {
            skip_space(rest);
            match rest.first()? {
                b']' | b')' => {
                    *rest = &rest[1..];
                    return Some(Wkt { name, values });
                }
                b',' => *rest = &rest[1..],
                b'"' => {
                    let close = rest[1..].iter().position(|c| *c == b'"')? + 1;
                    values.push(WktValue::Text(String::from_utf8_lossy(&rest[1..close]).into_owned()));
                    *rest = &rest[close + 1..];
                }
                c if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => {
                    let end = rest
                        .iter()
                        .position(|c| !(c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')))
                        .unwrap_or(rest.len());
                    let number = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
                    values.push(WktValue::Number(number));
                    *rest = &rest[end..];
                }
                _ => {
                    // A child node, or a bare keyword (`EAST` in `AXIS["X",EAST]`).
                    let end = rest
                        .iter()
                        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                        .unwrap_or(rest.len());
                    let after = &rest[end..];
                    let after_space = after
                        .iter()
                        .position(|c| !c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    if end > 0 && matches!(after.get(after_space), Some(b'[' | b'(')) {
                        values.push(WktValue::Node(Wkt::node(rest, depth + 1)?));
                    } else if end > 0 {
                        values.push(WktValue::Text(String::from_utf8_lossy(&rest[..end]).into_owned()));
                        *rest = after;
                    } else {
                        return None;
                    }
                }
            }
        }
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Wkt> + 'a {
        self.values.iter().filter_map(move |v| match v {
            WktValue::Node(n) if n.name.eq_ignore_ascii_case(name) => Some(n),
            _ => None,
        })
    }

    fn child<'a>(&'a self, name: &'a str) -> Option<&'a Wkt> {
        self.children(name).next()
    }

    fn text(&self, i: usize) -> Option<&str> {
        match self.values.get(i)? {
            WktValue::Text(t) => Some(t),
            _ => None,
        }
    }

    fn number(&self, i: usize) -> Option<f64> {
        match self.values.get(i)? {
            WktValue::Number(n) => Some(*n),
            _ => None,
        }
    }
}

fn skip_space(rest: &mut &[u8]) {
    let n = rest.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(rest.len());
    *rest = &rest[n..];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arcgis_and_gdal_spellings_of_nad83_and_wgs84_are_geographic() {
        for wkt in [
            r#"GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
            r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
            r#"GEOGCS["GCS_North_American_1983_HARN",DATUM["D_North_American_1983_HARN",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
            r#"GEOGCS["GCS_NAD_1983_2011",DATUM["D_NAD_1983_2011",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
            r#"GEOGCS["NAD83(HARN)",DATUM["NAD83_High_Accuracy_Reference_Network",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4152"]]"#,
            r#"GEOGCS["NAD83(2011)",DATUM["NAD83_National_Spatial_Reference_System_2011",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#,
            r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#,
        ] {
            assert!(matches!(from_wkt(wkt), Ok(Crs::Geographic)), "{wkt}");
        }
    }

    #[test]
    fn nad27_and_nonsense_are_named() {
        let nad27 = r#"GEOGCS["GCS_North_American_1927",DATUM["D_North_American_1927",SPHEROID["Clarke_1866",6378206.4,294.9786982]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert!(from_wkt(nad27).unwrap_err().contains("GCS_North_American_1927"));
        assert!(from_wkt("hello").unwrap_err().contains("hello"));
        assert!(from_code("EPSG", 4267, "NAD27").unwrap_err().contains("EPSG:4267"));
        assert!(from_code("EPSG", 99999, "").unwrap_err().contains("EPSG:99999"));
    }
}
