use super::{Finding, Policies, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a known variant of NENA's policy schema that psapguard reads as the standard
    /// form: `dateStop` for a `TimePeriodCondition`'s `dateEnd`, an `actionType` in another
    /// letter case (`routeAction`), the `NormalHextHopCondition` spelling, and a
    /// `LocationCondition`'s `location` or an `SdpOfferCondition` preference's `langList`
    /// given as an array. These come from Ng911Lib and from conformance-test fixtures.
    ///
    /// ## Why it matters
    /// NENA's schema (`i3-policy-store.yaml`) is what a conforming ESRP reads. Another ESRP, or
    /// the next software release, may not accept the variant and drop the condition or the
    /// whole policy, changing where calls go.
    ///
    /// ## Example
    /// ```json
    /// { "actions": [ { "actionType": "routeAction", "recipientUri": "sip:psap@butler.ks.us" } ] }
    /// ```
    ///
    /// ## How to fix
    /// Write the standard form: `dateEnd`, `RouteAction`, `NormalNextHopCondition`, a single
    /// `location` object, a comma-separated `langList`.
    pub struct PolicyNonstandard { name: "policy-nonstandard", severity: Warning }
}

impl PolicyNonstandard {
    pub(super) fn run(cx: &Policies<'_>, out: &mut Vec<Finding>) {
        for file in &cx.table.policy_files {
            for variant in &file.variants {
                let message = format!("the policy file {} uses {}", file.shown, variant.message);
                let f = cx
                    .finding(&Self::META, variant.at.loc, message, vec![file.shown.clone()], &[])
                    .at_spot(&variant.at);
                out.push(f);
            }
        }
    }
}
