//! From a retention experiment in the raw tables to a profit comparison of targeting rules.
//!
//! [`experiment_data`] joins `campaign.csv` with point-in-time features built the day before the
//! campaign (nothing from the campaign date on leaks in) and labels each drawn customer churned
//! when no subscription of theirs is active `horizon_days` after it (retention at the horizon: a
//! customer who left and came back by then is retained; one whose churn day is the horizon day
//! is churned). [`compare_targeting`] splits the experiment into a training
//! and a held-out half (stratified by arm × outcome, seeded), fits the churn model and the
//! two-model uplift learner on the training half, and measures on the held-out half the campaign
//! profit of three rules, each at its own best campaign size:
//!
//! - (a) top-k by churn probability;
//! - (b) expected-profit targeting (Verbraken et al. 2013: `p·[γ(CLV − d) + d] − d − f`);
//! - (c) uplift targeting by Lemmens & Gupta's profit lift `π = (1 − r1)(m − d) − (1 − r0)·m`
//!   from the two-model learner;
//! - (d) the profit-weighted classifier;
//! - (e) the same profit lift from the X-learner ([`crate::uplift::XLearnerParams`]).
//!
//! Customer value `m` is the margin on 24 months of current MRR; `d` is each customer's offer
//! cost from `campaign.csv` (offer paid only by those who renew). An experiment kept as one flat
//! file (a row per drawn customer: features, treatment flag, outcome and optionally each
//! customer's value) is read by [`FlatExperiment`] and compared the same way. Campaign profit is measured
//! adjusted for pre-offer value by default ([`TargetingParams::adjust_for_value`]): without it,
//! the chance difference in average customer value between the arms swings every rule's profit
//! by more than the differences between the rules.

use std::path::Path;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::dataset::{ColumnData, Dataset};
use crate::error::{Error, Location, Result, RowProblem};
use crate::features::{FeatureCatalogue, MAX_WINDOW_DAYS, snapshot};
use crate::io::flat::{FlatOptions, line_of_row, load_flat};
use crate::io::tables::Tables;
use crate::models::trained::ModelParams;
use crate::models::{ChurnModel, Learner};
use crate::profit::{CampaignParams, ProfitCurve};
use crate::uplift::{
    CampaignProfitParams, OfferTerms, ProfitLiftParams, ProfitWeighting, TLearnerParams, XLearnerParams,
    campaign_profit_curve, profit_lift, qini_coefficient,
};

/// Experiment customers with features as of the campaign date.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// Features the day before the campaign; `churned` = not active `horizon_days` after it.
    pub data: Dataset,
    /// Offered the incentive.
    pub treated: Vec<bool>,
    /// Offer cost per customer.
    pub offer_cost: Vec<f64>,
    /// MRR the day before the campaign (empty for a [`FlatExperiment`], whose `value` is given).
    pub mrr: Vec<f64>,
    /// Each customer's value if they stay, when the data gives it directly ([`FlatExperiment`]);
    /// `None`: margin × value-months × MRR ([`TargetingParams::customer_value`]).
    pub value: Option<Vec<f64>>,
    /// Campaign date (`None` for a [`FlatExperiment`]: its file does not say).
    pub date: Option<NaiveDate>,
    /// Drawn customers without a feature row (not active the day before): counted, left out.
    pub n_without_features: usize,
}

