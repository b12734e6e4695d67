//! Renderers: the core computes a [`Report`](crate::check::Report); these print it.

pub mod human;
pub mod json;
pub mod whatif;

use crate::model::{Loc, Table};

/// "path:line:col" for a location.
pub fn place(table: &Table, loc: Loc) -> String {
    format!("{}:{}:{}", table.files[loc.file as usize].path, loc.line, loc.col)
}
