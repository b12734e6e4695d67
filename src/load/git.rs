//! A table as it was at a git revision (`diff --base REV`), with its layers and policy
//! documents, read with plumbing only: the
//! revision is resolved once to a commit, the tree listed with `ls-tree`, each blob read with
//! `cat-file` by its object id. No porcelain, so no textconv, filters or attributes from the
//! repository run — except, for a layer that is a Git LFS pointer, the smudge filter of the
//! user's own git configuration (a repository names a filter, it cannot define one); a link
//! stored in git is not followed (it could point anywhere on the machine that runs the
//! review).

use crate::error::Error;
use std::path::Path;
use std::process::Command;

use super::{Loaded, MAX_FILE_BYTES, Problem, ProblemKind};
use crate::model::{Loc, SourceFile};

/// git with `args`, as psapguard always runs it (no fsmonitor, no replace objects, no prompt).
fn git_command(args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .args(["-c", "core.fsmonitor=false"])
        .args(args)
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_TERMINAL_PROMPT", "0");
    command
}

/// Runs git with `args`; its first error line on failure.
fn git(args: &[&str]) -> Result<Vec<u8>, String> {
    let out = git_command(args)
        .output()
        .map_err(|e| format!("cannot run git: {}", super::plain_io(&e)))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("").trim_start_matches("fatal: ").trim();
        let shown = crate::escape::short(first, crate::escape::MAX_SHOWN_CHARS);
        return Err(format!("git {} failed: {shown}", args.join(" ")));
    }
    Ok(out.stdout)
}

/// The commit a revision names; refused when it could be read as an option.
pub fn resolve_commit(rev: &str) -> Result<String, Error> {
    commit_of(rev).map_err(Error::Git)
}

fn commit_of(rev: &str) -> Result<String, String> {
    let not_a_revision = || format!("`{}` is not a git revision here", crate::escape::short(rev, 100));
    if rev.is_empty() || rev.starts_with('-') || rev.chars().any(|c| c.is_control() || c == ' ') {
        return Err(not_a_revision());
    }
    let out = git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        &format!("{rev}^{{commit}}"),
    ])
    .map_err(|_| not_a_revision())?;
    let sha = String::from_utf8_lossy(&out).trim().to_string();
    if sha.len() < 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_a_revision());
    }
    Ok(sha)
}

/// One entry of `git ls-tree -r -l -z`: mode, type, object id, size (of a blob) and path.
struct TreeEntry {
    mode: String,
    object: String,
    size: Option<u64>,
    name: String,
}

fn list(commit: &str, path: &str) -> Result<Vec<TreeEntry>, String> {
    let listing = git(&["ls-tree", "-r", "-l", "-z", commit, "--", path])?;
    let mut out = Vec::new();
    for record in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, name)) = record.split_once('\t') else {
            continue;
        };
        // The size is padded with spaces, and `-` for what is not a blob.
        let mut parts = meta.split_whitespace();
        let (Some(mode), Some(_kind), Some(object)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        out.push(TreeEntry {
            mode: mode.to_string(),
            object: object.to_string(),
            size: parts.next().and_then(|n| n.parse().ok()),
            name: name.to_string(),
        });
    }
    Ok(out)
}

/// Reads the table at `path` as it was at git revision `rev` (a file or a directory).
/// `root` is the table's root of SPEC §7 (absolute), which layer files must stay inside.
pub fn load_revision(rev: &str, path: &Path, root: &Path) -> Result<Loaded, Error> {
    table_at(rev, path, root).map_err(Error::Git)
}

