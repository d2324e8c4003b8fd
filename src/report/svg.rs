//! Hand-built SVG charts.
//!
//! Why not `plotters`: its SVG backend measures text with system fonts (the `ttf` feature) and the
//! CI machines have none; the charts here are few and simple, and building the SVG directly
//! gives exact control of what a reader (and the tests) see — every chart carries
//! `data-chart` and `data-points` attributes, every text is escaped.
//!
//! Layout rules (checked geometrically by `tests/report.rs`): the legend sits below the plot
//! area, wrapped into rows that fit the chart's width, so it never covers data; axes use
//! nice-number ticks (1, 2 or 5 × 10^k) and start at 0 when the data start near it; category
//! labels (months) are thinned so they never overlap; text widths are estimated with
//! [`text_width`] from Helvetica/Arial font metrics. Plotted marks carry `class="series"`,
//! `class="bar"` or `class="cell"`, the legend's extent is its `class="legend-box"` rectangle.

use std::fmt::Write;

use super::{BarChart, Heatmap, LineChart, StackedBars};

/// Okabe–Ito colour-blind-safe palette.
pub const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

/// Width of every chart (the SVG scales to its column; its height depends on the content).
pub const W: f64 = 640.0;
const PLOT_H: f64 = 250.0;
const MR: f64 = 20.0;
const MT: f64 = 14.0;
const TICK_FONT: f64 = 11.0;
const LABEL_FONT: f64 = 12.0;
const LEGEND_FONT: f64 = 11.0;
const CAT_FONT: f64 = 10.0;

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

/// Advance widths of ASCII 32..=126 in Helvetica (Arial and Liberation Sans share them), in
/// 1/1000 em, from the Adobe font metrics (AFM) files.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    278, 278, 584, 584, 584, 556, 1015, // :;<=>?@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
    667, 667, 611, // A-Z
    278, 278, 278, 469, 556, 333, // [\]^_`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, // a-z
    334, 260, 334, 584, // {|}~
];

/// Estimated rendered width of `s` at `font_size` px in a Helvetica-like sans-serif font (the
/// report's font stack), from the font's advance widths; characters beyond ASCII count as wide
/// ones (0.6 em, an em dash 1 em). Errs on the wide side by 3% so layout checks are conservative.
///
/// ```
/// use attrition::report::svg::text_width;
/// assert!((text_width("0.20", 10.0) - 19.47 * 1.03).abs() < 0.1);
/// assert!(text_width("MMMM", 12.0) > text_width("iiii", 12.0) * 3.0);
/// ```
pub fn text_width(s: &str, font_size: f64) -> f64 {
    let em: u32 = s
        .chars()
        .map(|c| match c {
            ' '..='~' => u32::from(HELVETICA[c as usize - 32]),
            '\u{2014}' => 1000,
            _ => 600,
        })
        .sum();
    f64::from(em) / 1000.0 * font_size * 1.03
}

/// A nice axis: from `lo` to `hi` in steps of `step` (1, 2 or 5 × 10^k), covering the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NiceScale {
    /// First tick (≤ the data minimum).
    pub lo: f64,
    /// Last tick (≥ the data maximum).
    pub hi: f64,
    /// Distance between ticks.
    pub step: f64,
}

impl NiceScale {
    /// Heckbert's nice-numbers axis ("Nice numbers for graph labels", Graphics Gems, 1990) for
    /// data in `[lo, hi]` with about `n` intervals; the ends are extended to whole steps.
    ///
    /// ```
    /// use attrition::report::svg::NiceScale;
    /// let s = NiceScale::new(0.0, 0.83, 5);
    /// assert_eq!((s.lo, s.hi, s.step), (0.0, 1.0, 0.2));
    /// assert_eq!(NiceScale::new(0.0, 730.0, 5).ticks(), vec![0.0, 200.0, 400.0, 600.0, 800.0]);
    /// ```
    pub fn new(lo: f64, hi: f64, n: usize) -> NiceScale {
        let (lo, hi) = if lo.is_finite() && hi.is_finite() { (lo.min(hi), lo.max(hi)) } else { (0.0, 1.0) };
        let (lo, hi) = if hi - lo < 1e-12 * lo.abs().max(1.0) {
            if lo == 0.0 { (0.0, 1.0) } else { (lo - lo.abs() * 0.1, hi + hi.abs() * 0.1) }
        } else {
            (lo, hi)
        };
        let step = nice((hi - lo) / n.max(1) as f64);
        let lo = (lo / step + 1e-9).floor() * step;
        let hi = (hi / step - 1e-9).ceil() * step;
        NiceScale { lo: round10(lo), hi: round10(hi), step }
    }

