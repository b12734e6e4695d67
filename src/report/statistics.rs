//! `--statistics`: how many findings each rule has, by what they do to the run.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Output;
use crate::finding::Severity;

/// One line per rule with findings: errors, warnings, waived; then the summary line.
pub fn render(out: &Output<'_>) -> String {
    let mut by_rule: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for f in &out.report.findings {
        let counts = by_rule.entry(f.rule).or_default();
        match (f.waived, f.severity) {
            (true, _) => counts[2] += 1,
            (false, Severity::Error) => counts[0] += 1,
            (false, Severity::Warning) => counts[1] += 1,
        }
    }
    let mut text = String::new();
    if !by_rule.is_empty() {
        let _ = writeln!(text, "{:<28} {:>7} {:>9} {:>7}", "rule", "errors", "warnings", "waived");
        for (rule, [e, w, v]) in &by_rule {
            let _ = writeln!(text, "{rule:<28} {e:>7} {w:>9} {v:>7}");
        }
        text.push('\n');
    }
    let baseline = out.report.gone_since_baseline.is_some();
    text.push_str(&super::human::summary_line(
        out.table,
        out.report,
        out.verdict().fails(),
        out.diff.is_some() || baseline,
    ));
    text
}
