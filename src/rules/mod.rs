//! The rules. One file each; a rule's doc comment is its documentation (`psapguard explain`).
//!
//! A rule reads the loaded table and the routing analysis through a [`Context`] and pushes
//! [`Finding`]s. Rules never decide where a call goes: that is the engine's job.

use crate::analysis::Analysis;
use crate::load::{Problem, ProblemKind};
use crate::model::{Loc, Node, Table};

mod answer_standard;
mod black_hole;
pub mod blast_radius;
mod boundary_attribute;
mod boundary_format;
mod boundary_gap;
mod boundary_outside_provisioning;
mod boundary_overlap;
mod boundary_unrouted;
mod calls;
mod cross_jurisdiction;
mod decommissioned_reference;
mod duplicate_id;
pub mod ecrf_mismatch;
mod failover_misroute;
pub mod gate_weakened;
mod inactive_destination;
mod invalid_geometry;
mod location_misroute;
pub mod mapped;
mod missing_default;
mod parse_error;
mod policy_attribute;
mod policy_format;
mod policy_missing;
mod policy_nonstandard;
mod policy_refs;
mod policy_unused;
mod pool_exhaustion;
mod pool_mismatch;
mod pool_overlap;
pub mod psap_lost_traffic;
mod psap_without_boundary;
mod routing_loop;
mod schema;
mod sector_misroute;
mod shadowed_rule;
mod single_point_of_failure;
mod unknown_reference;
mod unreachable_psap;
pub mod unused_waiver;

pub(crate) use crate::declare_rule;
pub use crate::finding::{Finding, Related, RuleMeta, ScenarioLabel, Severity, thousands};
pub use mapped::{Located, Mapped};
pub use policy_refs::PolicyRouted;

/// Findings placed where a walk was decided: a rule above the engine's room says how.
pub(crate) trait AtLastHop {
    /// Points at the element, rule or default that sent a call on its last hop (`or` for a
    /// call that made none): in a JWS policy, also at the rule by its JSON pointer.
    fn at_last_hop(self, table: &Table, hops: &[crate::engine::Hop], or: Loc) -> Self;
}

impl AtLastHop for Finding {
    fn at_last_hop(mut self, table: &Table, hops: &[crate::engine::Hop], or: Loc) -> Self {
        self.location = Some(hops.last().map_or(or, |h| h.loc));
        self.pointer = hops.last().and_then(|h| h.payload_pointer(table));
        self
    }
}

/// The input a rule reads besides the loaded table: `check` runs a rule only when its input
/// exists, so no rule opens with a guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The table and its loading problems.
    Table,
    /// The routing analysis too (skipped when files have parse or schema errors).
    Routing,
    /// The old and the new table of a `diff`, both analysed.
    Diff,
    /// The boundary layers (the table names some).
    Geography,
    /// The boundary layers and the routing analysis: where located calls go.
    LocatedRouting,
    /// The policy documents (the table names some under `policies:`).
    Policies,
    /// The policies in force and the routing analysis of the calls they route.
    PolicyRouting,
}

impl Needs {
    /// Whether a rule with these needs runs on this context.
    pub fn met(self, cx: &Context<'_>) -> bool {
        match self {
            Needs::Table => true,
            Needs::Routing => cx.analysis.is_some(),
            Needs::Diff => false,
            Needs::Geography => cx.coverage.is_some(),
            Needs::LocatedRouting => cx.coverage.is_some() && cx.analysis.is_some(),
            Needs::Policies => !cx.table.policy_sources.is_empty(),
            Needs::PolicyRouting => cx.policies.is_some() && cx.analysis.is_some(),
        }
    }
}

/// A rule's check.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn needs(&self) -> Needs;
    /// Runs the rule if its input is there.
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// What a rule's `run` takes; built from the [`Context`] when it can be.
pub trait Input<'a>: Sized {
    const NEEDS: Needs;
    fn from_context(cx: &Context<'a>) -> Option<Self>;
}

impl<'a> Input<'a> for Context<'a> {
    const NEEDS: Needs = Needs::Table;
    fn from_context(cx: &Context<'a>) -> Option<Self> {
        Some(*cx)
    }
}

impl<'a> Input<'a> for Mapped<'a> {
    const NEEDS: Needs = Needs::Geography;
    fn from_context(cx: &Context<'a>) -> Option<Self> {
        cx.coverage.map(|coverage| Mapped { cx: *cx, coverage })
    }
}

