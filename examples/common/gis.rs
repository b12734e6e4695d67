//! Shared by the generators: US county polygons from the Census TopoJSON (neighbours share
//! their arcs exactly, so densified borders still meet), and a GeoPackage writer that
//! lays features out the way GDAL and NENA's template do.

#![allow(dead_code)]

use std::path::Path;

use rusqlite::{Connection, params};
use serde_json::Value;

/// Polygons → rings → [lon, lat].
pub(crate) type Polygons = Vec<Vec<Vec<[f64; 2]>>>;

/// Adds `k` points along every segment of every ring. Each segment is cut from its smaller
/// end to its larger one, so two neighbours that share a segment (walking it in opposite
/// directions) get the very same points and still meet exactly.
pub(crate) fn densify(polygons: &mut Polygons, k: usize) {
    if k == 0 {
        return;
    }
    for ring in polygons.iter_mut().flatten() {
        let mut out = Vec::with_capacity(ring.len() * (k + 1));
        for w in ring.windows(2) {
            out.push(w[0]);
            let forward = w[0] <= w[1];
            let (a, b) = if forward { (w[0], w[1]) } else { (w[1], w[0]) };
            let cut = |i: usize| {
                let t = i as f64 / (k + 1) as f64;
                [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
            };
            if forward {
                out.extend((1..=k).map(cut));
            } else {
                out.extend((1..=k).rev().map(cut));
            }
        }
        out.extend(ring.last().copied());
        *ring = out;
    }
}

/// A county (or state) of the TopoJSON: FIPS id, name, polygons.
#[derive(Clone, Debug)]
pub(crate) struct Area {
    pub fips: String,
    pub name: String,
    pub polygons: Polygons,
    /// The arcs its rings use: areas sharing an arc are neighbours.
    pub arcs: std::collections::BTreeSet<usize>,
}

pub(crate) struct Topology {
    arcs: Vec<Vec<[f64; 2]>>,
    objects: Value,
}

impl Topology {
    pub(crate) fn load(path: &Path) -> Topology {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let v: Value = serde_json::from_str(&text).expect("TopoJSON");
        let scale = [
            v["transform"]["scale"][0].as_f64().unwrap(),
            v["transform"]["scale"][1].as_f64().unwrap(),
        ];
        let shift = [
            v["transform"]["translate"][0].as_f64().unwrap(),
            v["transform"]["translate"][1].as_f64().unwrap(),
        ];
        let arcs = v["arcs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arc| {
                let (mut x, mut y) = (0i64, 0i64);
                arc.as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        x += p[0].as_i64().unwrap();
                        y += p[1].as_i64().unwrap();
                        [x as f64 * scale[0] + shift[0], y as f64 * scale[1] + shift[1]]
                    })
                    .collect()
            })
            .collect();
        Topology {
            arcs,
            objects: v["objects"].clone(),
        }
    }

    /// The areas of an object (`counties`, `states`), in file order.
    pub(crate) fn areas(&self, object: &str) -> Vec<Area> {
        self.objects[object]["geometries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let polygons = match g["type"].as_str() {
                    Some("Polygon") => vec![self.polygon(&g["arcs"])],
                    Some("MultiPolygon") => g["arcs"].as_array().unwrap().iter().map(|p| self.polygon(p)).collect(),
                    _ => vec![],
                };
                let mut arcs = std::collections::BTreeSet::new();
                collect_arcs(&g["arcs"], &mut arcs);
                Area {
                    fips: g["id"].as_str().unwrap_or("").to_string(),
                    name: g["properties"]["name"].as_str().unwrap_or("").to_string(),
                    polygons,
                    arcs,
                }
            })
            .collect()
    }

    fn polygon(&self, rings: &Value) -> Vec<Vec<[f64; 2]>> {
        rings.as_array().unwrap().iter().map(|r| self.ring(r)).collect()
    }

    fn ring(&self, arcs: &Value) -> Vec<[f64; 2]> {
        let mut out: Vec<[f64; 2]> = Vec::new();
        for a in arcs.as_array().unwrap() {
            let i = a.as_i64().unwrap();
            let points: Vec<[f64; 2]> = if i >= 0 {
                self.arcs[i as usize].clone()
            } else {
                self.arcs[!i as usize].iter().rev().copied().collect()
            };
            let skip = usize::from(!out.is_empty());
            out.extend(points.into_iter().skip(skip));
        }
        out
    }
}

