use super::{DiffContext, Finding, ScenarioLabel, declare_rule, thousands};

declare_rule! {
    /// ## What it does
    /// Reported by `diff`: the change moves more origins, or more population, to another PSAP
    /// (or to no PSAP) than the limits allow. Limits come from `psapguard.toml`
    /// (`[blast_radius]`) or `--max-moved-origins` / `--max-moved-population`, as a percentage
    /// of the old table or an absolute number; the defaults are 5% and 5%. Origins whose
    /// boundary PSAP a change to a layer moves count too; the message says only where the
    /// calls really go (to another PSAP, to none, into another PSAP's boundary), and when only
    /// a layer was edited the finding points at the edited feature.
    ///
    /// ## Why it matters
    /// In August 2018 one technician's routine change stopped 911 in six states. A change
    /// that re-homes a large share of the table at once deserves a second look and a
    /// maintenance window, even when every new route is valid.
    ///
    /// ## Example
    /// ```yaml
    /// routers:
    ///   esrp-den:
    ///     default: aurora-911     # was denver-911: every unmatched origin moves
    /// ```
    ///
    /// ## How to fix
    /// Split the change into smaller steps, or raise the limit for this change deliberately
    /// (`--max-moved-origins 20%`) after review.
    pub struct BlastRadius { name: "blast-radius", severity: Error }
}

/// A blast-radius limit: a share of the old table or an absolute number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    Percent(f64),
    Absolute(u64),
}

impl Limit {
    /// The limit for a table whose total is `total`.
    pub fn of(self, total: u64) -> f64 {
        match self {
            Limit::Percent(p) => total as f64 * p / 100.0,
            Limit::Absolute(n) => n as f64,
        }
    }

    /// "5%" or "250000".
    pub fn parse(s: &str) -> Option<Limit> {
        let s = s.trim();
        match s.strip_suffix('%') {
            Some(p) => p
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=100.0).contains(p))
                .map(Limit::Percent),
            None => s.parse::<u64>().ok().map(Limit::Absolute),
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Percent(p) => write!(f, "{p}%"),
            Limit::Absolute(n) => write!(f, "{n}"),
        }
    }
}

/// Blast-radius limits (SPEC §3 defaults: 5% of origins, 5% of population).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub origins: Limit,
    pub population: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            origins: Limit::Percent(5.0),
            population: Limit::Percent(5.0),
        }
    }
}

impl BlastRadius {
    /// A finding when the normal moves, or the failover changes of any one failure, exceed
    /// the limits.
    pub fn run(cx: &DiffContext<'_>, out: &mut Vec<Finding>) {
        // The old table's totals, once: every scenario is judged against them.
        let totals = (
            cx.old.origins.len() as u64,
            (0..cx.old.origins.len() as u32).map(|o| cx.old.population(o)).sum(),
        );
        // An origin moved by routing and by boundaries counts once (SPEC §7); an added origin
        // is moved from no PSAP, a removed one to none (SPEC §2: renaming is no way around).
        let mut moved: Vec<u32> = cx
            .moves
            .iter()
            .map(|m| m.origin)
            .chain(cx.boundary_moves.iter().copied())
            .chain(cx.added.iter().copied())
            .collect();
        moved.sort_unstable();
        moved.dedup();
        // Say where the calls go only as far as it is so.
        let routed_to_none = !cx.removed.is_empty()
            || cx
                .moves
                .iter()
                .any(|m| cx.analysis.normal[m.new_class as usize].delivered_to().is_none());
        let routed_to_psap = !cx.added.is_empty()
            || cx
                .moves
                .iter()
                .any(|m| cx.analysis.normal[m.new_class as usize].delivered_to().is_some());
        let by_boundary = !cx.boundary_moves.is_empty();
        let whither = whither(routed_to_psap, routed_to_none, by_boundary);
        if let Some(mut f) = Self::judge(cx, totals, &moved, cx.removed, ScenarioLabel::Normal, &whither) {
            // Only boundaries moved: the edit is in a layer, so the finding points at the
            // feature, not at an origin nobody edited.
            if cx.moves.is_empty()
                && cx.added.is_empty()
                && cx.removed.is_empty()
                && let Some(place) = cx.boundary_edit
            {
                let mut place = place.clone();
                // The point: where the first moved caller is, if it is located.
                if let Some(at) = moved.iter().find_map(|&o| cx.table.origins[o as usize].location.get()) {
                    place.point = Some([at.lon, at.lat]);
                }
                f.location = None;
                f.place = Some(place);
            }
            out.push(f);
        }
        let mut by_domain: std::collections::BTreeMap<&str, (Vec<u32>, bool, bool)> = std::collections::BTreeMap::new();
        for m in cx.failover {
            let e = by_domain.entry(&m.domain).or_default();
            e.0.push(m.origin);
            e.1 |= m.after.is_some();
            e.2 |= m.after.is_none();
        }
        for (domain, (origins, to_psap, to_none)) in by_domain {
            let whither = match (to_psap, to_none) {
                (_, false) => "to another PSAP than before".to_string(),
                (false, true) => "to no PSAP (their calls are lost)".to_string(),
                (true, true) => "to another PSAP than before or to none".to_string(),
            };
            out.extend(Self::judge(
                cx,
                totals,
                &origins,
                &[],
                ScenarioLabel::Fail(domain.to_string()),
                &whither,
            ));
        }
    }