impl<'a> Input<'a> for Located<'a> {
    const NEEDS: Needs = Needs::LocatedRouting;
    fn from_context(cx: &Context<'a>) -> Option<Self> {
        Some(Located {
            map: Mapped::from_context(cx)?,
            analysis: cx.analysis?,
        })
    }
}

impl<'a> Input<'a> for Policies<'a> {
    const NEEDS: Needs = Needs::Policies;
    fn from_context(cx: &Context<'a>) -> Option<Self> {
        (!cx.table.policy_sources.is_empty()).then_some(Policies { cx: *cx })
    }
}

impl<'a> Input<'a> for PolicyRouted<'a> {
    const NEEDS: Needs = Needs::PolicyRouting;
    fn from_context(cx: &Context<'a>) -> Option<Self> {
        Some(PolicyRouted {
            cx: *cx,
            analysis: cx.analysis?,
            net: cx.policies?,
        })
    }
}

impl<'a> Input<'a> for Routed<'a> {
    const NEEDS: Needs = Needs::Routing;
    fn from_context(cx: &Context<'a>) -> Option<Self> {
        cx.analysis.map(|analysis| Routed { cx: *cx, analysis })
    }
}

/// Runs `run` on its input built from `cx`, if there is one; returns what it needs.
fn run_on<'a, I: Input<'a>>(cx: &Context<'a>, out: &mut Vec<Finding>, run: impl FnOnce(&I, &mut Vec<Finding>)) {
    if let Some(input) = I::from_context(cx) {
        run(&input, out);
    }
}

fn needs_of<'a, I: Input<'a>>(_run: impl FnOnce(&I, &mut Vec<Finding>)) -> Needs {
    I::NEEDS
}

macro_rules! registry {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        /// Every rule, in documentation order.
        pub static RULES: &[&dyn Rule] = &[$(&$module::$rule),*];
        $(impl Rule for $module::$rule {
            fn meta(&self) -> &'static RuleMeta { &Self::META }
            fn needs(&self) -> Needs { needs_of($module::$rule::run) }
            fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) { run_on(cx, out, $module::$rule::run) }
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
    failover_misroute::FailoverMisroute,
    shadowed_rule::ShadowedRule,
    cross_jurisdiction::CrossJurisdiction,
    pool_overlap::PoolOverlap,
    pool_mismatch::PoolMismatch,
    pool_exhaustion::PoolExhaustion,
    answer_standard::AnswerStandard,
    boundary_format::BoundaryFormat,
    boundary_attribute::BoundaryAttribute,
    invalid_geometry::InvalidGeometry,
    boundary_gap::BoundaryGap,
    boundary_overlap::BoundaryOverlap,
    boundary_outside_provisioning::BoundaryOutsideProvisioning,
    boundary_unrouted::BoundaryUnrouted,
    psap_without_boundary::PsapWithoutBoundary,
    location_misroute::LocationMisroute,
    sector_misroute::SectorMisroute,
    policy_format::PolicyFormat,
    policy_attribute::PolicyAttribute,
    policy_nonstandard::PolicyNonstandard,
    policy_missing::PolicyMissing,
    policy_unused::PolicyUnused,
}

/// A rule that only `diff` reports: it compares the old and the new table.
pub trait DiffRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &DiffContext<'_>, out: &mut Vec<Finding>);
}

macro_rules! diff_registry {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        /// Rules that only `diff` reports.
        pub static DIFF_RULES: &[&dyn DiffRule] = &[$(&$module::$rule),*];
        $(impl DiffRule for $module::$rule {
            fn meta(&self) -> &'static RuleMeta { &Self::META }
            fn check(&self, cx: &DiffContext<'_>, out: &mut Vec<Finding>) { $module::$rule::run(cx, out) }
        })*
    };
}

diff_registry! {
    blast_radius::BlastRadius,
    psap_lost_traffic::PsapLostTraffic,
}

/// Rules that judge the configuration a change brings, not the table (`diff --base`).
pub static CONFIG_RULES: &[&RuleMeta] = &[&gate_weakened::GateWeakened::META];

/// Rules that judge an ECRF's LoST answers against the layers (`lost compare`, SPEC §10).
pub static LOST_RULES: &[&RuleMeta] = &[&ecrf_mismatch::EcrfMismatch::META];

