//! Hostile and broken input: a finding or an exit-2 sentence naming the file, never a panic,
//! within bounded time and memory.

use assert_cmd::Command;

fn check(path: &std::path::Path) -> (i32, String, String) {
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "--format", "json"])
        .arg(path)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn parse_error(path: &std::path::Path, needle: &str) {
    let (code, out, err) = check(path);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "parse-error", "{out}");
    assert!(f["message"].as_str().unwrap().contains(needle), "{out}");
    assert!(f["location"]["line"].as_u64().unwrap() >= 1);
}

#[test]
fn alias_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from("version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        y.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    parse_error(&write(&dir, "bomb.yaml", y.as_bytes()), "alias");
}

#[test]
fn deep_nesting_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let y = format!("version: 1\nx: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    parse_error(&write(&dir, "deep.yaml", y.as_bytes()), "nesting");
    let block: String = (0..2_000).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
    parse_error(&write(&dir, "deep-block.yaml", block.as_bytes()), "nesting");
}

#[test]
fn binary_and_non_utf8_files_are_parse_errors() {
    let dir = tempfile::tempdir().unwrap();
    parse_error(&write(&dir, "latin1.yaml", b"version: 1\nname: Caf\xe9\n"), "not UTF-8");
    let (code, out, _) = check(&write(&dir, "nul.yaml", b"version: 1\n\x00\x01\x02\x03"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("parse-error"));
}

#[test]
fn a_huge_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.yaml");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap(); // sparse: costs no disk
    parse_error(&p, "at most 512 MB");
}

#[test]
fn empty_file_and_wrong_shapes_are_schema_findings() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("empty.yaml", ""),
        ("list.yaml", "- a\n- b\n"),
        ("scalar.yaml", "hello\n"),
        ("psaps-list.yaml", "version: 1\npsaps: [a, b]\n"),
    ] {
        let (code, out, _) = check(&write(&dir, name, text.as_bytes()));
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains("\"rule\": \"schema\""), "{name}: {out}");
    }
}

#[test]
fn symlink_loops_end() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("t")).unwrap();
    std::fs::copy("fixtures/single-point-of-failure/ok.yaml", dir.path().join("t/a.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("t"), dir.path().join("t/loop")).unwrap();
    let (code, out, err) = check(&dir.path().join("t"));
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn numbers_out_of_range_and_lookalike_ids() {
    let dir = tempfile::tempdir().unwrap();
    let y = "version: 1\npsaps:\n  a: { status: active, positions: -4 }\norigins:\n  o: { kind: esz, esn: 1000000000000, ingress: [r1] }\n  \u{43e}2: { kind: esz, ingress: [r1] }\n";
    let (code, out, _) = check(&write(&dir, "range.yaml", y.as_bytes()));
    assert_eq!(code, 1);
    assert!(out.contains("must not be negative"), "{out}");
    assert!(out.contains("out of range"), "{out}");
    assert!(out.contains("not a valid id"), "{out}");
}

#[test]
fn a_table_of_many_psaps_and_no_origins_is_fast_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from("version: 1\npsaps:\n");
    for i in 0..100_000 {
        y.push_str(&format!("  p{i}: {{ status: active }}\n"));
    }
    let (code, out, _) = check(&write(&dir, "many.yaml", y.as_bytes()));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["errors"], 100_000, "every PSAP is unreachable");
}

#[test]
fn an_unreadable_file_in_a_directory_is_a_finding_and_the_rest_is_read() {
    // A dangling symlink stands for a file that cannot be read (permissions cannot be tested
    // when the tests run as root).
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("fixtures/single-point-of-failure/ok.yaml", dir.path().join("a.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("missing-target"), dir.path().join("b.yaml")).unwrap();
    let (code, out, _) = check(dir.path());
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "parse-error");
    assert!(
        f["message"].as_str().unwrap().contains("b.yaml cannot be read"),
        "{out}"
    );
    assert_eq!(v["summary"]["origins"], 2, "a.yaml is still read");
}

/// A big file is checked for UTF-8 a few megabytes at a time: the first bad byte is found
/// wherever it is, and a character cut by a step's end is not one.
#[test]
fn utf8_is_checked_across_the_whole_of_a_big_file() {
    let dir = tempfile::tempdir().unwrap();
    let step = 8 << 20;
    let mut good = b"version: 1\nname: x\n".to_vec();
    // Comment lines up to one byte before the step's end, then "é" across it.
    while good.len() < step - 100 {
        good.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
    }
    good.extend(std::iter::repeat_n(b'#', step - 1 - good.len()));
    good.extend_from_slice("é\n".as_bytes());
    let lines = good.iter().filter(|&&c| c == b'\n').count() as u64;
    let (code, out, err) = check(&write(&dir, "straddle.yaml", &good));
    assert_eq!(code, 0, "{out}{err}");

    let mut bad = good.clone();
    bad.extend_from_slice(b"# caf\xe9\n");
    let (code, out, _) = check(&write(&dir, "late.yaml", &bad));
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "parse-error", "{out}");
    assert_eq!(f["location"]["line"], lines + 1, "{out}");
    assert_eq!(f["location"]["column"], 6, "{out}");
}

