//! `diff`: what a change to the table does — moved traffic, new and fixed findings, the
//! blast radius, PSAPs that lose all traffic, and each changed element's YAML edit.

pub mod boundaries;
pub mod policies;
mod texts;

use std::collections::HashSet;

use crate::analysis::{Analysis, CallsMove, FailoverMove, Move, Pairing};
use crate::check::{Report, apply_levels, check, sort, summarise};
use crate::engine::Trace;
use crate::finding::{Gate, Identity, Levels, Novelty, ScenarioLabel};
use crate::load::Loaded;
use crate::model::{Element, Loc, Table, Waiver};
pub use crate::rules::blast_radius::{Limit, Limits};
use crate::rules::gate_weakened::{GateSettings, GateWeakened};
use crate::rules::{Context, DIFF_RULES, DiffContext, Finding, Routed, Settings, Severity};

/// One origin delivered elsewhere after the change (None: its calls are lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `normal` for a move under normal conditions, `fail:ID` for one that only happens when
    /// ID fails (the two tables compared in the same failure).
    pub scenario: ScenarioLabel,
    pub origin: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub population: u64,
    /// The kind of call or time slice that moves when it is not the origin's usual call
    /// (SPEC §9): "calls with SdpOffer rtt=true", "at Sat–Sun 07:00–08:00". None for the
    /// usual call, which is every call of a table without policies.
    pub calls: Option<String>,
}

/// A finding of the old table that the change fixes.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixed {
    pub rule: &'static str,
    pub entities: Vec<String>,
    pub message: String,
}

/// One element whose YAML changed, with a unified diff of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementEdit {
    pub id: String,
    pub kind: &'static str,
    /// Where it is in the new table (None when removed).
    pub loc: Option<Loc>,
    /// Its lines in the new table (first, last) and the first line the change wrote there.
    pub lines: Option<(u32, u32)>,
    pub changed_at: Option<Loc>,
    pub unified: String,
}

/// Everything `diff` found, besides the new table's findings.
#[derive(Debug, Default)]
pub struct DiffReport {
    pub changes: Vec<Change>,
    /// Origins only the old table has: their calls now reach no PSAP (`after` is None), and
    /// their population counts toward `blast-radius` (renaming origins is no way around it).
    pub removed_origins: Vec<Change>,
    /// Origins only the new table has (`before` is None): moved from no PSAP.
    pub added_origins: Vec<Change>,
    pub fixed: Vec<Fixed>,
    pub edits: Vec<ElementEdit>,
    /// Routing paths (as node-id chains) per moved origin: (old path, new path), for pictures.
    pub paths: Vec<(Vec<String>, Vec<String>)>,
    /// Waivers the change adds, so a reviewer sees every finding it silences.
    pub added_waivers: Vec<AddedWaiver>,
    /// What the change does to the PSAP boundary layers (SPEC §7).
    pub boundaries: boundaries::BoundaryDiff,
    /// Policies and policy rules added, removed or changed (SPEC §9).
    pub policies: Vec<policies::PolicyChange>,
}

/// A waiver in the new table that the old one did not have on the same element.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedWaiver {
    pub element: String,
    pub rule: String,
    pub reason: String,
    pub expires: Option<String>,
}

/// Waivers of the new table absent from the same element of the old (same rule and reason).
fn added_waivers(old: &Table, new: &Table) -> Vec<AddedWaiver> {
    let mut out = Vec::new();
    for (id, element) in new.elements() {
        let before = old.lookup(id).map(|e| old.waivers(e)).unwrap_or(&[]);
        for w in new.waivers(element) {
            if !before.iter().any(|b| b.rule == w.rule && b.reason == w.reason) {
                out.push(AddedWaiver {
                    element: id.to_string(),
                    rule: w.rule.clone(),
                    reason: w.reason.clone(),
                    expires: w.expires.clone(),
                });
            }
        }
    }
    // Layer waivers (SPEC §7), by the feature they name: one the old table's layers did not
    // carry for that feature, rule and reason is added.
    let layer_waivers = |t: &Table| -> Vec<Waiver> { t.boundaries.iter().flat_map(|b| b.waivers.clone()).collect() };
    let before = layer_waivers(old);
    for w in layer_waivers(new) {
        if !before
            .iter()
            .any(|b| b.feature == w.feature && b.rule == w.rule && b.reason == w.reason)
        {
            out.push(AddedWaiver {
                element: w.feature.clone().unwrap_or_default(),
                rule: w.rule,
                reason: w.reason,
                expires: w.expires,
            });
        }
    }
    out
}

