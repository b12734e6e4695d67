//! `--format human`: a miette code frame per finding, then a summary line.

use std::collections::HashMap;
use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::check::Report;
use crate::model::{Loc, Table};
use crate::rules::{Finding, Severity, thousands};

/// How to draw: colours only on a terminal without NO_COLOR.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// Maps (line, column) to byte offsets, one file at a time.
struct Offsets<'t> {
    table: &'t Table,
    lines: HashMap<u32, Vec<usize>>,
}

impl Offsets<'_> {
    /// The lines around `lines` (1-based) of a file, with some context either side.
    fn window(&mut self, file: u32, lines: &[u32]) -> Window {
        self.starts(file);
        // Shared by all the file's code frames, not copied per finding.
        let text = self.table.files[file as usize].text().clone();
        let starts = &self.lines[&file];
        let lo = (lines.iter().min().copied().unwrap_or(1) as usize).saturating_sub(4);
        let hi = (lines.iter().max().copied().unwrap_or(1) as usize + 3).min(starts.len());
        let start = starts.get(lo).copied().unwrap_or(text.len());
        let end = starts.get(hi).copied().unwrap_or(text.len());
        Window {
            text,
            start,
            end,
            first_line: lo,
        }
    }

    fn starts(&mut self, file: u32) {
        let text = self.table.files[file as usize].text();
        self.lines.entry(file).or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
    }

    /// Byte span of the token at `loc`.
    fn span(&mut self, loc: Loc) -> SourceSpan {
        self.starts(loc.file);
        let text = self.table.files[loc.file as usize].text();
        let starts = &self.lines[&loc.file];
        let Some(&line_start) = starts.get(loc.line.saturating_sub(1) as usize) else {
            return SourceSpan::new(text.len().into(), 0);
        };
        let line = &text[line_start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let col = line
            .char_indices()
            .nth(loc.col.saturating_sub(1) as usize)
            .map_or(line.len(), |(i, _)| i);
        let token = &line[col..];
        let len = token
            .find(|c: char| c.is_whitespace() || ":,]}#".contains(c))
            .unwrap_or(token.len())
            .max(token.len().min(1));
        SourceSpan::new((line_start + col).into(), len)
    }
}

/// The lines of a file around a finding's labels, numbered as in the file. miette finds a
/// span's line by scanning from the start of its source, so handing it the whole file costs
/// a pass over the file per finding; a window keeps that to a few lines.
#[derive(Debug)]
struct Window {
    text: std::sync::Arc<str>,
    start: usize,
    end: usize,
    /// 0-based line of `start` in the file.
    first_line: usize,
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let slice = &self.text[self.start..self.end];
        let local = SourceSpan::new(
            span.offset().saturating_sub(self.start).min(slice.len()).into(),
            span.len(),
        );
        let inner = slice.read_span(&local, before, after)?;
        let at = SourceSpan::new((inner.span().offset() + self.start).into(), inner.span().len());
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            at,
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

struct FindingDiagnostic {
    message: String,
    severity: miette::Severity,
    source: Option<NamedSource<Window>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
}

/// "affected: 12 origins, population 240,000: esz-101, esz-102, esz-103 and 9 more".
pub fn affected_line(f: &Finding) -> Option<String> {
    if f.affected.is_empty() {
        return None;
    }
    let n = f.affected.len();
    let shown: Vec<&str> = f.affected.iter().take(5).map(String::as_str).collect();
    let more = if n > 5 {
        format!(" and {} more", thousands((n - 5) as u64))
    } else {
        String::new()
    };
    let noun = if n == 1 { "origin" } else { "origins" };
    Some(format!(
        "affected: {} {noun}, population {}: {}{more}",
        thousands(n as u64),
        thousands(f.population),
        shown.join(", ")
    ))
}

fn diagnostic(offsets: &mut Offsets<'_>, f: &Finding) -> FindingDiagnostic {
    let table = offsets.table;
    let mut help = Vec::new();
    if let Some(s) = &f.scenario
        && s != "normal"
    {
        help.push(format!("scenario: {s}"));
    }
    help.extend(affected_line(f));
    let mut labels = Vec::new();
    // A file rewritten since it was checked has no text to show: name the place instead.
    let shown = f
        .location
        .filter(|loc| !table.files[loc.file as usize].text().is_empty());
    if let Some(loc) = f.location.filter(|_| shown.is_none()) {
        help.insert(0, format!("at {}", super::place(table, loc)));
    }
    let source = shown.map(|loc| {
        let file = &table.files[loc.file as usize];
        labels.push(LabeledSpan::new_primary_with_span(None, offsets.span(loc)));
        for r in &f.related {
            if r.loc.file == loc.file {
                labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), offsets.span(r.loc)));
            } else {
                help.push(format!("{}: {}", super::place(table, r.loc), r.message));
            }
        }
        let lines: Vec<u32> = std::iter::once(loc.line)
            .chain(f.related.iter().filter(|r| r.loc.file == loc.file).map(|r| r.loc.line))
            .collect();
        NamedSource::new(file.path.clone(), offsets.window(loc.file, &lines)).with_language("yaml")
    });
    let severity = match (f.waived, f.severity) {
        (true, _) => miette::Severity::Advice,
        (false, Severity::Error) => miette::Severity::Error,
        (false, Severity::Warning) => miette::Severity::Warning,
    };
    let tags: Vec<&str> = [
        f.waived.then_some("waived"),
        f.new.map(|n| if n { "new" } else { "pre-existing" }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!(" ({})", tags.join(", "))
    };
    let message = format!("{}{tags}: {}", f.rule, f.message);
    FindingDiagnostic {
        message,
        severity,
        source,
        labels,
        help: (!help.is_empty()).then(|| help.join("\n")),
    }
}

