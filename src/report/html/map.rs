//! The boundary layers as an inline SVG map: PSAP boundaries (simplified for display), the
//! provisioning outline, gaps and overlaps marked, misrouted origins as points, and a
//! failure selector that shades the PSAP areas whose calls that failure cuts off.

use std::collections::BTreeSet;
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

/// Longitude and latitude → the picture: equirectangular at the layer's middle latitude.
/// A layer mostly west of Greenwich takes its few eastern points (the Aleutians across the
/// antimeridian) as west too.
struct Frame {
    west: f64,
    north: f64,
    scale: f64,
    squeeze: f64,
    wrap: bool,
    height: f64,
}

impl Frame {
    fn new(points: impl Iterator<Item = [f64; 2]> + Clone) -> Option<Frame> {
        let west_heavy = points.clone().filter(|p| p[0] < 0.0).count() > points.clone().count() / 2;
        let lon = |p: [f64; 2]| if west_heavy && p[0] > 90.0 { p[0] - 360.0 } else { p[0] };
        let (mut w, mut e, mut s, mut n) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in points {
            let x = lon(p);
            (w, e, s, n) = (w.min(x), e.max(x), s.min(p[1]), n.max(p[1]));
        }
        if w > e || s > n {
            return None;
        }
        let squeeze = ((s + n) / 2.0).to_radians().cos().max(0.2);
        let scale = WIDTH / ((e - w) * squeeze).max(1e-6);
        let height = ((n - s) * scale).clamp(50.0, 1400.0);
        let scale = scale.min(height / (n - s).max(1e-6));
        Some(Frame {
            west: w,
            north: n,
            scale,
            squeeze,
            wrap: west_heavy,
            height,
        })
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        let lon = if self.wrap && lon > 90.0 { lon - 360.0 } else { lon };
        (
            (lon - self.west) * self.squeeze * self.scale,
            (self.north - lat) * self.scale,
        )
    }

    /// An SVG path of a (multi)polygon, simplified to what the picture can show.
    fn path(&self, g: &MultiPolygon<f64>) -> String {
        let simple = g.simplify(0.6 / self.scale);
        let mut d = String::new();
        for ring in simple
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        {
            for (k, c) in ring.0.iter().enumerate() {
                let (x, y) = self.xy(c.x, c.y);
                let _ = write!(d, "{}{x:.1} {y:.1}", if k == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
        d
    }
}

/// `misrouted`: where the origins the misroute rules name are.
pub fn map(
    table: &Table,
    c: &Coverage,
    analysis: &Analysis,
    ranking: &[DomainImpact],
    misrouted: &[[f64; 2]],
) -> String {
    let corners = c
        .shapes
        .iter()
        .filter(|s| s.in_force)
        .filter_map(|s| s.bbox)
        .flat_map(|b| [[b.min().x, b.min().y], [b.max().x, b.max().y]])
        .collect::<Vec<_>>();
    let Some(frame) = Frame::new(corners.iter().copied()) else {
        return "<p>The boundary layers hold no shape to draw.</p>".into();
    };
    let mut s = failure_selector(table, analysis, ranking);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-4 -4 {:.0} {:.0}\" role=\"img\" aria-label=\"boundary map\">",
        WIDTH + 8.0,
        frame.height + 8.0
    );
    for shape in c.in_force(BoundaryKind::Psap) {
        let psap = shape.psap.map(|p| table.psaps[p as usize].id.as_str()).unwrap_or("");
        let title = feature_name(table, shape.at).unwrap_or_else(|| psap.to_string());
        let _ = write!(
            s,
            "<path class=\"area\" data-psap=\"{}\" d=\"{}\"><title>{}</title></path>",
            esc(psap),
            frame.path(&shape.geometry),
            esc(&title)
        );
    }
    for shape in c.in_force(BoundaryKind::Provisioning) {
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"none\" stroke=\"#222\" stroke-width=\"1\"/>",
            frame.path(&shape.geometry)
        );
    }
    for gap in &c.gaps {
        let (x, y) = frame.xy(gap.point[0], gap.point[1]);
        let _ = write!(
            s,
            "<path class=\"gap\" d=\"{}\"/><circle class=\"gap\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"><title>gap: {:.0} m² covered by no PSAP boundary</title></circle>",
            frame.path(&MultiPolygon::new(vec![gap.polygon.clone()])),
            gap.area_m2
        );
    }
    for o in &c.overlaps {
        let (x, y) = frame.xy(o.point[0], o.point[1]);
        let _ = write!(
            s,
            "<circle class=\"overlap\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"><title>overlap: {:.0} m²</title></circle>",
            o.area_m2
        );
    }
    for p in misrouted {
        let (x, y) = frame.xy(p[0], p[1]);
        let _ = write!(
            s,
            "<circle class=\"misroute\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"><title>misrouted origin</title></circle>"
        );
    }
    s.push_str("</svg>");
    s.push_str(
        "<p class=\"legend\"><span><i class=\"swatch\" style=\"background:#dfe8f3\"></i>PSAP boundary</span>\
<span><i class=\"swatch\" style=\"background:#f3a3a9\"></i>loses service in the chosen failure</span>\
<span><i class=\"swatch\" style=\"background:#c01c28\"></i>gap</span><span><i class=\"swatch\" style=\"background:#c88800\"></i>overlap</span>\
<span><i class=\"swatch\" style=\"background:#6d2a8c\"></i>misrouted origin</span></p>",
    );
    s
}

fn feature_name(table: &Table, at: crate::coverage::FeatureRef) -> Option<String> {
    let b = table.boundaries.get(at.boundary as usize)?;
    let f = b.read.as_ref().ok()?.get(at.feature as usize)?;
    f.fields.dsplay_name.clone().or_else(|| f.fields.nguid.clone())
}

/// A `<select>` of the worst failures; each option's value lists the PSAPs whose calls it
/// cuts off (the PSAPs those calls reach normally).
fn failure_selector(table: &Table, analysis: &Analysis, ranking: &[DomainImpact]) -> String {
    let class_of = analysis.class_of_origins(table.origins.len());
    let mut s = String::from(
        "<label for=\"failure\">Shade the areas that lose service if this fails: </label><select id=\"failure\"><option value=\"\">(no failure)</option>",
    );
    for imp in ranking.iter().filter(|i| !i.lost.is_empty()).take(MAX_FAILURES) {
        let psaps: BTreeSet<&str> = imp
            .lost
            .iter()
            .filter_map(|&o| analysis.normal.get(class_of[o as usize] as usize)?.delivered_to())
            .map(|p| table.psaps[p as usize].id.as_str())
            .collect();
        let value: Vec<&str> = psaps.into_iter().collect();
        let _ = write!(
            s,
            "<option value=\"{}\">{} ({})</option>",
            esc(&value.join(" ")),
            esc(&analysis.domains[imp.domain].name),
            crate::finding::plural(imp.lost.len(), "origin")
        );
    }
    s.push_str("</select>");
    s
}
