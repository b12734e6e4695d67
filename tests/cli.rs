//! The command line: exit codes, human and JSON output, errors as one plain sentence.

use assert_cmd::Command;

fn psapguard() -> Command {
    let mut cmd = Command::cargo_bin("psapguard").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

fn stdout_of(args: &[&str]) -> (i32, String, String) {
    let out = psapguard().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn clean_example_exits_zero() {
    let (code, out, err) = stdout_of(&["check", "examples/denver"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(err, "", "no progress or noise on stderr when it is not a terminal");
    insta::assert_snapshot!(out);
}

#[test]
fn failing_findings_exit_one_with_code_frames() {
    let (code, out, _) = stdout_of(&[
        "check",
        "--date",
        "2026-01-01",
        "fixtures/single-point-of-failure/trigger.yaml",
    ]);
    assert_eq!(code, 1);
    assert!(!out.contains('\u{1b}'), "no colour codes when not a terminal");
    insta::assert_snapshot!(out);
}

#[test]
fn human_output_of_a_loop_and_a_schema_error() {
    let (code, out, _) = stdout_of(&["check", "fixtures/routing-loop/trigger-on-failure.yaml"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("loop_human", out);
    let (code, out, _) = stdout_of(&["check", "fixtures/schema/trigger.yaml"]);
    assert_eq!(code, 1);
    assert!(out.contains("note: routing analysis skipped"));
    insta::assert_snapshot!("schema_human", out);
}

#[test]
fn warnings_alone_exit_zero() {
    let (code, out, _) = stdout_of(&["check", "fixtures/shadowed-rule/trigger.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("shadowed-rule"));
}

#[test]
fn json_output_follows_the_spec() {
    let (code, out, _) = stdout_of(&["check", "--format", "json", "fixtures/unknown-reference/trigger.yaml"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tool"], "psapguard");
    assert_eq!(v["format"], 1);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["tool", "version", "format", "findings", "summary"]);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entities"][1] == "a-91l")
        .unwrap();
    assert_eq!(f["rule"], "unknown-reference");
    assert_eq!(f["entities"][0], "r1");
    assert_eq!(f["affected"][0], "o7");
    assert_eq!(f["population"], 500);
    assert_eq!(f["location"]["line"], 12);
    assert_eq!(f["location"]["column"], 13);
}

#[test]
fn missing_path_is_exit_two_with_one_sentence() {
    let (code, out, err) = stdout_of(&["check", "no/such/table"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err, "psapguard: cannot read no/such/table: no such file or directory\n");
}

#[test]
fn bad_arguments_are_exit_two() {
    let (code, _, _) = stdout_of(&["check", "--format", "yaml", "examples/denver"]);
    assert_eq!(code, 2);
    let (code, _, err) = stdout_of(&["check", "--date", "tomorrow", "examples/denver"]);
    assert_eq!(code, 2);
    assert!(err.contains("--date must be a date YYYY-MM-DD"));
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let (code, out, _) = stdout_of(&["schema"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read_to_string("schemas/routing-table.schema.json").unwrap()
    );
}

#[test]
fn explain_lists_and_documents_rules() {
    let (code, out, _) = stdout_of(&["explain"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("explain_list", out);
    let (code, out, _) = stdout_of(&["explain", "single-point-of-failure"]);
    assert_eq!(code, 0);
    assert!(out.contains("August 2018"));
    let (code, _, err) = stdout_of(&["explain", "single-point-of-failur"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `single-point-of-failure`?"));
}
