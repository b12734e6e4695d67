//! `--format github`: workflow-command annotations (`::error file=…,line=…,col=…::…`).

use super::Output;
use crate::rules::Severity;

/// Escapes a workflow-command message (its line breaks are the tool's own).
fn data(s: &str) -> String {
    super::escape::inert_lines(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
fn property(s: &str) -> String {
    data(&super::escape::inert(s)).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(out: &Output<'_>) -> String {
    let mut text = String::new();
    if let Some(note) = &out.report.skipped_routing {
        // In a diff it fails the run (the gate could not look); in a check it is a note.
        let command = if out.verdict().unjudged { "error" } else { "warning" };
        text.push_str(&format!("::{command} title=psapguard::{}\n", data(note)));
    }
    for note in &out.report.notes {
        text.push_str(&format!("::notice title=psapguard::{}\n", data(note)));
    }
    for f in &out.report.findings {
        // An error the gate knows (baseline, pre-existing in a diff) does not fail the run:
        // it is annotated as a warning, so the annotations agree with the exit code.
        let command = match (f.waived, f.severity) {
            (true, _) => "notice",
            (false, Severity::Error) if out.report.fails_run(f) => "error",
            (false, _) => "warning",
        };
        let mut props = Vec::new();
        if let Some(loc) = f.location {
            props.push(format!("file={}", property(&out.table.files[loc.file as usize].path)));
            props.push(format!("line={}", loc.line));
            props.push(format!("col={}", loc.col));
        } else if let Some(p) = &f.place {
            props.push(format!("file={}", property(&p.file)));
        }
        let new = f.new.map(|n| format!(" ({})", n.word())).unwrap_or_default();
        props.push(format!("title={}", property(&format!("psapguard {}{new}", f.rule))));
        let mut message = f.message.clone();
        if let Some(p) = f.place.as_ref().filter(|_| f.location.is_none()) {
            message.push_str(&format!("\nat {}", super::gis_place(p)));
        }
        // The line is the JWS payload's: the pointer says where in the decoded policy.
        if let Some(pointer) = &f.pointer {
            message.push_str(&format!("\nat {pointer} in the decoded JWS payload"));
        }
        if let Some(line) = super::human::affected_line(f) {
            message.push('\n');
            message.push_str(&line);
        }
        text.push_str(&format!("::{command} {}::{}\n", props.join(","), data(&message)));
    }
    text
}
