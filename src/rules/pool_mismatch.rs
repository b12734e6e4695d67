use std::collections::{BTreeMap, HashMap};

use super::{Finding, Routed, ScenarioLabel, declare_rule};
use crate::model::Element;

declare_rule! {
    /// ## What it does
    /// Reports a pool with an `esn` and a `psap` when origins with that ESN have their calls
    /// delivered, under normal conditions, to a different PSAP. ESN plans belong to a state:
    /// when the pool's PSAP has a `state`, only origins of that state (or without one) count.
    /// For calls routed by policies, the origin's usual call is judged: a night or RTT
    /// diversion that a policy makes on purpose is not a mismatch.
    ///
    /// ## Why it matters
    /// The pool's keys are provisioned for one PSAP's location queries. Calls that arrive
    /// elsewhere carry keys the answering PSAP's systems were not set up for: the call-taker
    /// may see no location, or another area's.
    ///
    /// ## Example
    /// ```yaml
    /// pools:
    ///   esrk-den-a: { kind: esrk, range: 3035550100-3035550199, psap: denver-911, esn: 101 }
    /// # …while the router sends ESN 101 to aurora-911
    /// ```
    ///
    /// ## How to fix
    /// Point the pool at the PSAP that answers those calls, or fix the route.
    pub struct PoolMismatch { name: "pool-mismatch", severity: Error }
}

impl PoolMismatch {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        let mut by_esn: HashMap<u32, Vec<(u32, u32)>> = HashMap::new(); // esn → (origin, psap)
        // Each origin's usual call: other kinds of call and night slices that a policy diverts
        // on purpose are not the ESN's calls going astray (SPEC §9).
        for (c, t) in a.normal.iter().enumerate().filter(|(c, _)| a.classes[*c].usual) {
            let Some(p) = t.delivered_to() else { continue };
            for &o in a.classes[c].origins.iter() {
                if let Some(e) = cx.table.origins[o as usize].esn.get() {
                    by_esn.entry(e).or_default().push((o, p));
                }
            }
        }
        for pool in &cx.table.pools {
            let (Some(esn), Some(link)) = (pool.esn, &pool.psap) else {
                continue;
            };
            let Some(Element::Psap(want)) = cx.table.lookup(&link.name) else {
                continue;
            };
            // ESN plans are a state's (a selective router's area): the same ESN in another
            // state is another ESN.
            let state = cx.table.psaps[want as usize].state.as_deref();
            let same_state = |o: u32| match (state, cx.table.origins[o as usize].state.as_deref()) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            };
            let mut elsewhere: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
            for &(o, p) in by_esn.get(&esn).into_iter().flatten() {
                if p != want && same_state(o) {
                    elsewhere.entry(p).or_default().push(o);
                }
            }
            if elsewhere.is_empty() {
                continue;
            }
            let mut origins: Vec<u32> = elsewhere.values().flatten().copied().collect();
            origins.sort_unstable();
            let to: Vec<&str> = elsewhere
                .keys()
                .map(|&p| cx.table.psaps[p as usize].id.as_str())
                .collect();
            let message = format!(
                "pool {} (ESN {esn}) belongs to {}, but calls from {} with ESN {esn} are delivered to {}",
                pool.id,
                link.name,
                cx.origins_phrase(&origins),
                to.join(", ")
            );
            out.push(
                cx.finding(
                    &Self::META,
                    pool.loc,
                    message,
                    vec![pool.id.clone(), link.name.to_string()],
                    &origins,
                )
                .scenario(ScenarioLabel::Normal),
            );
        }
    }
}
