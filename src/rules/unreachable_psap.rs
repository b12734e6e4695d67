use std::collections::HashSet;

use super::policy_refs::policy_of_name;
use super::{Finding, Routed, Severity, declare_rule};
use crate::engine::{Disposition, LostReason, Wanted};
use crate::model::{PsapStatus, sip_key};

declare_rule! {
    /// ## What it does
    /// Reports an active (error) or standby (warning) PSAP that no origin's calls reach in any
    /// analysed scenario: not normally, not as an alternate when something fails, not as an
    /// overflow when something is busy.
    ///
    /// A PSAP whose located calls are lost for want of its `NormalNextHopRoutePolicy` is left
    /// to `policy-missing`, which names the boundary.
    ///
    /// ## Why it matters
    /// A centre that is staffed to answer 911 but is cut out of the routing is a centre whose
    /// area is being answered by someone else — or by nobody. Orphaned PSAPs are a common
    /// result of a rule edited in the wrong router.
    ///
    /// ## Example
    /// ```yaml
    /// psaps:
    ///   broomfield-pd: { status: active }     # no rule, default or alternate names it
    /// ```
    ///
    /// ## How to fix
    /// Route its area's origins to it, make it another PSAP's alternate, or set its status to
    /// what it is (unstaffed, decommissioned). Two PSAPs that back each other up are fine.
    pub struct UnreachablePsap { name: "unreachable-psap", severity: Error }
}

impl UnreachablePsap {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        let mut reached = vec![false; cx.table.psaps.len()];
        // Queues whose calls are lost for want of their Normal-NextHop policy: policy-missing
        // names the boundary that answers them (one mistake, one finding).
        let mut policy_missing: HashSet<String> = HashSet::new();
        let walks = a
            .normal
            .iter()
            .map(|t| &t.end)
            .chain(a.runs.iter().flat_map(|r| r.ends.iter().map(|(_, end)| end)));
        for end in walks {
            match end {
                Disposition::Delivered { psap, .. } => reached[*psap as usize] = true,
                Disposition::Lost {
                    reason:
                        LostReason::NoPolicy {
                            name,
                            by: Wanted::NextHop,
                            ..
                        },
                    ..
                } => policy_missing.extend(policy_of_name(name).map(|(_, key)| key)),
                _ => {}
            }
        }
        for (p, psap) in cx.table.psaps.iter().enumerate() {
            let wants_policy = || {
                psap.uri
                    .as_deref()
                    .is_some_and(|u| policy_missing.contains(&sip_key(u)))
            };
            let severity = match psap.status {
                _ if reached[p] || wants_policy() => continue,
                PsapStatus::Active => Severity::Error,
                PsapStatus::Standby => Severity::Warning,
                _ => continue,
            };
            let message = format!(
                "{} PSAP {} receives no calls: no origin reaches it, normally or in any single-failure or busy scenario",
                psap.status.name(),
                psap.id
            );
            let mut f = cx.finding(&Self::META, psap.loc, message, vec![psap.id.clone()], &[]);
            f.severity = severity;
            out.push(f);
        }
    }
}
