//! Writes the corpus (SPEC §10): `DIR/requests/NAME.xml` (the `findService` requests),
//! `DIR/expected/NAME.xml` (what the layers answer) and `DIR/index.csv` (one row per point:
//! name, location id, latitude, longitude, both files, the expected answer). A replay writes
//! each answer to `responses/NAME.xml`; the names pair them even where `<locationUsed>` is
//! missing (an `<errors>` answer has none).
//!
//! It writes only inside `--out`, which it creates or which must be an empty directory (not
//! a link): every file is created new, so nothing planted there is followed or overwritten.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use super::{Answer, Case, xml};

/// The index's columns.
pub const INDEX_HEADER: &str = "name,location_id,lat,lon,request,expected,expected_uri,expected_source_id";

/// Cases turned into XML at once: bounds the memory of a national export.
const CHUNK: usize = 16_384;

/// What an export wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub points: usize,
    pub mappings: usize,
    pub not_found: usize,
    pub not_implemented: usize,
}

/// Writes the corpus into `out`.
pub fn write(out: &Path, cases: &[Case]) -> Result<Written, crate::error::Error> {
    write_corpus(out, cases).map_err(crate::error::Error::Output)
}

fn write_corpus(out: &Path, cases: &[Case]) -> Result<Written, String> {
    prepare(out)?;
    let shown = out.display().to_string();
    let cannot = |what: &str, e: std::io::Error| {
        format!(
            "cannot write {what} in {}: {}",
            crate::escape::short(&shown, 200),
            crate::load::plain_io(&e)
        )
    };
    for sub in ["requests", "expected"] {
        std::fs::create_dir(out.join(sub)).map_err(|e| cannot(sub, e))?;
    }
    let names = names(cases);
    let mut index = String::with_capacity(cases.len() * 160);
    index.push_str(INDEX_HEADER);
    index.push('\n');
    let mut written = Written::default();
    for (chunk, chunk_names) in cases.chunks(CHUNK).zip(names.chunks(CHUNK)) {
        let documents: Vec<(String, String)> = chunk
            .par_iter()
            .map(|case| (xml::request(case), xml::response(case)))
            .collect();
        for ((case, name), (request, response)) in chunk.iter().zip(chunk_names).zip(documents) {
            let request_path = format!("requests/{name}.xml");
            let expected_path = format!("expected/{name}.xml");
            create(&out.join(&request_path), request.as_bytes()).map_err(|e| cannot(&request_path, e))?;
            create(&out.join(&expected_path), response.as_bytes()).map_err(|e| cannot(&expected_path, e))?;
            let (uris, sources) = match &case.answer {
                Answer::Mappings(m) => {
                    written.mappings += 1;
                    let join = |f: fn(&super::Mapping) -> &str| m.iter().map(f).collect::<Vec<_>>().join(";");
                    (join(|m| &m.uri), join(|m| &m.source_id))
                }
                Answer::NotFound => {
                    written.not_found += 1;
                    ("notFound".to_string(), String::new())
                }
                Answer::ServiceNotImplemented => {
                    written.not_implemented += 1;
                    ("serviceNotImplemented".to_string(), String::new())
                }
            };
            let row = [
                name.as_str(),
                &case.point.id,
                &case.point.lat.to_string(),
                &case.point.lon.to_string(),
                &request_path,
                &expected_path,
                // Escaped: a line break from a layer's field would split the row.
                &crate::escape::inert(&uris),
                &crate::escape::inert(&sources),
            ];
            let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
            index.push_str(&cells.join(","));
            index.push('\n');
        }
    }
    written.points = cases.len();
    create(&out.join("index.csv"), index.as_bytes()).map_err(|e| cannot("index.csv", e))?;
    Ok(written)
}

/// `--out` must be new (its parent existing) or an empty directory, and not a link.
fn prepare(out: &Path) -> Result<(), String> {
    let shown = crate::escape::short(&out.display().to_string(), 200);
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "--out {shown} is a link; give a new directory or an empty one (psapguard does not write through links)"
        )),
        Ok(m) if !m.is_dir() => Err(format!("--out {shown} exists and is not a directory")),
        Ok(_) => {
            let mut entries = std::fs::read_dir(out)
                .map_err(|e| format!("cannot read --out {shown}: {}", crate::load::plain_io(&e)))?;
            match entries.next() {
                None => Ok(()),
                Some(_) => Err(format!(
                    "--out {shown} is not empty; give a new directory or an empty one (an export never overwrites)"
                )),
            }
        }
        Err(_) => {
            std::fs::create_dir(out).map_err(|e| format!("cannot create --out {shown}: {}", crate::load::plain_io(&e)))
        }
    }
}

/// A file created new: an existing file or link at the path is an error, never followed.
fn create(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)
}

/// File names: a sequence number (unique, in corpus order, and the same on file systems that
/// ignore case) and the location id made safe for a file name.
pub fn names(cases: &[Case]) -> Vec<String> {
    let width = cases.len().to_string().len().max(6);
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let safe: String = c
                .point
                .id
                .chars()
                .take(80)
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || "-_.".contains(ch) {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("{:0width$}_{safe}", i + 1)
        })
        .collect()
}

/// A CSV cell (RFC 4180 quoting). A cell a spreadsheet would run as a formula gets a leading
/// `'` (a minus sign is left alone: longitudes west of Greenwich begin with one).
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The cells of one line of the index (RFC 4180; the export's own quoting).
pub fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().expect("a cell").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().expect("a cell").push(c),
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_and_formulas_are_defused() {
        for s in ["plain", "a,b", "say \"hi\"", "-97.3", "=cmd()"] {
            let cell = csv_cell(s);
            let back = &csv_cells(&cell)[0];
            if s.starts_with('=') {
                assert_eq!(back, &format!("'{s}"));
            } else {
                assert_eq!(back, s);
            }
        }
        assert_eq!(csv_cells("a,\"b,c\",d"), ["a", "b,c", "d"]);
    }
}
