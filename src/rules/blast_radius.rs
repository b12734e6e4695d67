use super::{Context, Finding, declare_rule, thousands};
use crate::config::Limit;

declare_rule! {
    /// ## What it does
    /// Reported by `diff`: the change moves more origins, or more population, to another PSAP
    /// (or to no PSAP) than the limits allow. Limits come from `psapguard.toml`
    /// (`[blast_radius]`) or `--max-moved-origins` / `--max-moved-population`, as a percentage
    /// of the old table or an absolute number; the defaults are 5% and 5%.
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
    pub struct BlastRadius { name: "blast-radius", severity: Error, routing: true }
}

impl BlastRadius {
    /// The finding when moved origins or population exceed their limits.
    pub fn check(
        cx: &Context<'_>,
        moved: &[u32],
        totals: (u64, u64),
        moved_pop: u64,
        limits: (Limit, Limit),
    ) -> Option<Finding> {
        let (origins, population) = totals;
        let over_o = moved.len() as f64 > limits.0.of(origins);
        let over_p = moved_pop as f64 > limits.1.of(population);
        if moved.is_empty() || !(over_o || over_p) {
            return None;
        }
        let share = |n: u64, of: u64| if of == 0 { 0.0 } else { n as f64 * 100.0 / of as f64 };
        let message = format!(
            "the change moves {} of {} origins ({:.1}%, limit {}) and population {} of {} ({:.1}%, limit {}) to another PSAP or to none",
            thousands(moved.len() as u64),
            thousands(origins),
            share(moved.len() as u64, origins),
            limits.0,
            thousands(moved_pop),
            thousands(population),
            share(moved_pop, population),
            limits.1,
        );
        let first = &cx.table.origins[moved[0] as usize];
        let entities = moved
            .iter()
            .map(|&o| cx.table.origins[o as usize].id.to_string())
            .collect();
        Some(
            cx.finding(&Self::META, first.loc, message, entities, moved)
                .scenario("normal"),
        )
    }
}
