//! Loading arbitrary bytes as a table file never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psapguard::model::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = psapguard::load::from_sources(vec![SourceFile::in_memory("fuzz.yaml", text.to_string())], vec![]);
});
