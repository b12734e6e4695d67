//! Reading NG9-1-1 GIS boundary layers (SPEC §7): GeoPackage, GeoJSON and shapefile.
//!
//! Every reader turns a layer into [`Feature`]s: the NENA fields and the polygons' rings as
//! written (unclosed or too-short rings stay visible for `invalid-geometry`). A layer that
//! cannot be read or used keeps the one sentence that says why; it becomes a
//! `boundary-format` finding and never stops the routing check.

mod geojson;
mod gpkg;
mod shp;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::{Boundary, BoundaryKind, Feature, NENA_FIELDS, NenaFields, SourceFile, Table};

/// Largest layer file read (the same bound as a table file): bigger files are refused unread.
pub const MAX_LAYER_BYTES: u64 = super::MAX_FILE_BYTES;

/// Most points a layer may hold: bounds memory on a hostile file that is mostly points.
pub const MAX_LAYER_POINTS: usize = 40_000_000;

/// Where a table's layer files come from: the disk, or a git revision.
pub trait LayerFiles {
    /// The bytes of `rel`, relative to the table file `from`; or why it cannot be read.
    fn read(&self, from: u32, rel: &str) -> Result<Vec<u8>, String>;
}

/// Layer files on disk, admitted like table files: regular files inside the table's root.
pub struct DiskFiles {
    /// For each table file: its real path and the root its tree must stay inside.
    pub files: Vec<Option<(PathBuf, PathBuf)>>,
}

impl LayerFiles for DiskFiles {
    fn read(&self, from: u32, rel: &str) -> Result<Vec<u8>, String> {
        let Some(Some((real, root))) = self.files.get(from as usize) else {
            return Err("cannot be read: the table file naming it was read from standard input".into());
        };
        let candidate = real.parent().unwrap_or(Path::new(".")).join(rel);
        let admitted = super::admit::inside(root, &candidate)?;
        let file = super::admit::open_regular(&admitted)?;
        read_bounded(file)
    }
}

/// Reads at most [`MAX_LAYER_BYTES`], refusing a bigger file before reading it.
pub fn read_bounded(file: std::fs::File) -> Result<Vec<u8>, String> {
    read_bounded_as(file, too_big)
}

/// [`read_bounded`], saying why with `too_big` (which names the kind of file).
pub fn read_bounded_as(file: std::fs::File, too_big: fn(u64) -> String) -> Result<Vec<u8>, String> {
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_LAYER_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_LAYER_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {}", super::plain_io(&e)))?;
    if bytes.len() as u64 > MAX_LAYER_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

pub fn too_big(size: u64) -> String {
    format!(
        "is {} MB; psapguard reads layer files of at most {} MB",
        size >> 20,
        MAX_LAYER_BYTES >> 20
    )
}

/// Reads every boundary layer the table declares; each keeps its features or its problem.
pub fn read_boundaries(table: &mut Table, files: &dyn LayerFiles) {
    let mut boundaries = std::mem::take(&mut table.boundaries);
    for b in &mut boundaries {
        b.shown = shown_path(&table.files[b.loc.file as usize], &b.file);
        b.read = read_layer(b, files);
    }
    table.boundaries = boundaries;
}

/// The layer file's path as findings write it: beside the table file's path as shown.
fn shown_path(from: &SourceFile, rel: &str) -> String {
    let dir = Path::new(&from.path).parent().unwrap_or(Path::new(""));
    let joined = dir.join(rel);
    joined.to_string_lossy().into_owned()
}

/// Layer files held in memory, by their path relative to the table file (tests, fuzzing).
pub struct MemoryFiles(pub std::collections::HashMap<String, Vec<u8>>);

impl LayerFiles for MemoryFiles {
    fn read(&self, _from: u32, rel: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(rel)
            .cloned()
            .ok_or_else(|| "cannot be read: no such file or directory".into())
    }
}

/// Reads one layer file as a boundary layer of `kind` (what `check` does for each layer the
/// table names).
pub fn read_one(
    file: &str,
    layer: Option<&str>,
    kind: BoundaryKind,
    files: &dyn LayerFiles,
) -> Result<Vec<Feature>, String> {
    let b = Boundary {
        file: file.to_string(),
        layer: layer.map(str::to_string),
        kind,
        waivers: Vec::new(),
        loc: crate::model::Loc::default(),
        shown: file.to_string(),
        read: Ok(Vec::new()),
    };
    read_layer(&b, files)
}

fn read_layer(b: &Boundary, files: &dyn LayerFiles) -> Result<Vec<crate::model::Feature>, String> {
    let ext = Path::new(&b.file)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let from = b.loc.file;
    let features = match ext.as_str() {
        "gpkg" => gpkg::read(&files.read(from, &b.file)?, b.layer.as_deref(), b.kind)?,
        "geojson" | "json" => {
            only_layer(b)?;
            geojson::read(&files.read(from, &b.file)?, b.kind)?
        }
        "shp" => {
            only_layer(b)?;
            shp::read(files, from, &b.file, b.kind)?
        }
        _ => {
            return Err(format!(
                "is not a layer file psapguard reads (.gpkg, .geojson, .json or .shp), found `.{}`",
                crate::escape::short(&ext, 20)
            ));
        }
    };
    check_points(&features)?;
    Ok(features)
}

/// A file of one layer cannot be asked for another.
fn only_layer(b: &Boundary) -> Result<(), String> {
    match &b.layer {
        Some(layer) => Err(format!(
            "holds one layer; `layer: {}` names a layer only a GeoPackage has",
            crate::escape::short(layer, 60)
        )),
        None => Ok(()),
    }
}

fn check_points(features: &[Feature]) -> Result<(), String> {
    let points: usize = features.iter().flat_map(|f| &f.polygons).flatten().map(Vec::len).sum();
    if points > MAX_LAYER_POINTS {
        return Err(format!(
            "holds {points} points; psapguard reads layers of at most {MAX_LAYER_POINTS} points"
        ));
    }
    Ok(())
}

/// Coordinate systems accepted as WGS84 longitude/latitude (SPEC §7): EPSG:4326, OGC CRS84
/// and NAD83 (EPSG:4269), which differ by less than two metres.
pub fn accepted_crs(organization: &str, code: i64) -> bool {
    let org = organization.to_ascii_uppercase();
    (org == "EPSG" && matches!(code, 4326 | 4269)) || (org == "OGC" && code == 84)
}

/// The NENA fields a layer of `kind` must have (SPEC §7; NENA-STA-006.3 required fields).
pub fn required_fields(kind: BoundaryKind) -> impl Iterator<Item = &'static str> {
    NENA_FIELDS
        .iter()
        .filter(move |f| f.required && (kind != BoundaryKind::Provisioning || !f.service))
        .map(|f| f.name)
}

