fn main() {
    std::process::exit(psapguard::cli::main());
}
