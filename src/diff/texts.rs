//! The YAML text of each element, read a line at a time: `diff` compares every element of two
//! national tables, and holding both whole texts (and their line tables) cost it 300 MB at a
//! million origins. A first pass hashes each element's text; only the elements whose hashes
//! differ are read again for their text.
//!
//! An element's text is its key line and the lines below it indented deeper (comments and
//! blank lines inside included, trailing blank lines not). The elements whose text differs
//! are shown as unified diffs, at their lines in the files.

use std::collections::{HashMap, HashSet};
use std::hash::Hasher as _;

use super::ElementEdit;
use crate::model::{Element, Loc, Table};

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

/// Unified diffs of every element whose YAML differs (added and removed ones too).
pub(super) fn element_edits(old: &Table, old_sums: &Digests, new: &Table) -> Vec<ElementEdit> {
    // Hashes first, a file at a time; the text only of the elements whose hashes differ.
    let new_sums = digests(new);
    // Every id of the new table, then those only the old one has.
    let both = new.elements().map(|(id, n)| (id, old.lookup(id), Some(n)));
    let removed = old
        .elements()
        .filter(|(id, _)| new.lookup(id).is_none())
        .map(|(id, o)| (id, Some(o), None));
    let changed: Vec<(&str, Option<Element>, Option<Element>)> = both
        .chain(removed)
        .filter(|(_, o, n)| o.and_then(|e| old_sums.get(e)) != n.and_then(|e| new_sums.get(e)))
        .collect();
    drop(new_sums);
    let (old_texts, new_texts) = (
        texts(old, &changed.iter().filter_map(|c| c.1).collect()),
        texts(new, &changed.iter().filter_map(|c| c.2).collect()),
    );
    let mut edits = Vec::new();
    for (id, o, n) in changed {
        let before = o.and_then(|e| old_texts.get(&e)).map_or("", String::as_str);
        let after = n.and_then(|e| new_texts.get(&e)).map_or("", String::as_str);
        if before == after {
            continue;
        }
        let path = |t: &Table, e: Option<Element>| {
            e.map_or("/dev/null".to_string(), |e| {
                t.files[t.element_loc(e).file as usize].path.clone()
            })
        };
        let first_line = |t: &Table, e: Option<Element>| e.map_or(0, |e| t.element_loc(e).line as usize - 1);
        let text_diff = similar::TextDiff::from_lines(before, after);
        let unified = unified_in_file(
            &text_diff,
            (&path(old, o), first_line(old, o)),
            (&path(new, n), first_line(new, n)),
        );
        let element = n.or(o).expect("in one of the tables");
        let loc = n.map(|e| new.element_loc(e));
        let lines = loc.map(|l| (l.line, l.line + after.lines().count().max(1) as u32 - 1));
        // The first line of the new text that the change wrote (inserted or replaced).
        let changed_at = loc.and_then(|l| {
            text_diff.ops().iter().find_map(|op| match op.tag() {
                similar::DiffTag::Insert | similar::DiffTag::Replace => Some(Loc {
                    file: l.file,
                    line: l.line + op.new_range().start as u32,
                    col: 1,
                }),
                _ => None,
            })
        });
        edits.push(ElementEdit {
            id: id.to_string(),
            kind: element.kind_name(),
            loc,
            lines,
            changed_at,
            unified,
        });
    }
    edits.sort_by(|a, b| {
        (a.loc.is_none(), a.loc)
            .cmp(&(b.loc.is_none(), b.loc))
            .then(a.id.cmp(&b.id))
    });
    edits
}

/// A unified diff of an element's text whose hunk headers count the lines of the file the
/// element sits in (it starts after `skip` lines), so a reader finds the edit where it is.
pub(super) fn unified_in_file(diff: &similar::TextDiff<'_, '_, str>, old: (&str, usize), new: (&str, usize)) -> String {
    use std::fmt::Write as _;
    let mut out = format!("--- {}\n+++ {}\n", old.0, new.0);
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let ops = hunk.ops();
        let (Some(first), Some(last)) = (ops.first(), ops.last()) else {
            continue;
        };
        let range = |start: usize, end: usize, skip: usize| {
            let len = end - start;
            // An empty range names the line before it, as diff does.
            let at = if len == 0 { start + skip } else { start + skip + 1 };
            if len == 1 {
                at.to_string()
            } else {
                format!("{at},{len}")
            }
        };
        let (o, n) = (
            range(first.old_range().start, last.old_range().end, old.1),
            range(first.new_range().start, last.new_range().end, new.1),
        );
        let _ = writeln!(out, "@@ -{o} +{n} @@");
        for change in hunk.iter_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            let text = change.value();
            let _ = write!(out, "{sign}{text}");
            if !text.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
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
