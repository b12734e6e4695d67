//! Baselines: adopting psapguard on a table that already has findings. `check
//! --write-baseline FILE` records today's findings by the identity `diff` uses (the rule and the
//! set of the finding's elements, SPEC §2 — line shifts and entity order do not change it);
//! `check --baseline FILE` reports them as known, fails only on new ones, and lists those that
//! are gone so the baseline can shrink.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::check::Report;
use crate::finding::Novelty;

/// A finding's identity: its rule and the sorted set of its elements.
fn identity(rule: &str, entities: &[String]) -> (String, Vec<String>) {
    let mut set = entities.to_vec();
    set.sort();
    set.dedup();
    (rule.to_string(), set)
}

/// The baseline file of `report`'s findings (waived ones too: they are known).
pub fn render(report: &Report) -> String {
    let mut entries: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let (rule, entities) = identity(f.rule, &f.entities);
            json!({ "rule": rule, "entities": entities, "message": f.message })
        })
        .collect();
    entries.sort_by_key(|e| e.to_string());
    entries.dedup();
    let doc = json!({ "tool": "psapguard", "baseline": 1, "findings": entries });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}

/// Marks the findings the baseline knows as pre-existing and the others as new, and records
/// the baseline's findings this run no longer has.
pub fn apply(path: &Path, report: &mut Report) -> Result<(), String> {
    let shown = path.display();
    let text = crate::model::open_regular(path)
        .and_then(|f| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::Read::take(f, 256 << 20), &mut text)
                .map(|_| text)
                .map_err(|e| crate::model::plain_io(&e))
        })
        .map_err(|e| {
            format!(
                "cannot read the baseline {shown}: {}",
                e.trim_start_matches("cannot be read: ")
            )
        })?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("the baseline {shown} is not a psapguard baseline: {e}"))?;
    let Some(entries) = doc["findings"].as_array().filter(|_| doc["baseline"] == 1) else {
        return Err(format!(
            "the baseline {shown} is not a psapguard baseline (no \"baseline\": 1 and \"findings\")"
        ));
    };
    let known: Vec<((String, Vec<String>), String)> = entries
        .iter()
        .filter_map(|e| {
            let rule = e["rule"].as_str()?;
            let entities: Vec<String> = e["entities"]
                .as_array()?
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            Some((
                identity(rule, &entities),
                e["message"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect();
    let mut seen: HashSet<(String, Vec<String>)> = HashSet::new();
    for f in &mut report.findings {
        let id = identity(f.rule, &f.entities);
        let old = known.iter().any(|(k, _)| *k == id);
        f.new = Some(if old { Novelty::PreExisting } else { Novelty::New });
        seen.insert(id);
    }
    report.gone_since_baseline = Some(
        known
            .into_iter()
            .filter(|(id, _)| !seen.contains(id))
            .map(|((rule, _), message)| (rule, message))
            .collect(),
    );
    Ok(())
}