fn table_at(rev: &str, path: &Path, root: &Path) -> Result<Loaded, String> {
    let commit = commit_of(rev)?;
    let shown = path.display().to_string();
    let mut entries: Vec<TreeEntry> = list(&commit, &shown)?
        .into_iter()
        .filter(|e| given_or_selected(path, Path::new(&e.name)))
        .filter(|e| e.mode != "160000") // a submodule is another repository
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    if entries.is_empty() {
        return Err(format!(
            "{shown} does not exist at {rev} (or holds no *.yaml files there)"
        ));
    }
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let label = format!("{rev}:{}", e.name);
        let refuse = |problems: &mut Vec<Problem>, why: String| {
            problems.push(Problem {
                kind: ProblemKind::Parse,
                loc: Loc {
                    file: i as u32,
                    line: 1,
                    col: 1,
                },
                element: None,
                message: format!("{label} {why}"),
            });
        };
        let text = if e.mode == "120000" {
            refuse(
                &mut problems,
                "is a symbolic link in git; links are not followed".into(),
            );
            String::new()
        } else {
            read_blob(&e.object).unwrap_or_else(|why| {
                refuse(&mut problems, why);
                String::new()
            })
        };
        sources.push(SourceFile::in_memory(label, text));
    }
    let mut loaded = super::from_sources(sources, problems);
    // The same root as the work tree's side: a layer beside `tables/` is read on both sides.
    let layers = GitLayers {
        commit,
        root: root.to_path_buf(),
        here: std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?,
        files: entries.iter().map(|e| e.name.clone()).collect(),
        ahead: Default::default(),
    };
    super::gis::read_boundaries(&mut loaded.table, &layers);
    // Policy documents through the same reader: the same root, limits and LFS handling.
    super::policy::read_policies(&mut loaded.table, &layers);
    // A layer git cannot give fails closed (exit 2): read as missing, every boundary would
    // count as added and the blast radius would be false.
    if let Some(b) = loaded
        .table
        .boundaries
        .iter()
        .find(|b| b.read.as_ref().is_err_and(|e| e == LFS_NOT_FETCHED))
    {
        return Err(format!(
            "{}: this layer is a Git LFS pointer at {} (object not fetched); fetch it (`git lfs fetch`) and run again",
            crate::escape::short(&b.file, crate::escape::MAX_SHOWN_CHARS),
            crate::escape::short(rev, 100)
        ));
    }
    // Likewise a policy file: read as missing, its routes would count as changed.
    let unfetched = loaded
        .table
        .policy_files
        .iter()
        .find(|f| f.problems.iter().any(|p| p.message.ends_with(LFS_NOT_FETCHED)));
    if let Some(f) = unfetched {
        return Err(format!(
            "{}: this policy file is a Git LFS pointer at {} (object not fetched); fetch it (`git lfs fetch`) and run again",
            crate::escape::short(&f.shown, crate::escape::MAX_SHOWN_CHARS),
            crate::escape::short(rev, 100)
        ));
    }
    Ok(loaded)
}

/// Whether the file `name` (as `ls-tree` lists it) is read for the table at `given`: the file
/// itself when one file was given, else by the working tree's rule ([`super::selected`]) on
/// its path below the given directory.
fn given_or_selected(given: &Path, name: &Path) -> bool {
    if name == given {
        return true;
    }
    let plain = |p: &Path| -> std::path::PathBuf {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    };
    let below = name
        .strip_prefix(given)
        .map(Path::to_path_buf)
        .or_else(|_| plain(name).strip_prefix(plain(given)).map(Path::to_path_buf));
    below.is_ok_and(|b| super::selected(&b))
}

/// The text of one file at a commit (`psapguard.toml`, say); None when it is not there.
pub fn file_at(commit: &str, path: &Path) -> Result<Option<String>, String> {
    let shown = path.display().to_string();
    let entries = list(commit, &shown)?;
    let Some(e) = entries
        .into_iter()
        .find(|e| Path::new(&e.name).file_name() == path.file_name())
    else {
        return Ok(None);
    };
    if e.mode == "120000" {
        return Err(format!(
            "{shown} is a symbolic link at the base revision; links are not followed"
        ));
    }
    read_blob(&e.object)
        .map(Some)
        .map_err(|why| format!("{shown} at the base revision {why}"))
}

/// A blob's text, within the size limit and UTF-8.
fn read_blob(object: &str) -> Result<String, String> {
    let bytes = read_bytes(object, |size| {
        format!(
            "is {} MB; psapguard reads table files of at most {} MB",
            size >> 20,
            MAX_FILE_BYTES >> 20
        )
    })?;
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())
}

/// A blob's bytes, refused unread when it is over the size limit.
fn read_bytes(object: &str, too_big: impl Fn(u64) -> String) -> Result<Vec<u8>, String> {
    let size = git(&["cat-file", "-s", object])?;
    let size: u64 = String::from_utf8_lossy(&size).trim().parse().unwrap_or(u64::MAX);
    if size > MAX_FILE_BYTES {
        return Err(too_big(size));
    }
    git(&["cat-file", "blob", object])
}

