//! Reads a corpus ([`super::export`]) and the answers an ECRF gave to its requests, pairs
//! them (by `<locationUsed id>`, else by file name) and reports every difference as an
//! `ecrf-mismatch` finding.
//!
//! The answers are the server's (or whoever hands the files over): each is admitted like a
//! table file (SPEC §6: a regular file inside the directory given, links only when they
//! resolve inside it, within a size limit) and read by [`xml::parse_response`]'s limits. An
//! answer that is refused is a finding, never a reason to stop. A corpus that cannot be read
//! is (exit 2): without it nothing can be judged.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::export::{INDEX_HEADER, csv_cells};
use super::xml::{self, Answered, MAX_RESPONSE_BYTES};
use crate::finding::Finding;
use crate::rules::ecrf_mismatch::{EcrfMismatch, Exchange};

/// Largest index read (a national corpus of a million points is about 150 MB).
pub const MAX_INDEX_BYTES: u64 = 1 << 30;

/// The result of a comparison.
#[derive(Debug)]
pub struct Compared {
    pub findings: Vec<Finding>,
    /// Requests in the corpus.
    pub requests: usize,
    /// Answer files read (or refused).
    pub answers: usize,
}

/// One request of the corpus.
struct Request {
    name: String,
    id: String,
    point: Option<[f64; 2]>,
    request_file: String,
    expected: Answered,
}

/// One answer file.
struct Answer {
    file: String,
    read: Result<xml::Parsed, String>,
}

/// Compares the answers in `responses` with the corpus in `dir`; `today` (YYYY-MM-DD) judges
/// `expires`.
impl Compared {
    /// The report of a comparison, as `check` would give it: the rule's level from the
    /// configuration applied (off: no finding), sorted, summarised, judged by `check`'s gate.
    pub fn into_report(self, levels: &crate::finding::Levels) -> crate::check::Report {
        let meta = &crate::rules::ecrf_mismatch::EcrfMismatch::META;
        let mut findings = self.findings;
        match meta.level_in(levels) {
            None => findings.clear(),
            Some(severity) => findings.iter_mut().for_each(|f| f.severity = severity),
        }
        let table = crate::model::Table::default();
        let mut summary = crate::check::summarise(&table, &findings);
        summary.lost_answers = Some((self.requests, self.answers));
        let ran = if meta.level_in(levels).is_some() {
            vec![meta.name]
        } else {
            Vec::new()
        };
        crate::check::Report {
            findings,
            summary,
            skipped_routing: None,
            gone_since_baseline: None,
            gate: crate::finding::Gate::Check,
            ran,
            notes: Vec::new(),
            exploration: None,
        }
    }
}

pub fn compare(dir: &Path, responses: &Path, today: &str) -> Result<Compared, crate::error::Error> {
    compare_corpus(dir, responses, today).map_err(crate::error::Error::Input)
}

