//! Hand-built SVG charts.
//!
//! Why not `plotters`: its SVG backend measures text with system fonts (the `ttf` feature) and the
//! CI machines have none; the charts here are few and simple, and building the SVG directly
//! gives exact control of what a reader (and the tests) see — every chart carries
//! `data-chart` and `data-points` attributes, every text is escaped.

use std::fmt::Write;

use super::{BarChart, Heatmap, LineChart, StackedBars};

/// Okabe–Ito colour-blind-safe palette.
pub const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

const W: f64 = 640.0;
const H: f64 = 360.0;
const ML: f64 = 64.0;
const MR: f64 = 16.0;
const MT: f64 = 16.0;
const MB: f64 = 52.0;

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Whether `s` is a colour that can go into an SVG attribute as is: `#rgb`, `#rrggbb` or a
/// lower-case CSS colour name.
pub fn is_colour(s: &str) -> bool {
    match s.strip_prefix('#') {
        Some(hex) => matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()),
        None => !s.is_empty() && s.len() <= 20 && s.chars().all(|c| c.is_ascii_lowercase()),
    }
}

/// "Nice" tick values covering `[lo, hi]` with about `n` steps of 1, 2 or 5 × 10^k.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    // Rounded to 10 decimals so 3 × 0.2 prints as 0.6.
    (first..=last).map(|k| ((k as f64 * step) * 1e10).round() / 1e10).collect()
}

fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn sx(&self, x: f64) -> f64 {
        ML + (x - self.x0) / (self.x1 - self.x0).max(1e-300) * (W - ML - MR)
    }
    fn sy(&self, y: f64) -> f64 {
        H - MB - (y - self.y0) / (self.y1 - self.y0).max(1e-300) * (H - MT - MB)
    }
}

fn open(out: &mut String, id: &str, points: usize, title: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" data-chart="{}" data-points="{points}"><title>{}</title>"#,
        super::sanitize_id(id),
        esc(title)
    );
}

fn axes(out: &mut String, f: &Frame, x_label: &str, y_label: &str, x_ticks: bool) {
    let _ = write!(out, r##"<g class="axes" font-size="11" fill="#444">"##);
    for t in ticks(f.y0, f.y1, 5) {
        let y = f.sy(t);
        let _ = write!(
            out,
            r##"<line x1="{ML}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e5e5"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            W - MR,
            ML - 6.0,
            y + 4.0,
            fmt_tick(t)
        );
    }
    if x_ticks {
        for t in ticks(f.x0, f.x1, 6) {
            let x = f.sx(t);
            let _ =
                write!(out, r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#, H - MB + 16.0, fmt_tick(t));
        }
    }
    let _ = write!(
        out,
        r##"<line x1="{ML}" x2="{}" y1="{}" y2="{}" stroke="#888"/><line x1="{ML}" x2="{ML}" y1="{MT}" y2="{}" stroke="#888"/>"##,
        W - MR,
        H - MB,
        H - MB,
        H - MB
    );
    let _ = write!(
        out,
        r#"<text class="x-label" x="{}" y="{}" text-anchor="middle" font-size="12">{}</text><text class="y-label" transform="translate(14,{}) rotate(-90)" text-anchor="middle" font-size="12">{}</text></g>"#,
        (ML + W - MR) / 2.0,
        H - 12.0,
        esc(x_label),
        (MT + H - MB) / 2.0,
        esc(y_label)
    );
}

fn legend(out: &mut String, entries: &[(String, &str, bool)]) {
    let _ = write!(
        out,
        r##"<g class="legend" font-size="11"><rect x="{}" y="{}" width="176" height="{}" fill="#ffffff" fill-opacity="0.85" stroke="#ddd"/>"##,
        W - MR - 176.0,
        MT - 4.0,
        16.0 * entries.len() as f64 + 6.0
    );
    let mut y = MT + 6.0;
    for (label, colour, dashed) in entries {
        let dash = if *dashed { r#" stroke-dasharray="4 3""# } else { "" };
        let _ = write!(
            out,
            r##"<line x1="{}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="2.5"{dash}/><text x="{}" y="{:.1}" fill="#222">{}</text>"##,
            W - MR - 170.0,
            W - MR - 150.0,
            W - MR - 145.0,
            y + 4.0,
            esc(label)
        );
        y += 16.0;
    }
    out.push_str("</g>");
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)))
}

