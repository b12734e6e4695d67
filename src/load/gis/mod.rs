//! Reading NG9-1-1 GIS boundary layers (SPEC §7): GeoPackage, GeoJSON and shapefile.
//!
//! Every reader turns a layer into [`Feature`]s: the NENA fields and the polygons' rings as
//! written (unclosed or too-short rings stay visible for `invalid-geometry`). A layer that
//! cannot be read or used keeps the one sentence that says why; it becomes a
//! `boundary-format` finding and never stops the routing check.

pub mod crs;
pub mod dates;
mod geojson;
mod gpkg;
mod shp;
mod wal;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::{Boundary, BoundaryKind, Feature, NENA_FIELDS, NenaFields, SourceFile, Table};

/// Largest layer file read (the same bound as a table file): bigger files are refused unread.
pub const MAX_LAYER_BYTES: u64 = super::MAX_FILE_BYTES;

/// Most points a layer may hold: bounds memory on a hostile file that is mostly points.
pub const MAX_LAYER_POINTS: usize = 40_000_000;

/// Where a table's layer and policy files come from: the disk, or a git revision. Both
/// sides of a diff read through one of these, with the same limits and path rules.
pub trait LayerFiles {
    /// The bytes of `rel`, relative to the table file `from`; or why it cannot be read
    /// (`too_big` says why a file over the size bound is refused, naming its kind).
    fn read_as(&self, from: u32, rel: &str, too_big: fn(u64) -> String) -> Result<Vec<u8>, String>;

    /// The files `rel` (relative to the table file `from`) stands for: itself (one empty
    /// path), or every file below the directory whose name ends in `.{ext}` (any case), as
    /// paths below it in name order.
    fn list(&self, from: u32, rel: &str, ext: &str) -> Result<Vec<PathBuf>, String>;

    /// [`LayerFiles::read_as`] for a layer file.
    fn read(&self, from: u32, rel: &str) -> Result<Vec<u8>, String> {
        self.read_as(from, rel, too_big)
    }

    /// [`LayerFiles::read_as`], also saying where the file can be read again for code frames
    /// (its real path, size and modification time when read): only a file on disk can.
    fn read_source(
        &self,
        from: u32,
        rel: &str,
        too_big: fn(u64) -> String,
    ) -> Result<(Vec<u8>, Option<OnDisk>), String> {
        self.read_as(from, rel, too_big).map(|bytes| (bytes, None))
    }
}

/// A file read from disk: its real path, and its size and modification time when read.
pub type OnDisk = (PathBuf, Option<(u64, std::time::SystemTime)>);

/// Most files one directory entry (`policies: - file: dir/`) may stand for: far above any
/// Policy Store export (one policy per ESRP and PSAP queue), and a bound on a hostile tree.
pub const MAX_LISTED_FILES: usize = 100_000;

/// What a directory with more than [`MAX_LISTED_FILES`] files ending in `.{ext}` says.
pub fn too_many(ext: &str) -> String {
    format!("holds more than {MAX_LISTED_FILES} *.{ext} files; psapguard reads at most that many")
}

