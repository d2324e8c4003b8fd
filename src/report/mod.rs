//! The churn report: one self-contained HTML file (inline SVG, inline CSS, no JavaScript, no
//! CDN) plus the CSV behind every chart.
//!
//! The demo and `attrition report` fill a [`Report`] from the same computations they print, so
//! the numbers in the text and in the charts agree. Every chart has a title, axis labels with
//! units, a legend and a one-sentence reading, and carries `data-chart`/`data-points`
//! attributes so tests can check it is present and non-empty.
//!
//! ```
//! use attrition::report::{Chart, LineChart, Report, Section, Series};
//! let mut r = Report::new("Churn report");
//! let chart = LineChart::new("roc", "ROC curve", "False positive rate", "True positive rate")
//!     .series(Series::new("model", vec![0.0, 0.2, 1.0], vec![0.0, 0.7, 1.0]))
//!     .reading("The model finds 70% of churners while flagging 20% of stayers.");
//! r.sections.push(Section::new("Models", "How well we predict churn.").chart(Chart::Line(chart)));
//! let html = r.to_html().unwrap();
//! assert!(html.contains(r#"data-chart="roc""#));
//! ```

pub mod changes;
pub mod drift;
pub mod format;
pub mod models;
pub mod svg;

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::io::csv_out::CsvOut;
use svg::esc;

/// A headline number at the top of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    /// What it is.
    pub label: String,
    /// The formatted value.
    pub value: String,
    /// A short explanation.
    pub note: String,
    /// What the metric means, in one line for a reader who does not know it (empty: none).
    #[serde(default)]
    pub help: String,
}

impl Headline {
    /// A headline without a glossary line.
    pub fn new(label: impl Into<String>, value: impl Into<String>, note: impl Into<String>) -> Self {
        Headline { label: label.into(), value: value.into(), note: note.into(), help: String::new() }
    }
    /// Adds the one-line explanation shown under the card.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }
}

/// One line (with optional confidence band) of a [`LineChart`].
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// X values.
    pub x: Vec<f64>,
    /// Y values.
    pub y: Vec<f64>,
    /// Lower and upper band (same length as `y`).
    pub band: Option<(Vec<f64>, Vec<f64>)>,
    /// Dashed line (baselines, ideals).
    pub dashed: bool,
    /// Colour override.
    pub colour: Option<String>,
}

impl Series {
    /// A solid series.
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Series { label: label.into(), x, y, band: None, dashed: false, colour: None }
    }
    /// A dashed grey reference series.
    pub fn reference(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Series { dashed: true, colour: Some("#777777".into()), ..Series::new(label, x, y) }
    }
    /// Adds a confidence band.
    pub fn band(mut self, lo: Vec<f64>, hi: Vec<f64>) -> Self {
        self.band = Some((lo, hi));
        self
    }
}

/// A labelled point on a line chart (e.g. the chosen campaign size).
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    /// X.
    pub x: f64,
    /// Y.
    pub y: f64,
    /// Label.
    pub label: String,
}

/// A line chart.
#[derive(Debug, Clone, Serialize)]
pub struct LineChart {
    /// Identifier (file name of its CSV, `data-chart` attribute).
    pub id: String,
    /// Title.
    pub title: String,
    /// X-axis label with unit.
    pub x_label: String,
    /// Y-axis label with unit.
    pub y_label: String,
    /// Lines.
    pub series: Vec<Series>,
    /// Step-shaped lines (Kaplan–Meier).
    pub step: bool,
    /// Fixed y range.
    pub y_range: Option<(f64, f64)>,
    /// Fixed x range.
    pub x_range: Option<(f64, f64)>,
    /// Labelled points.
    pub markers: Vec<Marker>,
    /// Category labels of the x axis (e.g. calendar months) for x = 0, 1, 2, …; empty: a
    /// numeric axis.
    #[serde(default)]
    pub x_categories: Vec<String>,
    /// One-sentence reading.
    pub reading: String,
}

