//! The report's "Who will churn?" section: ROC, precision–recall, gains, calibration, decile lift
//! and the churn drivers with their direction, built from out-of-fold (or held-out) predictions.
//!
//! ```
//! use attrition::report::models::{ScoredModel, model_section};
//! let y = [true, false, true, false, false, true, false, false, false, true];
//! let p = [0.9, 0.2, 0.7, 0.4, 0.1, 0.6, 0.3, 0.2, 0.5, 0.8];
//! let m = ScoredModel { name: "logistic".into(), y: &y, p: &p, auc: 0.96 };
//! let section = model_section(&[m], &[], "out of fold").unwrap();
//! assert_eq!(section.charts.len(), 5);
//! ```

use serde::Serialize;

use super::svg::NiceScale;
use super::{BarChart, Chart, LineChart, Section, Series};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::metrics::{BinStrategy, calibration_curve, gains_table, precision_recall_curve, roc_curve};
use crate::models::trained::TrainedModel;

/// Out-of-fold (or held-out) predictions of one model.
#[derive(Debug, Clone)]
pub struct ScoredModel<'a> {
    /// Model name shown in legends.
    pub name: String,
    /// Churned or not, per row.
    pub y: &'a [bool],
    /// P(churn) per row.
    pub p: &'a [f64],
    /// Its ROC-AUC (computed by the caller, so the report repeats the number it printed).
    pub auc: f64,
}

/// Which way a feature moves churn risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    /// Higher values push risk up.
    HigherRaisesRisk,
    /// Higher values push risk down.
    HigherLowersRisk,
    /// A categorical feature (or no consistent direction).
    Depends,
}

/// One churn driver: how much a feature moves risk on average, and which way.
#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    /// Feature name.
    pub feature: String,
    /// Mean |contribution| to the churn log-odds (mean |SHAP| for trees).
    pub importance: f64,
    /// Direction, from the correlation between the feature's value and its contribution.
    pub direction: Direction,
}

/// The model's drivers on `data`, most important first: mean |contribution| and direction (the
/// sign of the correlation between a numeric feature's value and its contribution; `Depends` for
/// categorical features and when the correlation is weaker than 0.1 in magnitude).
pub fn drivers(model: &TrainedModel, data: &Dataset) -> Result<Vec<Driver>> {
    let e = model.explain(data)?;
    let n = data.n_rows().max(1) as f64;
    let mut out: Vec<Driver> = e
        .features
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let contrib = e.contributions.column(j);
            let importance = contrib.iter().map(|c| c.abs()).sum::<f64>() / n;
            let direction = data
                .column(f)
                .and_then(|c| c.as_numeric())
                .and_then(|x| correlation(x, contrib.iter().copied()))
                .map_or(Direction::Depends, |r| {
                    if r >= 0.1 {
                        Direction::HigherRaisesRisk
                    } else if r <= -0.1 {
                        Direction::HigherLowersRisk
                    } else {
                        Direction::Depends
                    }
                });
            Driver { feature: f.clone(), importance, direction }
        })
        .collect();
    out.sort_by(|a, b| b.importance.total_cmp(&a.importance).then(a.feature.cmp(&b.feature)));
    Ok(out)
}