/// The layer's columns that hold NENA fields, matched without regard to case; names the
/// first required field the layer lacks.
pub struct FieldMap {
    /// For each NENA field, its column index in the layer (if the layer has it).
    columns: Vec<Option<usize>>,
}

impl FieldMap {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> FieldMap {
        let names: Vec<&str> = names.into_iter().collect();
        let columns = NENA_FIELDS
            .iter()
            .map(|f| names.iter().position(|n| n.eq_ignore_ascii_case(f.name)))
            .collect();
        FieldMap { columns }
    }

    /// Fills the NENA fields from a row, given the text of a column.
    pub fn fields(&self, mut column: impl FnMut(usize) -> Option<String>) -> NenaFields {
        let mut out = NenaFields::default();
        for (field, col) in NENA_FIELDS.iter().zip(&self.columns) {
            if let Some(c) = col {
                *(field.get_mut)(&mut out) = column(*c).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            }
        }
        out
    }

    /// The map, or why a layer with these columns is not a NENA layer of `kind`.
    pub fn for_kind<'a>(names: impl IntoIterator<Item = &'a str>, kind: BoundaryKind) -> Result<FieldMap, String> {
        let map = FieldMap::new(names);
        let missing = map.missing(kind);
        if missing.is_empty() {
            Ok(map)
        } else {
            Err(missing_fields(kind, &missing))
        }
    }

    /// The required fields of `kind` this layer has no column for.
    fn missing(&self, kind: BoundaryKind) -> Vec<&'static str> {
        let have: Vec<&str> = NENA_FIELDS
            .iter()
            .zip(&self.columns)
            .filter(|(_, c)| c.is_some())
            .map(|(f, _)| f.name)
            .collect();
        required_fields(kind).filter(|f| !have.contains(f)).collect()
    }
}

pub fn missing_fields(kind: BoundaryKind, missing: &[&str]) -> String {
    let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
    format!(
        "is not a NENA {} layer: it has no {} field{}",
        kind.name(),
        list.join(", "),
        if missing.len() == 1 { "" } else { "s" }
    )
}

/// Why a layer of other geometries is not a boundary layer.
pub fn polygons_only(type_name: &str) -> String {
    format!("holds {type_name} geometries; a boundary layer holds polygons and multipolygons")
}
