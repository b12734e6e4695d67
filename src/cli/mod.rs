//! The command line (SPEC.md §4). Parses arguments, runs the library, prints, returns the
//! exit code: 0 no failing finding, 1 failing findings, 2 the tool could not do its job.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::check::check_against;
use crate::config::{Config, discover};
use crate::error::Error;
use crate::load::Loaded;
use crate::report::Output;
use tables::{config_dir, load, table_paths};

mod flags;
mod lost;
mod tables;
mod walks;
use crate::rules::Settings;
use flags::{ReportArgs, When};

#[derive(Debug, Parser)]
#[command(
    name = "psapguard",
    version,
    about = "Checks a change to a 911 routing table before it is deployed"
)]
pub struct Cli {
    /// Read settings from this file instead of the psapguard.toml found from here upwards.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum WhatIfFormat {
    Human,
    Json,
    /// A self-contained page (with --all-single): the ranking, the graph and the map.
    Html,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a routing table: every origin's calls under normal, single-failure and busy scenarios.
    #[command(
        after_help = "Examples:\n  psapguard check examples/denver\n  psapguard check tables/ --format json > findings.json\n  psapguard check            # the table named in psapguard.toml, else ."
    )]
    Check {
        /// Table files or directories (every *.yaml/*.yml below a directory).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        baseline: BaselineArgs,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// What a change does: moved traffic, new and fixed findings, blast radius, YAML edits.
    #[command(
        after_help = "Examples:\n  psapguard diff old/ new/\n  psapguard diff --base origin/main tables/\n  psapguard diff --base origin/main --format sarif --output psapguard.sarif --format markdown --output comment.md"
    )]
    Diff {
        /// OLD NEW (two tables), or with --base the one PATH (default: psapguard.toml's, else .).
        paths: Vec<PathBuf>,
        /// Read OLD from this git revision (e.g. origin/main) at PATH.
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Fail on every error finding, not only new ones.
        #[arg(long)]
        all: bool,
        /// Accept a psapguard.toml that weakens the gate against the one at --base (the
        /// gate-weakened finding becomes a warning).
        #[arg(long, requires = "base")]
        allow_config_change: bool,
        /// Let waivers this change adds (absent at --base) waive its new findings.
        #[arg(long, requires = "base")]
        allow_new_waivers: bool,
        /// Most origins the change may move: "5%" of the old table, or a number.
        #[arg(long, value_name = "LIMIT", value_parser = parse_limit)]
        max_moved_origins: Option<crate::config::Limit>,
        /// Most population the change may move: "5%" of the old table, or a number.
        #[arg(long, value_name = "LIMIT", value_parser = parse_limit)]
        max_moved_population: Option<crate::config::Limit>,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Show the hop-by-hop path of one origin's calls, optionally with failures and busy PSAPs.
    #[command(
        after_help = "Examples:\n  psapguard trace esz-300 examples/denver\n  psapguard trace cs-denver-01 examples/denver --fail site-den\n  psapguard trace esz-300 examples/denver --fail esrp-den --fail esrp-cos   # N-2"
    )]
    Trace {
        /// The origin id.
        origin: String,
        /// The table (default: psapguard.toml's, else .).
        path: Option<PathBuf>,
        /// A failure domain, router or PSAP to take down (repeatable).
        #[arg(long, value_name = "ID")]
        fail: Vec<String>,
        /// A PSAP whose positions are all busy (repeatable).
        #[arg(long, value_name = "PSAP")]
        busy: Vec<String>,
        #[arg(long)]
        max_hops: Option<usize>,
        #[command(flatten)]
        when: When,
    },
    /// What a failure takes down; or, with --all-single, every single failure ranked by impact.
    #[command(
        after_help = "Examples:\n  psapguard simulate --fail site-den examples/denver\n  psapguard simulate --all-single examples/denver\n  psapguard simulate --fail esrp-den --busy aurora-911 --format json examples/denver"
    )]
    Simulate {
        /// The table (default: psapguard.toml's, else .).
        path: Option<PathBuf>,
        /// A failure domain, router or PSAP to take down (repeatable).
        #[arg(long, value_name = "ID", required_unless_present_any = ["all_single", "busy"])]
        fail: Vec<String>,
        /// A PSAP whose positions are all busy (repeatable).
        #[arg(long, value_name = "PSAP")]
        busy: Vec<String>,
        /// Rank every failure domain by the population it would cut off.
        #[arg(long, conflicts_with_all = ["fail", "busy"])]
        all_single: bool,
        #[arg(long, value_enum, default_value_t = WhatIfFormat::Human)]
        format: WhatIfFormat,
        #[arg(long)]
        max_hops: Option<usize>,
        #[command(flatten)]
        when: When,
    },
    /// Draw the routing graph (origins grouped by county, routers, PSAPs) as DOT or Mermaid.
    #[command(
        after_help = "Examples:\n  psapguard graph examples/denver --format dot | dot -Tsvg > denver.svg\n  psapguard graph examples/denver --format mermaid --focus denver-911 --depth 1"
    )]
    Graph {
        /// The table (default: psapguard.toml's, else .).
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        /// Draw only the part around this router or PSAP.
        #[arg(long, value_name = "ID")]
        focus: Option<String>,
        /// How many hops around --focus to draw.
        #[arg(long, default_value_t = 2)]
        depth: usize,
        #[command(flatten)]
        when: When,
    },
    /// Show what a rule checks, why, an example and the fix (no RULE: list all rules).
    #[command(after_help = "Examples:\n  psapguard explain\n  psapguard explain single-point-of-failure")]
    Explain {
        rule: Option<String>,
        /// Print every rule's page as Markdown (docs/rules.md).
        #[arg(long, conflicts_with = "rule")]
        markdown: bool,
    },
    /// ECRF acceptance (LoST, RFC 5222): export a test corpus from the boundary layers, compare
    /// an ECRF's answers with it.
    Lost {
        #[command(subcommand)]
        command: lost::LostCommand,
    },
    /// Print the JSON Schema of the table format.
    #[command(after_help = "Example:\n  psapguard schema > routing-table.schema.json")]
    Schema,
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  psapguard completions bash > /etc/bash_completion.d/psapguard")]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    #[command(hide = true)]
    Man,
}

