//! Every Markdown psapguard writes (the pull-request comment of `check` and `diff`, `explain
//! --markdown`) parsed with a CommonMark parser: each fenced block closed by a fence on its
//! own line, nothing of the comment's own structure swallowed by a code block, the folds
//! balanced.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use crate::common::{self, run};

/// Lines that start the comment's own structure: inside a code block they mean a fence was
/// left open.
const STRUCTURE: [&str; 5] = ["**", "<details", "</details", "### ", "|---"];

/// Parses `md` as GitHub does (CommonMark with tables) and checks its shape; returns the
/// text outside code blocks.
pub(crate) fn assert_commonmark(md: &str, what: &str) -> String {
    let mut fenced = 0;
    let mut in_code = false;
    let mut prose = String::new();
    let (mut opens, mut closes) = (0, 0);
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                if matches!(kind, CodeBlockKind::Fenced(_)) {
                    fenced += 1;
                }
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if in_code => {
                for line in t.lines() {
                    assert!(
                        !STRUCTURE.iter().any(|s| line.starts_with(s)),
                        "{what}: a code block swallows `{line}`:\n{md}"
                    );
                }
            }
            Event::Text(t) | Event::Code(t) => prose.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => {
                opens += h.matches("<details>").count();
                closes += h.matches("</details>").count();
            }
            _ => {}
        }
    }
    // A block left open runs to the end of the document, where the parser closes it quietly:
    // count the fences written on lines of their own instead.
    let fence_lines = md.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fence_lines, 2 * fenced, "{what}: a fence not on its own line:\n{md}");
    assert_eq!(opens, closes, "{what}: unbalanced <details>:\n{md}");
    prose
}

/// A diff that moves PSAP boundaries (the GIS edit of `gis.rs`), as the comment shows it.
#[test]
fn a_diff_with_boundary_moves_closes_its_fence() {
    let (old, new) = common::denver_boundary_move();
    let (code, md, _) = run(&[
        "diff",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 1);
    assert!(md.contains("**Boundary changes:**"), "{md}");
    let prose = assert_commonmark(&md, "diff with boundary moves");
    assert!(prose.contains("New findings:"), "read as text, not code:\n{md}");
}

#[test]
fn diff_comments_parse_as_commonmark() {
    let rerouted = common::denver_with("network.yaml", |t| {
        t.replacen("        to: broomfield-pd", "        to: westminster-911", 1)
    });
    let broken = common::denver_with("psaps.yaml", |t| t.replacen("]", "", 1));
    for (new, what) in [
        (rerouted.path(), "a rerouted rule"),
        (broken.path(), "a table that does not parse"),
        (std::path::Path::new("examples/denver"), "no change"),
    ] {
        let (_, md, _) = run(&["diff", "examples/denver", new.to_str().unwrap(), "--format", "markdown"]);
        assert_commonmark(&md, what);
    }
}

#[test]
fn every_fixture_check_comment_parses_as_commonmark() {
    let mut checked = 0;
    let mut fixtures: Vec<_> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    fixtures.sort();
    for rule in fixtures {
        let mut cases: Vec<_> = std::fs::read_dir(&rule).unwrap().map(|e| e.unwrap().path()).collect();
        cases.sort();
        for case in cases {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.starts_with("trigger") || name.starts_with("ok")) {
                continue;
            }
            let (_, md, _) = run(&["check", case.to_str().unwrap(), "--format", "markdown"]);
            assert_commonmark(&md, &case.display().to_string());
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked} fixtures");
}

#[test]
fn the_rules_reference_parses_as_commonmark() {
    let (code, md, _) = run(&["explain", "--markdown"]);
    assert_eq!(code, 0);
    assert_commonmark(&md, "explain --markdown");
}
