use std::collections::BTreeMap;

use super::AtLastHop;
use super::{Finding, Routed, ScenarioLabel, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports origins whose calls are delivered under normal conditions to a PSAP of another
    /// state, or of a county outside the PSAP's `counties`. One finding per PSAP and origin
    /// state or county.
    ///
    /// ## Why it matters
    /// A call answered across a jurisdiction line must be transferred before help is
    /// dispatched, which costs the caller time. Near borders it is sometimes deliberate —
    /// waive it then — but more often it is a copied rule that kept the wrong destination.
    ///
    /// ## Example
    /// ```yaml
    /// psaps:
    ///   denver-911: { state: CO, counties: [Denver] }
    /// origins:
    ///   esz-adams-1: { kind: esz, state: CO, county: Adams, ingress: [esrp-den] }
    ///   # esrp-den's default sends it to denver-911
    /// ```
    ///
    /// ## How to fix
    /// Route the origin to the PSAP that serves its county, add the county to the PSAP's
    /// `counties` if it really serves it, or waive the finding with the reason.
    pub struct CrossJurisdiction { name: "cross-jurisdiction", severity: Warning }
}

impl CrossJurisdiction {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        // (psap, "state"/"county", origin's value) → origins
        let mut groups: BTreeMap<(u32, &'static str, String), Vec<u32>> = BTreeMap::new();
        // Per origin of a group: the class whose walk carries it (for the line that sends it).
        let mut class_of: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        // Deliberate diversions of some kinds of call (SPEC §9) are not judged: the usual call is.
        for (c, t) in a.normal.iter().enumerate().filter(|(c, _)| a.classes[*c].usual) {
            let Some(p) = t.delivered_to() else { continue };
            let psap = &cx.table.psaps[p as usize];
            for &o in a.classes[c].origins.iter() {
                let origin = &cx.table.origins[o as usize];
                if let (Some(os), Some(ps)) = (&origin.state, &psap.state)
                    && !os.eq_ignore_ascii_case(ps)
                {
                    groups.entry((p, "state", os.to_uppercase())).or_default().push(o);
                    class_of.insert(o, c);
                } else if let (Some(oc), Some(pcs)) = (&origin.county, &psap.counties)
                    && !pcs
                        .iter()
                        .any(|pc| crate::model::fold_chars(pc).eq(crate::model::fold_chars(oc)))
                {
                    groups.entry((p, "county", oc.to_string())).or_default().push(o);
                    class_of.insert(o, c);
                }
            }
        }
        for ((p, what, value), mut origins) in groups {
            origins.sort_unstable();
            let psap = &cx.table.psaps[p as usize];
            let first = &cx.table.origins[origins[0] as usize];
            let theirs = match what {
                "state" => format!("a PSAP in {}", psap.state.as_deref().unwrap_or("?")),
                _ => format!(
                    "a PSAP that does not list {value} among its counties ({})",
                    psap.counties.as_deref().unwrap_or_default().join(", ")
                ),
            };
            let message = format!(
                "calls from {} in {what} {value} are delivered to {}, {theirs}",
                cx.origins_phrase(&origins),
                psap.id
            );
            // Where to fix: the rule, default or alternate that sends the calls to this PSAP.
            let f = cx
                .finding(&Self::META, first.loc, message, vec![psap.id.clone()], &origins)
                .at_last_hop(cx.table, &a.normal[class_of[&origins[0]]].hops, first.loc);
            out.push(
                f.scenario(ScenarioLabel::Normal)
                    .related(first.loc, format!("{} is in {what} {value}", first.id))
                    .related(psap.loc, format!("{} is declared here", psap.id)),
            );
        }
    }
}
