//! Loading a routing table: files and directories, YAML with limits, the model.

mod admit;
pub mod build;
mod fields;
pub mod gis;
pub mod git;
mod places;
pub mod policy;
pub mod register;
pub mod schema;
pub mod text;
pub mod yaml;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

impl From<LoadError> for crate::error::Error {
    fn from(e: LoadError) -> Self {
        crate::error::Error::Input(e.0)
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Loads the table at the given paths (files or directories; `-` reads standard input).
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    load_in(paths, None)
}

/// [`load`] with the directory of the psapguard.toml in use, which is the table's root when
/// the table is inside it (SPEC §7).
pub fn load_in(paths: &[PathBuf], config_dir: Option<&Path>) -> Result<Loaded, LoadError> {
    load_rooted(paths, config_dir, workers())
}

/// Threads that read the files of a table of many files at once: one per core, at most
/// [`MAX_WORKERS`].
pub fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS)
}

/// Files read at once at most. Each file in flight may hold up to the YAML limits' worth of
/// nodes (a stranger's pull request can make every file an alias bomb just under them): on
/// a 64-core runner, 64 at once would be 64 times that. Four keep both the bound and most of
/// the gain.
pub const MAX_WORKERS: usize = 4;

/// [`load`] with at most `workers` files read at once (the result is the same for any count).
pub fn load_with(paths: &[PathBuf], workers: usize) -> Result<Loaded, LoadError> {
    load_rooted(paths, None, workers)
}

fn load_rooted(paths: &[PathBuf], config_dir: Option<&Path>, workers: usize) -> Result<Loaded, LoadError> {
    let entries = entries(paths, config_dir)?;
    let layer_files = gis::DiskFiles {
        files: entries
            .iter()
            .map(|entry| {
                let real = entry.admitted.as_ref().ok().filter(|_| entry.path != Path::new("-"));
                real.map(|r| (r.clone(), entry.root.clone()))
            })
            .collect(),
    };
    let pending = entries.into_iter().map(Pending::Path).collect();
    let mut loaded = read_all(pending, Vec::new(), workers);
    gis::read_boundaries(&mut loaded.table, &layer_files);
    policy::read_policies(&mut loaded.table, &layer_files);
    Ok(loaded)
}

/// The table files the paths stand for; an error when there are none or a path cannot be read.
fn entries(paths: &[PathBuf], config_dir: Option<&Path>) -> Result<Vec<Entry>, LoadError> {
    let mut entries = Vec::new();
    for path in paths {
        entries.extend(table_files(path, config_dir)?);
    }
    if entries.is_empty() {
        let shown: Vec<_> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(LoadError(format!(
            "no *.yaml or *.yml files found in {}",
            shown.join(", ")
        )));
    }
    Ok(entries)
}

/// Whether [`load`] would find table files at the paths (without reading them): a command
/// that reads one table after another says what is missing before the long work.
pub fn find(paths: &[PathBuf], config_dir: Option<&Path>) -> Result<(), LoadError> {
    entries(paths, config_dir).map(drop)
}

/// The table's root (SPEC §7) for the table given as `path`.
pub fn root_of(path: &Path, config_dir: Option<&Path>) -> PathBuf {
    admit::root_of(path, config_dir)
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
    from_sources_with(sources, problems, workers())
}

/// [`from_sources`] with at most `workers` files read at once (the result is the same).
pub fn from_sources_with(sources: Vec<SourceFile>, problems: Vec<Problem>, workers: usize) -> Loaded {
    let pending = sources
        .into_iter()
        .enumerate()
        .map(
            |(file, source)| match problems.iter().any(|p| p.loc.file == file as u32) {
                true => Pending::Reported(source),
                false => Pending::Kept(source),
            },
        )
        .collect();
    read_all(pending, problems, workers)
}

/// A table file waiting its turn to be read.
enum Pending {
    /// Found on disk (or standard input): opened when its turn comes, so that several
    /// threads can check and map their files at once.
    Path(Entry),
    /// Its text is already in memory.
    Kept(SourceFile),
    /// It could not be read, and that is already reported.
    Reported(SourceFile),
}

impl Pending {
    /// Reads the file's elements into `table` and its problems into `problems`; its source.
    /// `pipelined` builds on a second thread while this one parses.
    fn read(self, file: u32, table: &mut Table, problems: &mut Vec<Problem>, pipelined: bool) -> SourceFile {
        let entry = match self {
            Pending::Reported(source) => return source,
            Pending::Kept(source) => {
                let text = source.text().clone();
                read_text(file, &source.path, &text, table, problems, &|_| {}, pipelined);
                return source;
            }
            Pending::Path(entry) => entry,
        };
        let shown = entry.path.display().to_string();
        let opened = match &entry.admitted {
            Ok(real) if entry.path == Path::new("-") => text::FileText::stdin().map(|t| (t, real)),
            Ok(real) => text::FileText::open(real).map(|t| (t, real)),
            Err(reason) => Err((reason.clone(), yaml::Pos { line: 1, col: 1 })),
        };
        match opened {
            // Standard input cannot be read again: its text is kept.
            Ok((text, real)) => match text.into_owned() {
                Ok(owned) => Pending::Kept(SourceFile::in_memory(shown, owned)).read(file, table, problems, pipelined),
                Err(mapped) => {
                    let source = SourceFile::on_disk(shown, real.clone(), mapped.stamp);
                    let parsed_to = |read| mapped.parsed_to(read);
                    read_text(
                        file,
                        &source.path,
                        mapped.text(),
                        table,
                        problems,
                        &parsed_to,
                        pipelined,
                    );
                    source
                }
            },
            Err((message, pos)) => {
                problems.push(parse_problem(file, pos, format!("{shown} {message}")));
                SourceFile::in_memory(shown, String::new())
            }
        }
    }
}

