use std::collections::BTreeMap;

use super::{DiffContext, Finding, ScenarioLabel, declare_rule};
use crate::model::{Element, PsapStatus};

declare_rule! {
    /// ## What it does
    /// Reported by `diff`: a PSAP that received calls under normal conditions before the
    /// change receives none after it, although it is still active.
    ///
    /// ## Why it matters
    /// A staffed centre whose phones go quiet is usually not a decision but an accident: a
    /// rule moved to the wrong router, a default overwritten. In 2020 a change while adding
    /// network elements silently cut NG911 service to PSAPs in seven states.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - match: { esn: ["500-509"] }
    ///     to: longmont-911          # was boulder-county; boulder-county now gets nothing
    /// ```
    ///
    /// ## How to fix
    /// Restore the routes to the PSAP, or, if it really is being retired, set its status
    /// to `standby` or `decommissioned` in the same change.
    pub struct PsapLostTraffic { name: "psap-lost-traffic", severity: Error }
}

impl PsapLostTraffic {
    /// Active PSAPs of the new table that received calls in the old one and receive none now.
    pub fn run(cx: &DiffContext<'_>, out: &mut Vec<Finding>) {
        let (old, oa) = (cx.old, cx.old_analysis);
        let mut had: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (c, t) in oa.normal.iter().enumerate() {
            if let Some(p) = t.delivered_to() {
                let origins = &oa.classes[c].origins;
                had.entry(old.psaps[p as usize].id.as_str())
                    .or_default()
                    .extend(origins.iter());
            }
        }
        let mut receives = vec![false; cx.table.psaps.len()];
        for p in cx.analysis.normal.iter().filter_map(|t| t.delivered_to()) {
            receives[p as usize] = true;
        }
        for (id, origins) in had {
            let Some(Element::Psap(p)) = cx.table.lookup(id) else {
                continue;
            };
            let psap = &cx.table.psaps[p as usize];
            if receives[p as usize] || psap.status != PsapStatus::Active {
                continue;
            }
            // The origins are the old table's: name and weigh them there.
            let mut before: Vec<String> = origins
                .iter()
                .map(|&o| old.origins[o as usize].id.to_string())
                .collect();
            before.sort();
            let message = format!(
                "active PSAP {} received the calls of {} before this change and receives none after it",
                psap.id,
                crate::finding::plural(before.len(), "origin")
            );
            let mut f = cx
                .finding(&Self::META, psap.loc, message, vec![psap.id.clone()], &[])
                .scenario(ScenarioLabel::Normal);
            f.population = origins.iter().map(|&o| old.population(o)).sum();
            f.affected = before;
            out.push(f);
        }
    }
}
