//! What a policy asks that the table does not decide (SPEC §9): the kind of call (facts that
//! may be true or false), the time of the week, and which boundary answers inside an overlap —
//! and the explorer that follows every branch over them, dropping contradictory ones.
//!
//! A walk asks its questions through an [`Explorer`]; the first time a question is open the
//! explorer takes its first answer (no, outside: so the first branch is the usual call) and remembers the choice, and [`Explorer::advance`] replays
//! the walk with the last open choice flipped (depth first), so only questions a walk
//! actually asks make branches.

/// Minutes in a week; minute 0 is Monday 00:00 UTC.
pub const WEEK: u32 = 7 * 1440;

/// Most branches one walk is followed into. Real policies ask a handful of questions per
/// call (kind of media, a night window, an overlap); a walk that asks more is followed into
/// its first branches only, and the analysis says so.
pub const MAX_BRANCHES: usize = 256;

/// A set of minutes of the week (UTC): sorted, disjoint, non-empty half-open intervals.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Clock(pub Vec<(u32, u32)>);

impl Clock {
    pub fn full() -> Clock {
        Clock(vec![(0, WEEK)])
    }

    pub fn is_full(&self) -> bool {
        self.0 == [(0, WEEK)]
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The minutes in both.
    pub fn intersect(&self, other: &Clock) -> Clock {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let (lo, hi) = (a.0.max(b.0), a.1.min(b.1));
            if lo < hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 { i += 1 } else { j += 1 }
        }
        Clock(out)
    }

    /// The minutes of the week not in this set.
    pub fn complement(&self) -> Clock {
        let mut out = Vec::new();
        let mut at = 0;
        for &(lo, hi) in &self.0 {
            if lo > at {
                out.push((at, lo));
            }
            at = hi;
        }
        if at < WEEK {
            out.push((at, WEEK));
        }
        Clock(out)
    }

    pub fn union(&self, other: &Clock) -> Clock {
        self.complement().intersect(&other.complement()).complement()
    }

