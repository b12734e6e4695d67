//! Which table a command reads and how: the paths (given, else psapguard.toml's `table`,
//! else `.`), admitted against the table's root of SPEC §7 (psapguard.toml's directory when
//! the table is inside it).

use std::path::PathBuf;

use crate::config::Config;
use crate::error::Error;
use crate::load::{Loaded, load_in};

/// The directory of the psapguard.toml in use: the table's root when the table is inside it
/// (SPEC §7).
pub(super) fn config_dir(config: &Config) -> Option<PathBuf> {
    let path = config.path.as_ref()?;
    Some(match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// Loads the table at `paths`, admitted against the root of SPEC §7.
pub(super) fn load(config: &Config, paths: &[PathBuf]) -> Result<Loaded, Error> {
    Ok(load_in(paths, config_dir(config).as_deref())?)
}

pub(super) fn table_paths(config: &Config, given: Vec<PathBuf>) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given;
    }
    vec![config.table.clone().unwrap_or_else(|| PathBuf::from("."))]
}

/// Loads a table for trace and simulate, which need it to be readable and well-formed.
pub(super) fn well_formed(config: &Config, paths: Vec<PathBuf>) -> Result<Loaded, Error> {
    let loaded = load(config, &paths)?;
    if !loaded.analysable() {
        return Err(Error::Input(
            "the table has parse or schema errors; run `psapguard check` to see them".into(),
        ));
    }
    Ok(loaded)
}
