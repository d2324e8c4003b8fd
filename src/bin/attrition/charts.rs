//! Report charts built from model evaluations (shared by `demo` and `report`).

use attrition::Result;
use attrition::metrics::{BinStrategy, calibration_curve, gains_table, precision_recall_curve, roc_curve};
use attrition::report::{BarChart, Chart, LineChart, Section, Series};

/// Out-of-fold (or held-out) predictions of one model.
pub struct Scored<'a> {
    pub name: String,
    pub y: &'a [bool],
    pub p: &'a [f64],
    pub auc: f64,
}

/// ROC, PR, gains, calibration and decile lift for the models; `drivers` = (feature, importance).
pub fn model_section(models: &[Scored<'_>], drivers: &[(String, f64)], what: &str) -> Result<Section> {
    let mut roc = LineChart::new(
        "roc",
        "ROC curve",
        "False positive rate (share of stayers flagged)",
        "True positive rate (share of churners found)",
    )
    .y_range(0.0, 1.0);
    let mut pr = LineChart::new(
        "precision_recall",
        "Precision–recall curve",
        "Recall (share of churners found)",
        "Precision (share of flagged who churn)",
    )
    .y_range(0.0, 1.0);
    let mut gains =
        LineChart::new("gains", "Cumulative gains", "Customers contacted, riskiest first (%)", "Churners reached (%)")
            .y_range(0.0, 100.0);
    let mut calib = LineChart::new(
        "calibration",
        "Calibration (reliability)",
        "Predicted churn probability",
        "Observed churn rate",
    );
    let mut best = &models[0];
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
        calib = calib.series(Series::new(m.name.clone(), cal.prob_pred.clone(), cal.prob_true.clone()));
        if m.auc > best.auc {
            best = m;
        }
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
    let maxp = models.iter().flat_map(|m| m.p.iter().copied()).fold(0.0f64, f64::max).min(1.0);
    calib = calib.series(Series::reference("perfect calibration", vec![0.0, maxp], vec![0.0, maxp])).reading(
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
        legend: "lift (dashed: average = 1)".into(),
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
        let top: Vec<&(String, f64)> = drivers.iter().take(12).collect();
        section = section.chart(Chart::Bar(BarChart {
            id: "drivers".into(),
            title: "Top churn drivers".into(),
            x_label: "Mean |contribution| to churn log-odds".into(),
            y_label: "".into(),
            labels: top.iter().map(|d| d.0.clone()).collect(),
            values: top.iter().map(|d| d.1).collect(),
            horizontal: true,
            reference: None,
            legend: "importance (mean |SHAP|)".into(),
            reading: format!(
                "`{}` moves churn risk more than any other feature.",
                top.first().map_or("", |d| d.0.as_str())
            ),
        }));
    }
    Ok(section)
}
