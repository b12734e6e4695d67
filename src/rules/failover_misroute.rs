use std::collections::BTreeMap;

use super::{Finding, Routed, ScenarioLabel, declare_rule};
use crate::analysis::Scenario;
use crate::engine::{Conditions, Via, Walker};
use crate::model::{Loc, Node};

declare_rule! {
    /// ## What it does
    /// Plays every single failure (N-1) and reports calls that are delivered to another PSAP
    /// than under normal conditions although their normal PSAP is still up: a mate or backup
    /// router that routes differently from the router it stands in for. One finding per
    /// failure, router, normal PSAP and other PSAP, pointing at the rule or default of the
    /// router that sends the calls there, with the origins and their population. Busy
    /// scenarios are exempt (overflow is meant to move calls), and so is failover around a
    /// PSAP that is itself down (that is what `alternate` is for).
    ///
    /// ## Why it matters
    /// The backup path is the one nobody exercises. In August 2018 a routing facility failed
    /// and the calls that did fail over were handled by tables nobody had checked against the
    /// primary's. A mate that sends Jefferson County's calls to Douglas County passes every
    /// test on a normal day and misroutes every emergency on the bad one: the call-taker who
    /// answers cannot dispatch to the caller's address.
    ///
    /// ## Example
    /// ```yaml
    /// routers:
    ///   esrp-den:
    ///     mate: [esrp-cos]
    ///     rules:
    ///       - match: { esn: ["400-409"] }
    ///         to: jeffco-so
    ///   esrp-cos:
    ///     mate: [esrp-den]
    ///     rules:
    ///       - match: { esn: ["400-409"] }
    ///         to: douglas-so        # the mate disagrees: fires when esrp-den fails
    /// ```
    ///
    /// ## How to fix
    /// Make mated routers route alike (generate both from one source), or, where the
    /// difference is meant (a PSAP that only takes calls in a disaster), waive the finding on
    /// the router with the reason.
    pub struct FailoverMisroute { name: "failover-misroute", severity: Error }
}

/// (failed members, router that sends the calls, normal PSAP, other PSAP).
type Key = (Vec<Node>, u32, u32, u32);

/// Per key: the failure domains with those members, where the router sends the calls, the
/// origins.
type Group = (Vec<usize>, Loc, Vec<u32>);

impl FailoverMisroute {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        let mut groups: BTreeMap<Key, Group> = BTreeMap::new();
        for run in &a.runs {
            let Scenario::Fail(d) = run.scenario else { continue };
            let members = &a.domains[d].members;
            let mut cond = None;
            for (c, end) in &run.ends {
                let (Some(normal), Some(now)) = (a.normal[*c as usize].delivered_to(), end.delivered_to()) else {
                    continue;
                };
                if normal == now || members.contains(&Node::Psap(normal)) {
                    continue;
                }
                // Only misrouted classes are walked again, for the router that sends them.
                let cond = cond.get_or_insert_with(|| Conditions::with(cx.table, members, None));
                let class = &a.classes[*c as usize];
                let walker = Walker {
                    table: cx.table,
                    net: cx.policies,
                    max_hops: a.max_hops,
                    record: false,
                };
                let walks = walker.branches(class.origins[0], cond, &class.branch, None);
                let Some((router, loc)) = walks.first().and_then(|(_, t)| sender(t)) else {
                    continue;
                };
                let group = groups
                    .entry((members.clone(), router, normal, now))
                    .or_insert_with(|| (Vec::new(), loc, Vec::new()));
                if group.0.last() != Some(&d) {
                    group.0.push(d);
                }
                group.2.extend(class.origins.iter());
            }
        }
        for ((_, router, normal, now), (domains, loc, mut origins)) in groups {
            origins.sort_unstable();
            origins.dedup();
            let names: Vec<String> = domains.iter().map(|&d| a.domains[d].name.clone()).collect();
            let who = if names.len() == 1 {
                names[0].clone()
            } else {
                format!("{} (the same elements as {})", names[0], names[1..].join(", "))
            };
            let (router_id, normal_id, now_id) = (
                cx.table.routers[router as usize].id.clone(),
                cx.table.psaps[normal as usize].id.clone(),
                cx.table.psaps[now as usize].id.clone(),
            );
            let message = format!(
                "if {who} fails, {router_id} sends calls from {} to {now_id}, not to their PSAP {normal_id}, which is still up",
                cx.origins_phrase(&origins)
            );
            let mut entities = vec![router_id, now_id, normal_id];
            entities.extend(names.iter().cloned());
            out.push(
                cx.finding(&Self::META, loc, message, entities, &origins)
                    .scenario(ScenarioLabel::Fail(names[0].clone())),
            );
        }
    }
}

/// The router whose rule or default last chose the call's next hop, and where it says so.
fn sender(trace: &crate::engine::Trace) -> Option<(u32, Loc)> {
    (1..trace.hops.len()).rev().find_map(|i| {
        let hop = &trace.hops[i];
        match (hop.via, trace.hops[i - 1].node) {
            (Via::Rule(_) | Via::Default | Via::Policy { .. }, Node::Router(r)) => Some((r, hop.loc)),
            _ => None,
        }
    })
}
