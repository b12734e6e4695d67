// Temporary: live heap bytes after each phase of a check (not committed).
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static M: mimalloc::MiMalloc = mimalloc::MiMalloc;
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(n, Relaxed);
        unsafe { M.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { M.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if n > l.size() { let v = LIVE.fetch_add(n - l.size(), Relaxed) + n - l.size(); PEAK.fetch_max(v, Relaxed); } else { LIVE.fetch_sub(l.size() - n, Relaxed); }
        unsafe { M.realloc(p, l, n) }
    }
}
#[global_allocator]
static G: Counting = Counting;
fn mb(n: usize) -> usize { n >> 20 }
fn show(what: &str) {
    println!("{what:<28} live {:>5} MB  peak {:>5} MB", mb(LIVE.load(Relaxed)), mb(PEAK.load(Relaxed)));
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let loaded = psapguard::load::load(&[path.into()]).unwrap();
    show("load");
    let settings = psapguard::rules::Settings::default();
    let table = &loaded.table;
    let cov = (!table.boundaries.is_empty()).then(|| psapguard::coverage::Coverage::build(table, &settings.today, &settings.gis));
    show("coverage");
    let net = psapguard::check::policy_net(table, &settings.today, cov.as_ref());
    show("policy net");
    let a = psapguard::analysis::analyse_routed(table, net.as_ref(), settings.max_hops);
    show("analyse");
    println!("  classes {} normal {} runs {} ends {} loops {}", a.classes.len(), a.normal.len(), a.runs.len(),
        a.runs.iter().map(|r| r.ends.len()).sum::<usize>(), a.runs.iter().map(|r| r.loops.len()).sum::<usize>());
    drop(a); drop(net); drop(cov);
    show("dropped");
    let c = psapguard::check::check(&loaded, &settings, &Default::default());
    show("check (all)");
    drop(c);
}
