use super::{Context, Finding, declare_rule, thousands};
use crate::model::{Element, Pool, PoolKind};

declare_rule! {
    /// ## What it does
    /// Reports a key pool (`esrk`, `esqk`, `pani`) with fewer keys than its PSAP has
    /// call-taker `positions`, and a `counter` that has reached its `limit` or will reach it
    /// within `horizon_days` (default 90) at its `per_day` rate. The message says how many
    /// days are left.
    ///
    /// ## Why it matters
    /// In April 2014 a counter in a 911 routing system reached its hard limit: 81 PSAPs in
    /// seven states lost calls for over six hours. A pool with fewer keys than positions
    /// turns away calls while call-takers sit idle.
    ///
    /// ## Example
    /// ```yaml
    /// pools:
    ///   ptm-counter-den:
    ///     kind: counter
    ///     element: esrp-den
    ///     limit: 40000000
    ///     used: 39100000
    ///     per_day: 16000       # 56 days left
    /// ```
    ///
    /// ## How to fix
    /// Widen the pool, or raise or reset the counter (and schedule the next reset) before it
    /// runs out.
    pub struct PoolExhaustion { name: "pool-exhaustion", severity: Error }
}

impl PoolExhaustion {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for pool in cx.table.pools.iter().filter(|p| !cx.broken(&p.id)) {
            let Some(message) = problem(cx, pool) else { continue };
            out.push(cx.finding(&Self::META, pool.loc, message, vec![pool.id.clone()], &[]));
        }
    }
}

fn problem(cx: &Context<'_>, pool: &Pool) -> Option<String> {
    if pool.kind == PoolKind::Counter {
        let (limit, used) = (pool.limit?, pool.used?);
        if used >= limit {
            return Some(format!(
                "counter {} is exhausted: {} used of a limit of {}",
                pool.id,
                thousands(used),
                thousands(limit)
            ));
        }
        let per_day = pool.per_day.filter(|&d| d > 0.0)?;
        let days = ((limit - used) as f64 / per_day).floor() as u64;
        let horizon = cx.settings.horizon_days;
        return (days < horizon).then(|| {
            format!(
                "counter {} reaches its limit of {} in {days} days at {} a day ({} used); that is within the {horizon}-day horizon",
                pool.id,
                thousands(limit),
                rate(per_day),
                thousands(used)
            )
        });
    }
    let (lo, hi) = pool.range?;
    let Some(Element::Psap(p)) = cx.table.lookup(&pool.psap.as_ref()?.name) else {
        return None;
    };
    let psap = &cx.table.psaps[p as usize];
    let positions = psap.positions? as u64;
    let keys = hi - lo + 1;
    (keys < positions).then(|| {
        format!(
            "pool {} has {keys} keys for {}'s {positions} positions: calls beyond {keys} at once get no key",
            pool.id, psap.id
        )
    })
}

/// A daily rate as written: whole numbers with thousands separators, fractions as they are.
fn rate(per_day: f64) -> String {
    if per_day.fract() == 0.0 && per_day < 1e15 {
        thousands(per_day as u64)
    } else {
        format!("{per_day}")
    }
}
