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