fn parse_limit(s: &str) -> Result<crate::config::Limit, String> {
    crate::config::Limit::parse(s).ok_or_else(|| format!("`{s}` is not a percentage like 5% or a whole number"))
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let cli = match parsed {
        Ok((mut cli, matches)) => {
            // `lost compare`'s options sit one subcommand deeper.
            let (report, sub) = match (&mut cli.command, matches.subcommand()) {
                (Command::Check { report, .. } | Command::Diff { report, .. }, Some((_, sub))) => {
                    (Some(report), Some(sub))
                }
                (Command::Lost { command }, Some((_, sub))) => (command.report_mut(), sub.subcommand().map(|(_, s)| s)),
                _ => (None, None),
            };
            if let (Some(report), Some(sub)) = (report, sub)
                && let Err(message) = report.pair_outputs(sub)
            {
                complain(message.sentence());
                return 2;
            }
            cli
        }
        Err(e) => {
            if !e.use_stderr() {
                let _ = e.print();
                return 0;
            }
            // clap quotes the arguments it refuses: escaped as every other stderr line.
            eprint!("{}", crate::escape::for_stderr(&e.render().to_string()));
            return 2;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            complain(message.sentence());
            2
        }
    }
}

/// The one sentence of an exit-2 message on standard error. It may quote psapguard.toml keys,
/// paths and git's words, which a pull request chooses: escaped as standard output is (SPEC §6).
fn complain(message: &str) {
    crate::progress::finish();
    // One line: a line break in a quoted key cannot start a line of its own.
    eprintln!("psapguard: {}", crate::escape::inert(message));
}

pub(crate) fn settings(config: &Config, max_hops: Option<usize>) -> Settings {
    let mut s = Settings::default();
    s.max_hops = max_hops.or(config.max_hops).unwrap_or(s.max_hops);
    s.horizon_days = config.horizon_days.unwrap_or(s.horizon_days);
    s.capacity = config.capacity;
    s.gis = config.gis.clone();
    s
}