/// The bytes of several blobs through one `git cat-file --batch`, in the order given.
fn read_blobs(objects: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = git_command(&["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run git: {}", super::plain_io(&e)))?;
    let read = batch(&mut child, objects);
    if read.is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
    read
}

/// Asks the running `cat-file --batch` for `objects` and reads their bytes.
fn batch(child: &mut std::process::Child, objects: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    use std::io::{BufRead, Read, Write};
    let failed = |what: &str| format!("git cat-file --batch failed: {what}");
    let mut stdin = child.stdin.take().ok_or_else(|| failed("no input"))?;
    let names: String = objects.iter().map(|o| format!("{o}\n")).collect();
    // Written on a thread of its own: git answers while it reads, and a full pipe each way
    // would block both.
    let writer = std::thread::spawn(move || stdin.write_all(names.as_bytes()));
    let mut out = std::io::BufReader::new(child.stdout.take().ok_or_else(|| failed("no output"))?);
    let mut blobs = Vec::with_capacity(objects.len());
    for object in objects {
        let mut header = String::new();
        out.read_line(&mut header).map_err(|e| failed(&super::plain_io(&e)))?;
        // `<object> blob <size>`; anything else (`missing`) is not a blob to read.
        let size = match header.split_whitespace().collect::<Vec<_>>()[..] {
            [o, "blob", size] if o == *object => size.parse::<u64>().ok(),
            _ => None,
        }
        .filter(|&n| n <= MAX_FILE_BYTES)
        .ok_or_else(|| failed(&format!("no blob {object}")))?;
        let mut bytes = Vec::with_capacity(size as usize);
        (&mut out)
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| failed(&super::plain_io(&e)))?;
        let mut newline = [0u8; 1];
        out.read_exact(&mut newline).map_err(|e| failed(&super::plain_io(&e)))?;
        blobs.push(bytes);
    }
    let wrote = writer.join().map_err(|_| failed("the writer stopped"))?;
    wrote.map_err(|e| failed(&super::plain_io(&e)))?;
    Ok(blobs)
}

/// Layer files at the revision, beside the table files that name them, inside the table's
/// path; read from git objects in memory (nothing is written to disk).
struct GitLayers {
    commit: String,
    /// The table's root (SPEC §7), absolute.
    root: std::path::PathBuf,
    /// Where psapguard runs: `ls-tree` names paths relative to it.
    here: std::path::PathBuf,
    /// Each table file's path in the repository.
    files: Vec<String>,
    /// Blobs a directory listing read ahead in one `cat-file --batch` (a Policy Store export
    /// is thousands of small files: one git process each would take seconds), by path.
    ahead: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, Vec<u8>>>,
}

impl GitLayers {
    /// The path (relative to where psapguard runs, as `ls-tree` takes it) of `rel` beside the
    /// table file `from`; refused when it leaves the table's root.
    fn locate(&self, from: u32, rel: &str) -> Result<std::path::PathBuf, String> {
        let Some(file) = self.files.get(from as usize) else {
            return Err("cannot be read".into());
        };
        let dir = Path::new(file).parent().unwrap_or(Path::new(""));
        self.inside(&self.here.join(dir).join(rel))
    }

    /// `path` (absolute, not yet resolved) relative to where psapguard runs, refused when it
    /// leaves the table's root.
    fn inside(&self, path: &Path) -> Result<std::path::PathBuf, String> {
        let outside = || {
            format!(
                "is outside the table's root ({}); it is not read",
                crate::escape::short(&self.root.display().to_string(), crate::escape::MAX_SHOWN_CHARS)
            )
        };
        let absolute = super::admit::lexical(path).ok_or_else(outside)?;
        if !absolute.starts_with(&self.root) {
            return Err(outside());
        }
        Ok(relative(&absolute, &self.here))
    }

