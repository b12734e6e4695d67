//! The psapguard binary: the allocator, the command line, the process exit.

// Many small allocations cross from the parsing thread to the building thread; mimalloc
// handles that far better than the system allocator (a third off a national check). Programs
// that measure the library (benches, examples/phases.rs) declare it too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(psapguard::cli::main());
}
