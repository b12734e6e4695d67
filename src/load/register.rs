//! What every input needs before it adds an element, whatever it was read from (YAML today;
//! GIS layers or importers later): a valid id, defined once across all sections and files.

use super::{Problem, ProblemKind};
use crate::model::{Loc, Table};

/// Whether `id`, written at `loc`, may name a new element of `table`: a problem when it is
/// not a valid id or is defined already.
pub fn admit(table: &Table, id: &str, loc: Loc) -> Result<(), Problem> {
    if !valid_id(id) {
        return Err(Problem {
            kind: ProblemKind::Schema,
            loc,
            element: Some(id.to_string()),
            message: format!("`{id}` is not a valid id: use letters, digits, '-', '_' and '.'"),
        });
    }
    if let Some(first) = table.lookup(id) {
        let what = first.kind_name();
        return Err(Problem {
            kind: ProblemKind::DuplicateId {
                first: table.element_loc(first),
            },
            loc,
            element: Some(id.to_string()),
            message: format!(
                "`{id}` is defined again; it is already a {what} (ids are unique across all sections and files)"
            ),
        });
    }
    Ok(())
}

/// Ids are letters, digits, `-`, `_` and `.`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}
