//! Builds a table directory from bytes — files, links inside and out of the tree, FIFOs,
//! odd names — and loads it: the `tree` fuzz target and a property test in `tests/it/hostile.rs`
//! share it. What must hold: no panic, no hang, and nothing outside the tree is read.

use std::path::Path;

/// A table outside the tree; its name must never show up in what psapguard read.
pub(super) const SENTINEL: &str = "SECRET-SENTINEL-4471";

const NAMES: &[&str] = &[
    "a.yaml",
    "b.yml",
    "sub",
    "sub/c.yaml",
    "sub/deeper",
    "sub/deeper/d.yaml",
    "-.yaml",
    "x\ny.yaml",
    "\u{1b}[31m.yaml",
    "e.yaml",
    "link",
    "zz.yaml",
];

const GOOD: &str = "version: 1\npsaps:\n  p1: { status: active }\n";

/// Interprets `data` three bytes at a time (what to make, its name, a target) inside
/// `root`, with `outside` a directory beside it holding the sentinel table.
pub(super) fn build(root: &Path, outside: &Path, data: &[u8]) {
    std::fs::write(outside.join("secret.yaml"), format!("version: 1\nname: {SENTINEL}\n")).unwrap();
    for op in data.chunks(3).take(24) {
        let [kind, name, target] = [op[0], *op.get(1).unwrap_or(&0), *op.get(2).unwrap_or(&0)];
        let path = root.join(NAMES[name as usize % NAMES.len()]);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let inside = root.join(NAMES[target as usize % NAMES.len()]);
        let _ = match kind % 8 {
            // create_new: never open what is there already (writing into a FIFO would block).
            0 => std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, GOOD.as_bytes())),
            1 => std::fs::create_dir_all(&path),
            2 => std::os::unix::fs::symlink(&inside, &path),
            3 => std::os::unix::fs::symlink(outside.join("secret.yaml"), &path),
            4 => std::os::unix::fs::symlink(outside, &path),
            5 => std::os::unix::fs::symlink("/proc/self/environ", &path),
            6 => std::process::Command::new("mkfifo").arg(&path).status().map(|_| ()),
            _ => std::os::unix::fs::symlink("/dev/zero", &path),
        };
    }
}

/// Loads the tree and checks that nothing from outside it was read.
pub(super) fn load_and_check(root: &Path) {
    let Ok(loaded) = psapguard::load::load(&[root.to_path_buf()]) else {
        return;
    };
    assert!(
        loaded.table.name.as_deref() != Some(SENTINEL),
        "a table outside the tree was read"
    );
    for p in &loaded.problems {
        assert!(!p.message.contains(SENTINEL), "{}", p.message);
    }
}
