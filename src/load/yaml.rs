//! YAML text → a small tree of nodes that keeps the position of every key and value.
//!
//! Built straight from saphyr-parser's event stream: the parser does the YAML 1.2 work, this
//! module adds what a checker needs on top — positions, duplicate keys, and the limits that
//! keep hostile input (deep nesting, alias bombs) within bounded time and memory.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::model::Section;

/// A 1-based line and column in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Limits against hostile input; generous for any real routing table.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences (a routing table needs about 8).
    pub max_depth: usize,
    /// Most nodes an alias may stand for, summed over the file (alias-bomb guard).
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_alias_nodes: 100_000,
        }
    }
}

/// One YAML node with its position.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub pos: Pos,
    pub value: Value<'a>,
}

#[derive(Debug, Clone)]
pub enum Value<'a> {
    /// A scalar; `plain` is false for quoted and block scalars, which are always strings.
    Scalar {
        text: Cow<'a, str>,
        plain: bool,
    },
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

/// What YAML 1.2's core schema makes of a scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved<'s> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'s str),
}

impl<'a> Node<'a> {
    /// The core-schema reading of a scalar (None for collections).
    pub fn resolve(&self) -> Option<Resolved<'_>> {
        match &self.value {
            Value::Scalar { text, plain: false } => Some(Resolved::Str(text)),
            Value::Scalar { text, plain: true } => Some(resolve_plain(text)),
            _ => None,
        }
    }

    /// A scalar's text whatever its type (keys, ids, names).
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// What kind of YAML value this is, for messages ("expected a list, found a string").
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Scalar { .. } => match self.resolve() {
                Some(Resolved::Null) => "nothing (null)",
                Some(Resolved::Bool(_)) => "a boolean",
                Some(Resolved::Int(_)) => "an integer",
                Some(Resolved::Float(_)) => "a number",
                _ => "a string",
            },
        }
    }
}

fn resolve_plain(s: &str) -> Resolved<'_> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        _ => {}
    }
    let b = s.as_bytes();
    let first = b[0];
    if first.is_ascii_digit() || ((first == b'-' || first == b'+') && b.len() > 1) {
        if let Some(i) = parse_int(s) {
            return Resolved::Int(i);
        }
        if let Ok(f) = s.parse::<f64>()
            && s.bytes().all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c))
        {
            return Resolved::Float(f);
        }
    }
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        _ => Resolved::Str(s),
    }
}

/// Core-schema integers: decimal, `0o` octal, `0x` hex. Too big for i128 → not an int.
fn parse_int(s: &str) -> Option<i128> {
    if let Some(h) = s.strip_prefix("0x") {
        return i128::from_str_radix(h, 16).ok();
    }
    if let Some(o) = s.strip_prefix("0o") {
        return i128::from_str_radix(o, 8).ok();
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i128>().ok().or_else(|| {
        // Out of i128 range is still an integer to the user: saturate so range checks fire.
        Some(if s.starts_with('-') { i128::MIN } else { i128::MAX })
    })
}

/// Why a file could not be read as YAML.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub pos: Option<Pos>,
    pub message: String,
}

/// What the streaming parser hands on, in document order.
#[derive(Debug)]
pub enum Item<'a> {
    /// The root when it is not a mapping, or None for an empty document.
    Root(Option<Node<'a>>),
    /// The root mapping starts here.
    RootMap(Pos),
    /// A top-level key and its value (a section whose value is not a mapping comes this way).
    Top { key: Node<'a>, value: Node<'a> },
    /// A section mapping starts (so an empty section is seen too).
    Section { key: Node<'a> },
    /// A YAML tag other than the core schema's (`!!str`, `!!int`, …), which psapguard does not
    /// interpret: a schema finding.
    BadTag { pos: Pos, tag: String },
    /// One entry of a section: its id and its value.
    Element {
        section: Section,
        key: Node<'a>,
        value: Node<'a>,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Build the mapping as a node.
    Collect,
    /// The root mapping: hand on each key and value.
    Root,
    /// A section mapping: hand on each entry.
    Section(Section),
}

/// A collection being parsed: where it starts, its anchor id (0: none) and what it holds so far.
enum Frame<'a> {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node<'a>>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node<'a>, Node<'a>)>,
        /// A key waiting for its value.
        pending: Option<Node<'a>>,
        mode: Mode,
    },
}

