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
mod hostile;
mod html;
mod layers;
mod mermaid;
mod one_typo;
mod parallel_load;
mod policy;
mod printers;
mod properties;
mod scale;
mod schema;
mod truth;
mod verdict;
mod waivers;
mod whatif;
