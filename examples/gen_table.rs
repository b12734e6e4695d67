//! Generates a realistic national routing table from the public data in `../shared/data`
//! (FCC PSAP Registry, 2019 census county populations), for benchmarks and scale tests.
//!
//! ```sh
//! cargo run --release --example gen_table -- --origins 1000000 --out /tmp/us.yaml
//! cargo run --release --example gen_table -- --origins 200000 --out-dir /tmp/us/
//! ```
//!
//! One active PSAP per in-service registry row (orphaned and secondary rows are skipped),
//! a mated ESRP pair per state in separate failure domains, ESN range rules and county rules
//! for cell sectors, alternates within the county or state, ESZ and cell-sector origins per
//! county weighted by population, esrk pools and counters. Deterministic for a given
//! `--seed`. The generated table checks clean; `--faults K` injects K known faults (one per
//! state: a single-homed origin, an alternate naming a missing PSAP, overlapping pools, a
//! counter about to run out, an alternate naming a decommissioned PSAP) and writes what
//! `check` must report to `<out>.faults.json` (or `<out-dir>/faults.json`).
//!
//! `--gis` adds NG9-1-1 boundary layers (SPEC §7) from the Census county TopoJSON: a
//! GeoPackage (`gis/psap.gpkg`) with one PSAP boundary per county (repaired the way psapguard
//! repairs, so the layer checks clean) and a provisioning boundary per state, a `uri` on each
//! county's boundary PSAP, and a `location` on each origin routed to its county's boundary
//! PSAP. `--densify K` adds K points along every segment of the shared borders (neighbours
//! still meet exactly); `--raw-counties` writes the polygons as they are, unrepaired. With
//! `--faults`, each faulty state also gets one GIS fault in turn: a gap, an overlap, a
//! misrouted located origin, an unrouted boundary, a bad service URN.
//!
//! `--policies` (with `--gis` and `--out FILE`) routes the ESRPs by NENA i3 policies (SPEC
//! §9): the table at FILE gives each ESRP a `queue` and no rules, and names the policy store
//! `<stem>-policies/` (a `PolicyArray` per state: an `OriginationRoutePolicy` per ESRP queue
//! asking the ECRF, a `NormalNextHopRoutePolicy` per PSAP with RTT, night, Unreachable/Full
//! diversions and its own queue); `<stem>-yaml.yaml` beside it is the same table routed by
//! YAML rules, for `benches/policy_vs_yaml.py`. It implies `--psap-per-county`: one PSAP per
//! county with a boundary (the registry's first), so every origin is located.

#[path = "common/gis.rs"]
mod gis;
#[path = "common/gis_plan.rs"]
mod gis_plan;
#[path = "common/policies.rs"]
mod policies;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