/// Builds the experiment dataset (see the module docs).
///
/// Errors: no campaign rows, draws on different dates, or `horizon_days` outside
/// `1..=`[`MAX_WINDOW_DAYS`].
pub fn experiment_data(tables: &Tables, catalogue: &FeatureCatalogue, horizon_days: i64) -> Result<Experiment> {
    let campaign = tables
        .campaign
        .as_ref()
        .filter(|c| !c.is_empty())
        .ok_or(Error::EmptyData { context: "experiment: no campaign.csv rows" })?;
    let date = campaign[0].date;
    if let Some(o) = campaign.iter().find(|o| o.date != date) {
        return Err(Error::param("campaign date", o.date, format!("all draws must share one date (first is {date})")));
    }
    let horizon = (1..=i64::from(MAX_WINDOW_DAYS))
        .contains(&horizon_days)
        .then(|| date.checked_add_signed(Duration::days(horizon_days)))
        .flatten()
        .ok_or_else(|| {
            Error::param(
                "horizon_days",
                horizon_days,
                format!("must be between 1 and {MAX_WINDOW_DAYS} days after {date}"),
            )
        })?;
    let snap = snapshot(tables, date, catalogue)?;
    let ids = snap.ids.clone().unwrap_or_default();
    let index: std::collections::HashMap<&str, usize> = ids.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let mut active_after = vec![false; tables.customers.len()];
    for s in &tables.subscriptions {
        if s.is_active_on(horizon) {
            active_after[s.customer as usize] = true;
        }
    }
    let mut rows = Vec::new();
    let (mut treated, mut churned, mut cost) = (Vec::new(), Vec::new(), Vec::new());
    let mut missing = 0;
    for o in campaign {
        match index.get(tables.customer_id(o.customer)) {
            Some(&r) => {
                rows.push(r);
                treated.push(o.treated);
                churned.push(!active_after[o.customer as usize]);
                cost.push(o.offer_cost);
            }
            None => missing += 1,
        }
    }
    let data = snap.take(&rows).with_churned(churned)?;
    // Customer value comes from MRR: without the feature every customer would be worth 0.
    let mrr = data.column("mrr").and_then(|c| c.as_numeric()).map(|v| v.to_vec()).ok_or_else(|| {
        Error::FeatureRequired { feature: "mrr".into(), purpose: "the retention experiment (customer value)" }
    })?;
    Ok(Experiment { data, treated, offer_cost: cost, mrr, value: None, date: Some(date), n_without_features: missing })
}

/// How to read a retention experiment kept as one flat CSV: a row per drawn customer with its
/// features, a treatment flag (true/false, 1/0, yes/no, treated/control) and the outcome
/// (churned: true/false, 1/0, yes/no), optionally each customer's value if they stay (default 1
/// for everyone). Every customer pays the same `offer_cost`.
///
/// ```
/// use attrition::experiment::FlatExperiment;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("exp.csv");
/// std::fs::write(&path, "customer_id,x,offered,churned,clv\na,1,yes,no,100\nb,2,no,yes,50\n").unwrap();
/// let exp = FlatExperiment::new("offered", "churned").value("clv").offer_cost(5.0).load(&path).unwrap();
/// assert_eq!(exp.treated, [true, false]);
/// assert_eq!(exp.value, Some(vec![100.0, 50.0]));
/// assert_eq!(exp.offer_cost, [5.0, 5.0]);
/// assert_eq!(exp.data.n_features(), 1); // `x` only: id, flag, outcome and value are not features
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FlatExperiment {
    /// Treatment column.
    pub treatment: String,
    /// Outcome column (churned).
    pub outcome: String,
    /// Id column (default `customer_id`).
    pub id: String,
    /// Column with each customer's value if they stay; `None`: 1 for everyone.
    pub value: Option<String>,
    /// Offer cost δ per customer (default 0).
    pub offer_cost: f64,
}

impl FlatExperiment {
    /// The treatment and outcome columns; id `customer_id`, value 1, offer cost 0.
    pub fn new(treatment: impl Into<String>, outcome: impl Into<String>) -> Self {
        FlatExperiment {
            treatment: treatment.into(),
            outcome: outcome.into(),
            id: "customer_id".into(),
            value: None,
            offer_cost: 0.0,
        }
    }

    /// Id column.
    pub fn id(mut self, col: impl Into<String>) -> Self {
        self.id = col.into();
        self
    }

    /// Column with each customer's value if they stay.
    pub fn value(mut self, col: impl Into<String>) -> Self {
        self.value = Some(col.into());
        self
    }

    /// Offer cost δ per customer.
    pub fn offer_cost(mut self, cost: f64) -> Self {
        self.offer_cost = cost;
        self
    }

