//! GeoPackage layers (OGC 12-128r18) from untrusted bytes: the database is opened in memory,
//! read-only, with the schema distrusted, no extensions and a step budget, so a crafted file
//! can neither write, nor call out, nor run for ever. NENA's template has R-tree triggers that
//! call `ST_*` functions; a read-only connection never fires them.

use std::time::{Duration, Instant};

use geo_traits::{CoordTrait, GeometryTrait, GeometryType, LineStringTrait, MultiPolygonTrait, PolygonTrait};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, limits::Limit};

use super::FieldMap;
use crate::model::{BoundaryKind, Feature, RawPolygon, Ring};

/// Longest a GeoPackage's queries may run: a crafted view could loop for ever.
const TIME_BUDGET: Duration = Duration::from_secs(60);

/// Longest all of a run's GeoPackage queries may run together: a table naming a hundred
/// slow layers must not cost a hundred budgets.
const RUN_BUDGET: Duration = Duration::from_secs(300);

/// SQLite time spent by the run's GeoPackages read so far, in milliseconds.
static SPENT_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn spent() -> Duration {
    Duration::from_millis(SPENT_MS.load(std::sync::atomic::Ordering::Relaxed))
}

/// Most memory SQLite may hold (the database itself, read into memory, included).
const MAX_SQLITE_HEAP: i64 = super::MAX_LAYER_BYTES as i64 + (256 << 20);

/// A layer must be a table of the file: a view (or a virtual table) runs the file author's
/// query, which can cost without bound however small the file.
fn only_a_table(db: &Connection, table: &str) -> Result<(), String> {
    let found = db.query_row(
        "SELECT type, coalesce(sql, '') FROM sqlite_master WHERE name = ?1 AND type IN ('table', 'view')",
        [table],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    );
    match found {
        Ok((kind, sql)) if kind == "table" && !sql.trim_start().to_ascii_uppercase().starts_with("CREATE VIRTUAL") => {
            Ok(())
        }
        Ok((kind, _)) => Err(format!(
            "is {}, not a table: psapguard reads a layer's own table only",
            if kind == "view" { "a view" } else { "a virtual table" }
        )),
        Err(_) => Err("has no table of that name in the file".to_string()),
    }
}

pub(super) fn read(bytes: &[u8], layer: Option<&str>, kind: BoundaryKind) -> Result<Vec<Feature>, String> {
    if !bytes.starts_with(b"SQLite format 3\0") {
        return Err("is not a GeoPackage: it is not an SQLite database".into());
    }
    if spent() > RUN_BUDGET {
        return Err(run_budget_spent());
    }
    let started = Instant::now();
    let read = read_database(bytes, layer, kind);
    let ms = started.elapsed().as_millis() as u64;
    SPENT_MS.fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    read
}

fn run_budget_spent() -> String {
    format!(
        "is not read: this run's GeoPackages took more than {} s of queries in all",
        RUN_BUDGET.as_secs()
    )
}

fn read_database(bytes: &[u8], layer: Option<&str>, kind: BoundaryKind) -> Result<Vec<Feature>, String> {
    let db = open(bytes).map_err(|e| format!("is not a readable GeoPackage: {}", sqlite_words(&e)))?;
    let table = choose_layer(&db, layer)?;
    only_a_table(&db, &table)?;
    let (geometry, srs_id) = geometry_column(&db, &table)?;
    let crs = layer_crs(&db, srs_id)?;
    let mut features = read_features(&db, &table, &geometry, kind)?;
    super::crs::to_wgs84(&mut features, &crs)?;
    Ok(features)
}

fn open(bytes: &[u8]) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut db = Connection::open_in_memory_with_flags(flags)?;
    // The schema's views and triggers are the file author's: run none of their functions.
    db.pragma_update(None, "trusted_schema", "OFF")?;
    // Sorts and temporary tables stay in memory, and SQLite's memory is bounded: a query
    // cannot fill the disk or the machine (a 20 KB file once wrote 52 GB of temporary data).
    db.pragma_update(None, "temp_store", "MEMORY")?;
    db.pragma_update(None, "hard_heap_limit", MAX_SQLITE_HEAP)?;
    db.set_limit(Limit::SQLITE_LIMIT_LENGTH, super::MAX_LAYER_BYTES as i32)?;
    db.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000)?;
    db.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    db.set_limit(Limit::SQLITE_LIMIT_EXPR_DEPTH, 100)?;
    let started = Instant::now();
    db.progress_handler(
        100_000,
        Some(move || started.elapsed() > TIME_BUDGET || spent() + started.elapsed() > RUN_BUDGET),
    )?;
    db.deserialize_read_exact("main", bytes, bytes.len(), true)?;
    Ok(db)
}

