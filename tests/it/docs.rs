//! Generated documentation stays in step with its sources: `docs/rules.md` with the rules'
//! doc comments, `docs/psapguard.1` with the CLI definition.

fn assert_fresh(path: &str, generated: String, how: &str) {
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(committed == generated, "{path} is stale: regenerate it with `{how}`");
}

#[test]
fn rules_md_is_fresh() {
    assert_fresh(
        "docs/rules.md",
        psapguard::explain::rules_markdown(),
        "cargo run -- explain --markdown > docs/rules.md",
    );
}

#[test]
fn man_page_is_fresh() {
    assert_fresh(
        "docs/psapguard.1",
        psapguard::cli::man_page(),
        "cargo run -- man > docs/psapguard.1",
    );
}

#[test]
fn every_rule_doc_has_all_four_parts() {
    for meta in psapguard::rules::all_meta() {
        for part in ["## What it does", "## Why it matters", "## Example", "## How to fix"] {
            assert!(meta.doc.contains(part), "{} lacks {part}", meta.name);
        }
    }
}

/// The README's rule table lists every rule of the registry, with its default severity, and
/// nothing else: adding a rule is one registry line, its file, its fixtures and this row.
#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let rows: Vec<(String, String)> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| rule | default |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    let registry: Vec<&str> = psapguard::rules::all_meta().map(|m| m.name).collect();
    assert_eq!(names, registry, "README rule table and registry differ");
    for ((name, default), meta) in rows.iter().zip(psapguard::rules::all_meta()) {
        assert!(
            default.starts_with(meta.severity.name()),
            "README says {name} defaults to `{default}`, the rule says {}",
            meta.severity.name()
        );
    }
}
