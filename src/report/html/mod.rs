//! One self-contained HTML report (`--format html`) for people who would rather look than
//! read: the verdict, the findings with their code excerpts and waivers, the routing graph,
//! the failure ranking as a bar chart and, when the table has boundary layers, a map. No
//! network: the styles, the script and every picture (inline SVG) are in the file. Table text
//! is escaped before it reaches the page.

mod graph;
mod map;

use std::fmt::Write as _;

use crate::analysis::Analysis;
use crate::coverage::Coverage;
use crate::finding::{Finding, Severity};
use crate::model::Table;
use crate::simulate::DomainImpact;

use super::Output;

/// What the pictures need beyond the report, computed by the command before rendering.
pub struct Pictures {
    pub analysis: Analysis,
    /// Single failures ranked by the population they cut off.
    pub ranking: Vec<DomainImpact>,
    pub coverage: Option<Coverage>,
    /// The check date: which policies are in force in the routing graph.
    pub today: String,
}

/// Text for an HTML element or attribute: inert (no control or bidi characters) and escaped.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in super::escape::inert(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text of several lines for a `<pre>`: each line escaped, the line breaks kept (escaped
/// whole, they would show as a literal `\n`).
fn esc_lines(s: &str) -> String {
    s.lines().map(esc).collect::<Vec<_>>().join("\n")
}

/// The report of `check` or `diff`.
pub fn render(out: &Output<'_>) -> String {
    let title = if out.diff.is_some() {
        "psapguard diff"
    } else {
        "psapguard check"
    };
    let mut body = verdict(out);
    if let Some(d) = out.diff {
        body.push_str(&change(d));
    }
    body.push_str(&findings(out));
    if let Some(p) = out.pictures {
        body.push_str(&pictures_html(out.table, p, &out.report.findings));
    }
    page(title, out.table, &body)
}

/// The report of `simulate --all-single`: the ranking, the graph and the map.
pub fn render_ranking(table: &Table, pictures: &Pictures) -> String {
    let mut body = String::from("<section id=\"verdict\" class=\"verdict info\"><h1>Single failures</h1>");
    let _ = write!(
        body,
        "<p>{} failure domains analysed; {} cut off calls or push a PSAP below its answering standard.</p></section>",
        pictures.analysis.domains.len(),
        pictures.ranking.len()
    );
    body.push_str(&pictures_html(table, pictures, &[]));
    page("psapguard simulate --all-single", table, &body)
}

fn verdict(out: &Output<'_>) -> String {
    let s = &out.report.summary;
    let (class, head) = if out.verdict().fails() {
        ("fail", "This change must not be deployed")
    } else if s.errors + s.warnings > 0 {
        ("warn", "Passes, with findings to look at")
    } else {
        ("pass", "No findings: every call reaches a PSAP")
    };
    let mut v = format!(
        "<section id=\"verdict\" class=\"verdict {class}\" data-verdict=\"{class}\"><h1>{head}</h1><p>{} errors, {} warnings, {} waived · {}</p>",
        s.errors,
        s.warnings,
        s.waived,
        esc(&super::table_counts(s))
    );
    if let Some(d) = out.diff {
        // An origin moved in several scenarios is one origin.
        let moved = super::moved_origins(d);
        let _ = write!(
            v,
            "<p>The change moves traffic of {} (over all scenarios).</p>",
            super::plural(moved, "origin")
        );
    }
    if let Some(reason) = &out.report.skipped_routing {
        let _ = write!(v, "<p class=\"note\">Routing was not analysed: {}</p>", esc(reason));
    }
    for note in &out.report.notes {
        let _ = write!(v, "<p class=\"note\">Note: {}</p>", esc(note));
    }
    v.push_str("</section>");
    v
}

/// Findings open on the page up to this many; a longer report folds them by rule.
const OPEN_FINDINGS: usize = 20;