    /// Sorted, merged intervals from any list (each within the week).
    pub fn from_intervals(mut spans: Vec<(u32, u32)>) -> Clock {
        spans.retain(|(lo, hi)| lo < hi);
        spans.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::new();
        for (lo, hi) in spans {
            match out.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Clock(out)
    }

    /// The set shifted by `minutes` (wrapping around the week).
    pub fn shifted(&self, minutes: i64) -> Clock {
        let mut spans = Vec::new();
        for &(lo, hi) in &self.0 {
            let start = (i64::from(lo) + minutes).rem_euclid(i64::from(WEEK)) as u32;
            let end = start + (hi - lo);
            if end <= WEEK {
                spans.push((start, end));
            } else {
                spans.push((start, WEEK));
                spans.push((0, end - WEEK));
            }
        }
        Clock::from_intervals(spans)
    }

    /// "Sat–Sun 00:00–06:00", "Mon–Fri 07:00–19:00; Sat 08:00–12:00", in the clock of
    /// `offset` minutes east of UTC (the policies' own).
    pub fn words(&self, offset: i64) -> String {
        let local = self.shifted(offset);
        // Group the local spans by their time of day, then name the days of each group.
        let mut by_time: Vec<((u32, u32), Vec<u32>)> = Vec::new();
        for &(lo, hi) in &local.0 {
            let (day, start) = (lo / 1440, lo % 1440);
            let end = hi - day * 1440;
            // A span longer than a day or crossing midnight is named by its own ends: grouped,
            // only its first day would be named.
            let same = by_time.iter_mut().find(|(t, _)| end <= 1440 && *t == (start, end));
            match same {
                Some((_, days)) => days.push(day),
                None => by_time.push(((start, end), vec![day])),
            }
        }
        let parts: Vec<String> = by_time
            .iter()
            .map(|((start, end), days)| {
                if *end > 1440 {
                    // An end at midnight is the last day's 24:00, not that day's 00:00.
                    let days_after = (end - 1) / 1440;
                    return format!(
                        "{} {}–{} {}",
                        DAYS[days[0] as usize % 7],
                        hhmm(*start),
                        DAYS[(days[0] + days_after) as usize % 7],
                        hhmm(end - days_after * 1440)
                    );
                }
                format!("{} {}–{}", day_ranges(days), hhmm(*start), hhmm(*end))
            })
            .collect();
        parts.join("; ")
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn hhmm(m: u32) -> String {
    if m == 1440 {
        return "24:00".into();
    }
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// "Mon–Fri", "Sat, Mon", from sorted day numbers.
fn day_ranges(days: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let mut j = i;
        while j + 1 < days.len() && days[j + 1] == days[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}–{}", DAYS[days[i] as usize], DAYS[days[j] as usize])
        } else {
            DAYS[days[i] as usize].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// One branch: what is assumed of the call on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Branch {
    /// (fact, value), sorted by fact.
    pub facts: Vec<(u32, bool)>,
    /// The minutes of the week it covers.
    pub clock: Clock,
    /// (service index, which answer), sorted: the boundary taken inside an overlap.
    pub answers: Vec<(u8, u16)>,
}

impl Default for Branch {
    fn default() -> Branch {
        Branch {
            facts: Vec::new(),
            clock: Clock::full(),
            answers: Vec::new(),
        }
    }
}

impl Branch {
    pub fn fact(&self, f: u32) -> Option<bool> {
        self.facts
            .binary_search_by_key(&f, |&(k, _)| k)
            .ok()
            .map(|i| self.facts[i].1)
    }

    pub fn set_fact(&mut self, f: u32, v: bool) {
        match self.facts.binary_search_by_key(&f, |&(k, _)| k) {
            Ok(i) => self.facts[i].1 = v,
            Err(i) => self.facts.insert(i, (f, v)),
        }
    }

    pub fn answer(&self, service: u8) -> Option<u16> {
        self.answers.iter().find(|(s, _)| *s == service).map(|&(_, a)| a)
    }

    fn set_answer(&mut self, service: u8, a: u16) {
        let i = self.answers.partition_point(|(s, _)| *s < service);
        self.answers.insert(i, (service, a));
    }

    /// Whether this branch is the whole space: nothing assumed.
    pub fn is_everything(&self) -> bool {
        self.facts.is_empty() && self.clock.is_full() && self.answers.is_empty()
    }

    /// The calls on both branches, or None when they exclude each other.
    pub fn meet(&self, other: &Branch, facts: &Facts) -> Option<Branch> {
        let mut out = self.clone();
        for &(f, v) in &other.facts {
            match out.fact(f) {
                Some(w) if w != v => return None,
                Some(_) => {}
                None => out.set_fact(f, v),
            }
        }
        if !facts.consistent(&out) {
            return None;
        }
        out.clock = self.clock.intersect(&other.clock);
        if out.clock.is_empty() {
            return None;
        }
        for &(s, a) in &other.answers {
            match out.answer(s) {
                Some(b) if b != a => return None,
                Some(_) => {}
                None => out.set_answer(s, a),
            }
        }
        Some(out)
    }
}

/// The call facts the policies ask about: each distinct condition (type and fields, without
/// `negation`), with `NE x` read as not `EQ x`. Facts that compare one field `EQ` with
/// different values exclude each other (at most one holds).
#[derive(Debug, Default)]
pub struct Facts {
    /// How a fact is shown: "SdpOffer rtt=true", "RequestUri EQ urn:service:sos".
    pub names: Vec<String>,
    /// The field a fact compares `EQ`, if it does: facts of one field exclude each other.
    fields: Vec<Option<u32>>,
    by_key: std::collections::HashMap<String, u32>,
    field_ids: std::collections::HashMap<String, u32>,
}

impl Facts {
    /// The fact with this key, added if new. `field` groups facts that exclude each other.
    pub fn intern(&mut self, key: String, name: String, field: Option<&str>) -> u32 {
        if let Some(&f) = self.by_key.get(&key) {
            return f;
        }
        let field = field.map(|k| {
            let next = self.field_ids.len() as u32;
            *self.field_ids.entry(k.to_string()).or_insert(next)
        });
        let f = self.names.len() as u32;
        self.names.push(name);
        self.fields.push(field);
        self.by_key.insert(key, f);
        f
    }

    /// Whether no field has two facts true on this branch.
    fn consistent(&self, b: &Branch) -> bool {
        let mut seen: Vec<u32> = b
            .facts
            .iter()
            .filter(|(_, v)| *v)
            .filter_map(|&(f, _)| self.fields[f as usize])
            .collect();
        let n = seen.len();
        seen.sort_unstable();
        seen.dedup();
        seen.len() == n
    }

    /// A fact that another true fact of its field already makes false.
    fn excluded(&self, b: &Branch, f: u32) -> bool {
        let Some(field) = self.fields[f as usize] else {
            return false;
        };
        b.facts
            .iter()
            .any(|&(g, v)| v && g != f && self.fields[g as usize] == Some(field))
    }
}

/// Follows every branch of one walk: see the module comment.
#[derive(Debug)]
pub struct Explorer {
    base: Branch,
    /// (taken, options) of each open question met, in order.
    choices: Vec<(u16, u16)>,
    pos: usize,
    pub branch: Branch,
    /// Branches followed so far.
    pub followed: usize,
}

impl Explorer {
    pub fn new(base: Branch) -> Explorer {
        Explorer {
            branch: base.clone(),
            base,
            choices: Vec::new(),
            pos: 0,
            followed: 1,
        }
    }

    fn choose(&mut self, options: u16) -> u16 {
        let taken = match self.choices.get(self.pos) {
            Some(&(taken, _)) => taken,
            None => {
                self.choices.push((0, options));
                0
            }
        };
        self.pos += 1;
        taken
    }

    /// Sets up the next branch; false when every branch was followed (or the bound reached).
    pub fn advance(&mut self) -> bool {
        self.choices.truncate(self.pos);
        while let Some(last) = self.choices.last_mut() {
            if last.0 + 1 < last.1 && self.followed < MAX_BRANCHES {
                last.0 += 1;
                self.pos = 0;
                self.branch = self.base.clone();
                self.followed += 1;
                return true;
            }
            self.choices.pop();
        }
        false
    }

    /// Whether a call fact holds on this branch.
    pub fn fact(&mut self, facts: &Facts, f: u32) -> bool {
        if let Some(v) = self.branch.fact(f) {
            return v;
        }
        // False first: the first branch is the usual call, which asks for nothing special.
        let v = !facts.excluded(&self.branch, f) && self.choose(2) == 1;
        self.branch.set_fact(f, v);
        v
    }

    /// Whether a fact may hold on some branch from here (without choosing).
    pub fn may(&self, facts: &Facts, f: u32, want: bool) -> bool {
        match self.branch.fact(f) {
            Some(v) => v == want,
            None => !want || !facts.excluded(&self.branch, f),
        }
    }

    /// Whether the call comes in `window`.
    pub fn within(&mut self, window: &Clock) -> bool {
        let inside = self.branch.clock.intersect(window);
        if inside.is_empty() {
            return false;
        }
        let outside = self.branch.clock.intersect(&window.complement());
        if outside.is_empty() {
            return true;
        }
        // Outside first: the first branch is the call outside every special window.
        let yes = self.choose(2) == 1;
        self.branch.clock = if yes { inside } else { outside };
        yes
    }

    /// Whether the call may come in `window` (or outside it, `want` false) on some branch.
    pub fn may_within(&self, window: &Clock, want: bool) -> bool {
        let w = if want { window.clone() } else { window.complement() };
        !self.branch.clock.intersect(&w).is_empty()
    }

    /// Which of `n` boundary answers the ECRF gives for `service` on this branch.
    pub fn answer(&mut self, service: u8, n: u16) -> u16 {
        if let Some(a) = self.branch.answer(service) {
            return a;
        }
        let a = if n <= 1 { 0 } else { self.choose(n) };
        self.branch.set_answer(service, a);
        a
    }
}

/// The branches with those that differ in one call fact only, or in the time only, joined.
pub fn merged(mut branches: Vec<Branch>) -> Vec<Branch> {
    loop {
        let mut joined = None;
        'find: for i in 0..branches.len() {
            for j in i + 1..branches.len() {
                if let Some(b) = join(&branches[i], &branches[j]) {
                    joined = Some((i, j, b));
                    break 'find;
                }
            }
        }
        let Some((i, j, b)) = joined else { return branches };
        branches.remove(j);
        branches[i] = b;
    }
}

fn join(x: &Branch, y: &Branch) -> Option<Branch> {
    // The first answer of the ECRF is what every call gets outside an overlap: only the
    // others tell branches apart in words (a branch that asked and one that did not agree).
    let told = |b: &Branch| -> Vec<(u8, u16)> { b.answers.iter().copied().filter(|&(_, a)| a > 0).collect() };
    if told(x) != told(y) {
        return None;
    }
    if x.facts == y.facts {
        return Some(Branch {
            clock: x.clock.union(&y.clock),
            ..x.clone()
        });
    }
    if x.clock != y.clock || x.facts.len() != y.facts.len() {
        return None;
    }
    let differ: Vec<usize> = (0..x.facts.len()).filter(|&k| x.facts[k] != y.facts[k]).collect();
    match differ.as_slice() {
        [k] if x.facts[*k].0 == y.facts[*k].0 => {
            let mut out = x.clone();
            out.facts.remove(*k);
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_cut_and_name_the_week() {
        let night = Clock::from_intervals(vec![(5 * 1440, 5 * 1440 + 360), (6 * 1440, 6 * 1440 + 360)]);
        assert_eq!(night.words(0), "Sat–Sun 00:00–06:00");
        assert_eq!(night.union(&night.complement()), Clock::full());
        assert!(night.intersect(&night.complement()).is_empty());
        // Central time: 00:00–06:00 local is 06:00–12:00 UTC.
        let utc = night.shifted(360);
        assert_eq!(utc.words(-360), "Sat–Sun 00:00–06:00");
        let late = Clock::from_intervals(vec![(23 * 60, 24 * 60 + 7 * 60)]);
        assert_eq!(late.words(0), "Mon 23:00–Tue 07:00");
    }

    #[test]
    fn spans_across_midnight_are_each_named_to_their_end() {
        // The week outside Sun–Thu 01:00–06:00: four spans cross midnight with the same
        // times of day, and each is named.
        let night: Vec<_> = [6, 0, 1, 2, 3]
            .iter()
            .map(|d| (d * 1440 + 60, d * 1440 + 360))
            .collect();
        let day = Clock::from_intervals(night).complement();
        assert_eq!(
            day.words(0),
            "Mon 00:00–01:00; Mon 06:00–Tue 01:00; Tue 06:00–Wed 01:00; Wed 06:00–Thu 01:00; \
             Thu 06:00–Sun 01:00; Sun 06:00–24:00"
        );
        // Outside Sat–Sun 00:00–08:00: the weekdays end at Friday's midnight.
        let weekend = Clock::from_intervals(vec![(5 * 1440, 5 * 1440 + 480), (6 * 1440, 6 * 1440 + 480)]);
        assert_eq!(
            weekend.complement().words(0),
            "Mon 00:00–Fri 24:00; Sat–Sun 08:00–24:00"
        );
    }

    #[test]
    fn the_explorer_follows_each_branch_once() {
        let mut facts = Facts::default();
        facts.intern("rtt".into(), "SdpOffer rtt".into(), None);
        facts.intern("video".into(), "SdpOffer video".into(), None);
        let mut e = Explorer::new(Branch::default());
        let mut seen = Vec::new();
        loop {
            let rtt = e.fact(&facts, 0);
            let video = rtt && e.fact(&facts, 1);
            seen.push((rtt, video));
            if !e.advance() {
                break;
            }
        }
        assert_eq!(seen, vec![(false, false), (true, false), (true, true)]);
    }

    #[test]
    fn facts_of_one_field_exclude_each_other() {
        let mut facts = Facts::default();
        let a = facts.intern("a".into(), "uri EQ a".into(), Some("uri"));
        let b = facts.intern("b".into(), "uri EQ b".into(), Some("uri"));
        let mut e = Explorer::new(Branch::default());
        let mut seen = Vec::new();
        loop {
            seen.push((e.fact(&facts, a), e.fact(&facts, b)));
            if !e.advance() {
                break;
            }
        }
        assert_eq!(seen, vec![(false, false), (false, true), (true, false)]);
    }
}
