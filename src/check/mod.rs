//! `check`: load → analyse → rules → waivers → a sorted report.

use rayon::prelude::*;

use crate::analysis::{Analysis, analyse_routed};
use crate::finding::{Gate, Identity, Levels, Verdict};
use crate::load::{Loaded, Problem, ProblemKind};
use crate::rules::{Context, Finding, RULES, RuleMeta, Settings, Severity};

pub mod waivers;

/// The findings of one table, with its counts.
#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Why routing analysis was skipped, if it was.
    pub skipped_routing: Option<String>,
    /// Notes on what the run read but could not vouch for ("policy signatures not verified").
    pub notes: Vec<String>,
    /// How far routing by policies branched (kinds of call, time slices), when it ran.
    pub exploration: Option<crate::analysis::Exploration>,
    /// Against a baseline: the baseline's findings this run no longer has (rule, message).
    pub gone_since_baseline: Option<Vec<(String, String)>>,
    /// Which findings fail the run.
    pub gate: Gate,
    /// The rules that ran (on, with their input there): what JUnit and SARIF list.
    pub ran: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub waived: usize,
    pub origins: usize,
    pub psaps: usize,
    pub routers: usize,
    /// Boundary layers read, and the boundaries (features) in them: the summary says the
    /// GIS was read, not only the YAML.
    pub layers: usize,
    pub boundaries: usize,
    /// Waivers in force that expire within 30 days.
    pub expiring_waivers: usize,
    /// `lost compare`: the corpus's requests and the answers read, instead of a table's counts.
    pub lost_answers: Option<(usize, usize)>,
}

impl Report {
    /// Whether `f` fails this run (its gate decides: against a baseline or in a diff, known
    /// findings do not).
    pub fn fails_run(&self, f: &Finding) -> bool {
        self.gate.fails(f)
    }

    /// The rules this run judged by, in the rules' order: those that ran and any that
    /// reported (a report a rule turned off or without its input never passes it silently).
    pub fn rules_run(&self) -> Vec<&'static RuleMeta> {
        crate::rules::all_meta()
            .filter(|m| self.ran.contains(&m.name) || self.findings.iter().any(|f| f.rule == m.name))
            .collect()
    }

    /// The run's verdict: what the exit code and every format's verdict line say.
    pub fn verdict(&self) -> Verdict {
        Verdict {
            failing: self.findings.iter().filter(|f| self.gate.fails(f)).count(),
            unjudged: matches!(self.gate, Gate::Diff { .. }) && self.skipped_routing.is_some(),
        }
    }
}

/// What `check` computed: the report, and the analysis and coverage it was drawn from (the
/// HTML pictures and `diff` read them; nothing computes them twice).
pub struct Checked {
    pub report: Report,
    pub analysis: Option<Analysis>,
    pub coverage: Option<crate::coverage::Coverage>,
}

/// Findings a baseline records as known (SPEC §4): each one's identity and message.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub findings: Vec<(Identity, String)>,
}

/// Runs every rule on a loaded table.
pub fn check(loaded: &Loaded, settings: &Settings, levels: &Levels) -> Checked {
    check_against(loaded, settings, levels, None)
}

/// The policies routing a table's ESRPs (SPEC §9), with the ECRF's answers at each origin
/// from the boundary layers; None for a table that names no policies.
pub fn policy_net<'t>(
    table: &'t crate::model::Table,
    today: &str,
    coverage: Option<&crate::coverage::Coverage>,
) -> Option<crate::engine::PolicyNet<'t>> {
    if table.policy_sources.is_empty() {
        return None;
    }
    let answers = coverage.map(|c| c.answers(table)).unwrap_or_default();
    Some(crate::engine::PolicyNet::new(table, today, answers))
}

/// Every scenario of a table analysed, its ESRPs routed by their policies when it names some
/// (for the commands that analyse without checking: the ranking, the pictures).
pub fn analyse_table(table: &crate::model::Table, settings: &Settings) -> Analysis {
    let coverage = (!table.policy_sources.is_empty() && !table.boundaries.is_empty())
        .then(|| crate::coverage::Coverage::build(table, &settings.today, &settings.gis));
    let net = policy_net(table, &settings.today, coverage.as_ref());
    analyse_routed(table, net.as_ref(), settings.max_hops)
}