    /// Reads the experiment from a CSV file (`-` is standard input). Errors name the file, line
    /// and column of a treatment value that is not a flag, or a missing or non-numeric value.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Experiment> {
        let path = path.as_ref();
        if !(self.offer_cost.is_finite() && self.offer_cost >= 0.0) {
            return Err(Error::param("offer_cost", self.offer_cost, "must be finite and >= 0"));
        }
        let mut opts = FlatOptions::new().target(&self.outcome).id(&self.id).categorical(&self.treatment);
        if let Some(v) = &self.value {
            opts = opts.numeric(v);
        }
        let mut data = load_flat(path, &opts)?.dataset;
        let at = |row: usize, column: &str| -> Result<Location> {
            let line = line_of_row(path, row)?.unwrap_or(row as u64 + 2);
            Ok(Location { file: path.to_path_buf(), line, column: Some(column.to_string()), row_group: None })
        };
        let tcol = take_column(&mut data, &self.treatment)?;
        let mut treated = Vec::with_capacity(tcol.len());
        for i in 0..tcol.len() {
            let v = match &tcol.data {
                ColumnData::Categorical(c) => c.value(i).map(|s| s.to_ascii_lowercase()),
                ColumnData::Numeric(x) => Some(x[i].to_string()),
            };
            treated.push(match v.as_deref() {
                Some("1" | "true" | "yes" | "treated") => true,
                Some("0" | "false" | "no" | "control") => false,
                other => {
                    return Err(Error::BadRow {
                        location: at(i, &self.treatment)?,
                        problem: if other.is_none() { RowProblem::MissingValue } else { RowProblem::BadCategory },
                        value: other.unwrap_or_default().to_string(),
                        expected: "a treatment flag: true/false, 1/0, yes/no or treated/control".into(),
                    });
                }
            });
        }
        let value = match &self.value {
            Some(v) => {
                let col = take_column(&mut data, v)?;
                let x = col.as_numeric().unwrap_or_default().to_vec();
                if let Some(i) = x.iter().position(|v| !v.is_finite()) {
                    return Err(Error::BadRow {
                        location: at(i, v)?,
                        problem: RowProblem::MissingValue,
                        value: String::new(),
                        expected: "each customer's value if they stay, a finite number".into(),
                    });
                }
                x
            }
            None => vec![1.0; data.n_rows()],
        };
        data.churned_or_err()?;
        let n = data.n_rows();
        Ok(Experiment {
            data,
            treated,
            offer_cost: vec![self.offer_cost; n],
            mrr: Vec::new(),
            value: Some(value),
            date: None,
            n_without_features: 0,
        })
    }
}

impl Experiment {
    /// The experiment as one flat table that [`FlatExperiment`] reads back: the features, a
    /// `treated` column (`treated` / `control`), a `value` column (each customer's value if they
    /// stay, [`TargetingParams::customer_value`]) and the outcome `churned`; no as-of column (one
    /// date, the campaign's). Written with [`crate::io::write_flat::write_flat`], it is the file
    /// `attrition uplift --data F --treatment treated --outcome churned --value value` compares.
    ///
    /// Errors if a feature is already named `treated` or `value`.
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::dataset::{Column, Dataset};
    /// use attrition::experiment::{Experiment, TargetingParams};
    /// let data = Dataset::new(vec![Column::numeric("tenure_days", vec![30.0, 400.0])])?
    ///     .with_ids(vec!["c1".into(), "c2".into()])?
    ///     .with_churned(vec![true, false])?;
    /// let exp = Experiment {
    ///     data,
    ///     treated: vec![true, false],
    ///     offer_cost: vec![30.0, 30.0],
    ///     mrr: vec![100.0, 50.0],
    ///     value: None,
    ///     date: None,
    ///     n_without_features: 0,
    /// };
    /// let flat = exp.to_dataset(&TargetingParams::default())?;
    /// assert_eq!(flat.feature_names(), ["tenure_days", "treated", "value"]);
    /// assert_eq!(flat.column("value").unwrap().as_numeric().unwrap(), [100.0 * 0.7 * 24.0, 50.0 * 0.7 * 24.0]);
    /// # Ok(()) }
    /// ```
    pub fn to_dataset(&self, params: &TargetingParams) -> Result<Dataset> {
        let mut data = self.data.clone();
        data.as_of = None;
        let arms: Vec<Option<&str>> =
            self.treated.iter().map(|&t| Some(if t { "treated" } else { "control" })).collect();
        data.push_column(crate::dataset::Column::categorical("treated", &arms))?;
        data.push_column(crate::dataset::Column::numeric("value", params.customer_value(self)))?;
        Ok(data)
    }
}

/// Removes the column `name` from `data`.
fn take_column(data: &mut Dataset, name: &str) -> Result<crate::dataset::Column> {
    match data.columns.iter().position(|c| c.name == name) {
        Some(pos) => Ok(data.columns.remove(pos)),
        None => Err(Error::ColumnNotFound { column: name.to_string(), available: data.feature_names().join(", ") }),
    }
}