/// Whether `name` ends in `.{ext}`, in any letter case.
pub fn has_extension(name: &Path, ext: &str) -> bool {
    name.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Layer files on disk, admitted like table files: regular files inside the table's root.
pub struct DiskFiles {
    /// For each table file: its real path and the root its tree must stay inside.
    pub files: Vec<Option<(PathBuf, PathBuf)>>,
}

impl DiskFiles {
    /// The table file's real path and root, or why files it names cannot be read.
    fn table_file(&self, from: u32) -> Result<&(PathBuf, PathBuf), String> {
        match self.files.get(from as usize) {
            Some(Some(file)) => Ok(file),
            _ => Err("cannot be read: the table file naming it was read from standard input".into()),
        }
    }
}

impl LayerFiles for DiskFiles {
    fn read_as(&self, from: u32, rel: &str, too_big: fn(u64) -> String) -> Result<Vec<u8>, String> {
        self.read_source(from, rel, too_big).map(|(bytes, _)| bytes)
    }

    fn read_source(
        &self,
        from: u32,
        rel: &str,
        too_big: fn(u64) -> String,
    ) -> Result<(Vec<u8>, Option<OnDisk>), String> {
        let (real, root) = self.table_file(from)?;
        let candidate = real.parent().unwrap_or(Path::new(".")).join(rel);
        let admitted = super::admit::inside(root, &candidate)?;
        let file = super::admit::open_regular(&admitted)?;
        // Stamped before reading: a file changed while read is not trusted for frames.
        let stamp = file.metadata().ok().and_then(|m| Some((m.len(), m.modified().ok()?)));
        let bytes = read_bounded_as(file, too_big)?;
        if lfs_pointer(&bytes).is_some() {
            return Err("is a Git LFS pointer: its object is not in this checkout (`git lfs pull`)".into());
        }
        Ok((bytes, Some((admitted, stamp))))
    }

    fn list(&self, from: u32, rel: &str, ext: &str) -> Result<Vec<PathBuf>, String> {
        let (real, root) = self.table_file(from)?;
        let given = real.parent().unwrap_or(Path::new(".")).join(rel);
        let admitted = super::admit::inside(root, &given)?;
        let meta = std::fs::metadata(&admitted).map_err(|e| format!("cannot be read: {}", super::plain_io(&e)))?;
        if !meta.is_dir() {
            return Ok(vec![PathBuf::new()]);
        }
        let mut out = Vec::new();
        let mut pending = vec![PathBuf::new()];
        // Real directories already listed: a link to an ancestor would list forever.
        let mut seen = std::collections::BTreeSet::from([admitted]);
        while let Some(below) = pending.pop() {
            let dir = given.join(&below);
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot be read: {}", super::plain_io(&e)))?;
            for entry in entries.flatten() {
                let path = entry.path();
                let below = below.join(entry.file_name());
                // A link out of the tree is not read; one named like the files wanted is listed,
                // to be refused when read (as a link in a table directory, and as `diff
                // --base` refuses it at the revision), not silently left out.
                let Ok(real) = super::admit::inside(root, &path) else {
                    if has_extension(&path, ext) {
                        out.push(below);
                    }
                    continue;
                };
                if real.is_dir() {
                    if seen.insert(real) {
                        pending.push(below);
                    }
                } else if has_extension(&path, ext) {
                    out.push(below);
                }
                if out.len() > MAX_LISTED_FILES {
                    return Err(too_many(ext));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// The object size a Git LFS pointer file names, if `bytes` is one.
pub(super) fn lfs_pointer(bytes: &[u8]) -> Option<u64> {
    if bytes.len() > 1024 || !bytes.starts_with(b"version https://git-lfs.github.com/spec/") {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("size "))
        .and_then(|n| n.trim().parse().ok())
        .or(Some(0))
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
/// A layer named twice (the same file, layer and kind) is read once: the later entry is a
/// `boundary-format` finding, not a second copy to overlay (k copies cost k² overlays). And
/// the run reads at most [`MAX_RUN_POINTS`] points over all its layers.
pub fn read_boundaries(table: &mut Table, files: &dyn LayerFiles) {
    let boundaries = std::mem::take(&mut table.boundaries);
    let mut read = Vec::with_capacity(boundaries.len());
    let mut seen: std::collections::HashMap<(String, Option<String>, BoundaryKind), u32> =
        std::collections::HashMap::new();
    let mut points = 0usize;
    for mut b in boundaries {
        b.shown = shown_path(&table.files[b.loc.file as usize], &b.file);
        let key = (
            lexical_key(&b.shown),
            b.layer.as_ref().map(|l| l.to_lowercase()),
            b.kind,
        );
        if let Some(line) = seen.get(&key) {
            b.read = Err(format!(
                "is named again here: the same layer is named at line {line}, and is read once"
            ));
        } else if points >= MAX_RUN_POINTS {
            seen.insert(key, b.loc.line);
            b.read = Err(format!(
                "is not read: this table's layers already hold {points} points, the most psapguard reads in one run ({MAX_RUN_POINTS})"
            ));
        } else {
            seen.insert(key, b.loc.line);
            b.read = read_layer(&b, files);
            if let Ok(features) = &b.read {
                points += points_of(features);
            }
        }
        if b.kind == BoundaryKind::Service {
            read.extend(split_service(b));
        } else {
            read.push(b);
        }
    }
    table.boundaries = read;
}

/// A generic service boundary layer as one layer per coverage its features' `ServiceURN`s
/// name (SPEC §7), each the same file and layer; features of no known service keep the
/// `service` kind (and get their `boundary-attribute` finding).
fn split_service(mut b: Boundary) -> Vec<Boundary> {
    let features = match std::mem::replace(&mut b.read, Ok(Vec::new())) {
        Ok(features) if !features.is_empty() => features,
        other => {
            b.read = other;
            return vec![b];
        }
    };
    let mut by_kind: std::collections::BTreeMap<BoundaryKind, Vec<Feature>> = std::collections::BTreeMap::new();
    for f in features {
        let kind = f
            .fields
            .service_urn
            .as_deref()
            .and_then(BoundaryKind::of_service_urn)
            .unwrap_or(BoundaryKind::Service);
        by_kind.entry(kind).or_default().push(f);
    }
    by_kind
        .into_iter()
        .map(|(kind, features)| Boundary {
            kind,
            read: Ok(features),
            ..b.clone()
        })
        .collect()
}

/// Most points read over all the layers of one run (each layer: [`MAX_LAYER_POINTS`]).
pub const MAX_RUN_POINTS: usize = 2 * MAX_LAYER_POINTS;

/// A layer path as one key however it is spelled (`gis/./x.gpkg`, `gis/../gis/x.gpkg`).
fn lexical_key(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
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
    fn read_as(&self, _from: u32, rel: &str, _too_big: fn(u64) -> String) -> Result<Vec<u8>, String> {
        self.0
            .get(rel)
            .cloned()
            .ok_or_else(|| "cannot be read: no such file or directory".into())
    }

    fn list(&self, _from: u32, rel: &str, ext: &str) -> Result<Vec<PathBuf>, String> {
        if self.0.contains_key(rel) {
            return Ok(vec![PathBuf::new()]);
        }
        let dir = Path::new(rel);
        let mut out: Vec<PathBuf> = self
            .0
            .keys()
            .filter_map(|k| Path::new(k).strip_prefix(dir).ok())
            .filter(|below| has_extension(below, ext))
            .map(Path::to_path_buf)
            .collect();
        out.sort();
        Ok(out)
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

/// A layer format psapguard reads: one row per reader, so the dispatch, the refusal message,
/// the fuzzers and the CI templates' path filters (tested) name the same files.
pub struct Reader {
    pub name: &'static str,
    /// File name endings that select it (compared without case).
    pub extensions: &'static [&'static str],
    /// Files read beside the layer file: its name with this ending added or swapped in.
    pub sidecars: &'static [&'static str],
    /// Whether one file holds several layers (`layer:` picks one).
    pub layers: bool,
    read: fn(&Boundary, &dyn LayerFiles) -> Result<Vec<crate::model::Feature>, String>,
}

/// Every layer format psapguard reads.
pub const READERS: &[Reader] = &[
    Reader {
        name: "GeoPackage",
        extensions: &["gpkg"],
        // Saved edits of a GeoPackage in WAL mode sit beside it until a checkpoint.
        sidecars: &["gpkg-wal"],
        layers: true,
        read: read_gpkg,
    },
    Reader {
        name: "GeoJSON",
        extensions: &["geojson", "json"],
        sidecars: &[],
        layers: false,
        read: |b, files| geojson::read(&files.read(b.loc.file, &b.file)?, b.kind),
    },
    Reader {
        name: "shapefile",
        extensions: &["shp"],
        sidecars: &["dbf", "prj"],
        layers: false,
        read: |b, files| shp::read(files, b.loc.file, &b.file, b.kind),
    },
];

/// The reader of a layer file, by its name's ending.
pub fn reader_of(file: &str) -> Option<&'static Reader> {
    let ext = Path::new(file).extension().and_then(|e| e.to_str()).unwrap_or("");
    READERS
        .iter()
        .find(|r| r.extensions.iter().any(|x| x.eq_ignore_ascii_case(ext)))
}

fn read_gpkg(b: &Boundary, files: &dyn LayerFiles) -> Result<Vec<crate::model::Feature>, String> {
    let from = b.loc.file;
    let bytes = files.read(from, &b.file)?;
    let wal = match files.read(from, &format!("{}-wal", b.file)) {
        Ok(wal) => Some(wal),
        Err(why) if why.contains("no such file") => None,
        Err(why) => return Err(format!("has a -wal file beside it that {why}")),
    };
    let bytes = wal::apply(bytes, wal.as_deref())?;
    gpkg::read(&bytes, b.layer.as_deref(), b.kind)
}

fn read_layer(b: &Boundary, files: &dyn LayerFiles) -> Result<Vec<crate::model::Feature>, String> {
    let Some(reader) = reader_of(&b.file) else {
        let ext = Path::new(&b.file).extension().and_then(|e| e.to_str()).unwrap_or("");
        let known: Vec<String> = READERS
            .iter()
            .flat_map(|r| r.extensions.iter().map(|x| format!(".{x}")))
            .collect();
        let (last, rest) = known.split_last().expect("readers");
        return Err(format!(
            "is not a layer file psapguard reads ({} or {last}), found `.{}`",
            rest.join(", "),
            crate::escape::short(&ext.to_ascii_lowercase(), 20)
        ));
    };
    if !reader.layers {
        only_layer(b)?;
    }
    let features = (reader.read)(b, files)?;
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
    let points = points_of(features);
    if points > MAX_LAYER_POINTS {
        return Err(too_many_points(points));
    }
    Ok(())
}

fn points_of(features: &[Feature]) -> usize {
    features.iter().flat_map(|f| &f.polygons).flatten().map(Vec::len).sum()
}

fn too_many_points(points: usize) -> String {
    format!(
        "holds more than {MAX_LAYER_POINTS} points (read {points} before stopping); psapguard reads layers of at most {MAX_LAYER_POINTS} points"
    )
}

/// The NENA fields a layer of `kind` must have (SPEC §7; NENA-STA-006.3 required fields).
pub fn required_fields(kind: BoundaryKind) -> impl Iterator<Item = &'static str> {
    NENA_FIELDS
        .iter()
        .filter(move |f| f.required && (kind != BoundaryKind::Provisioning || !f.service))
        .map(|f| f.name)
}

/// The NENA fields that hold dates: read in every writer's form (SPEC §7).
const DATE_FIELDS: [&str; 3] = ["DateUpdate", "Effective", "Expire"];

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
                let mut value = column(*c).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                if DATE_FIELDS.contains(&field.name) {
                    value = value.and_then(|text| match dates::read(&text) {
                        dates::DateText::Empty => None,
                        dates::DateText::Day(day) => Some(day),
                        dates::DateText::Other => Some(text),
                    });
                }
                *(field.get_mut)(&mut out) = value;
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
