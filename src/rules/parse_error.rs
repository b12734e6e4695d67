use super::{Context, Finding, declare_rule};
use crate::load::ProblemKind;

declare_rule! {
    /// ## What it does
    /// Reports a file that cannot be read as YAML: a syntax error, text that is not UTF-8, a
    /// file over the size limit, nesting deeper than 64 levels, or aliases that expand past
    /// the alias limit.
    ///
    /// ## Why it matters
    /// A routing table that the switch cannot load is a table that routes nothing. The limits
    /// keep a hostile or corrupted file (an alias bomb, a binary blob) from exhausting the
    /// machine that checks it.
    ///
    /// ## Example
    /// ```yaml
    /// version: 1
    /// psaps:
    ///   denver-911: { name: Denver 911
    /// ```
    ///
    /// ## How to fix
    /// Correct the YAML at the line shown. While any file has a parse error the routing
    /// analysis is skipped: its results would be noise.
    pub struct ParseError { name: "parse-error", severity: Error }
}

impl ParseError {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for p in cx.problems_of(|k| *k == ProblemKind::Parse) {
            let file = cx.table.files[p.loc.file as usize].path.clone();
            out.push(cx.finding(&Self::META, p.loc, p.message.clone(), vec![file], &[]));
        }
    }
}
