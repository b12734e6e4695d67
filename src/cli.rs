//! The command line (SPEC.md §4). Parses arguments, runs the library, prints, returns the
//! exit code: 0 no failing finding, 1 failing findings, 2 the tool could not do its job.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{SeverityOverrides, check};
use crate::load::load;
use crate::report::{human, json};
use crate::rules::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "psapguard",
    version,
    about = "Checks a change to a 911 routing table before it is deployed"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a routing table: every origin's calls under normal, single-failure and busy scenarios.
    #[command(
        after_help = "Example:\n  psapguard check examples/denver\n  psapguard check tables/ --format json > findings.json"
    )]
    Check {
        /// Table files or directories (every *.yaml/*.yml below a directory).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Compare waiver expiry dates with this day (YYYY-MM-DD) instead of today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// Most elements a call may pass before it counts as lost.
        #[arg(long, default_value_t = crate::engine::DEFAULT_MAX_HOPS)]
        max_hops: usize,
    },
    /// Print the JSON Schema of the table format.
    #[command(after_help = "Example:\n  psapguard schema > routing-table.schema.json")]
    Schema,
    /// Show what a rule checks, why, an example and the fix (no RULE: list all rules).
    #[command(after_help = "Example:\n  psapguard explain single-point-of-failure")]
    Explain { rule: Option<String> },
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("psapguard: {message}");
            2
        }
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    match cli.command {
        Command::Check {
            paths,
            format,
            date,
            max_hops,
        } => {
            let mut settings = Settings {
                max_hops,
                ..Settings::default()
            };
            if let Some(d) = date {
                if !crate::date::is_valid(&d) {
                    return Err(format!("--date must be a date YYYY-MM-DD, not `{d}`"));
                }
                settings.today = d;
            }
            let loaded = load(&paths).map_err(|e| e.to_string())?;
            let (report, _) = check(&loaded, &settings, &SeverityOverrides::new());
            let text = match format {
                Format::Json => json::render(&loaded.table, &report),
                Format::Human => human::render(&loaded.table, &report, terminal_style()),
            };
            print(&text)?;
            Ok(i32::from(report.fails()))
        }
        Command::Schema => {
            print(&crate::schema_text())?;
            Ok(0)
        }
        Command::Explain { rule } => {
            print(&crate::explain::explain(rule.as_deref())?)?;
            Ok(0)
        }
    }
}

fn terminal_style() -> human::Style {
    let tty = std::io::stdout().is_terminal();
    let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    human::Style { color, width: 100 }
}

fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the report: {e}")),
    }
}
