//! `--format json`: exactly SPEC.md §5.

use serde_json::{Map, Value, json};

use crate::check::Summary;
use crate::model::{Loc, Table};
use crate::rules::Finding;

fn location(table: &Table, loc: Option<Loc>) -> Value {
    match loc {
        Some(l) => json!({ "file": table.files[l.file as usize].path, "line": l.line, "column": l.col }),
        None => Value::Null,
    }
}

pub fn finding(table: &Table, f: &Finding) -> Value {
    let mut m = Map::new();
    m.insert("rule".into(), json!(f.rule));
    m.insert("severity".into(), json!(f.severity.name()));
    m.insert("waived".into(), json!(f.waived));
    if let Some(w) = &f.waiver {
        m.insert("waiver".into(), json!({ "reason": w.reason, "expires": w.expires }));
    }
    m.insert("message".into(), json!(f.message));
    m.insert("scenario".into(), json!(f.scenario.as_ref().map(|s| s.to_string())));
    m.insert("entities".into(), json!(f.entities));
    m.insert("affected".into(), json!(f.affected));
    m.insert("population".into(), json!(f.population));
    let at = match &f.place {
        Some(p) => {
            json!({ "file": p.file, "layer": p.layer, "feature": p.feature, "lat": p.point.map(|x| x[1]), "lon": p.point.map(|x| x[0]) })
        }
        None => {
            let mut at = location(table, f.location);
            if let (Some(pointer), Value::Object(m)) = (&f.pointer, &mut at) {
                m.insert("pointer".into(), json!(pointer));
            }
            at
        }
    };
    m.insert("location".into(), at);
    let related: Vec<Value> = f
        .related
        .iter()
        .map(|r| {
            let mut v = location(table, Some(r.loc));
            v["message"] = json!(r.message);
            v
        })
        .collect();
    m.insert("related".into(), Value::Array(related));
    if let Some(new) = f.new {
        m.insert("new".into(), json!(new == crate::finding::Novelty::New));
    }
    Value::Object(m)
}

pub fn summary(s: &Summary) -> Value {
    let mut v = json!({ "errors": s.errors, "warnings": s.warnings, "waived": s.waived, "origins": s.origins, "psaps": s.psaps, "routers": s.routers });
    if s.expiring_waivers > 0 {
        v["expiring_waivers"] = json!(s.expiring_waivers);
    }
    if let Some((requests, answers)) = s.lost_answers {
        v["lost"] = json!({ "requests": requests, "answers": answers });
    }
    v
}

/// The whole report (SPEC §5); `changes` and `fixed` only for `diff`.
pub fn render(out: &super::Output<'_>) -> String {
    let (table, report) = (out.table, out.report);
    let findings: Vec<Value> = report.findings.iter().map(|f| finding(table, f)).collect();
    let mut doc = json!({
        "tool": "psapguard",
        "version": env!("CARGO_PKG_VERSION"),
        "format": 1,
        "findings": findings,
    });
    if let Some(d) = out.diff {
        doc["changes"] = d
            .changes
            .iter()
            .map(|c| {
                let mut change = json!({ "scenario": c.scenario.to_string(), "origin": c.origin, "before": c.before, "after": c.after, "population": c.population });
                // Only a kind of call other than the usual one is named (SPEC §9).
                if let Some(calls) = &c.calls {
                    change["calls"] = json!(calls);
                }
                change
            })
            .collect();
        let one_sided = |list: &[crate::diff::Change]| -> Value {
            list.iter()
                .map(|c| json!({ "origin": c.origin, "psap": c.before.as_ref().or(c.after.as_ref()), "population": c.population }))
                .collect()
        };
        doc["origins_removed"] = one_sided(&d.removed_origins);
        doc["origins_added"] = one_sided(&d.added_origins);
        doc["fixed"] = d
            .fixed
            .iter()
            .map(|f| json!({ "rule": f.rule, "entities": f.entities, "message": f.message }))
            .collect();
        let b = &d.boundaries;
        doc["boundary_changes"] = b
            .changes
            .iter()
            .map(|c| json!({ "origin": c.origin, "before": c.before, "after": c.after, "population": c.population }))
            .collect();
        if !b.added.is_empty() || !b.removed.is_empty() || !b.changed.is_empty() {
            let area: Vec<Value> = b
                .area
                .iter()
                .map(|a| json!({ "from": a.from, "to": a.to, "km2": (a.km2 * 1000.0).round() / 1000.0 }))
                .collect();
            doc["boundary_features"] =
                json!({ "added": b.added, "removed": b.removed, "changed": b.changed, "area_moved": area });
        }
        doc["policy_changes"] = d
            .policies
            .iter()
            .map(|p| json!({ "policy": p.policy, "rule": p.rule, "change": p.change.name(), "diff": p.diff }))
            .collect();
        doc["added_waivers"] = d
            .added_waivers
            .iter()
            .map(|w| json!({ "element": w.element, "rule": w.rule, "reason": w.reason, "expires": w.expires }))
            .collect();
    }
    if let Some(note) = &report.skipped_routing {
        doc["note"] = json!(note);
    }
    if !report.notes.is_empty() {
        doc["notes"] = json!(report.notes);
    }
    if let Some(gone) = &report.gone_since_baseline {
        doc["fixed"] = gone
            .iter()
            .map(|(rule, message)| json!({ "rule": rule, "message": message }))
            .collect();
    }
    doc["summary"] = summary(&report.summary);
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values always serialise");
    s.push('\n');
    s
}