/// The tag as written when it is not one of the core schema's `allowed` tags.
fn unknown_tag(tag: Option<&saphyr_parser::Tag>, allowed: &[&str]) -> Option<String> {
    let tag = tag?;
    (!(tag.is_yaml_core_schema() && allowed.contains(&tag.suffix.as_str()))).then(|| tag.to_string())
}

/// Parses a whole document into one tree (for tests and tools; `check` streams).
pub fn parse(src: &str, limits: Limits) -> Result<Option<Node<'_>>, YamlError> {
    let mut root = None;
    walk(src, limits, false, &mut |item, _| {
        if let Item::Root(r) = item {
            root = r;
        }
    })?;
    Ok(root)
}

/// Streams a document: the root mapping's fields and each section entry as soon as it is
/// complete, so memory holds one element's tree at a time, not the file's. With each item
/// comes how far the parser has read: a count of characters, so never more than the bytes
/// behind it (the text before that point is not read again).
pub fn stream<'a>(src: &'a str, limits: Limits, emit: &mut dyn FnMut(Item<'a>, usize)) -> Result<(), YamlError> {
    walk(src, limits, true, emit)
}

fn walk<'a>(
    src: &'a str,
    limits: Limits,
    streaming: bool,
    emit: &mut dyn FnMut(Item<'a>, usize),
) -> Result<(), YamlError> {
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame<'a>> = Vec::new();
    // anchor id → (node, its size in nodes); aliases copy the node, so count what they add.
    let mut anchors: Vec<(usize, Node<'a>, usize)> = Vec::new();
    let mut alias_nodes = 0usize;
    let mut documents = 0;
    let mut root_seen = false;

    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(scan_error)?;
        let read = span.end.index();
        let pos = Pos {
            line: span.start.line() as u32,
            col: span.start.col() as u32 + 1,
        };
        let (node, anchor, size) = match event {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        pos: Some(pos),
                        message: "a second YAML document in one file; a table file holds one document".into(),
                    });
                }
                continue;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let core = if matches!(event, Event::SequenceStart(..)) {
                    "seq"
                } else {
                    "map"
                };
                if let Some(bad) = unknown_tag(tag.as_deref(), &[core]) {
                    emit(Item::BadTag { pos, tag: bad }, read);
                }
                if stack.len() >= limits.max_depth {
                    return Err(YamlError {
                        pos: Some(pos),
                        message: format!("nesting deeper than {} levels", limits.max_depth),
                    });
                }
                if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Frame::Seq {
                        pos,
                        anchor,
                        items: Vec::new(),
                    });
                    continue;
                }
                // Anchored mappings are collected whole so aliases can copy them.
                let mode = match stack.last() {
                    None if streaming && anchor == 0 => {
                        emit(Item::RootMap(pos), read);
                        Mode::Root
                    }
                    Some(Frame::Map {
                        pending: Some(key),
                        mode: Mode::Root,
                        ..
                    }) if anchor == 0 => match key.text().and_then(Section::of) {
                        Some(i) => {
                            emit(Item::Section { key: key.clone() }, read);
                            Mode::Section(i)
                        }
                        None => Mode::Collect,
                    },
                    _ => Mode::Collect,
                };
                stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    pending: None,
                    mode,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { pos: p, anchor, items }) => {
                    let size = 1 + items.len();
                    (
                        Node {
                            pos: p,
                            value: Value::Seq(items),
                        },
                        anchor,
                        size,
                    )
                }
                Some(Frame::Map {
                    pos: p,
                    anchor,
                    entries,
                    mode: Mode::Collect,
                    ..
                }) => {
                    let size = 1 + 2 * entries.len();
                    (
                        Node {
                            pos: p,
                            value: Value::Map(entries),
                        },
                        anchor,
                        size,
                    )
                }
                Some(Frame::Map {
                    mode: Mode::Section(_), ..
                }) => {
                    // Its entries went out one by one; the root's pending key is done with.
                    if let Some(Frame::Map { pending, .. }) = stack.last_mut() {
                        *pending = None;
                    }
                    continue;
                }
                Some(Frame::Map { mode: Mode::Root, .. }) => {
                    root_seen = true;
                    continue;
                }
                None => continue,
            },
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(bad) = unknown_tag(tag.as_deref(), &["str", "int", "float", "bool", "null"]) {
                    emit(Item::BadTag { pos, tag: bad }, read);
                }
                // `!!str 10` is the string "10"; the other core tags resolve as plain scalars do.
                let string_tag = tag
                    .as_deref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !string_tag;
                (
                    Node {
                        pos,
                        value: Value::Scalar { text, plain },
                    },
                    anchor,
                    1,
                )
            }
            Event::Alias(id) => {
                let Some((_, node, size)) = anchors.iter().rev().find(|(a, ..)| *a == id) else {
                    return Err(YamlError {
                        pos: Some(pos),
                        message: "alias to an unknown anchor".into(),
                    });
                };
                alias_nodes += size;
                if alias_nodes > limits.max_alias_nodes {
                    return Err(YamlError {
                        pos: Some(pos),
                        message: format!(
                            "aliases expand to more than {} nodes (an alias bomb?)",
                            limits.max_alias_nodes
                        ),
                    });
                }
                let mut copy = node.clone();
                copy.pos = pos;
                (copy, 0, *size)
            }
        };
        if anchor != 0 {
            anchors.push((anchor, node.clone(), deep_size(&node).max(size)));
        }
        match stack.last_mut() {
            None => {
                root_seen = true;
                emit(Item::Root(Some(node)), read);
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, pending, mode, ..
            }) => match (pending.take(), *mode) {
                (None, _) => *pending = Some(node),
                (Some(key), Mode::Collect) => entries.push((key, node)),
                (Some(key), Mode::Root) => emit(Item::Top { key, value: node }, read),
                (Some(key), Mode::Section(section)) => emit(
                    Item::Element {
                        section,
                        key,
                        value: node,
                    },
                    read,
                ),
            },
        }
    }
    if !root_seen {
        emit(Item::Root(None), src.len());
    }
    Ok(())
}

