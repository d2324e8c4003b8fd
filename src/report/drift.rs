//! "Does today's data still look like the training data?": the report section of a
//! [`DriftReport`] (score PSI, the most drifted features as bars and a table).

use super::format::thousands;
use super::{BarChart, Chart, Section, Table};
use crate::features::FeatureSpec;
use crate::scoring::drift::{DriftLevel, DriftReport, MAJOR, MODERATE};
use crate::scoring::reasons::spec_from_name;

/// Features shown in the drift chart and table (most drifted first).
pub const DRIFT_SHOWN: usize = 15;

/// The glossary line for PSI, shared by every report that shows drift.
pub const PSI_GLOSSARY: (&str, &str) = (
    "PSI",
    "population stability index: how far a feature's spread of values today is from the training data's, summed over \
     its bins; below 0.1 no real change, 0.1–0.25 moderate, 0.25 or more major (the model may need retraining).",
);

/// The drift section: `what` says which rows were compared ("today's 2,400 active customers").
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::prelude::*;
/// use attrition::report::drift::drift_section;
/// use attrition::scoring::drift::drift;
/// let x: Vec<f64> = (0..1000).map(|i| (i % 100) as f64).collect();
/// let y: Vec<bool> = (0..1000).map(|i| i % 100 > 70).collect();
/// let train = Dataset::new(vec![Column::numeric("x", x.clone())])?.with_churned(y.clone())?;
/// let model = ModelParams::new(ModelKind::Logistic).fit(&train)?.with_profile(&train)?;
/// let shifted = Dataset::new(vec![Column::numeric("x", x.iter().map(|v| v + 30.0).collect())])?;
/// let report = drift(model.profile.as_ref().unwrap(), &shifted, &model.predict_proba(&shifted)?)?;
/// let section = drift_section(&report, "the shifted rows");
/// assert!(section.intro.contains("1 of 1 features moved"), "{}", section.intro);
/// assert_eq!(section.charts.len(), 2);
/// // Tenure grows with the calendar: its shift is called expected, not a broken feed.
/// let t: Vec<f64> = (0..1000).map(|i| (i % 100) as f64).collect();
/// let train = Dataset::new(vec![Column::numeric("tenure_days", t.clone())])?.with_churned(y)?;
/// let model = ModelParams::new(ModelKind::Logistic).fit(&train)?.with_profile(&train)?;
/// let older = Dataset::new(vec![Column::numeric("tenure_days", t.iter().map(|v| v + 300.0).collect())])?;
/// let report = drift(model.profile.as_ref().unwrap(), &older, &train_scores(&model, &train)?)?;
/// let section = drift_section(&report, "today's customers");
/// assert!(section.intro.contains("have been customers longer"), "{}", section.intro);
/// assert!(!section.intro.contains("check the data feed"), "{}", section.intro);
/// # fn train_scores(m: &TrainedModel, d: &Dataset) -> attrition::Result<Vec<f64>> { m.predict_proba(d) }
/// # Ok(()) }
/// ```
pub fn drift_section(drift: &DriftReport, what: &str) -> Section {
    let drifted = drift.drifted().count();
    let major = drift.drifted().filter(|f| f.level == DriftLevel::Major).count();
    // Tenure grows with the calendar: today's customers are older than those of earlier training
    // snapshots whenever the base is young, so its shift is expected, not a broken feed.
    let ageing: Vec<&str> = drift
        .drifted()
        .filter(|f| f.level == DriftLevel::Major && spec_from_name(&f.name) == Some(FeatureSpec::TenureDays))
        .map(|f| f.name.as_str())
        .collect();
    let ageing_note = format!(
        "{} moved a lot because today's customers have been customers longer than those in the training \
         snapshots (expected as a young customer base ages, not a data-feed problem; retraining on recent as-of \
         dates keeps the model current).",
        ageing.join(", ")
    );
    let verdict = match (drift.score.level, drifted) {
        (DriftLevel::None, 0) => "Nothing moved: the model sees data like the data it learned from.".to_owned(),
        (DriftLevel::Major, _) => {
            "The scores moved a lot: the model's ranking may still hold, but its probabilities are no longer \
             calibrated for these customers; check the features below and consider retraining."
                .to_owned()
        }
        _ if major > 0 && major == ageing.len() => ageing_note,
        _ if major > 0 => {
            let other = major - ageing.len();
            let mut v = format!(
                "{other} feature{} moved a lot: check the data feed (a changed definition or unit, a broken export) \
                 before trusting these scores, and consider retraining if the change is real.",
                if other == 1 { "" } else { "s" }
            );
            if !ageing.is_empty() {
                v = format!("{v} {ageing_note}");
            }
            v
        }
        _ => "Some features moved moderately: worth a look, not yet a reason to retrain.".to_owned(),
    };
    let intro = format!(
        "The population stability index (PSI) compares {what} ({} rows) with the {} training rows, feature by \
         feature and for the score: below {MODERATE} no real change, {MODERATE}–{MAJOR} moderate, {MAJOR} or more \
         major (the usual thresholds, Siddiqi 2006). Score PSI {:.2} ({}); {drifted} of {} features moved, {major} \
         of them a lot. {verdict}",
        thousands(drift.rows as f64, 0),
        thousands(drift.training_rows as f64, 0),
        drift.score.psi,
        drift.score.level,
        drift.features.len(),
    );
    let shown: Vec<_> = drift.features.iter().take(DRIFT_SHOWN).collect();
    let bars = BarChart {
        id: "drift".into(),
        title: "Drift by feature (PSI)".into(),
        x_label: "population stability index".into(),
        y_label: String::new(),
        labels: shown.iter().map(|f| f.name.clone()).collect(),
        values: shown.iter().map(|f| f.psi).collect(),
        horizontal: true,
        reference: Some(MODERATE),
        legend: "PSI".into(),
        legend_negative: String::new(),
        reading: format!(
            "The {} most drifted features; the dashed line is PSI {MODERATE}, where a shift starts to matter.",
            shown.len()
        ),
    };
    let mut rows = vec![row(&drift.score)];
    rows.extend(shown.iter().map(|f| row(f)));
    let table = Table {
        id: "drift_table".into(),
        title: "Where the data moved".into(),
        columns: ["feature", "PSI", "level", "bins that moved most (training → today)"].map(String::from).to_vec(),
        rows,
        reading: "Each feature's values are cut into the training data's bins (deciles; categories; missing); the \
                  bins listed contribute most to its PSI. The first row is the model's score."
            .into(),
    };
    Section::new("Does today's data still look like the training data?", intro)
        .chart(Chart::Bar(bars))
        .chart(Chart::Table(table))
}

