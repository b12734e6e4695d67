//! Capacity (SPEC §8): the busy-hour load each PSAP carries, normally and in each single
//! failure, and whether it can still answer 90% of its calls within 15 seconds (NENA-STA-020.1)
//! with its positions, by Erlang C.
//!
//! Loads come from the analysis `check` already ran: a failure only moves the classes it
//! re-walked, so each scenario's loads are the normal loads plus those classes' moves — no
//! second pass over the origins.

use std::collections::BTreeMap;

use crate::analysis::{Analysis, Scenario};
use crate::model::{Node, Table};

/// The load model and the answering standard (`[capacity]` in psapguard.toml).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standard {
    /// Calls a day per 1,000 people, for origins without `calls_per_day` (about the US
    /// average: 240 million calls a year).
    pub calls_per_1000_per_day: f64,
    /// The share of a day's calls that falls in the busiest hour.
    pub busy_hour_share: f64,
    /// Seconds a call-taker spends on a call, where a PSAP does not say.
    pub handle_seconds: f64,
    /// The standard: `answer_share` of calls answered within `answer_within_s` seconds.
    pub answer_within_s: f64,
    pub answer_share: f64,
}

impl Default for Standard {
    fn default() -> Self {
        Standard {
            calls_per_1000_per_day: 2.0,
            busy_hour_share: 0.07,
            handle_seconds: 90.0,
            answer_within_s: 15.0,
            answer_share: 0.90,
        }
    }
}

/// Erlang B by its stable recurrence: B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)).
pub fn erlang_b(positions: u32, erlangs: f64) -> f64 {
    let mut b = 1.0;
    for n in 1..=positions {
        b = erlangs * b / (n as f64 + erlangs * b);
        // Once B has underflowed it stays 0: the rest of the recurrence is work for nothing
        // (a PSAP with far more positions than load).
        if b == 0.0 {
            break;
        }
    }
    b
}

/// Erlang C from Erlang B: the probability that a call waits. 1 when the load reaches the
/// positions (the queue grows without end).
pub fn erlang_c(positions: u32, erlangs: f64) -> f64 {
    let n = positions as f64;
    if erlangs >= n {
        return 1.0;
    }
    if erlangs <= 0.0 {
        return 0.0;
    }
    let b = erlang_b(positions, erlangs);
    n * b / (n - erlangs * (1.0 - b))
}

/// The share of calls answered within `within` seconds: 1 − C(N, A)·e^(−(N−A)·t/h); 0 when
/// A ≥ N.
pub fn answered_within(positions: u32, erlangs: f64, handle_s: f64, within: f64) -> f64 {
    let n = positions as f64;
    if erlangs <= 0.0 {
        return 1.0;
    }
    if erlangs >= n || handle_s <= 0.0 {
        return 0.0;
    }
    1.0 - erlang_c(positions, erlangs) * (-(n - erlangs) * within / handle_s).exp()
}

/// The fewest positions that meet the standard for `erlangs` of load.
pub fn positions_needed(erlangs: f64, handle_s: f64, standard: &Standard) -> u32 {
    if erlangs <= 0.0 {
        return 0;
    }
    // B is built up position by position; only N > A can meet any standard.
    let mut b = 1.0;
    let mut n: u32 = 0;
    loop {
        n += 1;
        b = erlangs * b / (n as f64 + erlangs * b);
        let nf = n as f64;
        if nf <= erlangs {
            continue;
        }
        let c = nf * b / (nf - erlangs * (1.0 - b));
        let share = 1.0 - c * (-(nf - erlangs) * standard.answer_within_s / handle_s).exp();
        if share >= standard.answer_share || n >= 1_000_000 {
            return n;
        }
    }
}

/// A PSAP's busy hour in one scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    /// Calls in the busy hour.
    pub calls: f64,
    /// Offered load in Erlangs.
    pub erlangs: f64,
    /// Share answered within the standard's time with the PSAP's positions.
    pub answered: f64,
}

impl Load {
    pub fn meets(&self, standard: &Standard) -> bool {
        self.answered >= standard.answer_share
    }
}

