//! Baselines: adopting psapguard on a table that already has findings. `check
//! --write-baseline FILE` records today's findings by the identity `diff` uses (the rule and the
//! set of the finding's elements, SPEC §2 — line shifts and entity order do not change it);
//! `check --baseline FILE` reports them as known, fails only on new ones, and lists those that
//! are gone so the baseline can shrink. This module reads and writes the file; the check
//! pipeline applies it ([`crate::check::check_against`]).

use std::path::Path;

use serde_json::{Value, json};

use crate::check::{Baseline, Report};
use crate::error::Error;
use crate::finding::Identity;

/// The baseline file of `report`'s findings (waived ones too: they are known).
pub fn render(report: &Report) -> String {
    let mut entries: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let id = f.identity();
            json!({ "rule": id.rule, "entities": id.entities, "message": f.message })
        })
        .collect();
    entries.sort_by_key(|e| e.to_string());
    entries.dedup();
    let doc = json!({ "tool": "psapguard", "baseline": 1, "findings": entries });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}

/// Reads a baseline file.
pub fn read(path: &Path) -> Result<Baseline, Error> {
    let shown = crate::escape::short(&path.display().to_string(), 200);
    let text = crate::model::open_regular(path)
        .and_then(|f| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::Read::take(f, 256 << 20), &mut text)
                .map(|_| text)
                .map_err(|e| crate::model::plain_io(&e))
        })
        .map_err(|e| {
            Error::Input(format!(
                "cannot read the baseline {shown}: {}",
                e.trim_start_matches("cannot be read: ")
            ))
        })?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Input(format!("the baseline {shown} is not a psapguard baseline: {e}")))?;
    let Some(entries) = doc["findings"].as_array().filter(|_| doc["baseline"] == 1) else {
        return Err(Error::Input(format!(
            "the baseline {shown} is not a psapguard baseline (no \"baseline\": 1 and \"findings\")"
        )));
    };
    let findings = entries
        .iter()
        .filter_map(|e| {
            let rule = e["rule"].as_str()?;
            let entities: Vec<String> = e["entities"]
                .as_array()?
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            Some((
                Identity::new(rule, &entities),
                e["message"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect();
    Ok(Baseline { findings })
}
