//! The floor for `check`'s speed: saphyr-parser's raw event stream over the files, building
//! nothing. `cargo run --release --example parse_floor -- FILE...`
use std::time::Instant;

fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
        let start = Instant::now();
        let mut events = 0usize;
        for e in saphyr_parser::Parser::new_from_str(&text) {
            e.expect("valid YAML");
            events += 1;
        }
        println!("{path}: {events} events in {:.3}s", start.elapsed().as_secs_f64());
    }
}