    /// The finding for `moved` (new-table origins, sorted) and `removed` (old-table origins)
    /// in `scenario`, if over a limit. `totals`: the old table's origins and population.
    fn judge(
        cx: &DiffContext<'_>,
        totals: (u64, u64),
        moved: &[u32],
        removed: &[u32],
        scenario: ScenarioLabel,
        whither: &str,
    ) -> Option<Finding> {
        if moved.is_empty() && removed.is_empty() {
            return None;
        }
        let removed_pop: u64 = removed.iter().map(|&o| cx.old.population(o)).sum();
        let moved_pop = cx.population(moved) + removed_pop;
        let count = (moved.len() + removed.len()) as u64;
        let (origins, population) = totals;
        let limits = cx.limits;
        let over_o = count as f64 > limits.origins.of(origins);
        let over_p = moved_pop as f64 > limits.population.of(population);
        if !(over_o || over_p) {
            return None;
        }
        let share = |n: u64, of: u64| if of == 0 { 0.0 } else { n as f64 * 100.0 / of as f64 };
        let what = match &scenario {
            ScenarioLabel::Fail(domain) => format!("if {domain} fails, the change"),
            _ => "the change".to_string(),
        };
        let one_sided = match (cx.added.len(), removed.len()) {
            (0, 0) => String::new(),
            (a, r) if matches!(scenario, ScenarioLabel::Normal) => {
                format!(" (counting {r} origins removed, moved to none, and {a} added, moved from none)")
            }
            _ => String::new(),
        };
        let message = format!(
            "{what} moves {} of {} origins ({:.1}%, limit {}) and population {} of {} ({:.1}%, limit {}) {whither}{one_sided}",
            thousands(count),
            thousands(origins),
            share(count, origins),
            limits.origins,
            thousands(moved_pop),
            thousands(population),
            share(moved_pop, population),
            limits.population,
        );
        // A removed origin is no longer in the table: the finding points at the table's first
        // file when nothing else moved.
        let loc = moved.first().map_or(
            crate::model::Loc {
                file: 0,
                line: 1,
                col: 1,
            },
            |&o| cx.table.origins[o as usize].loc,
        );
        let mut entities = cx.origin_ids(moved);
        entities.extend(removed.iter().map(|&o| cx.old.origins[o as usize].id.to_string()));
        let mut f = cx
            .finding(&Self::META, loc, message, entities, moved)
            .scenario(scenario);
        f.affected
            .extend(removed.iter().map(|&o| cx.old.origins[o as usize].id.to_string()));
        f.population += removed_pop;
        Some(f)
    }
}

/// Where the normally moved calls go, in words: only what happened ("to another PSAP", "to
/// no PSAP", "into another PSAP's boundary", or those joined with "or").
fn whither(to_psap: bool, to_none: bool, by_boundary: bool) -> String {
    let mut ways = Vec::new();
    if to_psap {
        ways.push("to another PSAP");
    }
    if to_none {
        ways.push("to none");
    }
    if by_boundary {
        ways.push("into another PSAP's boundary");
    }
    match ways.as_slice() {
        ["to none"] => "to no PSAP (their calls are lost)".to_string(),
        _ => ways.join(" or "),
    }
}
