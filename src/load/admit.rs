//! Which files psapguard may open. It runs on pull requests from strangers: everything in the
//! table's tree is theirs, file names and links included (SPEC §6). So it opens only regular
//! files inside the tree — a link is followed only when its target resolves inside the
//! table's root — and never a FIFO (which would hang the run), a device (`/dev/zero` never
//! ends) or anything under `/proc` or `/sys` (`/proc/self/environ` holds the CI job's
//! secrets). A refusal names the path and why, never the target's content.

use std::path::{Path, PathBuf};

/// Directories whose files are the machine's, not the table's.
const SYSTEM: &[&str] = &["/proc", "/sys", "/dev"];

/// The directory a table's files must stay inside: a directory given to `check`, or a single
/// table file's own directory (where it is, not where a link points).
pub fn root_of(given: &Path) -> PathBuf {
    let dir = match std::fs::symlink_metadata(given) {
        Ok(m) if m.is_dir() => given.to_path_buf(),
        _ => match given.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// Why `path` may not be read as part of the tree rooted at `root`, or the real path to open.
pub fn inside(root: &Path, path: &Path) -> Result<PathBuf, String> {
    let real = std::fs::canonicalize(path).map_err(|e| format!("cannot be read: {}", super::plain_io(&e)))?;
    if SYSTEM.iter().any(|s| real.starts_with(s)) {
        return Err(format!(
            "is a link to {}, outside the table's tree; it is not read",
            system_dir(&real)
        ));
    }
    if !real.starts_with(root) {
        return Err("is a link to a place outside the table's tree; it is not read".into());
    }
    Ok(real)
}

fn system_dir(real: &Path) -> String {
    SYSTEM
        .iter()
        .find(|s| real.starts_with(s))
        .map_or_else(|| "a system file".to_string(), |s| format!("a file under {s}"))
}

pub use crate::model::open_regular;
