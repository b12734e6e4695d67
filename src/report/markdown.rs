//! `--format markdown`: a pull-request comment. Verdict first, then moved traffic, new
//! findings, and the details folded away, with a Mermaid picture of what the change touched.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::Output;
use crate::diff::DiffReport;
use crate::finding::ScenarioLabel;
use crate::rules::{Finding, thousands};

/// Table text in a Markdown table cell: inert, no HTML (a `</details>` in a name must not
/// close the report's folds), no cell break, and no Markdown of the author's: every
/// punctuation mark that could start an image, a link, emphasis or a code span is escaped
/// (so a backtick in a quoted value cannot close a span early), and neither an @mention nor
/// a bare URL becomes live.
fn cell(s: &str) -> String {
    let text = super::escape::short(&s.replace('\n', " "), 2000);
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev = ' ';
    for c in text.chars() {
        let after = prev;
        prev = c;
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '#' | '~' | '|' | '$' => {
                out.push('\\');
                out.push(c);
            }
            // A zero-width space after an `@` that could start a mention (not after a letter
            // or digit: `sip:psap@host` is no mention, and stays copyable).
            '@' if !after.is_alphanumeric() => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
    }
    // And inside a URL's `://` and `www.`: no autolink.
    out.replace("://", ":\u{200b}//").replace("www.", "www\u{200b}.")
}

