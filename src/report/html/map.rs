//! The boundary layers as an inline SVG map: PSAP boundaries (simplified for display), the
//! provisioning outline, gaps and overlaps marked, misrouted origins as points, and a
//! failure selector that shows where the calls that failure cuts off come from: the cut-off
//! origins' locations as dots, and each boundary shaded by the share of its located calls
//! cut off (one lost cell sector does not turn a county red).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use geo::{MultiPolygon, Simplify};

use super::esc;
use crate::analysis::Analysis;
use crate::coverage::Coverage;
use crate::model::{BoundaryKind, Table};
use crate::simulate::DomainImpact;

const WIDTH: f64 = 930.0;
/// Failures offered in the selector.
const MAX_FAILURES: usize = 30;
/// Parts of the layers farther apart than this many degrees are drawn in frames of their own.
const CELL_DEG: f64 = 5.0;
/// Insets at most (Alaska, Hawaii, Puerto Rico, ...); parts beyond join the nearest frame.
const MAX_INSETS: usize = 6;
const INSET_W: f64 = 220.0;
const INSET_H: f64 = 160.0;
/// A marker's radius: small areas (overlaps, gaps, reaches outside) stay visible at any scale.
const MARK_R: f64 = 7.0;

/// Longitude and latitude → one frame of the picture: equirectangular at its middle latitude,
/// placed at (`dx`, `dy`).
struct Frame {
    west: f64,
    north: f64,
    scale: f64,
    squeeze: f64,
    dx: f64,
    dy: f64,
    width: f64,
    height: f64,
}

impl Frame {
    /// `bounds`: west, south, east, north (longitudes already wrapped).
    fn new(bounds: [f64; 4], max_w: f64, max_h: f64) -> Frame {
        let [w, s, e, n] = bounds;
        let squeeze = ((s + n) / 2.0).to_radians().cos().max(0.2);
        let scale = (max_w / ((e - w) * squeeze).max(1e-6)).min(max_h / (n - s).max(1e-6));
        Frame {
            west: w,
            north: n,
            scale,
            squeeze,
            dx: 0.0,
            dy: 0.0,
            width: ((e - w) * squeeze * scale).max(1.0),
            height: ((n - s) * scale).max(1.0),
        }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.dx + (lon - self.west) * self.squeeze * self.scale,
            self.dy + (self.north - lat) * self.scale,
        )
    }
}

/// Parts of the layers drawn in one frame: how many, their box, their grid cells.
type Group = (usize, [f64; 4], Vec<(i64, i64)>);

/// The map's frames: the contiguous bulk of the layers fills the width; each part far from it
/// (Alaska, Hawaii, territories) gets an inset below, so a national map is not mostly ocean.
/// A layer mostly west of Greenwich takes its few eastern points (the Aleutians across the
/// antimeridian) as west too.
struct Layout {
    frames: Vec<Frame>,
    /// Grid cell → frame.
    cell_frame: std::collections::HashMap<(i64, i64), usize>,
    /// Each frame's middle, for points in no cell of the layers.
    middles: Vec<[f64; 2]>,
    wrap: bool,
    height: f64,
}