struct Args {
    origins: usize,
    out: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    data: PathBuf,
    seed: u64,
    /// Known faults to inject (one per state, in turn), listed in `<out>.faults.json`.
    faults: usize,
    /// Give nearly every ESZ and cell sector its own ESN, as real E9-1-1 ESN plans do, with
    /// router rules over each PSAP's ESN range (the shape that defeats grouping by attribute).
    esn_per_origin: bool,
    /// Boundary layers and located origins.
    gis: bool,
    densify: usize,
    raw_counties: bool,
    /// Route by NENA i3 policies (SPEC §9): the table at `--out` has ESRP queues and a policy
    /// store, and its twin routed by YAML rules is written beside it.
    policies: bool,
    /// One PSAP per county: the registry's first one in each county with a boundary.
    psap_per_county: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        origins: 20_000,
        out: None,
        out_dir: None,
        data: PathBuf::from("data"),
        seed: 911,
        faults: 0,
        esn_per_origin: false,
        gis: false,
        densify: 0,
        raw_counties: false,
        policies: false,
        psap_per_county: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--origins" => a.origins = value()?.parse().map_err(|_| "--origins takes a number")?,
            "--out" => a.out = Some(value()?.into()),
            "--out-dir" => a.out_dir = Some(value()?.into()),
            "--data" => a.data = value()?.into(),
            "--seed" => a.seed = value()?.parse().map_err(|_| "--seed takes a number")?,
            "--faults" => a.faults = value()?.parse().map_err(|_| "--faults takes a number")?,
            "--esn-per-origin" => a.esn_per_origin = true,
            "--gis" => a.gis = true,
            "--densify" => a.densify = value()?.parse().map_err(|_| "--densify takes a number")?,
            "--raw-counties" => a.raw_counties = true,
            "--policies" => a.policies = true,
            "--psap-per-county" => a.psap_per_county = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.out.is_none() && a.out_dir.is_none() {
        return Err("give --out FILE or --out-dir DIR".into());
    }
    if a.policies {
        // Policies route calls by the ECRF's answer: every origin located inside the boundary
        // of its county's one PSAP, and a twin routed by YAML for comparison.
        if !a.gis || a.out.is_none() || a.out_dir.is_some() || a.faults > 0 {
            return Err("--policies needs --gis and --out FILE (no --out-dir, no --faults)".into());
        }
        a.psap_per_county = true;
    }
    Ok(a)
}

/// Splits one CSV line, honouring double quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn read_csv(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(csv_fields)
        .collect()
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// A YAML double-quoted string.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

struct Psap {
    id: String,
    fcc: String,
    name: String,
    county: String,
    esn: u32,
}

