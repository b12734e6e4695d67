use std::collections::BTreeMap;

use super::{Finding, Routed, ScenarioLabel, declare_rule};
use crate::engine::{Disposition, LostReason, describe_loss};

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
        // Unknown ids are reported by unknown-reference, loops by routing-loop.
        let mut groups: BTreeMap<(Option<crate::model::Node>, String), Vec<u32>> = BTreeMap::new();
        for (c, t) in a.normal.iter().enumerate() {
            let Disposition::Lost { at, reason } = &t.end else {
                continue;
            };
            let origins = &a.classes[c].origins;
            let kept: Vec<u32> = match reason {
                LostReason::UnknownTarget { .. } => continue,
                LostReason::NoIngress => origins
                    .iter()
                    .copied()
                    .filter(|&o| cx.table.origins[o as usize].ingress.is_empty())
                    .collect(),
                _ => origins.clone(),
            };
            if !kept.is_empty() {
                let why = describe_loss(cx.table, *at, reason, a.max_hops);
                groups.entry((*at, why)).or_default().extend(kept);
            }
        }
        for ((at, why), mut origins) in groups {
            origins.sort_unstable();
            let (loc, entity) = match at {
                Some(n) => (cx.table.node_loc(n), cx.node_id(n).to_string()),
                None => {
                    let o = &cx.table.origins[origins[0] as usize];
                    (o.loc, o.id.to_string())
                }
            };
            let message = format!("calls from {} are lost {why}", cx.origins_phrase(&origins));
            out.push(
                cx.finding(&Self::META, loc, message, vec![entity], &origins)
                    .scenario(ScenarioLabel::Normal),
            );
        }
    }
}