fn compare_corpus(dir: &Path, responses: &Path, today: &str) -> Result<Compared, String> {
    let requests = read_corpus(dir)?;
    let answers = read_answers(responses)?;
    let by_id: HashMap<&str, usize> = requests.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let by_name: HashMap<&str, usize> = requests.iter().enumerate().map(|(i, r)| (r.name.as_str(), i)).collect();
    let mut answer_of: Vec<Option<usize>> = vec![None; requests.len()];
    let mut unpaired = Vec::new();
    for (a, answer) in answers.iter().enumerate() {
        let stem = Path::new(&answer.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let by_location = answer
            .read
            .as_ref()
            .ok()
            .and_then(|p| p.location_used.as_deref())
            .and_then(|id| by_id.get(id));
        let paired = by_location
            .or_else(|| by_name.get(stem.as_str()))
            .or_else(|| by_id.get(stem.as_str()));
        match paired {
            Some(&r) if answer_of[r].is_none() => answer_of[r] = Some(a),
            _ => unpaired.push(a),
        }
    }
    let mut exchanges: Vec<Exchange<'_>> = requests
        .iter()
        .zip(&answer_of)
        .map(|(r, a)| {
            let answer = a.map(|a| &answers[a]);
            Exchange {
                location_id: &r.id,
                point: r.point,
                file: answer.map_or(&r.request_file, |a| &a.file),
                expected: Some(&r.expected),
                found: answer.map(|a| a.read.as_ref().map(|p| &p.found).map_err(String::as_str)),
            }
        })
        .collect();
    for &a in &unpaired {
        let answer = &answers[a];
        exchanges.push(Exchange {
            location_id: answer
                .read
                .as_ref()
                .ok()
                .and_then(|p| p.location_used.as_deref())
                .unwrap_or("(none)"),
            point: None,
            file: &answer.file,
            expected: None,
            found: Some(answer.read.as_ref().map(|p| &p.found).map_err(String::as_str)),
        });
    }
    let mut findings = Vec::new();
    EcrfMismatch::run(&exchanges, today, &mut findings);
    Ok(Compared {
        findings,
        requests: requests.len(),
        answers: answers.len(),
    })
}

/// The corpus's index and expected answers.
fn read_corpus(dir: &Path) -> Result<Vec<Request>, String> {
    let shown = |p: &Path| crate::escape::short(&p.display().to_string(), 200);
    let root = directory(dir, "the corpus")?;
    let not_corpus = |why: String| {
        format!(
            "{} is not a LoST corpus written by `psapguard lost export`: {why}",
            shown(dir)
        )
    };
    let index = read_inside(&root, &dir.join("index.csv"), MAX_INDEX_BYTES)
        .map_err(|why| not_corpus(format!("index.csv {why}")))?;
    let index = String::from_utf8(index).map_err(|_| not_corpus("index.csv is not UTF-8 text".into()))?;
    let mut lines = index.lines();
    if lines.next() != Some(INDEX_HEADER) {
        return Err(not_corpus("index.csv does not begin with its header".into()));
    }
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let cells = csv_cells(line);
        let bad = |what: &str| not_corpus(format!("index.csv line {} {what}", n + 2));
        let [name, id, lat, lon, ..] = cells.as_slice() else {
            return Err(bad("has fewer than four cells"));
        };
        // The export's names only: nothing in the index can point outside the corpus.
        let safe = !name.is_empty()
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !safe {
            return Err(bad("names a file the export does not write"));
        }
        let point = match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) if lat.is_finite() && lon.is_finite() => Some([lon, lat]),
            _ => return Err(bad("has no latitude and longitude")),
        };
        let expected_path = dir.join("expected").join(format!("{name}.xml"));
        let bytes = read_inside(&root, &expected_path, MAX_RESPONSE_BYTES)
            .map_err(|why| not_corpus(format!("expected/{name}.xml {why}")))?;
        let parsed = xml::parse_response(&bytes).map_err(|why| not_corpus(format!("expected/{name}.xml {why}")))?;
        out.push(Request {
            name: name.clone(),
            id: id.clone(),
            point,
            request_file: dir.join("requests").join(format!("{name}.xml")).display().to_string(),
            expected: parsed.found,
        });
    }
    Ok(out)
}

/// The `*.xml` files of the answers' directory, in name order, each read or refused.
fn read_answers(responses: &Path) -> Result<Vec<Answer>, String> {
    let root = directory(responses, "the answers")?;
    let entries = std::fs::read_dir(responses).map_err(|e| {
        format!(
            "cannot read {}: {}",
            crate::escape::short(&responses.display().to_string(), 200),
            crate::load::plain_io(&e)
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")))
        .collect();
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| Answer {
            file: path.display().to_string(),
            read: read_inside(&root, &path, MAX_RESPONSE_BYTES).and_then(|bytes| xml::parse_response(&bytes)),
        })
        .collect())
}

/// A directory given on the command line, as its real path (the root its files must stay in).
fn directory(path: &Path, what: &str) -> Result<PathBuf, String> {
    let shown = crate::escape::short(&path.display().to_string(), 200);
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            std::fs::canonicalize(path).map_err(|e| format!("cannot read {shown}: {}", crate::load::plain_io(&e)))
        }
        Ok(_) => Err(format!("{shown} is not a directory; give the directory of {what}")),
        Err(e) => Err(format!("cannot read {shown}: {}", crate::load::plain_io(&e))),
    }
}

/// A regular file inside `root` (a link only when it resolves inside), at most `max` bytes.
/// Err: why not, as the rest of a sentence that names the file.
fn read_inside(root: &Path, path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let real = std::fs::canonicalize(path).map_err(|e| format!("cannot be read: {}", crate::load::plain_io(&e)))?;
    if !real.starts_with(root) {
        return Err("is a link to a place outside its directory; it is not read".into());
    }
    let file = crate::model::open_regular(&real)?;
    let size = file
        .metadata()
        .map_err(|e| format!("cannot be read: {}", crate::load::plain_io(&e)))?
        .len();
    let too_big = |size: u64| {
        if max == MAX_RESPONSE_BYTES {
            xml::too_big(size)
        } else {
            format!("is {} MB; psapguard reads at most {} MB", size >> 20, max >> 20)
        }
    };
    if size > max {
        return Err(too_big(size));
    }
    // The size may change after it was asked: never read past the limit.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {}", crate::load::plain_io(&e)))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}
