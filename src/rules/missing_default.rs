use super::{Context, Finding, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a router without a `default`.
    ///
    /// ## Why it matters
    /// A call that matches none of the router's rules has nowhere to go and is lost. Today's
    /// origins may all match a rule, but the next new ESZ or cell sector will not, and its
    /// calls will be silently dropped.
    ///
    /// ## Example
    /// ```yaml
    /// routers:
    ///   esrp-den:
    ///     rules:
    ///       - match: { esn: [101] }
    ///         to: denver-911
    ///     # no default
    /// ```
    ///
    /// ## How to fix
    /// Add `default:` naming the PSAP (or router) that should take unmatched calls — usually
    /// the primary PSAP of the area the router serves.
    pub struct MissingDefault { name: "missing-default", severity: Error }
}

impl MissingDefault {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for r in cx
            .table
            .routers
            .iter()
            // A router with a `queue` is routed by its policies (SPEC §9), not by rules.
            .filter(|r| r.default.is_none() && r.queue.is_none() && !cx.broken(&r.id))
        {
            let n = r.rules.len();
            let rules = if n == 1 {
                "its 1 rule".to_string()
            } else {
                format!("its {n} rules")
            };
            let message = format!(
                "router {} has no `default`: a call that matches none of {rules} is lost",
                r.id
            );
            out.push(cx.finding(&Self::META, r.loc, message, vec![r.id.clone()], &[]));
        }
    }
}