/// The findings grouped by rule, each group one `<details>` (keyboard and print friendly).
/// What a change does: the moved traffic per scenario, the boundary changes, the findings it
/// fixes and the waivers it adds.
fn change(d: &crate::diff::DiffReport) -> String {
    use crate::finding::thousands;
    let mut s = String::from("<section id=\"change\"><h2>What the change does</h2>");
    let scenarios = super::moves_by_scenario(d);
    if scenarios.is_empty() {
        if d.boundaries.changes.is_empty() {
            s.push_str("<p>Every origin reaches the same PSAP as before, in every scenario.</p>");
        } else {
            let _ = write!(
                s,
                "<p>Routing moves no origin in any scenario: {}.</p>",
                esc(super::no_routing_moves(d))
            );
        }
    }
    for m in &scenarios {
        let _ = write!(
            s,
            "<h3>{}: {}, population {}</h3><table><thead><tr><th>before</th><th>after</th><th>origins</th><th>population</th><th>e.g.</th></tr></thead><tbody>",
            esc(&m.title()),
            crate::finding::plural(m.origins, "origin"),
            thousands(m.population)
        );
        for g in &m.groups {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td><code>{}</code>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&g.before),
                esc(&g.after),
                esc(&g.calls_phrase()),
                thousands(g.origins as u64),
                thousands(g.population),
                esc(&g.first)
            );
        }
        s.push_str("</tbody></table>");
    }
    if !d.boundaries.is_empty() {
        let text = super::human::boundary_changes(&d.boundaries);
        let _ = write!(
            s,
            "<h3>Boundary changes</h3><pre class=\"code\">{}</pre>",
            esc_lines(text.trim_end())
        );
    }
    if !d.policies.is_empty() {
        s.push_str(&policy_changes(&d.policies));
    }
    if !d.fixed.is_empty() {
        s.push_str("<h3>Fixed by this change</h3><ul>");
        for f in &d.fixed {
            let _ = write!(s, "<li><code>{}</code> {}</li>", f.rule, esc(&f.message));
        }
        s.push_str("</ul>");
    }
    if !d.added_waivers.is_empty() {
        s.push_str("<h3>Waivers this change adds</h3><ul>");
        for w in &d.added_waivers {
            let until = w
                .expires
                .as_deref()
                .map(|e| format!(" until {}", esc(e)))
                .unwrap_or_default();
            let _ = write!(
                s,
                "<li><code>{}</code> on <code>{}</code>{until}: {}</li>",
                esc(&w.rule),
                esc(&w.element),
                esc(&w.reason)
            );
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
    s
}

/// Each policy and rule the change adds, removes or edits, with the diff of its JSON (lines
/// added and removed marked, as a code review shows them).
fn policy_changes(changes: &[crate::diff::policies::PolicyChange]) -> String {
    let mut s = format!("<h3>Policy changes ({})</h3>", changes.len());
    let open = if changes.len() <= OPEN_FINDINGS { " open" } else { "" };
    for p in changes {
        let lines: Vec<String> = p
            .diff
            .lines()
            .map(|line| {
                let class = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => "add",
                    Some('-') if !line.starts_with("---") => "del",
                    Some('@') => "hunk",
                    _ => "ctx",
                };
                format!("<span class=\"{class}\">{}</span>", esc(line))
            })
            .collect();
        let _ = write!(
            s,
            "<details class=\"policy-change\"{open}><summary>{}</summary><pre class=\"code diff\">{}</pre></details>",
            esc(&super::human::policy_change_title(p)),
            lines.concat()
        );
    }
    s
}

