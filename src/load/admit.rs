//! Which files psapguard may open. It runs on pull requests from strangers: everything in the
//! table's tree is theirs, file names and links included (SPEC §6). So it opens only regular
//! files inside the table's root (SPEC §7) — a link is followed only when its target resolves
//! inside it — and never a FIFO (which would hang the run), a device (`/dev/zero` never ends)
//! or anything under `/proc` or `/sys` (`/proc/self/environ` holds the CI job's secrets). A
//! refusal names the path and the root, never the target's content, and reads the same
//! whether the outside path exists or not.

use std::path::{Component, Path, PathBuf};

/// Directories whose files are the machine's, not the table's.
const SYSTEM: &[&str] = &["/proc", "/sys", "/dev"];

/// Links followed at most while judging a path that does not resolve (a loop ends here).
pub(super) const MAX_LINKS: usize = 40;

/// The root of SPEC §7 for the table given as `given`: the directory of the psapguard.toml in
/// use (`config_dir`) when the table is inside it, else the top of the git work tree that
/// holds the table, else the directory given (or a single table file's directory). Never
/// above the top of that git work tree. Where the table *is* decides, not where a link or a
/// trailing slash points: `tables/` naming a link out of the tree does not move the root.
pub(super) fn root_of(given: &Path, config_dir: Option<&Path>) -> PathBuf {
    let place = place_of(given);
    let own = match std::fs::symlink_metadata(&place) {
        Ok(m) if m.is_dir() => place.clone(),
        _ => place.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
    };
    let top = work_tree_top(&own);
    let config = config_dir
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
        .filter(|d| own.starts_with(d))
        .filter(|d| top.as_ref().is_none_or(|t| d.starts_with(t)));
    config.or(top).unwrap_or(own)
}

/// Where a path itself is, absolute, its directories resolved but not its own last name (a
/// link stays the link) and a trailing slash ignored.
fn place_of(given: &Path) -> PathBuf {
    let plain: PathBuf = given.components().collect();
    let absolute = if plain.is_absolute() {
        plain
    } else {
        std::env::current_dir().unwrap_or_default().join(plain)
    };
    let Some(lexical) = lexical(&absolute) else {
        return absolute;
    };
    match (lexical.parent(), lexical.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .unwrap_or_else(|_| parent.to_path_buf())
            .join(name),
        _ => lexical,
    }
}

/// The top of the git work tree holding `dir` (a directory with `.git`), if any.
fn work_tree_top(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// Admits a path given on the command line or in psapguard.toml (SPEC §4): it must resolve
/// inside `root`.
/// One that cannot be read inside the root passes here: the reading says why.
pub(super) fn admit_given(root: &Path, given: &Path) -> Result<(), String> {
    match inside(root, given) {
        Ok(_) => Ok(()),
        Err(why) if why.starts_with("cannot be read") => Ok(()),
        Err(why) => Err(format!(
            "{} {why}",
            crate::escape::short(&given.display().to_string(), crate::escape::MAX_SHOWN_CHARS)
        )),
    }
}

/// Why `path` may not be read as part of the tree rooted at `root`, or the real path to open.
pub(super) fn inside(root: &Path, path: &Path) -> Result<PathBuf, String> {
    let outside = || {
        format!(
            "is outside the table's root ({}); it is not read",
            crate::escape::short(&root.display().to_string(), crate::escape::MAX_SHOWN_CHARS)
        )
    };
    // Judged by name first: a path that leaves the root is refused before it is looked at.
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let by_name = lexical(&absolute).ok_or_else(outside)?;
    if !by_name.starts_with(root) && !place_of(path).starts_with(root) {
        return Err(outside());
    }
    match std::fs::canonicalize(path) {
        Ok(real) if SYSTEM.iter().any(|s| real.starts_with(s)) => Err(format!(
            "resolves to {}, outside the table's root; it is not read",
            system_dir(&real)
        )),
        Ok(real) if real.starts_with(root) => Ok(real),
        Ok(_) => Err(outside()),
        // A link to nothing outside reads as any other outside path: nothing is said about
        // whether its target exists.
        Err(_) if leaves(root, &by_name) => Err(outside()),
        Err(e) => Err(format!("cannot be read: {}", super::plain_io(&e))),
    }
}

/// Whether following the links along `path` (absolute, lexical) leaves `root`, as far as the
/// links can be read.
fn leaves(root: &Path, path: &Path) -> bool {
    let mut pending: Vec<PathBuf> = vec![path.to_path_buf()];
    let mut followed = 0;
    while let Some(p) = pending.pop() {
        if !p.starts_with(root) {
            return true;
        }
        // The first link along the path, replaced by its target.
        let mut at = PathBuf::new();
        for (i, c) in p.components().enumerate() {
            at.push(c);
            let Ok(target) = std::fs::read_link(&at) else { continue };
            followed += 1;
            if followed > MAX_LINKS {
                return false;
            }
            let rest: PathBuf = p.components().skip(i + 1).collect();
            let base = at.parent().unwrap_or(Path::new("/"));
            if let Some(next) = lexical(&base.join(target).join(rest)) {
                pending.push(next);
            } else {
                return true;
            }
            break;
        }
    }
    false
}

/// A path with `.` and `..` resolved by name; None when it climbs above its start.
pub(super) fn lexical(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

fn system_dir(real: &Path) -> String {
    SYSTEM
        .iter()
        .find(|s| real.starts_with(s))
        .map_or_else(|| "a system file".to_string(), |s| format!("a file under {s}"))
}

pub(super) use crate::model::open_regular;
