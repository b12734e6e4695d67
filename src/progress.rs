//! Progress on stderr for long runs: only on a terminal, only after the run has taken a
//! second, and only for human output (the CLI decides by calling [`enable`]).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

struct State {
    bar: ProgressBar,
    start: Instant,
}

static STATE: OnceLock<State> = OnceLock::new();

/// Turns progress on for this process (the CLI calls this when stderr is a terminal).
pub fn enable() {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template("{msg} {pos}/{len} [{elapsed}]") {
        bar.set_style(style);
    }
    let _ = STATE.set(State {
        bar,
        start: Instant::now(),
    });
}

fn with(f: impl FnOnce(&ProgressBar)) {
    if let Some(s) = STATE.get() {
        if s.bar.is_hidden() && s.start.elapsed() > Duration::from_secs(1) {
            s.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        f(&s.bar);
    }
}

/// Starts a phase ("table files read", "origins analysed", "scenarios done") of `total` steps.
pub fn phase(message: &'static str, total: usize) {
    with(|b| {
        b.set_message(message);
        b.set_length(total as u64);
        b.set_position(0);
    });
}

pub fn advance(steps: usize) {
    with(|b| b.inc(steps as u64));
}

/// Clears the progress line before the report is printed.
pub fn finish() {
    with(|b| b.finish_and_clear());
}
