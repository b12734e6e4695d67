use super::{Finding, Routed, Severity, declare_rule};
use crate::model::PsapStatus;

declare_rule! {
    /// ## What it does
    /// Reports an active (error) or standby (warning) PSAP that no origin's calls reach in any
    /// analysed scenario: not normally, not as an alternate when something fails, not as an
    /// overflow when something is busy.
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
        let walks = a
            .normal
            .iter()
            .map(|t| &t.end)
            .chain(a.runs.iter().flat_map(|r| r.ends.iter().map(|(_, end)| end)));
        for end in walks {
            if let Some(p) = end.delivered_to() {
                reached[p as usize] = true;
            }
        }
        for (p, psap) in cx.table.psaps.iter().enumerate() {
            let severity = match psap.status {
                _ if reached[p] => continue,
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
