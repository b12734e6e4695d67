use std::collections::BTreeMap;

use super::{Context, Finding, declare_rule};
use crate::analysis::Scenario;
use crate::engine::{Disposition, LostReason};
use crate::model::Loc;

declare_rule! {
    /// ## What it does
    /// Reports a router without a `default`; and a policy routing rule set (SPEC §9) with no
    /// catch-all in whose first evaluation some calls find no rule holding — in some
    /// scenario, for some kind of call or at some time, which the finding names. (A policy
    /// that falls through only after its routes failed is `black-hole` or
    /// `single-point-of-failure`.)
    ///
    /// ## Why it matters
    /// A call that matches none of the router's rules has nowhere to go and is lost. Today's
    /// origins may all match a rule, but the next new ESZ or cell sector will not, and its
    /// calls will be silently dropped.
    ///
    /// ## Example
    /// ```yaml
    /// routers:
    ///   esrp-den:
    ///     rules:
    ///       - match: { esn: [101] }
    ///         to: denver-911
    ///     # no default
    /// ```
    ///
    /// ```json
    /// { "policyType": "NormalNextHopRoutePolicy", "policyQueueName": "sip:psap@harper.ks.us",
    ///   "policyRules": [ { "id": "voice", "priority": 100,
    ///     "conditions": [ { "conditionType": "SdpOfferCondition", "audio": true } ],
    ///     "actions": [ { "actionType": "RouteAction", "recipientUri": "sip:psap@harper.ks.us" } ] } ] }
    /// ```
    /// (a text call, with no audio, matches no rule)
    ///
    /// ## How to fix
    /// Add `default:` naming the PSAP (or router) that should take unmatched calls — usually
    /// the primary PSAP of the area the router serves. In a policy, add a catch-all rule (no
    /// conditions, lowest priority) routing to that PSAP's queue.
    pub struct MissingDefault { name: "missing-default", severity: Error }
}

impl MissingDefault {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for r in cx
            .table
            .routers
            .iter()
            // A router with a `queue` is routed by its policies (SPEC §9), not by rules.
            .filter(|r| r.default.is_none() && r.queue.is_none() && !cx.broken(&r.id))
        {
            let n = r.rules.len();
            let rules = if n == 1 {
                "its 1 rule".to_string()
            } else {
                format!("its {n} rules")
            };
            let message = format!(
                "router {} has no `default`: a call that matches none of {rules} is lost",
                r.id
            );
            out.push(cx.finding(&Self::META, r.loc, message, vec![r.id.clone()], &[]));
        }
        fall_through(cx, out);
    }
}

/// Policies whose first evaluation finds no rule holding for some calls, by policy.
fn fall_through(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(a) = cx.analysis else { return };
    // policy → (where, classes, origins, scenarios)
    type Seen = (Loc, Vec<u32>, Vec<u32>, Vec<Scenario>);
    let mut by_policy: BTreeMap<&str, Seen> = BTreeMap::new();
    for (scenario, c, end) in a.every_end() {
        let Disposition::Lost {
            reason:
                LostReason::NoRuleHolds {
                    policy,
                    after_failure: false,
                    loc,
                },
            ..
        } = end
        else {
            continue;
        };
        let entry = by_policy
            .entry(policy)
            .or_insert_with(|| (*loc, vec![], vec![], vec![]));
        entry.1.push(c);
        entry.2.extend(a.classes[c as usize].origins.iter());
        if !entry.3.contains(&scenario) {
            entry.3.push(scenario);
        }
    }
    for (policy, (loc, classes, mut origins, scenarios)) in by_policy {
        origins.sort_unstable();
        origins.dedup();
        let when = match scenarios.as_slice() {
            [Scenario::Normal, ..] => String::new(),
            [first, rest @ ..] => {
                let words = a.scenario_label(cx.table, first).words();
                match rest.len() {
                    0 => format!(" when {words}"),
                    n => format!(" when {words} (and in {})", crate::finding::plural(n, "other scenario")),
                }
            }
            [] => continue,
        };
        let message = format!(
            "{policy} has no catch-all rule, and none of its rules holds for calls from {}{}{when}: they are lost",
            cx.origins_phrase(&origins),
            cx.calls_phrase(classes)
        );
        let f = cx.finding(&MissingDefault::META, loc, message, vec![policy.to_string()], &origins);
        out.push(f.scenario(a.scenario_label(cx.table, &scenarios[0])));
    }
}