/// The layer asked for, or the file's only features layer.
fn choose_layer(db: &Connection, layer: Option<&str>) -> Result<String, String> {
    let layers: Vec<String> = query_strings(
        db,
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
    )
    .map_err(|e| format!("is not a GeoPackage: {}", sqlite_words(&e)))?;
    let list = || {
        let shown: Vec<String> = layers.iter().take(20).map(|l| format!("`{}`", short(l))).collect();
        if shown.is_empty() {
            "none".to_string()
        } else {
            shown.join(", ")
        }
    };
    match layer {
        // Exact first; then without regard to case, as GDAL and SQLite match table names.
        Some(name) => layers
            .iter()
            .find(|l| l.as_str() == name)
            .or_else(|| layers.iter().find(|l| l.eq_ignore_ascii_case(name)))
            .cloned()
            .ok_or_else(
                || match crate::suggest::did_you_mean(name, layers.iter().map(String::as_str)) {
                    Some(close) => format!(
                        "has no features layer `{}`; did you mean `{}`?",
                        short(name),
                        short(close)
                    ),
                    None => format!("has no features layer `{}`; its layers: {}", short(name), list()),
                },
            ),
        None if layers.len() == 1 => Ok(layers[0].clone()),
        None => Err(format!(
            "holds {} features layers; name one with `layer:` ({})",
            layers.len(),
            list()
        )),
    }
}

/// The layer's geometry column and coordinate system.
fn geometry_column(db: &Connection, table: &str) -> Result<(String, i64), String> {
    let row = db
        .query_row(
            "SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [table],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)),
        )
        .map_err(|e| {
            format!(
                "has no geometry column for layer `{}`: {}",
                short(table),
                sqlite_words(&e)
            )
        })?;
    let (column, type_name, srs) = row;
    let upper = type_name.to_ascii_uppercase();
    if !matches!(
        upper.as_str(),
        "POLYGON" | "MULTIPOLYGON" | "GEOMETRY" | "MULTISURFACE" | "CURVEPOLYGON"
    ) {
        return Err(super::polygons_only(&type_name));
    }
    Ok((column, srs))
}

/// The layer's coordinate system: by its code, else by the WKT definition the file gives
/// (ArcGIS writes ESRI codes such as 102719, which only the definition explains).
fn layer_crs(db: &Connection, srs_id: i64) -> Result<super::crs::Crs, String> {
    let found = db.query_row(
        "SELECT organization, organization_coordsys_id, srs_name, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
        [srs_id],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        },
    );
    match found {
        Ok((org, code, name, definition)) => {
            let by_code = super::crs::from_code(&org, code, name.as_deref().unwrap_or(""));
            match (by_code, definition) {
                (Ok(crs), _) => Ok(crs),
                (Err(why), Some(wkt)) => super::crs::from_wkt(&wkt).map_err(|_| why),
                (Err(why), None) => Err(why),
            }
        }
        Err(_) => Err(format!(
            "names the coordinate system {srs_id}, which its gpkg_spatial_ref_sys does not define"
        )),
    }
}

