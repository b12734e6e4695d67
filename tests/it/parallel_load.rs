//! A table of many files reads the same on any number of threads: the files read at once are
//! merged in file order, so the elements, their ids, the duplicate-id findings (first
//! definition in an earlier file or the same one), schema findings in elements a later file
//! defines again, parse errors and the table's name come out as reading one file after
//! another gives them. Case count: PROPTEST_CASES.

use proptest::prelude::*;
use psapguard::load::{Loaded, from_sources_with};
use psapguard::model::SourceFile;

/// A few ids shared by every file, so that files define each other's ids again.
const IDS: [&str; 6] = ["a", "b", "c", "esrp-1", "psap-1", "o-1"];

/// One element written in a file: its section, id, and whether a field is broken.
#[derive(Debug, Clone)]
struct Entry {
    section: usize,
    id: usize,
    broken: bool,
}

fn entry_text(e: &Entry) -> String {
    let id = IDS[e.id];
    match (e.section, e.broken) {
        (0, false) => format!("psaps:\n  {id}: {{ status: active }}\n"),
        (0, true) => format!("psaps:\n  {id}: {{ status: bogus }}\n"),
        (1, false) => format!("routers:\n  {id}: {{ kind: esrp, default: psap-1 }}\n"),
        (1, true) => format!("routers:\n  {id}: {{ kind: esrp, defualt: psap-1 }}\n"),
        (2, false) => format!("origins:\n  {id}: {{ kind: esz, esn: 100, ingress: [esrp-1] }}\n"),
        (2, true) => format!("origins:\n  {id}: {{ kind: esz, esn: -4, ingress: [esrp-1] }}\n"),
        (_, false) => format!("domains:\n  {id}: {{ kind: site }}\n"),
        (_, true) => format!("domains:\n  {id}: {{ kind: [site] }}\n"),
    }
}

/// A file: its entries (one section key each, so a file may repeat a section and get a
/// schema finding for it too), maybe a name, maybe a parse error at the end.
fn file_text(entries: &[Entry], name: Option<u8>, broken_yaml: bool) -> String {
    let mut text = String::from("version: 1\n");
    if let Some(n) = name {
        text.push_str(&format!("name: table {n}\n"));
    }
    for e in entries {
        text.push_str(&entry_text(e));
    }
    if broken_yaml {
        text.push_str("origins: [unclosed\n");
    }
    text
}

fn files() -> impl Strategy<Value = Vec<String>> {
    let entry = (0usize..4, 0usize..IDS.len(), proptest::bool::weighted(0.2)).prop_map(|(section, id, broken)| Entry {
        section,
        id,
        broken,
    });
    let file = (
        proptest::collection::vec(entry, 0..5),
        proptest::option::weighted(0.3, 0u8..3),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(entries, name, broken)| file_text(&entries, name, broken));
    proptest::collection::vec(file, 2..7)
}

fn load(texts: &[String], workers: usize) -> Loaded {
    let sources = texts
        .iter()
        .enumerate()
        .map(|(i, text)| SourceFile::in_memory(format!("t/{i:02}.yaml"), text.as_str()))
        .collect();
    from_sources_with(sources, vec![], workers)
}

/// Everything the rules read of a load, in a form that compares whole.
fn summary(loaded: &Loaded) -> String {
    let t = &loaded.table;
    let mut problems: Vec<String> = loaded.problems.iter().map(|p| format!("{p:?}")).collect();
    problems.sort();
    let ids: Vec<String> = t
        .elements()
        .map(|(id, e)| format!("{id} {e:?} {:?} {:?}", t.lookup(id), t.element_loc(e)))
        .collect();
    format!(
        "name {:?}\npsaps {:?}\nrouters {:?}\norigins {:?}\ndomains {:?}\nids {ids:#?}\nproblems {problems:#?}",
        t.name, t.psaps, t.routers, t.origins, t.domains
    )
}

proptest! {
    #[test]
    fn the_same_on_any_number_of_threads(texts in files(), workers in 2usize..5) {
        let one = summary(&load(&texts, 1));
        prop_assert_eq!(one, summary(&load(&texts, workers)));
    }
}

/// The cases the merge must get right, spelled out: an id defined in an earlier file, twice in
/// a later one (the second's finding names the earlier file's definition), with a schema
/// problem in the later definition that reading in order never builds.
#[test]
fn a_later_file_defining_an_id_again_reads_as_in_order() {
    let texts = vec![
        "version: 1\nname: first\npsaps:\n  x: { status: active }\n".to_string(),
        "version: 1\nname: second\norigins:\n  x: { kind: esz, esn: -4, ingress: [r] }\npsaps:\n  x: { status: active }\n  y: { status: active }\n".to_string(),
    ];
    let parallel = load(&texts, 2);
    assert_eq!(summary(&load(&texts, 1)), summary(&parallel));
    assert_eq!(parallel.table.name.as_deref(), Some("first"));
    assert_eq!(parallel.table.psaps.len(), 2, "x from the first file and y");
    assert!(parallel.table.origins.is_empty());
    let firsts: Vec<_> = parallel
        .problems
        .iter()
        .map(|p| match &p.kind {
            psapguard::load::ProblemKind::DuplicateId { first } => (p.loc.file, p.loc.line, first.file, first.line),
            other => panic!("only duplicate ids expected, found {other:?}: {}", p.message),
        })
        .collect();
    assert_eq!(firsts, vec![(1, 4, 0, 4), (1, 6, 0, 4)]);
}

/// The same from a directory on disk, where each thread opens and maps its own files, and
/// a file that cannot be read (a link out of the tree) is reported where reading in order
/// reports it.
#[test]
fn a_directory_reads_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        "version: 1\nname: first\npsaps:\n  x: { status: active }\n",
        "version: 1\norigins:\n  x: { kind: esz, esn: -4, ingress: [r] }\n  o: { kind: esz, ingress: [r] }\n",
        "version: 1\nrouters:\n  r: { kind: esrp, default: x }\n",
    ];
    for (i, text) in texts.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i}.yaml")), text).unwrap();
    }
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("9-outside.yaml")).unwrap();
    let load = |workers| psapguard::load::load_with(&[dir.path().to_path_buf()], workers).unwrap();
    let (one, several) = (load(1), load(3));
    assert_eq!(summary(&one), summary(&several));
    assert_eq!(several.table.origins.len(), 1, "x is the PSAP of the first file");
    assert_eq!(several.table.routers.len(), 1);
    let kinds: Vec<_> = several
        .problems
        .iter()
        .map(|p| (p.loc.file, format!("{:?}", p.kind)))
        .collect();
    assert!(
        kinds.iter().any(|(f, k)| *f == 1 && k.starts_with("DuplicateId")),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|(f, k)| *f == 3 && k == "Parse"), "{kinds:?}");
}
