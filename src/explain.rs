//! `psapguard explain`: rule documentation from each rule's own doc comment.

use crate::rules::{RuleMeta, all_meta, lookup, names};

/// One rule's page, or the list of rules.
pub fn explain(rule: Option<&str>) -> Result<String, crate::error::Error> {
    match rule {
        Some(name) => {
            let meta = lookup(name).ok_or_else(|| {
                let hint = crate::suggest::hint(name, names());
                crate::error::Error::Usage(format!(
                    "there is no rule `{name}`{hint} (`psapguard explain` lists them)"
                ))
            })?;
            Ok(page(meta))
        }
        None => Ok(list()),
    }
}

pub fn page(meta: &RuleMeta) -> String {
    let doc: String = meta
        .doc
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "# {}\n\nDefault severity: {}\n\n{}\n",
        meta.name,
        meta.severity.name(),
        doc.trim()
    )
}

pub fn list() -> String {
    let mut out = String::new();
    for m in all_meta() {
        out.push_str(&format!(
            "{:<26} {:<8} {}\n",
            m.name,
            m.severity.name(),
            first_sentence(m.summary())
        ));
    }
    out
}

fn first_sentence(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(i) => flat[..=i].to_string(),
        None => flat,
    }
}

/// `docs/rules.md`: every rule's page.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# psapguard rules\n\nGenerated from the rules' doc comments by `psapguard explain --markdown`; `cargo test` fails when it is stale. Do not edit.\n\n| rule | default | what it reports |\n|---|---|---|\n",
    );
    for m in all_meta() {
        out.push_str(&format!(
            "| [{0}](#{0}) | {1} | {2} |\n",
            m.name,
            m.severity.name(),
            first_sentence(m.summary())
        ));
    }
    for m in all_meta() {
        out.push('\n');
        out.push_str(
            &page(m)
                .replacen("# ", "## ", 1)
                .replace("\n## What", "\n### What")
                .replace("\n## Why", "\n### Why")
                .replace("\n## Example", "\n### Example")
                .replace("\n## How", "\n### How"),
        );
    }
    out
}
