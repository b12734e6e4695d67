//! One integration-test binary (as ripgrep and ruff have): one link step for the whole suite.

mod action;
mod adoption;
mod cli;
mod common;
mod diff;
mod docs;
mod engine;
mod fixtures;
mod fuzz_regressions;
mod gis;
mod graph;
mod hostile;
mod html;
mod layers;
mod markdown;
mod mermaid;
mod one_typo;
mod parallel_load;
mod properties;
mod scale;
mod scheduled;
mod schema;
mod seams;
mod waivers;
mod whatif;
