use std::collections::BTreeMap;

use super::{Finding, Routed, ScenarioLabel, declare_rule};
use crate::analysis::Scenario;
use crate::engine::{Disposition, LostReason, Trace};
use crate::model::{Loc, Node};

declare_rule! {
    /// ## What it does
    /// Reports calls that come back to a router or PSAP they already passed, under normal
    /// conditions or in any analysed failure or busy scenario (the finding says which). One
    /// finding per cycle, listing every origin caught in it — two when a cycle catches some
    /// origins under normal conditions and others only in failures: the one marked `normal`
    /// lists only the origins that loop normally, the other names the failures.
    ///
    /// ## Why it matters
    /// A looping call rings nowhere: it circles between routers until a hop limit or a timer
    /// drops it, and it ties up trunks while it does. Loops often hide in failure paths — a
    /// mate that sends calls back to the router it stands in for — where nobody tests.
    ///
    /// ## Example
    /// ```yaml
    /// routers:
    ///   esrp-a: { default: esrp-b }
    ///   esrp-b: { default: esrp-a }
    /// ```
    ///
    /// ## How to fix
    /// Break the cycle at the reference shown (the first entity): route to a PSAP, or to a
    /// router that does not send the calls back.
    pub struct RoutingLoop { name: "routing-loop", severity: Error }
}

struct Seen<'a> {
    scenarios: Vec<Scenario>,
    origins: Vec<u32>,
    example: &'a Trace,
}

impl RoutingLoop {
    pub(super) fn run<'a>(cx: &Routed<'a>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        // A cycle's normal loops and its failure loops are two findings: one marked `normal`
        // lists only the origins that loop under normal conditions, the other names the
        // scenarios in which the rest loop.
        let mut cycles: BTreeMap<(bool, Vec<Node>), Seen<'_>> = BTreeMap::new();
        let mut note = |scenario: &Scenario, class: u32, t: &'a Trace| {
            let Some(cycle) = t.cycle() else { return };
            let mut key = cycle;
            let min = key.iter().enumerate().min_by_key(|(_, n)| **n).map_or(0, |(i, _)| i);
            key.rotate_left(min);
            let seen = cycles.entry((*scenario != Scenario::Normal, key)).or_insert(Seen {
                scenarios: vec![],
                origins: vec![],
                example: t,
            });
            // A declared domain and an element's own that take down the same elements are one
            // scenario (SPEC §2), named by the first (declared domains come first).
            let same = |x: &Scenario| match (x, scenario) {
                (Scenario::Fail(p), Scenario::Fail(q)) => a.domains[*p].members == a.domains[*q].members,
                _ => x == scenario,
            };
            if !seen.scenarios.iter().any(same) {
                seen.scenarios.push(scenario.clone());
            }
            seen.origins.extend(a.classes[class as usize].origins.iter());
        };
        for (c, t) in a.normal.iter().enumerate() {
            note(&Scenario::Normal, c as u32, t);
        }
        for run in &a.runs {
            for (c, t) in &run.loops {
                // Origins whose calls are lost or loop normally are reported once, there.
                if a.normal[*c as usize].delivered_to().is_some() {
                    note(&run.scenario, *c, t);
                }
            }
        }
        for (_, mut seen) in cycles {
            seen.origins.sort_unstable();
            seen.origins.dedup();
            let t = seen.example;
            let Disposition::Looped { back_to, closing } = t.end else {
                continue;
            };
            let cycle = t.cycle().unwrap_or_default();
            let mut path: Vec<&str> = t.hops[back_to..].iter().map(|h| cx.node_id(h.node)).collect();
            path.push(cx.node_id(t.hops[back_to].node));
            let scenario = a.scenario_label(cx.table, &seen.scenarios[0]);
            let when = match (&scenario, seen.scenarios.len()) {
                (ScenarioLabel::Normal, _) => String::new(),
                (_, 1) => format!(" when {}", scenario.words()),
                (_, n) => format!(
                    " when {} (and in {})",
                    scenario.words(),
                    crate::finding::plural(n - 1, "other scenario")
                ),
            };
            let message = format!(
                "calls from {} loop {}{when}",
                cx.origins_phrase(&seen.origins),
                path.join(" -> ")
            );
            let entities = cycle.iter().map(|n| cx.node_id(*n).to_string()).collect();
            let mut f = cx
                .finding(&Self::META, closing, message, entities, &seen.origins)
                .scenario(scenario);
            for h in &t.hops[back_to + 1..] {
                f = f.related(h.loc, format!("on to {}", cx.node_id(h.node)));
            }
            let back = cx.node_id(t.hops[back_to].node).to_string();
            f.related.retain(|r| r.loc != closing);
            out.push(f.related(t.hops[back_to].loc, format!("the call first reaches {back} here")));
        }
        policy_loops(cx, out);
    }
}

/// Policies that invoke each other with no successful route between (SPEC §9 step 4): one
/// finding per cycle, normal loops apart from failure ones as above.
fn policy_loops(cx: &Routed<'_>, out: &mut Vec<Finding>) {
    let a = cx.analysis;
    // In a failure, only calls that normally arrive: a normal loop is reported as such.
    let ends = a
        .every_end()
        .filter(|(s, c, _)| *s == Scenario::Normal || a.normal[*c as usize].delivered_to().is_some());
    // (in a failure, the cycle from its first policy by name) → (closing loc, path, scenario, classes)
    type Seen = (Loc, Vec<String>, Scenario, Vec<u32>);
    let mut cycles: BTreeMap<(bool, Vec<String>), Seen> = BTreeMap::new();
    for (scenario, c, end) in ends {
        let Disposition::Lost {
            reason: LostReason::PolicyLoop { cycle, loc },
            ..
        } = end
        else {
            continue;
        };
        let mut key: Vec<String> = cycle[..cycle.len().saturating_sub(1)].to_vec();
        let min = key.iter().enumerate().min_by_key(|(_, n)| *n).map_or(0, |(i, _)| i);
        key.rotate_left(min);
        let seen = cycles
            .entry((scenario != Scenario::Normal, key))
            .or_insert_with(|| (*loc, cycle.clone(), scenario.clone(), Vec::new()));
        seen.3.push(c);
    }
    for ((_, key), (loc, path, scenario, classes)) in cycles {
        let origins = a.origins_of(classes.iter().copied());
        let label = a.scenario_label(cx.table, &scenario);
        let when = match &label {
            ScenarioLabel::Normal => String::new(),
            other => format!(" when {}", other.words()),
        };
        let message = format!(
            "calls from {}{} loop through policies that invoke each other: {}{when}",
            cx.origins_phrase(&origins),
            cx.calls_phrase(classes),
            path.join(" -> ")
        );
        out.push(
            cx.finding(&RoutingLoop::META, loc, message, key, &origins)
                .scenario(label),
        );
    }
}
