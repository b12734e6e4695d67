//! The YAML text of each element, read a line at a time: `diff` compares every element of two
//! national tables, and holding both whole texts (and their line tables) cost it 300 MB at a
//! million origins. A first pass hashes each element's text; only the elements whose hashes
//! differ are read again for their text.
//!
//! An element's text is its key line and the lines below it indented deeper (comments and
//! blank lines inside included, trailing blank lines not).

use std::collections::{HashMap, HashSet};
use std::hash::Hasher as _;

use crate::model::{Element, Table};

/// What an element's text is summed up as: a hash of its lines and their length.
pub(super) type Digest = u64;

/// Every element's digest, by section and index (eight bytes an element: a national table has
/// a million, and the old table's are kept while the new one is read).
#[derive(Debug, Default)]
pub(super) struct Digests([Vec<Digest>; 5]);

impl Digests {
    fn slot(e: Element) -> (usize, usize) {
        match e {
            Element::Domain(i) => (0, i as usize),
            Element::Psap(i) => (1, i as usize),
            Element::Router(i) => (2, i as usize),
            Element::Origin(i) => (3, i as usize),
            Element::Pool(i) => (4, i as usize),
        }
    }

    /// The element's digest; None for one with no text (past the end of a file changed
    /// since it was read).
    pub(super) fn get(&self, e: Element) -> Option<Digest> {
        let (section, i) = Self::slot(e);
        self.0[section].get(i).copied().filter(|&d| d != NO_TEXT)
    }

    fn set(&mut self, e: Element, digest: Digest) {
        let (section, i) = Self::slot(e);
        let sums = &mut self.0[section];
        if sums.len() <= i {
            sums.resize(i + 1, NO_TEXT);
        }
        sums[i] = digest;
    }
}

/// The digest slot of an element without text (a hash is this value once in 2^64 texts; the
/// element's text then reads as changed, which shows an empty edit that is skipped).
const NO_TEXT: Digest = 0;

/// One element's text being read.
struct Span<T> {
    element: Element,
    indent: usize,
    acc: T,
}

/// What an element's lines are added to: a hash or the text itself. `keep` marks the end
/// of the text so far (trailing blank lines are not the element's).
trait Accumulate: Default {
    type Out;
    fn add(&mut self, line: &str);
    fn keep(&mut self);
    fn finish(self) -> Self::Out;
}

#[derive(Default)]
struct Sum {
    hash: std::hash::DefaultHasher,
    len: usize,
    kept: Digest,
}

impl Accumulate for Sum {
    type Out = Digest;
    fn add(&mut self, line: &str) {
        self.hash.write(line.as_bytes());
        self.len += line.len();
    }
    fn keep(&mut self) {
        let mut sum = self.hash.clone();
        sum.write_usize(self.len);
        self.kept = sum.finish();
    }
    fn finish(self) -> Digest {
        self.kept
    }
}

#[derive(Default)]
struct Text {
    text: String,
    kept: usize,
}

impl Accumulate for Text {
    type Out = String;
    fn add(&mut self, line: &str) {
        self.text.push_str(line);
    }
    fn keep(&mut self) {
        self.kept = self.text.len();
    }
    fn finish(mut self) -> String {
        self.text.truncate(self.kept);
        self.text
    }
}

/// Whether `line` still belongs to an element whose key is indented by `indent`.
fn continues(line: &str, indent: usize) -> bool {
    let trimmed = line.trim_start();
    trimmed.trim().is_empty() || trimmed.starts_with('#') || line.len() - trimmed.len() > indent
}

/// Streams every file of the table once, handing each wanted element's lines to an
/// accumulator and what it sums up to `out`.
fn read<T: Accumulate>(table: &Table, wanted: impl Fn(Element) -> bool, mut out: impl FnMut(Element, T::Out)) {
    let mut next = in_file_order(table).filter(|s| wanted(s.3)).peekable();
    for (f, file) in table.files.iter().enumerate() {
        let f = f as u32;
        if next.peek().is_none_or(|s| s.0 != f) {
            continue;
        }
        let mut open: Vec<Span<T>> = Vec::new();
        file.each_line(|number, line| {
            let mut i = 0;
            while i < open.len() {
                if continues(line, open[i].indent) {
                    i += 1;
                } else {
                    let span = open.swap_remove(i);
                    out(span.element, span.acc.finish());
                }
            }
            for span in &mut open {
                span.acc.add(line);
                if !line.trim().is_empty() {
                    span.acc.keep();
                }
            }
            while let Some(&(_, _, col, element)) = next.peek().filter(|s| s.0 == f && s.1 == number) {
                next.next();
                let mut acc = T::default();
                acc.add(line);
                acc.keep();
                open.push(Span {
                    element,
                    indent: col.saturating_sub(1) as usize,
                    acc,
                });
            }
            !open.is_empty() || next.peek().is_some_and(|s| s.0 == f)
        });
        open.into_iter().for_each(|span| out(span.element, span.acc.finish()));
        // Elements past the end of a file changed since it was read have no text.
        while next.peek().is_some_and(|s| s.0 == f) {
            next.next();
        }
    }
}