/// One line: customers, arms, churn rate and (from tables) the campaign date and the draws left out.
impl std::fmt::Display for Experiment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.treated.len();
        let treated = self.treated.iter().filter(|&&t| t).count();
        let churn = self.data.churn_rate().unwrap_or(f64::NAN);
        match self.date {
            Some(date) => write!(
                f,
                "experiment on {date}: {n} customers ({treated} offered, {} control; {} drawn without a feature \
                 row, left out); churn rate {churn:.3}",
                n - treated,
                self.n_without_features
            ),
            None => write!(
                f,
                "experiment: {n} customers ({treated} offered, {} control); churn rate {churn:.3}",
                n - treated
            ),
        }
    }
}

/// Parameters of [`compare_targeting`].
#[derive(Debug, Clone, Serialize)]
pub struct TargetingParams {
    /// Gross margin on MRR (default 0.7).
    pub margin: f64,
    /// Months of MRR a retained customer is worth (default 24).
    pub value_months: f64,
    /// Contact cost per targeted customer (default 1).
    pub contact_cost: f64,
    /// Acceptance rate γ for expected-profit targeting: the share of would-be churners the
    /// offer keeps. `None` (the default) estimates it from the training rows of the experiment,
    /// `γ̂ = (churn_control − churn_treated) / churn_control` clamped to [0, 1]; `Some(γ)` fixes
    /// it (the EMP literature's default is 0.3, the mean of Beta(6, 14)).
    pub acceptance: Option<f64>,
    /// Share of the experiment held out for evaluation (default 0.5).
    pub holdout: f64,
    /// Measure campaign profit with the pre-offer value adjustment (default `true`; see
    /// [`crate::uplift::campaign_profit_curve`]): the raw per-capita difference is dominated by
    /// chance differences in customer value between the arms.
    pub adjust_for_value: bool,
    /// Seed.
    pub seed: u64,
    /// When the offer is paid (default: on renewal, as a discount). [`OfferTerms::Unconditional`]
    /// needs one offer cost for every customer (a [`FlatExperiment`]'s).
    pub offer_terms: OfferTerms,
}

impl Default for TargetingParams {
    fn default() -> Self {
        TargetingParams {
            margin: 0.7,
            value_months: 24.0,
            contact_cost: 1.0,
            acceptance: None,
            holdout: 0.5,
            adjust_for_value: true,
            seed: 42,
            offer_terms: OfferTerms::PaidOnRenewal,
        }
    }
}

/// The comparison on held-out experiment customers.
#[derive(Debug, Clone, Serialize)]
pub struct TargetingComparison {
    /// Held-out customers.
    pub n_holdout: usize,
    /// (a) top-k by churn probability.
    pub by_churn_probability: ProfitCurve,
    /// (b) expected-profit targeting.
    pub by_expected_profit: ProfitCurve,
    /// (c) uplift targeting by π.
    pub by_uplift: ProfitCurve,
    /// (d) the targeting rule learned directly with the profit-weighted objective
    /// ([`crate::uplift::ProfitWeighting`]): ranked by P(targeting pays).
    pub by_profit_weighted: ProfitCurve,
    /// (e) uplift targeting by π from the X-learner.
    pub by_x_uplift: ProfitCurve,
    /// Qini coefficient of the uplift ranking (outcome = stayed).
    pub qini_uplift: f64,
    /// Qini coefficient of the churn-probability ranking.
    pub qini_churn_probability: f64,
    /// Observed average treatment effect on churn in the held-out half (treated − control).
    pub ate_holdout: f64,
    /// The acceptance rate γ expected-profit targeting used (estimated on the training half
    /// unless [`TargetingParams::acceptance`] fixed it).
    pub acceptance: f64,
}

impl TargetingParams {
    /// Value of keeping each experiment customer: margin on `value_months` of current MRR, or
    /// the value the experiment gives ([`Experiment::value`]).
    pub fn customer_value(&self, exp: &Experiment) -> Vec<f64> {
        match &exp.value {
            Some(v) => v.clone(),
            None => exp.mrr.iter().map(|m| m * self.margin * self.value_months).collect(),
        }
    }

