//! The boundary layers `gen_table --gis` writes for one state: which county boundary each
//! PSAP gets, where its origins are, and the GIS fault injected (SPEC §7).

use std::collections::{BTreeMap, HashMap};

use super::gis::{Area, Feature, from_geo, psap_fields, to_geo};

/// The national layers being built, state by state.
pub(crate) struct Layers {
    /// County FIPS → polygons (repaired unless raw).
    pub counties: BTreeMap<String, Area>,
    /// State FIPS → polygons.
    pub states: BTreeMap<String, Area>,
    pub psap: Vec<Feature>,
    pub provisioning: Vec<Feature>,
    /// County FIPS → points well inside it.
    points: HashMap<String, Vec<[f64; 2]>>,
}

/// The GIS fault of a state.
#[derive(Clone, Debug)]
pub(crate) enum Fault {
    /// The county's boundary is left out.
    Gap(String),
    /// The county's boundary appears twice.
    Overlap(String),
    /// The first located ESZ of the first county is located in the second.
    Misroute(String, String),
    /// The county's ServiceURI names no PSAP.
    Unrouted(String),
    /// The county's ServiceURN is not a PSAP service.
    Urn(String),
}

/// One state's plan: each county FIPS's boundary PSAP (an index into the state's PSAPs).
pub(crate) struct StatePlan {
    pub abbr: String,
    pub boundary_psap: BTreeMap<String, usize>,
    pub fault: Option<Fault>,
}

pub(crate) fn nguid(fips: &str, abbr: &str) -> String {
    format!("urn:emergency:uid:gis:psap:{fips}:{}.example.gov", abbr.to_lowercase())
}

pub(crate) fn uri(psap: &str, abbr: &str) -> String {
    format!("sip:{psap}@{}.example.gov", abbr.to_lowercase())
}

impl Layers {
    pub(crate) fn load(topo: &std::path::Path, densify: usize, raw: bool) -> Layers {
        // Densified after tidying: an overlay would not keep the added points exactly.
        let topology = super::gis::Topology::load(topo);
        let prepare = |a: Area| if raw { a } else { a.cleaned().repaired() };
        let mut counties = topology
            .areas("counties")
            .into_iter()
            .map(|a| (a.fips.clone(), prepare(a)))
            .collect();
        let mut states: BTreeMap<String, Area> = topology
            .areas("states")
            .into_iter()
            .map(|a| (a.fips.clone(), prepare(a)))
            .collect();
        if !raw {
            tidy(&mut counties, &states);
            // A county the 1:10M quantization collapsed (Falls Church, VA: a 3-point ring) has
            // no area left: a clean layer has no feature for it (an empty one is
            // invalid-geometry, SPEC §7).
            counties.retain(|_, a: &mut Area| !a.polygons.is_empty());
        }
        for area in counties.values_mut().chain(states.values_mut()) {
            super::gis::densify(&mut area.polygons, densify);
        }
        Layers {
            counties,
            states,
            psap: vec![],
            provisioning: vec![],
            points: HashMap::new(),
        }
    }