impl Layout {
    fn new(c: &Coverage) -> Option<Layout> {
        let parts: Vec<&geo::Polygon<f64>> = c
            .shapes
            .iter()
            .filter(|s| s.in_force)
            .flat_map(|s| &s.geometry.0)
            .collect();
        let bbox = |p: &geo::Polygon<f64>, wrap: bool| {
            let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for c in &p.exterior().0 {
                let x = wrapped(c.x, wrap);
                b = [b[0].min(x), b[1].min(c.y), b[2].max(x), b[3].max(c.y)];
            }
            b
        };
        let west = parts
            .iter()
            .filter(|p| p.exterior().0.first().is_some_and(|c| c.x < 0.0))
            .count();
        let wrap = west > parts.len() / 2;
        let boxes: Vec<[f64; 4]> = parts
            .iter()
            .map(|p| bbox(p, wrap))
            .filter(|b| b[0] <= b[2] && b[1] <= b[3])
            .collect();
        if boxes.is_empty() {
            return None;
        }
        // Group the parts by grid cell, cells by adjacency: each group is one frame.
        let cell = |b: &[f64; 4]| {
            (
                ((b[0] + b[2]) / 2.0 / CELL_DEG).floor() as i64,
                ((b[1] + b[3]) / 2.0 / CELL_DEG).floor() as i64,
            )
        };
        let mut cells: BTreeMap<(i64, i64), (usize, [f64; 4])> = BTreeMap::new();
        for b in &boxes {
            let e = cells
                .entry(cell(b))
                .or_insert((0, [f64::MAX, f64::MAX, f64::MIN, f64::MIN]));
            e.0 += 1;
            e.1 = union(e.1, *b);
        }
        let mut group_of: BTreeMap<(i64, i64), usize> = BTreeMap::new();
        let mut groups: Vec<Group> = Vec::new();
        for &start in cells.keys() {
            if group_of.contains_key(&start) {
                continue;
            }
            let g = groups.len();
            let mut group = (0, [f64::MAX, f64::MAX, f64::MIN, f64::MIN], Vec::new());
            let mut todo = vec![start];
            group_of.insert(start, g);
            while let Some(at) = todo.pop() {
                let (n, b) = cells[&at];
                group = (group.0 + n, union(group.1, b), group.2);
                group.2.push(at);
                for (dx, dy) in [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)] {
                    let next = (at.0 + dx, at.1 + dy);
                    if cells.contains_key(&next) && !group_of.contains_key(&next) {
                        group_of.insert(next, g);
                        todo.push(next);
                    }
                }
            }
            groups.push(group);
        }
        // The most parts first (ties: west first), so the frames are the same on every run.
        groups.sort_by(|a, b| b.0.cmp(&a.0).then(a.1[0].total_cmp(&b.1[0])));
        while groups.len() > MAX_INSETS + 1 {
            let last = groups.pop().expect("more than one");
            let mid = middle(last.1);
            let nearest = (0..groups.len())
                .min_by(|&a, &b| distance(middle(groups[a].1), mid).total_cmp(&distance(middle(groups[b].1), mid)))
                .expect("one group left");
            groups[nearest].1 = union(groups[nearest].1, last.1);
            groups[nearest].2.extend(last.2);
        }
        let mut frames = Vec::new();
        let mut cell_frame = std::collections::HashMap::new();
        let mut height: f64 = 0.0;
        for (k, (_, bounds, members)) in groups.iter().enumerate() {
            let mut f = if k == 0 {
                let f = Frame::new(*bounds, WIDTH, 1400.0);
                height = f.height.max(50.0);
                f
            } else {
                let mut f = Frame::new(*bounds, INSET_W, INSET_H);
                f.dx = ((k - 1) % 4) as f64 * (INSET_W + 16.0);
                f.dy =
                    frames.first().map_or(0.0, |m: &Frame| m.height) + 20.0 + ((k - 1) / 4) as f64 * (INSET_H + 16.0);
                height = height.max(f.dy + f.height);
                f
            };
            if k == 0 {
                f.dx = 0.0;
            }
            for &m in members {
                cell_frame.insert(m, k);
            }
            frames.push(f);
        }
        let middles = groups.iter().map(|g| middle(g.1)).collect();
        Some(Layout {
            frames,
            cell_frame,
            middles,
            wrap,
            height,
        })
    }

    /// The frame a point (or a part whose box has this middle) is drawn in.
    fn frame_at(&self, lon: f64, lat: f64) -> &Frame {
        let lon = wrapped(lon, self.wrap);
        let cell = ((lon / CELL_DEG).floor() as i64, (lat / CELL_DEG).floor() as i64);
        let k = self.cell_frame.get(&cell).copied().unwrap_or_else(|| {
            (0..self.middles.len())
                .min_by(|&a, &b| {
                    distance(self.middles[a], [lon, lat]).total_cmp(&distance(self.middles[b], [lon, lat]))
                })
                .unwrap_or(0)
        });
        &self.frames[k]
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        self.frame_at(lon, lat).xy(wrapped(lon, self.wrap), lat)
    }

    /// An SVG path of a (multi)polygon, each part in its frame, simplified to what the
    /// picture can show.
    fn path(&self, g: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for polygon in &g.0 {
            if polygon.exterior().0.is_empty() {
                continue;
            }
            // The part's frame: by the middle of its box, as the layout grouped it.
            let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for c in &polygon.exterior().0 {
                let x = wrapped(c.x, self.wrap);
                (w, s, e, n) = (w.min(x), s.min(c.y), e.max(x), n.max(c.y));
            }
            let frame = self.frame_at((w + e) / 2.0, (s + n) / 2.0);
            let simple = polygon.simplify(0.6 / frame.scale);
            for ring in std::iter::once(simple.exterior()).chain(simple.interiors()) {
                for (k, c) in ring.0.iter().enumerate() {
                    let (x, y) = frame.xy(wrapped(c.x, self.wrap), c.y);
                    let _ = write!(d, "{}{x:.1} {y:.1}", if k == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
        d
    }
}

fn wrapped(lon: f64, wrap: bool) -> f64 {
    if wrap && lon > 90.0 { lon - 360.0 } else { lon }
}

fn union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
}

fn middle(b: [f64; 4]) -> [f64; 2] {
    [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]
}

fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// `misrouted`: where the origins the misroute rules name are.
pub(super) fn map(
    table: &Table,
    c: &Coverage,
    analysis: &Analysis,
    ranking: &[DomainImpact],
    misrouted: &[[f64; 2]],
) -> String {
    let Some(layout) = Layout::new(c) else {
        return "<p>The boundary layers hold no shape to draw.</p>".into();
    };
    let failures = failures(table, c, ranking, &layout);
    let mut s = failure_selector(analysis, &failures);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-4 -4 {:.0} {:.0}\" role=\"img\" aria-label=\"boundary map\">",
        WIDTH + 8.0,
        layout.height + 8.0
    );
    for f in layout.frames.iter().skip(1) {
        let _ = write!(
            s,
            "<rect class=\"inset\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
            f.dx - 2.0,
            f.dy - 2.0,
            f.width + 4.0,
            f.height + 4.0
        );
    }
    let mut labels = Vec::new();
    for (i, shape) in c.shapes.iter().enumerate() {
        if !shape.in_force || shape.kind != BoundaryKind::Psap {
            continue;
        }
        let psap = shape.psap.map(|p| &table.psaps[p as usize]);
        let id = psap.map(|p| p.id.as_str()).unwrap_or("");
        let title = feature_name(table, shape.at).unwrap_or_else(|| id.to_string());
        let _ = write!(
            s,
            "<path class=\"area\" data-shape=\"{i}\" data-psap=\"{}\" d=\"{}\"><title>{}</title></path>",
            esc(id),
            layout.path(&shape.geometry),
            esc(&title)
        );
        let name = psap.and_then(|p| p.name.clone()).unwrap_or(title);
        labels.push((shape, name));
    }
    for shape in c.in_force(BoundaryKind::Provisioning) {
        let _ = write!(
            s,
            "<path class=\"provisioning\" d=\"{}\"/>",
            layout.path(&shape.geometry)
        );
    }
    for inv in &c.invalid {
        let shape = &c.shapes[inv.shape as usize];
        let name = feature_name(table, shape.at).unwrap_or_default();
        let _ = write!(s, "<path class=\"invalid\" d=\"{}\"/>", layout.path(&shape.geometry));
        for p in &inv.problems {
            let (x, y) = layout.xy(p.point[0], p.point[1]);
            let _ = write!(
                s,
                "<circle class=\"invalid mark\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{MARK_R}\"><title>invalid geometry: {}: {}</title></circle>",
                esc(&name),
                esc(&p.message)
            );
        }
    }
    for o in &c.outside {
        let shape = &c.shapes[o.shape as usize];
        let name = feature_name(table, shape.at).unwrap_or_default();
        let (x, y) = layout.xy(o.point[0], o.point[1]);
        let _ = write!(
            s,
            "<path class=\"outside\" d=\"{}\"/><circle class=\"outside mark\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{MARK_R}\"><title>{}: {:.0} m² outside the provisioning boundary</title></circle>",
            layout.path(&o.geometry),
            esc(&name),
            o.area_m2
        );
    }
    for gap in &c.gaps {
        let (x, y) = layout.xy(gap.point[0], gap.point[1]);
        let _ = write!(
            s,
            "<path class=\"gap\" d=\"{}\"/><circle class=\"gap\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"><title>gap: {:.0} m² covered by no PSAP boundary</title></circle>",
            layout.path(&MultiPolygon::new(vec![gap.polygon.clone()])),
            gap.area_m2
        );
    }
    for o in &c.overlaps {
        let (x, y) = layout.xy(o.point[0], o.point[1]);
        let names = [o.a, o.b].map(|k| feature_name(table, c.shapes[k as usize].at).unwrap_or_default());
        let _ = write!(
            s,
            "<path class=\"overlap\" d=\"{}\"/><circle class=\"overlap mark\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{MARK_R}\"><title>overlap of {} and {}: {:.0} m²</title></circle>",
            layout.path(&o.geometry),
            esc(&names[0]),
            esc(&names[1]),
            o.area_m2
        );
    }
    for p in misrouted {
        let (x, y) = layout.xy(p[0], p[1]);
        let _ = write!(
            s,
            "<circle class=\"misroute\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"><title>misrouted origin</title></circle>"
        );
    }
    for (k, f) in failures.iter().enumerate() {
        let _ = write!(s, "<g class=\"cut\" data-failure=\"{}\">", k + 1);
        for (x, y) in &f.dots {
            let _ = write!(s, "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\"/>");
        }
        s.push_str("</g>");
    }
    s.push_str(&area_labels(&layout, &labels));
    s.push_str("</svg>");
    s.push_str(
        "<p class=\"legend\"><span><i class=\"swatch\" style=\"background:#dfe8f3\"></i>PSAP boundary</span>\
<span><i class=\"swatch\" style=\"background:#f5b5ba\"></i><i class=\"swatch\" style=\"background:#d9434f\"></i>share of its located calls the chosen failure cuts off</span>\
<span><i class=\"swatch dot\"></i>where cut-off calls come from</span>\
<span><i class=\"swatch\" style=\"background:#c01c28\"></i>gap</span><span><i class=\"swatch\" style=\"background:#c88800\"></i>overlap</span>\
<span><i class=\"swatch\" style=\"background:#0b7a75\"></i>outside the provisioning boundary</span>\
<span><i class=\"swatch\" style=\"border:2px dashed #e66100\"></i>invalid geometry</span>\
<span><i class=\"swatch\" style=\"background:#6d2a8c\"></i>misrouted origin</span></p>",
    );
    s
}

/// Font size of the labels, and the width of one of their characters (about).
const LABEL_PX: f64 = 10.0;
const CHAR_PX: f64 = 5.6;

/// Each PSAP area's name, where the area is wide enough on the picture to hold it and no
/// other label is there already (largest areas first).
fn area_labels(layout: &Layout, shapes: &[(&crate::coverage::Shape, String)]) -> String {
    let mut candidates: Vec<(f64, f64, f64, f64, &str)> = Vec::new();
    for (shape, name) in shapes {
        let Some(b) = shape.bbox else { continue };
        let frame = layout.frame_at((b.min().x + b.max().x) / 2.0, (b.min().y + b.max().y) / 2.0);
        let (x0, y0) = frame.xy(wrapped(b.min().x, layout.wrap), b.max().y);
        let (x1, y1) = frame.xy(wrapped(b.max().x, layout.wrap), b.min().y);
        let (w, h) = ((x1 - x0).abs(), (y1 - y0).abs());
        // Room for ten characters at least: a label cut shorter names nothing.
        if w < 10.0 * CHAR_PX || h < LABEL_PX * 1.5 {
            continue;
        }
        let at = crate::coverage::inside(&shape.geometry);
        let (x, y) = layout.xy(at[0], at[1]);
        candidates.push((w * h, w, x, y, name));
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.4.cmp(b.4)));
    let mut placed: Vec<[f64; 4]> = Vec::new();
    let mut s = String::from("<g class=\"labels\">");
    for (_, w, x, y, name) in candidates {
        // As many characters as the area is wide.
        let fit = ((w / CHAR_PX) as usize).clamp(10, 44);
        let text = crate::escape::short(name, fit);
        let w = text.chars().count() as f64 * CHAR_PX;
        let rect = [x - w / 2.0, y - LABEL_PX, x + w / 2.0, y + 2.0];
        if placed
            .iter()
            .any(|p| rect[0] < p[2] && p[0] < rect[2] && rect[1] < p[3] && p[1] < rect[3])
        {
            continue;
        }
        placed.push(rect);
        let _ = write!(
            s,
            "<text class=\"label\" x=\"{x:.1}\" y=\"{y:.1}\">{}</text>",
            esc(&text)
        );
    }
    s.push_str("</g>");
    s
}