fn read_features(db: &Connection, table: &str, geometry: &str, kind: BoundaryKind) -> Result<Vec<Feature>, String> {
    let broken = |e: rusqlite::Error| format!("layer `{}` cannot be read: {}", short(table), sqlite_words(&e));
    let (columns, key) = columns(db, table).map_err(broken)?;
    let map = FieldMap::for_kind(columns.iter().map(String::as_str), kind)?;
    let key = key.map_or_else(|| "rowid".to_string(), |k| quote(&k));
    let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let sql = format!(
        "SELECT {key}, {}, {} FROM {} ORDER BY 1",
        quote(geometry),
        list.join(", "),
        quote(table)
    );
    let mut statement = db.prepare(&sql).map_err(broken)?;
    let mut rows = statement.query([]).map_err(broken)?;
    let mut out = Vec::new();
    let mut points = 0usize;
    while let Some(row) = rows.next().map_err(broken)? {
        let fid = text_of(row.get_ref(0).map_err(broken)?).unwrap_or_default();
        let polygons = match row.get_ref(1).map_err(broken)? {
            ValueRef::Blob(blob) => {
                decode(blob).map_err(|why| format!("feature {} of layer `{}` {why}", short(&fid), short(table)))?
            }
            _ => Vec::new(),
        };
        // The point limit holds while reading, not after the whole layer is in memory.
        points += polygons.iter().flatten().map(Vec::len).sum::<usize>();
        if points > super::MAX_LAYER_POINTS {
            return Err(super::too_many_points(points));
        }
        let fields = map.fields(|c| row.get_ref(c + 2).ok().and_then(text_of));
        out.push(Feature { fid, fields, polygons });
    }
    Ok(out)
}

/// The layer's attribute columns and its integer primary key (any name: `fid`, `OBJECTID`).
fn columns(db: &Connection, table: &str) -> rusqlite::Result<(Vec<String>, Option<String>)> {
    let mut statement = db.prepare(&format!("PRAGMA table_info({})", quote(table)))?;
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?;
    let mut names = Vec::new();
    let mut key = None;
    for row in rows {
        let (name, pk) = row?;
        if pk == 1 {
            key = Some(name.clone());
        }
        names.push(name);
    }
    Ok((names, key))
}

/// A GeoPackage geometry blob: `GP`, version, flags, srs id, envelope, then WKB.
fn decode(blob: &[u8]) -> Result<Vec<RawPolygon>, String> {
    let bad = |why: &str| format!("has a geometry that is not GeoPackage binary: {why}");
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err(bad("no `GP` header"));
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err(bad("an extended geometry type"));
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        _ => return Err(bad("an unknown envelope")),
    };
    let empty = flags & 0b0001_0000 != 0;
    let wkb = blob
        .get(8 + envelope..)
        .ok_or_else(|| bad("it ends inside its header"))?;
    if empty || wkb.is_empty() {
        return Ok(Vec::new());
    }
    let geometry = wkb::reader::read_wkb(wkb).map_err(|e| bad(&e.to_string()))?;
    match geometry.as_type() {
        GeometryType::Polygon(p) => Ok(vec![polygon(p)]),
        GeometryType::MultiPolygon(m) => Ok(m.polygons().map(|p| polygon(&p)).collect()),
        GeometryType::Point(_) | GeometryType::MultiPoint(_) => Err("is a point, not a polygon".into()),
        GeometryType::GeometryCollection(_) => Err("is a geometry collection, not a polygon".into()),
        _ => Err("is a line, not a polygon".into()),
    }
}

fn polygon(p: &impl PolygonTrait<T = f64>) -> RawPolygon {
    p.exterior()
        .into_iter()
        .map(|r| ring(&r))
        .chain(p.interiors().map(|r| ring(&r)))
        .collect()
}

fn ring(r: &impl LineStringTrait<T = f64>) -> Ring {
    r.coords().map(|c| [c.x(), c.y()]).collect()
}

fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => None,
    }
}

fn query_strings(db: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = db.prepare(sql)?;
    let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// An SQL identifier, quoted (the names come from the file).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn short(s: &str) -> String {
    crate::escape::short(s, 60)
}

/// SQLite's complaint in plain words.
fn sqlite_words(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted => {
            format!(
                "reading it took more than {} s (or the run's GeoPackages more than {} s in all)",
                TIME_BUDGET.as_secs(),
                RUN_BUDGET.as_secs()
            )
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OutOfMemory => {
            format!("reading it needs more than {} MB of memory", MAX_SQLITE_HEAP >> 20)
        }
        rusqlite::Error::SqliteFailure(f, Some(m)) if f.code == rusqlite::ErrorCode::NotADatabase => {
            format!("the database is damaged ({})", short(m))
        }
        other => short(&other.to_string()),
    }
}