/// The text is read again for code frames after the table is built; a file rewritten in
/// between shows no code (its lines would be wrong), but the finding keeps its place.
#[test]
fn a_file_rewritten_after_loading_shows_no_code() {
    use psapguard::report::{Format, Output, human::Style, render};
    let dir = tempfile::tempdir().unwrap();
    let yaml = "version: 1\npsaps:\n  p1: { status: active }\norigins:\n  o1: { kind: esz, ingress: [nowhere] }\n";
    let path = write(&dir, "t.yaml", yaml.as_bytes());
    let show = |loaded: &psapguard::load::Loaded| {
        let report = psapguard::check::check(loaded, &Default::default(), &Default::default()).report;
        let out = Output::check(&loaded.table, &report);
        render(
            Format::Human,
            &out,
            Style {
                color: false,
                width: 100,
            },
        )
    };
    let loaded = psapguard::load::load(std::slice::from_ref(&path)).unwrap();
    let shown = show(&loaded);
    assert!(shown.contains("ingress: [nowhere]"), "{shown}");

    let loaded = psapguard::load::load(std::slice::from_ref(&path)).unwrap();
    std::fs::write(
        &path,
        "version: 1\n# rewritten, and longer than it was before\n\n\n\n\n\n",
    )
    .unwrap();
    let shown = show(&loaded);
    assert!(shown.contains("unknown-reference"), "{shown}");
    assert!(shown.contains("t.yaml:5:"), "{shown}");
    assert!(
        !shown.contains("ingress: [nowhere]") && !shown.contains("rewritten"),
        "{shown}"
    );
}

/// Standard input (`-`) cannot be mapped nor read twice: it is read whole and kept for the
/// code frames. (`/dev/stdin` is a link into /proc, which a table's tree never reads.)
#[test]
fn a_table_from_a_pipe_keeps_its_code_frames() {
    let yaml = "version: 1\npsaps:\n  p1: { status: active }\norigins:\n  o1: { kind: esz, ingress: [nowhere] }\n";
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "-"])
        .write_stdin(yaml)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("[-:5:"), "{shown}");
    assert!(shown.contains("o1: { kind: esz, ingress: [nowhere] }"), "{shown}");
}

/// Runs `check` with a secret in its environment, as CI does; returns (exit, stdout + stderr).
fn check_human(path: &std::path::Path) -> (i32, String) {
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .arg("check")
        .arg(path)
        .env("SECRET_TOKEN", "ghp_leakedsecret")
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

const GOOD: &str = "version: 1\npsaps:\n  p1: { status: active }\nrouters:\n  r1: { default: p1 }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n";

/// A link out of the tree (the CI job's environment, /etc/passwd), a FIFO and a device are
/// refused with a finding each that names the path and never shows what is behind it; the
/// run neither hangs nor reads the device.
#[test]
fn links_out_of_the_tree_fifos_and_devices_are_refused_without_leaking() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "a.yaml", GOOD.as_bytes());
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("zz-leak.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("zz-passwd.yaml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zz-zero.yaml")).unwrap();
    let fifo = dir.path().join("zz-fifo.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (code, human) = check_human(dir.path());
    assert_eq!(code, 1, "{human}");
    assert!(!human.contains("ghp_leakedsecret"), "{human}");
    assert!(!human.contains("root:"), "{human}");
    let (_, text, _) = check(dir.path());
    assert!(
        text.contains("zz-leak.yaml resolves to a file under /proc, outside the table's root"),
        "{text}"
    );
    assert!(text.contains("zz-passwd.yaml is outside the table's root ("), "{text}");
    assert!(text.contains("zz-zero.yaml resolves to a file under /dev"), "{text}");
    assert!(
        text.contains("zz-fifo.yaml is a FIFO (named pipe), not a regular file"),
        "{text}"
    );
}

/// A link that stays inside the tree is read like the file it names.
#[test]
fn a_link_inside_the_tree_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    std::fs::write(dir.path().join("real/t.yml"), GOOD).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real/t.yml"), dir.path().join("link.yaml")).unwrap();
    let (code, text) = check_human(&dir.path().join("link.yaml"));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("single-point-of-failure") && !text.contains("parse-error"),
        "{text}"
    );
}