fn run(cli: Cli) -> Result<i32, Error> {
    // Progress only for human reports on a terminal; never around machine-readable output.
    let machine = match &cli.command {
        Command::Check { report, .. } | Command::Diff { report, .. } => report.machine_readable(),
        Command::Simulate { format, .. } => *format == WhatIfFormat::Json,
        Command::Lost { command } => command.report().is_some_and(|r| r.machine_readable()),
        _ => false,
    };
    if !machine && std::io::stderr().is_terminal() {
        crate::progress::enable();
    }
    let config = match &cli.command {
        Command::Explain { .. } | Command::Schema | Command::Completions { .. } | Command::Man => Config::default(),
        _ => discover(cli.config.as_deref())?,
    };
    match cli.command {
        Command::Check {
            paths,
            report,
            baseline,
        } => check_command(&config, paths, &report, &baseline),
        Command::Diff {
            paths,
            base,
            all,
            allow_config_change,
            allow_new_waivers,
            max_moved_origins,
            max_moved_population,
            report,
        } => {
            let defaults = crate::diff::Limits::default();
            let limits = crate::diff::Limits {
                origins: max_moved_origins
                    .or(config.max_moved_origins)
                    .unwrap_or(defaults.origins),
                population: max_moved_population
                    .or(config.max_moved_population)
                    .unwrap_or(defaults.population),
            };
            let judging = crate::diff::Judging {
                all,
                limits,
                config: None,
                new_waivers: base.as_ref().map(|rev| crate::diff::NewWaivers {
                    rev: rev.clone(),
                    allowed: allow_new_waivers,
                }),
            };
            diff_command(&config, paths, base.as_deref(), judging, allow_config_change, &report)
        }
        Command::Trace {
            origin,
            path,
            fail,
            busy,
            max_hops,
            when,
        } => walks::trace_command(&config, &origin, path, (&fail, &busy), max_hops, when),
        Command::Simulate {
            path,
            fail,
            busy,
            all_single,
            format,
            max_hops,
            when,
        } => walks::simulate_command(&config, path, (&fail, &busy), all_single, format, max_hops, when),
        Command::Graph {
            path,
            format,
            focus,
            depth,
            when,
        } => walks::graph_command(&config, path, format, focus.as_deref(), depth, when),
        Command::Explain { rule, markdown } => print(&if markdown {
            crate::explain::rules_markdown()
        } else {
            crate::explain::explain(rule.as_deref())?
        })
        .map(|()| 0),
        Command::Lost { command } => lost::run(&config, command),
        Command::Schema => print(&crate::model::schema_text()).map(|()| 0),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "psapguard", &mut buf);
            print(&String::from_utf8_lossy(&buf)).map(|()| 0)
        }
        Command::Man => print(&man_page()).map(|()| 0),
    }
}

fn check_command(
    config: &Config,
    paths: Vec<PathBuf>,
    args: &ReportArgs,
    baseline: &BaselineArgs,
) -> Result<i32, Error> {
    let settings = args.settings(config)?;
    if let Some(hint) = one_file_of_a_directory(&paths) {
        eprintln!("psapguard: note: {}", crate::escape::inert(&hint));
    }
    // A baseline that cannot be read is said before the long work.
    let known = match (&baseline.write, baseline.read.as_ref().or(config.baseline.as_ref())) {
        (None, Some(path)) => Some(crate::baseline::read(path)?),
        _ => None,
    };
    let loaded = load(config, &table_paths(config, paths))?;
    let checked = check_against(&loaded, &settings, &args.levels(config)?, known.as_ref());
    if let Some(path) = &baseline.write {
        crate::report::write::replace(path, &crate::baseline::render(&checked.report))?;
    }
    let verdict = checked.report.verdict();
    let pictures = args
        .wants_html()
        .then(|| pictures(&loaded, &settings, checked.analysis, checked.coverage))
        .flatten();
    args.emit(&Output {
        table: &loaded.table,
        report: &checked.report,
        diff: None,
        pictures: pictures.as_ref(),
    })?;
    Ok(args.exit_code(verdict.fails()))
}

/// `check --baseline FILE` / `--write-baseline FILE`.
#[derive(Debug, clap::Args)]
struct BaselineArgs {
    /// Report the findings this baseline records as known; fail only on new ones.
    #[arg(long = "baseline", value_name = "FILE")]
    read: Option<PathBuf>,
    /// Record today's findings as the baseline FILE.
    #[arg(long = "write-baseline", value_name = "FILE", conflicts_with = "read")]
    write: Option<PathBuf>,
}

