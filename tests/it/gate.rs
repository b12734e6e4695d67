//! The gate a change cannot walk around (issue 23, 22.5–22.7): each test plays the pull
//! request an attacker or a user made — a git repository built here, the change committed or
//! left in the work tree — and reads what the gate says on stdout and stderr.

use std::path::Path;
use std::process::Command as Process;

use crate::common;

use common::{finding_of, git, run_in};

/// The routing table every change below starts from: two PSAPs that back each other up, an
/// unstaffed one whose alternates answer, two mated ESRPs, two origins (1,000 and 400 people).
const BASE: &str = "fixtures/black-hole/ok.yaml";

/// A git repository whose base commit holds `tables/a.yaml` = `table` and a psapguard.toml
/// naming `tables`.
fn repo_at_base(table: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir_all(repo.join("tables")).unwrap();
    std::fs::write(repo.join("tables/a.yaml"), table).unwrap();
    std::fs::write(repo.join("psapguard.toml"), "table = \"tables\"\n").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "base"]);
    dir
}

fn base_text() -> String {
    std::fs::read_to_string(BASE).unwrap()
}

/// The pull request: `tables/a.yaml` edited in the work tree.
fn change(repo: &Path, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(repo.join("tables/a.yaml")).unwrap();
    let changed = edit(&text);
    assert_ne!(changed, text, "the edit must change the table");
    std::fs::write(repo.join("tables/a.yaml"), changed).unwrap();
}

fn diff_json(repo: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["diff", "--base", "HEAD", "--format", "json", "--date", "2026-01-01"];
    args.extend_from_slice(extra);
    let (code, out, err) = run_in(repo, &args);
    let v = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    (code, v, err)
}

/// [`diff_json`] with the blast-radius limits open: the waiver tests move o9's 400 people,
/// and the blast radius is not what they judge.
fn diff_json_lenient(repo: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["--max-moved-origins", "100%", "--max-moved-population", "100%"];
    args.extend_from_slice(extra);
    diff_json(repo, &args)
}

/// No line a runner reads as a workflow command (`::set-output`, `::add-mask`, …) and no
/// terminal escape, on stdout or stderr.
pub(crate) fn assert_no_workflow_commands(stream: &str) {
    for line in stream.lines() {
        assert!(!line.trim_start().starts_with("::"), "workflow command: {line:?}");
    }
    assert!(!stream.contains('\u{1b}'), "terminal escape in {stream:?}");
}

const LOSE_O9: &str = "  golden-pd: { status: unstaffed, alternate: [a-911, b-911] }";
const LOST_O9: &str = "  golden-pd: { status: unstaffed, waivers: [{ rule: black-hole, reason: looks fine to me }] }";

