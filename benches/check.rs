//! Benchmarks: load, check and diff of generated national tables at 20k, 200k and 1M origins,
//! against the floor — saphyr-parser's raw event stream over the same file, building nothing.
//!
//! Tables come from `cargo run --release --example gen_table` (made on first use in
//! `target/bench-tables/`, or in `$PSAPGUARD_BENCH_DIR`). `PSAPGUARD_BENCH_SIZES=20000,200000`
//! picks sizes (default: all three). See BENCHMARKS.md for the figures and how they were taken.

// As the binary: the library is measured with the allocator it runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use psapguard::check::check;
use psapguard::finding::Levels;
use psapguard::rules::Settings;

fn tables_dir() -> PathBuf {
    std::env::var_os("PSAPGUARD_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-tables"))
}

fn sizes() -> Vec<usize> {
    std::env::var("PSAPGUARD_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![20_000, 200_000, 1_000_000])
}

/// The table of `origins` origins and a copy with a one-line change (a rule re-pointed).
fn tables(origins: usize) -> (PathBuf, PathBuf) {
    let dir = tables_dir();
    let table = dir.join(format!("us-{origins}.yaml"));
    let changed = dir.join(format!("us-{origins}-changed.yaml"));
    if !table.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "run",
                "--release",
                "--example",
                "gen_table",
                "--",
                "--origins",
                &origins.to_string(),
                "--out",
            ])
            .arg(&table)
            .status()
            .unwrap();
        assert!(status.success(), "gen_table failed");
    }
    if !changed.exists() {
        let text = std::fs::read_to_string(&table).unwrap();
        // Re-point the first ESN rule of the first router at the state's default PSAP.
        let line = text.lines().position(|l| l.trim_start().starts_with("to: ")).unwrap();
        let default = text
            .lines()
            .find(|l| l.trim_start().starts_with("default: "))
            .unwrap()
            .trim_start()
            .trim_start_matches("default: ");
        let edited: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == line {
                    format!("        to: {default}")
                } else {
                    l.to_string()
                }
            })
            .collect();
        std::fs::write(&changed, edited.join("\n") + "\n").unwrap();
    }
    (table, changed)
}

fn floor(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let mut events = 0;
    for event in saphyr_parser::Parser::new_from_str(&text) {
        event.expect("the generated table is valid YAML");
        events += 1;
    }
    events
}

fn bench(c: &mut Criterion) {
    let settings = Settings {
        today: "2026-01-01".into(),
        ..Settings::default()
    };
    let overrides = Levels::new();
    for origins in sizes() {
        let (table, changed) = tables(origins);
        let mut g = c.benchmark_group(format!("{origins}-origins"));
        g.sample_size(10);
        g.bench_function(BenchmarkId::new("floor", "raw YAML events"), |b| {
            b.iter(|| floor(&table))
        });
        g.bench_function(BenchmarkId::new("load", "model"), |b| {
            b.iter(|| psapguard::load::load(std::slice::from_ref(&table)).unwrap())
        });
        g.bench_function(BenchmarkId::new("check", "all rules, N-1"), |b| {
            b.iter(|| {
                let loaded = psapguard::load::load(std::slice::from_ref(&table)).unwrap();
                check(&loaded, &settings, &overrides).report.findings.len()
            })
        });
        g.bench_function(BenchmarkId::new("diff", "one-line change"), |b| {
            b.iter(|| {
                let old = psapguard::load::load(std::slice::from_ref(&table)).unwrap();
                let before = psapguard::diff::Before::new(old, &settings, &overrides);
                let new = psapguard::load::load(std::slice::from_ref(&changed)).unwrap();
                psapguard::diff::diff(&before, &new, &settings, &overrides, &Default::default())
                    .diff
                    .changes
                    .len()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
