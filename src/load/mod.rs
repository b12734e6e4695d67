//! Loading a routing table: files and directories, YAML with limits, the model.

mod admit;
pub mod build;
mod fields;
pub mod gis;
pub mod git;
mod places;
pub mod register;
pub mod schema;
pub mod text;
pub mod yaml;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::model::{Element, Loc, Name, SourceFile, Table};

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

/// Loads the table at the given paths (files or directories; `-` reads standard input).
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    let mut entries = Vec::new();
    for path in paths {
        entries.extend(table_files(path)?);
    }
    if entries.is_empty() {
        let shown: Vec<_> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(LoadError(format!(
            "no *.yaml or *.yml files found in {}",
            shown.join(", ")
        )));
    }
    let mut reader = TableReader::new(entries.len(), Vec::new());
    let mut layer_files = gis::DiskFiles { files: Vec::new() };
    for entry in &entries {
        let real = entry.admitted.as_ref().ok().filter(|_| entry.path != Path::new("-"));
        layer_files.files.push(real.map(|r| (r.clone(), entry.root.clone())));
        let shown = entry.path.display().to_string();
        let opened = match &entry.admitted {
            Ok(real) if entry.path == Path::new("-") => text::FileText::stdin().map(|t| (t, real)),
            Ok(real) => text::FileText::open(real).map(|t| (t, real)),
            Err(reason) => Err((reason.clone(), yaml::Pos { line: 1, col: 1 })),
        };
        match opened {
            // Standard input cannot be read again: its text is kept.
            Ok((text, real)) => match text.into_owned() {
                Ok(owned) => reader.read_kept(SourceFile::in_memory(shown, owned)),
                Err(mapped) => {
                    let source = SourceFile::on_disk(shown, real.clone(), mapped.stamp);
                    reader.read(source, mapped.text(), &|read| mapped.parsed_to(read));
                }
            },
            Err((message, pos)) => {
                let problem = parse_problem(reader.files.len() as u32, pos, format!("{shown} {message}"));
                reader.problems.push(problem);
                reader.files.push(SourceFile::in_memory(shown, String::new()));
            }
        }
    }
    let mut loaded = reader.finish();
    gis::read_boundaries(&mut loaded.table, &layer_files);
    Ok(loaded)
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
/// `problems` may already hold a parse error for a file that could not be read.
pub fn from_sources(sources: Vec<SourceFile>, problems: Vec<Problem>) -> Loaded {
    let mut reader = TableReader::new(sources.len(), problems);
    for source in sources {
        let file = reader.files.len() as u32;
        if reader.problems.iter().any(|p| p.loc.file == file) {
            reader.files.push(source); // unreadable: already reported
            continue;
        }
        reader.read_kept(source);
    }
    reader.finish()
}

/// Builds one table from its files, one after another.
struct TableReader {
    table: Table,
    problems: Vec<Problem>,
    files: Vec<SourceFile>,
}

impl TableReader {
    fn new(files: usize, problems: Vec<Problem>) -> Self {
        crate::progress::phase("table files read", files);
        TableReader {
            table: Table::default(),
            problems,
            files: Vec::with_capacity(files),
        }
    }

    /// Adds a file's elements; `parsed_to` hears how far the parser has read.
    fn read(&mut self, source: SourceFile, text: &str, parsed_to: &dyn Fn(usize)) {
        let file = self.files.len() as u32;
        crate::progress::advance(usize::from(file > 0));
        let before = self.problems.len();
        if let Err(e) = read_file(file, text, &mut self.table, &mut self.problems, parsed_to) {
            // What was read before the error would only be noise next to it.
            self.problems.truncate(before);
            let pos = e.pos.unwrap_or(yaml::Pos { line: 1, col: 1 });
            let message = format!("cannot read {} as YAML: {}", source.path, e.message);
            self.problems.push(parse_problem(file, pos, message));
        }
        self.files.push(source);
    }

    /// Adds the elements of a file whose text is in memory.
    fn read_kept(&mut self, source: SourceFile) {
        let text = source.text().clone();
        self.read(source, &text, &|_| {});
    }

    fn finish(mut self) -> Loaded {
        self.table.files = self.files;
        resolve(&mut self.table);
        Loaded {
            table: self.table,
            problems: self.problems,
        }
    }
}

/// Items handed from the parsing thread to the building thread at a time.
const BATCH: usize = 512;

/// Parses one file on this thread while another builds its elements into the table: the
/// YAML parse is the floor of a run's cost, and building and validating hide behind it.
/// A parse error keeps what was built before it (its findings stay meaningful).
fn read_file(
    file: u32,
    text: &str,
    table: &mut Table,
    problems: &mut Vec<Problem>,
    parsed_to: &dyn Fn(usize),
) -> Result<(), yaml::YamlError> {
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<yaml::Item<'_>>>(8);
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
        let result = yaml::stream(text, yaml::Limits::default(), &mut |item, read| {
            batch.push(item);
            if batch.len() == BATCH {
                parsed_to(read);
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

pub use crate::model::plain_io;

/// A table file found for a path: its real path to open, or why it is refused.
struct Entry {
    /// As the user gave it, or as found below the directory they gave.
    path: PathBuf,
    admitted: Result<PathBuf, String>,
    /// The directory it must stay inside, and so must the layer files it names.
    root: PathBuf,
}

/// The table files a path stands for: itself, or every *.yaml/*.yml below it, sorted; each
/// admitted only if it stays inside the path's tree ([`admit`]).
fn table_files(path: &Path) -> Result<Vec<Entry>, LoadError> {
    if path == Path::new("-") {
        let admitted = Ok(path.to_path_buf());
        return Ok(vec![Entry {
            path: path.to_path_buf(),
            admitted,
            root: PathBuf::new(),
        }]);
    }
    let meta =
        fs::metadata(path).map_err(|e| LoadError(format!("cannot read {}: {}", path.display(), plain_io(&e))))?;
    let root = admit::root_of(path);
    if !meta.is_dir() {
        let admitted = admit::inside(&root, path);
        return Ok(vec![Entry {
            path: path.to_path_buf(),
            admitted,
            root,
        }]);
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk(&root, path, &mut out, &mut seen)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>, seen: &mut HashSet<PathBuf>) -> Result<(), LoadError> {
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
        let table_file = name.ends_with(".yaml") || name.ends_with(".yml");
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => match admit::inside(root, &path) {
                Ok(_) => walk(root, &path, out, seen)?,
                Err(reason) => out.push(Entry {
                    path,
                    admitted: Err(reason.replace("a link to a place", "a link to a directory")),
                    root: root.to_path_buf(),
                }),
            },
            _ if table_file => {
                let admitted = admit::inside(root, &path);
                out.push(Entry {
                    path,
                    admitted,
                    root: root.to_path_buf(),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Points every reference to a router or PSAP at its node; an unknown id or one of the
/// wrong kind stays unresolved (reported by unknown-reference; the engine loses calls sent
/// there).
fn resolve(table: &mut Table) {
    // Each distinct name is looked up once: references name a few thousand ids millions of times.
    let elements: hashbrown::HashMap<Name, Option<Element>> = table
        .names
        .iter()
        .map(|name| (name.clone(), table.lookup(name)))
        .collect();
    table.each_link_mut(|_, _, expect, link| {
        let element = elements.get(&link.name).copied().flatten();
        link.set_target(element.filter(|&e| expect.accepts(e)).and_then(Element::node));
    });
}