/// 23.1: a change that loses o9's calls and adds the waiver that would silence it fails its
/// review: the finding is not waived and says why; `--allow-new-waivers` is the reviewer's
/// decision.
#[test]
fn a_change_cannot_waive_its_own_new_error() {
    let dir = repo_at_base(&base_text());
    let repo = dir.path();
    change(repo, |t| t.replace(LOSE_O9, LOST_O9));
    let (code, v, _) = diff_json_lenient(repo, &[]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_of(&v, "black-hole");
    assert_eq!(f["waived"], false, "{f:#}");
    assert_eq!(f["new"], true);
    assert!(
        f["message"].as_str().unwrap().contains("waived only by this change"),
        "{f:#}"
    );
    let (_, md, _) = run_in(
        repo,
        &[
            "diff",
            "--base",
            "HEAD",
            "--format",
            "markdown",
            "--max-moved-population",
            "100%",
        ],
    );
    assert!(!md.contains("no new errors"), "{md}");

    let (code, v, _) = diff_json_lenient(repo, &["--allow-new-waivers"]);
    let f = finding_of(&v, "black-hole");
    assert_eq!(f["waived"], true, "{f:#}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("accepted with --allow-new-waivers"),
        "{f:#}"
    );
    assert_eq!(code, 0, "{v:#}");
}

/// 23.1: a waiver that was already at the base (reviewed then) still waives the finding.
#[test]
fn a_waiver_present_at_the_base_still_waives() {
    let waived_at_base = base_text().replace(
        LOSE_O9,
        "  golden-pd: { status: unstaffed, alternate: [a-911, b-911], waivers: [{ rule: black-hole, reason: looks fine to me }] }",
    );
    let dir = repo_at_base(&waived_at_base);
    let repo = dir.path();
    change(repo, |t| t.replace("alternate: [a-911, b-911], waivers", "waivers"));
    let (code, v, _) = diff_json_lenient(repo, &[]);
    let f = finding_of(&v, "black-hole");
    assert_eq!(f["waived"], true, "{f:#}");
    assert!(!f["message"].as_str().unwrap().contains("only by this change"));
    assert_eq!(code, 0, "{v:#}");
}

/// 23.1: the diff rules judge the change itself — a waiver cannot silence them, added by the
/// change or not, with `--allow-new-waivers` or not.
#[test]
fn the_diff_rules_cannot_be_waived() {
    let waiver = "waivers: [{ rule: blast-radius, reason: planned }, { rule: psap-lost-traffic, reason: planned }]";
    let with_waivers = base_text()
        .replace(
            "  a-911: { status: active,",
            &format!("  a-911: {{ {waiver}, status: active,"),
        )
        .replace("  o1: { kind: esz,", &format!("  o1: {{ {waiver}, kind: esz,"));
    let dir = repo_at_base(&with_waivers);
    let repo = dir.path();
    // Everything now goes to b-911: a-911 loses its traffic, o1 (1,000 of 1,400 people) moves.
    change(repo, |t| {
        t.replace("default: a-911", "default: b-911")
            .replace("[a-911, b-911]", "[b-911]")
    });
    for extra in [&[][..], &["--allow-new-waivers"][..]] {
        let (code, v, _) = diff_json(repo, extra);
        assert_eq!(code, 1, "{v:#}");
        assert_eq!(finding_of(&v, "blast-radius")["waived"], false, "{v:#}");
        assert_eq!(finding_of(&v, "psap-lost-traffic")["waived"], false, "{v:#}");
    }
}

/// 23.2: renaming an origin is no way around `blast-radius`: the old id's population moved to
/// none, the new id's from none; no report says nothing moved.
#[test]
fn renaming_origins_counts_toward_the_blast_radius() {
    let dir = repo_at_base(&base_text());
    let repo = dir.path();
    change(repo, |t| t.replace("  o1: {", "  o1-renamed: {"));
    let (code, v, _) = diff_json(repo, &[]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_of(&v, "blast-radius");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("moves 2 of 2 origins"), "{message}");
    assert!(message.contains("population 2,000 of 1,400"), "{message}");
    assert!(
        message.contains("1 origins removed, moved to none, and 1 added"),
        "{message}"
    );
    assert_eq!(v["origins_removed"][0]["origin"], "o1");
    assert_eq!(v["origins_removed"][0]["psap"], "a-911");
    assert_eq!(v["origins_added"][0]["origin"], "o1-renamed");
    for format in ["human", "markdown", "html"] {
        let (_, out, _) = run_in(repo, &["diff", "--base", "HEAD", "--format", format]);
        assert!(!out.contains("same PSAP as before"), "{format}: {out}");
        assert!(out.contains("(origin removed)"), "{format}: {out}");
        assert!(out.contains("(origin added)"), "{format}: {out}");
    }
    // Removing an origin alone moves its population to none.
    git(repo, &["checkout", "-q", "--", "."]);
    change(repo, |t| {
        t.lines()
            .filter(|l| !l.starts_with("  o1:"))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let (code, v, _) = diff_json(repo, &[]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_of(&v, "blast-radius");
    assert!(
        f["message"].as_str().unwrap().contains("population 1,000 of 1,400"),
        "{f:#}"
    );
    assert_eq!(f["affected"], serde_json::json!(["o1"]));
}

/// 22.5: a repository whose table is its root, with the CI files an office keeps beside it:
/// `diff --base` reads at the base exactly the files `check` reads in the work tree, so an
/// unchanged repository passes.
#[test]
fn diff_at_the_base_reads_the_files_check_reads() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::copy(BASE, repo.join("network.yaml")).unwrap();
    std::fs::create_dir_all(repo.join(".github/workflows")).unwrap();
    std::fs::copy("ci/github-workflow.yml", repo.join(".github/workflows/psapguard.yml")).unwrap();
    std::fs::copy("ci/gitlab-ci.yml", repo.join(".gitlab-ci.yml")).unwrap();
    std::fs::copy("ci/pre-commit-config.yaml", repo.join(".pre-commit-config.yaml")).unwrap();
    std::fs::create_dir_all(repo.join("sub/.drafts")).unwrap();
    std::fs::write(repo.join("sub/.drafts/draft.yaml"), "not: [a table").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "base"]);
    let (code, out, err) = run_in(repo, &["check", ".", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    for path in [".", "./"] {
        let (code, out, err) = run_in(repo, &["diff", "--base", "HEAD", path, "--format", "json"]);
        assert_eq!(code, 0, "{path}: {out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(common::rules_of(&v), ["inactive-destination"], "{path}: {v:#}");
        assert_eq!(v["findings"][0]["new"], false, "{path}: {v:#}");
        assert_eq!(v["summary"]["origins"], 2);
    }
}

/// A copy of `examples/denver` as an office keeps it: `tables/` beside `gis/`, the layers
/// named `../gis/denver.gpkg`, psapguard.toml at the top, all committed.
fn office_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    for sub in ["tables", "tables/origins", "gis"] {
        std::fs::create_dir_all(repo.join(sub)).unwrap();
    }
    for entry in std::fs::read_dir("examples/denver/origins").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, repo.join("tables/origins").join(path.file_name().unwrap())).unwrap();
    }
    for file in ["psaps.yaml", "pools.yaml"] {
        std::fs::copy(Path::new("examples/denver").join(file), repo.join("tables").join(file)).unwrap();
    }
    std::fs::copy("examples/denver/gis/denver.gpkg", repo.join("gis/denver.gpkg")).unwrap();
    let network = std::fs::read_to_string("examples/denver/network.yaml")
        .unwrap()
        .replace("file: gis/denver.gpkg", "file: ../gis/denver.gpkg");
    std::fs::write(repo.join("tables/network.yaml"), network).unwrap();
    std::fs::write(repo.join("psapguard.toml"), "table = \"tables\"\n").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "office"]);
    dir
}

