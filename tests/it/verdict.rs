//! One verdict: the exit code and every format's verdict say the same thing, for `check`,
//! `check --baseline` and `diff` (issue: Markdown counted the baseline's known errors as
//! blocking while the human report and the exit code passed the run).

use std::path::Path;

use crate::common::run_in;

/// Every format's verdict of one run, beside its exit code.
struct Verdicts {
    code: i32,
    /// Findings that fail the run, counted from the JSON report.
    failing: usize,
    human_fails: bool,
    statistics_fails: bool,
    markdown: String,
    junit_fails: bool,
    github_errors: usize,
    html_fails: bool,
}

fn run_all(dir: &Path, args: &[&str], all: bool) -> Verdicts {
    let at = dir.to_str().unwrap();
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend_from_slice(extra);
        run_in(at, &a)
    };
    let (code, json, err) = with(&["--format", "json"]);
    assert!(code == 0 || code == 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let failing = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" && f["waived"] == false && (all || f["new"] != false))
        .count();
    let last_line_fails = |text: &str| text.lines().last().unwrap_or("").starts_with("FAIL");
    let verdicts = Verdicts {
        code,
        failing,
        human_fails: last_line_fails(&with(&["--format", "human"]).1),
        statistics_fails: last_line_fails(&with(&["--statistics"]).1),
        markdown: with(&["--format", "markdown"])
            .1
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
        junit_fails: with(&["--format", "junit"]).1.contains("<failure"),
        github_errors: with(&["--format", "github"])
            .1
            .lines()
            .filter(|l| l.starts_with("::error"))
            .count(),
        html_fails: with(&["--format", "html"]).1.contains("data-verdict=\"fail\""),
    };
    // Every format runs the same gate: each run's exit code is the JSON run's.
    for extra in [
        &["--format", "human"][..],
        &["--format", "markdown"],
        &["--format", "junit"],
    ] {
        assert_eq!(with(extra).0, code, "{args:?} {extra:?}");
    }
    verdicts
}

/// Asserts that every format agrees with the exit code.
fn agree(v: &Verdicts, fails: bool, unjudged: bool) {
    assert_eq!(v.code, i32::from(fails), "exit code");
    assert_eq!(v.human_fails, fails, "human summary line");
    assert_eq!(v.statistics_fails, fails, "--statistics summary line");
    assert_eq!(v.junit_fails, fails, "JUnit failures");
    assert_eq!(v.html_fails, fails, "HTML verdict");
    assert_eq!(v.markdown.contains('❌'), fails, "{}", v.markdown);
    if v.failing > 0 {
        let noun = if v.failing == 1 { "error" } else { "errors" };
        assert!(
            v.markdown.contains(&format!("{} {noun} block this change", v.failing)),
            "{}",
            v.markdown
        );
    }
    // Annotations: `::error` for exactly the findings that fail the run (and the note of a
    // diff that could not compare routing).
    assert_eq!(v.github_errors, v.failing + usize::from(unjudged), "GitHub annotations");
}

fn copy_fixture(dir: &Path, rule: &str, name: &str, to: &str) {
    std::fs::copy(format!("fixtures/{rule}/{name}"), dir.join(to)).unwrap();
}

#[test]
fn check_verdicts_agree_with_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "single-point-of-failure", "trigger.yaml", "trigger.yaml");
    copy_fixture(dir.path(), "single-point-of-failure", "ok.yaml", "ok.yaml");
    let failing = run_all(dir.path(), &["check", "trigger.yaml"], false);
    assert!(failing.failing > 0);
    agree(&failing, true, false);
    agree(&run_all(dir.path(), &["check", "ok.yaml"], false), false, false);
}

#[test]
fn check_against_a_baseline_counts_only_new_errors_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "single-point-of-failure", "trigger.yaml", "t.yaml");
    let at = dir.path().to_str().unwrap();
    let (code, _, err) = run_in(at, &["check", "t.yaml", "--write-baseline", "base.json"]);
    assert_eq!(code, 1, "{err}");
    // Every error is known: the run passes, and Markdown must not say they block it.
    let known = run_all(dir.path(), &["check", "t.yaml", "--baseline", "base.json"], false);
    assert_eq!(known.failing, 0);
    agree(&known, false, false);
    // One new single point of failure: one error blocks, not the known ones with it.
    let table = std::fs::read_to_string(dir.path().join("t.yaml")).unwrap();
    let changed = format!("{table}  cs-3: {{ kind: cell_sector, population: 10, ingress: [r2] }}\n");
    std::fs::write(dir.path().join("t.yaml"), changed).unwrap();
    let one_new = run_all(dir.path(), &["check", "t.yaml", "--baseline", "base.json"], false);
    assert_eq!(one_new.failing, 1);
    agree(&one_new, true, false);
}

#[test]
fn diff_verdicts_agree_with_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    copy_fixture(p, "single-point-of-failure", "ok.yaml", "ok.yaml");
    copy_fixture(p, "single-point-of-failure", "trigger.yaml", "trigger.yaml");
    // New errors fail.
    let worse = run_all(p, &["diff", "ok.yaml", "trigger.yaml"], false);
    assert!(worse.failing > 0);
    agree(&worse, true, false);
    // Only pre-existing errors: the change passes; with --all they fail it.
    agree(
        &run_all(p, &["diff", "trigger.yaml", "trigger.yaml"], false),
        false,
        false,
    );
    let all = run_all(p, &["diff", "trigger.yaml", "trigger.yaml", "--all"], true);
    assert!(all.failing > 0);
    agree(&all, true, false);
    // A side that cannot be analysed: the gate could not look, so the change fails — with
    // no failing finding when the old side is the broken one.
    std::fs::write(p.join("broken.yaml"), "version: 1\npsaps: [\n").unwrap();
    let unjudged = run_all(p, &["diff", "broken.yaml", "ok.yaml"], false);
    assert_eq!(unjudged.failing, 0);
    assert!(
        unjudged.markdown.contains("could not be checked"),
        "{}",
        unjudged.markdown
    );
    agree(&unjudged, true, true);
    let broken_change = run_all(p, &["diff", "ok.yaml", "broken.yaml"], false);
    assert_eq!(broken_change.failing, 1, "the parse error");
    agree(&broken_change, true, true);
}

#[test]
fn a_lone_table_file_has_no_sibling_note_when_it_has_no_siblings() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "single-point-of-failure", "ok.yaml", "t.yaml");
    // Not table files: a hidden file, a directory named like a table, another extension.
    std::fs::write(dir.path().join(".t.yaml.swp.yaml"), "").unwrap();
    std::fs::create_dir(dir.path().join("old.yaml")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "").unwrap();
    let at = dir.path().to_str().unwrap();
    for given in ["t.yaml", "./t.yaml"] {
        let (code, _, err) = run_in(at, &["check", given]);
        assert_eq!(code, 0, "{err}");
        assert!(!err.contains("checked alone"), "{given}: {err}");
    }
    // A real sibling is still pointed out, and counted once.
    copy_fixture(dir.path(), "single-point-of-failure", "ok.yaml", "more.yaml");
    let (_, _, err) = run_in(at, &["check", "t.yaml"]);
    assert!(err.contains("has 1 other table file:"), "{err}");
}
