//! `--format human`: a miette code frame per finding, then a summary line.

use super::escape::{MAX_SHOWN_CHARS, inert, inert_lines, short};
use std::collections::{BTreeMap, HashMap};
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

/// Lines of context shown above and below the lines a finding points at.
const CONTEXT: u32 = 3;

/// The lines the code frames show, read in one pass per file: a national table's text is
/// not held in memory for a handful of findings.
struct Frames {
    /// (file, 1-based line) → the line as written, with its line break.
    lines: HashMap<(u32, u32), String>,
}

/// A code line as shown: inert, and cut at [`MAX_SHOWN_CHARS`] (a table written as one line
/// of JSON is valid YAML; its frame must not be megabytes wide).
fn shown(line: &str) -> String {
    let body = line.strip_suffix('\n').unwrap_or(line);
    let mut out = super::escape::short(body, MAX_SHOWN_CHARS);
    if body.len() < line.len() {
        out.push('\n');
    }
    out
}

/// The part of a line a frame can show (one character past the cut, so the cut is marked),
/// with its line break: a 500 MB line is not copied, nor escaped, whole.
fn kept(line: &str) -> String {
    let body = line.strip_suffix('\n').unwrap_or(line);
    let end = body
        .char_indices()
        .nth(MAX_SHOWN_CHARS + 1)
        .map_or(body.len(), |(i, _)| i);
    let mut out = body[..end].to_string();
    if body.len() < line.len() {
        out.push('\n');
    }
    out
}

impl Frames {
    fn new(table: &Table, findings: &[Finding]) -> Self {
        let mut wanted: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
        for f in findings {
            if let Some(loc) = f.location {
                let (lo, hi) = frame_lines(f, loc);
                wanted
                    .entry(loc.file)
                    .or_default()
                    .push((lo.saturating_sub(CONTEXT), hi + CONTEXT));
            }
        }
        let mut lines = HashMap::new();
        for (file, mut ranges) in wanted {
            // In line order, so one cursor walks them beside the file (a run can have tens
            // of thousands of findings in a file of a million lines).
            ranges.sort_unstable();
            let mut next = ranges.iter().peekable();
            table.files[file as usize].each_line(|n, line| {
                while next.next_if(|&&(_, hi)| hi < n).is_some() {}
                let Some(&&(lo, _)) = next.peek() else { return false };
                if lo <= n {
                    lines.insert((file, n), kept(line));
                }
                true
            });
        }
        Frames { lines }
    }

    /// The file's lines `lo..=hi` that exist; None if the first does not (a rewritten file).
    fn window(&self, file: u32, lo: u32, hi: u32) -> Option<Window> {
        let lo = lo.saturating_sub(CONTEXT).max(1);
        self.lines.get(&(file, lo))?;
        let text: String = (lo..=hi + CONTEXT)
            .map_while(|n| self.lines.get(&(file, n)))
            .map(|l| shown(l))
            .collect();
        Some(Window {
            text,
            first_line: lo as usize - 1,
        })
    }

    /// Byte span, within `window` (as shown), of the token at `loc`; None if the line is not
    /// there or the column lies past the cut of a long line.
    fn span(&self, window: &Window, loc: Loc) -> Option<SourceSpan> {
        let before: usize = (window.first_line as u32 + 1..loc.line)
            .map(|n| self.lines.get(&(loc.file, n)).map(|l| shown(l).len()))
            .sum::<Option<usize>>()?;
        let line = self.lines.get(&(loc.file, loc.line))?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let col_chars = loc.col.saturating_sub(1) as usize;
        if col_chars >= MAX_SHOWN_CHARS {
            return None;
        }
        let col = line.char_indices().nth(col_chars).map_or(line.len(), |(i, _)| i);
        // Only what the frame shows of the token is measured (and escaped).
        let token = &line[col..];
        let token = &token[..token
            .char_indices()
            .nth(MAX_SHOWN_CHARS)
            .map_or(token.len(), |(i, _)| i)];
        let len = token_len(token);
        // Offsets in the shown line: what precedes may have been escaped.
        let shown_col = inert(&line[..col]).len();
        let shown_len = inert(&token[..len])
            .len()
            .min(shown(line).len().saturating_sub(shown_col));
        Some(SourceSpan::new((before + shown_col).into(), shown_len))
    }
}

