//! `psapguard.toml`: the table path, rule severities, max_hops, horizon_days and blast-radius
//! limits. Looked up from the current directory upwards, or given with `--config FILE`.
//!
//! ```toml
//! table = "tables"               # used when no PATH is given
//! max_hops = 8
//! horizon_days = 90
//!
//! [rules]
//! shadowed-rule = "off"          # error | warning | off
//! cross-jurisdiction = "error"
//!
//! [blast_radius]
//! max_moved_origins = "5%"       # a percentage of the old table, or a number
//! max_moved_population = 250000
//! ```

use crate::error::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::{Level, Levels};
pub use crate::rules::blast_radius::Limit;
use crate::rules::gate_weakened::GateSettings;
use crate::suggest::did_you_mean;

pub const FILE_NAME: &str = crate::model::CONFIG_FILE;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    table: Option<Spanned<String>>,
    baseline: Option<Spanned<String>>,
    max_hops: Option<Spanned<i64>>,
    horizon_days: Option<Spanned<i64>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    blast_radius: Option<RawBlast>,
    capacity: Option<RawCapacity>,
    gis: Option<RawGis>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGis {
    sliver_m2: Option<Spanned<toml::Value>>,
    sliver_width_m: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapacity {
    calls_per_1000_per_day: Option<Spanned<toml::Value>>,
    busy_hour_share: Option<Spanned<toml::Value>>,
    handle_seconds: Option<Spanned<toml::Value>>,
    answer_within_s: Option<Spanned<toml::Value>>,
    answer_share: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlast {
    max_moved_origins: Option<Spanned<toml::Value>>,
    max_moved_population: Option<Spanned<toml::Value>>,
}

/// The settings a config file gives (all optional).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where the file was found.
    pub path: Option<PathBuf>,
    /// The table path, relative to where psapguard runs.
    pub table: Option<PathBuf>,
    /// A baseline file `check` reads (relative to where psapguard runs).
    pub baseline: Option<PathBuf>,
    pub max_hops: Option<usize>,
    pub horizon_days: Option<u64>,
    pub levels: Levels,
    pub max_moved_origins: Option<Limit>,
    pub max_moved_population: Option<Limit>,
    /// The load model and answering standard (defaults where not set).
    pub capacity: crate::capacity::Standard,
    /// `[gis]`: the sliver tolerance of the boundary rules.
    pub gis: crate::coverage::GisSettings,
}

impl Config {
    /// What this configuration sets that a change could weaken.
    pub fn gate(&self, present: bool) -> GateSettings {
        GateSettings {
            levels: self.levels.clone(),
            max_hops: self.max_hops,
            horizon_days: self.horizon_days,
            max_moved_origins: self.max_moved_origins,
            max_moved_population: self.max_moved_population,
            table: self.table.as_ref().map(|t| t.display().to_string()),
            baseline: self.baseline.as_ref().map(|t| t.display().to_string()),
            capacity: self.capacity,
            gis: self.gis.clone(),
            present,
        }
    }

    /// The same file as it was at `commit` (absent: the defaults).
    pub fn at_revision(&self, commit: &str) -> Result<GateSettings, Error> {
        let path = self.path.clone().unwrap_or_else(|| PathBuf::from(FILE_NAME));
        match crate::load::git::file_at(commit, &path).map_err(Error::Git)? {
            None => Ok(Config::default().gate(false)),
            Some(text) => {
                let shown = PathBuf::from(format!("{}@base", path.display()));
                Ok(parse(&shown, &text)?.gate(true))
            }
        }
    }
}

/// Finds and reads the config: `explicit`, else `psapguard.toml` here or in a parent directory.
pub fn discover(explicit: Option<&Path>) -> Result<Config, Error> {
    find_and_read(explicit).map_err(Error::Input)
}

fn find_and_read(explicit: Option<&Path>) -> Result<Config, String> {
    if let Some(path) = explicit {
        return read(path);
    }
    let mut dir = PathBuf::from(".");
    let mut last = None;
    loop {
        let candidate = dir.join(FILE_NAME);
        // Not followed if it is a link: a pull request could point it anywhere.
        match std::fs::symlink_metadata(&candidate) {
            Ok(m) if m.file_type().is_file() => return read(&candidate),
            Ok(_) => {
                return Err(format!(
                    "{} is not a regular file (a link, a directory or a device); psapguard reads only a regular {FILE_NAME}",
                    candidate.display()
                ));
            }
            Err(_) => {}
        }
        let here = std::fs::canonicalize(&dir).ok();
        if here.is_none() || here == last || here.as_deref().is_some_and(|h| h.parent().is_none()) {
            return Ok(Config::default());
        }
        last = here;
        dir = if dir == Path::new(".") {
            PathBuf::from("..")
        } else {
            dir.join("..")
        };
    }
}

fn read(path: &Path) -> Result<Config, String> {
    let mut text = String::new();
    crate::model::open_regular(path)
        .and_then(|f| {
            // A settings file is small: more than a megabyte is not one.
            std::io::Read::read_to_string(&mut std::io::Read::take(f, 1 << 20), &mut text)
                .map_err(|e| crate::model::plain_io(&e))
        })
        .map_err(|e| {
            format!(
                "cannot read {}: {}",
                path.display(),
                e.trim_start_matches("cannot be read: ")
            )
        })?;
    parse_text(path, &text)
}

/// Parses a config file's text; errors name the file and line.
pub fn parse(path: &Path, text: &str) -> Result<Config, Error> {
    parse_text(path, text).map_err(Error::Input)
}

fn parse_text(path: &Path, text: &str) -> Result<Config, String> {
    let at = |span: std::ops::Range<usize>| {
        let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
        format!("{}:{line}", path.display())
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let place = e.span().map(&at).unwrap_or_else(|| path.display().to_string());
        let message = e.message().trim().trim_end_matches('.').to_string();
        format!("{place}: {}", hint_unknown_field(&message))
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    if let Some(t) = raw.table {
        let joined = if base == Path::new(".") {
            PathBuf::from(t.get_ref())
        } else {
            base.join(t.get_ref())
        };
        config.table = Some(joined);
    }
    if let Some(b) = raw.baseline {
        config.baseline = Some(if base == Path::new(".") {
            PathBuf::from(b.get_ref())
        } else {
            base.join(b.get_ref())
        });
    }
    let positive = |v: &Spanned<i64>, name: &str, max: i64| -> Result<u64, String> {
        let n = *v.get_ref();
        if n < 1 || n > max {
            return Err(format!(
                "{}: `{name}` must be a whole number from 1 to {max}, not {n}",
                at(v.span())
            ));
        }
        Ok(n as u64)
    };
    if let Some(v) = &raw.max_hops {
        config.max_hops = Some(positive(v, "max_hops", 64)? as usize);
    }
    if let Some(v) = &raw.horizon_days {
        config.horizon_days = Some(positive(v, "horizon_days", 36_500)?);
    }
    for (rule, severity) in &raw.rules {
        if crate::rules::lookup(rule.get_ref()).is_none() {
            let hint = crate::suggest::hint(rule.get_ref(), crate::rules::names());
            return Err(format!("{}: unknown rule `{}`{hint}", at(rule.span()), rule.get_ref()));
        }
        let Some(level) = Level::parse(severity.get_ref()) else {
            return Err(format!(
                "{}: the severity of `{}` must be \"error\", \"warning\" or \"off\", not \"{}\"",
                at(severity.span()),
                rule.get_ref(),
                severity.get_ref()
            ));
        };
        config.levels.insert(rule.get_ref().clone(), level);
    }
    if let Some(b) = &raw.blast_radius {
        config.max_moved_origins = limit(&b.max_moved_origins, "max_moved_origins", &at)?;
        config.max_moved_population = limit(&b.max_moved_population, "max_moved_population", &at)?;
    }
    if let Some(c) = &raw.capacity {
        let s = &mut config.capacity;
        let open = f64::INFINITY;
        number(
            &c.calls_per_1000_per_day,
            "capacity.calls_per_1000_per_day",
            (0.0, false),
            open,
            &at,
            &mut s.calls_per_1000_per_day,
        )?;
        number(
            &c.busy_hour_share,
            "capacity.busy_hour_share",
            (0.0, false),
            1.0,
            &at,
            &mut s.busy_hour_share,
        )?;
        number(
            &c.handle_seconds,
            "capacity.handle_seconds",
            (1.0, true),
            open,
            &at,
            &mut s.handle_seconds,
        )?;
        number(
            &c.answer_within_s,
            "capacity.answer_within_s",
            (0.0, false),
            open,
            &at,
            &mut s.answer_within_s,
        )?;
        number(
            &c.answer_share,
            "capacity.answer_share",
            (0.0, false),
            1.0,
            &at,
            &mut s.answer_share,
        )?;
    }
    if let Some(g) = &raw.gis {
        number(
            &g.sliver_m2,
            "gis.sliver_m2",
            (0.0, true),
            f64::INFINITY,
            &at,
            &mut config.gis.sliver_m2,
        )?;
        number(
            &g.sliver_width_m,
            "gis.sliver_width_m",
            (0.0, true),
            f64::INFINITY,
            &at,
            &mut config.gis.sliver_width_m,
        )?;
    }
    Ok(config)
}

/// A `[capacity]` or `[gis]` number above `min` (or at it, when the bool says so) and at most `max`.
fn number(
    v: &Option<Spanned<toml::Value>>,
    name: &str,
    min: (f64, bool),
    max: f64,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
    into: &mut f64,
) -> Result<(), String> {
    let Some(v) = v else { return Ok(()) };
    let n = match v.get_ref() {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    };
    let above = |x: f64| if min.1 { x >= min.0 } else { x > min.0 };
    match n.filter(|&x| x.is_finite() && above(x) && x <= max) {
        Some(x) => {
            *into = x;
            Ok(())
        }
        None => {
            let range = match (min.1, max.is_finite()) {
                (true, false) => format!("at least {}", min.0),
                (false, false) => format!("more than {}", min.0),
                (_, true) => format!("more than {} and at most {max}", min.0),
            };
            Err(format!("{}: `{name}` must be a number {range}", at(v.span())))
        }
    }
}

fn limit(
    v: &Option<Spanned<toml::Value>>,
    name: &str,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
) -> Result<Option<Limit>, String> {
    let Some(v) = v else { return Ok(None) };
    let parsed = match v.get_ref() {
        toml::Value::String(s) => Limit::parse(s),
        toml::Value::Integer(n) if *n >= 0 => Some(Limit::Absolute(*n as u64)),
        _ => None,
    };
    parsed.map(Some).ok_or_else(|| {
        format!(
            "{}: `{name}` must be a percentage like \"5%\" or a whole number",
            at(v.span())
        )
    })
}

/// toml says "unknown field `x`, expected one of …": add the nearest known field.
fn hint_unknown_field(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((field, expected)) = rest.split_once("`, expected ") else {
        return message.to_string();
    };
    let known: Vec<&str> = expected
        .split(['`', ',', ' '])
        .filter(|s| !s.is_empty() && *s != "or" && *s != "one" && *s != "of")
        .collect();
    match did_you_mean(field, known.iter().copied()) {
        Some(s) => format!("unknown field `{field}`; did you mean `{s}`?"),
        None => format!("unknown field `{field}`; known fields: {}", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_setting() {
        let c = parse(
            Path::new("cfg/psapguard.toml"),
            "table = \"tables\"\nmax_hops = 6\nhorizon_days = 30\n[rules]\nshadowed-rule = \"off\"\ncross-jurisdiction = \"error\"\n[blast_radius]\nmax_moved_origins = \"10%\"\nmax_moved_population = 5000\n",
        )
        .unwrap();
        assert_eq!(c.table, Some(PathBuf::from("cfg/tables")));
        assert_eq!(c.max_hops, Some(6));
        assert_eq!(c.horizon_days, Some(30));
        assert_eq!(c.levels.get("shadowed-rule"), Some(&Level::Off));
        assert_eq!(c.levels.get("cross-jurisdiction"), Some(&Level::Error));
        assert_eq!(c.max_moved_origins, Some(Limit::Percent(10.0)));
        assert_eq!(c.max_moved_population, Some(Limit::Absolute(5000)));
    }

    #[test]
    fn errors_name_the_line() {
        let p = Path::new("psapguard.toml");
        let e = parse(p, "max_hops = 8\nmax_hop = 3\n").unwrap_err().to_string();
        assert!(
            e.starts_with("psapguard.toml:2: unknown field `max_hop`; did you mean `max_hops`?"),
            "{e}"
        );
        let e = parse(p, "[rules]\nshadowed-rul = \"off\"\n").unwrap_err().to_string();
        assert!(
            e.contains("psapguard.toml:2: unknown rule `shadowed-rul`; did you mean `shadowed-rule`?"),
            "{e}"
        );
        let e = parse(p, "[rules]\nblack-hole = \"fatal\"\n").unwrap_err().to_string();
        assert!(e.starts_with("psapguard.toml:2:"), "{e}");
        let e = parse(p, "max_hops = 0\n").unwrap_err().to_string();
        assert!(e.starts_with("psapguard.toml:1:"), "{e}");
        let e = parse(p, "[blast_radius]\nmax_moved_origins = \"lots\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("psapguard.toml:2:"), "{e}");
    }
}
