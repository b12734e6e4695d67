//! Adopting psapguard on a table that already has findings: a baseline, and the flags linters
//! have (--select, --ignore, --exit-zero, --quiet, --statistics, --color).

use crate::common;

use common::run_in;

/// A copy of the single-point-of-failure fixtures in a temporary directory.
fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["trigger.yaml", "ok.yaml"] {
        std::fs::copy(
            format!("fixtures/single-point-of-failure/{name}"),
            dir.path().join(name),
        )
        .unwrap();
    }
    dir
}

#[test]
fn a_baseline_knows_todays_findings_fails_on_new_ones_and_lists_the_fixed() {
    let dir = fixture_dir();
    let at = dir.path().to_str().unwrap();
    let (code, _, _) = run_in(at, &["check", "trigger.yaml", "--write-baseline", "base.json"]);
    assert_eq!(code, 1, "writing a baseline still reports today's verdict");
    let (code, out, _) = run_in(
        at,
        &["check", "trigger.yaml", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["findings"].as_array().unwrap().iter().all(|f| f["new"] == false),
        "{out}"
    );
    // Lines shift and a new single point appears: the known ones stay known, the new one fails.
    let table = std::fs::read_to_string(dir.path().join("trigger.yaml")).unwrap();
    let changed = format!(
        "# a comment shifts every line\n{table}  cs-3: {{ kind: cell_sector, population: 10, ingress: [r2] }}\n"
    );
    std::fs::write(dir.path().join("trigger.yaml"), changed).unwrap();
    let (code, out, _) = run_in(
        at,
        &["check", "trigger.yaml", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let new: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["new"] == true)
        .collect();
    assert_eq!(new.len(), 1, "{out}");
    assert_eq!(new[0]["entities"][0], "site-cos", "{out}");
    // Fixed: the ok table has none of them; the baseline can shrink.
    let (code, out, _) = run_in(at, &["check", "ok.yaml", "--baseline", "base.json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("fixed since the baseline: single-point-of-failure").count(),
        2,
        "{out}"
    );
    // psapguard.toml can name the baseline.
    std::fs::write(dir.path().join("psapguard.toml"), "baseline = \"base.json\"\n").unwrap();
    let (code, out, _) = run_in(at, &["check", "ok.yaml"]);
    assert_eq!(code, 0);
    assert!(out.contains("fixed since the baseline"), "{out}");
}

#[test]
fn select_ignore_and_exit_zero() {
    let dir = fixture_dir();
    let at = dir.path().to_str().unwrap();
    let (code, _, _) = run_in(
        at,
        &["check", "trigger.yaml", "--select", "missing-default,routing-loop"],
    );
    assert_eq!(code, 0, "single-point-of-failure not selected");
    let (code, _, _) = run_in(at, &["check", "trigger.yaml", "--ignore", "single-point-of-failure"]);
    assert_eq!(code, 0);
    let (code, _, err) = run_in(at, &["check", "trigger.yaml", "--ignore", "single-point-of-falure"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `single-point-of-failure`?"), "{err}");
    let (code, out, _) = run_in(at, &["check", "trigger.yaml", "--exit-zero"]);
    assert_eq!(code, 0);
    assert!(out.contains("FAIL: 2 errors"), "the report still says so: {out}");
    let (code, _, _) = run_in(at, &["check", "no-such.yaml", "--exit-zero"]);
    assert_eq!(code, 2, "--exit-zero never hides exit 2");
}

#[test]
fn quiet_statistics_and_color() {
    let (_, out, _) = run_in(
        ".",
        &["check", "fixtures/inactive-destination/trigger-standby.yaml", "--quiet"],
    );
    assert!(
        !out.contains("inactive-destination"),
        "a warning is not shown with --quiet: {out}"
    );
    assert!(out.contains("ok: 0 errors, 1 warning"), "{out}");
    let (_, out, _) = run_in(
        ".",
        &["check", "fixtures/single-point-of-failure/trigger.yaml", "--statistics"],
    );
    assert!(out.starts_with("rule                          errors  warnings  waived\nsingle-point-of-failure            2         0       0\n"), "{out}");
    let (_, out, _) = run_in(
        ".",
        &[
            "check",
            "fixtures/single-point-of-failure/trigger.yaml",
            "--color",
            "always",
        ],
    );
    assert!(out.contains('\u{1b}'), "colour when asked");
    let out = assert_cmd::Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "fixtures/single-point-of-failure/trigger.yaml"])
        .env("FORCE_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}'),
        "FORCE_COLOR forces colour"
    );
    let (_, out, _) = run_in(
        ".",
        &[
            "check",
            "fixtures/single-point-of-failure/trigger.yaml",
            "--color",
            "never",
        ],
    );
    assert!(!out.contains('\u{1b}'));
}

/// Human output never breaks an id across lines (miette would split `a-911` at its hyphen).
#[test]
fn ids_are_never_split_across_lines() {
    let (_, out, _) = run_in(
        ".",
        &["check", "fixtures/cross-jurisdiction/trigger.yaml", "--color", "never"],
    );
    for line in out.lines() {
        assert!(
            !line.trim_end().ends_with('-') || line.trim_end().ends_with(" -"),
            "an id split: {line:?}\n{out}"
        );
    }
    assert!(out.contains("a-911, a PSAP that does not list Weld"), "{out}");
}
