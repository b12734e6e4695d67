//! Directory trees with random files, links, FIFOs and names: loading never panics, hangs or
//! reads outside the tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../tree_builder.rs"]
mod tree_builder;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let (root, outside) = (dir.path().join("table"), dir.path().join("outside"));
    let _ = std::fs::create_dir_all(&root);
    let _ = std::fs::create_dir_all(&outside);
    tree_builder::build(&root, &outside, data);
    tree_builder::load_and_check(&root);
});
