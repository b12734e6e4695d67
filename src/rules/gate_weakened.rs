use super::blast_radius::{Limit, Limits};
use super::{Finding, RuleMeta, ScenarioLabel, declare_rule};
use crate::finding::{Level, Levels};

declare_rule! {
    /// ## What it does
    /// Reported by `diff --base REV`: the working `psapguard.toml` weakens the gate against
    /// the one at REV — a rule turned off or downgraded from error to warning, a blast-radius
    /// limit loosened, `max_hops` raised, `horizon_days` lowered, the answering standard or
    /// the load model of `[capacity]` loosened, the sliver tolerance of `[gis]` raised, the
    /// baseline changed, the checked table moved, or the file removed. `--allow-config-change` accepts the change for the pull request that
    /// means it (the finding is then a warning).
    ///
    /// ## Why it matters
    /// A gate that the change under review can switch off is no gate: a pull request from
    /// anyone could turn `single-point-of-failure` off in the same commit that homes a county
    /// on one routing facility, and the review would pass. The reviewer must see both.
    ///
    /// ## Example
    /// ```toml
    /// [rules]
    /// single-point-of-failure = "off"     # was "error" at origin/main
    /// ```
    ///
    /// ## How to fix
    /// Keep configuration changes in their own pull request, reviewed as such, and run the
    /// review of that pull request with `--allow-config-change`.
    pub struct GateWeakened { name: "gate-weakened", severity: Error }
}

/// What `psapguard.toml` sets that a change could weaken.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateSettings {
    pub levels: Levels,
    pub max_hops: Option<usize>,
    pub horizon_days: Option<u64>,
    pub max_moved_origins: Option<Limit>,
    pub max_moved_population: Option<Limit>,
    /// The table path it names, as written.
    pub table: Option<String>,
    pub baseline: Option<String>,
    pub capacity: crate::capacity::Standard,
    /// The boundary rules' tolerances (`[gis]`).
    pub gis: crate::coverage::GisSettings,
    /// Whether the file exists.
    pub present: bool,
}

impl GateWeakened {
    /// One finding listing every way `new` is weaker than `old`; none when it is not.
    pub fn run(old: &GateSettings, new: &GateSettings, all_rules: &[&'static RuleMeta]) -> Option<Finding> {
        let mut weaker = Vec::new();
        if old.present && !new.present {
            weaker.push("psapguard.toml is removed".to_string());
        }
        for meta in all_rules {
            let level = |g: &GateSettings| g.levels.get(meta.name).copied().unwrap_or(default_level(meta));
            let (was, now) = (level(old), level(new));
            if now < was {
                weaker.push(format!("`{}` {} (was {})", meta.name, level_word(now), level_word(was)));
            }
        }
        let hops = |g: &GateSettings| g.max_hops.unwrap_or(crate::engine::DEFAULT_MAX_HOPS);
        if hops(new) > hops(old) {
            weaker.push(format!("max_hops raised to {} (was {})", hops(new), hops(old)));
        }
        let horizon = |g: &GateSettings| g.horizon_days.unwrap_or(90);
        if horizon(new) < horizon(old) {
            weaker.push(format!(
                "horizon_days lowered to {} (was {})",
                horizon(new),
                horizon(old)
            ));
        }
        let defaults = Limits::default();
        let limit_pairs = [
            (
                "max_moved_origins",
                old.max_moved_origins,
                new.max_moved_origins,
                defaults.origins,
            ),
            (
                "max_moved_population",
                old.max_moved_population,
                new.max_moved_population,
                defaults.population,
            ),
        ];
        for (name, was, now, default) in limit_pairs {
            let (was, now) = (was.unwrap_or(default), now.unwrap_or(default));
            if loosened(was, now) {
                weaker.push(format!("blast-radius {name} loosened to {now} (was {was})"));
            }
        }
        let (was, now) = (old.capacity, new.capacity);
        if now.answer_share < was.answer_share || now.answer_within_s > was.answer_within_s {
            weaker.push(format!(
                "the answering standard loosened to {}% within {} s (was {}% within {} s)",
                now.answer_share * 100.0,
                now.answer_within_s,
                was.answer_share * 100.0,
                was.answer_within_s
            ));
        }
        if now.calls_per_1000_per_day < was.calls_per_1000_per_day
            || now.busy_hour_share < was.busy_hour_share
            || now.handle_seconds < was.handle_seconds
        {
            weaker.push("the capacity load model lowered (fewer calls or shorter calls assumed)".to_string());
        }
        let (was, now) = (&old.gis, &new.gis);
        if now.sliver_m2 > was.sliver_m2 || now.sliver_width_m > was.sliver_width_m {
            weaker.push(format!(
                "the boundary sliver tolerance raised to {} m² and {} m wide (was {} m² and {} m): smaller gaps and overlaps go unreported",
                now.sliver_m2, now.sliver_width_m, was.sliver_m2, was.sliver_width_m
            ));
        }
        if old.baseline != new.baseline {
            let shown = |t: &Option<String>| t.clone().unwrap_or_else(|| "(none)".into());
            weaker.push(format!(
                "the baseline changed to {} (was {})",
                crate::escape::short(&shown(&new.baseline), 100),
                crate::escape::short(&shown(&old.baseline), 100)
            ));
        }
        if old.table != new.table {
            let shown = |t: &Option<String>| t.clone().unwrap_or_else(|| "(none)".into());
            weaker.push(format!(
                "the checked table changed to {} (was {})",
                crate::escape::short(&shown(&new.table), 100),
                crate::escape::short(&shown(&old.table), 100)
            ));
        }
        if weaker.is_empty() {
            return None;
        }
        Some(Finding {
            rule: Self::META.name,
            severity: Self::META.severity,
            waived: false,
            waiver: None,
            message: format!("this change weakens the gate that reviews it: {}", weaker.join("; ")),
            scenario: None::<ScenarioLabel>,
            entities: vec![crate::model::CONFIG_FILE.to_string()],
            affected: Vec::new(),
            population: 0,
            location: None,
            pointer: None,
            place: None,
            related: Vec::new(),
            new: None,
        })
    }
}

fn default_level(meta: &RuleMeta) -> Level {
    match meta.severity {
        crate::finding::Severity::Error => Level::Error,
        crate::finding::Severity::Warning => Level::Warning,
    }
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Off => "turned off",
        Level::Warning => "a warning",
        Level::Error => "an error",
    }
}