/// 22.7: `gis/` beside `tables/` is inside the table's root (psapguard.toml's directory, or
/// the git work tree's top): read by `check` and by both sides of `diff --base`.
#[test]
fn layers_beside_the_tables_directory_are_read() {
    let dir = office_repo();
    let repo = dir.path();
    let (code, out, err) = run_in(repo, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    assert!(!common::rules_of(&v).contains(&"boundary-format"), "{v:#}");
    let (_, plain, _) = run_in(".", &["check", "examples/denver", "--format", "json"]);
    let plain: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(common::rules_of(&v), common::rules_of(&plain), "{v:#}");
    let _ = code;
    // Without psapguard.toml the git work tree's top is the root.
    git(repo, &["rm", "-q", "psapguard.toml"]);
    git(repo, &["commit", "-qm", "no psapguard.toml"]);
    let (_, out, _) = run_in(repo, &["check", "tables", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!common::rules_of(&v).contains(&"boundary-format"), "{v:#}");
    // At the base too: nothing moves, no boundary is "added".
    let (code, out, err) = run_in(repo, &["diff", "--base", "HEAD", "tables", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    assert!(v.get("boundary_features").is_none(), "{v:#}");
    assert!(!common::rules_of(&v).contains(&"blast-radius"), "{v:#}");
    assert!(!common::rules_of(&v).contains(&"boundary-format"), "{v:#}");
    assert_eq!(code, 0, "{v:#}");
}

/// 22.7 / 23.8: a layer path out of the root is refused with the root named, not "a link",
/// and the message is the same whether the outside file exists or not.
#[test]
fn a_layer_outside_the_root_is_refused_without_saying_whether_it_exists() {
    let dir = office_repo();
    let repo = dir.path();
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy("examples/denver/gis/denver.gpkg", outside.path().join("real.gpkg")).unwrap();
    let name = outside.path().file_name().unwrap().to_str().unwrap().to_string();
    let messages: Vec<String> = ["real.gpkg", "absent.gpkg"]
        .iter()
        .map(|file| {
            let network = std::fs::read_to_string(repo.join("tables/network.yaml"))
                .unwrap()
                .replace("../gis/denver.gpkg", &format!("../../{name}/{file}"));
            std::fs::write(repo.join("tables/network.yaml"), &network).unwrap();
            let (_, out, _) = run_in(repo, &["check", "--format", "json"]);
            git(repo, &["checkout", "-q", "--", "tables/network.yaml"]);
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            let f = finding_of(&v, "boundary-format");
            f["message"].as_str().unwrap().replace(file, "FILE")
        })
        .collect();
    assert_eq!(messages[0], messages[1]);
    assert!(messages[0].contains("outside the table's root ("), "{}", messages[0]);
    assert!(!messages[0].contains("link"), "{}", messages[0]);
}

/// 23.4: `tables/` (with the README's trailing slash) naming a link out of the repository is
/// refused before anything under it is read — from the command line or from psapguard.toml.
#[test]
fn a_trailing_slash_does_not_move_the_root_through_a_link() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.yaml"),
        "version: 1\nname: ghp_leakedtoken\npsaps: { x: { status: active } }\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::os::unix::fs::symlink(outside.path(), repo.join("tables")).unwrap();
    for args in [&["check", "tables/"][..], &["check", "tables"], &["check", "./tables/"]] {
        let (code, out, err) = run_in(repo, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("is outside the table's root ("), "{err}");
        assert!(!format!("{out}{err}").contains("ghp_leakedtoken"), "{out}{err}");
    }
    std::fs::write(repo.join("psapguard.toml"), "table = \"tables/\"\n").unwrap();
    let (code, out, err) = run_in(repo, &["check", "--format", "json"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!format!("{out}{err}").contains("ghp_leakedtoken"), "{out}{err}");
}

/// 23.5: a psapguard.toml key with line breaks cannot emit workflow commands through stderr,
/// nor a terminal escape.
#[test]
fn stderr_carries_no_workflow_command_or_escape() {
    let dir = repo_at_base(&base_text());
    let repo = dir.path();
    std::fs::write(
        repo.join("psapguard.toml"),
        "table = \"tables\"\n\"x\\n::add-mask::secret\\n::set-output name=exit-code::0\\u001b[2J\" = 1\n",
    )
    .unwrap();
    for args in [&["check"][..], &["diff", "--base", "HEAD", "--format", "github"]] {
        let (code, out, err) = run_in(repo, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert_no_workflow_commands(&out);
        assert_no_workflow_commands(&err);
        assert!(err.starts_with("psapguard: "), "{err}");
    }
    // clap quotes what it refuses: the same escaping.
    let (code, _, err) = run_in(repo, &["check", "--no-such\n::add-mask::x"]);
    assert_eq!(code, 2);
    assert_no_workflow_commands(&err);
}

/// 23.5: action.yml never pastes a step's output into a script: outputs go through `env:`.
#[test]
fn the_action_passes_outputs_through_the_environment() {
    let action = std::fs::read_to_string("action.yml").unwrap();
    for line in action.lines().filter(|l| l.trim_start().starts_with("run:")) {
        assert!(!line.contains("${{"), "an expression inside a script: {line}");
    }
}

/// 23.6: report and baseline files planted as links or FIFOs in the checkout are refused and
/// left alone (nothing is written through them); a regular file is replaced by a new one.
#[test]
fn reports_are_not_written_through_planted_links_or_fifos() {
    let dir = repo_at_base(&base_text());
    let repo = dir.path();
    let victim = tempfile::tempdir().unwrap();
    let target = victim.path().join("authorized_keys");
    std::fs::write(&target, "ssh-ed25519 KEEP\n").unwrap();
    std::os::unix::fs::symlink(&target, repo.join("comment.md")).unwrap();
    std::os::unix::fs::symlink(&target, repo.join("baseline.json")).unwrap();
    std::os::unix::fs::symlink(victim.path().join("absent"), repo.join("dangling.md")).unwrap();
    assert!(
        Process::new("mkfifo")
            .arg(repo.join("fifo.md"))
            .status()
            .unwrap()
            .success()
    );
    for args in [
        &[
            "diff",
            "--base",
            "HEAD",
            "--format",
            "markdown",
            "--output",
            "comment.md",
        ][..],
        &["check", "--format", "markdown", "--output", "dangling.md"],
        &["check", "--format", "sarif", "--output", "fifo.md"],
        &["check", "--write-baseline", "baseline.json"],
    ] {
        let (code, out, err) = run_in(repo, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("only a regular file is replaced"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "ssh-ed25519 KEEP\n");
    assert!(!victim.path().join("absent").exists());
    // A regular file is replaced, and nothing is left beside it.
    std::fs::write(repo.join("report.md"), "old").unwrap();
    let (code, _, err) = run_in(repo, &["check", "--format", "markdown", "--output", "report.md"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(repo.join("report.md"))
            .unwrap()
            .contains("psapguard")
    );
    let left: Vec<_> = std::fs::read_dir(repo)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

fn check_json_in(dir: &Path) -> serde_json::Value {
    let (_, out, err) = run_in(dir, &["check", ".", "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"))
}

fn of_rule<'v>(v: &'v serde_json::Value, rule: &str) -> Vec<&'v serde_json::Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// 23.10: a thousand copies of one pool (66 KB) are one finding, not 499,500; a thousand
/// nested ranges list 1,000 pairs and count the rest in a closing note.
#[test]
fn quadratic_pool_overlaps_are_grouped_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let pools = |range: &dyn Fn(usize) -> String| {
        let mut t = String::from("version: 1\npsaps:\n  a-911: { status: active, positions: 2 }\npools:\n");
        for i in 0..1000 {
            t.push_str(&format!(
                "  esrk-{i}: {{ kind: esrk, range: {}, psap: a-911 }}\n",
                range(i)
            ));
        }
        t
    };
    std::fs::write(dir.path().join("t.yaml"), pools(&|_| "3165550100-3165550199".into())).unwrap();
    let v = check_json_in(dir.path());
    let f = of_rule(&v, "pool-overlap");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["entities"].as_array().unwrap().len(), 1000);
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("1,000 pools have the same range")
    );
    std::fs::write(
        dir.path().join("t.yaml"),
        pools(&|i| format!("{}-3165559999", 3165550100 + i)),
    )
    .unwrap();
    let v = check_json_in(dir.path());
    let f = of_rule(&v, "pool-overlap");
    assert_eq!(f.len(), 1001);
    assert!(
        f.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .starts_with("498,500 more overlapping pairs of pools are not listed")),
        "{v:#}"
    );
}

/// A PSAP layer of `n` square features (GeoJSON), the `i`th given by `west(i)`.
fn squares(dir: &Path, n: usize, west: impl Fn(usize) -> f64) {
    let features: Vec<String> = (0..n)
        .map(|i| {
            let w = west(i);
            format!(
                r#"{{"type":"Feature","properties":{{"DiscrpAgID":"x","DateUpdate":"2025-01-01","NGUID":"P{i}@x","Agency_ID":"x","ServiceURI":"sip:a@x","ServiceURN":"urn:emergency:service:sos.psap","AVcard_URI":"https://x","DsplayName":"A"}},"geometry":{{"type":"Polygon","coordinates":[[[{w},37.0],[-96.9,37.0],[-96.9,37.1],[{w},37.1],[{w},37.0]]]}}}}"#
            )
        })
        .collect();
    std::fs::write(
        dir.join("psap.geojson"),
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
    )
    .unwrap();
    std::fs::write(
        dir.join("table.yaml"),
        "version: 1\nboundaries:\n  - { file: psap.geojson, kind: psap }\npsaps:\n  a-911: { status: active, uri: 'sip:a@x' }\n",
    )
    .unwrap();
}

/// 23.10: identical boundary squares are one overlap finding; nested ones are bounded.
#[test]
fn quadratic_boundary_overlaps_are_grouped_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    squares(dir.path(), 1000, |_| -97.0);
    let v = check_json_in(dir.path());
    let f = of_rule(&v, "boundary-overlap");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["entities"].as_array().unwrap().len(), 1000);
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("1,000 psap boundaries are the same polygon")
    );
    squares(dir.path(), 200, |i| -97.0 + i as f64 * 1e-5);
    let v = check_json_in(dir.path());
    let f = of_rule(&v, "boundary-overlap");
    assert_eq!(f.len(), 1001, "{v:#}");
    assert!(
        f.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .starts_with("18,900 more pairs of boundaries whose extents meet were not compared")),
        "{v:#}"
    );
}

