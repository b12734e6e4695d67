use std::collections::BTreeMap;

use super::{Finding, Routed, declare_rule};
use crate::analysis::Scenario;
use crate::engine::{Disposition, LostReason, describe_loss, describe_reason};
use crate::model::{Loc, Node};

declare_rule! {
    /// ## What it does
    /// Reports origins whose calls are lost under normal conditions — nothing failed, nothing
    /// busy — grouped by where and why they are lost: a router where no rule matches and
    /// there is no default, a PSAP that cannot answer with no alternate that can, a path
    /// longer than `max_hops`, an origin with no ingress.
    ///
    /// ## Why it matters
    /// These callers reach nobody today. In 2020 a configuration error while adding network
    /// elements cut NG911 service to PSAPs in seven states: the routes were there, the
    /// destination was not.
    ///
    /// ## Example
    /// ```yaml
    /// psaps:
    ///   erie-pd: { status: unstaffed }        # and no alternate
    /// routers:
    ///   esrp-den:
    ///     default: erie-pd
    /// ```
    ///
    /// ## How to fix
    /// Give the router a rule or default that reaches an answering PSAP, or give the PSAP an
    /// alternate that answers.
    pub struct BlackHole { name: "black-hole", severity: Error }
}

impl BlackHole {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        // (where, why) → (classes, origins, the first scenario it happens in, the policy rule)
        type Group = (Vec<u32>, Vec<u32>, Scenario, Option<(Loc, String)>);
        let mut groups: BTreeMap<(Option<Node>, String), Group> = BTreeMap::new();
        let normal = a
            .normal
            .iter()
            .enumerate()
            .map(|(c, t)| (Scenario::Normal, c as u32, &t.end));
        // A BusyAction rejects calls in whatever scenario it runs (SPEC §9): reported here,
        // once per rule, not as a single point of failure.
        let busy = a.runs.iter().flat_map(|run| {
            run.ends
                .iter()
                .filter(|(_, end)| {
                    matches!(
                        end,
                        Disposition::Lost {
                            reason: LostReason::Busy { .. },
                            ..
                        }
                    )
                })
                .map(move |(c, end)| (run.scenario.clone(), *c, end))
        });
        for (scenario, c, end) in normal.chain(busy) {
            let Disposition::Lost { at, reason } = end else {
                continue;
            };
            let origins = &a.classes[c as usize].origins;
            let kept: Vec<u32> = match reason {
                // Reported by unknown-reference, policy-missing, routing-loop and
                // missing-default (a policy without a catch-all that its first evaluation
                // falls through).
                LostReason::UnknownTarget { .. }
                | LostReason::NoPolicy { .. }
                | LostReason::PolicyLoop { .. }
                | LostReason::NoRuleHolds {
                    after_failure: false, ..
                } => continue,
                LostReason::NoIngress => origins
                    .iter()
                    .copied()
                    .filter(|&o| cx.table.origins[o as usize].ingress.is_empty())
                    .collect(),
                _ => origins.to_vec(),
            };
            if !kept.is_empty() {
                let subject = policy_subject(reason);
                // A loss inside a policy is the policy's, wherever the ESRP runs it.
                let why = match subject {
                    Some(_) => format!(": {}", describe_reason(reason, a.max_hops)),
                    None => format!(" {}", describe_loss(cx.table, *at, reason, a.max_hops)),
                };
                let at = if subject.is_some() { None } else { *at };
                let group = groups
                    .entry((at, why))
                    .or_insert_with(|| (Vec::new(), Vec::new(), scenario.clone(), subject));
                group.0.push(c);
                group.1.extend(kept);
            }
        }
        for ((at, why), (classes, mut origins, scenario, subject)) in groups {
            origins.sort_unstable();
            origins.dedup();
            let (loc, entity) = match (subject, at) {
                (Some(subject), _) => subject,
                (None, Some(n)) => (cx.table.node_loc(n), cx.node_id(n).to_string()),
                (None, None) => {
                    let o = &cx.table.origins[origins[0] as usize];
                    (o.loc, o.id.to_string())
                }
            };
            let when = match &scenario {
                Scenario::Normal => String::new(),
                s => format!(" when {}", a.scenario_label(cx.table, s).words()),
            };
            let message = format!(
                "calls from {}{} are lost{why}{when}",
                cx.origins_phrase(&origins),
                cx.calls_phrase(classes)
            );
            out.push(
                cx.finding(&Self::META, loc, message, vec![entity], &origins)
                    .scenario(a.scenario_label(cx.table, &scenario)),
            );
        }
    }
}

/// Where a loss inside a policy points, and what it names: the rule whose BusyAction
/// rejected the call, or the policy none of whose rules held.
fn policy_subject(reason: &LostReason) -> Option<(Loc, String)> {
    match reason {
        LostReason::Busy { loc, rule } => Some((*loc, rule.clone())),
        LostReason::NoRuleHolds { loc, policy, .. } => Some((*loc, policy.clone())),
        _ => None,
    }
}
