//! What a check reports: findings, their severity and the rules' descriptions.
//!
//! This room depends only on the model, so the loader, the rules, the configuration and the
//! renderers can all speak of findings without importing one another.

use std::collections::HashMap;

use crate::model::Loc;

/// How much a finding matters; errors fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What `psapguard.toml` sets a rule to: reported as an error or a warning, or not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Off,
    Warning,
    Error,
}

impl Level {
    /// "error" | "warning" | "off".
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "off" => Some(Level::Off),
            _ => None,
        }
    }

    /// The severity findings get at this level; None when the rule is off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// Per-rule levels set by the configuration (rules not named keep their default).
pub type Levels = HashMap<String, Level>;

/// What a rule is: its stable name, default severity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    pub name: &'static str,
    pub severity: Severity,
    /// Markdown: What it does / Why it matters / Example / How to fix.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The first sentence of the documentation, for rule lists.
    pub fn summary(&self) -> &'static str {
        let body = self
            .doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(self.doc)
            .trim_start();
        body.split("\n\n").next().unwrap_or("").trim()
    }

    /// The severity of this rule's findings under `levels`; None when it is turned off.
    pub fn level_in(&self, levels: &Levels) -> Option<Severity> {
        match levels.get(self.name) {
            Some(level) => level.severity(),
            None => Some(self.severity),
        }
    }
}

/// Declares a rule's unit struct and its [`RuleMeta`] from its doc comment.
#[macro_export]
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* pub struct $name:ident { name: $n:literal, severity: $sev:ident $(,)? }) => {
        $(#[doc = $doc])*
        // Public as far as its module is: the rules that `diff`, tests and fuzzers name are
        // in public modules, the others are reached through the registry.
        #[allow(unreachable_pub)]
        pub struct $name;
        impl $name {
            #[allow(unreachable_pub)]
            pub const META: $crate::finding::RuleMeta = $crate::finding::RuleMeta {
                name: $n,
                severity: $crate::finding::Severity::$sev,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// Which scenario a finding comes from (SPEC §5: `normal`, `fail:ID`, `busy:ID`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScenarioLabel {
    Normal,
    /// A failure domain (declared or an element's own) is down.
    Fail(String),
    /// A PSAP's positions are all busy.
    Busy(String),
}

impl ScenarioLabel {
    /// "esrp-den is down", "aurora-911 is busy", "normal".
    pub fn words(&self) -> String {
        match self {
            ScenarioLabel::Normal => "normal".into(),
            ScenarioLabel::Fail(id) => format!("{id} is down"),
            ScenarioLabel::Busy(id) => format!("{id} is busy"),
        }
    }
}

impl std::fmt::Display for ScenarioLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScenarioLabel::Normal => f.write_str("normal"),
            ScenarioLabel::Fail(id) => write!(f, "fail:{id}"),
            ScenarioLabel::Busy(id) => write!(f, "busy:{id}"),
        }
    }
}

/// In a `diff`: whether the old table had the finding too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Novelty {
    New,
    PreExisting,
}

impl WaiverNote {
    /// "second trunk group on order (until 2027-06-30)".
    pub fn words(&self) -> String {
        match &self.expires {
            Some(d) => format!("{} (until {d})", self.reason),
            None => self.reason.clone(),
        }
    }
}

impl Novelty {
    pub fn word(self) -> &'static str {
        match self {
            Novelty::New => "new",
            Novelty::PreExisting => "pre-existing",
        }
    }
}

/// The waiver that covers a finding, as the reviewer must see it.
#[derive(Debug, Clone, PartialEq)]
pub struct WaiverNote {
    pub reason: String,
    pub expires: Option<String>,
}

/// A secondary location of a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Related {
    pub loc: Loc,
    pub message: String,
}

