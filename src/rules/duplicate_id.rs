use super::{Context, Finding, declare_rule};
use crate::load::ProblemKind;

declare_rule! {
    /// ## What it does
    /// Reports an id defined twice, in one section, across sections or across files.
    ///
    /// ## Why it matters
    /// Every reference names an element by id. With two definitions, which one a router's
    /// rule reaches depends on load order; psapguard uses the first and ignores the second,
    /// so the second definition's edits have no effect.
    ///
    /// ## Example
    /// ```yaml
    /// # psaps.yaml
    /// psaps:
    ///   denver-911: { status: active }
    /// # more.yaml
    /// psaps:
    ///   denver-911: { status: standby }
    /// ```
    ///
    /// ## How to fix
    /// Rename one of them, or delete the stale copy.
    pub struct DuplicateId { name: "duplicate-id", severity: Error }
}

impl DuplicateId {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for p in cx.problems.iter() {
            let ProblemKind::DuplicateId { first } = p.kind else {
                continue;
            };
            let entities = p.element.iter().cloned().collect();
            out.push(
                cx.finding(&Self::META, p.loc, p.message.clone(), entities, &[])
                    .related(first, "first defined here"),
            );
        }
    }
}
