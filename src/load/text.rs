//! A table file's text while the table is built from it.
//!
//! A national table is a hundred megabytes of YAML, about as much as the model built from
//! it. The file is mapped, not copied: its pages come in as the parser reaches them and are
//! handed back behind it, so the whole text never sits in memory (reports that show code
//! read the file again, see [`crate::model::SourceFile`]).

use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

use memmap2::Mmap;

use super::{MAX_FILE_BYTES, plain_io, yaml::Pos};

/// Text kept behind the parser before it is handed back: the builder thread reads items at
/// most eight batches behind, under a megabyte of usual elements (a page handed back too
/// early is only read again from the page cache, never lost). Mapped pages count in the
/// peak memory: 32 MB kept here cost a national `check` 30 MB.
const KEEP_BEHIND: usize = 4 << 20;

/// Text validated or parsed between hand-backs.
const STEP: usize = 2 << 20;

/// Why a file cannot be read, with the position of the problem where there is one.
pub type Unreadable = (String, Pos);

pub struct FileText {
    bytes: Bytes,
    /// Size and modification time when opened, to tell later whether the file is still the
    /// one that was read (None for a text read whole and kept).
    pub stamp: Option<(u64, SystemTime)>,
    /// Bytes already handed back, from the start.
    released: std::cell::Cell<usize>,
}

enum Bytes {
    Mapped(Mmap),
    /// Empty files, and what cannot be mapped (a pipe, say), are read into memory.
    Owned(String),
}

impl FileText {
    /// Opens a regular file within the size limit (checked on the open handle) and checks
    /// that it is UTF-8.
    pub fn open(path: &Path) -> Result<FileText, Unreadable> {
        let start = Pos { line: 1, col: 1 };
        let unreadable = |e: std::io::Error| (format!("cannot be read: {}", plain_io(&e)), start);
        let file = super::admit::open_regular(path).map_err(|reason| (reason, start))?;
        let meta = file.metadata().map_err(unreadable)?;
        let too_big = |size: String| {
            let limit = MAX_FILE_BYTES >> 20;
            (
                format!("is {size} MB; psapguard reads table files of at most {limit} MB"),
                start,
            )
        };
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_big((meta.len() >> 20).to_string()));
        }
        let stamp = meta.modified().ok().map(|time| (meta.len(), time));
        // SAFETY: the mapping is only read. Like every tool that maps its input (ripgrep),
        // psapguard assumes the table file is not rewritten while one run reads it: a file
        // truncated meanwhile would fault on the lost pages.
        let mapped = (meta.is_file() && meta.len() > 0)
            .then(|| unsafe { Mmap::map(&file) }.ok())
            .flatten();
        let text = match mapped {
            Some(map) => FileText {
                bytes: Bytes::Mapped(map),
                stamp,
                released: 0.into(),
            },
            None => return Self::read_whole(file),
        };
        text.check_utf8()?;
        Ok(text)
    }

    /// Standard input (`check -`), read whole and kept.
    pub fn stdin() -> Result<FileText, Unreadable> {
        Self::read_whole(std::io::stdin().lock())
    }

    /// What has no size to check first: read one byte past the limit at most.
    fn read_whole(input: impl Read) -> Result<FileText, Unreadable> {
        let start = Pos { line: 1, col: 1 };
        let mut bytes = Vec::new();
        input
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| (format!("cannot be read: {}", plain_io(&e)), start))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            let limit = MAX_FILE_BYTES >> 20;
            return Err((
                format!("is more than {limit} MB; psapguard reads table files of at most {limit} MB"),
                start,
            ));
        }
        let text = String::from_utf8(bytes).map_err(|e| not_utf8(&e.as_bytes()[..e.utf8_error().valid_up_to()]))?;
        Ok(FileText {
            bytes: Bytes::Owned(text),
            stamp: None, // kept whole, not read again
            released: 0.into(),
        })
    }

    /// The text, if it was read into memory rather than mapped (it cannot be read again).
    pub fn into_owned(self) -> Result<String, FileText> {
        match self.bytes {
            Bytes::Owned(text) => Ok(text),
            Bytes::Mapped(_) => Err(self),
        }
    }

    fn raw(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(map) => map,
            Bytes::Owned(text) => text.as_bytes(),
        }
    }

    /// Validates the mapping a step at a time, handing each step back once checked.
    fn check_utf8(&self) -> Result<(), Unreadable> {
        let bytes = self.raw();
        let mut start = 0;
        while start < bytes.len() {
            let end = (start + STEP).min(bytes.len());
            match std::str::from_utf8(&bytes[start..end]) {
                Ok(_) => start = end,
                // A character cut by the step's end: the next step starts at it.
                Err(e) if e.error_len().is_none() && end < bytes.len() => start += e.valid_up_to(),
                Err(e) => return Err(not_utf8(&bytes[..start + e.valid_up_to()])),
            }
            self.release_before(start);
        }
        // The parser reads it all again from the start, and hands it back again behind it.
        self.released.set(0);
        Ok(())
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        match &self.bytes {
            // SAFETY: `open` checked that the mapped bytes are UTF-8 (see there for a file
            // rewritten while it is read).
            Bytes::Mapped(map) => unsafe { std::str::from_utf8_unchecked(map) },
            Bytes::Owned(text) => text,
        }
    }

    /// Tells how far the parser has read (`read` is a count of characters, which is never
    /// more than the bytes read): the mapped pages well behind it are handed back.
    pub fn parsed_to(&self, read: usize) {
        self.release_before(read.saturating_sub(KEEP_BEHIND));
    }

    fn release_before(&self, offset: usize) {
        let Bytes::Mapped(map) = &self.bytes else { return };
        let from = self.released.get();
        let to = offset / STEP * STEP;
        if to <= from {
            return;
        }
        // SAFETY: the mapping is read-only and never written, so dropping its pages loses
        // nothing: reading them again brings them back from the file.
        #[cfg(unix)]
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from) };
        self.released.set(to);
    }
}

/// "is not UTF-8" at the first bad byte, which follows `valid`.
fn not_utf8(valid: &[u8]) -> Unreadable {
    let line = valid.iter().filter(|&&c| c == b'\n').count() as u32 + 1;
    let col = valid.iter().rev().take_while(|&&c| c != b'\n').count() as u32 + 1;
    ("is not UTF-8 text (a binary file?)".to_string(), Pos { line, col })
}
