use super::{Context, Finding, declare_rule};
use crate::model::{Element, PsapStatus};

declare_rule! {
    /// ## What it does
    /// Reports a route (`to`, `default`), `alternate`, `overflow` or pool that names a PSAP
    /// whose status is `decommissioned`. The finding lists the origins whose calls are sent
    /// there under normal conditions.
    ///
    /// ## Why it matters
    /// A decommissioned PSAP answers nothing. Calls routed to it survive only if an alternate
    /// catches them; an alternate or overflow pointing at it is a backup that is not there.
    ///
    /// ## Example
    /// ```yaml
    /// psaps:
    ///   erie-pd: { status: decommissioned }
    /// routers:
    ///   esrp-den:
    ///     default: erie-pd
    /// ```
    ///
    /// ## How to fix
    /// Point the reference at the PSAP that took over the old one's area.
    pub struct DecommissionedReference { name: "decommissioned-reference", severity: Error }
}

impl DecommissionedReference {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        cx.table.each_reference(|r| {
            if matches!(r.from, Element::Origin(_)) {
                return;
            }
            let Some(Element::Psap(p)) = cx.table.lookup(&r.link.name) else {
                return;
            };
            let psap = &cx.table.psaps[p as usize];
            if psap.status != PsapStatus::Decommissioned {
                return;
            }
            let origins = routed_through(cx, r.link.loc);
            let from_id = cx.table.element_id(r.from).to_string();
            let mut message = format!(
                "`{}` of {} {from_id} names {}, which is decommissioned",
                r.field,
                r.from.kind_name(),
                psap.id
            );
            if !origins.is_empty() {
                message.push_str(&format!("; it receives the calls of {}", cx.origins_phrase(&origins)));
            }
            let f = cx.finding(
                &Self::META,
                r.link.loc,
                message,
                vec![from_id, psap.id.clone()],
                &origins,
            );
            out.push(f.related(psap.loc, "decommissioned here"));
        });
    }
}

/// Origins whose normal walk passes a hop written at `loc`.
fn routed_through(cx: &Context<'_>, loc: crate::model::Loc) -> Vec<u32> {
    let Some(a) = cx.analysis else { return vec![] };
    let classes = a
        .normal
        .iter()
        .enumerate()
        .filter(|(_, t)| t.hops.iter().any(|h| h.loc == loc))
        .map(|(c, _)| c as u32);
    a.origins_of(classes)
}