/// Table text as an inline code span in a table cell: delimited by more backticks than any
/// run inside it, inert, with no cell break.
fn code(text: &str) -> String {
    let text = super::escape::short(&text.replace('\n', " "), 300).replace('|', "\\|");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// The longest run of backticks in `text`: a code span or fence must be longer.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A fenced block around `text`, its fence longer than any run of backticks inside and on a
/// line of its own (a closing fence after text on its line would leave the block open).
fn fenced(lang: &str, text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    let mut body = super::escape::inert_lines(text);
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    format!("{fence}{lang}\n{body}{fence}\n")
}

fn findings_table(out: &Output<'_>, findings: &[&Finding]) -> String {
    let mut t = String::from("| | rule | where | finding |\n|---|---|---|---|\n");
    for f in findings {
        let icon = match (f.waived, f.severity) {
            (true, _) => "⏸️",
            (false, crate::rules::Severity::Error) => "❌",
            (false, crate::rules::Severity::Warning) => "⚠️",
        };
        let at = super::where_of(out.table, f).map(|w| code(&w)).unwrap_or_default();
        let _ = writeln!(t, "| {icon} | `{}` | {at} | {} |", f.rule, cell(&f.message));
    }
    t
}

/// A Mermaid flowchart of the paths of moved origins: old hops dashed, new hops solid.
fn mermaid(d: &DiffReport) -> Option<String> {
    if d.paths.is_empty() {
        return None;
    }
    let mut old_edges = BTreeSet::new();
    let mut new_edges = BTreeSet::new();
    for (old, new) in d.paths.iter().take(200) {
        old_edges.extend(old.windows(2).map(|w| (w[0].clone(), w[1].clone())));
        new_edges.extend(new.windows(2).map(|w| (w[0].clone(), w[1].clone())));
    }
    let id = super::mermaid_id;
    let mut m = String::from("```mermaid\nflowchart LR\n");
    let nodes: BTreeSet<&String> = old_edges
        .iter()
        .chain(new_edges.iter())
        .flat_map(|(a, b)| [a, b])
        .collect();
    for n in nodes {
        let _ = writeln!(m, "  {}[\"{n}\"]", id(n));
    }
    for (a, b) in &old_edges {
        if !new_edges.contains(&(a.clone(), b.clone())) {
            let _ = writeln!(m, "  {} -. before .-> {}", id(a), id(b));
        }
    }
    for (a, b) in &new_edges {
        let label = if old_edges.contains(&(a.clone(), b.clone())) {
            ""
        } else {
            "|\"after\"|"
        };
        let _ = writeln!(m, "  {} -->{label} {}", id(a), id(b));
    }
    m.push_str("```\n");
    Some(m)
}

pub fn render(out: &Output<'_>) -> String {
    let report = out.report;
    let mut md = String::new();
    let gate = out.verdict();
    let errors = gate.failing;
    let verdict = if gate.unjudged && errors == 0 {
        "### ❌ psapguard: the change could not be checked".to_string()
    } else if gate.fails() {
        format!(
            "### ❌ psapguard: {errors} {} block this change",
            if errors == 1 { "error" } else { "errors" }
        )
    } else {
        "### ✅ psapguard: no new errors".to_string()
    };
    let s = &report.summary;
    let n = super::plural;
    let (errors, warnings, tables) = (n(s.errors, "error"), n(s.warnings, "warning"), super::table_counts(s));
    let _ = writeln!(
        md,
        "{verdict}\n\n{errors}, {warnings}, {} waived · {tables} checked{}\n",
        s.waived,
        super::human::expiring(s)
    );
    for note in report.skipped_routing.iter().chain(&report.notes) {
        let _ = writeln!(md, "> **Note:** {}\n", cell(note));
    }
    if let Some(d) = out.diff {
        let scenarios = super::moves_by_scenario(d);
        if report.skipped_routing.is_none() && scenarios.first().is_none_or(|m| m.scenario != ScenarioLabel::Normal) {
            let none = if d.boundaries.changes.is_empty() {
                "none"
            } else {
                "none by routing"
            };
            let _ = writeln!(md, "**Moved traffic:** {none} — {}.\n", super::no_routing_moves(d));
        }
        for m in &scenarios {
            let _ = writeln!(
                md,
                "**{}:** {} origins, population {}\n\n| before | after | origins | population | e.g. |\n|---|---|---:|---:|---|",
                m.title(),
                thousands(m.origins as u64),
                thousands(m.population)
            );
            for g in &m.groups {
                let _ = writeln!(
                    md,
                    "| `{}` | `{}`{} | {} | {} | {} |",
                    g.before,
                    g.after,
                    cell(&g.calls_phrase()),
                    thousands(g.origins as u64),
                    thousands(g.population),
                    cell(&g.first)
                );
            }
            md.push('\n');
        }
        if !d.boundaries.is_empty() {
            // The human text, fenced: ids and NGUIDs are shown as they are.
            let text = super::human::boundary_changes(&d.boundaries);
            let _ = writeln!(md, "**Boundary changes:**\n\n{}\n", fenced("text", text.trim_end()));
        }
        let new: Vec<&Finding> = report.findings.iter().filter(|f| f.is_new()).collect();
        if new.is_empty() {
            md.push_str("**New findings:** none\n\n");
        } else {
            let _ = writeln!(md, "**New findings:**\n\n{}", findings_table(out, &new));
        }
        if !d.fixed.is_empty() {
            md.push_str("**Fixed by this change:**\n\n");
            for f in &d.fixed {
                let _ = writeln!(md, "- `{}` {}", f.rule, cell(&f.message));
            }
            md.push('\n');
        }
        if !d.added_waivers.is_empty() {
            md.push_str("**Waivers this change adds:**\n\n");
            for w in &d.added_waivers {
                let until = w.expires.as_deref().map(|e| format!(" until {e}")).unwrap_or_default();
                let _ = writeln!(md, "- {} on `{}`{until}: {}", code(&w.rule), w.element, cell(&w.reason));
            }
            md.push('\n');
        }
        if let Some(picture) = mermaid(d) {
            let _ = writeln!(
                md,
                "<details><summary>Routing paths the change touched</summary>\n\n{picture}\n</details>\n"
            );
        }
        if !d.edits.is_empty() || !d.policies.is_empty() {
            md.push_str("<details><summary>Changed elements</summary>\n\n");
            for e in &d.edits {
                let _ = writeln!(md, "**{} `{}`**\n\n{}", e.kind, e.id, fenced("diff", &e.unified));
            }
            for p in &d.policies {
                let what = if p.rule.is_some() { "policy rule" } else { "policy" };
                let _ = writeln!(
                    md,
                    "**{} {what} {}**\n\n{}",
                    p.change.name(),
                    code(&p.element()),
                    fenced("diff", &p.diff)
                );
            }
            md.push_str("</details>\n\n");
        }
    }
    let all: Vec<&Finding> = report.findings.iter().collect();
    if !all.is_empty() {
        let _ = writeln!(
            md,
            "<details><summary>All findings ({})</summary>\n\n{}\n</details>",
            all.len(),
            findings_table(out, &all)
        );
    }
    md
}
