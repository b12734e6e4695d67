//! A full check (all rules, N-1) and every renderer on arbitrary bytes never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psapguard::check::check;
use psapguard::finding::Levels;
use psapguard::model::SourceFile;
use psapguard::report::{Format, Output, render};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = psapguard::load::from_sources(vec![SourceFile::in_memory("fuzz.yaml", text.to_string())], vec![]);
    let settings = psapguard::rules::Settings { today: "2026-01-01".into(), ..Default::default() };
    let report = check(&loaded, &settings, &Levels::new()).report;
    let out = Output { table: &loaded.table, report: &report, diff: None, pictures: None };
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github, Format::Junit, Format::Markdown] {
        let _ = render(format, &out, psapguard::report::human::Style { color: false, width: 100 });
    }
});