/// A copy of `examples/denver` whose network.yaml is edited by `edit`.
fn denver_network(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    common::denver_with("network.yaml", edit)
}

/// 23.9: a GeoPackage "layer" that is a view (here, a hundred million rows from a 48 KB file,
/// which SQLite would sort in temporary storage) is refused before any query runs on it.
#[test]
fn a_geopackage_view_is_not_read() {
    let dir = denver_network(|t| t.replace("layer: PsapPolygon, kind: psap", "layer: Blow, kind: psap"));
    let db = rusqlite::Connection::open(dir.path().join("gis/denver.gpkg")).unwrap();
    let columns: Vec<String> = db
        .prepare("PRAGMA table_info(PsapPolygon)")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(1))
        .unwrap()
        .map(Result::unwrap)
        .filter(|c| c != "fid")
        .map(|c| format!("p.{c}"))
        .collect();
    db.execute_batch(&format!(
        "CREATE VIEW Blow AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n LIMIT 100000000) \
         SELECT n.x AS rowid, {} FROM n, PsapPolygon p ORDER BY random();
         INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id, last_change) VALUES ('Blow', 'features', 'Blow', 4326, '2026-01-01T00:00:00.000Z');
         INSERT INTO gpkg_geometry_columns VALUES ('Blow', 'geom', 'MULTIPOLYGON', 4326, 0, 0);",
        columns.join(", ")
    ))
    .unwrap();
    drop(db);
    let started = std::time::Instant::now();
    let v = check_json_in(dir.path());
    assert!(started.elapsed().as_secs() < 30);
    let f = of_rule(&v, "boundary-format");
    assert_eq!(f.len(), 1, "{v:#}");
    assert!(
        f[0]["message"].as_str().unwrap().contains("is a view, not a table"),
        "{v:#}"
    );
}

