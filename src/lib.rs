//! psapguard: checks a change to a 911 routing table before it is deployed.
//!
//! Rooms: [`load`] (YAML with positions and limits → [`model`]), [`engine`] (where one call
//! goes), [`analysis`] (every origin under every scenario), [`rules`] (one file per rule),
//! [`check`] (rules → report), [`report`] (renderers), [`cli`].

pub mod analysis;
pub mod baseline;
pub mod capacity;
pub mod check;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod date;
pub mod diff;
pub mod engine;
pub mod error;
pub mod escape;
pub mod explain;
pub mod finding;
pub mod graph;
pub mod load;
pub mod lost;
pub mod model;
pub mod progress;
pub mod report;
pub mod rules;
pub mod simulate;
pub mod suggest;

pub use model::schema_text;