    /// A scale over a fixed range: its ends as given, ticks at nice steps inside it.
    pub fn fixed(lo: f64, hi: f64, n: usize) -> NiceScale {
        NiceScale { lo, hi, step: nice((hi - lo).abs().max(1e-12) / n.max(1) as f64) }
    }

    /// The tick values.
    pub fn ticks(&self) -> Vec<f64> {
        let first = (self.lo / self.step - 1e-9).ceil() as i64;
        let last = (self.hi / self.step + 1e-9).floor() as i64;
        (first..=last).map(|k| round10(k as f64 * self.step)).collect()
    }

    /// A tick value as printed: as many decimals as the step needs, thousands as `k`, millions
    /// as `M`.
    pub fn label(&self, v: f64) -> String {
        if v.abs() < self.step.abs() * 1e-9 {
            return "0".into();
        }
        let a = v.abs().max(self.step.abs());
        if a >= 1e6 && self.step >= 1e5 {
            format!("{}M", trim(v / 1e6, self.step / 1e6))
        } else if a >= 1e4 && self.step >= 1e3 {
            format!("{}k", trim(v / 1e3, self.step / 1e3))
        } else {
            let t = trim(v, self.step);
            if t == "-0" { "0".into() } else { t }
        }
    }
}

/// A bar's value as printed next to it: a decimal finer than the axis ticks, and at least two
/// decimals below 10 (so a PSI of 0.087 reads "0.09", not "0" on an axis stepping by 1).
fn bar_value(scale: &NiceScale, v: f64) -> String {
    if scale.step >= 1e3 {
        return scale.label(v);
    }
    let finer = trim(v, scale.step / 10.0);
    let decimals = finer.split('.').nth(1).map_or(0, str::len);
    let s = if v.abs() < 10.0 && decimals < 2 { format!("{v:.2}") } else { finer };
    if s.trim_start_matches(['-', '0', '.']).is_empty() { s.trim_start_matches('-').to_owned() } else { s }
}

fn trim(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize + usize::from(nice(step) != step) };
    format!("{v:.decimals$}")
}

/// 1, 2, 5 or 10 × 10^k, the nice number nearest above `x`.
fn nice(x: f64) -> f64 {
    let x = if x.is_finite() && x > 0.0 { x } else { 1.0 };
    let mag = 10f64.powf(x.log10().floor());
    let f = x / mag;
    let n = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    round10(n * mag)
}

fn round10(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(12 - v.abs().log10().ceil() as i32);
    (v * scale).round() / scale
}

/// "Nice" tick values inside `[lo, hi]` with about `n` steps of 1, 2 or 5 × 10^k.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    NiceScale::fixed(lo, hi, n).ticks()
}

/// The data range of a value axis, widened to include 0 when the data start near it (within
/// 40% of the largest magnitude), so bars and rates are not exaggerated.
fn with_zero(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if lo >= 0.0 && lo <= 0.4 * hi {
        (0.0, hi)
    } else if hi <= 0.0 && hi >= 0.4 * lo {
        (lo, 0.0)
    } else {
        (lo, hi)
    }
}

/// Which of `n` category labels to print so that none overlaps its neighbours: every `k`-th.
fn thin(labels: &[String], slot: f64, font: f64) -> usize {
    let widest = labels.iter().map(|l| text_width(l, font)).fold(0.0, f64::max);
    ((widest + 6.0) / slot.max(1e-9)).ceil().max(1.0) as usize
}