/// Bytes of the token `text` starts with: a quoted string to its closing quote (a SIP URI
/// holds `:`), else up to the next space or punctuation; at least one byte of a non-empty text.
fn token_len(text: &str) -> usize {
    let quoted = match text.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) => text[1..]
            .char_indices()
            .scan(false, |escaped, (i, c)| {
                let end = (c == q as char && !*escaped).then_some(i + 2);
                *escaped = c == '\\' && !*escaped && q == b'"';
                Some(end)
            })
            .flatten()
            .next(),
        _ => None,
    };
    quoted.unwrap_or_else(|| {
        text.find(|c: char| c.is_whitespace() || ":,]}#".contains(c))
            .unwrap_or(text.len())
            .max(text.len().min(1))
    })
}

/// The first and last lines a finding's code frame points at (its place and the related
/// places in the same file).
fn frame_lines(f: &Finding, loc: Loc) -> (u32, u32) {
    let lines =
        std::iter::once(loc.line).chain(f.related.iter().filter(|r| r.loc.file == loc.file).map(|r| r.loc.line));
    let (lo, hi) = lines.fold((u32::MAX, 0), |(lo, hi), l| (lo.min(l), hi.max(l)));
    (lo, hi)
}

/// The lines of a file around a finding's labels, numbered as in the file. miette finds a
/// span's line by scanning from the start of its source, so it gets these few lines, not
/// the whole file.
#[derive(Debug)]
struct Window {
    text: String,
    /// 0-based line of the window's first line in the file.
    first_line: usize,
}

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            *inner.span(),
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

fn diagnostic(table: &Table, frames: &Frames, f: &Finding) -> FindingDiagnostic {
    let mut help = Vec::new();
    if let Some(s) = &f.scenario
        && *s != crate::finding::ScenarioLabel::Normal
    {
        help.push(format!("scenario: {s}"));
    }
    help.extend(affected_line(f));
    let mut labels = Vec::new();
    let mut source = None;
    let in_payload = f.location.zip(f.pointer.as_deref()).and_then(|(loc, pointer)| {
        let excerpt = super::payload::excerpt(super::payload::payload_at(table, loc)?, pointer)?;
        Some((loc, pointer, excerpt))
    });
    if let Some((loc, pointer, excerpt)) = in_payload {
        // The file holds base64url: the frame shows the decoded rule the pointer is in.
        let part = match pointer {
            "" => "the policy".to_string(),
            p => inert(p).into_owned(),
        };
        help.insert(
            0,
            format!("at {}, {part} in the decoded JWS payload", super::place(table, loc)),
        );
        if let Some((at, len)) = excerpt.span {
            labels.push(LabeledSpan::new_primary_with_span(
                None,
                SourceSpan::new(at.into(), len),
            ));
        }
        for r in &f.related {
            help.push(format!("{}: {}", super::place(table, r.loc), inert(&r.message)));
        }
        let path = inert(&table.files[loc.file as usize].path).into_owned();
        let part = match excerpt.root.as_str() {
            "" => String::new(),
            root => format!(", {}", inert(root)),
        };
        let shown = format!("{path} (decoded JWS payload{part})");
        let window = Window {
            text: excerpt.text,
            first_line: 0,
        };
        source = Some(NamedSource::new(shown, window).with_language("json"));
    } else if let Some(loc) = f.location {
        let (lo, hi) = frame_lines(f, loc);
        let window = frames.window(loc.file, lo, hi);
        match window.as_ref().and_then(|w| frames.span(w, loc)).zip(window) {
            Some((span, window)) => {
                labels.push(LabeledSpan::new_primary_with_span(None, span));
                for r in &f.related {
                    match (r.loc.file == loc.file).then(|| frames.span(&window, r.loc)).flatten() {
                        Some(span) => {
                            labels.push(LabeledSpan::new_with_span(Some(inert(&r.message).into_owned()), span))
                        }
                        None => help.push(format!("{}: {}", super::place(table, r.loc), r.message)),
                    }
                }
                let path = inert(&table.files[loc.file as usize].path).into_owned();
                source = Some(NamedSource::new(path, window).with_language("yaml"));
            }
            // A file rewritten since it was checked has no code to show: name the place.
            None => help.insert(0, format!("at {}", super::place(table, loc))),
        }
    }
    if let Some(p) = &f.place {
        let mut at = format!("at {}", super::gis_place(p));
        if let Some(point) = p.point {
            at.push_str(&format!(" {}", crate::rules::mapped::point(point)));
        }
        help.insert(0, inert(&at).into_owned());
        if let Some(point) = p.point {
            help.insert(1, format!("map: {}", super::map_link(point)));
        }
        for r in &f.related {
            help.push(format!("{}: {}", super::place(table, r.loc), inert(&r.message)));
        }
    }
    if let Some(w) = &f.waiver {
        help.push(format!("waived: {}", short(&w.words(), MAX_SHOWN_CHARS)));
    }
    let severity = match (f.waived, f.severity) {
        (true, _) => miette::Severity::Advice,
        (false, Severity::Error) => miette::Severity::Error,
        (false, Severity::Warning) => miette::Severity::Warning,
    };
    let tags: Vec<&str> = [f.waived.then_some("waived"), f.new.map(|n| n.word())]
        .into_iter()
        .flatten()
        .collect();
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!(" ({})", tags.join(", "))
    };
    let message = format!("{}{tags}: {}", f.rule, inert(&f.message));
    FindingDiagnostic {
        message,
        severity,
        source,
        labels,
        help: (!help.is_empty()).then(|| inert_lines(&help.join("\n"))),
    }
}