    /// The offer as the profit lift sees it and each customer's value if offered and staying
    /// (`m1`): paid on renewal, `δ = 0` and `m1 = value − offer cost`; unconditional, the one
    /// offer cost as `δ` and `m1 = value`.
    fn offer(&self, exp: &Experiment, value: &[f64]) -> Result<(ProfitLiftParams, Vec<f64>)> {
        match self.offer_terms {
            OfferTerms::PaidOnRenewal => Ok((
                ProfitLiftParams::new(0.0, OfferTerms::PaidOnRenewal),
                value.iter().zip(&exp.offer_cost).map(|(m, d)| m - d).collect(),
            )),
            OfferTerms::Unconditional => {
                let d = exp.offer_cost.first().copied().unwrap_or(0.0);
                if let Some(o) = exp.offer_cost.iter().find(|&&o| o != d) {
                    return Err(Error::param(
                        "offer_terms",
                        "unconditional",
                        format!("an offer paid to everyone needs one offer cost for all customers (found {d} and {o})"),
                    ));
                }
                Ok((ProfitLiftParams::new(d, OfferTerms::Unconditional), value.to_vec()))
            }
        }
    }

    /// How every rule's campaign profit is measured: offer paid on renewal (its cost is in
    /// `m1 = value − offer cost`; the comparisons swap in the one offer cost as `δ` under
    /// [`OfferTerms::Unconditional`]), this contact cost, at least 10 customers per arm, adjusted
    /// for pre-offer value unless [`TargetingParams::adjust_for_value`] is off.
    pub fn campaign_profit_params(&self) -> CampaignProfitParams {
        CampaignProfitParams::new(ProfitLiftParams::new(0.0, OfferTerms::PaidOnRenewal))
            .contact_cost(self.contact_cost)
            .min_group(10)
            .adjust_for_value(self.adjust_for_value)
    }
}

/// The rules' scores for held-out rows, from models fitted on training rows.
struct RuleScores {
    churn_probability: Vec<f64>,
    expected_profit: Vec<f64>,
    uplift: Vec<f64>,
    profit_weighted: Vec<f64>,
    x_uplift: Vec<f64>,
    churn_reduction: Vec<f64>,
    /// The acceptance rate γ rule (b) used.
    acceptance: f64,
}

/// Fits every rule's model on `train_rows` of the experiment and scores `test_rows`.
fn score_rules(
    exp: &Experiment,
    learner: &ModelParams,
    params: &TargetingParams,
    value: &[f64],
    train_rows: &[usize],
    test_rows: &[usize],
) -> Result<RuleScores> {
    let train = exp.data.take(train_rows);
    let test = exp.data.take(test_rows);
    let train_treated: Vec<bool> = train_rows.iter().map(|&i| exp.treated[i]).collect();
    let (offer, m1_all) = params.offer(exp, value)?;
    let m0: Vec<f64> = test_rows.iter().map(|&i| value[i]).collect();
    let m1: Vec<f64> = test_rows.iter().map(|&i| m1_all[i]).collect();
    let cost: Vec<f64> = test_rows.iter().map(|&i| exp.offer_cost[i]).collect();
    // (a) churn model on the control arm of the training rows (what churn looks like untreated).
    let control_rows: Vec<usize> = (0..train.n_rows()).filter(|&i| !train_treated[i]).collect();
    let p = learner.fit(&train.take(&control_rows))?.predict_proba(&test)?;
    // (b) expected profit with CLV = m and the offer cost d.
    let gamma = match params.acceptance {
        Some(g) if !(0.0..=1.0).contains(&g) => {
            return Err(Error::param("acceptance", g, "the acceptance rate γ must lie in [0, 1]"));
        }
        Some(g) => g,
        None => estimated_acceptance(train.churned_or_err()?, &train_treated),
    };
    let expected: Vec<f64> = (0..p.len())
        .map(|i| CampaignParams::new(cost[i], params.contact_cost, gamma).expected_value(p[i], m0[i]))
        .collect();
    // (c) uplift from the two-model learner.
    let two_model = TLearnerParams::new(learner.clone()).fit(&train, &train_treated)?;
    let pred = two_model.predict(&test)?;
    let pi = profit_lift(&pred.r0, &pred.r1, &m0, &m1, &offer)?;
    // (d) profit-weighted classifier.
    let train_value: Vec<f64> = train_rows.iter().map(|&i| value[i]).collect();
    let train_m1: Vec<f64> = train_rows.iter().map(|&i| m1_all[i]).collect();
    let weighted = ProfitWeighting::new(offer).build(&train, &train_treated, &train_value, &train_m1)?;
    let pays = learner.fit(&weighted.data)?.predict_proba(&test)?;
    // (e) X-learner on the same outcome models.
    let x = XLearnerParams::new(learner.clone()).fit_effects(two_model, &train, &train_treated)?.predict(&test)?;
    let x_pi = profit_lift(&x.r0, &x.r1, &m0, &m1, &offer)?;
    Ok(RuleScores {
        churn_probability: p,
        expected_profit: expected,
        uplift: pi,
        profit_weighted: pays,
        x_uplift: x_pi,
        churn_reduction: pred.churn_reduction(),
        acceptance: gamma,
    })
}

