//! The report options `check` and `diff` share, and what they do: formats and outputs, the
//! date, rule selection, exit-zero, quiet, statistics, colour, and the baseline.

use crate::error::Error;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::ValueEnum;

use super::{print, settings};
use crate::config::Config;
use crate::finding::{Level, Levels};
use crate::report::{Format, Output, human};
use crate::rules::Settings;

/// Report options shared by `check` and `diff`.
#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    /// Report format; repeat with --output to write several reports in one run.
    #[arg(long, value_enum)]
    format: Vec<Format>,
    /// Write the report of the --format before it to FILE (else stdout).
    #[arg(long, value_name = "FILE")]
    output: Vec<PathBuf>,
    /// Each --format's --output, by where they stand on the command line.
    #[arg(skip)]
    outputs: Vec<Option<PathBuf>>,
    /// Check as of this day (YYYY-MM-DD) instead of today: waiver expiry, which boundary
    /// features are in force (Effective/Expire), and the scheduled changes within
    /// horizon_days after it.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Most elements a call may pass before it counts as lost (default 8, or psapguard.toml).
    #[arg(long)]
    pub(super) max_hops: Option<usize>,
    /// Run only these rules (comma-separated).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (comma-separated).
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Report, but never fail: exit 0 instead of 1 (a run that cannot do its job still exits 2).
    #[arg(long)]
    exit_zero: bool,
    /// Human output: only the findings that fail the run, and the summary.
    #[arg(long)]
    quiet: bool,
    /// Human output: counts per rule (errors, warnings, waived) instead of the findings.
    #[arg(long)]
    statistics: bool,
    /// Colour in human output: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it),
    /// always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(super) enum Color {
    Auto,
    Always,
    Never,
}

impl ReportArgs {
    /// The rule levels: psapguard.toml's, narrowed by --select and --ignore.
    pub(super) fn levels(&self, config: &Config) -> Result<Levels, Error> {
        let mut levels = config.levels.clone();
        for name in self.select.iter().chain(&self.ignore) {
            if crate::rules::lookup(name).is_none() {
                let hint = crate::suggest::hint(name, crate::rules::names());
                return Err(Error::Usage(format!(
                    "unknown rule `{}`{hint}",
                    crate::escape::short(name, 80)
                )));
            }
        }
        if !self.select.is_empty() {
            for name in crate::rules::names().filter(|n| !self.select.iter().any(|s| s == n)) {
                levels.insert(name.to_string(), Level::Off);
            }
        }
        for name in &self.ignore {
            levels.insert(name.clone(), Level::Off);
        }
        Ok(levels)
    }

    /// Whether a report goes out in a machine-readable format (no progress on stderr then).
    pub(super) fn wants_html(&self) -> bool {
        self.format.contains(&Format::Html)
    }

    pub(super) fn machine_readable(&self) -> bool {
        self.format.iter().any(|f| *f != Format::Human)
    }

    /// The exit code for a run that fails or not.
    pub(super) fn exit_code(&self, fails: bool) -> i32 {
        i32::from(fails && !self.exit_zero)
    }

    pub(super) fn settings(&self, config: &Config) -> Result<Settings, Error> {
        let mut s = settings(config, self.max_hops);
        if self.date.is_some() {
            s.today = check_date(self.date.clone())?;
        }
        Ok(s)
    }

    /// Gives each --output to the --format just before it on the command line (`--format
    /// github --format sarif --output x.sarif` writes SARIF to the file, annotations to stdout).
    pub(super) fn pair_outputs(&mut self, matches: &clap::ArgMatches) -> Result<(), Error> {
        let formats: Vec<usize> = matches.indices_of("format").map(Iterator::collect).unwrap_or_default();
        let outputs: Vec<usize> = matches.indices_of("output").map(Iterator::collect).unwrap_or_default();
        self.outputs = vec![None; formats.len().max(1)];
        for (at, path) in outputs.iter().zip(&self.output) {
            // Without any --format, one --output takes the human report.
            let owner = match formats.iter().rposition(|f| f < at) {
                Some(i) => i,
                None if formats.is_empty() => 0,
                None => return Err(Error::Usage("each --output needs a --format before it".into())),
            };
            if self.outputs[owner].replace(path.clone()).is_some() {
                return Err(Error::Usage("each --output needs a --format before it".into()));
            }
        }
        if self.outputs.iter().filter(|o| o.is_none()).count() > 1 {
            return Err(Error::Usage(
                "only one report can go to stdout: give an --output FILE after each other --format".into(),
            ));
        }
        Ok(())
    }

    /// Writes the report in every requested format: to its --output file, or to stdout.
    pub(super) fn emit(&self, out: &Output<'_>) -> Result<(), Error> {
        crate::progress::finish();
        let formats = if self.format.is_empty() {
            vec![Format::Human]
        } else {
            self.format.clone()
        };
        for (i, &format) in formats.iter().enumerate() {
            match self.outputs.get(i).cloned().flatten().as_ref() {
                Some(path) => {
                    let text = self.render(format, out, false);
                    crate::report::write::replace(path, &text)?;
                }
                None => print(&self.render(format, out, self.color_on_terminal()))?,
            }
        }
        Ok(())
    }
}

impl ReportArgs {
    /// One report: --statistics and --quiet shape the human one.
    fn render(&self, format: Format, out: &Output<'_>, color: bool) -> String {
        let style = human::Style { color, width: 100 };
        if format != Format::Human {
            return crate::report::render(format, out, style);
        }
        if self.statistics {
            return crate::report::statistics::render(out);
        }
        if self.quiet {
            let mut report = out.report.clone();
            report.findings.retain(|f| out.report.fails_run(f));
            let quiet = Output {
                report: &report,
                ..*out
            };
            return crate::report::render(format, &quiet, style);
        }
        crate::report::render(format, out, style)
    }

    /// Colour on stdout: --color, else a terminal without NO_COLOR, or FORCE_COLOR.
    fn color_on_terminal(&self) -> bool {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => set("FORCE_COLOR") || (std::io::stdout().is_terminal() && !set("NO_COLOR")),
        }
    }
}

/// The day a what-if or a drawing routes as of: which policies and boundary features are in
/// force, and which time slices the policy rules cut from that week (as `check --date`).
#[derive(Debug, clap::Args)]
pub(super) struct When {
    /// Route as of this day (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
}

impl When {
    /// The day given, else today; a usage error for anything else.
    pub(super) fn day(self) -> Result<String, Error> {
        check_date(self.date)
    }
}

/// The day `--date` gives (YYYY-MM-DD), else today; a usage error for anything else.
pub(super) fn check_date(date: Option<String>) -> Result<String, Error> {
    match date {
        Some(d) if !crate::date::is_valid(&d) => Err(Error::Usage(format!(
            "--date must be a date YYYY-MM-DD, not `{}`",
            crate::escape::short(&d, 40)
        ))),
        Some(d) => Ok(d),
        None => Ok(crate::date::today()),
    }
}