    /// The counties of a state (by its FIPS), in FIPS order.
    pub(crate) fn counties_of<'a>(&'a self, state_fips: &'a str) -> impl Iterator<Item = &'a Area> + 'a {
        self.counties.values().filter(move |a| a.fips.starts_with(state_fips))
    }

    /// A point inside a county for the `n`th origin located there.
    pub(crate) fn point(&mut self, fips: &str, n: usize, random: &mut dyn FnMut() -> f64) -> Option<[f64; 2]> {
        let area = self.counties.get(fips)?;
        let pool = self
            .points
            .entry(fips.to_string())
            .or_insert_with(|| area.points_inside(&mut *random, 64));
        (!pool.is_empty()).then(|| pool[n % pool.len()])
    }

    /// Picks a state's GIS fault (`kind` 0..5): a county that gives exactly the finding named.
    pub(crate) fn plan_fault(&self, plan: &StatePlan, kind: usize) -> Option<Fault> {
        let mut boundaries_of: BTreeMap<usize, usize> = BTreeMap::new();
        for p in plan.boundary_psap.values() {
            *boundaries_of.entry(*p).or_default() += 1;
        }
        let simple = |f: &&String| self.counties[*f].polygons.len() == 1 && self.counties[*f].polygons[0].len() == 1;
        let shared = |f: &&String| boundaries_of[&plan.boundary_psap[*f]] > 1;
        let fips: Vec<&String> = plan.boundary_psap.keys().collect();
        let pick = |need_shared: bool| {
            fips.iter()
                .rev()
                .copied()
                .filter(simple)
                .find(|f| !need_shared || shared(f))
        };
        match kind {
            0 => {
                let bordered = |f: &&String| self.neighbour(plan, f).is_some();
                fips.iter()
                    .rev()
                    .copied()
                    .filter(simple)
                    .filter(bordered)
                    .find(|f| shared(f))
                    .map(|f| Fault::Gap(f.clone()))
            }
            1 => pick(false).map(|f| Fault::Overlap(f.clone())),
            2 => {
                let c = fips.first()?;
                let d = fips
                    .iter()
                    .find(|d| plan.boundary_psap[**d] != plan.boundary_psap[*c])?;
                Some(Fault::Misroute((*c).clone(), (*d).clone()))
            }
            3 => pick(true).map(|f| Fault::Unrouted(f.clone())),
            _ => pick(false).map(|f| Fault::Urn(f.clone())),
        }
    }

    /// A county of the state sharing a border with `fips`.
    fn neighbour(&self, plan: &StatePlan, fips: &str) -> Option<String> {
        let me = &self.counties[fips];
        plan.boundary_psap
            .keys()
            .find(|f| *f != fips && self.counties[*f].borders(me))
            .cloned()
    }

    /// Adds the state's features; returns the fault list entries (rule, entity).
    pub(crate) fn add_state(
        &mut self,
        plan: &StatePlan,
        psap_ids: &[String],
        state_fips: &str,
    ) -> Vec<(String, String)> {
        let abbr = &plan.abbr;
        let mut expected = Vec::new();
        for (fips, &p) in &plan.boundary_psap {
            let area = &self.counties[fips];
            let name = format!("{} PSAP boundary", area.name);
            let mut fields = psap_fields(
                &nguid(fips, abbr),
                &uri(&psap_ids[p], abbr),
                &name,
                &format!("{}.example.gov", abbr.to_lowercase()),
            );
            match &plan.fault {
                Some(Fault::Gap(f)) if f == fips => {
                    let n = self.neighbour(plan, fips).expect("a gap fault has a neighbour");
                    expected.push(("boundary-gap".into(), nguid(&n, abbr)));
                    continue;
                }
                Some(Fault::Unrouted(f)) if f == fips => {
                    fields[6] = Some(uri(&format!("{}-retired", psap_ids[p]), abbr));
                    expected.push(("boundary-unrouted".into(), nguid(fips, abbr)));
                }
                Some(Fault::Urn(f)) if f == fips => {
                    fields[7] = Some("urn:emergency:service:sos.police".into());
                    expected.push(("boundary-attribute".into(), nguid(fips, abbr)));
                }
                _ => {}
            }
            let polygons = area.polygons.clone();
            if let Some(Fault::Overlap(f)) = &plan.fault
                && f == fips
            {
                let dup = format!("{}:copy", nguid(fips, abbr));
                let mut again = fields.clone();
                again[4] = Some(dup.clone());
                self.psap.push(Feature {
                    fields: again,
                    polygons: polygons.clone(),
                });
                expected.push(("boundary-overlap".into(), dup));
            }
            self.psap.push(Feature { fields, polygons });
        }
        if let Some(Fault::Misroute(c, _)) = &plan.fault {
            expected.push(("location-misroute".into(), psap_ids[plan.boundary_psap[c]].clone()));
        }
        if let Some(state) = self.states.get(state_fips) {
            self.provisioning.push(Feature {
                fields: vec![
                    Some(format!("{}.example.gov", abbr.to_lowercase())),
                    Some("2026-01-01T00:00:00.000Z".into()),
                    Some("2020-01-01T00:00:00.000Z".into()),
                    None,
                    Some(format!(
                        "urn:emergency:uid:gis:provisioning:{state_fips}:{}.example.gov",
                        abbr.to_lowercase()
                    )),
                ],
                polygons: state.polygons.clone(),
            });
        }
        expected
    }

    pub(crate) fn write(&self, path: &std::path::Path) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the gis directory");
        }
        let mut gpkg = super::gis::Gpkg::create(path);
        gpkg.layer("PsapPolygon", &super::gis::NENA, &self.psap);
        gpkg.layer(
            "ProvisioningPolygon",
            &super::gis::NENA_PROVISIONING,
            &self.provisioning,
        );
    }
}

/// Removes what the real 1:10M polygons leave untidy, so the clean layer checks clean: the
/// part of a county a neighbour already covers (where they overlap by more than the sliver
/// tolerance), the part outside its state, and rings that still touch themselves after repair
/// (grown by a hair, 0.1 mm).
fn tidy(counties: &mut BTreeMap<String, Area>, states: &BTreeMap<String, Area>) {
    use geo::BooleanOps;
    use psapguard::coverage::area_m2;
    let mut by_arc: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (fips, a) in counties.iter() {
        for &arc in &a.arcs {
            by_arc.entry(arc).or_default().push(fips.clone());
        }
    }
    let mut pairs: std::collections::BTreeSet<(String, String)> = std::collections::BTreeSet::new();
    for list in by_arc.values() {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                pairs.insert((a.min(b).clone(), a.max(b).clone()));
            }
        }
    }
    for (a, b) in pairs {
        let (ga, gb) = (to_geo(&counties[&a]), to_geo(&counties[&b]));
        if area_m2(&ga.intersection(&gb)) > 500.0 {
            counties.get_mut(&b).unwrap().polygons = from_geo(&gb.difference(&ga));
        }
    }
    // The state outlines share the counties' arcs but for a few slivers (rivers, the
    // antimeridian): a county keeps only what lies in its state.
    for (fips, county) in counties.iter_mut() {
        let Some(state) = states.get(&fips[..2]) else { continue };
        let (gc, gs) = (to_geo(county), to_geo(state));
        let outside = gc.difference(&gs);
        if area_m2(&outside) > 500.0 {
            eprintln!("tidy: {fips} loses {:.0} m2 outside its state", area_m2(&outside));
            county.polygons = from_geo(&gc.intersection(&gs));
        }
    }
    for county in counties.values_mut() {
        let (problems, _) = psapguard::coverage::validity::check_and_repair(&county.polygons);
        if !problems.is_empty() {
            county.polygons = from_geo(&geo::Buffer::buffer(&to_geo(county), 1e-9));
        }
    }
}