/// Word-wraps `s` into lines no wider than `width` at `font` px.
fn wrap(s: &str, width: f64, font: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() { word.to_string() } else { format!("{cur} {word}") };
        if text_width(&cand, font) <= width || cur.is_empty() {
            cur = cand;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    // A single word wider than the line is cut with an ellipsis.
    lines.into_iter().map(|l| ellipsis(&l, width, font)).collect()
}

/// `s`, shortened with "…" to fit `width` at `font` px.
fn ellipsis(s: &str, width: f64, font: f64) -> String {
    if text_width(s, font) <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().collect();
    while !out.is_empty() && text_width(&format!("{out}…"), font) > width {
        out.pop();
    }
    format!("{out}…")
}

#[derive(Clone, Copy)]
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    /// The standard plot area for x in [x0, x1] and the y axis `ys` (left margin sized to the y
    /// axis's tick labels).
    fn plot(x0: f64, x1: f64, ys: &NiceScale) -> Frame {
        let left = 22.0 + y_axis_width(ys) + 8.0;
        Frame { x0, x1, y0: ys.lo, y1: ys.hi, left, right: W - MR, top: MT, bottom: MT + PLOT_H }
    }
    fn sx(&self, x: f64) -> f64 {
        self.left + (x - self.x0) / (self.x1 - self.x0).max(1e-300) * (self.right - self.left)
    }
    fn sy(&self, y: f64) -> f64 {
        self.bottom - (y - self.y0) / (self.y1 - self.y0).max(1e-300) * (self.bottom - self.top)
    }
}

fn open(out: &mut String, id: &str, points: usize, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height:.0}" width="{W}" height="{height:.0}" role="img" data-chart="{}" data-points="{points}" font-family="Helvetica, Arial, sans-serif"><title>{}</title>"#,
        super::sanitize_id(id),
        esc(title)
    );
}