fn row(f: &crate::scoring::drift::FeatureDrift) -> Vec<String> {
    let bins: Vec<String> =
        f.top_bins(3).iter().map(|b| format!("{}: {} → {}", b.bin, pct(b.expected), pct(b.actual))).collect();
    vec![f.name.clone(), format!("{:.3}", f.psi), f.level.to_string(), bins.join("; ")]
}

fn pct(share: f64) -> String {
    let p = 100.0 * share;
    if p > 0.0 && p < 1.0 { format!("{p:.1}%") } else { format!("{p:.0}%") }
}

/// "Is anything wrong with the data?": the data-quality findings of the training data (kept in
/// the model file) and of the data given now, as a table; `None` when there are none.
///
/// ```
/// use attrition::io::quality::{DataQuality, QualityWarning};
/// use attrition::report::drift::quality_section;
/// assert!(quality_section(&DataQuality::default(), &DataQuality::default()).is_none());
/// let mut now = DataQuality::default();
/// now.push(QualityWarning::DuplicatesDropped { file: "events.csv".into(), rows: 3 });
/// let section = quality_section(&DataQuality::default(), &now).unwrap();
/// assert!(section.intro.contains("1 finding"));
/// ```
pub fn quality_section(
    training: &crate::io::quality::DataQuality,
    now: &crate::io::quality::DataQuality,
) -> Option<Section> {
    let n = training.warnings.len() + now.warnings.len();
    if n == 0 {
        return None;
    }
    let rows = training
        .warnings
        .iter()
        .map(|w| vec!["training data".to_owned(), w.to_string()])
        .chain(now.warnings.iter().map(|w| vec!["data of this report".to_owned(), w.to_string()]))
        .collect();
    let intro = format!(
        "{n} finding{} about the data, each something the readers noticed and handled (nothing was changed in \
         silence): check that each handling is what you meant.",
        if n == 1 { "" } else { "s" }
    );
    Some(Section::new("Is anything wrong with the data?", intro).chart(Chart::Table(Table {
        id: "data_quality".into(),
        title: "Data-quality findings".into(),
        columns: vec!["data".into(), "finding".into()],
        rows,
        reading: if training.is_empty() {
            "Each finding was also printed as a warning by the command that read the data.".into()
        } else {
            "Training-data findings are kept in the model file by attrition train.".into()
        },
    })))
}