/// Renders a line chart.
pub fn line_chart(c: &LineChart) -> String {
    let points: usize = c.series.iter().map(|s| s.x.len()).sum();
    let (mut x0, mut x1) = range(c.series.iter().flat_map(|s| s.x.iter().copied()));
    let (mut y0, mut y1) = range(c.series.iter().flat_map(|s| {
        s.y.iter().copied().chain(s.band.iter().flat_map(|(lo, hi)| lo.iter().chain(hi.iter()).copied()))
    }));
    if let Some((lo, hi)) = c.y_range {
        (y0, y1) = (lo, hi);
    } else {
        let pad = (y1 - y0).abs().max(1e-9) * 0.05;
        (y0, y1) = (y0 - pad, y1 + pad);
    }
    if let Some((lo, hi)) = c.x_range {
        (x0, x1) = (lo, hi);
    }
    if !(x0.is_finite() && x1.is_finite() && y0.is_finite() && y1.is_finite()) {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    let f = Frame { x0, x1: if x1 > x0 { x1 } else { x0 + 1.0 }, y0, y1: if y1 > y0 { y1 } else { y0 + 1.0 } };
    let mut out = String::new();
    open(&mut out, &c.id, points, &c.title);
    axes(&mut out, &f, &c.x_label, &c.y_label, true);
    let mut entries = Vec::new();
    for (k, s) in c.series.iter().enumerate() {
        let colour = s.colour.as_deref().filter(|c| is_colour(c)).unwrap_or(PALETTE[k % PALETTE.len()]);
        let step = |xs: &[f64], ys: &[f64]| -> Vec<(f64, f64)> {
            let mut p = Vec::new();
            for i in 0..xs.len().min(ys.len()) {
                if c.step && i > 0 {
                    p.push((xs[i], ys[i - 1]));
                }
                p.push((xs[i], ys[i]));
            }
            p
        };
        if let Some((lo, hi)) = &s.band {
            let upper = step(&s.x, hi);
            let lower = step(&s.x, lo);
            let mut d = String::new();
            for (i, (x, y)) in upper.iter().enumerate() {
                let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, f.sx(*x), f.sy(*y));
            }
            for (x, y) in lower.iter().rev() {
                let _ = write!(d, "L{:.1},{:.1}", f.sx(*x), f.sy(*y));
            }
            let _ = write!(out, r#"<path d="{d}Z" fill="{colour}" fill-opacity="0.15" stroke="none"/>"#);
        }
        let pts = step(&s.x, &s.y);
        let mut d = String::new();
        for (i, (x, y)) in pts.iter().enumerate() {
            if x.is_finite() && y.is_finite() {
                let _ = write!(d, "{}{:.1},{:.1}", if i == 0 || d.is_empty() { "M" } else { "L" }, f.sx(*x), f.sy(*y));
            }
        }
        let dash = if s.dashed { r#" stroke-dasharray="5 4""# } else { "" };
        let _ = write!(out, r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#);
        entries.push((s.label.clone(), colour, s.dashed));
    }
    for m in &c.markers {
        let (x, y) = (f.sx(m.x), f.sy(m.y));
        let _ = write!(
            out,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="#D55E00" stroke="#fff"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#D55E00">{}</text>"##,
            x + 8.0,
            y - 8.0,
            esc(&m.label)
        );
    }
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

/// Renders a bar chart (vertical, or horizontal for long labels such as drivers).
pub fn bar_chart(c: &BarChart) -> String {
    let mut out = String::new();
    open(&mut out, &c.id, c.values.len(), &c.title);
    let (lo, hi) = range(c.values.iter().copied().chain([0.0]));
    let n = c.values.len().max(1) as f64;
    if c.horizontal {
        let left = 230.0;
        let span = (hi - lo).max(1e-12);
        let sx = |v: f64| left + (v - lo) / span * (W - left - MR - 40.0);
        let bh = ((H - MT - MB) / n).min(28.0);
        for (i, (label, v)) in c.labels.iter().zip(&c.values).enumerate() {
            let y = MT + i as f64 * bh;
            let (a, b) = (sx(0.0).min(sx(*v)), sx(0.0).max(sx(*v)));
            let colour = if *v >= 0.0 { PALETTE[3] } else { PALETTE[0] };
            let _ = write!(
                out,
                r##"<rect x="{a:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"><title>{}: {v:.4}</title></rect><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#222">{}</text><text x="{:.1}" y="{:.1}" font-size="10" fill="#444">{}</text>"##,
                y + 3.0,
                (b - a).max(1.0),
                bh - 6.0,
                esc(label),
                left - 6.0,
                y + bh / 2.0 + 3.0,
                esc(label),
                b + 4.0,
                y + bh / 2.0 + 3.0,
                fmt_tick(*v)
            );
        }
        let _ = write!(
            out,
            r#"<text class="x-label" x="{}" y="{}" text-anchor="middle" font-size="12">{}</text><text class="y-label" x="12" y="{}" font-size="12">{}</text>"#,
            (left + W) / 2.0,
            H - 12.0,
            esc(&c.x_label),
            H - 12.0,
            esc(&c.y_label)
        );
    } else {
        let f = Frame { x0: 0.0, x1: n, y0: lo.min(0.0), y1: hi * 1.1 };
        axes(&mut out, &f, &c.x_label, &c.y_label, false);
        for (i, (label, v)) in c.labels.iter().zip(&c.values).enumerate() {
            let (xa, xb) = (f.sx(i as f64 + 0.15), f.sx(i as f64 + 0.85));
            let (ya, yb) = (f.sy(v.max(0.0)), f.sy(v.min(0.0)));
            let _ = write!(
                out,
                r##"<rect x="{xa:.1}" y="{ya:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {v:.3}</title></rect><text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
                xb - xa,
                (yb - ya).max(0.5),
                PALETTE[0],
                esc(label),
                (xa + xb) / 2.0,
                H - MB + 14.0,
                esc(label)
            );
        }
        if let Some(r) = c.reference {
            let y = f.sy(r);
            let _ = write!(
                out,
                r##"<line x1="{ML}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#000" stroke-dasharray="4 3"/>"##,
                W - MR
            );
        }
    }
    legend(&mut out, &[(c.legend.clone(), PALETTE[if c.horizontal { 3 } else { 0 }], false)]);
    out.push_str("</svg>");
    out
}

/// Renders stacked bars with negative components below zero (MRR movements).
pub fn stacked_bars(c: &StackedBars) -> String {
    let mut out = String::new();
    let points: usize = c.series.iter().map(|s| s.1.len()).sum();
    open(&mut out, &c.id, points, &c.title);
    let n = c.labels.len();
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    let at = |s: &(String, Vec<f64>), i: usize| s.1.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
    for i in 0..n {
        let pos: f64 = c.series.iter().map(|s| at(s, i).max(0.0)).sum();
        let neg: f64 = c.series.iter().map(|s| at(s, i).min(0.0)).sum();
        hi = hi.max(pos);
        lo = lo.min(neg);
    }
    let f = Frame { x0: 0.0, x1: n.max(1) as f64, y0: lo * 1.1, y1: hi * 1.1 + 1e-9 };
    axes(&mut out, &f, &c.x_label, &c.y_label, false);
    for i in 0..n {
        let (mut up, mut down) = (0.0, 0.0);
        let (xa, xb) = (f.sx(i as f64 + 0.12), f.sx(i as f64 + 0.88));
        for (k, series) in c.series.iter().enumerate() {
            let (name, v) = (&series.0, at(series, i));
            let (a, b) = if v >= 0.0 {
                up += v;
                (up - v, up)
            } else {
                down += v;
                (down, down - v)
            };
            let _ = write!(
                out,
                r#"<rect x="{xa:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}: {v:.0}</title></rect>"#,
                f.sy(b),
                xb - xa,
                (f.sy(a) - f.sy(b)).max(0.0),
                PALETTE[k % PALETTE.len()],
                esc(&c.labels[i]),
                esc(name)
            );
        }
        if n <= 24 || i % 2 == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{}" font-size="9" text-anchor="middle">{}</text>"#,
                (xa + xb) / 2.0,
                H - MB + 14.0,
                esc(&c.labels[i])
            );
        }
    }
    let zero = f.sy(0.0);
    let _ = write!(out, r##"<line x1="{ML}" x2="{}" y1="{zero:.1}" y2="{zero:.1}" stroke="#000"/>"##, W - MR);
    let entries: Vec<(String, &str, bool)> =
        c.series.iter().enumerate().map(|(k, s)| (s.0.clone(), PALETTE[k % PALETTE.len()], false)).collect();
    legend(&mut out, &entries);
    out.push_str("</svg>");
    out
}

/// Renders a heat map of values in [0, 1] (cohort retention), blank where `None`.
pub fn heatmap(c: &Heatmap) -> String {
    let mut out = String::new();
    let points = c.values.iter().flatten().filter(|v| v.is_some()).count();
    open(&mut out, &c.id, points, &c.title);
    let rows = c.row_labels.len().max(1) as f64;
    let cols = c.col_labels.len().max(1) as f64;
    let (left, top) = (80.0, MT);
    let cw = (W - left - MR - 50.0) / cols;
    let rh = (H - top - MB) / rows;
    for (i, (row_label, row)) in c.row_labels.iter().zip(&c.values).enumerate() {
        for (j, (col_label, v)) in c.col_labels.iter().zip(row).enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                // white → blue
                let t = v.clamp(0.0, 1.0);
                let (r, g, b) = (255.0 - t * 255.0, 255.0 - t * (255.0 - 114.0), 255.0 - t * (255.0 - 178.0));
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="rgb({:.0},{:.0},{:.0})"><title>{} month {}: {:.1}%</title></rect>"#,
                    left + j as f64 * cw,
                    top + i as f64 * rh,
                    cw + 0.3,
                    rh + 0.3,
                    r,
                    g,
                    b,
                    esc(row_label),
                    esc(col_label),
                    v * 100.0
                );
            }
        }
        if rows <= 30.0 || i % 2 == 0 {
            let _ = write!(
                out,
                r#"<text x="{}" y="{:.1}" font-size="9" text-anchor="end">{}</text>"#,
                left - 4.0,
                top + (i as f64 + 0.7) * rh,
                esc(row_label)
            );
        }
    }
    for (j, l) in c.col_labels.iter().enumerate() {
        if cols <= 13.0 || j % 3 == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{}" font-size="9" text-anchor="middle">{}</text>"#,
                left + (j as f64 + 0.5) * cw,
                H - MB + 12.0,
                esc(l)
            );
        }
    }
    // colour scale legend
    let lx = W - MR - 36.0;
    for k in 0..10 {
        let t = 1.0 - k as f64 / 9.0;
        let _ = write!(
            out,
            r#"<rect class="legend" x="{lx}" y="{:.1}" width="14" height="{:.1}" fill="rgb({:.0},{:.0},{:.0})"/>"#,
            top + k as f64 * 20.0,
            20.0,
            255.0 - t * 255.0,
            255.0 - t * 141.0,
            255.0 - t * 77.0
        );
    }
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="9">100%</text><text x="{}" y="{}" font-size="9">0%</text>"#,
        lx + 16.0,
        top + 10.0,
        lx + 16.0,
        top + 198.0
    );
    let _ = write!(
        out,
        r#"<text class="x-label" x="{}" y="{}" text-anchor="middle" font-size="12">{}</text><text class="y-label" transform="translate(14,{}) rotate(-90)" text-anchor="middle" font-size="12">{}</text>"#,
        (left + W) / 2.0,
        H - 12.0,
        esc(&c.x_label),
        (MT + H - MB) / 2.0,
        esc(&c.y_label)
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice() {
        assert_eq!(ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks(0.0, 730.0, 6), vec![0.0, 200.0, 400.0, 600.0]);
        assert_eq!(ticks(-3.0, 7.0, 5), vec![-2.0, 0.0, 2.0, 4.0, 6.0]);
        assert_eq!(ticks(5.0, 5.0, 5), vec![5.0]);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc(r#"<a & "b">'"#), "&lt;a &amp; &quot;b&quot;&gt;&#39;");
    }
}