fn findings(out: &Output<'_>) -> String {
    let mut s = String::from("<section id=\"findings\"><h2>Findings</h2>");
    if out.report.findings.is_empty() {
        s.push_str("<p>None.</p>");
    }
    let open = if out.report.findings.len() <= OPEN_FINDINGS {
        " open"
    } else {
        ""
    };
    let mut rules: Vec<&str> = out.report.findings.iter().map(|f| f.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    for rule in rules {
        let of_rule: Vec<(usize, &Finding)> = out
            .report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.rule == rule)
            .collect();
        let failing = of_rule.iter().filter(|(_, f)| out.report.fails_run(f)).count();
        let _ = write!(
            s,
            "<details class=\"rule\"{open}><summary><code>{rule}</code> — {} ({failing} failing)</summary>",
            crate::finding::plural(of_rule.len(), "finding")
        );
        for (i, f) in of_rule {
            s.push_str(&finding(out.table, f, i));
        }
        s.push_str("</details>");
    }
    s.push_str("</section>");
    s
}

fn finding(table: &Table, f: &Finding, i: usize) -> String {
    let level = match (f.waived, f.severity) {
        (true, _) => "waived",
        (false, Severity::Error) => "error",
        (false, _) => "warning",
    };
    let mut s = format!(
        "<article class=\"finding {level}\" id=\"f{i}\" tabindex=\"0\" data-rule=\"{rule}\"><header><span class=\"badge\">{level}</span> <code>{rule}</code>",
        rule = f.rule
    );
    if let Some(n) = f.new {
        let _ = write!(
            s,
            " <span class=\"novelty\">{}</span>",
            esc(&format!("{n:?}").to_lowercase())
        );
    }
    let _ = write!(s, "</header><p class=\"message\">{}</p>", esc(&f.message));
    // What the human report says beside the message: the scenario and the origins it hits.
    if let Some(scenario) = &f.scenario
        && *scenario != crate::finding::ScenarioLabel::Normal
    {
        let _ = write!(s, "<p class=\"scenario\">scenario: {}</p>", esc(&scenario.to_string()));
    }
    if let Some(affected) = super::human::affected_line(f) {
        let _ = write!(s, "<p class=\"affected\">{}</p>", esc(&affected));
    }
    if let Some(w) = super::where_of(table, f) {
        let _ = write!(s, "<p class=\"where\">{}</p>", esc(&w));
    }
    if let Some(loc) = f.location {
        s.push_str(&excerpt(table, loc));
    }
    if let Some(p) = f.place.as_ref().and_then(|p| p.point) {
        let _ = write!(
            s,
            "<p class=\"where\">at ({:.5}, {:.5}) · <a href=\"{}\">map</a></p>",
            p[1],
            p[0],
            esc(&super::map_link(p))
        );
    }
    if let Some(w) = &f.waiver {
        let until = w
            .expires
            .as_deref()
            .map(|d| format!(" (until {})", esc(d)))
            .unwrap_or_default();
        let _ = write!(s, "<p class=\"waiver\">Waived{until}: {}</p>", esc(&w.reason));
    }
    s.push_str("</article>");
    s
}

/// Two lines either side of a finding's line, numbered as in the file.
fn excerpt(table: &Table, loc: crate::model::Loc) -> String {
    let Some(file) = table.files.get(loc.file as usize) else {
        return String::new();
    };
    let (from, to) = (loc.line.saturating_sub(2).max(1), loc.line + 2);
    let mut s = String::from("<pre class=\"code\">");
    file.each_line(|n, line| {
        if n >= from {
            let mark = if n == loc.line { " class=\"hit\"" } else { "" };
            let _ = writeln!(
                s,
                "<span{mark}><span class=\"ln\">{n:>5}</span> {}</span>",
                esc(&super::escape::short(line.trim_end_matches(['\n', '\r']), 160))
            );
        }
        n < to
    });
    s.push_str("</pre>");
    s
}

/// Where the origins the misroute rules name are located.
fn misrouted(table: &Table, findings: &[Finding]) -> Vec<[f64; 2]> {
    findings
        .iter()
        .filter(|f| matches!(f.rule, "location-misroute" | "sector-misroute"))
        .flat_map(|f| &f.affected)
        .filter_map(|id| match table.lookup(id)? {
            crate::model::Element::Origin(o) => table.origins[o as usize].location.get().map(|l| [l.lon, l.lat]),
            _ => None,
        })
        .collect()
}

