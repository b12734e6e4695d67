use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a waiver that covers no finding: the rule it names found nothing about its
    /// element in this run. Judged only for rules that ran (not for rules turned off, not for
    /// routing rules when the analysis was skipped, not for `diff`-only rules in `check`). An
    /// expired waiver is not reported here: the finding it no longer covers says so.
    ///
    /// ## Why it matters
    /// A waiver is an accepted risk with a reason. Once the risk is gone the waiver stays
    /// behind, and it will silently accept the same finding when someone reintroduces the
    /// problem: a PSAP homed on one facility again, under a waiver written for last year's.
    ///
    /// ## Example
    /// ```yaml
    /// routers:
    ///   esrp-den:
    ///     mate: [esrp-cos]            # the second facility is in now
    ///     waivers:
    ///       - { rule: single-point-of-failure, reason: second trunk group on order }
    /// ```
    ///
    /// ## How to fix
    /// Remove the waiver. If it guards a finding that only some runs produce, give it an
    /// `expires` date and let it lapse.
    pub struct UnusedWaiver { name: "unused-waiver", severity: Warning }
}