/// The old table reduced to what comparing it with the new one reads: its findings, analysis
/// and coverage, each element's digest, and the table with its origins' ingress dropped.
/// Built before the new table is read, so that two whole tables are never held at once.
pub struct Before {
    loaded: Loaded,
    report: Report,
    analysis: Option<Analysis>,
    coverage: Option<crate::coverage::Coverage>,
    digests: texts::Digests,
}

impl Before {
    /// Checks the old table and keeps what the comparison reads of it.
    pub fn new(mut old: Loaded, settings: &Settings, levels: &Levels) -> Before {
        let digests = texts::digests(&old.table);
        let crate::check::Checked {
            report,
            analysis,
            coverage,
        } = check(&old, settings, levels);
        // The analysis holds every route the comparison needs: each origin's trunks are
        // read no more (a million origins' links are a sixth of a table).
        for origin in &mut old.table.origins {
            origin.ingress = Box::default();
        }
        crate::load::return_freed_memory();
        Before {
            loaded: old,
            report,
            analysis,
            coverage,
            digests,
        }
    }
}

/// What `diff` computed: the new table's report (each finding marked new or not, plus the
/// diff rules' findings), what changed, and the new table's analysis and coverage as `diff`
/// built them (pictures draw from them).
pub struct Diffed {
    pub report: Report,
    pub diff: DiffReport,
    pub analysis: Option<Analysis>,
    pub coverage: Option<crate::coverage::Coverage>,
}

/// How a diff is judged: which errors fail, the limits on moved traffic, and (with `--base`)
/// the gate's settings at the base against the change's.
#[derive(Debug, Clone, Default)]
pub struct Judging {
    /// Fail on every error, not only new ones (`--all`).
    pub all: bool,
    pub limits: Limits,
    pub config: Option<ConfigChange>,
    /// With `--base`: waivers the change adds do not waive its new findings.
    pub new_waivers: Option<NewWaivers>,
}

/// The base revision whose waivers count, and whether `--allow-new-waivers` accepts the
/// change's own.
#[derive(Debug, Clone)]
pub struct NewWaivers {
    pub rev: String,
    pub allowed: bool,
}

/// psapguard.toml at the base revision and in the change, and whether a weaker one is
/// accepted (`--allow-config-change`).
#[derive(Debug, Clone)]
pub struct ConfigChange {
    pub before: GateSettings,
    pub after: GateSettings,
    pub allowed: bool,
}

