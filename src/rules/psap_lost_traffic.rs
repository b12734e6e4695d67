use super::{Context, Finding, declare_rule};

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
    pub struct PsapLostTraffic { name: "psap-lost-traffic", severity: Error, routing: true }
}

impl PsapLostTraffic {
    /// `psap` (in the new table) had the calls of `origins` (old-table origin ids) before.
    pub fn finding(cx: &Context<'_>, psap: u32, before: &[String], population: u64) -> Finding {
        let p = &cx.table.psaps[psap as usize];
        let message = format!(
            "active PSAP {} received the calls of {} origins before this change and receives none after it",
            p.id,
            before.len()
        );
        let mut f = cx
            .finding(&Self::META, p.loc, message, vec![p.id.clone()], &[])
            .scenario("normal");
        f.affected = before.to_vec();
        f.population = population;
        f
    }
}
