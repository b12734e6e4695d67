use std::collections::BTreeMap;

use super::{Finding, Routed, declare_rule};
use crate::capacity::{Load, Loads};
use crate::finding::thousands;

declare_rule! {
    /// ## What it does
    /// Estimates, for every PSAP with `positions`, the busy-hour load it carries under normal
    /// conditions and in each single failure (N-1), and whether it can still answer 90% of
    /// its 911 calls within 15 seconds (NENA-STA-020.1) by Erlang C. Reports a PSAP that
    /// misses the standard normally, or that meets it normally but not when a failure sends
    /// it other PSAPs' calls (by mate, alternate or backup route): one finding per PSAP, with
    /// the scenarios, its load before and after (calls in the busy hour and Erlangs), the
    /// share answered in time, the positions it would need, and the origins whose diverted
    /// calls push it over. Load: an origin's `calls_per_day`, else its population times
    /// `capacity.calls_per_1000_per_day`; `capacity.busy_hour_share` of a day's calls in the
    /// busy hour; `handle_seconds` per call (psapguard.toml `[capacity]`). Calls routed by
    /// policies count once, where the origin's usual call goes (the busy hour is not a night
    /// diversion's slice, and RTT or video calls are a small share of the load).
    ///
    /// ## Why it matters
    /// A failover plan that sends a city's calls to a small neighbour looks fine in a routing
    /// table and fails on the day: the neighbour has four call-takers, callers wait minutes,
    /// and some hang up. The routing is right and the calls still go unanswered. Failover
    /// capacity is a property of the plan that no router test shows.
    ///
    /// ## Example
    /// ```yaml
    /// psaps:
    ///   denver-911: { positions: 40, alternate: [golden-pd] }
    ///   golden-pd: { positions: 3 }       # takes Denver's 700,000 people when Denver fails
    /// ```
    ///
    /// ## How to fix
    /// Give the alternate the positions the message asks for, add a second alternate, or
    /// split the alternate routing across several PSAPs (a rule-level `alternate` per ESN
    /// range). Where the shortfall is accepted for a rare failure, waive it on the PSAP with
    /// the reason.
    pub struct AnswerStandard { name: "answer-standard", severity: Warning }
}

impl AnswerStandard {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        let loads = Loads::new(cx.table, a, cx.settings.capacity);
        let standard = loads.standard;
        let pct = |share: f64| format!("{:.0}%", share * 100.0);
        let within = format!("{} within {} s", pct(standard.answer_share), standard.answer_within_s);
        // Per PSAP: the failures in which diverted calls push it below the standard.
        let mut short: BTreeMap<u32, Vec<crate::capacity::Shift>> = BTreeMap::new();
        for shift in loads.failure_shifts(a) {
            if shift.before.meets(&standard) && !shift.after.meets(&standard) {
                short.entry(shift.psap).or_default().push(shift);
            }
        }
        for (p, psap) in cx.table.psaps.iter().enumerate() {
            let p = p as u32;
            let Some(normal) = loads.load(p, loads.normal[p as usize]) else {
                continue;
            };
            let positions = psap.positions.unwrap_or(0);
            let describe = |l: &Load| {
                format!(
                    "{} calls in the busy hour, {:.1} Erlangs: {} answered within {} s",
                    thousands(l.calls.round() as u64),
                    l.erlangs,
                    pct(l.answered),
                    standard.answer_within_s
                )
            };
            if !normal.meets(&standard) {
                let message = format!(
                    "{} cannot answer {within} under normal conditions: {} on {positions} positions; it needs {}",
                    psap.id,
                    describe(&normal),
                    loads.positions_needed(p, &normal)
                );
                out.push(cx.finding(&Self::META, psap.loc, message, vec![psap.id.clone()], &[]));
                continue;
            }
            let Some(shifts) = short.remove(&p) else { continue };
            let worst = shifts
                .iter()
                .max_by(|x, y| x.after.erlangs.total_cmp(&y.after.erlangs))
                .expect("at least one");
            let names: Vec<&str> = shifts.iter().map(|s| a.domains[s.domain].name.as_str()).collect();
            let shown: Vec<&str> = names.iter().take(5).copied().collect();
            let more = if names.len() > 5 {
                format!(" and {} more", names.len() - 5)
            } else {
                String::new()
            };
            let diverted = a.origins_of(shifts.iter().flat_map(|s| s.arriving.iter().copied()));
            let message = format!(
                "{} meets {within} normally ({}) but not when {}{more} fails: at worst ({} down) {} on {positions} positions, from the calls of {}; it would need {}",
                psap.id,
                describe(&normal),
                shown.join(", "),
                a.domains[worst.domain].name,
                describe(&worst.after),
                cx.origins_phrase(&diverted),
                loads.positions_needed(p, &worst.after)
            );
            out.push(cx.finding(&Self::META, psap.loc, message, vec![psap.id.clone()], &diverted));
        }
    }
}