/// The share of would-be churners the offer keeps, from an experiment's rows:
/// `(churn_control − churn_treated) / churn_control`, clamped to [0, 1] (0 when an arm is empty
/// or nobody in the control arm churned).
pub fn estimated_acceptance(churned: &[bool], treated: &[bool]) -> f64 {
    let (mut n, mut c) = ([0usize; 2], [0usize; 2]);
    for (&y, &t) in churned.iter().zip(treated) {
        n[usize::from(t)] += 1;
        c[usize::from(t)] += usize::from(y);
    }
    if n[0] == 0 || n[1] == 0 || c[0] == 0 {
        return 0.0;
    }
    let (r0, r1) = (c[0] as f64 / n[0] as f64, c[1] as f64 / n[1] as f64);
    ((r0 - r1) / r0).clamp(0.0, 1.0)
}

/// Best campaign profit of each rule, summarised over repeated cross-fitted evaluations.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSummary {
    /// Best profit in each repeat.
    pub best_profits: Vec<f64>,
    /// Mean of `best_profits`.
    pub mean: f64,
    /// Standard error of the mean (sample s.d. / √repeats; 0 with one repeat).
    pub std_error: f64,
}

impl RuleSummary {
    fn new(best_profits: Vec<f64>) -> RuleSummary {
        let r = best_profits.len() as f64;
        let mean = best_profits.iter().sum::<f64>() / r.max(1.0);
        let var = if r > 1.0 { best_profits.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0) } else { 0.0 };
        RuleSummary { best_profits, mean, std_error: (var / r.max(1.0)).sqrt() }
    }

    /// `self − other` repeat by repeat (the same folds and seeds), summarised: the paired
    /// difference, whose standard error is smaller than either rule's when they move together.
    pub fn minus(&self, other: &RuleSummary) -> RuleSummary {
        RuleSummary::new(self.best_profits.iter().zip(&other.best_profits).map(|(a, b)| a - b).collect())
    }
}

/// Display names of the five rules, in the order of [`TargetingComparison::rules`] and
/// [`CrossFittedComparison::rules`].
pub const RULE_NAMES: [&str; 5] = [
    "(a) top-k by churn probability",
    "(b) expected profit (Verbraken)",
    "(c) uplift profit lift (Lemmens & Gupta)",
    "(d) profit-weighted classifier",
    "(e) uplift profit lift, X-learner",
];

impl TargetingComparison {
    /// The five rules' curves with their [`RULE_NAMES`].
    pub fn rules(&self) -> [(&'static str, &ProfitCurve); 5] {
        let c = [
            &self.by_churn_probability,
            &self.by_expected_profit,
            &self.by_uplift,
            &self.by_profit_weighted,
            &self.by_x_uplift,
        ];
        [0, 1, 2, 3, 4].map(|i| (RULE_NAMES[i], c[i]))
    }
}

/// One line a rule: best campaign profit, the customers targeted for it and their share.
impl std::fmt::Display for TargetingComparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, c) in self.rules() {
            writeln!(f, "  {name:<42} {:>12.1} ({} = {:.1}%)", c.best_profit, c.best_size, 100.0 * c.best_fraction())?;
        }
        Ok(())
    }
}

/// One line a rule: mean best campaign profit ± its standard error over the repeats.
impl std::fmt::Display for CrossFittedComparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, r) in self.rules() {
            writeln!(f, "  {name:<42} {:>12.0} ± {:.0}", r.mean, r.std_error)?;
        }
        Ok(())
    }
}

