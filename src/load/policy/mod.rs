//! Reading NENA i3 policy documents (SPEC §9): the files and directories a table's
//! `policies:` entries name, admitted like layer files (regular files inside the table's
//! root, the same size bound), each read by [`document`] into policies with their spots.

mod document;
mod json;

use std::path::{Path, PathBuf};

pub use document::read as read_document;

use crate::model::{Loc, PolicyFile, PolicyProblem, SourceFile, Spot, Table};

/// Most policy files a directory entry may hold: far above any Policy Store export (one
/// policy per ESRP and PSAP queue), and a bound on a hostile tree.
pub const MAX_POLICY_FILES: usize = 100_000;

/// Reads every `policies:` entry of the table from disk. `files[i]` is the real path and root
/// of table file `i` (None for standard input). Each policy file read becomes a source file
/// of the table, so findings point into it with a code frame.
pub fn read_policies(table: &mut Table, files: &[Option<(PathBuf, PathBuf)>]) {
    let sources = std::mem::take(&mut table.policy_sources);
    for source in &sources {
        let from = source.loc.file as usize;
        let declared_in = Path::new(&table.files[from].path)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let shown = declared_in.join(&source.file).to_string_lossy().into_owned();
        let Some(Some((real, root))) = files.get(from) else {
            unreadable(
                table,
                source.loc,
                &shown,
                "cannot be read: the table file naming it was read from standard input".into(),
            );
            continue;
        };
        let candidate = real.parent().unwrap_or(Path::new(".")).join(&source.file);
        let listed = super::admit::inside(root, &candidate).and_then(|admitted| list(root, &admitted, &candidate));
        let listed = match listed {
            Ok(listed) => listed,
            Err(why) => {
                unreadable(table, source.loc, &shown, why);
                continue;
            }
        };
        for (rel, real) in listed {
            let shown = if rel.as_os_str().is_empty() {
                shown.clone()
            } else {
                Path::new(&shown).join(&rel).to_string_lossy().into_owned()
            };
            let bytes = super::admit::open_regular(&real).and_then(|f| super::gis::read_bounded_as(f, too_big));
            match bytes {
                Ok(bytes) => {
                    let index = table.files.len() as u32;
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let mut file = read_document(index, &bytes);
                    file.shown = shown.clone();
                    file.declared = source.loc;
                    table.files.push(SourceFile::in_memory(shown, text));
                    table.policy_files.push(file);
                }
                Err(why) => unreadable(table, source.loc, &shown, why),
            }
        }
    }
    table.policy_sources = sources;
}

fn too_big(size: u64) -> String {
    format!(
        "is {} MB; psapguard reads policy files of at most {} MB",
        size >> 20,
        super::gis::MAX_LAYER_BYTES >> 20
    )
}

/// A policy file that cannot be read: its problem points at the `policies:` entry.
fn unreadable(table: &mut Table, declared: Loc, shown: &str, why: String) {
    table.policy_files.push(PolicyFile {
        shown: shown.to_string(),
        declared,
        signed: false,
        policies: Vec::new(),
        problems: vec![PolicyProblem {
            at: Spot {
                loc: declared,
                pointer: String::new(),
                in_payload: false,
            },
            message: format!("the policy file {shown} {why}"),
        }],
        variants: Vec::new(),
    });
}

/// The policy files an entry stands for: itself, or every `*.json` below the directory in
/// name order, each as (path below the entry, real path admitted inside the root).
fn list(root: &Path, admitted: &Path, given: &Path) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let meta = std::fs::metadata(admitted).map_err(|e| format!("cannot be read: {}", super::plain_io(&e)))?;
    if !meta.is_dir() {
        return Ok(vec![(PathBuf::new(), admitted.to_path_buf())]);
    }
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    // Real directories already listed: a link to an ancestor would list forever.
    let mut seen = std::collections::BTreeSet::from([admitted.to_path_buf()]);
    while let Some(rel) = pending.pop() {
        let dir = given.join(&rel);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot be read: {}", super::plain_io(&e)))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = rel.join(entry.file_name());
            // A link out of the tree is skipped, like a link in a table directory.
            let Ok(real) = super::admit::inside(root, &path) else {
                continue;
            };
            if real.is_dir() {
                if seen.insert(real) {
                    pending.push(rel);
                }
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
                out.push((rel, real));
            }
            if out.len() > MAX_POLICY_FILES {
                return Err(format!(
                    "holds more than {MAX_POLICY_FILES} policy files; psapguard reads at most that many"
                ));
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err("is a directory without *.json policy files".into());
    }
    Ok(out)
}