/// One finding: one cause, every origin it affects.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub waived: bool,
    /// The waiver that covers it, when waived.
    pub waiver: Option<WaiverNote>,
    pub message: String,
    /// For findings from the routing analysis.
    pub scenario: Option<ScenarioLabel>,
    /// First = where to fix.
    pub entities: Vec<String>,
    pub affected: Vec<String>,
    pub population: u64,
    pub location: Option<Loc>,
    /// Inside a JWS (SPEC §9): the JSON pointer into the decoded payload, which `location`
    /// (the payload's place in the file) cannot tell.
    pub pointer: Option<String>,
    /// Where a GIS finding points (SPEC §7): a layer's feature and a point; then `location`
    /// is None.
    pub place: Option<crate::model::Place>,
    pub related: Vec<Related>,
    /// `diff` only.
    pub new: Option<Novelty>,
}

impl Finding {
    pub fn scenario(mut self, s: ScenarioLabel) -> Self {
        self.scenario = Some(s);
        self
    }

    /// The finding placed at a part of a policy: by pointer too inside a JWS payload.
    pub fn at_spot(mut self, at: &crate::model::Spot) -> Self {
        self.location = Some(at.loc);
        self.pointer = at.payload_pointer();
        self
    }

    pub fn related(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.related.push(Related {
            loc,
            message: message.into(),
        });
        self
    }

    /// Whether this finding fails a run.
    pub fn fails(&self) -> bool {
        self.severity == Severity::Error && !self.waived
    }

    pub fn is_new(&self) -> bool {
        self.new == Some(Novelty::New)
    }

    /// This finding's identity (SPEC §2): what `diff`, baselines and fingerprints match by.
    pub fn identity(&self) -> Identity {
        Identity::new(self.rule, &self.entities)
    }
}

/// A finding's identity (SPEC §2): its rule and the set of its entities, so that line shifts
/// and entity order do not change it (a loop entered at another element is the same loop).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    pub rule: String,
    /// Sorted, without repeats.
    pub entities: Vec<String>,
}

impl Identity {
    pub fn new(rule: &str, entities: &[String]) -> Identity {
        let mut entities = entities.to_vec();
        entities.sort_unstable();
        entities.dedup();
        Identity {
            rule: rule.to_string(),
            entities,
        }
    }

    /// A stable fingerprint (FNV-1a, 64 bits, hex), so that code-scanning alerts survive line
    /// shifts.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in std::iter::once(&self.rule).chain(&self.entities) {
            for b in part.bytes().chain(std::iter::once(0)) {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }
}

/// Which findings fail a run: the gate's one rule, read by the exit code and every format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Gate {
    /// `check`: every unwaived error; against a baseline, those the baseline does not know.
    #[default]
    Check,
    /// `diff`: new unwaived errors (with `all`, every one), and a change whose routing could
    /// not be compared (a gate that cannot look does not pass a change, SPEC §2).
    Diff { all: bool },
}

impl Gate {
    /// Whether `f` fails a run judged by this gate.
    pub fn fails(self, f: &Finding) -> bool {
        let known = f.new == Some(Novelty::PreExisting);
        f.fails() && (!known || matches!(self, Gate::Diff { all: true }))
    }
}

/// The gate's verdict on a run (as ruff's `ExitStatus`): computed once, from the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Findings that fail the run.
    pub failing: usize,
    /// A diff that could not compare routing: it fails even with no failing finding.
    pub unjudged: bool,
}

impl Verdict {
    pub fn fails(self) -> bool {
        self.failing > 0 || self.unjudged
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "12 origins (population 240,000)", "1 origin", "3 origins (population unknown)": the
/// population only where some origin gives one.
pub fn origins_phrase(table: &crate::model::Table, origins: &[u32]) -> String {
    let n = origins.len();
    let noun = if n == 1 { "origin" } else { "origins" };
    let given = origins
        .iter()
        .any(|&o| table.origins[o as usize].population.get().is_some());
    if given {
        let pop: u64 = origins.iter().map(|&o| table.population(o)).sum();
        format!("{} {noun} (population {})", thousands(n as u64), thousands(pop))
    } else {
        format!("{} {noun}", thousands(n as u64))
    }
}

/// "1 error", "2 errors".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{} {word}s", thousands(n as u64))
    }
}