/// Whether `now` lets more through than `was`. A limit changed between a share and a number
/// cannot be compared without the table: it counts as loosened, for a person to judge.
fn loosened(was: Limit, now: Limit) -> bool {
    match (was, now) {
        (Limit::Percent(a), Limit::Percent(b)) => b > a,
        (Limit::Absolute(a), Limit::Absolute(b)) => b > a,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> GateSettings {
        GateSettings {
            present: true,
            ..GateSettings::default()
        }
    }

    #[test]
    fn the_same_or_a_stricter_gate_is_silent() {
        let rules: Vec<_> = crate::rules::all_meta().collect();
        assert!(GateWeakened::run(&gate(), &gate(), &rules).is_none());
        let mut stricter = gate();
        stricter.levels.insert("shadowed-rule".into(), Level::Error);
        stricter.max_moved_origins = Some(Limit::Percent(1.0));
        stricter.max_hops = Some(6);
        stricter.gis.sliver_m2 = 100.0;
        assert!(GateWeakened::run(&gate(), &stricter, &rules).is_none());
    }

    #[test]
    fn a_wider_sliver_tolerance_weakens_the_gate() {
        let rules: Vec<_> = crate::rules::all_meta().collect();
        let mut looser = gate();
        looser.gis.sliver_width_m = 50.0;
        let f = GateWeakened::run(&gate(), &looser, &rules).expect("weaker");
        assert!(f.message.contains("sliver tolerance raised"), "{}", f.message);
    }

    #[test]
    fn each_way_of_weakening_is_named() {
        let rules: Vec<_> = crate::rules::all_meta().collect();
        let mut weaker = gate();
        weaker.levels.insert("single-point-of-failure".into(), Level::Off);
        weaker.levels.insert("black-hole".into(), Level::Warning);
        weaker.max_moved_population = Some(Limit::Percent(50.0));
        weaker.max_hops = Some(20);
        weaker.horizon_days = Some(10);
        weaker.table = Some("elsewhere".into());
        let f = GateWeakened::run(&gate(), &weaker, &rules).expect("a finding");
        for part in [
            "`single-point-of-failure` turned off (was an error)",
            "`black-hole` a warning (was an error)",
            "max_moved_population loosened to 50% (was 5%)",
            "max_hops raised to 20",
            "horizon_days lowered to 10",
            "the checked table changed to elsewhere",
        ] {
            assert!(f.message.contains(part), "{part}: {}", f.message);
        }
        let removed = GateSettings::default();
        let f = GateWeakened::run(&gate(), &removed, &rules).expect("a finding");
        assert!(f.message.contains("psapguard.toml is removed"), "{}", f.message);
    }
}
