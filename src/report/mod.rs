//! Renderers: the core computes a [`Report`](crate::check::Report) (and, for `diff`, a
//! [`DiffReport`]); these print it as text, JSON, SARIF, GitHub annotations, JUnit or a
//! Markdown pull-request comment.

pub use crate::escape;
pub mod github;
pub mod graph;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
mod payload;
pub mod sarif;
pub mod statistics;
pub mod whatif;
pub mod write;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use clap::ValueEnum;

use crate::check::Report;
use crate::diff::DiffReport;
use crate::finding::ScenarioLabel;
use crate::model::{Loc, Table};

/// Moves grouped by (scenario, kind of call, PSAP before, PSAP after): (origins, population,
/// first origin ids). The usual call (no kind named) comes first.
type MoveKey = (ScenarioLabel, Option<String>, String, String);

/// Every change of a diff, with how it names a side without a PSAP.
fn sided_changes(d: &DiffReport) -> impl Iterator<Item = (&crate::diff::Change, &'static str, &'static str)> {
    // Origins in one table only are moves from or to no PSAP, said as such.
    d.changes
        .iter()
        .map(|c| (c, "(lost)", "(lost)"))
        .chain(d.removed_origins.iter().map(|c| (c, "(lost)", "(origin removed)")))
        .chain(d.added_origins.iter().map(|c| (c, "(origin added)", "(lost)")))
}

pub fn grouped_moves(d: &DiffReport) -> BTreeMap<MoveKey, (usize, u64, String)> {
    let mut by: BTreeMap<MoveKey, (usize, u64, Vec<&str>)> = BTreeMap::new();
    for (c, lost_before, lost_after) in sided_changes(d) {
        let key = (
            c.scenario.clone(),
            c.calls.clone(),
            c.before.clone().unwrap_or_else(|| lost_before.into()),
            c.after.clone().unwrap_or_else(|| lost_after.into()),
        );
        let e = by.entry(key).or_default();
        e.0 += 1;
        e.1 += c.population;
        if e.2.len() < 3 {
            e.2.push(&c.origin);
        }
    }
    by.into_iter()
        .map(|(k, (n, p, ids))| {
            let more = if n > ids.len() { ", …" } else { "" };
            (k, (n, p, format!("{}{more}", ids.join(", "))))
        })
        .collect()
}

/// The moves of a diff by scenario: normal first, then each failure; per scenario the count,
/// population and the (before, after) groups. An origin whose usual call and other kinds of
/// call move is counted once.
pub fn moves_by_scenario(d: &DiffReport) -> Vec<MovesIn> {
    let mut out: Vec<MovesIn> = Vec::new();
    for ((scenario, calls, before, after), (n, p, first)) in grouped_moves(d) {
        if out.last().is_none_or(|m| m.scenario != scenario) {
            out.push(MovesIn {
                scenario: scenario.clone(),
                origins: 0,
                population: 0,
                groups: Vec::new(),
            });
        }
        let m = out.last_mut().expect("just pushed");
        m.groups.push(MoveGroup {
            calls,
            before,
            after,
            origins: n,
            population: p,
            first,
        });
    }
    // Counted apart from the groups: one origin may be in several groups of a scenario.
    let at: std::collections::HashMap<ScenarioLabel, usize> =
        out.iter().enumerate().map(|(i, m)| (m.scenario.clone(), i)).collect();
    let mut seen: std::collections::HashSet<(&ScenarioLabel, &str)> = std::collections::HashSet::new();
    for (c, _, _) in sided_changes(d) {
        if seen.insert((&c.scenario, &c.origin)) {
            let m = &mut out[at[&c.scenario]];
            m.origins += 1;
            m.population += c.population;
        }
    }
    out
}

/// How many origins a diff moves in any way — normally, in some failure, or by a boundary —
/// each counted once however many scenarios move it.
pub fn moved_origins(d: &DiffReport) -> usize {
    let ids: std::collections::BTreeSet<&str> = d
        .changes
        .iter()
        .map(|c| c.origin.as_str())
        .chain(d.boundaries.changes.iter().map(|c| c.origin.as_str()))
        .collect();
    ids.len()
}

/// What a diff without normal routing moves says of its moves: never "no origin moves" when
/// a boundary change moves where located calls go.
pub fn no_routing_moves(d: &DiffReport) -> &'static str {
    if d.boundaries.changes.is_empty() {
        "every origin reaches the same PSAP as before"
    } else {
        "every origin's calls are routed to the same PSAP as before, but the boundary changes below move where located calls go"
    }
}

/// The moves of one scenario.
pub struct MovesIn {
    pub scenario: ScenarioLabel,
    pub origins: usize,
    pub population: u64,
    pub groups: Vec<MoveGroup>,
}

