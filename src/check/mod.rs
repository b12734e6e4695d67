//! `check`: load → analyse → rules → waivers → a sorted report.

use rayon::prelude::*;

use crate::analysis::{Analysis, analyse};
use crate::finding::Levels;
use crate::load::{Loaded, Problem, ProblemKind};
use crate::rules::{Context, Finding, RULES, Settings, Severity};

pub mod waivers;

/// The findings of one table, with its counts.
#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Why routing analysis was skipped, if it was.
    pub skipped_routing: Option<String>,
    /// Against a baseline: the baseline's findings this run no longer has (rule, message).
    pub gone_since_baseline: Option<Vec<(String, String)>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub waived: usize,
    pub origins: usize,
    pub psaps: usize,
    pub routers: usize,
    /// Waivers in force that expire within 30 days.
    pub expiring_waivers: usize,
    /// `lost compare`: the corpus's requests and the answers read, instead of a table's counts.
    pub lost_answers: Option<(usize, usize)>,
}

impl Report {
    /// Whether the run fails: a failing finding (against a baseline, a new one).
    pub fn fails(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.fails() && f.new != Some(crate::finding::Novelty::PreExisting))
    }
}

/// Runs every rule on a loaded table.
pub fn check(loaded: &Loaded, settings: &Settings, levels: &Levels) -> (Report, Option<Analysis>) {
    let (report, analysis, _) = check_with_coverage(loaded, settings, levels);
    (report, analysis)
}

/// [`check`], keeping the boundary layers' coverage too (`diff` compares them).
pub fn check_with_coverage(
    loaded: &Loaded,
    settings: &Settings,
    levels: &Levels,
) -> (Report, Option<Analysis>, Option<crate::coverage::Coverage>) {
    let waivers = unknown_waiver_rules(&loaded.table);
    let analysable = loaded.analysable() && waivers.is_empty();
    let analysis = analysable.then(|| analyse(&loaded.table, settings.max_hops));
    let problems: Vec<Problem> = loaded.problems.iter().cloned().chain(waivers).collect();
    let broken = broken_elements(&problems);
    // The boundary layers are checked when the table names some and a rule reads them.
    let geographic = RULES.iter().any(|r| {
        matches!(
            r.needs(),
            crate::rules::Needs::Geography | crate::rules::Needs::LocatedRouting
        ) && r.meta().level_in(levels).is_some()
    });
    let coverage = (geographic && !loaded.table.boundaries.is_empty())
        .then(|| crate::coverage::Coverage::build(&loaded.table, &settings.today, &settings.gis));
    let cx = Context {
        table: &loaded.table,
        problems: &problems,
        broken: &broken,
        analysis: analysis.as_ref(),
        settings,
        coverage: coverage.as_ref(),
    };
    // Rules read the same table and analysis and push their own findings: run them side by
    // side, then concatenate in rule order (the sort below makes the output order fixed).
    let per_rule: Vec<Vec<Finding>> = RULES
        .par_iter()
        .map(|rule| {
            let mut out = Vec::new();
            // A rule turned off is not run at all; one whose input is missing skips itself.
            if rule.meta().level_in(levels).is_some() {
                rule.check(&cx, &mut out);
            }
            out
        })
        .collect();
    let mut findings: Vec<Finding> = per_rule.into_iter().flatten().collect();
    apply_levels(&mut findings, levels);
    // Waivers are judged for the rules that ran: on, and with their input there.
    let ran: std::collections::HashSet<&str> = RULES
        .iter()
        .filter(|r| r.meta().level_in(levels).is_some() && r.needs().met(&cx))
        .map(|r| r.meta().name)
        .collect();
    let mut unused = waivers::apply(&loaded.table, &settings.today, &ran, &mut findings);
    apply_levels(&mut unused, levels);
    findings.extend(unused);
    sort(&loaded.table, &mut findings);
    let skipped_routing =
        (!analysable).then(|| "routing analysis skipped: fix the parse-error and schema findings first".to_string());
    let mut summary = summarise(&loaded.table, &findings);
    summary.expiring_waivers = waivers::expiring_soon(&loaded.table, &settings.today);
    (
        Report {
            findings,
            summary,
            skipped_routing,
            gone_since_baseline: None,
        },
        analysis,
        coverage,
    )
}

/// Elements with a schema problem.
pub fn broken_elements(problems: &[Problem]) -> std::collections::HashSet<String> {
    problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Schema)
        .filter_map(|p| p.element.clone())
        .collect()
}

/// A waiver naming no rule of psapguard is a schema problem. It is judged here, after loading,
/// because only the rules know their names (as ruff resolves `noqa` codes in its checker).
pub fn unknown_waiver_rules(table: &crate::model::Table) -> Vec<Problem> {
    let mut out = Vec::new();
    for (id, element) in table.elements() {
        for w in table.waivers(element) {
            if crate::rules::lookup(&w.rule).is_some() {
                continue;
            }
            let hint = crate::suggest::did_you_mean(&w.rule, crate::rules::names())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            out.push(Problem {
                kind: ProblemKind::Schema,
                loc: w.rule_loc,
                element: Some(id.to_string()),
                message: format!("a waiver names the unknown rule `{}`{hint}", w.rule),
            });
        }
    }
    out
}

/// Applies psapguard.toml's levels: a changed severity, or `off` (the finding is dropped).
pub fn apply_levels(findings: &mut Vec<Finding>, levels: &Levels) {
    findings.retain(|f| levels.get(f.rule).is_none_or(|l| l.severity().is_some()));
    for f in findings.iter_mut() {
        if let Some(s) = levels.get(f.rule).and_then(|l| l.severity()) {
            f.severity = s;
        }
    }
}

/// Applies the table's waivers to findings of rules judged elsewhere (diff's): no
/// unused-waiver is judged for them.
pub fn apply_waivers(table: &crate::model::Table, today: &str, findings: &mut Vec<Finding>) {
    waivers::apply(table, today, &std::collections::HashSet::new(), findings);
}

/// Deterministic order: parse and schema findings first (what follows from them may be
/// noise), then by file, line, column, rule, message.
pub fn sort(table: &crate::model::Table, findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            let first = !matches!(f.rule, "parse-error" | "schema");
            (
                first,
                f.place.is_some(),
                f.location
                    .map(|l| (table.files[l.file as usize].path.clone(), l.line, l.col)),
                f.place
                    .as_ref()
                    .map(|p| (p.file.clone(), p.layer.clone(), p.feature.clone())),
            )
        };
        key(a)
            .cmp(&key(b))
            .then(a.rule.cmp(b.rule))
            .then(a.message.cmp(&b.message))
    });
}

pub fn summarise(table: &crate::model::Table, findings: &[Finding]) -> Summary {
    let mut s = Summary {
        origins: table.origins.len(),
        psaps: table.psaps.len(),
        routers: table.routers.len(),
        ..Summary::default()
    };
    for f in findings {
        match (f.waived, f.severity) {
            (true, _) => s.waived += 1,
            (false, Severity::Error) => s.errors += 1,
            (false, Severity::Warning) => s.warnings += 1,
        }
    }
    s
}
