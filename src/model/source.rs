//! A table's source files: their paths, and their text read again when a report shows code.

use std::fs;
use std::io;
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
    /// Size and modification time when it was read, for a file that can be read again.
    stamp: Option<(u64, SystemTime)>,
}

impl SourceFile {
    /// A file whose text exists only here (a git revision, a pipe, a test): it is kept.
    pub fn in_memory(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: OnceLock::from(Arc::new(text.into())),
            stamp: None,
        }
    }

    /// A file on disk, with its size and modification time when it was read (None if it
    /// could not be read). Its text is read again when it is asked for.
    pub fn on_disk(path: String, stamp: Option<(u64, SystemTime)>) -> Self {
        SourceFile {
            path,
            text: OnceLock::new(),
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
        let file = fs::File::open(&self.path).ok()?;
        let meta = file.metadata().ok()?;
        (Some((meta.len(), meta.modified().ok()?)) == Some(stamp)).then(|| io::BufReader::new(file))
    }
}