/// Busy-hour loads: per route class, and per PSAP under normal conditions.
pub struct Loads<'a> {
    table: &'a Table,
    pub standard: Standard,
    /// Busy-hour calls of each route class.
    pub class_calls: Vec<f64>,
    /// Busy-hour calls each PSAP receives under normal conditions.
    pub normal: Vec<f64>,
}

/// One PSAP's load moved by one failure.
#[derive(Debug, Clone)]
pub struct Shift {
    /// Index into the analysis' failure domains (the first of those with the same members).
    pub domain: usize,
    pub psap: u32,
    pub before: Load,
    pub after: Load,
    /// Classes whose calls the failure sends to this PSAP.
    pub arriving: Vec<u32>,
}

impl<'a> Loads<'a> {
    pub fn new(table: &'a Table, analysis: &Analysis, standard: Standard) -> Self {
        let per_day = |o: u32| {
            let origin = &table.origins[o as usize];
            origin.calls_per_day.get().map_or(
                origin.population.get().unwrap_or(0) as f64 * standard.calls_per_1000_per_day / 1000.0,
                f64::from,
            )
        };
        // An origin's calls are counted once, on its usual call's branch (SPEC §9): the busy
        // hour is outside night windows, and the calls a policy diverts by kind (RTT, video)
        // are few; counting every branch would count each call once per branch.
        let class_calls: Vec<f64> = analysis
            .classes
            .iter()
            .map(|c| match c.usual {
                true => c.origins.iter().map(|&o| per_day(o)).sum::<f64>() * standard.busy_hour_share,
                false => 0.0,
            })
            .collect();
        let mut normal = vec![0.0; table.psaps.len()];
        for (c, t) in analysis.normal.iter().enumerate() {
            if let Some(p) = t.delivered_to() {
                normal[p as usize] += class_calls[c];
            }
        }
        Loads {
            table,
            standard,
            class_calls,
            normal,
        }
    }

    /// Handle time of a PSAP's calls.
    pub fn handle_seconds(&self, psap: u32) -> f64 {
        self.table.psaps[psap as usize]
            .handle_seconds
            .unwrap_or(self.standard.handle_seconds)
    }

    /// The load of `calls` busy-hour calls at a PSAP; None for a PSAP without `positions`.
    pub fn load(&self, psap: u32, calls: f64) -> Option<Load> {
        let positions = self.table.psaps[psap as usize].positions?;
        let h = self.handle_seconds(psap);
        let erlangs = calls * h / 3600.0;
        Some(Load {
            calls,
            erlangs,
            answered: answered_within(positions, erlangs, h, self.standard.answer_within_s),
        })
    }

    pub fn positions_needed(&self, psap: u32, load: &Load) -> u32 {
        positions_needed(load.erlangs, self.handle_seconds(psap), &self.standard)
    }

    /// The PSAPs whose load a set of re-walked classes changes: (psap, calls after, classes
    /// arriving). `ends` are the classes' new ends.
    pub fn shifted(
        &self,
        analysis: &Analysis,
        ends: impl Iterator<Item = (u32, Option<u32>)>,
    ) -> BTreeMap<u32, (f64, Vec<u32>)> {
        let mut out: BTreeMap<u32, (f64, Vec<u32>)> = BTreeMap::new();
        for (c, now) in ends {
            let was = analysis.normal[c as usize].delivered_to();
            if was == now {
                continue;
            }
            let calls = self.class_calls[c as usize];
            if let Some(p) = was {
                out.entry(p).or_insert((self.normal[p as usize], Vec::new())).0 -= calls;
            }
            if let Some(p) = now {
                let e = out.entry(p).or_insert((self.normal[p as usize], Vec::new()));
                e.0 += calls;
                e.1.push(c);
            }
        }
        out
    }

