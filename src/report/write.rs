//! Writing a report or baseline file (`--output`, `--write-baseline`). The directory may be a
//! pull request's checkout, where anyone could have planted a link or a FIFO under the name
//! (SPEC §4): the text goes to a new file beside the target, created fresh (never opened
//! through a link), then renamed over it; an existing target that is not a regular file is
//! refused and left alone.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Replaces `path` with `text`, or says in one sentence why not.
pub fn replace(path: &Path, text: &str) -> Result<(), crate::error::Error> {
    write_beside(path, text).map_err(crate::error::Error::Output)
}

fn write_beside(path: &Path, text: &str) -> Result<(), String> {
    let shown = || crate::escape::short(&path.display().to_string(), crate::escape::MAX_SHOWN_CHARS);
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => {}
        Ok(m) => {
            let what = if m.file_type().is_symlink() {
                "a symbolic link"
            } else if m.is_dir() {
                "a directory"
            } else {
                "not a regular file (a FIFO, socket or device)"
            };
            return Err(format!(
                "cannot write {}: it is {what}; only a regular file is replaced",
                shown()
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot write {}: {}", shown(), crate::load::plain_io(&e))),
    }
    let (file, fresh) =
        fresh_beside(path).map_err(|e| format!("cannot write {}: {}", shown(), crate::load::plain_io(&e)))?;
    let written = write_all(file, text).and_then(|()| std::fs::rename(&fresh, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&fresh);
        format!("cannot write {}: {}", shown(), crate::load::plain_io(&e))
    })
}

fn write_all(mut file: std::fs::File, text: &str) -> std::io::Result<()> {
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// A new file in the target's directory under a name nobody had (created exclusively, so a
/// link planted under that name makes the creation fail instead of being followed).
fn fresh_beside(path: &Path) -> std::io::Result<(std::fs::File, PathBuf)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let mut last = None;
    for attempt in 0..100u32 {
        let candidate = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => return Ok((f, candidate)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free name")))
}