fn collect_arcs(v: &Value, out: &mut std::collections::BTreeSet<usize>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect_arcs(i, out)),
        Value::Number(n) => {
            let i = n.as_i64().unwrap_or(0);
            out.insert(if i >= 0 { i as usize } else { !i as usize });
        }
        _ => {}
    }
}

impl Area {
    /// Whether two areas share a border (an arc).
    pub(crate) fn borders(&self, other: &Area) -> bool {
        self.arcs.intersection(&other.arcs).next().is_some()
    }

    /// The area repaired the way psapguard repairs a boundary (for a clean generated layer).
    pub(crate) fn repaired(&self) -> Area {
        let (_, geometry) = psapguard::coverage::validity::check_and_repair(&self.polygons);
        let polygons = from_geo(&geometry);
        Area {
            polygons,
            ..self.clone()
        }
    }

    /// Up to `n` points well inside (200 m from any border), from `n * 20` random tries.
    pub(crate) fn points_inside(&self, mut random: impl FnMut() -> f64, n: usize) -> Vec<[f64; 2]> {
        use geo::{Contains, Point};
        let shape = to_geo(self);
        let Some(rect) = geo::BoundingRect::bounding_rect(&shape) else {
            return vec![];
        };
        const NEAR: f64 = 0.002;
        let mut out = Vec::new();
        for _ in 0..n * 20 {
            let p = [
                rect.min().x + rect.width() * random(),
                rect.min().y + rect.height() * random(),
            ];
            let around = [(0.0, 0.0), (NEAR, 0.0), (-NEAR, 0.0), (0.0, NEAR), (0.0, -NEAR)];
            if around
                .iter()
                .all(|(dx, dy)| shape.contains(&Point::new(p[0] + dx, p[1] + dy)))
            {
                out.push([(p[0] * 1e5).round() / 1e5, (p[1] * 1e5).round() / 1e5]);
                if out.len() == n {
                    break;
                }
            }
        }
        out
    }

    /// Without the rings the 1:10M quantization collapsed (fewer than 4 points once repeated
    /// points go): a polygon whose exterior collapsed goes with its holes. Neighbours lose the
    /// same slivers, since they share the arcs.
    pub(crate) fn cleaned(&self) -> Area {
        let polygons = self
            .polygons
            .iter()
            .filter_map(|p| {
                let rings: Vec<Vec<[f64; 2]>> = p
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        r.dedup();
                        r
                    })
                    .collect();
                (rings[0].len() >= 4).then(|| rings.into_iter().filter(|r| r.len() >= 4).collect())
            })
            .collect();
        Area {
            polygons,
            ..self.clone()
        }
    }
}

/// NENA fields of a boundary feature, in the template's order.
pub(crate) const NENA: [&str; 11] = [
    "DiscrpAgID",
    "DateUpdate",
    "Effective",
    "Expire",
    "NGUID",
    "Agency_ID",
    "ServiceURI",
    "ServiceURN",
    "ServiceNum",
    "AVcard_URI",
    "DsplayName",
];

/// Fields of a provisioning boundary.
pub(crate) const NENA_PROVISIONING: [&str; 5] = ["DiscrpAgID", "DateUpdate", "Effective", "Expire", "NGUID"];

pub(crate) struct Feature {
    /// One value per field of the layer (None = NULL).
    pub fields: Vec<Option<String>>,
    pub polygons: Polygons,
}

/// A GeoPackage being written (EPSG:4326, integer `fid` keys, `geom` columns).
pub(crate) struct Gpkg {
    db: Connection,
}