    /// Every single failure's load moves onto PSAPs with positions, where calls arrive.
    pub fn failure_shifts(&self, analysis: &Analysis) -> Vec<Shift> {
        let mut seen: std::collections::HashSet<&[Node]> = std::collections::HashSet::new();
        let mut out = Vec::new();
        for run in &analysis.runs {
            let Scenario::Fail(d) = run.scenario else { continue };
            let members = &analysis.domains[d].members;
            if !seen.insert(members) {
                continue; // a declared domain and an element's own with the same members: once
            }
            let ends = run.ends.iter().map(|(c, e)| (*c, e.delivered_to()));
            for (p, (calls, arriving)) in self.shifted(analysis, ends) {
                if arriving.is_empty() || members.contains(&Node::Psap(p)) {
                    continue;
                }
                let (Some(before), Some(after)) = (self.load(p, self.normal[p as usize]), self.load(p, calls)) else {
                    continue;
                };
                out.push(Shift {
                    domain: d,
                    psap: p,
                    before,
                    after,
                    arriving,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Erlang C by the textbook formula with factorials: independent of the recurrence, good
    /// for small N.
    fn erlang_c_direct(n: u32, a: f64) -> f64 {
        let fact = |k: u32| (1..=k).map(|i| i as f64).product::<f64>();
        let top = a.powi(n as i32) / fact(n) * (n as f64 / (n as f64 - a));
        let sum: f64 = (0..n).map(|k| a.powi(k as i32) / fact(k)).sum();
        top / (sum + top)
    }

    #[test]
    fn erlang_c_agrees_with_the_direct_formula() {
        for (n, a) in [(1, 0.5), (2, 1.0), (5, 3.2), (11, 10.0), (20, 15.0), (30, 25.5)] {
            let (x, y) = (erlang_c(n, a), erlang_c_direct(n, a));
            assert!((x - y).abs() < 1e-9, "C({n}, {a}) = {x} vs {y}");
        }
    }

    #[test]
    fn erlang_c_matches_published_values() {
        // Values as Erlang C tables print them: 10 Erlangs on 11 positions wait with
        // probability 0.682, on 12 positions 0.449; 1 Erlang on 2 positions, exactly 1/3.
        assert!((erlang_c(11, 10.0) - 0.6821).abs() < 5e-4, "{}", erlang_c(11, 10.0));
        assert!((erlang_c(12, 10.0) - 0.4494).abs() < 5e-4, "{}", erlang_c(12, 10.0));
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12, "{}", erlang_c(2, 1.0));
    }

    #[test]
    fn stable_for_large_centres_and_loads() {
        for (n, a) in [(1000, 950.0), (1000, 999.0), (2100, 2000.0), (1, 0.999)] {
            let c = erlang_c(n, a);
            assert!(c.is_finite() && (0.0..=1.0).contains(&c), "C({n}, {a}) = {c}");
        }
        let needed = positions_needed(2000.0, 90.0, &Standard::default());
        assert!((2000..2200).contains(&needed), "{needed}");
    }

    #[test]
    fn positions_needed_is_the_smallest_that_meets_the_standard() {
        let s = Standard::default();
        for a in [0.3, 2.0, 7.5, 42.0, 180.0] {
            let n = positions_needed(a, 90.0, &s);
            assert!(answered_within(n, a, 90.0, 15.0) >= 0.9);
            assert!(n == 1 || answered_within(n - 1, a, 90.0, 15.0) < 0.9, "A={a}: {n}");
        }
    }

    /// A discrete-event simulation of an M/M/N queue (its own random numbers, no formula):
    /// the share answered within 15 s agrees with Erlang C within two percentage points.
    #[test]
    fn erlang_c_agrees_with_a_simulated_queue() {
        let (n, arrivals_per_s, handle_s) = (5u32, 3.5 / 90.0, 90.0);
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut uniform = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut exp = |mean: f64| -mean * (1.0 - uniform()).ln();
        let mut free_at = vec![0.0f64; n as usize];
        let (mut t, mut in_time, calls) = (0.0, 0u32, 200_000u32);
        for _ in 0..calls {
            t += exp(1.0 / arrivals_per_s);
            let (i, &first_free) = free_at.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).unwrap();
            let start = first_free.max(t);
            if start - t <= 15.0 {
                in_time += 1;
            }
            free_at[i] = start + exp(handle_s);
        }
        let simulated = in_time as f64 / calls as f64;
        let formula = answered_within(n, 3.5, handle_s, 15.0);
        assert!(
            (simulated - formula).abs() < 0.02,
            "simulated {simulated}, Erlang C {formula}"
        );
    }
}
