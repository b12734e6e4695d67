//! The library's rooms, lowest first: a module may use its own room and the rooms below it,
//! never one above (no import circles). A new module must be placed here.

use std::path::Path;

/// (module, layer). Utilities that import nothing of the crate sit at the bottom.
const LAYERS: &[(&str, u32)] = &[
    ("model", 0),
    ("date", 0),
    ("suggest", 0),
    ("progress", 0),
    ("escape", 0),
    ("error", 0),
    // `declare_rule!` is exported at the crate root from `finding`.
    ("declare_rule", 1),
    ("finding", 1),
    ("load", 2),
    ("engine", 2),
    ("analysis", 3),
    ("capacity", 3),
    ("coverage", 3),
    ("rules", 4),
    ("check", 5),
    ("config", 5),
    ("explain", 5),
    ("diff", 6),
    ("lost", 6),
    ("baseline", 6),
    ("simulate", 6),
    ("graph", 6),
    ("report", 7),
    ("cli", 8),
];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

/// The top-level module a source file belongs to (`src/load/yaml.rs` → `load`).
fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string()
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::NAME` a file names (in `use` lines and in paths).
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before == Some('$') {
            continue; // a macro's `$crate::` names the room the macro is defined in
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            // `use crate::{a, b}`: every name in the braces.
            if let Some(inner) = rest.strip_prefix('{') {
                let end = inner.find('}').unwrap_or(inner.len());
                for part in inner[..end].split(',') {
                    let n: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !n.is_empty() {
                        out.push(n);
                    }
                }
            }
            continue;
        }
        out.push(name);
    }
    out
}

#[test]
fn no_module_imports_a_room_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for path in &files {
        let module = module_of(path, &src);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer(&module) else {
            wrong.push(format!(
                "{}: module `{module}` has no layer in tests/it/layers.rs",
                path.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(path).expect("readable");
        for used in crate_paths(&text) {
            match layer(&used) {
                None => wrong.push(format!("{}: `crate::{used}` is not a known room", path.display())),
                Some(l) if l > own => wrong.push(format!(
                    "{}: `{module}` (layer {own}) uses `{used}` (layer {l}), a room above it",
                    path.display()
                )),
                Some(_) => {}
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_layer_check_sees_braced_and_plain_paths() {
    let names = crate_paths("use crate::{model::Loc, rules::X};\nlet x = crate::cli::run();\n$crate::finding::Y");
    assert_eq!(names, vec!["model", "rules", "cli"]);
}

#[test]
fn no_source_file_is_over_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).ok()?.lines().count();
            (n > 600).then(|| format!("{} has {n} lines", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}