/// Adds a file's elements; `parsed_to` hears how far the parser has read. A parse error
/// keeps what was built before it (its findings stay meaningful) but not their problems.
fn read_text(
    file: u32,
    path: &str,
    text: &str,
    table: &mut Table,
    problems: &mut Vec<Problem>,
    parsed_to: &dyn Fn(usize),
    pipelined: bool,
) {
    let before = problems.len();
    if let Err(e) = parse_and_build(file, text, table, problems, parsed_to, pipelined) {
        // What was read before the error would only be noise next to it.
        problems.truncate(before);
        let pos = e.pos.unwrap_or(yaml::Pos { line: 1, col: 1 });
        let message = format!("cannot read {path} as YAML: {}", e.message);
        problems.push(parse_problem(file, pos, message));
    }
    crate::progress::advance(1);
}

/// Reads the files into one table: one after another, each parsed on one thread and built on
/// another, or — for a table of many files and several cores — several files at once, each
/// into a table of its own, merged in file order so the result is the same as one after
/// another.
fn read_all(pending: Vec<Pending>, mut problems: Vec<Problem>, workers: usize) -> Loaded {
    crate::progress::phase("table files read", pending.len());
    let mut table = Table::default();
    let readable = pending.iter().filter(|p| !matches!(p, Pending::Reported(_))).count();
    let files = if workers.min(readable) < 2 {
        (0..)
            .zip(pending)
            .map(|(file, p)| p.read(file, &mut table, &mut problems, true))
            .collect()
    } else {
        let mut files = Vec::with_capacity(pending.len());
        read_parallel(pending, workers.min(readable), |file, source, part| {
            let before = table.origins.len();
            merge(&mut table, &mut problems, file, part);
            files.push(source);
            // Freed parts are handed back now and then, not after every file: each hand-back
            // costs the next parts fresh (zeroed) pages.
            if before >> 17 != table.origins.len() >> 17 {
                return_freed_memory();
            }
        });
        files
    };
    table.files = files;
    resolve(&mut table);
    return_freed_memory();
    Loaded { table, problems }
}

