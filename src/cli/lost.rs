//! `psapguard lost export|compare` (SPEC §10): the ECRF acceptance corpus.

use std::path::PathBuf;

use super::flags::ReportArgs;
use super::print;
use super::tables::{table_paths, well_formed};
use crate::config::Config;
use crate::error::Error;
use crate::report::Output;

#[derive(Debug, clap::Subcommand)]
pub(super) enum LostCommand {
    /// Write a findService request per located origin (and grid point) and the answer the
    /// boundary layers give, for replay against an ECRF.
    #[command(
        after_help = "Examples:\n  psapguard lost export examples/kansas --out corpus\n  psapguard lost export examples/kansas --out corpus --grid 5\n\nThen replay each corpus/requests/NAME.xml against the ECRF, save each answer as\nresponses/NAME.xml, and run `psapguard lost compare corpus responses`."
    )]
    Export {
        /// The table (default: psapguard.toml's, else .).
        path: Option<PathBuf>,
        /// The directory to write: new, or empty (never overwritten, never a link).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also a grid of points KM apart over the provisioning boundary.
        #[arg(long, value_name = "KM")]
        grid: Option<f64>,
        /// Judge which boundaries are in force on this day (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
    /// Compare an ECRF's captured findService answers with the corpus: every difference is
    /// an ecrf-mismatch finding; exit codes as check.
    #[command(
        after_help = "Examples:\n  psapguard lost compare corpus responses\n  psapguard lost compare corpus responses --format sarif --output lost.sarif"
    )]
    Compare {
        /// The corpus `lost export` wrote.
        dir: PathBuf,
        /// The directory of captured answers (NAME.xml, paired by <locationUsed id> else by name).
        responses: PathBuf,
        #[command(flatten)]
        report: ReportArgs,
    },
}

impl LostCommand {
    pub(super) fn report(&self) -> Option<&ReportArgs> {
        match self {
            LostCommand::Compare { report, .. } => Some(report),
            LostCommand::Export { .. } => None,
        }
    }

    /// The report options, for pairing --format and --output.
    pub(super) fn report_mut(&mut self) -> Option<&mut ReportArgs> {
        match self {
            LostCommand::Compare { report, .. } => Some(report),
            LostCommand::Export { .. } => None,
        }
    }
}

pub(super) fn run(config: &Config, command: LostCommand) -> Result<i32, Error> {
    match command {
        LostCommand::Export { path, out, grid, date } => export(config, path, &out, grid, date),
        LostCommand::Compare { dir, responses, report } => compare(config, &dir, &responses, &report),
    }
}

fn export(
    config: &Config,
    path: Option<PathBuf>,
    out: &std::path::Path,
    grid: Option<f64>,
    date: Option<String>,
) -> Result<i32, Error> {
    let mut settings = super::settings(config, None);
    if let Some(d) = date {
        if !crate::date::is_valid(&d) {
            return Err(Error::Usage(format!(
                "--date must be a date YYYY-MM-DD, not `{}`",
                crate::escape::short(&d, 40)
            )));
        }
        settings.today = d;
    }
    let loaded = well_formed(config, table_paths(config, path.into_iter().collect()))?;
    let table = &loaded.table;
    if !table
        .boundaries
        .iter()
        .any(|b| b.kind == crate::model::BoundaryKind::Psap)
    {
        return Err(Error::Usage(
            "the table names no PSAP boundary layer (SPEC §7 `boundaries:`): there is nothing to ask an ECRF".into(),
        ));
    }
    // Expectations from a layer that cannot be read would all be notFound: refuse instead.
    if let Some(b) = table.boundaries.iter().find(|b| b.read.is_err()) {
        let layer = b.layer.as_deref().map(|l| format!(" layer {l}")).unwrap_or_default();
        return Err(Error::Input(format!(
            "{}{} cannot be used; run `psapguard check` to see why",
            crate::escape::short(&b.shown, 200),
            crate::escape::short(&layer, 80)
        )));
    }
    let coverage = crate::coverage::Coverage::build(table, &settings.today, &settings.gis);
    let cases = crate::lost::corpus(table, &coverage, grid).map_err(Error::Usage)?;
    let written = crate::lost::export::write(out, &cases)?;
    let shown = crate::escape::short(&out.display().to_string(), 200);
    print(&format!(
        "wrote {} to {shown} ({} answered by a mapping, {} notFound, {} serviceNotImplemented; boundaries in force on {})\n\
         replay each {shown}/requests/NAME.xml against the ECRF, save its answer as RESPONSES/NAME.xml, then run:\n  \
         psapguard lost compare {shown} RESPONSES\n",
        crate::finding::plural(written.points, "request"),
        crate::finding::thousands(written.mappings as u64),
        crate::finding::thousands(written.not_found as u64),
        crate::finding::thousands(written.not_implemented as u64),
        settings.today
    ))?;
    Ok(0)
}

fn compare(
    config: &Config,
    dir: &std::path::Path,
    responses: &std::path::Path,
    args: &ReportArgs,
) -> Result<i32, Error> {
    let settings = args.settings(config)?;
    let levels = args.levels(config)?;
    let compared = crate::lost::compare::compare(dir, responses, &settings.today)?;
    let report = compared.into_report(&levels);
    let table = crate::model::Table::default();
    args.emit(&Output {
        table: &table,
        report: &report,
        diff: None,
        pictures: None,
    })?;
    Ok(args.exit_code(report.verdict().fails()))
}
