//! The committed schema is the one generated from the types, and the fast builder agrees
//! with JSON Schema validation on every fixture.

use psapguard::load::{ProblemKind, load, schema, yaml};

#[test]
fn committed_schema_matches_the_types() {
    let committed = std::fs::read_to_string("schemas/routing-table.schema.json").unwrap();
    assert_eq!(
        committed,
        psapguard::schema_text(),
        "schemas/routing-table.schema.json is stale: run `cargo run -- schema > schemas/routing-table.schema.json`"
    );
}

fn yaml_files(dir: &str, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            yaml_files(p.to_str().unwrap(), out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn builder_and_json_schema_agree_on_every_fixture() {
    let mut files = Vec::new();
    yaml_files("fixtures", &mut files);
    yaml_files("examples", &mut files);
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(Some(root)) = yaml::parse(&text, yaml::Limits::default()) else {
            continue;
        };
        let by_schema = !schema::validate(&root).is_empty();
        let loaded = load(std::slice::from_ref(&path)).unwrap();
        let by_builder = loaded.problems.iter().any(|p| p.kind == ProblemKind::Schema);
        assert_eq!(
            by_schema,
            by_builder,
            "{}: schema says invalid={by_schema}, builder says {by_builder}",
            path.display()
        );
    }
}