/// Diffs the old table (checked) with the new one, in one sequence: edits → the new table's
/// check → novelty → moves → diff rules → the config gate → sort → summary.
pub fn diff(before: &Before, new: &Loaded, settings: &Settings, levels: &Levels, judging: &Judging) -> Diffed {
    let old = &before.loaded;
    // Edits first: the new digests are gone before the new analysis is built (a lower peak).
    let edits = texts::element_edits(&old.table, &before.digests, &new.table);
    let (old_report, old_analysis, old_coverage) = (&before.report, &before.analysis, &before.coverage);
    let checked = check(new, settings, levels);
    let (mut report, new_analysis, new_coverage) = (checked.report, checked.analysis, checked.coverage);
    report.gate = Gate::Diff { all: judging.all };
    // The same finding is the same rule about the same set of elements (SPEC §2).
    let old_keys: HashSet<Identity> = old_report.findings.iter().map(Finding::identity).collect();
    let new_keys: HashSet<Identity> = report.findings.iter().map(Finding::identity).collect();
    for f in &mut report.findings {
        f.new = Some(if old_keys.contains(&f.identity()) {
            Novelty::PreExisting
        } else {
            Novelty::New
        });
    }
    let mut out = DiffReport {
        fixed: old_report
            .findings
            .iter()
            .filter(|f| !new_keys.contains(&f.identity()))
            .map(|f| Fixed {
                rule: f.rule,
                entities: f.entities.clone(),
                message: f.message.clone(),
            })
            .collect(),
        edits,
        policies: policies::compare(&old.table, &new.table),
        added_waivers: added_waivers(&old.table, &new.table),
        ..DiffReport::default()
    };
    let empty = crate::coverage::Coverage::default();
    if old_coverage.is_some() || new_coverage.is_some() {
        let (oc, nc) = (
            old_coverage.as_ref().unwrap_or(&empty),
            new_coverage.as_ref().unwrap_or(&empty),
        );
        out.boundaries = boundaries::compare(&old.table, oc, &new.table, nc);
    }
    // A gate that cannot look must not pass a change (SPEC §2): say why and fail.
    let which = match (&old_analysis, &new_analysis) {
        (None, None) => Some("both tables have"),
        (None, Some(_)) => Some("the old table has"),
        (Some(_), None) => Some("the new table has"),
        _ => None,
    };
    if let Some(which) = which {
        report.skipped_routing = Some(format!(
            "diff cannot compare routing: {which} parse or schema errors, so no origin's route could be compared; fix them and run again (the change is not passed)"
        ));
    }
    if let (Some(oa), Some(na)) = (&old_analysis, &new_analysis) {
        let moves = crate::analysis::moves(&old.table, oa, &new.table, na);
        out.record_moves(&old.table, oa, &new.table, na, &moves);
        // The policies only name the branches here (their facts are compiled as the checks'
        // were): the ECRF's answer at every origin, which routing needed, is not asked again.
        let net = crate::check::policy_net(&new.table, &settings.today, None);
        let old_net = crate::check::policy_net(&old.table, &settings.today, None);
        let pairing = Pairing::new(&old.table, (oa, old_net.as_ref()), &new.table, (na, net.as_ref()));
        let calls = pairing.as_ref().map(Pairing::moves).unwrap_or_default();
        out.record_calls_moves(&old.table, &new.table, &calls);
        let (removed, added) = out.record_one_sided(&old.table, oa, &new.table, na);
        let failover = crate::analysis::failover_moves(&old.table, oa, &new.table, na);
        out.record_failover(&old.table, &new.table, &failover);
        let calls_failover = pairing.as_ref().map(Pairing::failover_moves).unwrap_or_default();
        out.record_calls_moves(&old.table, &new.table, &calls_failover);
        let broken = crate::check::broken_elements(&new.problems);
        let cx = Context {
            table: &new.table,
            problems: &new.problems,
            broken: &broken,
            analysis: Some(na),
            settings,
            coverage: None,
            policies: net.as_ref(),
        };
        let dcx = DiffContext {
            new: Routed { cx, analysis: na },
            old: &old.table,
            old_analysis: oa,
            moves: &moves,
            failover: &failover,
            boundary_moves: &out.boundaries.moved,
            boundary_edit: out.boundaries.edited.as_ref(),
            removed: &removed,
            added: &added,
            limits: judging.limits,
        };
        let mut extra = Vec::new();
        for rule in DIFF_RULES.iter().filter(|r| r.meta().level_in(levels).is_some()) {
            report.ran.push(rule.meta().name);
            rule.check(&dcx, &mut extra);
        }
        extra.iter_mut().for_each(|f| f.new = Some(Novelty::New));
        apply_levels(&mut extra, levels);
        // The diff rules judge the change itself: no waiver in the changed table covers them
        // (SPEC §4), or a change could waive its own blast radius.
        report.findings.extend(extra);
    }
    point_at_edits(&mut report.findings, &out.edits);
    if let Some(rule) = &judging.new_waivers {
        judge_new_waivers(&mut report.findings, &old.table, &settings.today, rule);
    }
    if let Some(config) = &judging.config {
        report.ran.extend(crate::rules::CONFIG_RULES.iter().map(|m| m.name));
        report.findings.extend(config.judge());
    }
    sort(&new.table, &mut report.findings);
    report.summary = summarise(&new.table, &report.findings);
    report.summary.expiring_waivers = crate::check::waivers::expiring_soon(&new.table, &settings.today);
    Diffed {
        report,
        diff: out,
        analysis: new_analysis,
        coverage: new_coverage,
    }
}

