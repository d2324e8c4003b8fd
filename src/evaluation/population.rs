//! How well does a saved model predict churn on a whole population? Its held-out metrics on the
//! labelled point-in-time observations of tables it was not trained on (later as-of dates, other
//! customers), a partition at a time when the population does not fit in memory.
//!
//! A [`TrainedModel`] with a feature build ([`crate::models::artifact::FeatureBuild`]: resolved
//! catalogue, lead and horizon, `attrition train --feature-build`) says how its observations are
//! built. [`evaluate_tables`] builds them from tables in memory ([`build_observations`] with that
//! build and the as-of dates of [`PopulationParams`]), predicts them and summarises them as an
//! [`Evaluation`] (ROC-AUC, PR-AUC, log-loss, Brier, churn rate, top-decile lift, ECE, EMPC, MPC,
//! gains table) plus the [`CalibrationBins`] table. The per-fold ROC-AUCs are per as-of date here:
//! `fold_roc_auc[k]` is the ROC-AUC of the observations at [`PopulationEvaluation::as_of`]`[k]`,
//! so their spread says how stable the model is over time.
//!
//! [`evaluate_partitioned`] does the same over a partitioned dataset ([`crate::partition`]): each
//! worker reads one partition at a time, builds its observations with the population's decisions
//! ([`PartitionedTables`]), predicts them and keeps only, per observation, the prediction, the
//! outcome, the as-of date's index and its customer's source line (19 bytes; 12M observations
//! hold ~230 MB); the partition's tables and features are dropped. The pairs are then merged in
//! the unpartitioned order (source line, then as-of date) and summarised once. So the result is
//! exact, not an approximation: it equals [`evaluate_tables`] on the unpartitioned tables (the
//! same numbers, bit for bit, in `tests/population_evaluation.rs`; rank metrics break ties in row
//! order, which the merge restores).
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::evaluation::population::{evaluate_tables, PopulationParams};
//! use attrition::features::{build_observations, FeatureParams};
//! use attrition::models::artifact::FeatureBuild;
//! use attrition::models::trained::{ModelKind, ModelParams};
//! use attrition::models::Learner;
//! use attrition::simulate::{simulate, SimulationParams};
//! let world = simulate(&SimulationParams::new(300, 20, 7))?;
//! let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
//! // Trained on 2024's observations …
//! let train = build_observations(&world.tables, &FeatureParams::new(d("2024-03-01"), d("2024-08-01")))?;
//! let build = FeatureBuild::new(train.catalogue.clone(), 7, 90)?;
//! let model = ModelParams::new(ModelKind::Logistic).fit(&train.dataset)?.with_feature_build(build);
//! // … evaluated on the observations of 2025's first half.
//! let params = PopulationParams::new(d("2025-01-01"), d("2025-06-01"));
//! let result = evaluate_tables(&model, &world.tables, &params)?;
//! assert_eq!(result.as_of.len(), 6);
//! assert_eq!(result.evaluation.fold_roc_auc.len(), 6); // one ROC-AUC per as-of date
//! assert_eq!(result.evaluation.rows as u64, result.report.observations);
//! assert!(result.evaluation.roc_auc > 0.5);
//! # Ok(()) }
//! ```

use chrono::NaiveDate;
use serde::Serialize;

use super::{Evaluation, EvaluationParams, summarise};
use crate::error::{Error, Result};
use crate::features::{Cadence, FeatureParams, FeatureReport, FeatureTable, build_observations};
use crate::io::tables::Tables;
use crate::metrics::{BinStrategy, CalibrationBins, calibration_curve};
use crate::models::ChurnModel;
use crate::models::trained::TrainedModel;

/// What to evaluate on: the as-of dates (from `from` to `to` every `every`, as
/// [`FeatureParams`]), the data end and the metrics' options. The lead time, label window and
/// features are the model's (its feature build).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationParams {
    /// First as-of date.
    pub from: NaiveDate,
    /// Last possible as-of date (included when the cadence lands on it).
    pub to: NaiveDate,
    /// Spacing of the as-of dates. Default: one month.
    pub every: Cadence,
    /// Last day present in the data. Default `None`: inferred from the data.
    pub data_end: Option<NaiveDate>,
    /// Options of the metrics. Default [`EvaluationParams::default`].
    pub evaluation: EvaluationParams,
}