fn pictures_html(table: &Table, p: &Pictures, findings: &[Finding]) -> String {
    let mut s = String::new();
    s.push_str("<section id=\"ranking\"><h2>Single failures ranked by the population they cut off</h2>");
    s.push_str(&graph::ranking_chart(&p.analysis, &p.ranking));
    s.push_str("</section><section id=\"graph\"><h2>Routing graph</h2>");
    s.push_str(&graph::routing_svg(table, &p.today));
    s.push_str("</section>");
    if let Some(c) = &p.coverage {
        s.push_str("<section id=\"map\"><h2>Boundaries</h2>");
        s.push_str(&map::map(
            table,
            c,
            &p.analysis,
            &p.ranking,
            &misrouted(table, findings),
        ));
        s.push_str("</section>");
    }
    s
}

fn page(title: &str, table: &Table, body: &str) -> String {
    let name = table
        .name
        .as_deref()
        .map(|n| format!(" — {}", esc(n)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
<title>{title}{name}</title><style>{CSS}</style></head><body>\
<nav><a href=\"#verdict\">Verdict</a> <a href=\"#change\">Change</a> <a href=\"#findings\">Findings</a> <a href=\"#ranking\">Failures</a> <a href=\"#graph\">Graph</a> <a href=\"#map\">Map</a></nav>\
<main>{body}</main><footer>psapguard {version}</footer><script>{JS}</script></body></html>\n",
        version = env!("CARGO_PKG_VERSION")
    )
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}\
nav{position:sticky;top:0;background:#f4f4f4;padding:.4em 1em;border-bottom:1px solid #ccc;z-index:2}\
nav a{margin-right:1em}main{max-width:1200px;margin:0 auto;padding:0 1em}\
a:focus,article:focus,select:focus{outline:3px solid #1a5fb4;outline-offset:2px}\
.verdict{padding:.6em 1em;margin:1em 0;border-left:8px solid}.verdict h1{margin:.2em 0;font-size:1.5em}\
.fail{border-color:#c01c28;background:#fbe9ea}.warn{border-color:#c88800;background:#fdf5e0}\
.pass{border-color:#26a269;background:#e8f6ee}.info{border-color:#1a5fb4;background:#e8f0fb}\
.finding{border:1px solid #ddd;border-left:6px solid #999;margin:.6em 0;padding:.3em .8em}\
.finding.error{border-left-color:#c01c28}.finding.warning{border-left-color:#c88800}.finding.waived{border-left-color:#777;opacity:.85}\
details.rule{margin:.4em 0}details.rule summary{cursor:pointer;font-weight:600;padding:.2em 0}\
.badge{text-transform:uppercase;font-size:.75em;font-weight:700}.message{margin:.3em 0}.scenario,.affected{margin:.2em 0;font-size:.9em}.where{color:#444;margin:.2em 0;font-size:.9em}\
.waiver{color:#555;font-style:italic}table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}td.num{text-align:right}.code{background:#f6f6f6;padding:.4em;overflow-x:auto;font-size:.85em}\
.code .hit{background:#ffe08a;display:inline-block;min-width:100%}.ln{color:#888}\
svg{max-width:100%;height:auto;border:1px solid #ddd;background:#fff}\
svg text{font:11px system-ui,sans-serif}.bar{fill:#c01c28}.bar.below{fill:#c88800}\
.edge{fill:none;stroke:#555;stroke-width:1.2}.edge.mate{stroke-dasharray:4 3;stroke:#1a5fb4}\
.edge.alternate{stroke:#26a269;stroke-dasharray:2 2}.edge.ingress{stroke:#999}.edge.differs{stroke:#c01c28;stroke-width:2}\
.edge.policy{stroke:#613583;stroke-width:1.4}.edge.policy.diversion{stroke-dasharray:5 3}\
.diff span{display:block;min-height:1.2em}.diff .add{color:#1e6b30;background:#e6f4ea}.diff .del{color:#a01b22;background:#fbe9eb}.diff .hunk{color:#555}\
.node rect{fill:#f4f4f4;stroke:#333}.node.psap rect{fill:#e8f0fb}.node.router rect{fill:#fdf5e0}.node .id{fill:#555}\
.node.inactive rect{fill:#eee;stroke:#999;stroke-dasharray:4 3}.node.inactive text{fill:#888;text-decoration:line-through}.node.inactive .id{text-decoration:none}\
.area{fill:#dfe8f3;stroke:#4a6a8a;stroke-width:.4}.area.lost{fill:#f5b5ba}.area.lost[data-share=\"1\"]{fill:#fbe0e2}\
.area.lost[data-share=\"3\"]{fill:#ec7f88}.area.lost[data-share=\"4\"]{fill:#d9434f}.cut{display:none}.cut.shown{display:inline}\
.cut circle{fill:#7a0010;stroke:#fff;stroke-width:.8}.swatch.dot{border-radius:50%;background:#7a0010}\
.gap{fill:#c01c28;stroke:#c01c28;stroke-width:1}.overlap{fill:#c88800;stroke:#c88800;stroke-width:1}\
.provisioning{fill:none;stroke:#222;stroke-width:1}.invalid{fill:none;stroke:#e66100;stroke-width:2;stroke-dasharray:4 2}\
.outside{fill:#0b7a75;fill-opacity:.6;stroke:#0b7a75;stroke-width:1}.mark{fill:none;stroke-width:2}.overlap.mark{fill:none}.outside.mark{fill:none}\
.inset{fill:none;stroke:#999;stroke-dasharray:3 3}svg text.label{font-size:10px;fill:#223;text-anchor:middle;pointer-events:none;paint-order:stroke;stroke:#fff;stroke-width:2.5px}\
.misroute{fill:#6d2a8c;stroke:#fff;stroke-width:.5}.legend span{margin-right:1.2em}\
.swatch{display:inline-block;width:1em;height:1em;vertical-align:middle;margin-right:.3em;border:1px solid #555}\
@media print{nav,select,label{display:none}details.rule>*{display:block}.finding{break-inside:avoid}svg{border:none}a{color:inherit;text-decoration:none}}";

/// The failure selector shades the areas where the calls a failure cuts off come from (`#failure=N` in the address
/// picks the Nth failure, so a link can show one); errors are recorded on the page
/// (`data-errors`) so a test in a browser can read them from the DOM.
const JS: &str = "(function(){var errs=[];window.addEventListener('error',function(e){errs.push(String(e.message));document.body.dataset.errors=errs.join('; ');});\
document.querySelectorAll('nav a').forEach(function(a){if(!document.querySelector(a.getAttribute('href')))a.remove();});\
var sel=document.getElementById('failure');if(sel){var pick=location.hash.match(/^#failure=([0-9]+)$/);\
if(pick&&sel.options[+pick[1]])sel.selectedIndex=+pick[1];var show=function(){var share={};(sel.options[sel.selectedIndex].dataset.areas||'').split(' ').forEach(function(a){var kv=a.split(':');if(kv.length==2)share[kv[0]]=kv[1];});\
document.querySelectorAll('#map .area').forEach(function(p){var q=share[p.dataset.shape];p.classList.toggle('lost',!!q);if(q)p.dataset.share=q;else delete p.dataset.share;});\
document.querySelectorAll('#map .cut').forEach(function(g){g.classList.toggle('shown',sel.value!==''&&g.dataset.failure===sel.value);});};\
sel.addEventListener('change',show);show();}\
document.body.dataset.rendered=[document.querySelectorAll('.finding').length+' findings',document.querySelector('#graph svg')?'graph':'',document.querySelector('#map svg')?'map':''].join(' ');})();";
