//! Every rule fires on its `fixtures/<rule>/trigger*` tables and stays silent on `ok*`.
//! The full JSON report of each fixture is snapshot-tested (entities, affected, lines).

use std::path::{Path, PathBuf};

use psapguard::check::check;
use psapguard::finding::Levels;
use psapguard::rules::Settings;

fn settings() -> Settings {
    Settings {
        today: "2026-01-01".into(),
        ..Settings::default()
    }
}

/// Fixture tables: the files and directories directly inside each rule's folder.
fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut rules: Vec<_> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    rules.sort();
    for dir in rules {
        let rule = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut tables: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        tables.sort();
        out.extend(tables.into_iter().map(|t| (rule.clone(), t)));
    }
    out
}

/// Diff rules' fixtures are folders holding old.yaml and new.yaml.
fn diff_json(dir: &Path, rule: &str) -> (serde_json::Value, String) {
    use psapguard::config::Limit;
    let old = psapguard::load::load(&[dir.join("old.yaml")]).unwrap();
    let new = psapguard::load::load(&[dir.join("new.yaml")]).unwrap();
    let limits = if rule == "blast-radius" {
        psapguard::diff::Limits::default()
    } else {
        psapguard::diff::Limits {
            origins: Limit::Percent(100.0),
            population: Limit::Percent(100.0),
        }
    };
    let before = psapguard::diff::Before::new(old, &settings(), &Levels::new());
    let (report, diff, _) = psapguard::diff::diff(&before, &new, &settings(), &Levels::new(), limits);
    let fails = psapguard::diff::fails(&report, false);
    let out = psapguard::report::Output {
        table: &new.table,
        report: &report,
        diff: Some(&diff),
        fails,
        pictures: None,
    };
    let text = psapguard::report::json::render(&out);
    (serde_json::from_str(&text).unwrap(), text)
}

/// Configuration rules' fixtures are folders holding old.toml (the base's psapguard.toml)
/// and new.toml (the change's).
fn config_json(dir: &Path) -> (serde_json::Value, String) {
    let gate = |name: &str| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        psapguard::config::parse(&path, &text).unwrap().gate(true)
    };
    let rules: Vec<_> = psapguard::rules::all_meta().collect();
    let finding = psapguard::rules::gate_weakened::GateWeakened::run(&gate("old.toml"), &gate("new.toml"), &rules);
    let findings: Vec<serde_json::Value> = finding
        .iter()
        .map(|f| serde_json::json!({ "rule": f.rule, "severity": f.severity.name(), "message": f.message, "entities": f.entities }))
        .collect();
    let errors = findings.len();
    let v = serde_json::json!({ "findings": findings, "summary": { "errors": errors } });
    let text = serde_json::to_string_pretty(&v).unwrap() + "\n";
    (v, text)
}

/// LoST rules' fixtures are folders holding `corpus/` (as `lost export` wrote it) and
/// `responses/` (an ECRF's answers).
fn lost_json(dir: &Path) -> (serde_json::Value, String) {
    let compared =
        psapguard::lost::compare::compare(&dir.join("corpus"), &dir.join("responses"), "2026-01-01").unwrap();
    let table = psapguard::model::Table::default();
    let mut summary = psapguard::check::summarise(&table, &compared.findings);
    summary.lost_answers = Some((compared.requests, compared.answers));
    let report = psapguard::check::Report {
        findings: compared.findings,
        summary,
        skipped_routing: None,
        gone_since_baseline: None,
    };
    let text = psapguard::report::json::render(&psapguard::report::Output::check(&table, &report));
    (serde_json::from_str(&text).unwrap(), text)
}

fn is_config_rule(rule: &str) -> bool {
    psapguard::rules::CONFIG_RULES.iter().any(|m| m.name == rule)
}

/// The report of one fixture, however its rule reads it.
fn fixture_json(rule: &str, table: &Path) -> (serde_json::Value, String) {
    if is_config_rule(rule) {
        config_json(table)
    } else if psapguard::rules::LOST_RULES.iter().any(|m| m.name == rule) {
        lost_json(table)
    } else if is_diff_rule(rule) {
        diff_json(table, rule)
    } else {
        report_json(table)
    }
}

fn is_diff_rule(rule: &str) -> bool {
    psapguard::rules::DIFF_RULES.iter().any(|r| r.meta().name == rule)
}

fn report_json(path: &Path) -> (serde_json::Value, String) {
    let loaded = psapguard::load::load(&[path.to_path_buf()]).expect("fixture loads");
    let (report, _) = check(&loaded, &settings(), &Levels::new());
    let out = psapguard::report::Output::check(&loaded.table, &report);
    let text = psapguard::report::json::render(&out);
    (serde_json::from_str(&text).unwrap(), text)
}

#[test]
fn every_rule_has_trigger_and_ok_fixtures() {
    let all = fixtures();
    for meta in psapguard::rules::all_meta() {
        let of_rule: Vec<_> = all.iter().filter(|(r, _)| r == meta.name).collect();
        let name = |t: &PathBuf| t.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            of_rule.iter().any(|(_, t)| name(t).starts_with("trigger")),
            "{} has no trigger fixture",
            meta.name
        );
        assert!(
            of_rule.iter().any(|(_, t)| name(t).starts_with("ok")),
            "{} has no ok fixture",
            meta.name
        );
    }
}

#[test]
fn rules_fire_on_triggers_and_not_on_near_misses() {
    for (rule, table) in fixtures() {
        if rule == "waivers" {
            continue;
        }
        let (json, text) = fixture_json(&rule, &table);
        let fired = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == rule.as_str());
        let name = table.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("trigger") {
            assert!(fired, "{rule} did not fire on {}", table.display());
        } else {
            assert!(!fired, "{rule} fired on near-miss {}:\n{text}", table.display());
        }
        let snap = table.display().to_string().replace(['/', '.'], "_");
        insta::assert_snapshot!(snap, text);
    }
}

#[test]
fn near_misses_are_clean_apart_from_what_they_say() {
    // Near-misses of routing rules should not trade one finding for another.
    for (rule, table) in fixtures() {
        let name = table.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("ok") || rule == "black-hole" {
            continue;
        }
        let (json, text) = fixture_json(&rule, &table);
        assert_eq!(json["summary"]["errors"], 0, "{}:\n{text}", table.display());
    }
}

#[test]
fn waivers_waive_until_they_expire() {
    let (json, _) = report_json(Path::new("fixtures/waivers/trigger.yaml"));
    let spof: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "single-point-of-failure")
        .collect();
    assert_eq!(spof.len(), 2);
    let by_entity = |e: &str| spof.iter().find(|f| f["entities"][0] == e).unwrap()["waived"].clone();
    assert_eq!(by_entity("r1"), true);
    assert_eq!(by_entity("r3"), false, "an expired waiver no longer counts");
    assert_eq!(json["summary"]["waived"], 1);
    assert_eq!(json["summary"]["errors"], 1);
}

#[test]
fn the_denver_example_checks_clean() {
    let (json, text) = report_json(Path::new("examples/denver"));
    assert_eq!(json["findings"].as_array().unwrap().len(), 0, "{text}");
    assert_eq!(json["summary"]["origins"], 47);
}

#[test]
fn output_is_identical_across_runs() {
    let (_, a) = report_json(Path::new("fixtures/routing-loop/trigger-normal.yaml"));
    let (_, b) = report_json(Path::new("fixtures/routing-loop/trigger-normal.yaml"));
    assert_eq!(a, b);
}