    /// The bytes of the blob at `path`, a link followed as the work tree's side follows it:
    /// only to a target inside the table's root (else both sides of a diff would read
    /// different policies, and an unchanged store would move calls).
    /// Returns the path read (the link's target) with its bytes.
    fn blob_at(
        &self,
        mut path: std::path::PathBuf,
        too_big: fn(u64) -> String,
    ) -> Result<(std::path::PathBuf, Vec<u8>), String> {
        for _ in 0..=super::admit::MAX_LINKS {
            if let Some(bytes) = self.ahead.borrow_mut().remove(&path) {
                return Ok((path, bytes));
            }
            let entry = list(&self.commit, &path.display().to_string())?
                .into_iter()
                .find(|e| Path::new(&e.name) == path)
                .ok_or_else(|| "cannot be read: no such file at the base revision".to_string())?;
            if entry.mode != "120000" {
                return read_bytes(&entry.object, too_big).map(|bytes| (path, bytes));
            }
            let target = read_bytes(&entry.object, |_| "is a symbolic link too long to follow".into())?;
            let dir = path.parent().unwrap_or(Path::new(""));
            path = self.inside(&self.here.join(dir).join(String::from_utf8_lossy(&target).as_ref()))?;
        }
        Err("is a chain of symbolic links too long to follow".into())
    }
}

impl super::gis::LayerFiles for GitLayers {
    fn read_as(&self, from: u32, rel: &str, too_big: fn(u64) -> String) -> Result<Vec<u8>, String> {
        let (path, bytes) = self.blob_at(self.locate(from, rel)?, too_big)?;
        let shown = path.display().to_string();
        let Some(size) = super::gis::lfs_pointer(&bytes) else {
            return Ok(bytes);
        };
        // A Git LFS pointer: the object through git's own filters (git-lfs's smudge, as the
        // user's git configuration sets it), never the pointer read as a layer.
        if size > super::gis::MAX_LAYER_BYTES {
            return Err(too_big(size));
        }
        let spec = format!("{}:./{}", self.commit, shown);
        match git(&["cat-file", "--filters", &spec]) {
            Ok(object)
                if super::gis::lfs_pointer(&object).is_none() && object.len() as u64 <= super::gis::MAX_LAYER_BYTES =>
            {
                Ok(object)
            }
            _ => Err(LFS_NOT_FETCHED.into()),
        }
    }

    /// A directory at the revision lists its blobs below it (links included: reading one
    /// follows it inside the table's root and refuses it out of it, as the work tree's side does).
    fn list(&self, from: u32, rel: &str, ext: &str) -> Result<Vec<std::path::PathBuf>, String> {
        let path = self.locate(from, rel)?;
        let entries = list(&self.commit, &path.display().to_string())?;
        if entries.iter().any(|e| Path::new(&e.name) == path) {
            return Ok(vec![std::path::PathBuf::new()]);
        }
        if entries.is_empty() {
            return Err("cannot be read: no such file or directory at the base revision".into());
        }
        let selected: Vec<&TreeEntry> = entries
            .iter()
            .filter(|e| e.mode != "160000") // a submodule is another repository
            .filter(|e| {
                Path::new(&e.name)
                    .strip_prefix(&path)
                    .is_ok_and(|below| super::gis::has_extension(below, ext))
            })
            .collect();
        if selected.len() > super::gis::MAX_LISTED_FILES {
            return Err(super::gis::too_many(ext));
        }
        // Regular blobs within the size bound are read now, all at once; the others are
        // refused when read, one by one, with the reason.
        let small: Vec<&TreeEntry> = selected
            .iter()
            .copied()
            .filter(|e| e.mode != "120000" && e.size.is_some_and(|n| n <= MAX_FILE_BYTES))
            .collect();
        let objects: Vec<&str> = small.iter().map(|e| e.object.as_str()).collect();
        let blobs = read_blobs(&objects)?;
        let mut ahead = self.ahead.borrow_mut();
        for (e, bytes) in small.iter().zip(blobs) {
            ahead.insert(std::path::PathBuf::from(&e.name), bytes);
        }
        let mut out: Vec<std::path::PathBuf> = selected
            .iter()
            .filter_map(|e| Path::new(&e.name).strip_prefix(&path).ok())
            .map(Path::to_path_buf)
            .collect();
        out.sort();
        Ok(out)
    }
}

/// What a layer that is an LFS pointer whose object git cannot give says (fails the run).
const LFS_NOT_FETCHED: &str = "is a Git LFS pointer whose object is not fetched";

/// `path` relative to `base` (both absolute and lexical), with `..` where it is above.
fn relative(path: &Path, base: &Path) -> std::path::PathBuf {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    out.extend(&p[common..]);
    out
}