/// A directory link out of the tree is a finding, not a walk into someone else's files.
#[test]
fn a_directory_link_out_of_the_tree_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), "version: 1\nname: TOPSECRET\n").unwrap();
    write(&dir, "a.yaml", GOOD.as_bytes());
    std::os::unix::fs::symlink(outside.path(), dir.path().join("states")).unwrap();
    let (code, text, _) = check(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("states is outside the table's root ("), "{text}");
    assert!(!text.contains("TOPSECRET"), "{text}");
}

/// psapguard.toml must be a regular file where it is found: a link is refused (exit 2).
#[test]
fn a_config_that_is_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "a.yaml", GOOD.as_bytes());
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("psapguard.toml")).unwrap();
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "a.yaml"])
        .current_dir(dir.path())
        .env("SECRET_TOKEN", "ghp_leakedsecret")
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("psapguard.toml is not a regular file"), "{err}");
    assert!(!err.contains("ghp_leakedsecret"), "{err}");
}

/// Terminal escapes and bidirectional overrides in the table are shown escaped in human,
/// GitHub and Markdown output; JSON stays valid.
#[test]
fn control_characters_in_the_table_are_rendered_inert() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "version: 1\nname: \"\\e[2J\\e[31mALL CLEAR\\e]8;;http://evil\\e\\\\x\\u202e</details>\"\npsaps:\n  p1: { status: active, counties: [\"\\e[31mX\"] }\nrouters:\n  r1: { default: p1, bogus\\u202e: 1 }\norigins:\n  o1: { kind: esz, state: CO, county: \"\\e]8;;x\\u0007Y\", ingress: [r1] }\n";
    let path = write(&dir, "t.yaml", yaml.as_bytes());
    for format in ["human", "github", "markdown", "json", "sarif", "junit"] {
        let out = Command::cargo_bin("psapguard")
            .unwrap()
            .args(["check", "--format", format])
            .arg(&path)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{format}: {text}");
        assert!(!text.contains('\x1b'), "{format} lets an escape through: {text}");
        assert!(
            !text.contains('\u{202e}'),
            "{format} lets a bidi override through: {text}"
        );
        assert!(!text.contains('\u{7}'), "{format} lets a bell through: {text}");
        if format == "markdown" {
            assert!(
                !text.contains("</details>\"") && !text.contains("\\e]8;;x</details>"),
                "{text}"
            );
        }
        if format == "json" || format == "sarif" {
            serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
        }
    }
}

/// A finding far out on one enormous line (a table written as one line of JSON) gets no
/// megabyte-wide code frame and no panic.
#[test]
fn a_finding_past_a_long_line_is_shown_without_its_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut psaps = String::new();
    for i in 0..8000 {
        psaps.push_str(&format!("\"p{i}\": {{\"status\": \"active\"}}, "));
    }
    let json = format!("{{\"version\": 1, \"psaps\": {{{psaps}\"bad\": {{\"status\": \"actve\"}}}}}}\n");
    let path = write(&dir, "one-line.yaml", json.as_bytes());
    let (code, text) = check_human(&path);
    assert_eq!(code, 1, "{}", &text[..text.len().min(2000)]);
    assert!(text.lines().all(|l| l.chars().count() < 400), "a line is too wide");
    assert!(text.contains("actve"), "{}", &text[..text.len().min(2000)]);
}

#[path = "../../fuzz/tree_builder.rs"]
mod tree_builder;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]
    /// Random trees of files, links in and out, FIFOs and device links: no panic, no hang,
    /// nothing outside the tree read (the `tree` fuzz target's builder).
    #[test]
    fn random_trees_never_read_outside(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48)) {
        let dir = tempfile::tempdir().unwrap();
        let (root, outside) = (dir.path().join("table"), dir.path().join("outside"));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        tree_builder::build(&root, &outside, &data);
        tree_builder::load_and_check(&root);
    }
}

/// A file name with backticks and a pipe cannot break out of its code span in Markdown.
#[test]
fn markdown_code_spans_hold_any_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "a`b|c``.yaml", b"version: 1\npsaps:\n  p1: { status: active }\n");
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "--format", "markdown"])
        .arg(&path)
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&out.stdout);
    let row = md.lines().find(|l| l.contains("unreachable-psap")).expect("a row");
    assert!(
        row.contains("```"),
        "a span longer than the name's run of two backticks: {row}"
    );
    assert!(row.contains("a`b\\|c``.yaml"), "{row}");
}