pub fn render(out: &super::Output<'_>, style: Style) -> String {
    let (table, report) = (out.table, out.report);
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_context_lines(1)
        .with_links(false);
    let mut offsets = Offsets {
        table,
        lines: HashMap::new(),
    };
    let mut text = String::new();
    if let Some(d) = out.diff {
        text.push_str(&moved_traffic(d));
    }
    for f in &report.findings {
        let d = diagnostic(&mut offsets, f);
        if handler.render_report(&mut text, &d).is_err() {
            text.push_str(&format!("{}: {}\n", f.rule, f.message));
        }
        text.push('\n');
    }
    if let Some(d) = out.diff {
        for f in &d.fixed {
            text.push_str(&format!("fixed: {}: {}\n", f.rule, f.message));
        }
        if !d.fixed.is_empty() {
            text.push('\n');
        }
        for e in &d.edits {
            text.push_str(&format!("changed {} {}:\n{}\n", e.kind, e.id, e.unified));
        }
    }
    if let Some(note) = &report.skipped_routing {
        text.push_str(&format!("note: {note}\n"));
    }
    text.push_str(&summary_line(table, report, out.fails, out.diff.is_some()));
    text
}

/// "Moved traffic: 12 origins (population 40,000)" and one line per (before → after).
pub fn moved_traffic(d: &crate::diff::DiffReport) -> String {
    if d.changes.is_empty() {
        return "No origin's calls move: every origin reaches the same PSAP as before.\n\n".into();
    }
    let pop: u64 = d.changes.iter().map(|c| c.population).sum();
    let mut text = format!(
        "Moved traffic: {} origins (population {})\n",
        thousands(d.changes.len() as u64),
        thousands(pop)
    );
    for ((before, after), (n, p, first)) in super::grouped_moves(d) {
        text.push_str(&format!(
            "  {before} -> {after}: {} origins, population {} ({first})\n",
            thousands(n as u64),
            thousands(p)
        ));
    }
    text.push('\n');
    text
}

pub fn summary_line(table: &Table, report: &Report, fails: bool, diff: bool) -> String {
    let s = &report.summary;
    let plural = super::plural;
    let name = table.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    let verdict = if fails { "FAIL" } else { "ok" };
    let new = if diff {
        format!(" ({} new)", crate::diff::new_error_count(report))
    } else {
        String::new()
    };
    let (errors, warnings, tables) = (
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        super::table_counts(s),
    );
    format!(
        "{verdict}: {errors}{new}, {warnings}, {} waived; checked {tables}{name}\n",
        s.waived
    )
}