impl LineChart {
    /// An empty chart.
    pub fn new(id: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        LineChart {
            id: id.into(),
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            step: false,
            y_range: None,
            x_range: None,
            markers: Vec::new(),
            x_categories: Vec::new(),
            reading: String::new(),
        }
    }
    /// Names the x positions 0, 1, 2, … (calendar months, periods); the labels are thinned so
    /// that they never overlap.
    pub fn categories(mut self, labels: Vec<String>) -> Self {
        self.x_categories = labels;
        self
    }
    /// Fixes the x range.
    pub fn x_range(mut self, lo: f64, hi: f64) -> Self {
        self.x_range = Some((lo, hi));
        self
    }
    /// Adds a series.
    pub fn series(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }
    /// Sets the reading.
    pub fn reading(mut self, r: impl Into<String>) -> Self {
        self.reading = r.into();
        self
    }
    /// Fixes the y range.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }
    /// Step-shaped lines.
    pub fn step(mut self) -> Self {
        self.step = true;
        self
    }
    /// Adds a marker.
    pub fn marker(mut self, x: f64, y: f64, label: impl Into<String>) -> Self {
        self.markers.push(Marker { x, y, label: label.into() });
        self
    }
}

/// A bar chart.
#[derive(Debug, Clone, Serialize)]
pub struct BarChart {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// Bar labels.
    pub labels: Vec<String>,
    /// Bar values.
    pub values: Vec<f64>,
    /// Horizontal bars (long labels).
    pub horizontal: bool,
    /// A dashed reference line (e.g. lift 1).
    pub reference: Option<f64>,
    /// Legend entry (of the positive bars, when `legend_negative` is set).
    pub legend: String,
    /// Legend entry of the negative bars of a horizontal chart (drawn in another colour); empty:
    /// one legend entry for all bars.
    #[serde(default)]
    pub legend_negative: String,
    /// One-sentence reading.
    pub reading: String,
}

/// Stacked bars per period (MRR movements).
#[derive(Debug, Clone, Serialize)]
pub struct StackedBars {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// Period labels.
    pub labels: Vec<String>,
    /// (name, values per period); negative values stack below zero.
    pub series: Vec<(String, Vec<f64>)>,
    /// One-sentence reading.
    pub reading: String,
}

/// A heat map.
#[derive(Debug, Clone, Serialize)]
pub struct Heatmap {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// Row labels.
    pub row_labels: Vec<String>,
    /// Column labels.
    pub col_labels: Vec<String>,
    /// Values in [0, 1], `None` = not observed.
    pub values: Vec<Vec<Option<f64>>>,
    /// One-sentence reading.
    pub reading: String,
}

/// A table.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows of formatted cells.
    pub rows: Vec<Vec<String>>,
    /// One-sentence reading.
    pub reading: String,
}

/// Any chart or table.
#[derive(Debug, Clone, Serialize)]
pub enum Chart {
    /// Lines.
    Line(LineChart),
    /// Bars.
    Bar(BarChart),
    /// Stacked bars.
    Stacked(StackedBars),
    /// Heat map.
    Heat(Heatmap),
    /// Table.
    Table(Table),
}

impl Chart {
    fn id(&self) -> &str {
        match self {
            Chart::Line(c) => &c.id,
            Chart::Bar(c) => &c.id,
            Chart::Stacked(c) => &c.id,
            Chart::Heat(c) => &c.id,
            Chart::Table(c) => &c.id,
        }
    }

    fn reading(&self) -> &str {
        match self {
            Chart::Line(c) => &c.reading,
            Chart::Bar(c) => &c.reading,
            Chart::Stacked(c) => &c.reading,
            Chart::Heat(c) => &c.reading,
            Chart::Table(c) => &c.reading,
        }
    }

