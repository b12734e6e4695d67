//! Every rule fires on its `fixtures/<rule>/trigger*` tables and stays silent on `ok*`.
//! Each fixture's snapshot holds only its own rule's findings, drawn as the code frames a
//! user sees (as ruff's `for_rule`): adding a rule changes no other rule's snapshot.

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

/// Fixture tables: the files and directories directly inside each rule's folder (and the
/// waivers' folder). Other folders, such as an example's broken variants, have their own tests.
fn fixtures() -> Vec<(String, PathBuf)> {
    let named = |dir: &PathBuf| {
        let name = dir.file_name().unwrap().to_string_lossy();
        name == "waivers" || psapguard::rules::all_meta().any(|m| m.name == name)
    };
    let mut out = Vec::new();
    let mut rules: Vec<_> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(named)
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

/// A fixture's findings and the table they point into.
struct Checked {
    table: psapguard::model::Table,
    findings: Vec<psapguard::finding::Finding>,
}

impl Checked {
    fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.fails()).count()
    }

    /// The rule's findings, as the human report draws them.
    fn frames_of(&self, rule: &str) -> String {
        let of_rule: Vec<_> = self.findings.iter().filter(|f| f.rule == rule).cloned().collect();
        let style = psapguard::report::human::Style {
            color: false,
            width: 100,
        };
        psapguard::report::human::findings(&self.table, &of_rule, style)
    }
}

/// A fixture checked however its rule reads it: a table, a diff (a folder holding old.yaml
/// and new.yaml) or a configuration change (old.toml and new.toml).
fn run_fixture(rule: &str, path: &Path) -> Checked {
    if is_config_rule(rule) {
        let gate = |name: &str| {
            let path = path.join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            psapguard::config::parse(&path, &text).unwrap().gate(true)
        };
        let rules: Vec<_> = psapguard::rules::all_meta().collect();
        let finding = psapguard::rules::gate_weakened::GateWeakened::run(&gate("old.toml"), &gate("new.toml"), &rules);
        return Checked {
            table: Default::default(),
            findings: finding.into_iter().collect(),
        };
    }
    // LoST rules' fixtures are folders holding `corpus/` (as `lost export` wrote it) and
    // `responses/` (an ECRF's answers).
    if psapguard::rules::LOST_RULES.iter().any(|m| m.name == rule) {
        let compared =
            psapguard::lost::compare::compare(&path.join("corpus"), &path.join("responses"), "2026-01-01").unwrap();
        return Checked {
            table: Default::default(),
            findings: compared.findings,
        };
    }
    if is_diff_rule(rule) {
        let (new, diffed) = diff_of(path, rule);
        return Checked {
            table: new.table,
            findings: diffed.report.findings,
        };
    }
    let loaded = psapguard::load::load(&[path.to_path_buf()]).expect("fixture loads");
    let findings = check(&loaded, &settings(), &Levels::new()).report.findings;
    Checked {
        table: loaded.table,
        findings,
    }
}

/// Diff rules' fixtures are folders holding old.yaml and new.yaml.
fn diff_of(dir: &Path, rule: &str) -> (psapguard::load::Loaded, psapguard::diff::Diffed) {
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
    let judging = psapguard::diff::Judging {
        limits,
        ..Default::default()
    };
    let diffed = psapguard::diff::diff(&before, &new, &settings(), &Levels::new(), &judging);
    (new, diffed)
}

fn is_config_rule(rule: &str) -> bool {
    psapguard::rules::CONFIG_RULES.iter().any(|m| m.name == rule)
}

fn is_diff_rule(rule: &str) -> bool {
    psapguard::rules::DIFF_RULES.iter().any(|r| r.meta().name == rule)
}

fn report_json(path: &Path) -> (serde_json::Value, String) {
    let loaded = psapguard::load::load(&[path.to_path_buf()]).expect("fixture loads");
    let report = check(&loaded, &settings(), &Levels::new()).report;
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
        let checked = run_fixture(&rule, &table);
        let frames = checked.frames_of(&rule);
        let fired = checked.findings.iter().any(|f| f.rule == rule);
        let name = table.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("trigger") {
            assert!(fired, "{rule} did not fire on {}", table.display());
        } else {
            assert!(!fired, "{rule} fired on near-miss {}:\n{frames}", table.display());
        }
        // Only this rule's findings: a near-miss's snapshot is empty by construction, so it
        // is asserted above, not snapshotted.
        if fired {
            let snap = table.display().to_string().replace(['/', '.'], "_");
            insta::assert_snapshot!(snap, frames);
        }
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
        let checked = run_fixture(&rule, &table);
        let all = psapguard::report::human::findings(
            &checked.table,
            &checked.findings,
            psapguard::report::human::Style {
                color: false,
                width: 100,
            },
        );
        assert_eq!(checked.errors(), 0, "{}:\n{all}", table.display());
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
