//! Loading a routing table: files and directories, YAML with limits, the model.

pub mod build;
pub mod schema;
pub mod yaml;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::model::{Loc, Node, SourceFile, Table};

/// Largest table file read; bigger files are refused before reading them.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// A problem found while loading: becomes a parse-error, schema or duplicate-id finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub loc: Loc,
    /// The element concerned, if any.
    pub element: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProblemKind {
    Parse,
    Schema,
    DuplicateId { first: Loc },
}

/// The table with what went wrong reading it.
#[derive(Debug)]
pub struct Loaded {
    pub table: Table,
    pub problems: Vec<Problem>,
}

impl Loaded {
    /// Routing analysis only makes sense when every file was read and matches the format.
    pub fn analysable(&self) -> bool {
        !self
            .problems
            .iter()
            .any(|p| matches!(p.kind, ProblemKind::Parse | ProblemKind::Schema))
    }
}

/// Why the tool cannot read what it was given at all (exit code 2).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Loads the table at the given paths (files or directories).
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    let mut files = Vec::new();
    for path in paths {
        files.extend(table_files(path)?);
    }
    if files.is_empty() {
        let shown: Vec<_> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(LoadError(format!(
            "no *.yaml or *.yml files found in {}",
            shown.join(", ")
        )));
    }
    let mut sources = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for (index, path) in files.iter().enumerate() {
        let file = index as u32;
        let text = read_text(path).unwrap_or_else(|(message, pos)| {
            problems.push(parse_problem(file, pos, format!("{} {message}", path.display())));
            String::new()
        });
        sources.push(SourceFile {
            path: path.display().to_string(),
            text,
        });
    }
    Ok(from_sources(sources, problems))
}

fn parse_problem(file: u32, pos: yaml::Pos, message: String) -> Problem {
    Problem {
        kind: ProblemKind::Parse,
        loc: Loc {
            file,
            line: pos.line,
            col: pos.col,
        },
        element: None,
        message,
    }
}

/// Builds the table from file texts already read (also used for git revisions and tests).
pub fn from_sources(sources: Vec<SourceFile>, mut problems: Vec<Problem>) -> Loaded {
    let mut table = Table::default();
    crate::progress::phase("table files read", sources.len());
    for (index, source) in sources.iter().enumerate() {
        crate::progress::advance(usize::from(index > 0));
        let file = index as u32;
        if problems.iter().any(|p| p.loc.file == file) {
            continue; // unreadable: already reported
        }
        let before = problems.len();
        if let Err(e) = read_file(file, &source.text, &mut table, &mut problems) {
            // What was read before the error would only be noise next to it.
            problems.truncate(before);
            let pos = e.pos.unwrap_or(yaml::Pos { line: 1, col: 1 });
            problems.push(parse_problem(
                file,
                pos,
                format!("cannot read {} as YAML: {}", source.path, e.message),
            ));
        }
    }
    table.files = sources;
    resolve(&mut table);
    Loaded { table, problems }
}

/// Items handed from the parsing thread to the building thread at a time.
const BATCH: usize = 512;

/// Parses one file on this thread while another builds its elements into the table: the
/// YAML parse is the floor of a run's cost, and building and validating hide behind it.
/// A parse error keeps what was built before it (its findings stay meaningful).
fn read_file(file: u32, text: &str, table: &mut Table, problems: &mut Vec<Problem>) -> Result<(), yaml::YamlError> {
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<yaml::Item<'_>>>(64);
    std::thread::scope(|scope| {
        let builder = scope.spawn(move || {
            let mut b = build::FileBuilder::new(file, table, problems);
            for batch in receive {
                for item in batch {
                    b.item(item);
                }
            }
            b
        });
        let mut batch = Vec::with_capacity(BATCH);
        let result = yaml::stream(text, yaml::Limits::default(), &mut |item| {
            batch.push(item);
            if batch.len() == BATCH {
                // The builder only stops early by panicking, which join() reports below.
                let _ = send.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        let _ = send.send(batch);
        drop(send);
        let mut b = builder.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        if result.is_ok() {
            b.finish();
        }
        result
    })
}

/// Reads a file as UTF-8 text within the size limit; errors carry a position where one exists.
fn read_text(path: &Path) -> Result<String, (String, yaml::Pos)> {
    let start = yaml::Pos { line: 1, col: 1 };
    let meta = fs::metadata(path).map_err(|e| (format!("cannot be read: {}", plain_io(&e)), start))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err((
            format!(
                "is {} MB; psapguard reads table files of at most {} MB",
                meta.len() >> 20,
                MAX_FILE_BYTES >> 20
            ),
            start,
        ));
    }
    let bytes = fs::read(path).map_err(|e| (format!("cannot be read: {}", plain_io(&e)), start))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&c| c == b'\n').count() as u32 + 1;
        let col = valid.iter().rev().take_while(|&&c| c != b'\n').count() as u32 + 1;
        (
            "is not UTF-8 text (a binary file?)".to_string(),
            yaml::Pos { line, col },
        )
    })
}

/// An I/O error as a plain phrase, without the OS error number.
pub fn plain_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_lowercase()
        }
    }
}

/// The table files a path stands for: itself, or every *.yaml/*.yml below it, sorted.
fn table_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let meta =
        fs::metadata(path).map_err(|e| LoadError(format!("cannot read {}: {}", path.display(), plain_io(&e))))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk(path, &mut out, &mut seen)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut HashSet<PathBuf>) -> Result<(), LoadError> {
    // Symlinked directories are followed once: a symlink loop ends here.
    let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(canonical) {
        return Ok(());
    }
    let entries = fs::read_dir(dir)
        .map_err(|e| LoadError(format!("cannot read directory {}: {}", dir.display(), plain_io(&e))))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue; // .git, editor files
        }
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, out, seen)?,
            Ok(_) | Err(_) if name.ends_with(".yaml") || name.ends_with(".yml") => out.push(path),
            _ => {}
        }
    }
    Ok(())
}

/// Points every routing reference at its node; wrong kinds stay unresolved (reported by
/// unknown-reference, and the engine loses calls sent there).
fn resolve(table: &mut Table) {
    let ids = std::mem::take(&mut table.ids);
    let node = |name: &str, routers_only: bool| -> Option<Node> {
        let n = ids.get(name).and_then(|e| e.node())?;
        (!routers_only || matches!(n, Node::Router(_))).then_some(n)
    };
    for r in &mut table.routers {
        for l in &mut r.mate {
            l.target = node(&l.name, true);
        }
        for rule in &mut r.rules {
            rule.to.target = node(&rule.to.name, false);
            for l in rule.alternate.iter_mut().flatten() {
                l.target = node(&l.name, false);
            }
        }
        if let Some(l) = &mut r.default {
            l.target = node(&l.name, false);
        }
    }
    for p in &mut table.psaps {
        for l in p.alternate.iter_mut().chain(p.overflow.iter_mut()) {
            l.target = node(&l.name, false);
        }
    }
    for o in &mut table.origins {
        for l in &mut o.ingress {
            l.target = node(&l.name, true);
        }
    }
    table.ids = ids;
}