    fn n_points(&self) -> usize {
        match self {
            Chart::Line(c) => c.series.iter().map(|s| s.x.len()).sum(),
            Chart::Bar(c) => c.values.len(),
            Chart::Stacked(c) => c.series.iter().map(|s| s.1.len()).sum(),
            Chart::Heat(c) => c.values.iter().flatten().filter(|v| v.is_some()).count(),
            Chart::Table(c) => c.rows.len(),
        }
    }

    /// The data behind the chart as CSV (after [`Chart::check`]), written by `csv::Writer`.
    pub fn to_csv(&self) -> Result<String> {
        self.check()?;
        let mut w = CsvOut::new(Vec::new(), format!("{}.csv", self.id()));
        match self {
            Chart::Line(c) => {
                w.record(["series", "x", "y", "band_low", "band_high"])?;
                for s in &c.series {
                    for i in 0..s.x.len().min(s.y.len()) {
                        let (lo, hi) = s.band.as_ref().map_or((String::new(), String::new()), |(l, h)| {
                            let at = |v: &[f64]| v.get(i).map_or(String::new(), f64::to_string);
                            (at(l), at(h))
                        });
                        w.record([s.label.clone(), s.x[i].to_string(), s.y[i].to_string(), lo, hi])?;
                    }
                }
            }
            Chart::Bar(c) => {
                w.record(["label", "value"])?;
                for (l, v) in c.labels.iter().zip(&c.values) {
                    w.record([l.clone(), v.to_string()])?;
                }
            }
            Chart::Stacked(c) => {
                w.record(["period", "component", "value"])?;
                for (name, vals) in &c.series {
                    for (l, v) in c.labels.iter().zip(vals) {
                        w.record([l.clone(), name.clone(), v.to_string()])?;
                    }
                }
            }
            Chart::Heat(c) => {
                w.record(["row", "column", "value"])?;
                for (label, row) in c.row_labels.iter().zip(&c.values) {
                    for (col, v) in c.col_labels.iter().zip(row) {
                        if let Some(v) = v {
                            w.record([label.clone(), col.clone(), v.to_string()])?;
                        }
                    }
                }
            }
            Chart::Table(c) => {
                w.record(&c.columns)?;
                for r in &c.rows {
                    w.record(r)?;
                }
            }
        }
        String::from_utf8(w.into_inner()?).map_err(|e| Error::io("write", "chart CSV", std::io::Error::other(e)))
    }