/// A text element (escaped).
fn text(out: &mut String, x: f64, y: f64, font: f64, anchor: &str, class: &str, s: &str) {
    let class = if class.is_empty() { String::new() } else { format!(r#" class="{class}""#) };
    let _ = write!(
        out,
        r##"<text{class} x="{x:.1}" y="{y:.1}" font-size="{font}" text-anchor="{anchor}" fill="#333">{}</text>"##,
        esc(s)
    );
}

/// Y axis with grid lines; returns the pixel width its tick labels need.
fn y_axis_width(scale: &NiceScale) -> f64 {
    scale.ticks().iter().map(|t| text_width(&scale.label(*t), TICK_FONT)).fold(0.0, f64::max)
}

/// Horizontal grid, y tick labels and the y-axis label.
fn y_axis(out: &mut String, f: &Frame, scale: &NiceScale, y_label: &str) {
    for t in scale.ticks() {
        if t < f.y0 - 1e-9 || t > f.y1 + 1e-9 {
            continue;
        }
        let y = f.sy(t);
        let _ =
            write!(out, r##"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##, f.left, f.right);
        text(out, f.left - 6.0, y + 4.0, TICK_FONT, "end", "tick y-tick", &scale.label(t));
    }
    let lines = wrap(y_label, f.bottom - f.top, LABEL_FONT);
    let _ = write!(
        out,
        r##"<text class="y-label" transform="translate(14,{:.1}) rotate(-90)" text-anchor="middle" font-size="{LABEL_FONT}" fill="#333">{}</text>"##,
        (f.top + f.bottom) / 2.0,
        esc(&lines[0])
    );
}

/// The frame lines.
fn frame_lines(out: &mut String, f: &Frame) {
    let _ = write!(
        out,
        r##"<line x1="{l:.1}" x2="{r:.1}" y1="{b:.1}" y2="{b:.1}" stroke="#888"/><line x1="{l:.1}" x2="{l:.1}" y1="{t:.1}" y2="{b:.1}" stroke="#888"/>"##,
        l = f.left,
        r = f.right,
        b = f.bottom,
        t = f.top
    );
}

/// Numeric x tick labels (every other one dropped until they do not overlap).
fn x_ticks(out: &mut String, f: &Frame, scale: &NiceScale) {
    let ticks: Vec<f64> = scale.ticks().into_iter().filter(|t| *t >= f.x0 - 1e-9 && *t <= f.x1 + 1e-9).collect();
    let labels: Vec<String> = ticks.iter().map(|t| scale.label(*t)).collect();
    let px = if ticks.len() > 1 { (f.sx(ticks[1]) - f.sx(ticks[0])).abs() } else { f.right - f.left };
    let k = thin(&labels, px, TICK_FONT);
    for (i, (t, l)) in ticks.iter().zip(&labels).enumerate() {
        if i % k == 0 {
            text(out, f.sx(*t), f.bottom + 16.0, TICK_FONT, "middle", "tick x-tick", l);
        }
    }
}

/// Category labels under slots `0..n` (bars, months), thinned so none overlaps.
fn x_categories(out: &mut String, f: &Frame, labels: &[String]) {
    let n = labels.len().max(1);
    let slot = (f.right - f.left) / n as f64;
    let k = thin(labels, slot, CAT_FONT);
    // Keep the last label when thinning (the latest month is the one readers look for).
    let offset = (labels.len().saturating_sub(1)) % k;
    for (i, l) in labels.iter().enumerate() {
        if i % k == offset {
            text(out, f.sx(i as f64 + 0.5), f.bottom + 15.0, CAT_FONT, "middle", "tick x-tick", l);
        }
    }
}

fn x_label(out: &mut String, f: &Frame, label: &str) -> f64 {
    let y = f.bottom + 36.0;
    let s = ellipsis(label, W - 20.0, LABEL_FONT);
    text(out, (f.left + f.right) / 2.0, y, LABEL_FONT, "middle", "x-label", &s);
    y
}

/// A legend entry: label, colour, dashed line (`false` = solid swatch).
type Entry<'a> = (String, &'a str, bool);

/// Lays the legend out in rows below `top`, wrapping entries (and long labels) to the chart's
/// width; returns the y below it.
fn legend(out: &mut String, entries: &[Entry<'_>], top: f64) -> f64 {
    if entries.is_empty() {
        return top;
    }
    let (x_start, x_end) = (12.0, W - 12.0);
    let line_h = 15.0;
    let swatch = 22.0;
    let mut items = String::new();
    let (mut x, mut y) = (x_start, top + 11.0);
    let mut row_lines = 1usize;
    let mut max_x: f64 = x_start;
    for (label, colour, dashed) in entries {
        let lines = wrap(label, x_end - x_start - swatch, LEGEND_FONT);
        let w = swatch + lines.iter().map(|l| text_width(l, LEGEND_FONT)).fold(0.0, f64::max);
        if x > x_start && (x + w > x_end || lines.len() > 1) {
            x = x_start;
            y += line_h * row_lines as f64;
            row_lines = 1;
        }
        let dash = if *dashed { r#" stroke-dasharray="4 3""# } else { "" };
        let _ = write!(
            items,
            r#"<line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="{}"{dash}/>"#,
            x,
            x + 16.0,
            y - 4.0,
            y - 4.0,
            if *dashed { 2.5 } else { 6.0 }
        );
        for (k, l) in lines.iter().enumerate() {
            text(&mut items, x + swatch, y + line_h * k as f64, LEGEND_FONT, "start", "legend-text", l);
        }
        row_lines = row_lines.max(lines.len());
        max_x = max_x.max(x + w);
        x += w + 16.0;
    }
    let bottom = y + line_h * (row_lines as f64 - 1.0) + 5.0;
    let _ = write!(
        out,
        r#"<g class="legend"><rect class="legend-box" x="{x_start:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="none"/>{items}</g>"#,
        max_x - x_start,
        bottom - top
    );
    bottom
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)))
}

/// Renders a line chart.
pub fn line_chart(c: &LineChart) -> String {
    let points: usize = c.series.iter().map(|s| s.x.len()).sum();
    let categorical = !c.x_categories.is_empty();
    let (x0, x1) = range(c.series.iter().flat_map(|s| s.x.iter().copied()).chain(c.markers.iter().map(|m| m.x)));
    let (y0, y1) = range(
        c.series
            .iter()
            .flat_map(|s| {
                s.y.iter().copied().chain(s.band.iter().flat_map(|(lo, hi)| lo.iter().chain(hi.iter()).copied()))
            })
            .chain(c.markers.iter().map(|m| m.y)),
    );
    let ys = match c.y_range {
        Some((lo, hi)) if lo < hi => NiceScale::fixed(lo, hi, 5),
        _ => {
            let (lo, hi) = with_zero(y0, y1);
            NiceScale::new(lo, hi, 5)
        }
    };
    let xs = match c.x_range {
        Some((lo, hi)) if lo < hi => NiceScale::fixed(lo, hi, 6),
        _ if categorical => NiceScale { lo: -0.5, hi: c.x_categories.len() as f64 - 0.5, step: 1.0 },
        _ => NiceScale::new(x0, x1, 6),
    };
    let f = Frame::plot(xs.lo, xs.hi, &ys);
    let mut body = String::new();
    let _ = write!(body, r##"<g class="axes" fill="#333">"##);
    y_axis(&mut body, &f, &ys, &c.y_label);
    if categorical {
        let f2 = Frame { x0: 0.0, x1: c.x_categories.len() as f64, ..f };
        x_categories(&mut body, &f2, &c.x_categories);
    } else {
        x_ticks(&mut body, &f, &xs);
    }
    let label_y = x_label(&mut body, &f, &c.x_label);
    frame_lines(&mut body, &f);
    body.push_str("</g>");
    let mut entries = Vec::new();
    let clip = |v: f64, lo: f64, hi: f64| v.clamp(lo.min(hi), hi.max(lo));
    let px = |x: f64, y: f64| (clip(f.sx(x), f.left, f.right), clip(f.sy(y), f.top, f.bottom));
    for (k, s) in c.series.iter().enumerate() {
        let colour = s.colour.as_deref().filter(|c| is_colour(c)).unwrap_or(PALETTE[k % PALETTE.len()]);
        let step = |xs: &[f64], ys: &[f64]| -> Vec<(f64, f64)> {
            let mut p = Vec::new();
            for i in 0..xs.len().min(ys.len()) {
                if !(xs[i].is_finite() && ys[i].is_finite()) {
                    continue;
                }
                if c.step && i > 0 && ys[i - 1].is_finite() {
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
                let (a, b) = (px)(*x, *y);
                let _ = write!(d, "{}{a:.1},{b:.1}", if i == 0 { "M" } else { "L" });
            }
            for (x, y) in lower.iter().rev() {
                let (a, b) = (px)(*x, *y);
                let _ = write!(d, "L{a:.1},{b:.1}");
            }
            if !d.is_empty() {
                let _ =
                    write!(body, r#"<path class="band" d="{d}Z" fill="{colour}" fill-opacity="0.15" stroke="none"/>"#);
            }
        }
        let mut d = String::new();
        for (x, y) in step(&s.x, &s.y) {
            let (a, b) = (px)(x, y);
            let _ = write!(d, "{}{a:.1},{b:.1}", if d.is_empty() { "M" } else { "L" });
        }
        let dash = if s.dashed { r#" stroke-dasharray="5 4""# } else { "" };
        if !d.is_empty() {
            let _ =
                write!(body, r#"<path class="series" d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#);
        }
        entries.push((s.label.clone(), colour, s.dashed));
    }
    for m in &c.markers {
        let (x, y) = (px)(m.x, m.y);
        let w = text_width(&m.label, 11.0);
        let (tx, anchor) = if x + 8.0 + w > f.right { (x - 8.0, "end") } else { (x + 8.0, "start") };
        let ty = if y - 8.0 - 11.0 < f.top { y + 18.0 } else { y - 8.0 };
        let _ =
            write!(body, r##"<circle class="marker" cx="{x:.1}" cy="{y:.1}" r="5" fill="#D55E00" stroke="#fff"/>"##);
        text(&mut body, tx, ty, 11.0, anchor, "marker-label", &m.label);
    }
    let height = legend(&mut body, &entries, label_y + 10.0) + 8.0;
    let mut out = String::new();
    open(&mut out, &c.id, points, &c.title, height);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// Renders a bar chart (vertical, or horizontal for long labels such as drivers). Horizontal
/// bars are coloured by sign; `legend_negative` names the negative ones.
pub fn bar_chart(c: &BarChart) -> String {
    let mut body = String::new();
    let n = c.labels.len().min(c.values.len());
    let values: Vec<f64> = c.values.iter().take(n).map(|v| if v.is_finite() { *v } else { 0.0 }).collect();
    let (lo, hi) = range(values.iter().copied().chain(c.reference).chain([0.0]));
    let mut entries: Vec<Entry<'_>> = Vec::new();
    let label_y;
    if c.horizontal {
        let scale = NiceScale::new(lo, hi, 5);
        let widest = c.labels.iter().take(n).map(|l| text_width(l, TICK_FONT)).fold(0.0, f64::max);
        let left = (widest + 14.0).clamp(60.0, 250.0);
        let neg_room = if lo < 0.0 { 44.0 } else { 0.0 };
        let top = if c.y_label.is_empty() { MT } else { MT + 16.0 };
        let bh = 22.0;
        let f = Frame {
            x0: scale.lo,
            x1: scale.hi,
            y0: 0.0,
            y1: 1.0,
            left: left + neg_room,
            right: W - MR - 44.0,
            top,
            bottom: top + bh * n.max(1) as f64,
        };
        if !c.y_label.is_empty() {
            text(&mut body, 8.0, MT + 6.0, LABEL_FONT, "start", "y-label", &ellipsis(&c.y_label, W - 16.0, LABEL_FONT));
        }
        let _ = write!(body, r##"<g class="axes" fill="#333">"##);
        for t in scale.ticks() {
            let x = f.sx(t);
            let _ = write!(
                body,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="#e5e5e5"/>"##,
                f.top, f.bottom
            );
        }
        x_ticks(&mut body, &f, &scale);
        label_y = x_label(&mut body, &f, &c.x_label);
        body.push_str("</g>");
        for (i, (label, v)) in c.labels.iter().zip(&values).enumerate() {
            let y = f.top + i as f64 * bh;
            let (a, b) = (f.sx(0.0).min(f.sx(*v)), f.sx(0.0).max(f.sx(*v)));
            let colour = if *v >= 0.0 { PALETTE[3] } else { PALETTE[0] };
            let _ = write!(
                body,
                r#"<rect class="bar" x="{a:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"><title>{}: {v:.4}</title></rect>"#,
                y + 4.0,
                (b - a).max(1.0),
                bh - 8.0,
                esc(label),
            );
            text(
                &mut body,
                left - 6.0,
                y + bh / 2.0 + 4.0,
                TICK_FONT,
                "end",
                "tick bar-label",
                &ellipsis(label, left - 10.0, TICK_FONT),
            );
            let value = bar_value(&scale, *v);
            if *v >= 0.0 {
                text(&mut body, b + 4.0, y + bh / 2.0 + 4.0, CAT_FONT, "start", "value", &value);
            } else {
                text(&mut body, a - 4.0, y + bh / 2.0 + 4.0, CAT_FONT, "end", "value", &value);
            }
        }
        let _ = write!(
            body,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="#888"/>"##,
            f.top,
            f.bottom,
            x = f.sx(0.0)
        );
        if let Some(r) = c.reference {
            let x = f.sx(r);
            let _ = write!(
                body,
                r##"<line class="reference" x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="#000" stroke-dasharray="4 3"/>"##,
                f.top, f.bottom
            );
        }
        if values.iter().any(|v| *v >= 0.0) || c.legend_negative.is_empty() {
            entries.push((c.legend.clone(), PALETTE[3], false));
        }
        if values.iter().any(|v| *v < 0.0) && !c.legend_negative.is_empty() {
            entries.push((c.legend_negative.clone(), PALETTE[0], false));
        }
    } else {
        let (lo0, hi0) = with_zero(lo, hi);
        let scale = NiceScale::new(lo0, hi0, 5);
        let f = Frame::plot(0.0, n.max(1) as f64, &scale);
        let _ = write!(body, r##"<g class="axes" fill="#333">"##);
        y_axis(&mut body, &f, &scale, &c.y_label);
        x_categories(&mut body, &f, &c.labels[..n]);
        label_y = x_label(&mut body, &f, &c.x_label);
        frame_lines(&mut body, &f);
        body.push_str("</g>");
        for (i, (label, v)) in c.labels.iter().zip(&values).enumerate() {
            let (xa, xb) = (f.sx(i as f64 + 0.15), f.sx(i as f64 + 0.85));
            let (ya, yb) = (f.sy(v.max(0.0)), f.sy(v.min(0.0)));
            let _ = write!(
                body,
                r#"<rect class="bar" x="{xa:.1}" y="{ya:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {v:.3}</title></rect>"#,
                xb - xa,
                (yb - ya).max(0.5),
                PALETTE[0],
                esc(label),
            );
        }
        entries.push((c.legend.clone(), PALETTE[0], false));
        if let Some(r) = c.reference {
            let y = f.sy(r);
            let _ = write!(
                body,
                r##"<line class="reference" x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#000" stroke-dasharray="4 3"/>"##,
                f.left, f.right
            );
        }
    }
    let height = legend(&mut body, &entries, label_y + 10.0) + 8.0;
    let mut out = String::new();
    open(&mut out, &c.id, c.values.len(), &c.title, height);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// Renders stacked bars with negative components below zero (MRR movements).
pub fn stacked_bars(c: &StackedBars) -> String {
    let points: usize = c.series.iter().map(|s| s.1.len()).sum();
    let n = c.labels.len();
    let at = |s: &(String, Vec<f64>), i: usize| s.1.get(i).copied().filter(|v| v.is_finite()).unwrap_or(0.0);
    let (mut lo, mut hi): (f64, f64) = (0.0, 0.0);
    for i in 0..n {
        hi = hi.max(c.series.iter().map(|s| at(s, i).max(0.0)).sum());
        lo = lo.min(c.series.iter().map(|s| at(s, i).min(0.0)).sum());
    }
    let scale = NiceScale::new(lo, hi, 6);
    let f = Frame::plot(0.0, n.max(1) as f64, &scale);
    let mut body = String::new();
    let _ = write!(body, r##"<g class="axes" fill="#333">"##);
    y_axis(&mut body, &f, &scale, &c.y_label);
    x_categories(&mut body, &f, &c.labels);
    let label_y = x_label(&mut body, &f, &c.x_label);
    frame_lines(&mut body, &f);
    body.push_str("</g>");
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
            if v == 0.0 {
                continue;
            }
            let _ = write!(
                body,
                r#"<rect class="bar" x="{xa:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}: {}</title></rect>"#,
                f.sy(b),
                xb - xa,
                (f.sy(a) - f.sy(b)).max(0.0),
                PALETTE[k % PALETTE.len()],
                esc(&c.labels[i]),
                esc(name),
                super::format::thousands(v, 0)
            );
        }
    }
    let zero = f.sy(0.0);
    let _ =
        write!(body, r##"<line x1="{:.1}" x2="{:.1}" y1="{zero:.1}" y2="{zero:.1}" stroke="#000"/>"##, f.left, f.right);
    let entries: Vec<Entry<'_>> =
        c.series.iter().enumerate().map(|(k, s)| (s.0.clone(), PALETTE[k % PALETTE.len()], false)).collect();
    let height = legend(&mut body, &entries, label_y + 10.0) + 8.0;
    let mut out = String::new();
    open(&mut out, &c.id, points, &c.title, height);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// Renders a heat map of values in [0, 1] (cohort retention), blank where `None`; the colour
/// scale sits right of the cells.
pub fn heatmap(c: &Heatmap) -> String {
    let points = c.values.iter().flatten().filter(|v| v.is_some()).count();
    let mut body = String::new();
    let rows = c.row_labels.len().max(1) as f64;
    let cols = c.col_labels.len().max(1) as f64;
    let widest = c.row_labels.iter().map(|l| text_width(l, 9.0)).fold(0.0, f64::max);
    let (left, top) = (24.0 + widest + 6.0, MT);
    let right = W - MR - 56.0;
    let plot_h = PLOT_H.max(rows * 9.0);
    let cw = (right - left) / cols;
    let rh = plot_h / rows;
    let row_k = (11.0 / rh).ceil().max(1.0) as usize;
    for (i, (row_label, row)) in c.row_labels.iter().zip(&c.values).enumerate() {
        for (j, (col_label, v)) in c.col_labels.iter().zip(row).enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                // white → blue
                let t = v.clamp(0.0, 1.0);
                let (r, g, b) = (255.0 - t * 255.0, 255.0 - t * (255.0 - 114.0), 255.0 - t * (255.0 - 178.0));
                let _ = write!(
                    body,
                    r#"<rect class="cell" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="rgb({:.0},{:.0},{:.0})"><title>{} month {}: {:.1}%</title></rect>"#,
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
        if i % row_k == 0 {
            text(&mut body, left - 4.0, top + (i as f64 + 0.5) * rh + 3.0, 9.0, "end", "tick y-tick", row_label);
        }
    }
    let col_k = thin(&c.col_labels, cw, 9.0);
    for (j, l) in c.col_labels.iter().enumerate() {
        if j % col_k == 0 {
            text(&mut body, left + (j as f64 + 0.5) * cw, top + plot_h + 13.0, 9.0, "middle", "tick x-tick", l);
        }
    }
    // colour scale legend, right of the cells
    let lx = W - MR - 46.0;
    let _ = write!(
        body,
        r#"<g class="legend"><rect class="legend-box" x="{lx:.1}" y="{top:.1}" width="46" height="200" fill="none"/>"#
    );
    for k in 0..10 {
        let t = 1.0 - k as f64 / 9.0;
        let _ = write!(
            body,
            r#"<rect x="{lx}" y="{:.1}" width="14" height="20" fill="rgb({:.0},{:.0},{:.0})"/>"#,
            top + k as f64 * 20.0,
            255.0 - t * 255.0,
            255.0 - t * 141.0,
            255.0 - t * 77.0
        );
    }
    text(&mut body, lx + 17.0, top + 10.0, 9.0, "start", "legend-text", "100%");
    text(&mut body, lx + 17.0, top + 198.0, 9.0, "start", "legend-text", "0%");
    body.push_str("</g>");
    let f = Frame { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0, left, right, top, bottom: top + plot_h };
    let _ = write!(body, r##"<g class="axes" fill="#333">"##);
    let lines = wrap(&c.y_label, plot_h, LABEL_FONT);
    let _ = write!(
        body,
        r##"<text class="y-label" transform="translate(14,{:.1}) rotate(-90)" text-anchor="middle" font-size="{LABEL_FONT}" fill="#333">{}</text>"##,
        top + plot_h / 2.0,
        esc(&lines[0])
    );
    let y = x_label(&mut body, &f, &c.x_label);
    body.push_str("</g>");
    let mut out = String::new();
    open(&mut out, &c.id, points, &c.title, y + 12.0);
    out.push_str(&body);
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
    fn nice_scales_cover_the_data_with_at_least_four_ticks() {
        for (lo, hi) in [(0.0, 0.047), (0.91, 1.04), (0.0, 0.83), (-46_000.0, 120_000.0), (3.0, 3.0), (0.0, 1921.0)] {
            let s = NiceScale::new(lo, hi, 5);
            let t = s.ticks();
            assert!(s.lo <= lo && s.hi >= hi, "{lo}..{hi}: {s:?}");
            assert!(t.len() >= 4, "{lo}..{hi}: {t:?}");
            let labels: Vec<String> = t.iter().map(|v| s.label(*v)).collect();
            let mut uniq = labels.clone();
            uniq.dedup();
            assert_eq!(uniq, labels, "labels distinct");
        }
        assert_eq!(NiceScale::new(0.0, 0.047, 5).label(0.01), "0.01");
        assert_eq!(NiceScale::new(0.0, 120_000.0, 5).label(40_000.0), "40k");
        assert_eq!(NiceScale::new(0.0, 2.7, 5).lo, 0.0);
        assert_eq!(NiceScale::new(0.0, 1921.0, 5).ticks().first(), Some(&0.0));
        assert_eq!(NiceScale::new(0.0, 1.0, 5).label(0.0), "0");
    }

    #[test]
    fn text_width_follows_the_font_metrics() {
        assert!(text_width("W", 10.0) > 3.0 * text_width("i", 10.0));
        assert_eq!(text_width("", 10.0), 0.0);
    }

    #[test]
    fn wrapping_fits_the_width() {
        let lines = wrap("(c) uplift π (Lemmens & Gupta), two-model learner on the experiment", 200.0, 11.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 11.0) <= 200.0));
        assert!(text_width(&ellipsis(&"x".repeat(200), 100.0, 11.0), 11.0) <= 100.0);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc(r#"<a & "b">'"#), "&lt;a &amp; &quot;b&quot;&gt;&#39;");
    }
}