/// Pearson correlation over the pairs where `x` is finite; `None` when either side is constant.
fn correlation(x: &[f64], y: impl Iterator<Item = f64>) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = x.iter().copied().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).collect();
    let n = pairs.len() as f64;
    if n < 2.0 {
        return None;
    }
    let (mx, my) = (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in &pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// ROC, PR, gains, calibration and decile lift for the models, and the top 12 drivers (when
/// given) as bars signed by direction. `what` says how the predictions were made ("out of fold,
/// customer-grouped 5-fold"); it appears in the intro and the ROC reading.
pub fn model_section(models: &[ScoredModel<'_>], drivers: &[Driver], what: &str) -> Result<Section> {
    let Some(first) = models.first() else {
        return Err(crate::error::Error::EmptyData { context: "report: no model to show" });
    };
    let mut roc = LineChart::new(
        "roc",
        "ROC curve",
        "False positive rate (share of stayers flagged)",
        "True positive rate (share of churners found)",
    )
    .y_range(0.0, 1.0)
    .x_range(0.0, 1.0);
    let mut pr = LineChart::new(
        "precision_recall",
        "Precision–recall curve",
        "Recall (share of churners found)",
        "Precision (share of flagged who churn)",
    )
    .y_range(0.0, 1.0)
    .x_range(0.0, 1.0);
    let mut gains =
        LineChart::new("gains", "Cumulative gains", "Customers contacted, riskiest first (%)", "Churners reached (%)")
            .y_range(0.0, 100.0)
            .x_range(0.0, 100.0);
    let mut best = first;
    let mut calibration_series = Vec::new();
    let mut maxp: f64 = 0.0;
    for m in models {
        let r = roc_curve(m.y, m.p, None)?;
        roc = roc.series(Series::new(format!("{} (AUC {:.3})", m.name, m.auc), r.fpr, r.tpr));
        let c = precision_recall_curve(m.y, m.p, None)?;
        pr = pr.series(Series::new(m.name.clone(), c.recall, c.precision));
        let g = gains_table(m.y, m.p, None, 10)?;
        let mut x = vec![0.0];
        let mut y = vec![0.0];
        for (k, row) in g.rows.iter().enumerate() {
            x.push(10.0 * (k + 1) as f64);
            y.push(100.0 * row.cumulative_gain);
        }
        gains = gains.series(Series::new(m.name.clone(), x, y));
        let cal = calibration_curve(m.y, m.p, None, 10, BinStrategy::Quantile)?;
        maxp = cal.prob_pred.iter().chain(&cal.prob_true).copied().fold(maxp, f64::max);
        calibration_series.push(Series::new(m.name.clone(), cal.prob_pred.clone(), cal.prob_true.clone()));
        if m.auc > best.auc {
            best = m;
        }
    }
    // Both calibration axes from 0 to the same nice maximum, so the diagonal is the diagonal.
    let top = NiceScale::new(0.0, maxp.clamp(0.01, 1.0), 5).hi.min(1.0);
    let mut calib = LineChart::new(
        "calibration",
        "Calibration (reliability)",
        "Predicted churn probability (mean per tenth of customers)",
        "Observed churn rate",
    )
    .y_range(0.0, top)
    .x_range(0.0, top);
    for s in calibration_series {
        calib = calib.series(s);
    }
    roc = roc.series(Series::reference("random", vec![0.0, 1.0], vec![0.0, 1.0])).reading(format!(
        "{} ranks a random churner above a random stayer {:.0}% of the time ({what}).",
        best.name,
        100.0 * best.auc
    ));
    let base = best.y.iter().filter(|&&v| v).count() as f64 / best.y.len().max(1) as f64;
    pr = pr
        .series(Series::reference("base rate", vec![0.0, 1.0], vec![base, base]))
        .reading(format!("Flagging fewer customers raises precision well above the {:.1}% base rate.", 100.0 * base));
    let g = gains_table(best.y, best.p, None, 10)?;
    let top2 = g.rows.get(1).map_or(0.0, |r| r.cumulative_gain);
    gains = gains.series(Series::reference("random", vec![0.0, 100.0], vec![0.0, 100.0])).reading(format!(
        "Contacting the riskiest 20% reaches {:.0}% of churners with {}.",
        100.0 * top2,
        best.name
    ));
    calib = calib.series(Series::reference("perfect calibration", vec![0.0, top], vec![0.0, top])).reading(
        "Points on the diagonal mean a predicted 30% really is 30%: the probabilities can be used for profit.",
    );
    let lift = BarChart {
        id: "decile_lift".into(),
        title: format!("Churn lift by risk decile ({})", best.name),
        x_label: "Risk decile (1 = riskiest 10%)".into(),
        y_label: "Lift (churn rate ÷ average)".into(),
        labels: (1..=g.rows.len()).map(|k| k.to_string()).collect(),
        values: g.rows.iter().map(|r| r.lift).collect(),
        horizontal: false,
        reference: Some(1.0),
        legend: "lift (dashed line: average = 1)".into(),
        legend_negative: String::new(),
        reading: format!(
            "The riskiest decile churns {:.1}× as often as the average customer.",
            g.rows.first().map_or(0.0, |r| r.lift)
        ),
    };
    let mut section = Section::new(
        "Who will churn?",
        format!("Models predicting churn in the label window, measured {what}. Higher curves are better."),
    )
    .chart(Chart::Line(roc))
    .chart(Chart::Line(pr))
    .chart(Chart::Line(gains))
    .chart(Chart::Line(calib))
    .chart(Chart::Bar(lift));
    if !drivers.is_empty() {
        let top: Vec<&Driver> = drivers.iter().take(12).collect();
        let sign = |d: &Driver| if d.direction == Direction::HigherLowersRisk { -1.0 } else { 1.0 };
        let up = top.iter().find(|d| d.direction == Direction::HigherRaisesRisk);
        let down = top.iter().find(|d| d.direction == Direction::HigherLowersRisk);
        let mut reading = match (up, down) {
            (Some(u), Some(d)) => {
                format!("Higher {} raises churn risk most; higher {} lowers it most.", u.feature, d.feature)
            }
            (Some(u), None) => format!("Higher {} raises churn risk most.", u.feature),
            (None, Some(d)) => format!("Higher {} lowers churn risk most.", d.feature),
            (None, None) => format!("{} moves churn risk more than any other feature.", top[0].feature),
        };
        if top.iter().any(|d| d.direction == Direction::Depends) {
            reading.push_str(" Bars marked (category) depend on the value, not its size.");
        }
        section = section.chart(Chart::Bar(BarChart {
            id: "drivers".into(),
            title: "Top churn drivers, with direction".into(),
            x_label: "Mean effect on churn log-odds (right: higher value, more churn)".into(),
            y_label: "Feature".into(),
            labels: top
                .iter()
                .map(|d| {
                    if d.direction == Direction::Depends {
                        format!("{} (category)", d.feature)
                    } else {
                        d.feature.clone()
                    }
                })
                .collect(),
            values: top.iter().map(|d| sign(d) * d.importance).collect(),
            horizontal: true,
            reference: None,
            legend: "higher value → more churn (size: mean |SHAP|)".into(),
            legend_negative: "higher value → less churn".into(),
            reading,
        }));
    }
    Ok(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_signs() {
        assert!(correlation(&[1.0, 2.0, 3.0], [0.1, 0.2, 0.4].into_iter()).unwrap() > 0.9);
        assert!(correlation(&[1.0, 2.0, 3.0], [0.4, 0.2, 0.1].into_iter()).unwrap() < -0.9);
        assert!(correlation(&[1.0, 1.0, 1.0], [0.4, 0.2, 0.1].into_iter()).is_none());
        assert!(correlation(&[f64::NAN, 1.0, 2.0], [9.0, 0.2, 0.4].into_iter()).unwrap() > 0.9);
    }
}
