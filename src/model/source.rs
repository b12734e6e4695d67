//! A table's source files: their paths, and their text read again when a report shows code.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// A source file of the table.
///
/// The text of a file on disk is not kept once the table is built from it (a national
/// table's text weighs as much as its model); it is read again only if a report needs it:
/// the lines of code frames, a diff's element text.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it (or as found below the directory they gave).
    pub path: String,
    /// An `Arc<String>` takes a file read into a `String` without copying it.
    text: OnceLock<Arc<String>>,
    /// The real path it was read from (links resolved inside the table's tree).
    real: PathBuf,
    /// Size and modification time when it was read, for a file that can be read again.
    stamp: Option<(u64, SystemTime)>,
}

impl SourceFile {
    /// A file whose text exists only here (a git revision, a pipe, a test): it is kept.
    pub fn in_memory(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: OnceLock::from(Arc::new(text.into())),
            real: PathBuf::new(),
            stamp: None,
        }
    }

    /// A file on disk, with its size and modification time when it was read (None if it
    /// could not be read). Its text is read again when it is asked for.
    pub fn on_disk(path: String, real: PathBuf, stamp: Option<(u64, SystemTime)>) -> Self {
        SourceFile {
            path,
            text: OnceLock::new(),
            real,
            stamp,
        }
    }

    /// The file's text, read again from disk the first time it is asked for; if the file
    /// has changed or gone since, the text is empty (positions still name lines, but no
    /// code is shown).
    pub fn text(&self) -> &Arc<String> {
        self.text.get_or_init(|| {
            let mut text = String::new();
            match self.reopen().map(|mut f| io::Read::read_to_string(&mut f, &mut text)) {
                Some(Ok(len)) if Some(len as u64) == self.stamp.map(|(len, _)| len) => text.into(),
                _ => String::new().into(),
            }
        })
    }

    /// Each line of the file in order: its 1-based number and its text with its line break,
    /// until `visit` returns false. A text not in memory is read again a line at a time, not
    /// whole; a file changed since it was read has no lines.
    pub fn each_line(&self, mut visit: impl FnMut(u32, &str) -> bool) {
        if let Some(text) = self.text.get() {
            for (i, line) in text.split_inclusive('\n').enumerate() {
                if !visit(i as u32 + 1, line) {
                    return;
                }
            }
            return;
        }
        let Some(mut file) = self.reopen() else { return };
        let mut buf = Vec::new();
        for number in 1.. {
            buf.clear();
            match io::BufRead::read_until(&mut file, b'\n', &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let Ok(line) = std::str::from_utf8(&buf) else { return };
            if !visit(number, line) {
                return;
            }
        }
    }

    /// The file on disk, if it is still as it was when it was read.
    fn reopen(&self) -> Option<io::BufReader<fs::File>> {
        let stamp = self.stamp?;
        // The same checks as the first read: only the regular file that was read.
        let file = open_regular(&self.real).ok()?;
        let meta = file.metadata().ok()?;
        (Some((meta.len(), meta.modified().ok()?)) == Some(stamp)).then(|| io::BufReader::new(file))
    }
}

/// Opens a regular file without blocking on a FIFO and checks, on the handle itself (so the
/// file cannot be swapped between the check and the read), that it is a regular file.
pub fn open_regular(path: &Path) -> Result<File, String> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot be read: {}", plain_io(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot be read: {}", plain_io(&e)))?;
    if !meta.is_file() {
        return Err(format!("is {}, not a regular file; it is not read", kind_of(&meta)));
    }
    Ok(file)
}

/// "a directory", "a FIFO (named pipe)", "a device", "a socket".
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// An I/O error as a plain phrase, without the OS error number.
pub fn plain_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_lowercase()
        }
    }
}
