//! Times each phase of `check` on one table file, to find where the time goes.
//! `cargo run --release --example phases -- FILE`

// As the binary: the library is measured with the allocator it runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use psapguard::load::{schema, yaml};

fn main() {
    let path = std::env::args().nth(1).expect("a table file");
    if std::env::var_os("SKIP_TREE").is_none() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let t = Instant::now();
        let root = yaml::parse(&text, yaml::Limits::default())
            .expect("valid YAML")
            .expect("not empty");
        println!("yaml tree      {:.3}s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let json = schema::to_json(&root);
        println!("to_json        {:.3}s", t.elapsed().as_secs_f64());
        drop(json);
        let t = Instant::now();
        let v = schema::validate(&root);
        println!(
            "json schema    {:.3}s ({} violations, incl. to_json)",
            t.elapsed().as_secs_f64(),
            v.len()
        );
        drop(root);
        drop(text);
    }
    let t = Instant::now();
    let workers = std::env::var("THREADS").ok().and_then(|t| t.parse().ok());
    let workers = workers.unwrap_or_else(psapguard::load::workers);
    let loaded = psapguard::load::load_with(&[path.clone().into()], workers).expect("loads");
    println!(
        "load (all)     {:.3}s rss {} MB, peak {} MB",
        t.elapsed().as_secs_f64(),
        rss_mb(),
        peak_mb()
    );
    let t = Instant::now();
    let a = psapguard::analysis::analyse(&loaded.table, 8);
    println!(
        "analyse        {:.3}s rss {} MB ({} classes, {} runs, {} walks)",
        t.elapsed().as_secs_f64(),
        rss_mb(),
        a.classes.len(),
        a.runs.len(),
        a.runs.iter().map(|r| r.ends.len()).sum::<usize>()
    );
    let t = Instant::now();
    let report = psapguard::check::check(&loaded, &Default::default(), &Default::default()).report;
    println!(
        "check (all)    {:.3}s rss {} MB ({} findings)",
        t.elapsed().as_secs_f64(),
        rss_mb(),
        report.findings.len()
    );
    let a = psapguard::analysis::analyse(&loaded.table, 8);
    let settings = psapguard::rules::Settings::default();
    let broken = psapguard::check::broken_elements(&loaded.problems);
    let t = Instant::now();
    let coverage = (!loaded.table.boundaries.is_empty())
        .then(|| psapguard::coverage::Coverage::build(&loaded.table, &settings.today, &settings.gis));
    if let Some(coverage) = &coverage {
        println!("  {:<26} {:.3}s", "(boundary coverage)", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let placement = coverage.locate(&loaded.table);
        println!(
            "  {:<26} {:.3}s ({} located origins)",
            "(of which locating)",
            t.elapsed().as_secs_f64(),
            placement.origins.len()
        );
    }
    let cx = psapguard::rules::Context {
        table: &loaded.table,
        problems: &loaded.problems,
        broken: &broken,
        analysis: Some(&a),
        settings: &settings,
        coverage: coverage.as_ref(),
        policies: None,
    };
    for rule in psapguard::rules::RULES {
        // Peak memory of this rule alone: the kernel's high-water mark is reset first.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = rss_mb();
        let t = Instant::now();
        let mut out = Vec::new();
        rule.check(&cx, &mut out);
        println!(
            "  {:<26} {:.3}s +{} MB at peak",
            rule.meta().name,
            t.elapsed().as_secs_f64(),
            peak_mb().saturating_sub(before)
        );
    }
}

#[allow(dead_code)]
fn rss_mb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    s.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
        / 1_048_576
}

/// The process's peak resident memory so far (VmHWM).
fn peak_mb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}