/// Every element as (file, line, column, element), in that order. Each section already is
/// (files are read in order, each from its top), so the sections are merged, not sorted: a
/// sorted copy of a million elements would cost 24 MB.
fn in_file_order(table: &Table) -> impl Iterator<Item = (u32, u32, u32, Element)> + '_ {
    let section = |len: usize, element: fn(u32) -> Element| {
        (0..len as u32).map(move |i| {
            let e = element(i);
            let l = table.element_loc(e);
            (l.file, l.line, l.col, e)
        })
    };
    let mut sections = [
        section(table.domains.len(), Element::Domain).peekable(),
        section(table.psaps.len(), Element::Psap).peekable(),
        section(table.routers.len(), Element::Router).peekable(),
        section(table.origins.len(), Element::Origin).peekable(),
        section(table.pools.len(), Element::Pool).peekable(),
    ];
    std::iter::from_fn(move || {
        let first = (0..sections.len())
            .filter_map(|s| sections[s].peek().map(|&(f, l, c, _)| ((f, l, c), s)))
            .min()?;
        sections[first.1].next()
    })
}

/// Every element's digest.
pub(super) fn digests(table: &Table) -> Digests {
    let mut sums = Digests([
        Vec::with_capacity(table.domains.len()),
        Vec::with_capacity(table.psaps.len()),
        Vec::with_capacity(table.routers.len()),
        Vec::with_capacity(table.origins.len()),
        Vec::with_capacity(table.pools.len()),
    ]);
    read::<Sum>(table, |_| true, |e, sum| sums.set(e, sum));
    sums
}

/// The text of the given elements.
pub(super) fn texts(table: &Table, elements: &HashSet<Element>) -> HashMap<Element, String> {
    if elements.is_empty() {
        return HashMap::new();
    }
    let mut texts = HashMap::new();
    read::<Text>(
        table,
        |e| elements.contains(&e),
        |e, text| {
            texts.insert(e, text);
        },
    );
    texts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceFile;

    fn table(text: &str) -> crate::load::Loaded {
        crate::load::from_sources(vec![SourceFile::in_memory("t.yaml", text)], vec![])
    }

    #[test]
    fn an_elements_text_is_its_key_and_what_is_indented_below() {
        let loaded = table(
            "version: 1\npsaps:\n  a:\n    name: A\n    # a comment inside\n\n    status: active\n\n\n  b: { name: B }\n  c: { name: C }\n",
        );
        let t = &loaded.table;
        let all: HashSet<Element> = t.elements().map(|(_, e)| e).collect();
        let texts = texts(t, &all);
        let of = |id: &str| texts[&t.lookup(id).unwrap()].as_str();
        assert_eq!(
            of("a"),
            "  a:\n    name: A\n    # a comment inside\n\n    status: active\n"
        );
        assert_eq!(of("b"), "  b: { name: B }\n");
        assert_eq!(of("c"), "  c: { name: C }\n");
        let sums = digests(t);
        let sum = |id: &str| sums.get(t.lookup(id).unwrap());
        assert!(sum("c").is_some());
        assert_ne!(sum("b"), sum("c"));
    }

    #[test]
    fn elements_sharing_a_line_each_get_it() {
        let loaded = table("version: 1\npsaps: { a: { name: A }, b: { name: B } }\n");
        let t = &loaded.table;
        let all: HashSet<Element> = t.elements().map(|(_, e)| e).collect();
        let texts = texts(t, &all);
        assert_eq!(texts.len(), 2);
        assert!(texts.values().all(|s| s.starts_with("psaps: {")), "{texts:?}");
    }
}
