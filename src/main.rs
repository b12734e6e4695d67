fn main() {
    std::process::exit(psapguard::cli::main());
}

// Many small allocations cross from the parsing thread to the building thread; mimalloc
// handles that far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