/// 23.11: one layer named again and again is read once; each repeat is one finding.
#[test]
fn a_layer_named_many_times_is_read_once() {
    let repeat = "  - { file: gis/denver.gpkg, layer: PsapPolygon, kind: psap }\n".repeat(9);
    let dir = denver_network(|t| {
        t.replace(
            "  - { file: gis/denver.gpkg, layer: PsapPolygon, kind: psap }\n",
            &format!("  - {{ file: gis/denver.gpkg, layer: PsapPolygon, kind: psap }}\n{repeat}"),
        )
    });
    let v = check_json_in(dir.path());
    let f = of_rule(&v, "boundary-format");
    assert_eq!(f.len(), 9, "{v:#}");
    assert!(f[0]["message"].as_str().unwrap().contains("is named again here"));
    assert!(of_rule(&v, "boundary-overlap").is_empty(), "{v:#}");
}

/// 23.11: a 5 MB key is cut before it is escaped or framed: the human report stays small.
#[test]
fn a_huge_token_is_cut_before_it_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let token = "A".repeat(5_000_000);
    std::fs::write(
        dir.path().join("t.yaml"),
        format!("version: 1\npsaps:\n  a-911: {{ status: active, {token}: 1 }}\n"),
    )
    .unwrap();
    let (code, out, err) = run_in(dir.path(), &["check", "t.yaml"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.len() < 5_000, "{} bytes", out.len());
    assert!(out.contains("unknown field"), "{out}");
}

