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

/// Overlapping pairs listed at most; the rest are counted in one closing finding. A table of
/// n pools nested in each other has n(n-1)/2 pairs: a 66 KB table would list half a million.
pub(super) const MAX_LISTED: usize = 1_000;

impl PoolOverlap {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut pools: Vec<(u64, u64, usize)> = cx
            .table
            .pools
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind != PoolKind::Counter && !cx.broken(&p.id))
            .filter_map(|(i, p)| p.range.map(|(lo, hi)| (lo, hi, i)))
            .collect();
        pools.sort_unstable();
        // Pools with the same range are one cause: one finding names them all (a thousand
        // copies of a pool are one mistake, not 499,500).
        let mut groups: Vec<(u64, u64, Vec<usize>)> = Vec::new();
        for (lo, hi, i) in pools {
            match groups.last_mut() {
                Some((l, h, members)) if (*l, *h) == (lo, hi) => members.push(i),
                _ => groups.push((lo, hi, vec![i])),
            }
        }
        let mut listed = 0;
        for (lo, hi, members) in groups.iter().filter(|g| g.2.len() > 1) {
            out.push(Self::same_range(cx, *lo, *hi, members));
            listed += 1;
        }
        // Sort by start and sweep, keeping the ranges still open. Past the listing bound the
        // open ranges are only counted (a heap of their ends): n log n whatever the table.
        let mut open: Vec<usize> = Vec::new();
        let mut ends: std::collections::BinaryHeap<std::cmp::Reverse<u64>> = std::collections::BinaryHeap::new();
        let mut unlisted = 0usize;
        for (g, (lo, hi, _)) in groups.iter().enumerate() {
            while ends.peek().is_some_and(|e| e.0 < *lo) {
                ends.pop();
            }
            if listed < MAX_LISTED {
                open.retain(|&o| groups[o].1 >= *lo);
                for &o in &open {
                    if listed < MAX_LISTED {
                        out.push(Self::pair(cx, &groups[o], &groups[g]));
                        listed += 1;
                    } else {
                        unlisted += 1;
                    }
                }
                open.push(g);
            } else {
                unlisted += ends.len();
            }
            ends.push(std::cmp::Reverse(*hi));
        }
        if unlisted > 0
            && let Some((_, _, members)) = groups.first()
        {
            let first = &cx.table.pools[members[0]];
            let message = format!(
                "{} more overlapping pairs of pools are not listed: a report lists at most {} (fix these first, then check again)",
                thousands(unlisted as u64),
                thousands(MAX_LISTED as u64)
            );
            out.push(cx.finding(&Self::META, first.loc, message, Vec::new(), &[]));
        }
    }

    /// Two or more pools with one range: every key is shared.
    fn same_range(cx: &Context<'_>, lo: u64, hi: u64, members: &[usize]) -> Finding {
        let pools: Vec<&crate::model::Pool> = members.iter().map(|&i| &cx.table.pools[i]).collect();
        let shown: Vec<&str> = pools.iter().take(5).map(|p| &*p.id).collect();
        let more = match pools.len() - shown.len() {
            0 => String::new(),
            n => format!(" and {} more", thousands(n as u64)),
        };
        let message = format!(
            "{} pools have the same range {lo:010}-{hi:010} ({}): {}{more}",
            thousands(pools.len() as u64),
            keys(hi - lo + 1),
            shown.join(", ")
        );
        let entities = pools.iter().map(|p| p.id.to_string()).collect();
        let f = cx.finding(&Self::META, pools[1].loc, message, entities, &[]);
        f.related(pools[0].loc, format!("{} is declared here", pools[0].id))
    }

    /// Two ranges that share keys (each the range of one pool or of several alike).
    fn pair(cx: &Context<'_>, a: &(u64, u64, Vec<usize>), b: &(u64, u64, Vec<usize>)) -> Finding {
        let (pa, pb) = (&cx.table.pools[a.2[0]], &cx.table.pools[b.2[0]]);
        let lo = b.0;
        let shared_hi = a.1.min(b.1);
        let alike = |g: &(u64, u64, Vec<usize>)| match g.2.len() {
            1 => String::new(),
            n => format!(" (and {} more with its range)", thousands(n as u64 - 1)),
        };
        let message = format!(
            "pools {}{} and {}{} share {}: {lo:010}-{shared_hi:010}",
            pa.id,
            alike(a),
            pb.id,
            alike(b),
            keys(shared_hi - lo + 1)
        );
        let f = cx.finding(&Self::META, pb.loc, message, vec![pb.id.clone(), pa.id.clone()], &[]);
        f.related(pa.loc, format!("{} is declared here", pa.id))
    }
}

fn keys(count: u64) -> String {
    if count == 1 {
        "1 key".to_string()
    } else {
        format!("{} keys", thousands(count))
    }
}