fn diff_command(
    config: &Config,
    paths: Vec<PathBuf>,
    base: Option<&str>,
    mut judging: crate::diff::Judging,
    allow_config_change: bool,
    args: &ReportArgs,
) -> Result<i32, Error> {
    let settings = args.settings(config)?;
    let levels = args.levels(config)?;
    // The old table is checked and reduced before the new one is read: two whole national
    // tables never sit in memory at once.
    let (old, new_path) = match (base, paths.len()) {
        (Some(rev), 0 | 1) => {
            let path = table_paths(config, paths).remove(0);
            let root = crate::load::root_of(&path, config_dir(config).as_deref());
            let old = crate::load::git::load_revision(rev, &path, &root)?;
            crate::load::find(std::slice::from_ref(&path), config_dir(config).as_deref())?;
            (old, path)
        }
        (None, 2) => {
            // What is missing is said before the long work, in the order given.
            for path in &paths {
                crate::load::find(std::slice::from_ref(path), config_dir(config).as_deref())?;
            }
            let mut paths = paths;
            let new_path = paths.pop().expect("two paths");
            (load(config, &paths)?, new_path)
        }
        (Some(_), _) => return Err(Error::Usage("with --base, give at most one PATH".into())),
        (None, _) => return Err(Error::Usage("give OLD and NEW, or --base REV [PATH]".into())),
    };
    if let Some(rev) = base {
        // The gate at the base revision, against the one this change brings.
        let commit = crate::load::git::resolve_commit(rev)?;
        judging.config = Some(crate::diff::ConfigChange {
            before: config.at_revision(&commit)?,
            after: config.gate(config.path.is_some()),
            allowed: allow_config_change,
        });
    }
    let before = crate::diff::Before::new(old, &settings, &levels);
    let new = load(config, &[new_path])?;
    let diffed = crate::diff::diff(&before, &new, &settings, &levels, &judging);
    let verdict = diffed.report.verdict();
    let pictures = args
        .wants_html()
        .then(|| pictures(&new, &settings, diffed.analysis, diffed.coverage))
        .flatten();
    args.emit(&Output {
        table: &new.table,
        report: &diffed.report,
        diff: Some(&diffed.diff),
        pictures: pictures.as_ref(),
    })?;
    Ok(args.exit_code(verdict.fails()))
}

/// What the HTML report draws: the N-1 ranking and, with boundary layers, the coverage. None
/// for a table that cannot be analysed (its findings say why).
/// What `check` has already computed is taken, not computed again.
fn pictures(
    loaded: &Loaded,
    settings: &Settings,
    analysis: Option<crate::analysis::Analysis>,
    coverage: Option<crate::coverage::Coverage>,
) -> Option<crate::report::html::Pictures> {
    if !loaded.analysable() {
        return None;
    }
    let table = &loaded.table;
    let analysis = analysis.unwrap_or_else(|| crate::check::analyse_table(table, settings));
    let ranking = crate::simulate::all_single(table, &analysis, settings.capacity);
    let coverage = coverage.or_else(|| {
        (!table.boundaries.is_empty()).then(|| crate::coverage::Coverage::build(table, &settings.today, &settings.gis))
    });
    Some(crate::report::html::Pictures {
        analysis,
        ranking,
        coverage,
        today: settings.today.clone(),
    })
}

/// A hint when the one file given has sibling table files: it is likely one file of a
/// directory table, whose other files hold what its references name.
fn one_file_of_a_directory(paths: &[PathBuf]) -> Option<String> {
    let [file] = paths else { return None };
    if !file.is_file() {
        return None;
    }
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    // `./t.yaml` and `t.yaml` are one file: compare names within the directory.
    let name = file.file_name()?;
    let siblings = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != name && e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| crate::load::selected(std::path::Path::new(&e.file_name())))
        .count();
    (siblings > 0).then(|| {
        format!(
            "{} is checked alone, but {} has {} other table file{}: if they make one table, check the directory (`psapguard check {}`)",
            crate::escape::short(&file.display().to_string(), 200),
            crate::escape::short(&dir.display().to_string(), 200),
            siblings,
            if siblings == 1 { "" } else { "s" },
            crate::escape::short(&dir.display().to_string(), 200)
        )
    })
}

/// The man page, generated from the CLI definition (committed as `docs/psapguard.1`).
pub fn man_page() -> String {
    let mut buf = Vec::new();
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub(crate) fn print(text: &str) -> Result<(), Error> {
    crate::progress::finish();
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Output(format!("cannot write the report: {e}"))),
    }
}