impl PopulationParams {
    /// Monthly as-of dates from `from` to `to`, the other options at their defaults.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        PopulationParams {
            from,
            to,
            every: Cadence::Months(1),
            data_end: None,
            evaluation: EvaluationParams::default(),
        }
    }
    /// Sets the cadence of the as-of dates.
    pub fn every(mut self, every: Cadence) -> Self {
        self.every = every;
        self
    }
    /// Sets the data end (default: inferred).
    pub fn data_end(mut self, day: NaiveDate) -> Self {
        self.data_end = Some(day);
        self
    }
    /// Sets the metrics' options.
    pub fn evaluation(mut self, evaluation: EvaluationParams) -> Self {
        self.evaluation = evaluation;
        self
    }

    /// The feature parameters of `model`'s observations at these dates. Errors: a model without
    /// a feature build, an empty or too long grid of dates, no calibration bins.
    pub fn check(&self, model: &TrainedModel) -> Result<FeatureParams> {
        let build = model.feature_build.as_ref().ok_or_else(|| {
            Error::param(
                "model",
                "<no feature build>",
                "the model file records no feature build (train it with --feature-build) to build its observations \
                 from tables",
            )
        })?;
        if self.evaluation.calibration_bins == 0 {
            return Err(Error::param("calibration_bins", 0, "at least one calibration bin is needed"));
        }
        let mut params = FeatureParams::new(self.from, self.to)
            .every(self.every)
            .lead_days(build.label.lead_days)
            .horizon_days(build.label.horizon_days)
            .catalogue(build.catalogue.clone());
        params.data_end = self.data_end;
        params.check()?;
        Ok(params)
    }
}

/// A saved model's metrics on a population's observations (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationEvaluation {
    /// The metrics; `fold_roc_auc[k]` is the ROC-AUC at `as_of[k]`.
    pub evaluation: Evaluation,
    /// The as-of dates, in order.
    pub as_of: Vec<NaiveDate>,
    /// The reliability table over `evaluation.params.calibration_bins` uniform bins.
    pub calibration: CalibrationBins,
    /// How the observations were built (summed over the partitions).
    pub report: FeatureReport,
    /// Partitions read (1 for tables in memory).
    pub partitions: usize,
}

/// Evaluates `model` on the observations of `tables` at `params`' as-of dates, built in memory
/// (see the [module docs](self)). Errors: a model without feature build, observations of a
/// single class, a row the model cannot score.
pub fn evaluate_tables(
    model: &TrainedModel,
    tables: &Tables,
    params: &PopulationParams,
) -> Result<PopulationEvaluation> {
    let fparams = params.check(model)?;
    let as_of = fparams.as_of_dates()?;
    let table = build_observations(tables, &fparams)?;
    let scored = Scored::of(model, &table, &as_of, Vec::new())?;
    finish(scored.y, scored.p, scored.date, as_of, table.report, 1, params)
}

/// The JSON record of a population evaluation, as `attrition evaluate --model-file --json`
/// prints it: the keys of [`super::evaluation_json`] (without the cross-validation's), the as-of
/// dates with their rows, churners and ROC-AUC, the calibration table, the gains table and the
/// partitions read.
pub fn population_json(model: &str, r: &PopulationEvaluation) -> serde_json::Value {
    let e = &r.evaluation;
    let by_date: Vec<serde_json::Value> = r
        .as_of
        .iter()
        .zip(&e.fold_roc_auc)
        .map(|(d, f)| serde_json::json!({"as_of": d, "rows": f.rows, "churned": f.churned, "roc_auc": f.roc_auc}))
        .collect();
    serde_json::json!({
        "model": model,
        "rows": e.rows,
        "churned": e.churned,
        "churn_rate": e.churn_rate,
        "roc_auc": e.roc_auc,
        "pr_auc": e.pr_auc,
        "log_loss": e.log_loss,
        "brier": e.brier,
        "top_decile_lift": e.top_decile_lift,
        "ece": e.ece,
        "empc": e.empc,
        "empc_fraction_targeted": e.empc_fraction_targeted,
        "mpc": e.mpc,
        "mpc_fraction_targeted": e.mpc_fraction_targeted,
        "as_of_roc_auc_mean": e.fold_roc_auc_mean,
        "as_of_roc_auc_std": e.fold_roc_auc_std,
        "as_of": by_date,
        "calibration": r.calibration,
        "gains": e.gains,
        "partitions": r.partitions,
    })
}

/// Predictions of one partition's observations, in its row order.
struct Scored {
    lines: Vec<u64>,
    p: Vec<f64>,
    y: Vec<bool>,
    date: Vec<u16>,
}

impl Scored {
    /// Predicts `table`'s rows; `lines` are their customers' source lines (empty in memory).
    fn of(model: &TrainedModel, table: &FeatureTable, as_of: &[NaiveDate], lines: Vec<u64>) -> Result<Scored> {
        let ds = &table.dataset;
        let n = ds.n_rows();
        if n == 0 {
            return Ok(Scored { lines, p: Vec::new(), y: Vec::new(), date: Vec::new() });
        }
        let missing = |what: &'static str| Error::Numerical { context: "population evaluation", reason: what.into() };
        let y = ds.churned.clone().ok_or_else(|| missing("observations without labels"))?;
        let dates = ds.as_of.as_ref().ok_or_else(|| missing("observations without as-of dates"))?;
        let date = dates
            .iter()
            .map(|d| as_of.binary_search(d).map(|k| k as u16).map_err(|_| missing("an observation off the as-of grid")))
            .collect::<Result<Vec<u16>>>()?;
        let p = model.predict_proba(ds)?;
        Ok(Scored { lines, p, y, date })
    }
}