/// Rules judged after the others, on their findings.
pub static AFTER_RULES: &[&RuleMeta] = &[&unused_waiver::UnusedWaiver::META];

pub fn all_meta() -> impl Iterator<Item = &'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain(DIFF_RULES.iter().map(|r| r.meta()))
        .chain(AFTER_RULES.iter().copied())
        .chain(CONFIG_RULES.iter().copied())
        .chain(LOST_RULES.iter().copied())
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
    /// The load model and the answering standard (`[capacity]`).
    pub capacity: crate::capacity::Standard,
    /// The boundary rules' tolerances (`[gis]`).
    pub gis: crate::coverage::GisSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_hops: crate::engine::DEFAULT_MAX_HOPS,
            horizon_days: 90,
            today: crate::date::today(),
            capacity: crate::capacity::Standard::default(),
            gis: crate::coverage::GisSettings::default(),
        }
    }
}

/// What a rule can see.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub table: &'a Table,
    pub problems: &'a [Problem],
    /// None when parse or schema problems made routing analysis meaningless.
    pub analysis: Option<&'a Analysis>,
    /// Ids of elements with a schema problem: their bad fields were dropped, so rules that
    /// judge an element's own fields pass them over (one typo, one finding).
    pub broken: &'a std::collections::HashSet<String>,
    pub settings: &'a Settings,
    /// The boundary layers checked; None when the table names none.
    pub coverage: Option<&'a crate::coverage::Coverage>,
    /// The policies routing the table's ESRPs (SPEC §9); None when it names none.
    pub policies: Option<&'a crate::engine::PolicyNet<'a>>,
}

impl Context<'_> {
    pub fn problems_of(&self, pred: impl Fn(&ProblemKind) -> bool) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| pred(&p.kind))
    }

    /// Whether the element has a schema problem (see [`Context::broken`]).
    pub fn broken(&self, id: &str) -> bool {
        self.broken.contains(id)
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
        crate::finding::origins_phrase(self.table, origins)
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
            waiver: None,
            message,
            scenario: None,
            entities,
            affected: self.origin_ids(origins),
            population: self.population(origins),
            location: Some(loc),
            pointer: None,
            place: None,
            related: Vec::new(),
            new: None,
        }
    }
}

/// What a routing rule sees: the context with the routing analysis, which exists.
#[derive(Clone, Copy)]
pub struct Routed<'a> {
    pub cx: Context<'a>,
    pub analysis: &'a Analysis,
}

/// What a policy rule sees: the context of a table that names policy documents.
#[derive(Clone, Copy)]
pub struct Policies<'a> {
    pub cx: Context<'a>,
}

impl<'a> std::ops::Deref for Policies<'a> {
    type Target = Context<'a>;
    fn deref(&self) -> &Context<'a> {
        &self.cx
    }
}

impl<'a> std::ops::Deref for Routed<'a> {
    type Target = Context<'a>;
    fn deref(&self) -> &Context<'a> {
        &self.cx
    }
}

/// What a diff rule sees: the new table as a routing rule sees it, and the old one analysed.
pub struct DiffContext<'a> {
    pub new: Routed<'a>,
    /// The old table as `diff` keeps it: its origins' ingress is dropped, so its routes are
    /// read from `old_analysis`, never walked again.
    pub old: &'a Table,
    pub old_analysis: &'a Analysis,
    /// The origins the change moves under normal conditions.
    pub moves: &'a [crate::analysis::Move],
    /// The origins whose PSAP in some single failure differs between the tables.
    pub failover: &'a [crate::analysis::FailoverMove],
    /// New-table origins whose boundary PSAP the change moves (SPEC §7), sorted.
    pub boundary_moves: &'a [u32],
    /// The boundary feature the change edited first, if it edited one.
    pub boundary_edit: Option<&'a crate::model::Place>,
    /// Old-table origins the new table does not have (moved to no PSAP).
    pub removed: &'a [u32],
    /// New-table origins the old table did not have (moved from no PSAP).
    pub added: &'a [u32],
    pub limits: blast_radius::Limits,
}

impl<'a> std::ops::Deref for DiffContext<'a> {
    type Target = Routed<'a>;
    fn deref(&self) -> &Routed<'a> {
        &self.new
    }
}
