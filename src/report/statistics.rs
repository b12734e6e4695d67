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
    if let Some(e) = &out.report.exploration {
        text.push_str(&exploration(e));
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

/// How far routing by policies branched, and the bound on it (SPEC §9).
fn exploration(e: &crate::analysis::Exploration) -> String {
    let cut = match e.capped {
        0 => "none reached it".to_string(),
        n => format!("{n} walks reached it: their further branches were not analysed"),
    };
    format!(
        "branches explored: {} ({} kinds of call and time slices) over {} route classes, at most {} for one class; bound {} per walk, {cut}\n\n",
        e.branches,
        e.kinds,
        e.classes,
        e.widest,
        crate::engine::MAX_BRANCHES
    )
}