fn feature_name(table: &Table, at: crate::coverage::FeatureRef) -> Option<String> {
    let b = table.boundaries.get(at.boundary as usize)?;
    let f = b.read.as_ref().ok()?.get(at.feature as usize)?;
    f.fields.dsplay_name.clone().or_else(|| f.fields.nguid.clone())
}

/// What the map shows for one failure of the selector.
struct Shown {
    domain: usize,
    /// Cut-off origins.
    origins: usize,
    /// Of them, those with no `location`, which the map cannot place.
    unlocated: usize,
    /// Per PSAP boundary (shape index): the share of its located population cut off, in
    /// quarters (1 = up to a quarter, 4 = more than three quarters).
    areas: BTreeMap<u32, u8>,
    /// The cut-off origins' locations on the picture, one per pixel.
    dots: BTreeSet<(i64, i64)>,
}

/// Where the calls each of the worst failures cuts off come from: the boundaries that hold
/// the cut-off origins' locations (whatever PSAP they normally reach), weighted by
/// population against every located origin of that boundary.
fn failures(table: &Table, c: &Coverage, ranking: &[DomainImpact], layout: &Layout) -> Vec<Shown> {
    // An origin without a population still counts once.
    let weight = |o: u32| table.origins[o as usize].population.get().unwrap_or(0).max(1);
    let mut held: BTreeMap<u32, &[u32]> = BTreeMap::new();
    let mut total: BTreeMap<u32, u64> = BTreeMap::new();
    for (o, shapes, _) in c.placement.iter() {
        held.insert(o, shapes);
        for &shape in shapes {
            *total.entry(shape).or_default() += weight(o);
        }
    }
    ranking
        .iter()
        .filter(|i| !i.lost.is_empty())
        .take(MAX_FAILURES)
        .map(|imp| {
            let mut cut: BTreeMap<u32, u64> = BTreeMap::new();
            let mut dots = BTreeSet::new();
            let mut unlocated = 0;
            for &o in &imp.lost {
                let Some(at) = table.origins[o as usize].location.get() else {
                    unlocated += 1;
                    continue;
                };
                let (x, y) = layout.xy(at.lon, at.lat);
                dots.insert((x.round() as i64, y.round() as i64));
                for &shape in held.get(&o).copied().unwrap_or_default() {
                    *cut.entry(shape).or_default() += weight(o);
                }
            }
            let areas = cut
                .into_iter()
                .map(|(shape, w)| {
                    let share = w as f64 / total[&shape].max(1) as f64;
                    (shape, ((share * 4.0).ceil() as u8).clamp(1, 4))
                })
                .collect();
            Shown {
                domain: imp.domain,
                origins: imp.lost.len(),
                unlocated,
                areas,
                dots,
            }
        })
        .collect()
}

/// A `<select>` of the worst failures; each option names the boundaries it shades
/// (`data-areas`: shape and quarter) and the dots it shows (`.cut` of the same number).
fn failure_selector(analysis: &Analysis, failures: &[Shown]) -> String {
    let mut s = String::from(
        "<label for=\"failure\">Show where the calls come from that this failure cuts off: </label><select id=\"failure\"><option value=\"\">(no failure)</option>",
    );
    for (k, f) in failures.iter().enumerate() {
        let areas: Vec<String> = f.areas.iter().map(|(shape, q)| format!("{shape}:{q}")).collect();
        let unplaced = match f.unlocated {
            0 => String::new(),
            n => format!(", {n} with no location"),
        };
        let _ = write!(
            s,
            "<option value=\"{}\" data-areas=\"{}\">{} ({}{unplaced})</option>",
            k + 1,
            areas.join(" "),
            esc(&analysis.domains[f.domain].name),
            crate::finding::plural(f.origins, "origin")
        );
    }
    s.push_str("</select>");
    s
}
