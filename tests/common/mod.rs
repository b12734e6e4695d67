//! Helpers shared by the CLI tests.

use std::path::Path;

/// Runs psapguard in `dir`: (exit code, stdout, stderr).
pub fn run_in(dir: impl AsRef<Path>, args: &[&str]) -> (i32, String, String) {
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
pub fn run(args: &[&str]) -> (i32, String, String) {
    run_in(".", args)
}
