//! The fuzzers' corpus of interesting inputs (`fuzz/regressions/`, kept from `cargo fuzz`
//! runs of the `load` and `check` targets) replayed on every `cargo test`: loading, checking
//! and rendering each input in every format must not panic.

use psapguard::check::check;
use psapguard::finding::Levels;
use psapguard::model::SourceFile;
use psapguard::report::{Format, Output, human::Style, render};

#[test]
fn fuzz_corpus_replays_without_panics() {
    let mut inputs: Vec<_> = std::fs::read_dir("fuzz/regressions")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(inputs.len() > 50, "the corpus is missing");
    let settings = psapguard::rules::Settings {
        today: "2026-01-01".into(),
        ..Default::default()
    };
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let Ok(text) = String::from_utf8(bytes) else { continue };
        let loaded = psapguard::load::from_sources(vec![SourceFile::in_memory("fuzz.yaml", text)], vec![]);
        let report = check(&loaded, &settings, &Levels::new()).report;
        let out = Output::check(&loaded.table, &report);
        for format in [
            Format::Human,
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::Junit,
            Format::Markdown,
            Format::Html,
        ] {
            let text = render(
                format,
                &out,
                Style {
                    color: false,
                    width: 100,
                },
            );
            assert!(
                !text.is_empty() || format == Format::Github,
                "{}: empty {format:?} report",
                path.display()
            );
        }
    }
}