    /// Checks the chart before it is drawn: it has data, every value is finite, and every
    /// parallel list has the length its labels say (a line's `x`, `y` and band; a bar per label;
    /// a stacked value per period; a heat-map row per row label and a cell per column label; a
    /// table cell per column). [`Report::to_html`] and [`Report::write`] call it for every chart,
    /// so user data yields an [`Error::InvalidParameter`] naming the chart, never a panic.
    ///
    /// ```
    /// use attrition::report::{BarChart, Chart};
    /// let bars = BarChart {
    ///     id: "plans".into(), title: "Churn by plan".into(), x_label: "Plan".into(),
    ///     y_label: "Churn rate".into(), labels: vec!["basic".into(), "pro".into()],
    ///     values: vec![0.3], horizontal: false, reference: None, legend: "churn".into(), legend_negative: String::new(),
    ///     reading: "Basic churns most.".into(),
    /// };
    /// let err = Chart::Bar(bars).check().unwrap_err();
    /// assert!(err.to_string().contains("2 labels but 1 value"));
    /// ```
    pub fn check(&self) -> Result<()> {
        let bad = |what: String| Err(Error::param("report chart", self.id().to_string(), what));
        if self.n_points() == 0 {
            return bad("has no data".into());
        }
        let finite = match self {
            Chart::Line(c) => {
                c.series.iter().all(|s| {
                    s.x.iter()
                        .chain(&s.y)
                        .chain(s.band.iter().flat_map(|(lo, hi)| lo.iter().chain(hi)))
                        .all(|v| v.is_finite())
                }) && c.markers.iter().all(|m| m.x.is_finite() && m.y.is_finite())
                    && [c.x_range, c.y_range].iter().flatten().all(|(a, b)| a.is_finite() && b.is_finite() && a < b)
            }
            Chart::Bar(c) => c.values.iter().chain(&c.reference).all(|v| v.is_finite()),
            Chart::Stacked(c) => c.series.iter().all(|s| s.1.iter().all(|v| v.is_finite())),
            Chart::Heat(c) => c.values.iter().flatten().flatten().all(|v| v.is_finite()),
            Chart::Table(_) => true,
        };
        if !finite {
            return bad("contains a non-finite value (or an empty fixed axis range)".into());
        }
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        match self {
            Chart::Line(c) => {
                for s in &c.series {
                    if s.x.len() != s.y.len() {
                        return bad(format!(
                            "series `{}` has {} but {}",
                            s.label,
                            plural(s.x.len(), "x value"),
                            plural(s.y.len(), "y value")
                        ));
                    }
                    if let Some((lo, hi)) = &s.band {
                        if lo.len() != s.y.len() || hi.len() != s.y.len() {
                            return bad(format!(
                                "series `{}` has {} but a band of {} low and {} high",
                                s.label,
                                plural(s.y.len(), "value"),
                                lo.len(),
                                hi.len()
                            ));
                        }
                    }
                    if let Some(colour) = &s.colour {
                        if !svg::is_colour(colour) {
                            return bad(format!(
                                "series `{}` has colour `{colour}`, expected #rgb, #rrggbb or a name",
                                s.label
                            ));
                        }
                    }
                }
            }
            Chart::Bar(c) => {
                if c.labels.len() != c.values.len() {
                    return bad(format!(
                        "has {} but {}",
                        plural(c.labels.len(), "label"),
                        plural(c.values.len(), "value")
                    ));
                }
            }
            Chart::Stacked(c) => {
                for (name, vals) in &c.series {
                    if vals.len() != c.labels.len() {
                        return bad(format!(
                            "has {} but series `{name}` has {}",
                            plural(c.labels.len(), "period label"),
                            plural(vals.len(), "value")
                        ));
                    }
                }
            }
            Chart::Heat(c) => {
                if c.values.len() != c.row_labels.len() {
                    return bad(format!(
                        "has {} but {}",
                        plural(c.row_labels.len(), "row label"),
                        plural(c.values.len(), "row")
                    ));
                }
                for (label, row) in c.row_labels.iter().zip(&c.values) {
                    if row.len() != c.col_labels.len() {
                        return bad(format!(
                            "has {} but row `{label}` has {}",
                            plural(c.col_labels.len(), "column label"),
                            plural(row.len(), "cell")
                        ));
                    }
                }
            }
            Chart::Table(c) => {
                for (i, row) in c.rows.iter().enumerate() {
                    if row.len() != c.columns.len() {
                        return bad(format!(
                            "has {} but row {} has {}",
                            plural(c.columns.len(), "column"),
                            i + 1,
                            plural(row.len(), "cell")
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The chart's id as it appears in markup and file names: [`sanitize_id`] of its `id`.
    pub fn file_id(&self) -> String {
        sanitize_id(self.id())
    }

    fn to_html(&self) -> String {
        let body = match self {
            Chart::Line(c) => svg::line_chart(c),
            Chart::Bar(c) => svg::bar_chart(c),
            Chart::Stacked(c) => svg::stacked_bars(c),
            Chart::Heat(c) => svg::heatmap(c),
            Chart::Table(c) => {
                let head: String = c.columns.iter().map(|h| format!("<th>{}</th>", esc(h))).collect();
                // Each cell names its column (`data-label`): on a narrow screen the rows become
                // stacked cards, one labelled line per cell, instead of scrolling sideways.
                let labels: Vec<String> = c.columns.iter().map(|h| esc(h)).collect();
                let row = |r: &Vec<String>| -> String {
                    let cells: String = r
                        .iter()
                        .enumerate()
                        .map(|(j, v)| match labels.get(j).filter(|l| !l.is_empty()) {
                            Some(label) => format!(r#"<td data-label="{label}">{}</td>"#, esc(v)),
                            // An unnamed column (a row label) heads its card.
                            None => format!("<td>{}</td>", esc(v)),
                        })
                        .collect();
                    format!("<tr>{cells}</tr>")
                };
                let shown = if c.rows.len() > TABLE_ROWS_SHOWN + 5 { TABLE_ROWS_SHOWN } else { c.rows.len() };
                let mut t = format!(
                    r#"<table data-chart="{}" data-points="{}"><thead><tr>{head}</tr></thead><tbody>"#,
                    self.file_id(),
                    c.rows.len()
                );
                c.rows[..shown].iter().for_each(|r| t.push_str(&row(r)));
                t.push_str("</tbody></table>");
                if shown < c.rows.len() {
                    let _ = write!(
                        t,
                        r#"<details><summary>Show all {} rows ({} more)</summary><table><thead><tr>{head}</tr></thead><tbody>"#,
                        c.rows.len(),
                        c.rows.len() - shown
                    );
                    c.rows[shown..].iter().for_each(|r| t.push_str(&row(r)));
                    t.push_str("</tbody></table></details>");
                }
                t
            }
        };
        let title = match self {
            Chart::Line(c) => &c.title,
            Chart::Bar(c) => &c.title,
            Chart::Stacked(c) => &c.title,
            Chart::Heat(c) => &c.title,
            Chart::Table(c) => &c.title,
        };
        format!(
            r#"<figure class="chart{wide}" id="{id}"><h3>{}</h3>{body}<figcaption class="reading">{}</figcaption><p class="data-link"><a href="{id}.csv">data ({id}.csv)</a></p></figure>"#,
            esc(title),
            prose(self.reading()),
            id = self.file_id(),
            wide = if matches!(self, Chart::Table(_)) { " wide" } else { "" }
        )
    }
}

/// Tables longer than this show their first rows and the rest in a collapsed `<details>`.
pub const TABLE_ROWS_SHOWN: usize = 25;

/// Prose (readings, intros) as HTML: escaped, with Markdown's code spans (`` `x` ``) and bold
/// (`**x**`) rendered instead of shown as literal characters.
///
/// ```
/// use attrition::report::prose;
/// assert_eq!(prose("`tenure` < 3 **months**"), "<code>tenure</code> &lt; 3 <strong>months</strong>");
/// assert_eq!(prose("a ` b"), "a ` b");
/// ```
pub fn prose(s: &str) -> String {
    pair(&pair(&esc(s), "**", "strong"), "`", "code")
}

/// Renders complete `mark … mark` pairs as `<tag>…</tag>`; an unpaired mark stays as text.
fn pair(s: &str, mark: &str, tag: &str) -> String {
    let parts: Vec<&str> = s.split(mark).collect();
    let pairs = (parts.len() - 1) / 2;
    let mut out = String::with_capacity(s.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            if i <= 2 * pairs {
                let _ = write!(out, "<{}{tag}>", if i % 2 == 1 { "" } else { "/" });
            } else {
                out.push_str(mark);
            }
        }
        out.push_str(part);
    }
    out
}

/// A chart id made safe for an HTML attribute and a file name: ASCII letters, digits, `-` and
/// `_` are kept, anything else becomes `_`, and an empty id becomes `chart`.
///
/// ```
/// use attrition::report::sanitize_id;
/// assert_eq!(sanitize_id("roc"), "roc");
/// assert_eq!(sanitize_id("../etc/passwd"), "___etc_passwd");
/// assert_eq!(sanitize_id(r#"a" onload="x"#), "a__onload__x");
/// assert_eq!(sanitize_id(""), "chart");
/// ```
pub fn sanitize_id(id: &str) -> String {
    if id.is_empty() {
        return "chart".into();
    }
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// A section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// A short introduction.
    pub intro: String,
    /// Charts and tables.
    pub charts: Vec<Chart>,
    /// Links shown under the introduction: (relative address, text), e.g. a CSV next to the
    /// report.
    #[serde(default)]
    pub links: Vec<(String, String)>,
}

impl Section {
    /// An empty section.
    pub fn new(title: impl Into<String>, intro: impl Into<String>) -> Self {
        Section { title: title.into(), intro: intro.into(), charts: Vec::new(), links: Vec::new() }
    }
    /// Adds a link under the introduction (e.g. `scores.csv`, a file next to the report).
    pub fn link(mut self, href: impl Into<String>, text: impl Into<String>) -> Self {
        self.links.push((href.into(), text.into()));
        self
    }
    /// Adds a chart.
    pub fn chart(mut self, c: Chart) -> Self {
        self.charts.push(c);
        self
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Title.
    pub title: String,
    /// Subtitle (data, date).
    pub subtitle: String,
    /// Headline numbers.
    pub headlines: Vec<Headline>,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Terms a reader may not know, shown under the headline numbers: (term, meaning).
    #[serde(default)]
    pub glossary: Vec<(String, String)>,
    /// The closing line (how the numbers were computed).
    pub footer: String,
}

/// Two charts per row from 1200 px, one below; legends sit inside each SVG below its plot.
/// Below 760 px tables turn into stacked cards (one labelled line per cell), so a wide table
/// such as the 9-column call list never scrolls sideways and its action stays on screen.
const CSS: &str = "*{box-sizing:border-box}body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d1d1f;max-width:1480px;margin:0 auto;padding:20px 24px;background:#fafafa}\
h1{font-size:28px;margin:0 0 4px}h2{font-size:21px;margin:36px 0 6px;border-bottom:2px solid #0072B2;padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}\
.subtitle{color:#555;margin:0 0 18px}.footer{margin-top:28px}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px}\
.card .v{font-size:24px;font-weight:600;color:#0072B2}.card .l{font-size:12px;color:#555;text-transform:uppercase;letter-spacing:.03em}.card .n{font-size:12px;color:#444;margin-top:4px}.card .g{font-size:11px;color:#666;margin-top:6px;border-top:1px solid #eee;padding-top:4px}\
.glossary{margin:14px 0 0;font-size:13px;color:#333;max-width:1100px}.glossary summary{cursor:pointer;font-weight:600}.glossary dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:8px 0 0}.glossary dt{font-weight:600}.glossary dd{margin:0}\
.intro{color:#333;max-width:1000px}.links{font-size:13px}.grid{display:grid;grid-template-columns:minmax(0,1fr);gap:16px}\
@media (min-width:1200px){.grid{grid-template-columns:repeat(2,minmax(0,1fr))}}\
figure.chart{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px;margin:0;min-width:0}figure.wide{grid-column:1/-1;overflow-x:auto}\
figure svg{display:block;width:100%;height:auto}figcaption.reading{font-size:13px;color:#222;margin-top:6px;font-style:italic}.data-link{font-size:11px;margin:4px 0 0}\
code{font-size:12px;background:#f0f0f0;padding:0 3px;border-radius:3px}details summary{cursor:pointer;font-size:13px;margin:6px 0}\
table{border-collapse:collapse;font-size:12px;width:100%}th,td{border-bottom:1px solid #e5e5e5;padding:4px 6px;text-align:left}th{background:#f0f4f8}\
@media (max-width:760px){body{padding:12px}figure table,figure tbody,figure tr,figure td{display:block}\
figure thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}\
figure tr{border:1px solid #ddd;border-radius:6px;margin:0 0 8px;padding:4px 6px}\
figure td{display:grid;grid-template-columns:minmax(80px,35%) minmax(0,1fr);gap:8px;border:0;padding:2px 0;overflow-wrap:anywhere}\
figure td::before{content:attr(data-label);font-weight:600;color:#555}figure td:not([data-label]){display:block;font-weight:600}figure td[data-label]:empty{display:none}}";

impl Report {
    /// An empty report.
    pub fn new(title: impl Into<String>) -> Self {
        Report {
            title: title.into(),
            subtitle: String::new(),
            headlines: Vec::new(),
            sections: Vec::new(),
            glossary: Vec::new(),
            footer: "Generated by attrition. The CSV behind each chart sits next to this file.".into(),
        }
    }

    /// Renders the HTML. Errors on an empty chart, a non-finite value or a duplicate chart id.
    pub fn to_html(&self) -> Result<String> {
        let mut ids = std::collections::HashSet::new();
        for c in self.sections.iter().flat_map(|s| &s.charts) {
            c.check()?;
            if !ids.insert(c.file_id()) {
                return Err(Error::param(
                    "report chart",
                    c.id().to_string(),
                    format!("duplicate chart id (`{}` in file names)", c.file_id()),
                ));
            }
        }
        let mut h = String::with_capacity(1 << 20);
        let _ = write!(
            h,
            r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{}</title><style>{CSS}</style></head><body><h1>{}</h1><p class="subtitle">{}</p><div class="cards">"#,
            esc(&self.title),
            esc(&self.title),
            esc(&self.subtitle)
        );
        for hl in &self.headlines {
            let _ = write!(
                h,
                r#"<div class="card"><div class="l">{}</div><div class="v">{}</div><div class="n">{}</div>{}</div>"#,
                esc(&hl.label),
                esc(&hl.value),
                prose(&hl.note),
                if hl.help.is_empty() { String::new() } else { format!(r#"<div class="g">{}</div>"#, prose(&hl.help)) }
            );
        }
        h.push_str("</div>");
        if !self.glossary.is_empty() {
            h.push_str(r#"<details class="glossary" open><summary>What the numbers mean</summary><dl>"#);
            for (term, meaning) in &self.glossary {
                let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(term), prose(meaning));
            }
            h.push_str("</dl></details>");
        }
        for s in &self.sections {
            let _ = write!(h, r#"<section><h2>{}</h2><p class="intro">{}</p>"#, esc(&s.title), prose(&s.intro));
            if !s.links.is_empty() {
                h.push_str(r#"<p class="links">"#);
                for (k, (href, text)) in s.links.iter().enumerate() {
                    let sep = if k > 0 { " · " } else { "" };
                    let _ = write!(h, r#"{sep}<a href="{}">{}</a>"#, esc(href), esc(text));
                }
                h.push_str("</p>");
            }
            h.push_str(r#"<div class="grid">"#);
            for c in &s.charts {
                h.push_str(&c.to_html());
            }
            h.push_str("</div></section>");
        }
        let _ = write!(h, r#"<p class="subtitle footer">{}</p></body></html>"#, prose(&self.footer));
        h.push('\n');
        Ok(h)
    }

    /// Writes `index.html`, one CSV per chart and `report.json` (the numbers) into `dir` (created
    /// if needed), each file atomically, replacing existing ones. For the whole directory to
    /// appear at once, write into an [`crate::io::output::OutputDir`] (as the CLI does).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let html = self.to_html()?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        let put = |name: &str, bytes: &[u8]| {
            crate::io::output::write_bytes(dir.join(name), bytes, crate::io::output::Overwrite::Replace)
        };
        put("index.html", html.as_bytes())?;
        for c in self.sections.iter().flat_map(|s| &s.charts) {
            put(&format!("{}.csv", c.file_id()), c.to_csv()?.as_bytes())?;
        }
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Json { path: Some(dir.join("report.json")), source: e })?;
        put("report.json", &json)
    }
}

#[cfg(test)]
mod tests;
