//! The commands that walk or draw one table without judging it: `trace`, `simulate`, `graph`.
//! Each routes as of `--date` (default today), as `check --date` does.

use std::path::PathBuf;

use super::flags::When;
use super::tables::{load, table_paths, well_formed};
use super::{GraphFormat, WhatIfFormat, pictures, print, settings};
use crate::config::Config;
use crate::error::Error;
use crate::escape::inert_lines;
use crate::report::whatif;
use crate::rules::Settings;

/// The scenario a what-if plays: the elements taken down (`--fail`) and the PSAPs busy (`--busy`).
type Down<'a> = (&'a [String], &'a [String]);

/// The settings of `psapguard.toml` and the command line, as of the day `when` gives.
fn settings_on(config: &Config, max_hops: Option<usize>, when: When) -> Result<Settings, Error> {
    let mut settings = settings(config, max_hops);
    settings.today = when.day()?;
    Ok(settings)
}

/// `trace`: one origin's calls, hop by hop, in the scenario `down` (failed, busy) gives.
pub(super) fn trace_command(
    config: &Config,
    origin: &str,
    path: Option<PathBuf>,
    (fail, busy): Down<'_>,
    max_hops: Option<usize>,
    when: When,
) -> Result<i32, Error> {
    let settings = settings_on(config, max_hops, when)?;
    // One origin's walk needs the table and its failure domains, not the whole analysis.
    let loaded = well_formed(config, table_paths(config, path.into_iter().collect()))?;
    let traced = crate::simulate::trace(&loaded.table, origin, fail, busy, settings.max_hops, &settings.today)?;
    let text = whatif::traced_human(&loaded.table, &traced, settings.max_hops);
    print(&inert_lines(&text))?;
    Ok(0)
}

/// `simulate`: what the scenario `down` takes down, or every single failure ranked.
pub(super) fn simulate_command(
    config: &Config,
    path: Option<PathBuf>,
    (fail, busy): Down<'_>,
    all_single: bool,
    format: WhatIfFormat,
    max_hops: Option<usize>,
    when: When,
) -> Result<i32, Error> {
    let settings = settings_on(config, max_hops, when)?;
    let loaded = well_formed(config, table_paths(config, path.into_iter().collect()))?;
    let table = &loaded.table;
    // Only the ranking needs every single failure; a what-if re-walks what it touches.
    let text = if all_single && format == WhatIfFormat::Html {
        let pictures = pictures(&loaded, &settings, None, None)
            .ok_or_else(|| Error::Input("the table cannot be analysed: run check".into()))?;
        crate::report::html::render_ranking(table, &pictures)
    } else if all_single {
        let analysis = crate::check::analyse_table(table, &settings);
        let impacts = crate::simulate::all_single(table, &analysis, settings.capacity);
        match format {
            WhatIfFormat::Json => whatif::all_single_json(table, &analysis, &impacts),
            _ => inert_lines(&whatif::all_single_human(table, &analysis, &impacts)),
        }
    } else if format == WhatIfFormat::Html {
        return Err(Error::Usage(
            "--format html draws the ranking of every single failure: add --all-single".into(),
        ));
    } else {
        let coverage = (!table.policy_sources.is_empty() && !table.boundaries.is_empty())
            .then(|| crate::coverage::Coverage::build(table, &settings.today, &settings.gis));
        let net = crate::check::policy_net(table, &settings.today, coverage.as_ref());
        let analysis = crate::analysis::analyse_normal_routed(table, net.as_ref(), settings.max_hops);
        let walker = crate::engine::Walker {
            table,
            net: net.as_ref(),
            max_hops: settings.max_hops,
            record: false,
        };
        let sim = crate::simulate::simulate(&walker, &analysis, fail, busy, settings.capacity)?;
        match format {
            WhatIfFormat::Json => whatif::simulate_json(table, &sim),
            _ => inert_lines(&whatif::simulate_human(table, &sim)),
        }
    };
    print(&text)?;
    Ok(0)
}

/// `graph`: the routing graph, policy routes included, as DOT or Mermaid.
pub(super) fn graph_command(
    config: &Config,
    path: Option<PathBuf>,
    format: GraphFormat,
    focus: Option<&str>,
    depth: usize,
    when: When,
) -> Result<i32, Error> {
    let today = when.day()?;
    let loaded = load(config, &table_paths(config, path.into_iter().collect()))?;
    let g = crate::graph::build(&loaded.table, &today);
    let shown = match focus {
        Some(f) => crate::graph::focus(&g, f, depth)?,
        None => crate::graph::everything(&g),
    };
    print(&match format {
        GraphFormat::Dot => crate::report::graph::dot(&g, &shown),
        GraphFormat::Mermaid => crate::report::graph::mermaid(&g, &shown),
    })?;
    Ok(0)
}