/// Summarises the pooled predictions.
fn finish(
    y: Vec<bool>,
    p: Vec<f64>,
    date: Vec<u16>,
    as_of: Vec<NaiveDate>,
    report: FeatureReport,
    partitions: usize,
    params: &PopulationParams,
) -> Result<PopulationEvaluation> {
    if y.is_empty() {
        return Err(Error::EmptyData { context: "population evaluation: no observation at these as-of dates" });
    }
    let e = &params.evaluation;
    let evaluation = summarise(&y, &p, |j| usize::from(date[j]), as_of.len(), e)?;
    let calibration = calibration_curve(&y, &p, None, e.calibration_bins, BinStrategy::Uniform)?;
    Ok(PopulationEvaluation { evaluation, as_of, calibration, report, partitions })
}

#[cfg(feature = "parquet")]
pub use partitioned::evaluate_partitioned;

#[cfg(feature = "parquet")]
mod partitioned {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use super::{PopulationEvaluation, PopulationParams, Scored, finish};
    use crate::error::{Error, Result};
    use crate::features::PartitionedTables;
    use crate::features::partitioned::add_report;
    use crate::models::trained::TrainedModel;

    /// [`super::evaluate_tables`] over the partitions of `parts`, a partition per worker at a
    /// time (see the [module docs](super)): the same result as on the unpartitioned tables.
    /// Errors as [`super::evaluate_tables`], and a partition that cannot be read.
    pub fn evaluate_partitioned(
        model: &TrainedModel,
        parts: &PartitionedTables,
        params: &PopulationParams,
    ) -> Result<PopulationEvaluation> {
        let fparams = params.check(model)?;
        let as_of = fparams.as_of_dates()?;
        let context = parts.context(&fparams.catalogue)?;
        let scored = parts.map_observations(&fparams, &context, |_, table, lines| {
            let scored = Scored::of(model, &table, &as_of, lines)?;
            Ok((scored, table.report))
        })?;
        let mut report = None;
        let mut runs = Vec::with_capacity(scored.len());
        for (s, r) in scored {
            match &mut report {
                None => report = Some(r),
                Some(acc) => add_report(acc, &r),
            }
            runs.push(s);
        }
        let report = report.ok_or(Error::EmptyData { context: "partitioned dataset: no partitions" })?;
        let n_parts = runs.len();
        let (y, p, date) = merge(runs)?;
        finish(y, p, date, as_of, report, n_parts, params)
    }

    /// The partitions' predictions in the unpartitioned row order: by source line, then partition,
    /// then row within the partition (as [`PartitionedTables::build_observations`] orders rows).
    fn merge(mut runs: Vec<Scored>) -> Result<(Vec<bool>, Vec<f64>, Vec<u16>)> {
        let n: usize = runs.iter().map(|r| r.p.len()).sum();
        let mut orders = Vec::with_capacity(runs.len());
        for r in &runs {
            if r.lines.len() != r.p.len() {
                return Err(Error::LengthMismatch {
                    context: "partition rows and lines",
                    left: r.p.len(),
                    right: r.lines.len(),
                });
            }
            // Rows of a partition are by customer in source order already; sorted if not (stable:
            // a customer's rows keep their as-of order).
            let order: Option<Vec<u32>> = (!r.lines.is_sorted()).then(|| {
                let mut o: Vec<u32> = (0..r.lines.len() as u32).collect();
                o.sort_by_key(|&i| r.lines[i as usize]);
                o
            });
            orders.push(order);
        }
        let at = |part: usize, k: usize| orders[part].as_ref().map_or(k, |o| o[k] as usize);
        let mut heads: Vec<usize> = vec![0; runs.len()];
        let mut heap: BinaryHeap<Reverse<(u64, usize)>> = runs
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.lines.is_empty())
            .map(|(i, r)| Reverse((r.lines[at(i, 0)], i)))
            .collect();
        let (mut y, mut p, mut date) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        while let Some(Reverse((line, i))) = heap.pop() {
            let run = &runs[i];
            let mut k = heads[i];
            while k < run.lines.len() && run.lines[at(i, k)] == line {
                let r = at(i, k);
                y.push(run.y[r]);
                p.push(run.p[r]);
                date.push(run.date[r]);
                k += 1;
            }
            heads[i] = k;
            if k < run.lines.len() {
                heap.push(Reverse((run.lines[at(i, k)], i)));
            } else {
                // Done with this partition: free its pairs.
                runs[i] = Scored { lines: Vec::new(), p: Vec::new(), y: Vec::new(), date: Vec::new() };
            }
        }
        Ok((y, p, date))
    }
}
