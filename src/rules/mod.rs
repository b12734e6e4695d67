//! The rules. One file each; a rule's doc comment is its documentation (`psapguard explain`).
//!
//! A rule reads the loaded table and the routing analysis through a [`Context`] and pushes
//! [`Finding`]s. Rules never decide where a call goes: that is the engine's job.

use crate::analysis::Analysis;
use crate::load::{Problem, ProblemKind};
use crate::model::{Loc, Node, Table};

mod black_hole;
pub mod blast_radius;
mod cross_jurisdiction;
mod decommissioned_reference;
mod duplicate_id;
mod inactive_destination;
mod missing_default;
mod parse_error;
mod pool_exhaustion;
mod pool_mismatch;
mod pool_overlap;
pub mod psap_lost_traffic;
mod routing_loop;
mod schema;
mod shadowed_rule;
mod single_point_of_failure;
mod unknown_reference;
mod unreachable_psap;

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

/// What a rule is: its stable name, default severity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    pub name: &'static str,
    pub severity: Severity,
    /// Markdown: What it does / Why it matters / Example / How to fix.
    pub doc: &'static str,
    /// Whether the rule needs the routing analysis (skipped when files are broken).
    pub needs_routing: bool,
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
}

/// Declares a rule's unit struct and its [`RuleMeta`] from its doc comment.
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* pub struct $name:ident { name: $n:literal, severity: $sev:ident, routing: $routing:literal $(,)? }) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                name: $n,
                severity: $crate::rules::Severity::$sev,
                doc: concat!($($doc, "\n"),*),
                needs_routing: $routing,
            };
        }
    };
}
pub(crate) use declare_rule;

/// A rule's check.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

macro_rules! registry {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        /// Every rule, in documentation order.
        pub static RULES: &[&dyn Rule] = &[$(&$module::$rule),*];
        $(impl Rule for $module::$rule {
            fn meta(&self) -> &'static RuleMeta { &Self::META }
            fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) { $module::$rule::run(cx, out) }
        })*
    };
}

registry! {
    parse_error::ParseError,
    schema::Schema,
    duplicate_id::DuplicateId,
    unknown_reference::UnknownReference,
    decommissioned_reference::DecommissionedReference,
    missing_default::MissingDefault,
    routing_loop::RoutingLoop,
    black_hole::BlackHole,
    inactive_destination::InactiveDestination,
    unreachable_psap::UnreachablePsap,
    single_point_of_failure::SinglePointOfFailure,
    shadowed_rule::ShadowedRule,
    cross_jurisdiction::CrossJurisdiction,
    pool_overlap::PoolOverlap,
    pool_mismatch::PoolMismatch,
    pool_exhaustion::PoolExhaustion,
}

/// Rules that only `diff` reports.
pub static DIFF_RULES: &[&RuleMeta] = &[
    &blast_radius::BlastRadius::META,
    &psap_lost_traffic::PsapLostTraffic::META,
];

pub fn all_meta() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|r| r.meta()).chain(DIFF_RULES.iter().copied())
}

pub fn lookup(name: &str) -> Option<&'static RuleMeta> {
    all_meta().find(|m| m.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    all_meta().map(|m| m.name)
}

/// Settings that rules read.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_hops: usize,
    pub horizon_days: u64,
    /// YYYY-MM-DD, for waiver expiry.
    pub today: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_hops: crate::engine::DEFAULT_MAX_HOPS,
            horizon_days: 90,
            today: crate::date::today(),
        }
    }
}

/// What a rule can see.
pub struct Context<'a> {
    pub table: &'a Table,
    pub problems: &'a [Problem],
    /// None when parse or schema problems made routing analysis meaningless.
    pub analysis: Option<&'a Analysis>,
    pub settings: &'a Settings,
}

impl Context<'_> {
    pub fn problems_of(&self, pred: impl Fn(&ProblemKind) -> bool) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| pred(&p.kind))
    }

    pub fn population(&self, origins: &[u32]) -> u64 {
        origins.iter().map(|&o| self.table.population(o)).sum()
    }

    pub fn origin_ids(&self, origins: &[u32]) -> Vec<String> {
        origins
            .iter()
            .map(|&o| self.table.origins[o as usize].id.to_string())
            .collect()
    }

    /// "12 origins (population 240,000)".
    pub fn origins_phrase(&self, origins: &[u32]) -> String {
        let n = origins.len();
        let pop = self.population(origins);
        let noun = if n == 1 { "origin" } else { "origins" };
        if pop > 0 {
            format!("{n} {noun} (population {})", thousands(pop))
        } else {
            format!("{n} {noun}")
        }
    }

    pub fn node_id(&self, node: Node) -> &str {
        self.table.node_id(node)
    }

    /// A finding of `meta` at `loc`, its affected origins filled in.
    pub fn finding(
        &self,
        meta: &'static RuleMeta,
        loc: Loc,
        message: String,
        entities: Vec<String>,
        origins: &[u32],
    ) -> Finding {
        Finding {
            rule: meta.name,
            severity: meta.severity,
            waived: false,
            message,
            scenario: None,
            entities,
            affected: self.origin_ids(origins),
            population: self.population(origins),
            location: Some(loc),
            related: Vec::new(),
            new: None,
        }
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
    pub message: String,
    /// normal, fail:ID or busy:ID for findings from routing analysis.
    pub scenario: Option<String>,
    /// First = where to fix.
    pub entities: Vec<String>,
    pub affected: Vec<String>,
    pub population: u64,
    pub location: Option<Loc>,
    pub related: Vec<Related>,
    /// diff only: whether OLD lacked this finding.
    pub new: Option<bool>,
}

impl Finding {
    pub fn scenario(mut self, s: impl Into<String>) -> Self {
        self.scenario = Some(s.into());
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
}