impl ConfigChange {
    /// `gate-weakened` when the change's psapguard.toml is weaker than the base's; accepted
    /// (a warning) with `--allow-config-change`.
    fn judge(&self) -> Option<Finding> {
        let rules: Vec<_> = crate::rules::all_meta().collect();
        let mut f = GateWeakened::run(&self.before, &self.after, &rules)?;
        f.new = Some(Novelty::New);
        if self.allowed {
            f.severity = Severity::Warning;
            f.message.push_str(" (accepted with --allow-config-change)");
        }
        Some(f)
    }
}

/// With `--base`: a new finding waived only by a waiver the change adds (the table at the
/// base has none that covers it) is not waived — a change must not silence its own errors
/// (SPEC §4) — unless `--allow-new-waivers` accepts it. What covers a finding at the base is
/// decided by the same waiver rules as in the new table (element, layer feature, the PSAP of a
/// boundary's `ServiceURI`).
fn judge_new_waivers(findings: &mut [Finding], old: &Table, today: &str, rule: &NewWaivers) {
    let rev = crate::escape::short(&rule.rev, 80);
    let candidates: Vec<usize> = (0..findings.len())
        .filter(|&i| findings[i].waived && findings[i].is_new())
        .collect();
    // The base's waivers applied once to all of them, unwaived (the base's boundary index is
    // built once, not per finding); parts split off are appended after them.
    let mut at_base: Vec<Finding> = candidates
        .iter()
        .map(|&i| Finding {
            waived: false,
            waiver: None,
            ..findings[i].clone()
        })
        .collect();
    crate::check::waivers::apply(old, today, &HashSet::new(), &mut at_base);
    for (k, &i) in candidates.iter().enumerate() {
        if at_base[k].waived {
            continue;
        }
        let f = &mut findings[i];
        if rule.allowed {
            f.message.push_str(&format!(
                " (waived only by this change, absent at {rev}; accepted with --allow-new-waivers)"
            ));
        } else {
            f.waived = false;
            f.waiver = None;
            f.message.push_str(&format!(
                " (waived only by this change: the waiver is absent at {rev}, so it does not count; --allow-new-waivers accepts it)"
            ));
        }
    }
}

/// Points each new finding outside the edited lines at the edit that caused it, when one of
/// its elements was edited: a pull request's annotation shows on the changed line, and the
/// place the finding shows up stays in `related`.
fn point_at_edits(findings: &mut [Finding], edits: &[ElementEdit]) {
    let inside = |l: Loc| {
        edits.iter().any(|e| {
            e.loc.is_some_and(|at| at.file == l.file) && e.lines.is_some_and(|(a, b)| (a..=b).contains(&l.line))
        })
    };
    for f in findings.iter_mut().filter(|f| f.is_new()) {
        let Some(at) = f.location else { continue };
        if inside(at) {
            continue;
        }
        let edited = f
            .entities
            .iter()
            .find_map(|id| edits.iter().find(|e| e.id == *id).and_then(|e| e.changed_at));
        if let Some(changed) = edited {
            f.location = Some(changed);
            // A pointer into a JWS payload belongs to the place the finding shows up.
            let message = match f.pointer.take() {
                Some(pointer) => format!("the finding shows here (at {pointer} in the decoded JWS payload)"),
                None => "the finding shows here".into(),
            };
            f.related.insert(0, crate::finding::Related { loc: at, message });
        }
    }
}

impl DiffReport {
    /// The moved origins as changes (sorted by origin id) and their paths, for pictures.
    fn record_moves(&mut self, old: &Table, oa: &Analysis, new: &Table, na: &Analysis, moves: &[Move]) {
        let psap_id = |t: &Table, p: Option<u32>| p.map(|p| t.psaps[p as usize].id.clone());
        let path = |t: &Table, trace: &Trace| -> Vec<String> {
            trace.hops.iter().map(|h| t.node_id(h.node).to_string()).collect()
        };
        for m in moves {
            let (was, now) = (&oa.normal[m.old_class as usize], &na.normal[m.new_class as usize]);
            self.paths.push((path(old, was), path(new, now)));
            self.changes.push(Change {
                scenario: ScenarioLabel::Normal,
                origin: new.origins[m.origin as usize].id.to_string(),
                before: psap_id(old, was.delivered_to()),
                after: psap_id(new, now.delivered_to()),
                population: new.population(m.origin),
                calls: None,
            });
        }
        self.changes.sort_by(|a, b| a.origin.cmp(&b.origin));
    }

