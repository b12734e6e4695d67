//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

use serde_json::{Value, json};

use super::Output;
use crate::model::{Loc, Table};
use crate::rules::{Finding, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn location(table: &Table, loc: Loc, message: Option<&str>) -> Value {
    let mut v = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": table.files[loc.file as usize].path.replace('\\', "/") },
            "region": { "startLine": loc.line.max(1), "startColumn": loc.col.max(1) }
        }
    });
    if let Some(m) = message {
        v["message"] = json!({ "text": m });
    }
    v
}

/// A GIS finding: the layer file as the artifact, the feature as a logical location.
fn feature_location(p: &crate::model::Place) -> Value {
    let mut v = json!({ "physicalLocation": { "artifactLocation": { "uri": p.file.replace('\\', "/") } } });
    let mut names: Vec<String> = p.layer.iter().cloned().collect();
    names.extend(p.feature.clone());
    if !names.is_empty() {
        let kind = if p.feature.is_some() { "object" } else { "module" };
        v["logicalLocations"] = json!([{ "name": names.last(), "fullyQualifiedName": names.join("/"), "kind": kind }]);
    }
    if let Some(point) = p.point {
        v["properties"] = json!({ "lat": point[1], "lon": point[0] });
    }
    v
}

fn result(table: &Table, f: &Finding, rule_index: usize) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": f.message },
        "partialFingerprints": { "psapguard/v1": f.identity().fingerprint() },
        "properties": { "entities": f.entities, "affectedOrigins": f.affected.len(), "population": f.population },
    });
    if let Some(loc) = f.location {
        let mut at = location(table, loc, None);
        // Inside a JWS the region is the payload's: the pointer says where in it (SPEC §9).
        if let Some(pointer) = &f.pointer {
            at["logicalLocations"] = json!([{ "name": pointer, "fullyQualifiedName": pointer, "kind": "object" }]);
            at["properties"] = json!({ "pointer": pointer });
        }
        r["locations"] = json!([at]);
    } else if let Some(p) = &f.place {
        r["locations"] = json!([feature_location(p)]);
    }
    if !f.related.is_empty() {
        let related: Vec<Value> = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                let mut v = location(table, rel.loc, Some(&rel.message));
                v["id"] = json!(i);
                v
            })
            .collect();
        r["relatedLocations"] = Value::Array(related);
    }
    if let Some(s) = &f.scenario {
        r["properties"]["scenario"] = json!(s.to_string());
    }
    if let Some(new) = f.new {
        r["baselineState"] = json!(if new == crate::finding::Novelty::New {
            "new"
        } else {
            "unchanged"
        });
    }
    if f.waived {
        let justification = f
            .waiver
            .as_ref()
            .map_or_else(|| "waived in the routing table".to_string(), |w| w.words());
        r["suppressions"] = json!([{ "kind": "inSource", "justification": justification }]);
    }
    r
}

pub fn render(out: &Output<'_>) -> String {
    let metas = out.report.rules_run();
    let rules: Vec<Value> = metas
        .iter()
        .map(|m| {
            json!({
                "id": m.name,
                "name": m.name,
                "shortDescription": { "text": m.summary().split_whitespace().collect::<Vec<_>>().join(" ") },
                "fullDescription": { "text": m.summary().split_whitespace().collect::<Vec<_>>().join(" ") },
                "help": { "text": crate::explain::page(m), "markdown": crate::explain::page(m) },
                "defaultConfiguration": { "level": level(m.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = out
        .report
        .findings
        .iter()
        .map(|f| result(out.table, f, metas.iter().position(|m| m.name == f.rule).unwrap_or(0)))
        .collect();
    let mut doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "psapguard",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/psapguard/psapguard",
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }]
    });
    let skipped = out.report.skipped_routing.iter().map(|note| ("warning", note));
    let notifications: Vec<_> = skipped
        .chain(out.report.notes.iter().map(|note| ("note", note)))
        .map(|(level, note)| json!({ "level": level, "message": { "text": note } }))
        .collect();
    if !notifications.is_empty() {
        doc["runs"][0]["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": notifications,
        }]);
    }
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}
