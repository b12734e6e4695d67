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

/// What an element's text is summed up as: a hash and a length.
pub type Digest = (u64, usize);

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
        self.kept = (self.hash.finish(), self.len);
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
/// accumulator.
fn read<T: Accumulate>(table: &Table, wanted: impl Fn(Element) -> bool) -> HashMap<Element, T::Out> {
    let mut starts: Vec<(u32, u32, u32, Element)> = table
        .elements()
        .map(|(_, e)| (e, table.element_loc(e)))
        .filter(|&(e, _)| wanted(e))
        .map(|(e, l)| (l.file, l.line, l.col, e))
        .collect();
    starts.sort_unstable();
    let mut out = HashMap::with_capacity(starts.len());
    let mut next = starts.into_iter().peekable();
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
                    out.insert(span.element, span.acc.finish());
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
        out.extend(open.into_iter().map(|span| (span.element, span.acc.finish())));
        // Elements past the end of a file changed since it was read have no text.
        while next.peek().is_some_and(|s| s.0 == f) {
            next.next();
        }
    }
    out
}

/// Every element's digest.
pub fn digests(table: &Table) -> HashMap<Element, Digest> {
    read::<Sum>(table, |_| true)
}

/// The text of the given elements.
pub fn texts(table: &Table, elements: &HashSet<Element>) -> HashMap<Element, String> {
    if elements.is_empty() {
        return HashMap::new();
    }
    read::<Text>(table, |e| elements.contains(&e))
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
        assert_eq!(sums[&t.lookup("c").unwrap()].1, of("c").len());
        assert_ne!(sums[&t.lookup("b").unwrap()], sums[&t.lookup("c").unwrap()]);
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