fn deep_size(node: &Node<'_>) -> usize {
    match &node.value {
        Value::Scalar { .. } => 1,
        Value::Seq(items) => 1 + items.iter().map(deep_size).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|(k, v)| deep_size(k) + deep_size(v)).sum::<usize>(),
    }
}

fn scan_error(e: ScanError) -> YamlError {
    let m = e.marker();
    YamlError {
        pos: Some(Pos {
            line: m.line() as u32,
            col: m.col() as u32 + 1,
        }),
        message: match e.info() {
            info if info.contains("recursion limit") => format!("nesting too deep ({info})"),
            info => info.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_2_keeps_no_on_yes_as_strings() {
        for s in ["NO", "no", "ON", "off", "yes", "Y", "n"] {
            assert_eq!(resolve_plain(s), Resolved::Str(s), "{s}");
        }
        assert_eq!(resolve_plain("true"), Resolved::Bool(true));
        assert_eq!(resolve_plain("~"), Resolved::Null);
        assert_eq!(resolve_plain("0x1F"), Resolved::Int(31));
        assert_eq!(resolve_plain("012"), Resolved::Int(12), "YAML 1.2: no implicit octal");
        assert_eq!(resolve_plain("1.5"), Resolved::Float(1.5));
        assert_eq!(resolve_plain("2026-01-01"), Resolved::Str("2026-01-01"));
    }

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let root = parse("version: 1\npsaps:\n  a: { status: active }\n", Limits::default())
            .unwrap()
            .unwrap();
        let Value::Map(top) = &root.value else { panic!() };
        let (key, value) = &top[1];
        assert_eq!(key.pos, Pos { line: 2, col: 1 });
        let Value::Map(psaps) = &value.value else { panic!() };
        assert_eq!(psaps[0].0.pos, Pos { line: 3, col: 3 });
    }
}