/// The one pipeline of a check: analyse → rules → levels → waivers → baseline → sort →
/// summary. Against a baseline, the findings it knows are marked pre-existing and do not fail.
pub fn check_against(loaded: &Loaded, settings: &Settings, levels: &Levels, baseline: Option<&Baseline>) -> Checked {
    let waivers = unknown_waiver_rules(&loaded.table);
    let analysable = loaded.analysable() && waivers.is_empty();
    let problems: Vec<Problem> = loaded.problems.iter().cloned().chain(waivers).collect();
    let broken = broken_elements(&problems);
    // The boundary layers are checked when the table names some and a rule reads them.
    let geographic = RULES.iter().any(|r| {
        matches!(
            r.needs(),
            crate::rules::Needs::Geography | crate::rules::Needs::LocatedRouting
        ) && r.meta().level_in(levels).is_some()
    });
    // Routing by policies asks the layers where each call is (SPEC §9).
    let by_policy = analysable && !loaded.table.policy_sources.is_empty();
    let coverage = ((geographic || by_policy) && !loaded.table.boundaries.is_empty())
        .then(|| crate::coverage::Coverage::build(&loaded.table, &settings.today, &settings.gis));
    let net = analysable
        .then(|| policy_net(&loaded.table, &settings.today, coverage.as_ref()))
        .flatten();
    let analysis = analysable.then(|| analyse_routed(&loaded.table, net.as_ref(), settings.max_hops));
    let cx = Context {
        table: &loaded.table,
        problems: &problems,
        broken: &broken,
        analysis: analysis.as_ref(),
        settings,
        coverage: coverage.as_ref(),
        policies: net.as_ref(),
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
    point_into_payloads(&loaded.table, &mut findings);
    apply_levels(&mut findings, levels);
    if coverage.is_some() {
        let ahead = scheduled(&cx, &findings, levels);
        findings.extend(ahead);
    }
    // The rules that ran: on, and with their input there. Waivers are judged for them; the
    // after-rules (unused-waiver) run whenever they are on.
    let mut ran: Vec<&'static str> = RULES
        .iter()
        .filter(|r| r.meta().level_in(levels).is_some() && r.needs().met(&cx))
        .map(|r| r.meta().name)
        .collect();
    let judged: std::collections::HashSet<&str> = ran.iter().copied().collect();
    let mut unused = waivers::apply(&loaded.table, &settings.today, &judged, &mut findings);
    ran.extend(
        crate::rules::AFTER_RULES
            .iter()
            .filter(|m| m.level_in(levels).is_some())
            .map(|m| m.name),
    );
    apply_levels(&mut unused, levels);
    findings.extend(unused);
    let gone_since_baseline = baseline.map(|b| b.mark(&mut findings));
    sort(&loaded.table, &mut findings);
    let skipped_routing =
        (!analysable).then(|| "routing analysis skipped: fix the parse-error and schema findings first".to_string());
    // A JWS's signature is what vouches for a policy; psapguard reads the payload only.
    let signed = loaded.table.policy_files.iter().any(|f| f.signed);
    let mut notes = if signed {
        vec!["policy signatures not verified".to_string()]
    } else {
        Vec::new()
    };
    let exploration = net.as_ref().and(analysis.as_ref()).map(Analysis::exploration);
    if let Some(capped) = exploration.map(|e| e.capped).filter(|&n| n > 0) {
        // Never silent: findings on the branches left out would be missing.
        notes.push(format!(
            "routing by policies: {capped} walks branched into more than {} kinds of call and time slices; only the first {} of each were analysed",
            crate::engine::MAX_BRANCHES,
            crate::engine::MAX_BRANCHES
        ));
    }
    let mut summary = summarise(&loaded.table, &findings);
    summary.expiring_waivers = waivers::expiring_soon(&loaded.table, &settings.today);
    Checked {
        report: Report {
            findings,
            summary,
            skipped_routing,
            notes,
            exploration,
            gone_since_baseline,
            gate: Gate::Check,
            ran,
        },
        analysis,
        coverage,
    }
}

impl Baseline {
    /// Marks the findings the baseline knows as pre-existing and the others as new; returns
    /// the baseline's findings this run no longer has (rule, message), so it can shrink.
    fn mark(&self, findings: &mut [Finding]) -> Vec<(String, String)> {
        let known: std::collections::HashSet<&Identity> = self.findings.iter().map(|(id, _)| id).collect();
        let mut seen = std::collections::HashSet::new();
        for f in findings.iter_mut() {
            let id = f.identity();
            f.new = Some(if known.contains(&id) {
                crate::finding::Novelty::PreExisting
            } else {
                crate::finding::Novelty::New
            });
            seen.insert(id);
        }
        self.findings
            .iter()
            .filter(|(id, _)| !seen.contains(id))
            .map(|(id, message)| (id.rule.clone(), message.clone()))
            .collect()
    }
}

/// The days after the check date, within `horizon_days`, on which a boundary feature comes
/// into force (`Effective`) or goes out of it (`Expire`), in order.
pub fn change_days(table: &crate::model::Table, today: &str, horizon_days: u64) -> Vec<String> {
    let Some(start) = crate::date::days(today) else {
        return Vec::new();
    };
    let last = start.saturating_add(horizon_days.min(36_500) as i64);
    let mut days: Vec<String> = table
        .boundaries
        .iter()
        .filter_map(|b| b.read.as_ref().ok())
        .flatten()
        .flat_map(|f| [&f.fields.effective, &f.fields.expire])
        .filter_map(crate::coverage::day_of)
        .filter(|d| crate::date::days(d).is_some_and(|n| n > start && n <= last))
        .map(str::to_string)
        .collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// Scheduled changes (SPEC §7): the coverage judged again on each change day within the
/// horizon. A finding that starts on such a day — none like it (rule and elements) on the
/// check date or an earlier change day — is a warning naming the day, so an annexation that
/// leaves a gap next month shows in today's check.
fn scheduled(cx: &Context<'_>, today: &[Finding], levels: &Levels) -> Vec<Finding> {
    let key = |f: &Finding| {
        let mut entities = f.entities.clone();
        entities.sort_unstable();
        (f.rule, entities)
    };
    let mut seen: std::collections::HashSet<(&str, Vec<String>)> = today.iter().map(key).collect();
    let geographic: Vec<_> = RULES
        .iter()
        .filter(|r| {
            matches!(
                r.needs(),
                crate::rules::Needs::Geography | crate::rules::Needs::LocatedRouting
            ) && r.meta().level_in(levels).is_some()
        })
        .collect();
    let mut out = Vec::new();
    for day in change_days(cx.table, &cx.settings.today, cx.settings.horizon_days) {
        let settings = Settings {
            today: day.clone(),
            ..cx.settings.clone()
        };
        let coverage = crate::coverage::Coverage::build(cx.table, &day, &settings.gis);
        let on_day = Context {
            settings: &settings,
            coverage: Some(&coverage),
            ..*cx
        };
        let mut found = Vec::new();
        for rule in &geographic {
            rule.check(&on_day, &mut found);
        }
        apply_levels(&mut found, levels);
        for mut f in found {
            if seen.insert(key(&f)) {
                f.severity = Severity::Warning;
                f.message = format!("from {day}: {}", f.message);
                out.push(f);
            }
        }
    }
    out
}

/// Findings placed at a JWS payload by the engine (which keeps positions, not pointers) get
/// the pointer of the policy or rule they name first (SPEC §9: inside a JWS the location is
/// the file and the pointer into the decoded payload).
pub fn point_into_payloads(table: &crate::model::Table, findings: &mut [Finding]) {
    let signed: Vec<&crate::model::Policy> = table
        .policy_files
        .iter()
        .flat_map(|f| &f.policies)
        .filter(|p| p.payload.is_some())
        .collect();
    if signed.is_empty() {
        return;
    }
    for f in findings.iter_mut().filter(|f| f.pointer.is_none()) {
        let Some(loc) = f.location else { continue };
        let here = || signed.iter().filter(|p| p.at.loc == loc);
        f.pointer = f.entities.iter().find_map(|e| {
            here().find_map(|p| {
                let name = p.name();
                if *e == name {
                    return Some(p.at.pointer.clone());
                }
                let id = e.strip_prefix(name.as_str())?.strip_prefix('/')?;
                p.rules.iter().find(|r| r.id == id).map(|r| r.at.pointer.clone())
            })
        });
    }
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
    let elements = table.elements().map(|(id, e)| (Some(id), table.waivers(e)));
    // Layer waivers (SPEC §7) belong to no element.
    let layers = table.boundaries.iter().map(|b| (None, b.waivers.as_slice()));
    for (id, waivers) in elements.chain(layers) {
        for w in waivers {
            if crate::rules::lookup(&w.rule).is_some() {
                continue;
            }
            let hint = crate::suggest::hint(&w.rule, crate::rules::names());
            out.push(Problem {
                kind: ProblemKind::Schema,
                loc: w.rule_loc,
                element: id.map(str::to_string),
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
    for features in table.boundaries.iter().filter_map(|b| b.read.as_ref().ok()) {
        s.layers += 1;
        s.boundaries += features.len();
    }
    for f in findings {
        match (f.waived, f.severity) {
            (true, _) => s.waived += 1,
            (false, Severity::Error) => s.errors += 1,
            (false, Severity::Warning) => s.warnings += 1,
        }
    }
    s
}