/// 22.6: layers kept in Git LFS. At the base the layer is a pointer: read through git's own
/// filter when the object is there (a stand-in for git-lfs's smudge, set in the repository's
/// git configuration as git-lfs sets it), else exit 2 with the reason — never a false blast
/// radius from every boundary counted as added.
#[test]
fn a_layer_in_git_lfs_is_read_through_git_or_fails_closed() {
    let dir = office_repo();
    let repo = dir.path();
    let object = tempfile::tempdir().unwrap();
    let stored = object.path().join("denver.gpkg");
    std::fs::copy(repo.join("gis/denver.gpkg"), &stored).unwrap();
    let size = std::fs::metadata(&stored).unwrap().len();
    let pointer = format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize {size}\n"
    );
    git(repo, &["rm", "-q", "--cached", "gis/denver.gpkg"]);
    std::fs::write(
        repo.join(".gitattributes"),
        "*.gpkg filter=lfs diff=lfs merge=lfs -text\n",
    )
    .unwrap();
    // The pointer is what git stores; the work tree holds the real file, as after a checkout.
    let real = std::fs::read(repo.join("gis/denver.gpkg")).unwrap();
    std::fs::write(repo.join("gis/denver.gpkg"), &pointer).unwrap();
    git(repo, &["add", ".gitattributes", "gis/denver.gpkg"]);
    git(repo, &["commit", "-qm", "layers in LFS"]);
    // A checkout without the object: the work tree's layer is the pointer, and says so.
    let (_, out, _) = run_in(repo, &["check", "tables", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        of_rule(&v, "boundary-format")
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("is a Git LFS pointer")),
        "{v:#}"
    );
    std::fs::write(repo.join("gis/denver.gpkg"), &real).unwrap();

    // Without the object: exit 2, said plainly.
    let (code, out, err) = run_in(repo, &["diff", "--base", "HEAD", "tables"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("this layer is a Git LFS pointer at HEAD (object not fetched)"),
        "{err}"
    );
    // With it: read through the filter, and nothing moves.
    let smudge = format!("sh -c 'cat >/dev/null; cat \"{}\"'", stored.display());
    git(repo, &["config", "filter.lfs.smudge", &smudge]);
    let (code, out, err) = run_in(repo, &["diff", "--base", "HEAD", "tables", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    assert!(v.get("boundary_features").is_none(), "{v:#}");
    assert!(!common::rules_of(&v).contains(&"blast-radius"), "{v:#}");
    assert_eq!(code, 0, "{v:#}");
}

/// 23.7: a waiver reason and a quoted value written as Markdown (an image, a link, a
/// mention, a backtick that closes a code span) stay text in the pull-request comment.
#[test]
fn the_comment_renders_no_markdown_of_the_authors() {
    let dir = repo_at_base(&base_text());
    let repo = dir.path();
    let payload = "x` ![pixel](https://evil.example/p.png) [click](https://evil.example) @octocat www.evil.example <img src=x> `y";
    change(repo, |t| {
        t.replace(
            "  a-911: { status: active,",
            &format!(
                "  a-911: {{ waivers: [{{ rule: single-point-of-failure, reason: '{payload}' }}], status: active,"
            ),
        )
        .replace("  o1: { kind: esz,", &format!("  o1: {{ '{payload}': 1, kind: esz,"))
    });
    let (_, md, err) = run_in(repo, &["diff", "--base", "HEAD", "--format", "markdown"]);
    assert!(md.contains("Waivers this change adds"), "{md}{err}");
    assert!(md.contains("unknown field"), "{md}");
    // Inside a fenced block (the YAML edits) text is text; everywhere else nothing is live.
    let mut outside = String::new();
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.len() - line.trim_start_matches('`').len();
        match fence {
            Some(n) if ticks >= n && line.trim_start_matches('`').is_empty() => fence = None,
            Some(_) => {}
            None if ticks >= 3 => fence = Some(ticks),
            None => outside.push_str(&format!("{line}\n")),
        }
    }
    assert!(outside.contains("octocat"), "{outside}");
    for live in [
        "![pixel](",
        "](https://",
        "@octocat",
        "www.evil",
        "<img",
        "https://evil",
    ] {
        assert!(!outside.contains(live), "{live} is live in:\n{outside}");
    }
}

/// 23.3: the shipped CI templates and hooks run on every change: a path filter that skips a
/// `.dbf`, `.prj` or upper-case `.GPKG` lets a routing change through unreviewed.
#[test]
fn the_ci_templates_do_not_filter_by_path() {
    let github = std::fs::read_to_string("ci/github-workflow.yml").unwrap();
    assert!(!github.lines().any(|l| l.trim_start().starts_with("paths")), "{github}");
    let gitlab = std::fs::read_to_string("ci/gitlab-ci.yml").unwrap();
    assert!(
        !gitlab
            .lines()
            .any(|l| l.trim_start().trim_start_matches("- ").starts_with("changes")),
        "{gitlab}"
    );
    let hooks = std::fs::read_to_string(".pre-commit-hooks.yaml").unwrap();
    assert!(!hooks.lines().any(|l| l.trim_start().starts_with("files:")), "{hooks}");
    assert_eq!(hooks.matches("always_run: true").count(), 2, "{hooks}");
    let action = std::fs::read_to_string("action.yml").unwrap();
    assert!(!action.contains("paths:"), "{action}");
}

/// 23.8: JUnit stays well-formed XML when a quoted value holds characters XML forbids.
#[test]
fn junit_holds_no_character_xml_forbids() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.yaml"),
        "version: 1\npsaps:\n  a-911: { status: active, \"a\\uFFFEb\\uFFFF\\u0001\": 1 }\n",
    )
    .unwrap();
    let (code, out, err) = run_in(dir.path(), &["check", "t.yaml", "--format", "junit"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("failures=\"1\""), "{out}");
    let forbidden =
        |c: char| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    assert!(!out.chars().any(forbidden), "{out:?}");
    assert!(out.contains("a\\u{fffe}b\\u{ffff}"), "{out}");
}