/// The origins of one scenario whose calls move from one PSAP to the same other.
pub struct MoveGroup {
    /// The kind of call or time slice, when not the usual call (SPEC §9).
    pub calls: Option<String>,
    pub before: String,
    pub after: String,
    pub origins: usize,
    pub population: u64,
    /// A few origin ids.
    pub first: String,
}

impl MoveGroup {
    /// " (calls with SdpOffer rtt=true)" after the PSAPs; empty for the usual call.
    pub fn calls_phrase(&self) -> String {
        self.calls.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
    }
}

impl MovesIn {
    /// "Moved traffic" or "If site-den fails, traffic moves".
    pub fn title(&self) -> String {
        match &self.scenario {
            ScenarioLabel::Fail(d) => format!("If {d} fails, failover moves"),
            _ => "Moved traffic".into(),
        }
    }
}

pub use crate::finding::plural;

/// "47 origins, 18 PSAPs, 4 routers".
pub fn table_counts(s: &crate::check::Summary) -> String {
    if let Some((requests, answers)) = s.lost_answers {
        return format!(
            "{} against {}",
            plural(answers, "LoST answer"),
            plural(requests, "request")
        );
    }
    let gis = if s.layers > 0 {
        let boundaries = match s.boundaries {
            1 => "1 boundary".to_string(),
            n => format!("{} boundaries", crate::finding::thousands(n as u64)),
        };
        format!(", {} ({boundaries})", plural(s.layers, "boundary layer"))
    } else {
        String::new()
    };
    format!(
        "{}, {}, {}{gis}",
        plural(s.origins, "origin"),
        plural(s.psaps, "PSAP"),
        plural(s.routers, "router")
    )
}

/// "path:line:col" for a location.
pub fn place(table: &Table, loc: Loc) -> String {
    format!("{}:{}:{}", table.files[loc.file as usize].path, loc.line, loc.col)
}

/// Where a GIS finding points, for people: `file › layer › feature`.
pub fn gis_place(place: &crate::model::Place) -> String {
    let mut parts = vec![place.file.clone()];
    parts.extend(place.layer.clone());
    parts.extend(place.feature.clone());
    parts.join(" › ")
}

/// The point on OpenStreetMap (SPEC §7).
pub fn map_link(point: [f64; 2]) -> String {
    let (lat, lon) = (point[1], point[0]);
    format!("https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=13/{lat:.5}/{lon:.5}")
}

/// Where a finding points, in one line: `file:line:col` or `file › layer › feature`.
pub fn where_of(table: &Table, f: &crate::finding::Finding) -> Option<String> {
    match (&f.location, &f.place) {
        (Some(l), _) => Some(place(table, *l)),
        (None, Some(p)) => Some(gis_place(p)),
        (None, None) => None,
    }
}

/// Report formats of `check` and `diff`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
    Markdown,
    /// One self-contained page: verdict, findings, graph, failure ranking, map.
    Html,
}

/// What a renderer gets: the (new) table, its report, and for `diff` what changed.
#[derive(Clone, Copy)]
pub struct Output<'a> {
    pub table: &'a Table,
    pub report: &'a Report,
    pub diff: Option<&'a DiffReport>,
    /// What the HTML report draws, when it is asked for.
    pub pictures: Option<&'a html::Pictures>,
}

impl<'a> Output<'a> {
    /// A `check` report as every format but HTML's pictures needs it.
    pub fn check(table: &'a Table, report: &'a Report) -> Self {
        Output {
            table,
            report,
            diff: None,
            pictures: None,
        }
    }

    /// The run's verdict, as the exit code has it.
    pub fn verdict(&self) -> crate::finding::Verdict {
        self.report.verdict()
    }
}

pub fn render(format: Format, out: &Output<'_>, style: human::Style) -> String {
    match format {
        Format::Human => human::render(out, style),
        Format::Json => json::render(out),
        Format::Sarif => sarif::render(out),
        Format::Github => github::render(out),
        Format::Junit => junit::render(out),
        Format::Markdown => markdown::render(out),
        Format::Html => html::render(out),
    }
}

/// A Mermaid node id for a name: letters and digits kept, every other character written
/// as `_` and its code in hex, so distinct names never share a node (`x-911`, `x_911`).
pub fn mermaid_id(name: &str) -> String {
    let mut id = String::from("n_");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else {
            let _ = write!(id, "_{:x}_", c as u32);
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::mermaid_id;

    #[test]
    fn mermaid_ids_keep_distinct_names_apart() {
        assert_ne!(mermaid_id("x-911"), mermaid_id("x_911"));
        assert_ne!(mermaid_id("a.b"), mermaid_id("a_b"));
        assert_eq!(mermaid_id("esrp1"), "n_esrp1");
        // Only letters, digits and `_` reach Mermaid.
        assert!(
            mermaid_id("origins:CO:Adams (x)")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
    }
}
