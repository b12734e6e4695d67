use std::collections::BTreeMap;

use super::{Finding, Routed, ScenarioLabel, declare_rule};
use crate::engine::{Delivery, Disposition};
use crate::model::{Node, PsapStatus};

declare_rule! {
    /// ## What it does
    /// Reports PSAPs that, under normal conditions, receive calls while `standby`, or that are
    /// `unstaffed` so their calls only get through by alternate routing around them.
    ///
    /// ## Why it matters
    /// A standby centre is not meant to carry the daily load, and a route that works only by
    /// diversion adds a hop and a failure point to every call. Either is usually a table that
    /// was not updated when a centre changed status.
    ///
    /// ## Example
    /// ```yaml
    /// psaps:
    ///   golden-pd: { status: unstaffed, alternate: [jeffco-911] }
    /// routers:
    ///   esrp-den:
    ///     rules:
    ///       - match: { esn: [301] }
    ///         to: golden-pd
    /// ```
    ///
    /// ## How to fix
    /// Route the calls straight to the PSAP that answers them, or set the PSAP's status to
    /// what it really is.
    pub struct InactiveDestination { name: "inactive-destination", severity: Warning }
}

impl InactiveDestination {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        let mut by_psap: BTreeMap<u32, (bool, Vec<u32>)> = BTreeMap::new();
        for (c, t) in a.normal.iter().enumerate() {
            let Disposition::Delivered { psap, how } = t.end else {
                continue;
            };
            let (p, standby) = match how {
                Delivery::Alternate { around: Node::Psap(u) }
                    if cx.table.psaps[u as usize].status == PsapStatus::Unstaffed =>
                {
                    (u, false)
                }
                _ if cx.table.psaps[psap as usize].status == PsapStatus::Standby => (psap, true),
                _ => continue,
            };
            let entry = by_psap.entry(p).or_insert((standby, vec![]));
            entry.1.extend(a.classes[c].origins.iter());
        }
        for (p, (standby, mut origins)) in by_psap {
            origins.sort_unstable();
            let psap = &cx.table.psaps[p as usize];
            let message = if standby {
                format!(
                    "standby PSAP {} receives the calls of {} under normal conditions",
                    psap.id,
                    cx.origins_phrase(&origins)
                )
            } else {
                format!(
                    "PSAP {} is unstaffed; the calls of {} reach a PSAP only by alternate routing around it",
                    psap.id,
                    cx.origins_phrase(&origins)
                )
            };
            out.push(
                cx.finding(&Self::META, psap.loc, message, vec![psap.id.clone()], &origins)
                    .scenario(ScenarioLabel::Normal),
            );
        }
    }
}