    /// The moves of other kinds of call and time slices, each after its origin's usual call
    /// in its scenario (the sort is stable, and they come sorted by origin and calls).
    fn record_calls_moves(&mut self, old: &Table, new: &Table, moves: &[CallsMove]) {
        let psap_id = |t: &Table, p: Option<u32>| p.map(|p| t.psaps[p as usize].id.clone());
        let mut seen = HashSet::new();
        let mut changes = Vec::new();
        for m in moves {
            // Branches split finer in one analysis name the same calls more than once.
            if !seen.insert((&m.domain, m.origin, m.calls.as_str(), m.before, m.after)) {
                continue;
            }
            changes.push(Change {
                scenario: m.domain.clone().map_or(ScenarioLabel::Normal, ScenarioLabel::Fail),
                origin: new.origins[m.origin as usize].id.to_string(),
                before: psap_id(old, m.before),
                after: psap_id(new, m.after),
                population: new.population(m.origin),
                calls: Some(m.calls.clone()),
            });
        }
        // Normal moves first, then each failure's, as record_failover orders them.
        self.changes.extend(changes);
        let normal = |c: &Change| c.scenario != ScenarioLabel::Normal;
        self.changes
            .sort_by(|a, b| (normal(a), &a.scenario, &a.origin).cmp(&(normal(b), &b.scenario, &b.origin)));
    }

    /// Origins present in only one table, as changes from or to no PSAP; returns their
    /// indices (old table, new table).
    fn record_one_sided(&mut self, old: &Table, oa: &Analysis, new: &Table, na: &Analysis) -> (Vec<u32>, Vec<u32>) {
        let one_sided = |t: &Table, a: &Analysis, other: &Table| -> Vec<(u32, Change)> {
            let class_of = a.class_of_origins(t.origins.len());
            t.origins
                .iter()
                .enumerate()
                .filter(|(_, o)| !matches!(other.lookup(&o.id), Some(Element::Origin(_))))
                .map(|(i, o)| {
                    let psap = a
                        .normal
                        .get(class_of[i] as usize)
                        .and_then(|trace| trace.delivered_to())
                        .map(|p| t.psaps[p as usize].id.clone());
                    let change = Change {
                        scenario: ScenarioLabel::Normal,
                        origin: o.id.to_string(),
                        before: psap.clone(),
                        after: psap,
                        population: t.population(i as u32),
                        calls: None,
                    };
                    (i as u32, change)
                })
                .collect()
        };
        let removed = one_sided(old, oa, new);
        let added = one_sided(new, na, old);
        self.removed_origins = removed
            .iter()
            .map(|(_, c)| Change {
                after: None,
                ..c.clone()
            })
            .collect();
        self.added_origins = added
            .iter()
            .map(|(_, c)| Change {
                before: None,
                ..c.clone()
            })
            .collect();
        (
            removed.into_iter().map(|(i, _)| i).collect(),
            added.into_iter().map(|(i, _)| i).collect(),
        )
    }

    /// Failover moves as changes with their scenario, after the normal ones.
    fn record_failover(&mut self, old: &Table, new: &Table, moves: &[FailoverMove]) {
        let psap_id = |t: &Table, p: Option<u32>| p.map(|p| t.psaps[p as usize].id.clone());
        let mut failover: Vec<Change> = moves
            .iter()
            .map(|m| Change {
                scenario: ScenarioLabel::Fail(m.domain.clone()),
                origin: new.origins[m.origin as usize].id.to_string(),
                before: psap_id(old, m.before),
                after: psap_id(new, m.after),
                population: new.population(m.origin),
                calls: None,
            })
            .collect();
        failover.sort_by(|a, b| (&a.scenario, &a.origin).cmp(&(&b.scenario, &b.origin)));
        self.changes.extend(failover);
    }
}

/// Counts for the summary line of a diff.
pub fn new_error_count(report: &Report) -> usize {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && !f.waived && f.is_new())
        .count()
}