/// Hands freed memory back to the system now, not after the allocator's purge delay (the
/// global allocator is mimalloc): a part of a table read on another thread is freed at once
/// when it is merged, and a table reduced for a comparison frees a sixth of itself; either
/// would otherwise still count in the peak of what comes next.
pub fn return_freed_memory() {
    // SAFETY: mi_collect only walks the allocator's own free lists; it may be called at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// One file's elements and problems, read on a thread of its own.
#[derive(Default)]
struct Part {
    table: Table,
    problems: Vec<Problem>,
}

/// Reads every file into a part of its own on `workers` threads and hands the parts to
/// `merge` on this thread, in file order, as soon as each and those before it are read (so
/// that only a few parts are ever held beside the table).
fn read_parallel(pending: Vec<Pending>, workers: usize, mut merge: impl FnMut(u32, SourceFile, Part)) {
    let queue = Mutex::new((0..).zip(pending));
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let send = send.clone();
            let queue = &queue;
            scope.spawn(move || {
                loop {
                    let next = queue.lock().ok().and_then(|mut queue| queue.next());
                    let Some((file, pending)) = next else { break };
                    let mut part = Part::default();
                    let source = pending.read(file, &mut part.table, &mut part.problems, false);
                    if send.send((file, source, part)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        // A part read before one it follows waits here for its turn.
        let mut waiting = std::collections::BTreeMap::new();
        let mut turn = 0;
        for (file, source, part) in receive {
            waiting.insert(file, (source, part));
            while let Some((source, part)) = waiting.remove(&turn) {
                merge(turn, source, part);
                turn += 1;
            }
        }
    });
}

/// Adds a file's part to the table as if the file had been read after the ones before it:
/// an id an earlier file defines is a duplicate here, and its element is not kept (nor the
/// schema problems found in it: reading in order would not have built it).
fn merge(table: &mut Table, problems: &mut Vec<Problem>, file: u32, part: Part) {
    let Part {
        table: read,
        problems: found,
    } = part;
    if table.name.is_none() {
        table.name = read.name;
    }
    table.boundaries.extend(read.boundaries);
    table.policy_sources.extend(read.policy_sources);
    table.names.extend(read.names);
    // A file that could not be parsed says only that (as `read_text` leaves it).
    let unparsed = found.iter().any(|p| p.kind == ProblemKind::Parse);
    let mut dropped = HashSet::new();
    let mut adopt = |table: &mut Table, id: &str, loc: Loc| match register::admit(table, id, loc) {
        Ok(()) => true,
        Err(problem) => {
            if !unparsed {
                problems.push(problem);
            }
            dropped.insert(id.to_string());
            false
        }
    };
    // Section by section, in the table's order.
    macro_rules! adopt_sections {
        ($($section:ident => $element:path),*) => {
            $(adopt_section(table, read.$section, |t| &mut t.$section, $element, |e| (&e.id, e.loc), &mut adopt);)*
        };
    }
    adopt_sections!(
        domains => Element::Domain,
        psaps => Element::Psap,
        routers => Element::Router,
        origins => Element::Origin,
        pools => Element::Pool
    );
    for problem in found {
        debug_assert_eq!(problem.loc.file, file);
        let id = problem.element.as_deref().unwrap_or("");
        match problem.kind {
            ProblemKind::Schema if dropped.contains(id) => {}
            // Its first definition may be in an earlier file: say what reading in order says.
            ProblemKind::DuplicateId { .. } => problems.extend(register::admit(table, id, problem.loc).err()),
            _ => problems.push(problem),
        }
    }
}

/// Moves a part's section into the table's, registering each element whose id is new.
fn adopt_section<T>(
    table: &mut Table,
    read: Vec<T>,
    section: fn(&mut Table) -> &mut Vec<T>,
    element: fn(u32) -> Element,
    id_loc: fn(&T) -> (&str, Loc),
    adopt: &mut impl FnMut(&mut Table, &str, Loc) -> bool,
) {
    for item in read {
        let (id, loc) = id_loc(&item);
        if adopt(table, id, loc) {
            let kept = section(table);
            kept.push(item);
            let e = element(kept.len() as u32 - 1);
            table.register(e);
        }
    }
}

/// Items handed from the parsing thread to the building thread at a time.
const BATCH: usize = 512;

/// Parses one file and builds its elements into the table. Pipelined, this thread parses
/// while another builds: the YAML parse is the floor of a run's cost, and building and
/// validating hide behind it. Otherwise both happen here (other threads are reading other
/// files). A parse error keeps what was built before it (its findings stay meaningful).
fn parse_and_build(
    file: u32,
    text: &str,
    table: &mut Table,
    problems: &mut Vec<Problem>,
    parsed_to: &dyn Fn(usize),
    pipelined: bool,
) -> Result<(), yaml::YamlError> {
    if !pipelined {
        let mut b = build::FileBuilder::new(file, table, problems);
        let mut items = 0usize;
        yaml::stream(text, yaml::Limits::default(), &mut |item, read| {
            b.item(item);
            items += 1;
            if items % BATCH == 0 {
                parsed_to(read);
            }
        })?;
        b.finish();
        return Ok(());
    }
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
fn table_files(path: &Path, config_dir: Option<&Path>) -> Result<Vec<Entry>, LoadError> {
    if path == Path::new("-") {
        let admitted = Ok(path.to_path_buf());
        return Ok(vec![Entry {
            path: path.to_path_buf(),
            admitted,
            root: PathBuf::new(),
        }]);
    }
    let root = admit::root_of(path, config_dir);
    // The path given is admitted like every file under it (SPEC §4), before it is looked at:
    // `tables/` naming a link out of the tree is refused, not walked.
    admit::admit_given(&root, path).map_err(LoadError)?;
    let meta =
        fs::metadata(path).map_err(|e| LoadError(format!("cannot read {}: {}", path.display(), plain_io(&e))))?;
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

/// A name below a table directory that is never read, nor anything under it: dot-files and
/// dot-directories (`.git`, `.github/`, `.gitlab-ci.yml`, `.pre-commit-config.yaml`, editor
/// files).
fn hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// A file name that is a table file.
fn table_name(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Whether a file at `below` (its path under the table directory given) is a table file:
/// the one rule for the working tree ([`walk`]) and for a git revision (`diff --base`), so
/// both sides of a diff read the same files (issue 22).
pub fn selected(below: &Path) -> bool {
    let mut names = below.components().filter_map(|c| match c {
        std::path::Component::Normal(n) => Some(n.to_str().unwrap_or(".")),
        _ => None,
    });
    let last = below.file_name().and_then(|n| n.to_str()).unwrap_or("");
    names.all(|n| !hidden(n)) && table_name(last)
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
        if hidden(name) {
            continue;
        }
        let table_file = table_name(name);
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => match admit::inside(root, &path) {
                Ok(_) => walk(root, &path, out, seen)?,
                Err(reason) => out.push(Entry {
                    path,
                    admitted: Err(reason),
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
