use super::{Context, Finding, declare_rule, thousands};
use crate::model::PoolKind;

declare_rule! {
    /// ## What it does
    /// Reports two identifier pools (`esrk`, `esqk`, `pani`) whose key ranges share keys,
    /// with the shared sub-range.
    ///
    /// ## Why it matters
    /// A pseudo-ANI identifies one call in progress to the PSAP and to the location database.
    /// Two pools handing out the same key can send a caller's location to the wrong centre.
    ///
    /// ## Example
    /// ```yaml
    /// pools:
    ///   esrk-den-a: { kind: esrk, range: 3035550100-3035550199, psap: denver-911 }
    ///   esrk-aur-a: { kind: esrk, range: 3035550150-3035550249, psap: aurora-911 }
    /// ```
    ///
    /// ## How to fix
    /// Shrink or move one range so they no longer overlap. Adjacent ranges (…199 and …200) are
    /// fine.
    pub struct PoolOverlap { name: "pool-overlap", severity: Error }
}

impl PoolOverlap {
    pub fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Sort by start and sweep, keeping the pools still open: linear in pools plus overlaps.
        let mut pools: Vec<(u64, u64, usize)> = cx
            .table
            .pools
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind != PoolKind::Counter && !cx.broken(&p.id))
            .filter_map(|(i, p)| p.range.map(|(lo, hi)| (lo, hi, i)))
            .collect();
        pools.sort_unstable();
        let mut open: Vec<(u64, u64, usize)> = Vec::new();
        for &(lo, hi, i) in &pools {
            open.retain(|&(_, end, _)| end >= lo);
            for &(_, end, j) in &open {
                let (a, b) = (&cx.table.pools[j], &cx.table.pools[i]);
                let shared_hi = end.min(hi);
                let count = shared_hi - lo + 1;
                let keys = if count == 1 {
                    "1 key".to_string()
                } else {
                    format!("{} keys", thousands(count))
                };
                let message = format!("pools {} and {} share {keys}: {lo:010}-{shared_hi:010}", a.id, b.id);
                let f = cx.finding(&Self::META, b.loc, message, vec![b.id.clone(), a.id.clone()], &[]);
                out.push(f.related(a.loc, format!("{} is declared here", a.id)));
            }
            open.push((lo, hi, i));
        }
    }
}