pub fn render(out: &super::Output<'_>, style: Style) -> String {
    let (table, report) = (out.table, out.report);
    let mut text = String::new();
    if let Some(d) = out.diff
        && report.skipped_routing.is_none()
    {
        text.push_str(&moved_traffic(d));
    }
    text.push_str(&findings(table, &report.findings, style));
    after_findings(out, &mut text);
    text
}

/// Findings as code frames, one after another (what a rule's fixture snapshot shows).
pub fn findings(table: &Table, findings: &[Finding], style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_context_lines(1)
        .with_links(false)
        // Ids are words with hyphens (`esrp-den`, `a-911`): never split one across lines.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        // Spaces only: a map link must not break at its `?`.
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_break_words(false);
    let frames = Frames::new(table, findings);
    let mut text = String::new();
    for f in findings {
        let d = diagnostic(table, &frames, f);
        if handler.render_report(&mut text, &d).is_err() {
            text.push_str(&format!("{}: {}\n", f.rule, inert(&f.message)));
        }
        text.push('\n');
    }
    text
}

/// The rest of the human report, after the findings.
fn after_findings(out: &super::Output<'_>, text: &mut String) {
    let (table, report) = (out.table, out.report);
    if let Some(d) = out.diff {
        for f in &d.fixed {
            text.push_str(&format!("fixed: {}: {}\n", f.rule, inert(&f.message)));
        }
        if !d.fixed.is_empty() {
            text.push('\n');
        }
        for w in &d.added_waivers {
            let until = w.expires.as_deref().map(|e| format!(" until {e}")).unwrap_or_default();
            let reason = short(&w.reason, MAX_SHOWN_CHARS);
            text.push_str(&format!("waiver added: {} on {}{until}: {reason}\n", w.rule, w.element));
        }
        if !d.added_waivers.is_empty() {
            text.push('\n');
        }
        for e in &d.edits {
            text.push_str(&format!("changed {} {}:\n{}\n", e.kind, e.id, inert_lines(&e.unified)));
        }
        for p in &d.policies {
            text.push_str(&format!("{}:\n{}\n", policy_change_title(p), inert_lines(&p.diff)));
        }
    }
    if let Some(gone) = &report.gone_since_baseline {
        for (rule, message) in gone {
            text.push_str(&format!("fixed since the baseline: {rule}: {}\n", inert(message)));
        }
        if !gone.is_empty() {
            text.push_str("(remove them from the baseline: `psapguard check --write-baseline FILE`)\n\n");
        }
    }
    for note in report.skipped_routing.iter().chain(&report.notes) {
        text.push_str(&format!("note: {note}\n"));
    }
    let new_counted = out.diff.is_some() || report.gone_since_baseline.is_some();
    text.push_str(&summary_line(table, report, out.verdict().fails(), new_counted));
}

/// "changed policy rule NormalNextHopRoutePolicy(sip:psap@a.example.gov)/nn-full".
pub fn policy_change_title(p: &crate::diff::policies::PolicyChange) -> String {
    let what = if p.rule.is_some() { "policy rule" } else { "policy" };
    format!("{} {what} {}", p.change.name(), inert(&p.element()))
}

