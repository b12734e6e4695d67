//! Reading NENA i3 policy documents (SPEC §9): the files and directories a table's
//! `policies:` entries name, admitted like layer files (regular files inside the table's
//! root, the same size bound, from the disk or a git revision), each read by [`document`]
//! into policies with their spots.

mod document;
mod json;

use std::path::Path;

pub use document::read as read_document;

use super::gis::{LayerFiles, OnDisk};
use crate::model::{Loc, PolicyFile, PolicyProblem, SourceFile, Spot, Table};

/// Reads every `policies:` entry of the table through `files` (the disk, or a git revision
/// for `diff --base`: one reader for both sides). Each policy file read becomes a source
/// file of the table, so findings point into it with a code frame.
pub fn read_policies(table: &mut Table, files: &dyn LayerFiles) {
    let sources = std::mem::take(&mut table.policy_sources);
    for source in &sources {
        let from = source.loc.file;
        let declared_in = Path::new(&table.files[from as usize].path)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let shown = declared_in.join(&source.file).to_string_lossy().into_owned();
        let listed = match files.list(from, &source.file, "json") {
            Ok(listed) if listed.is_empty() => Err("is a directory without *.json policy files".to_string()),
            listed => listed,
        };
        let listed = match listed {
            Ok(listed) => listed,
            Err(why) => {
                unreadable(table, source.loc, &shown, why);
                continue;
            }
        };
        for below in listed {
            let (rel, shown) = if below.as_os_str().is_empty() {
                (source.file.clone(), shown.clone())
            } else {
                (
                    Path::new(&source.file).join(&below).to_string_lossy().into_owned(),
                    Path::new(&shown).join(&below).to_string_lossy().into_owned(),
                )
            };
            match files.read_source(from, &rel, too_big) {
                Ok((bytes, on_disk)) => {
                    let index = table.files.len() as u32;
                    let mut file = read_document(index, &bytes);
                    file.shown = shown.clone();
                    file.declared = source.loc;
                    table.files.push(source_file(shown, on_disk, &bytes));
                    table.policy_files.push(file);
                }
                Err(why) => unreadable(table, source.loc, &shown, why),
            }
        }
    }
    table.policy_sources = sources;
}

/// A policy file as a source of code frames. Like a table file, its text is read again from
/// disk when a frame needs it (a national store is thousands of policies, not kept twice);
/// text that is not UTF-8, or a file whose size changed while it was read, is kept as read.
fn source_file(shown: String, on_disk: Option<OnDisk>, bytes: &[u8]) -> SourceFile {
    match on_disk {
        Some((real, Some(stamp))) if stamp.0 == bytes.len() as u64 && std::str::from_utf8(bytes).is_ok() => {
            SourceFile::on_disk(shown, real, Some(stamp))
        }
        _ => SourceFile::in_memory(shown, String::from_utf8_lossy(bytes).into_owned()),
    }
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