impl CrossFittedComparison {
    /// The five rules' summaries with their [`RULE_NAMES`].
    pub fn rules(&self) -> [(&'static str, &RuleSummary); 5] {
        let r = [
            &self.by_churn_probability,
            &self.by_expected_profit,
            &self.by_uplift,
            &self.by_profit_weighted,
            &self.by_x_uplift,
        ];
        [0, 1, 2, 3, 4].map(|i| (RULE_NAMES[i], r[i]))
    }
}

/// [`cross_fitted_targeting`]'s result: every experiment customer is scored by models that did
/// not see them, so each curve uses the whole experiment (twice the customers of a 50/50
/// split), and repeating with new fold seeds shows how much of a difference is noise.
#[derive(Debug, Clone, Serialize)]
pub struct CrossFittedComparison {
    /// Customers in the experiment (all of them are scored out of fold).
    pub n: usize,
    /// Folds per repeat.
    pub folds: usize,
    /// (a) top-k by churn probability.
    pub by_churn_probability: RuleSummary,
    /// (b) expected-profit targeting.
    pub by_expected_profit: RuleSummary,
    /// (c) uplift targeting by π.
    pub by_uplift: RuleSummary,
    /// (d) the profit-weighted classifier.
    pub by_profit_weighted: RuleSummary,
    /// (e) uplift targeting by π from the X-learner.
    pub by_x_uplift: RuleSummary,
    /// Qini coefficient of the uplift ranking, mean over repeats.
    pub qini_uplift: f64,
    /// Qini coefficient of the churn-probability ranking, mean over repeats.
    pub qini_churn_probability: f64,
}

/// Cross-fitted comparison of the rules: for each of `repeats` seeds (`params.seed`, `+1`, …)
/// the experiment is split into `folds` stratified folds, every fold is scored by models fitted
/// on the others, and each rule's campaign-profit curve is computed on all customers at once.
pub fn cross_fitted_targeting(
    exp: &Experiment,
    learner: &ModelParams,
    params: &TargetingParams,
    folds: usize,
    repeats: usize,
) -> Result<CrossFittedComparison> {
    if repeats == 0 {
        return Err(Error::param("repeats", repeats, "must be at least 1"));
    }
    let n = exp.data.n_rows();
    let churned = exp.data.churned_or_err()?.to_vec();
    let strata = arm_outcome(&exp.treated, &churned);
    let value = params.customer_value(exp);
    let (offer, m1) = params.offer(exp, &value)?;
    let curve_params = CampaignProfitParams { offer, ..params.campaign_profit_params() };
    let stayed: Vec<bool> = churned.iter().map(|c| !c).collect();
    let mut best = [Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    let (mut qini_u, mut qini_p) = (0.0, 0.0);
    for r in 0..repeats {
        let splits = crate::validation::stratified_k_fold_by(&strata, folds, params.seed.wrapping_add(r as u64))?;
        let mut scores = [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]];
        let mut reduction = vec![0.0; n];
        for split in &splits {
            let s = score_rules(exp, learner, params, &value, &split.train, &split.test)?;
            for (k, &i) in split.test.iter().enumerate() {
                scores[0][i] = s.churn_probability[k];
                scores[1][i] = s.expected_profit[k];
                scores[2][i] = s.uplift[k];
                scores[3][i] = s.profit_weighted[k];
                scores[4][i] = s.x_uplift[k];
                reduction[i] = s.churn_reduction[k];
            }
        }
        for (b, score) in best.iter_mut().zip(&scores) {
            b.push(campaign_profit_curve(score, &churned, &exp.treated, &value, &m1, &curve_params)?.best_profit);
        }
        qini_u += qini_coefficient(&stayed, &reduction, &exp.treated)? / repeats as f64;
        qini_p += qini_coefficient(&stayed, &scores[0], &exp.treated)? / repeats as f64;
    }
    let [a, b, c, d, e] = best;
    Ok(CrossFittedComparison {
        n,
        folds,
        by_churn_probability: RuleSummary::new(a),
        by_expected_profit: RuleSummary::new(b),
        by_uplift: RuleSummary::new(c),
        by_profit_weighted: RuleSummary::new(d),
        by_x_uplift: RuleSummary::new(e),
        qini_uplift: qini_u,
        qini_churn_probability: qini_p,
    })
}

/// Each experiment customer's stratum: (treated, churned), four strata.
fn arm_outcome(treated: &[bool], churned: &[bool]) -> Vec<(bool, bool)> {
    treated.iter().zip(churned).map(|(&t, &c)| (t, c)).collect()
}

/// The training / held-out split of [`compare_targeting`]: `holdout` of the customers of each
/// arm × outcome stratum held out (seeded). Errors without labels or when a stratum has fewer
/// than 2 customers.
pub fn holdout_split(exp: &Experiment, holdout: f64, seed: u64) -> Result<crate::validation::Split> {
    let churned = exp.data.churned_or_err()?;
    crate::validation::stratified_holdout_by(&arm_outcome(&exp.treated, churned), holdout, seed)
}

/// Runs the comparison (see the module docs) with `learner` for every model.
pub fn compare_targeting(
    exp: &Experiment,
    learner: &ModelParams,
    params: &TargetingParams,
) -> Result<TargetingComparison> {
    let churned = exp.data.churned_or_err()?.to_vec();
    let value = params.customer_value(exp);
    let (offer, m1_all) = params.offer(exp, &value)?;
    let split = holdout_split(exp, params.holdout, params.seed)?;
    let (train_rows, test_rows) = (split.train, split.test);
    let test_treated: Vec<bool> = test_rows.iter().map(|&i| exp.treated[i]).collect();
    let test_churned: Vec<bool> = test_rows.iter().map(|&i| churned[i]).collect();
    let m0: Vec<f64> = test_rows.iter().map(|&i| value[i]).collect();
    let m1: Vec<f64> = test_rows.iter().map(|&i| m1_all[i]).collect();
    let s = score_rules(exp, learner, params, &value, &train_rows, &test_rows)?;
    let curve_params = CampaignProfitParams { offer, ..params.campaign_profit_params() };
    let curve = |score: &[f64]| campaign_profit_curve(score, &test_churned, &test_treated, &m0, &m1, &curve_params);
    let stayed: Vec<bool> = test_churned.iter().map(|c| !c).collect();
    let rate = |arm: bool| {
        let g: Vec<usize> = (0..test_rows.len()).filter(|&i| test_treated[i] == arm).collect();
        g.iter().filter(|&&i| test_churned[i]).count() as f64 / g.len().max(1) as f64
    };
    Ok(TargetingComparison {
        n_holdout: test_rows.len(),
        by_churn_probability: curve(&s.churn_probability)?,
        by_expected_profit: curve(&s.expected_profit)?,
        by_uplift: curve(&s.uplift)?,
        by_profit_weighted: curve(&s.profit_weighted)?,
        by_x_uplift: curve(&s.x_uplift)?,
        qini_uplift: qini_coefficient(&stayed, &s.churn_reduction, &test_treated)?,
        qini_churn_probability: qini_coefficient(&stayed, &s.churn_probability, &test_treated)?,
        ate_holdout: rate(true) - rate(false),
        acceptance: s.acceptance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Column;

    #[test]
    fn holdout_is_stratified_by_arm_and_outcome_not_their_xor() {
        // (treated, churned) cells of 100, 100, 60 and 40 customers: treated churners and
        // untreated stayers share a stratum under `treated ^ churned`, so only the four-cell
        // stratification holds out exactly half of each.
        let cells = [((true, true), 100), ((false, false), 100), ((true, false), 60), ((false, true), 40)];
        let (mut treated, mut churned) = (Vec::new(), Vec::new());
        for ((t, c), n) in cells {
            treated.extend(std::iter::repeat_n(t, n));
            churned.extend(std::iter::repeat_n(c, n));
        }
        let n = treated.len();
        let data = Dataset::new(vec![Column::numeric("x", (0..n).map(|i| i as f64).collect())])
            .unwrap()
            .with_churned(churned.clone())
            .unwrap();
        let exp = Experiment {
            data,
            treated: treated.clone(),
            offer_cost: vec![1.0; n],
            mrr: vec![10.0; n],
            value: None,
            date: NaiveDate::from_ymd_opt(2024, 1, 1),
            n_without_features: 0,
        };
        for seed in 0..5 {
            let split = holdout_split(&exp, 0.5, seed).unwrap();
            for ((t, c), size) in cells {
                let held = split.test.iter().filter(|&&i| treated[i] == t && churned[i] == c).count();
                assert_eq!(held, size / 2, "seed {seed}, cell ({t}, {c})");
            }
        }
    }
}
