//! Helpers shared by the CLI tests.

use std::path::Path;

/// Runs psapguard in `dir`: (exit code, stdout, stderr).
#[allow(dead_code)]
pub(crate) fn run_in(dir: impl AsRef<Path>, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("psapguard")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs psapguard in the repository root.
#[allow(dead_code)]
pub(crate) fn run(args: &[&str]) -> (i32, String, String) {
    run_in(".", args)
}

/// A copy of `examples/denver` in a temporary directory, with `edit` applied to `file`.
#[allow(dead_code)]
pub(crate) fn denver_with(file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["", "origins", "gis"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(Path::new("examples/denver").join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = edit(&text);
    assert_ne!(changed, text, "the edit must change {file}");
    std::fs::write(&path, changed).unwrap();
    dir
}

/// The rule of each finding of a JSON report, in order.
#[allow(dead_code)]
pub(crate) fn rules_of(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

/// The first finding of `rule` in a JSON report.
#[allow(dead_code)]
pub(crate) fn finding_of<'v>(report: &'v serde_json::Value, rule: &str) -> &'v serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {report:#}"))
}

/// Writes a national table (real PSAPs and counties from `data/`) into `dir` with the
/// gen_table example, which `cargo test` builds beside the test binaries.
#[allow(dead_code)]
pub(crate) fn generate_table(dir: &Path, faults: usize, extra: &[&str]) {
    let out = std::process::Command::new(gen_table())
        .args(extra)
        .args([
            "--origins",
            "5000",
            "--seed",
            "7",
            "--faults",
            &faults.to_string(),
            "--out-dir",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The table generator, built beside the test binary.
pub(crate) fn gen_table() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(format!("gen_table{}", std::env::consts::EXE_SUFFIX))
}

/// Two copies of Denver, the second with Arapahoe County's PSAP boundary handed to the
/// sheriff's PSAP (a layer edit that moves located calls): (old, new).
#[allow(dead_code)]
pub(crate) fn denver_boundary_move() -> (tempfile::TempDir, tempfile::TempDir) {
    let old = denver_with("network.yaml", |t| t.to_string() + "\n");
    let new = denver_with("network.yaml", |t| t.to_string() + "\n");
    let db = rusqlite::Connection::open(new.path().join("gis/denver.gpkg")).unwrap();
    db.execute(
        "UPDATE PsapPolygon SET ServiceURI = 'sip:arapahoe-so@arapahoegov.example.gov' WHERE NGUID LIKE '%:08031:%'",
        [],
    )
    .unwrap();
    drop(db);
    (old, new)
}

/// Runs git in `dir` as a test author, with no system configuration; fails the test on error.
#[allow(dead_code)]
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// A copy of the tree `from` into `to` (which exists).
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