/// "Moved traffic: 12 origins (population 40,000)" and one line per (before → after); then
/// the same for each failure whose failover the change moves.
pub fn moved_traffic(d: &crate::diff::DiffReport) -> String {
    let scenarios = super::moves_by_scenario(d);
    let mut text = String::new();
    if scenarios
        .first()
        .is_none_or(|m| m.scenario != crate::finding::ScenarioLabel::Normal)
    {
        let head = if d.boundaries.changes.is_empty() {
            "No origin's calls move"
        } else {
            "No origin's routing changes"
        };
        text.push_str(&format!("{head}: {}.\n\n", super::no_routing_moves(d)));
    }
    for m in &scenarios {
        text.push_str(&format!(
            "{}: {} (population {})\n",
            m.title(),
            super::plural(m.origins, "origin"),
            thousands(m.population)
        ));
        for g in &m.groups {
            text.push_str(&format!(
                "  {} -> {}{}: {}, population {} ({})\n",
                g.before,
                g.after,
                g.calls_phrase(),
                super::plural(g.origins, "origin"),
                thousands(g.population),
                g.first
            ));
        }
        text.push('\n');
    }
    text.push_str(&boundary_changes(&d.boundaries));
    text
}

/// The boundary layers' part of a diff: features, area and origins that change PSAP.
pub fn boundary_changes(b: &crate::diff::boundaries::BoundaryDiff) -> String {
    if b.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "PSAP boundaries: {} added, {} removed, {} changed\n",
        b.added.len(),
        b.removed.len(),
        b.changed.len()
    );
    for (what, list) in [("added", &b.added), ("removed", &b.removed), ("changed", &b.changed)] {
        for nguid in list.iter().take(20) {
            text.push_str(&format!("  {what}: {nguid}\n"));
        }
        if list.len() > 20 {
            text.push_str(&format!("  … {} more {what}\n", list.len() - 20));
        }
    }
    for a in &b.area {
        text.push_str(&format!("  area {} -> {}: {:.2} km²\n", a.from, a.to, a.km2));
    }
    if !b.changes.is_empty() {
        let population: u64 = b.changes.iter().map(|c| c.population).sum();
        text.push_str(&format!(
            "located origins whose boundary PSAP changes: {} (population {})\n",
            super::plural(b.changes.len(), "origin"),
            thousands(population)
        ));
        for c in b.changes.iter().take(20) {
            let side = |s: &Option<String>| s.clone().unwrap_or_else(|| "(no boundary)".into());
            text.push_str(&format!("  {}: {} -> {}\n", c.origin, side(&c.before), side(&c.after)));
        }
    }
    text.push('\n');
    text
}

/// "; 2 waivers expire within 30 days", or nothing.
pub fn expiring(s: &crate::check::Summary) -> String {
    match s.expiring_waivers {
        0 => String::new(),
        1 => format!(
            "; 1 waiver expires within {} days",
            crate::check::waivers::EXPIRY_NOTICE_DAYS
        ),
        n => format!(
            "; {n} waivers expire within {} days",
            crate::check::waivers::EXPIRY_NOTICE_DAYS
        ),
    }
}

pub fn summary_line(table: &Table, report: &Report, fails: bool, diff: bool) -> String {
    let s = &report.summary;
    let plural = super::plural;
    let name = table
        .name
        .as_deref()
        .map(|n| format!(" ({})", short(n, MAX_SHOWN_CHARS)))
        .unwrap_or_default();
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
        "{verdict}: {errors}{new}, {warnings}, {} waived; checked {tables}{name}{}\n",
        s.waived,
        expiring(s)
    )
}

#[cfg(test)]
mod tests {
    use super::token_len;

    #[test]
    fn a_quoted_uri_is_one_token() {
        let line = r#""sip:sumner-91l@sumner.ks.example.gov","#;
        assert_eq!(token_len(line), line.len() - 1);
        assert_eq!(token_len(r#""a\"b" x"#), 6);
        assert_eq!(token_len("'a b' x"), 5);
    }

    #[test]
    fn a_bare_token_stops_at_punctuation() {
        assert_eq!(token_len("harper-911:"), 10);
        assert_eq!(token_len("{"), 1);
        assert_eq!(token_len(r#""unterminated"#), 13);
        assert_eq!(token_len(""), 0);
    }
}
