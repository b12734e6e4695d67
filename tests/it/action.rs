//! The GitHub Action (action.yml): its steps, run as the runner runs them, on a sample
//! repository against a stand-in for the GitHub API (ci/test-action.sh; no network).

use std::process::Command;

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_action_reviews_a_pull_request_uploads_sarif_and_keeps_one_comment() {
    if !["bash", "git", "python3"].iter().all(|p| available(p)) {
        eprintln!("skipped: the action's test needs bash, git and python3");
        return;
    }
    let out = Command::new("bash")
        .arg("ci/test-action.sh")
        .arg(env!("CARGO_BIN_EXE_psapguard"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("action test passed"), "{text}");
}

/// Every script a step of action.yml runs is in the repository and executable.
#[test]
fn every_step_of_the_action_runs_a_script_that_exists() {
    let action = std::fs::read_to_string("action.yml").unwrap();
    let scripts: Vec<&str> = action
        .split("$GITHUB_ACTION_PATH/")
        .skip(1)
        .map(|rest| rest.split(['"', '\'', ' ']).next().unwrap())
        .collect();
    assert!(scripts.len() >= 5, "{scripts:?}");
    for script in scripts {
        let meta = std::fs::metadata(script).unwrap_or_else(|_| panic!("{script} is missing"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert!(meta.permissions().mode() & 0o111 != 0, "{script} is not executable");
        }
        let _ = meta;
    }
}