impl Gpkg {
    pub(crate) fn create(path: &Path) -> Gpkg {
        let _ = std::fs::remove_file(path);
        let db = Connection::open(path).expect("create the GeoPackage");
        db.execute_batch(
            "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
             CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
             INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL), ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
               ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433],AUTHORITY[\"EPSG\",\"4326\"]]', NULL);
             CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
             CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));",
        )
        .expect("GeoPackage tables");
        Gpkg { db }
    }

    /// Writes a MULTIPOLYGON layer with TEXT fields.
    pub(crate) fn layer(&mut self, name: &str, fields: &[&str], features: &[Feature]) {
        let columns: Vec<String> = fields.iter().map(|f| format!("\"{f}\" TEXT")).collect();
        let tx = self.db.transaction().expect("transaction");
        tx.execute_batch(&format!(
            "CREATE TABLE \"{name}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON, {});",
            columns.join(", ")
        ))
        .expect("layer table");
        tx.execute(
            "INSERT INTO gpkg_contents VALUES (?1, 'features', ?1, '', '2026-01-01T00:00:00.000Z', -180, -90, 180, 90, 4326)",
            params![name],
        )
        .expect("contents");
        tx.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', 'MULTIPOLYGON', 4326, 0, 0)",
            params![name],
        )
        .expect("geometry column");
        {
            let marks: Vec<String> = (0..fields.len() + 1).map(|i| format!("?{}", i + 1)).collect();
            let names: Vec<String> = fields.iter().map(|f| format!("\"{f}\"")).collect();
            let sql = format!(
                "INSERT INTO \"{name}\" (geom, {}) VALUES ({})",
                names.join(", "),
                marks.join(", ")
            );
            let mut insert = tx.prepare(&sql).expect("insert");
            for f in features {
                let mut values: Vec<rusqlite::types::Value> =
                    vec![rusqlite::types::Value::Blob(geometry_blob(&f.polygons))];
                values.extend(f.fields.iter().map(|v| match v {
                    Some(s) => rusqlite::types::Value::Text(s.clone()),
                    None => rusqlite::types::Value::Null,
                }));
                insert
                    .execute(rusqlite::params_from_iter(values))
                    .expect("insert feature");
            }
        }
        tx.commit().expect("commit");
    }
}

/// GeoPackage binary: `GP`, version 0, flags (little-endian, xy envelope), srs 4326, then WKB.
pub(crate) fn geometry_blob(polygons: &Polygons) -> Vec<u8> {
    let points = polygons.iter().flatten().flatten();
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in points {
        for i in 0..2 {
            min[i] = min[i].min(p[i]);
            max[i] = max[i].max(p[i]);
        }
    }
    let mut b = vec![b'G', b'P', 0, 0b0000_0011];
    b.extend(4326i32.to_le_bytes());
    for v in [min[0], max[0], min[1], max[1]] {
        b.extend(v.to_le_bytes());
    }
    b.push(1);
    b.extend(6u32.to_le_bytes());
    b.extend((polygons.len() as u32).to_le_bytes());
    for polygon in polygons {
        b.push(1);
        b.extend(3u32.to_le_bytes());
        b.extend((polygon.len() as u32).to_le_bytes());
        for ring in polygon {
            b.extend((ring.len() as u32).to_le_bytes());
            for p in ring {
                b.extend(p[0].to_le_bytes());
                b.extend(p[1].to_le_bytes());
            }
        }
    }
    b
}

/// An area as a geo multipolygon.
pub(crate) fn to_geo(a: &Area) -> geo::MultiPolygon<f64> {
    use geo::{LineString, Polygon};
    geo::MultiPolygon::new(
        a.polygons
            .iter()
            .map(|p| {
                let mut rings = p
                    .iter()
                    .map(|r| LineString::from(r.iter().map(|c| (c[0], c[1])).collect::<Vec<_>>()));
                let exterior = rings.next().unwrap_or_else(|| LineString::new(vec![]));
                Polygon::new(exterior, rings.collect())
            })
            .collect(),
    )
}

/// A geo multipolygon as plain rings.
pub(crate) fn from_geo(m: &geo::MultiPolygon<f64>) -> Polygons {
    m.0.iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| r.0.iter().map(|c| [c.x, c.y]).collect())
                .collect()
        })
        .collect()
}

/// The union of areas as plain polygons (for a provisioning boundary made of counties).
pub(crate) fn union(areas: &[&Area]) -> Polygons {
    let polygons: Vec<geo::MultiPolygon<f64>> = areas.iter().map(|a| to_geo(a)).collect();
    from_geo(&geo::unary_union(polygons.iter()))
}

/// A PSAP boundary feature's NENA fields.
pub(crate) fn psap_fields(nguid: &str, uri: &str, name: &str, agency: &str) -> Vec<Option<String>> {
    [
        Some("co.example.gov".to_string()),
        Some("2026-01-01T00:00:00.000Z".into()),
        Some("2020-01-01T00:00:00.000Z".into()),
        None,
        Some(nguid.into()),
        Some(agency.into()),
        Some(uri.into()),
        Some("urn:emergency:service:sos.psap".into()),
        Some("911".into()),
        Some(format!("https://{agency}/vcard")),
        Some(name.chars().take(60).collect()),
    ]
    .into()
}
