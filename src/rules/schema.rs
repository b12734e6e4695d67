use super::{Context, Finding, declare_rule};
use crate::load::ProblemKind;

declare_rule! {
    /// ## What it does
    /// Reports where a file breaks the table format (`psapguard schema` prints it as JSON
    /// Schema): an unknown field, a value of the wrong type, a missing required field, a
    /// value outside its allowed set, an invalid id.
    ///
    /// ## Why it matters
    /// Unknown fields are usually typos of real ones: `alternates:` instead of `alternate:`
    /// silently leaves a PSAP without its backup. psapguard refuses them and suggests the
    /// nearest known field.
    ///
    /// ## Example
    /// ```yaml
    /// version: 1
    /// psaps:
    ///   denver-911:
    ///     status: active
    ///     alternates: [aurora-911]   # unknown field; did you mean `alternate`?
    /// ```
    ///
    /// ## How to fix
    /// Change the key or value at the position shown. While any file has schema findings
    /// the routing analysis is skipped.
    pub struct Schema { name: "schema", severity: Error }
}

impl Schema {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for p in cx.problems_of(|k| *k == ProblemKind::Schema) {
            let entities = p.element.iter().cloned().collect();
            out.push(cx.finding(&Self::META, p.loc, p.message.clone(), entities, &[]));
        }
    }
}