struct State {
    abbr: String,
    psaps: Vec<Psap>,
    /// county → population
    counties: BTreeMap<String, u64>,
    /// county → five-digit county FIPS
    fips: BTreeMap<String, String>,
    /// two-digit state FIPS
    state_fips: String,
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn load_states(data: &std::path::Path) -> Vec<State> {
    let abbr_of: BTreeMap<String, String> = read_csv(&data.join("state-fips.csv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let mut states: BTreeMap<String, State> = BTreeMap::new();
    for r in read_csv(&data.join("census-county-population-2019.csv")) {
        let Some(abbr) = abbr_of.get(&r[2]) else { continue };
        let county = r[3]
            .trim_end_matches(" County")
            .trim_end_matches(" Parish")
            .trim_end_matches(" Borough")
            .to_string();
        let st = states.entry(abbr.clone()).or_insert_with(|| State {
            abbr: abbr.clone(),
            psaps: vec![],
            counties: BTreeMap::new(),
            fips: BTreeMap::new(),
            state_fips: r[0].clone(),
        });
        st.fips.insert(county.clone(), format!("{}{}", r[0], r[1]));
        st.counties.insert(county, r[4].parse().unwrap_or(0));
    }
    let mut used = std::collections::HashSet::new();
    let mut esn = 1000u32;
    for r in read_csv(&data.join("fcc-master-psap-registry-2019.csv")) {
        if r.len() < 6 || r[5].starts_with("Orphaned") || r[5].starts_with("Secondary") {
            continue;
        }
        let Some(st) = states.get_mut(&r[4]) else { continue };
        let mut id = format!("{}-{}", slug(&r[4]), slug(&r[1]));
        if !used.insert(id.clone()) {
            id = format!("{id}-{}", r[0]);
            used.insert(id.clone());
        }
        st.psaps.push(Psap {
            id,
            fcc: r[0].clone(),
            name: r[1].clone(),
            county: r[2].clone(),
            esn,
        });
        esn += 10;
    }
    states.into_values().filter(|s| !s.psaps.is_empty()).collect()
}

/// Each PSAP's ESN range (first ESN, how many): its own ten, or with `per_origin` as many as
/// it has origins, packed from 1 and scaled down where the state's origins outnumber the
/// five-digit ESNs.
fn esn_ranges(st: &State, origins_of: &[u32], per_origin: bool) -> Vec<(u32, u32)> {
    if !per_origin {
        return st.psaps.iter().map(|p| (p.esn, 10)).collect();
    }
    let total: u64 = origins_of.iter().map(|&n| n.max(1) as u64).sum();
    let space = 99_000u64;
    let mut next = 1u32;
    origins_of
        .iter()
        .map(|&n| {
            let len = if total <= space {
                n.max(1) as u64
            } else {
                (n.max(1) as u64 * space / total).max(1)
            };
            let range = (next, len as u32);
            next += len as u32;
            range
        })
        .collect()
}

/// A county's origins: the PSAPs its ESZs are spread over, how many ESZs and cell sectors it
/// gets (in proportion to its population) and the population of each.
fn split_county(
    county: &str,
    pop: u64,
    home: &dyn Fn(&str) -> Vec<usize>,
    origins: usize,
    total_pop: u64,
) -> (Vec<usize>, usize, usize, u64) {
    let n = ((origins as u128 * pop as u128) / total_pop.max(1) as u128).max(1) as usize;
    let psaps = home(county);
    let esz = (n * 7 / 10).max(psaps.len());
    let cells = n - n * 7 / 10;
    let per = pop / (esz + cells) as u64;
    (psaps, esz, cells, per)
}

/// Positions that meet the answering standard for a population's busy hour (psapguard's
/// defaults: 2 calls a day per 1,000 people, 7% in the busy hour, 90 s a call).
fn needed(population: u64) -> u32 {
    let erlangs = population as f64 * 2.0 / 1000.0 * 0.07 * 90.0 / 3600.0;
    psapguard::capacity::positions_needed(erlangs, 90.0, &psapguard::capacity::Standard::default()).max(2)
}

/// Each PSAP staffed for its own calls and for the largest PSAP it stands in for as an
/// alternate, with one or two positions to spare at random (as real centres vary).
fn staffing(answers_for: &[u64], alternate_of: &dyn Fn(usize) -> Option<usize>, rng: &mut Rng) -> Vec<u32> {
    let mut covers = vec![0u64; answers_for.len()];
    for (i, &own) in answers_for.iter().enumerate() {
        if let Some(j) = alternate_of(i) {
            covers[j] = covers[j].max(own);
        }
    }
    (0..answers_for.len())
        .map(|j| needed(answers_for[j] + covers[j]) + (rng.next() % 3) as u32)
        .collect()
}

/// The county FIPS codes of a state that have a boundary to locate calls in (a county the 10 m
/// map collapses to nothing has none); without layers, every county.
fn counties_with_boundary(st: &State, layers: Option<&gis_plan::Layers>) -> std::collections::BTreeSet<String> {
    match layers {
        Some(layers) => layers
            .counties_of(&st.state_fips)
            .filter(|a| a.polygons.iter().any(|p| p.first().is_some_and(|r| !r.is_empty())))
            .map(|a| a.fips.clone())
            .collect(),
        None => st.fips.values().cloned().collect(),
    }
}

/// Keeps the registry's first PSAP of each county that has a boundary (`--psap-per-county`):
/// every PSAP then answers for a county boundary of its own, and the state's first PSAP for
/// the counties without one. States left with one PSAP are left out.
fn one_psap_per_county(states: Vec<State>, layers: Option<&gis_plan::Layers>) -> Vec<State> {
    let mut out = Vec::new();
    for mut st in states {
        let bounded = counties_with_boundary(&st, layers);
        let fips_of: BTreeMap<String, &String> = st.fips.iter().map(|(c, f)| (c.to_lowercase(), f)).collect();
        let mut seen = std::collections::HashSet::new();
        let psaps = std::mem::take(&mut st.psaps);
        st.psaps = psaps
            .into_iter()
            .filter(|p| {
                let county = p.county.to_lowercase();
                fips_of.get(&county).is_some_and(|f| bounded.contains(*f)) && seen.insert(county)
            })
            .collect();
        // A state left with one PSAP has no alternate within it (its failure would lose its
        // calls in both forms): left out.
        if st.psaps.len() > 1 {
            out.push(st);
        }
    }
    out
}

/// A state's ESRPs routed by policies: their `routers:` section (a queue each, no rules) and
/// the state's policy store, a `PolicyArray`.
fn policy_routing(st: &State, alternate_of: &dyn Fn(usize) -> Option<usize>, esrps: [&str; 2]) -> (String, String) {
    let s = slug(&st.abbr);
    let owner = format!("{s}.example.gov");
    let mut routers = String::from("routers:\n");
    let mut store = Vec::new();
    for (esrp, site) in esrps.into_iter().zip(["a", "b"]) {
        let queue = policies::queue(esrp, &st.abbr);
        let _ = writeln!(
            routers,
            "  {esrp}:\n    kind: esrp\n    domains: [site-{s}-{site}]\n    queue: {}",
            quoted(&queue)
        );
        store.push(policies::origination(&owner, &queue));
    }
    let uris: Vec<String> = st.psaps.iter().map(|p| gis_plan::uri(&p.id, &st.abbr)).collect();
    let last = st.psaps.len() - 1;
    for i in 0..st.psaps.len() {
        let alternate = alternate_of(i);
        // The state's first PSAP is its regional night centre and its last answers real-time
        // text; each diverts to its alternate instead.
        let (regional, rtt) = (
            if i == 0 { alternate } else { Some(0) },
            if i == last { alternate } else { Some(last) },
        );
        let d = policies::Diversions {
            own: &uris[i],
            alternate: alternate.map(|a| uris[a].as_str()),
            regional: regional.map(|a| uris[a].as_str()),
            rtt: rtt.map(|a| uris[a].as_str()),
        };
        store.push(policies::next_hop(&owner, &d, "-06:00"));
    }
    (routers, policies::array(&store))
}

/// One file from the states' files: each section under one heading, after `header`.
fn merged(header: &str, texts: &[String]) -> String {
    let mut sections: BTreeMap<&str, String> = BTreeMap::new();
    let order = ["domains:", "psaps:", "routers:", "origins:", "pools:"];
    for text in texts {
        let mut current = "";
        for line in text.lines().skip(1) {
            if let Some(h) = order.iter().find(|h| **h == line) {
                current = h;
                continue;
            }
            let s = sections.entry(current).or_default();
            s.push_str(line);
            s.push('\n');
        }
    }
    let mut y = header.to_string();
    for h in order {
        y.push_str(h);
        y.push('\n');
        y.push_str(sections.get(h).map(String::as_str).unwrap_or(""));
    }
    y
}

/// One line of the fault list: the rule `check` must report and the finding's first entity.
fn fault_entry(rule: &str, entity: &str) -> String {
    format!("{{ \"rule\": \"{rule}\", \"entity\": \"{entity}\" }}")
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen_table: {e}");
            std::process::exit(2);
        }
    };
    let mut layers = args.gis.then(|| {
        gis_plan::Layers::load(
            &args.data.join("us-counties-2017-10m.topo.json"),
            args.densify,
            args.raw_counties,
        )
    });
    let mut states = load_states(&args.data);
    if args.psap_per_county {
        states = one_psap_per_county(states, layers.as_ref());
    }
    let total_pop: u64 = states.iter().flat_map(|s| s.counties.values()).sum();
    let mut rng = Rng(args.seed);
    let mut files: Vec<(String, String)> = Vec::new();
    // With --policies: each state's twin routed by YAML rules, and its policy store.
    let mut twins: Vec<String> = Vec::new();
    let mut stores: Vec<(String, String)> = Vec::new();
    let mut origin_no = 0usize;
    let mut faults: Vec<String> = Vec::new();
    let mut point_rng = Rng(args.seed ^ 0x5eed);
    for (state_no, st) in states.iter().enumerate() {
        let fault = (state_no < args.faults).then_some(state_no % 6);
        let mut y = String::from("version: 1\n");
        let s = slug(&st.abbr);
        let (a, b) = (format!("esrp-{s}-a"), format!("esrp-{s}-b"));
        let _ = writeln!(
            y,
            "domains:\n  site-{s}-a: {{ kind: site, provider: lumen }}\n  site-{s}-b: {{ kind: site, provider: lumen }}"
        );
        // PSAPs by county; counties without a PSAP go to the state's first PSAP.
        let mut by_county: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in st.psaps.iter().enumerate() {
            by_county.entry(p.county.to_lowercase()).or_default().push(i);
        }
        let home = |county: &str| -> Vec<usize> {
            by_county
                .get(&county.to_lowercase())
                .cloned()
                .unwrap_or_else(|| vec![0])
        };
        let mut served: Vec<Vec<String>> = st.psaps.iter().map(|p| vec![p.county.clone()]).collect();
        for county in st.counties.keys() {
            if !by_county.contains_key(&county.to_lowercase()) {
                served[0].push(county.clone());
            }
        }
        // Counties of the registry that the census spells differently still get their calls.
        let mut counties: Vec<(String, u64)> = st.counties.iter().map(|(c, p)| (c.clone(), *p)).collect();
        for county in by_county.keys() {
            if !st.counties.keys().any(|c| c.to_lowercase() == *county) {
                let name = st.psaps[by_county[county][0]].county.clone();
                counties.push((name, 1_000));
            }
        }
        // Routed by policies, every call is located: counties without a boundary get no origins.
        if args.policies {
            let bounded = counties_with_boundary(st, layers.as_ref());
            counties.retain(|(c, _)| st.fips.get(c).is_some_and(|f| bounded.contains(f)));
        }
        // The population each PSAP answers for normally, as the origins below are routed.
        let mut answers_for = vec![0u64; st.psaps.len()];
        let mut origins_of = vec![0u32; st.psaps.len()];
        for (county, pop) in &counties {
            let (psaps, esz, cells, per) = split_county(county, *pop, &home, args.origins, total_pop);
            for k in 0..esz {
                answers_for[psaps[k % psaps.len()]] += per;
                origins_of[psaps[k % psaps.len()]] += 1;
            }
            let cell_psap = by_county.get(&county.to_lowercase()).map_or(0, |idx| idx[0]);
            answers_for[cell_psap] += per * cells as u64;
            origins_of[cell_psap] += cells as u32;
        }
        // Each PSAP's ESN range: ten ESNs of its own, or with --esn-per-origin one per origin
        // (shared only where a state has more origins than five-digit ESNs).
        let ranges = esn_ranges(st, &origins_of, args.esn_per_origin);
        let mut next_esn: Vec<u32> = vec![0; st.psaps.len()];
        let alternate_of = |i: usize| -> Option<usize> {
            let peers = &by_county[&st.psaps[i].county.to_lowercase()];
            let alt = if peers.len() > 1 {
                peers[(peers.iter().position(|&x| x == i).unwrap() + 1) % peers.len()]
            } else {
                (i + 1) % st.psaps.len()
            };
            (alt != i).then_some(alt)
        };
        let positions = staffing(&answers_for, &alternate_of, &mut rng);
        // The answer-standard fault: the alternate that takes the most calls in a failure is
        // staffed for its own calls only.
        let mut positions = positions;
        if fault == Some(5)
            && let Some((i, j)) = (0..st.psaps.len())
                .filter_map(|i| alternate_of(i).map(|j| (i, j)))
                .max_by_key(|&(i, _)| answers_for[i])
        {
            let own = needed(answers_for[j]);
            if needed(answers_for[j] + answers_for[i]) > own {
                positions[j] = own;
                faults.push(fault_entry("answer-standard", &st.psaps[j].id));
            }
        }
        // Boundary layers: each county's PSAP boundary goes to the county's first PSAP (the
        // one its cell sectors are routed to); counties the census does not list, to the first.
        let mut plan = gis_plan::StatePlan {
            abbr: st.abbr.clone(),
            boundary_psap: BTreeMap::new(),
            fault: None,
        };
        if let Some(layers) = &layers {
            let county_of: BTreeMap<&String, &String> = st.fips.iter().map(|(c, f)| (f, c)).collect();
            // A county the 10 m map collapses to nothing (Falls Church, VA) gets no boundary:
            // a feature without geometry is an `invalid-geometry` finding (SPEC §7).
            for area in layers
                .counties_of(&st.state_fips)
                .filter(|a| a.polygons.iter().any(|p| p.first().is_some_and(|r| !r.is_empty())))
            {
                let p = county_of
                    .get(&area.fips)
                    .and_then(|c| by_county.get(&c.to_lowercase()))
                    .map_or(0, |idx| idx[0]);
                plan.boundary_psap.insert(area.fips.clone(), p);
            }
            if fault.is_some() {
                plan.fault = layers.plan_fault(&plan, state_no % 5);
            }
        }
        let has_boundary: std::collections::BTreeSet<usize> = plan.boundary_psap.values().copied().collect();
        let mut misrouted = false;
        y.push_str("psaps:\n");
        for (i, p) in st.psaps.iter().enumerate() {
            let peers = &by_county[&p.county.to_lowercase()];
            let alt = if peers.len() > 1 {
                peers[(peers.iter().position(|&x| x == i).unwrap() + 1) % peers.len()]
            } else {
                (i + 1) % st.psaps.len()
            };
            let alt = if alt == i { None } else { Some(st.psaps[alt].id.clone()) };
            let alt = match (fault, i) {
                (Some(1), 0) => {
                    faults.push(fault_entry("unknown-reference", &p.id));
                    Some(format!("{}, {}-typo", alt.unwrap_or_else(|| p.id.clone()), p.id))
                }
                (Some(4), 0) => {
                    faults.push(fault_entry("decommissioned-reference", &p.id));
                    Some(format!("{s}-retired-psap, {}", alt.unwrap_or_else(|| p.id.clone())))
                }
                _ => alt,
            };
            let counties: Vec<String> = served[i].iter().map(|c| quoted(c)).collect();
            let _ = writeln!(
                y,
                "  {}:\n    name: {}{}\n    fcc_id: {}\n    state: {}\n    counties: [{}]\n    status: active\n    positions: {}{}",
                p.id,
                quoted(&p.name),
                if has_boundary.contains(&i) {
                    format!("\n    uri: {}", quoted(&gis_plan::uri(&p.id, &st.abbr)))
                } else {
                    String::new()
                },
                p.fcc,
                st.abbr,
                counties.join(", "),
                positions[i],
                alt.map(|a| format!("\n    alternate: [{a}]")).unwrap_or_default()
            );
        }
        if fault == Some(4) {
            let _ = writeln!(
                y,
                "  {s}-retired-psap:\n    state: {}\n    status: decommissioned",
                st.abbr
            );
        }
        let routers_at = y.len();
        y.push_str("routers:\n");
        for (me, mate, site) in [(&a, &b, "a"), (&b, &a, "b")] {
            let _ = writeln!(
                y,
                "  {me}:\n    kind: esrp\n    domains: [site-{s}-{site}]\n    mate: [{mate}]\n    rules:"
            );
            for (p, &(lo, len)) in st.psaps.iter().zip(&ranges) {
                let _ = writeln!(
                    y,
                    "      - match: {{ esn: [\"{}-{}\"] }}\n        to: {}",
                    lo,
                    lo + len - 1,
                    p.id
                );
            }
            for (county, idx) in &by_county {
                let _ = writeln!(
                    y,
                    "      - match: {{ kind: [cell_sector], county: [{}] }}\n        to: {}",
                    quoted(county),
                    st.psaps[idx[0]].id
                );
            }
            let _ = writeln!(y, "    default: {}", st.psaps[0].id);
        }
        let routers_end = y.len();
        y.push_str("origins:\n");
        for (county, pop) in &counties {
            let (psaps, esz, cells, per) = split_county(county, *pop, &home, args.origins, total_pop);
            let c = quoted(county);
            for k in 0..esz + cells {
                origin_no += 1;
                let (first, second) = if k % 2 == 0 { (&a, &b) } else { (&b, &a) };
                let single = fault == Some(0) && !faults.iter().any(|f| f.contains(&format!("\"{a}\"")));
                if single {
                    faults.push(fault_entry("single-point-of-failure", &a));
                }
                let ingress = if single {
                    first.to_string()
                } else {
                    format!("{first}, {second}")
                };
                // The ESN within the PSAP's range: at random among its ten, or the next one.
                let mut esn_at = |i: usize| {
                    let (lo, len) = ranges[i];
                    let k = if args.esn_per_origin {
                        next_esn[i]
                    } else {
                        rng.next() as u32
                    };
                    next_esn[i] += 1;
                    lo + k % len
                };
                // Located: cell sectors, and ESZs routed to their county's boundary PSAP.
                let routed = if k < esz {
                    psaps[k % psaps.len()]
                } else {
                    by_county.get(&county.to_lowercase()).map_or(0, |idx| idx[0])
                };
                let fips = st
                    .fips
                    .get(county)
                    .filter(|f| plan.boundary_psap.get(*f) == Some(&routed));
                let located = match (&mut layers, fips) {
                    (Some(layers), Some(fips)) => {
                        let mut at = fips.clone();
                        if let Some(gis_plan::Fault::Misroute(c, d)) = &plan.fault
                            && c == fips
                            && k < esz
                            && !misrouted
                        {
                            misrouted = true;
                            at = d.clone();
                        }
                        let mut random = || point_rng.next() as f64 / u64::MAX as f64;
                        layers.point(&at, origin_no, &mut random)
                    }
                    _ => None,
                };
                let location = located
                    .map(|p| format!("location: {{ lat: {}, lon: {} }}, ", p[1], p[0]))
                    .unwrap_or_default();
                if k < esz {
                    let esn = esn_at(psaps[k % psaps.len()]);
                    let _ = writeln!(
                        y,
                        "  esz-{origin_no:07}: {{ kind: esz, esn: {esn}, state: {}, county: {c}, population: {per}, {location}ingress: [{ingress}] }}",
                        st.abbr
                    );
                } else if args.esn_per_origin {
                    let cell_psap = by_county.get(&county.to_lowercase()).map_or(0, |idx| idx[0]);
                    let esn = esn_at(cell_psap);
                    let _ = writeln!(
                        y,
                        "  cs-{origin_no:07}: {{ kind: cell_sector, esn: {esn}, state: {}, county: {c}, population: {per}, {location}ingress: [{ingress}] }}",
                        st.abbr
                    );
                } else {
                    let _ = writeln!(
                        y,
                        "  cs-{origin_no:07}: {{ kind: cell_sector, state: {}, county: {c}, population: {per}, {location}ingress: [{ingress}] }}",
                        st.abbr
                    );
                }
            }
        }
        y.push_str("pools:\n");
        for (i, p) in st.psaps.iter().enumerate() {
            let lo = 2_000_000_000u64 + (files.len() as u64 * 10_000 + i as u64) * 100;
            let _ = writeln!(
                y,
                "  esrk-{}: {{ kind: esrk, range: {:010}-{:010}, psap: {}, esn: {} }}",
                p.id,
                lo,
                lo + 99,
                p.id,
                ranges[i].0
            );
            if fault == Some(2) && i == 0 {
                faults.push(fault_entry("pool-overlap", &format!("esrk-{}-extra", p.id)));
                let (a, b) = (lo + 50, lo + 99);
                let _ = writeln!(
                    y,
                    "  esrk-{}-extra: {{ kind: esrk, range: {a:010}-{b:010}, psap: {} }}",
                    p.id, p.id
                );
            }
        }
        for r in [&a, &b] {
            let used = if fault == Some(3) && r == &a {
                faults.push(fault_entry("pool-exhaustion", &format!("ptm-{r}")));
                40_000_000 - 16_000 * 30
            } else {
                1_000_000 + rng.next() % 1_000_000
            };
            let _ = writeln!(
                y,
                "  ptm-{r}: {{ kind: counter, element: {r}, limit: 40000000, used: {used}, per_day: 16000 }}"
            );
        }
        if let Some(layers) = &mut layers {
            let ids: Vec<String> = st.psaps.iter().map(|p| p.id.clone()).collect();
            for (rule, entity) in layers.add_state(&plan, &ids, &st.state_fips) {
                faults.push(fault_entry(&rule, &entity));
            }
        }
        if args.policies {
            let (routers, store) = policy_routing(st, &alternate_of, [&a, &b]);
            let by_policy = format!("{}{routers}{}", &y[..routers_at], &y[routers_end..]);
            twins.push(std::mem::replace(&mut y, by_policy));
            stores.push((format!("{s}.json"), store));
        }
        files.push((format!("{s}.yaml"), y));
    }
    let gis_file = |name: &str| {
        format!(
            "boundaries:\n  - {{ file: {name}, layer: PsapPolygon, kind: psap }}\n  - {{ file: {name}, layer: ProvisioningPolygon, kind: provisioning }}\n"
        )
    };
    let fault_list = format!("[\n  {}\n]\n", faults.join(",\n  "));
    if let (Some(out), true) = (&args.out, args.faults > 0) {
        std::fs::write(format!("{}.faults.json", out.display()), &fault_list).expect("write the fault list");
    }
    if let (Some(dir), true) = (&args.out_dir, args.faults > 0) {
        std::fs::create_dir_all(dir).expect("create --out-dir");
        std::fs::write(dir.join("faults.json"), &fault_list).expect("write faults.json");
    }
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).expect("create --out-dir");
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).expect("write a state file");
        }
        if let Some(layers) = &layers {
            layers.write(&dir.join("gis/psap.gpkg"));
            let header = format!("version: 1\n{}", gis_file("gis/psap.gpkg"));
            std::fs::write(dir.join("boundaries.yaml"), header).expect("write boundaries.yaml");
        }
    }
    if let Some(out) = &args.out {
        let stem = out
            .file_stem()
            .map_or_else(|| "table".into(), |s| s.to_string_lossy().into_owned());
        let mut header = String::from("version: 1\nname: generated national table\n");
        if let Some(layers) = &layers {
            let name = format!("{stem}-gis.gpkg");
            layers.write(&out.with_file_name(&name));
            header.push_str(&gis_file(&name));
        }
        if args.policies {
            let dir = format!("{stem}-policies");
            std::fs::create_dir_all(out.with_file_name(&dir)).expect("create the policy directory");
            for (name, text) in &stores {
                std::fs::write(out.with_file_name(&dir).join(name), text).expect("write a policy store");
            }
            let twin = merged(
                &format!("{header}# routed by YAML rules: the twin of {stem}.yaml\n"),
                &twins,
            );
            std::fs::write(out.with_file_name(format!("{stem}-yaml.yaml")), twin).expect("write the YAML twin");
            header.push_str(&format!("policies:\n  - {{ file: {dir}/ }}\n"));
        }
        let texts: Vec<String> = files.into_iter().map(|(_, t)| t).collect();
        std::fs::write(out, merged(&header, &texts)).expect("write --out");
    }
    eprintln!(
        "gen_table: {} states, {} PSAPs, {origin_no} origins",
        states.len(),
        states.iter().map(|s| s.psaps.len()).sum::<usize>()
    );
}
