//! `auto`: choose the model family and the boosted trees' configuration by inner cross-validation
//! on the training data only, then refit the winner on all of it.
//!
//! # What is searched
//!
//! Logistic regression and a small, fixed portfolio of boosted-tree configurations
//! ([`candidates`]), in priority order. The portfolio spans the knobs the tuning guides name as
//! the ones that matter, one coherent setting per candidate rather than a grid:
//!
//! - **tree size** (leaves, depth) — "the main parameter to control the complexity of the tree
//!   model" in LightGBM's *Parameters Tuning* guide, which also says to keep `num_leaves` below
//!   `2^max_depth`: our 8-leaf default, the peers' 31 leaves / depth 6, a 4-leaf strongly
//!   regularised model and a 63-leaf model with a slower learning rate;
//! - **minimum data / hessian per leaf** — "a very important parameter to prevent over-fitting in
//!   a leaf-wise tree" (same guide); FLAML's LightGBM space searches `min_child_samples` and
//!   `reg_lambda` log-uniformly, and its low-cost start is a small tree;
//! - **learning rate with early stopping** — every candidate stops early on a seeded hold-out, so
//!   the number of trees is not searched (AutoGluon's LightGBM presets do the same; its
//!   `GBMLarge` preset pairs more leaves with a smaller rate, 0.03, and `feature_fraction` 0.9);
//! - **L2 on leaf values and column sampling** (FLAML: `reg_lambda`, `colsample_bytree`);
//! - **native categorical handling on/off** (LightGBM's `categorical_feature`; its docs: "often
//!   performs better than one-hot encoding"), tried when the data has a categorical column.
//!
//! Every candidate is scored by the log-loss of its inner out-of-fold predictions (the inner
//! folds are stratified, or grouped by id when ids repeat; at least [`SMALL_DATA_FOLDS`] of them
//! on fewer than [`SMALL_DATA_ROWS`] rows); the smallest wins and ties go to the earlier
//! (simpler) candidate. One more row, the **blend**, mixes the inner out-of-fold log-odds of the
//! best logistic and the best boosted candidate with the weight of smallest log-loss (the
//! final weighted ensemble of AutoGluon; Caruana et al. 2004, *Ensemble selection from
//! libraries of models*): it needs no extra fit in the search and wins only when it beats
//! every single candidate; the model is then an `ensemble` with that fixed weight. The table of
//! every candidate's inner log-loss (with its standard error over the inner folds), ROC-AUC and
//! complexity rank is kept in the fitted model ([`AutoSelection`]), with the rule that picked
//! the winner ([`SelectionRule`]: the smallest log-loss, or the one-standard-error rule of ESL
//! §7.10 — the simplest candidate within one standard error of the best).
//!
//! # Calibrating the winner
//!
//! Each scored row also gets the log-loss of its predictions after a Platt map (Platt 1999: a
//! logistic curve on the log-odds) cross-fitted over the inner folds — each fold's predictions
//! mapped by the map fitted on the other folds', as scikit-learn's `CalibratedClassifierCV`
//! fits out of sample. The criterion stays the raw log-loss. When the winner's cross-fitted map
//! lowers its per-row log-loss by more than [`RACE_Z`] standard errors of the paired mean
//! difference, the map fitted on all its inner out-of-fold predictions is kept
//! ([`AutoSelection::calibrator`]) and applied to the refitted winner's probabilities; AUC within
//! a model is unchanged (the map is increasing). Why: early-stopped trees on small imbalanced
//! tables come out too low for likely churners (L2 shrinks the minority class's small leaves
//! most), and profit-aware targeting multiplies these probabilities by money. Measured
//! (benches/README.md, 5 outer folds): the map was kept in 3 of 5 folds on `mlc_churn`
//! (intercepts +0.44 to +0.47; out-of-fold log-loss 0.1501 → 0.1474), 2 of 5 on Orange telecom
//! (0.1655 → 0.1645) and 5 of 5 on e-commerce (0.0642 → 0.0645: there the refitted winner is
//! much sharper than the inner folds' models, inner log-loss 0.14 against 0.064 out of fold, so
//! the inner map over-corrects), and in no fold of the other nine tables of `auto_table.py`,
//! retail bank or Iranian telecom (their bytes unchanged). Choosing by the calibrated log-loss
//! instead was tried and lost (OJ's ROC-AUC 0.8962 → 0.8952); keeping every map that lowered the
//! cross-fitted log-loss at all, without the test, changed seven of the ten tables and raised
//! the log-loss of four.
//!
//! # Racing: candidates clearly worse after one fold, or half the folds, are stopped
//!
//! Under the default rule (the smallest log-loss) a candidate is first scored on the first inner
//! fold, then on about half of them (3 of 5, 2 of 3); when, at either look, its per-row
//! log-losses are worse than those of the best candidate of its own family so far by more than
//! [`RACE_Z`] standard errors of the paired mean difference, it is stopped: to win, or to join
//! the blend (which takes each family's best), it would have to beat that candidate on the
//! remaining folds by more than it lost on these. Every raced candidate's first fold depends on
//! no other candidate, so those fits run as one parallel batch before the decisions, which are
//! taken in priority order. Measured (benches/README.md): the look after one fold left the
//! choice and the out-of-fold predictions of all fourteen tables unchanged and took 11–17% off
//! `auto`'s Telco fit. This is *racing* (Maron & Moore 1994, *Hoeffding races*;
//! Birattari et al. 2002, *F-race*), with a paired test on the rows that both have scored. The
//! table keeps a stopped candidate with its scores on the folds it ran
//! ([`CandidateScore::stopped_after_folds`]); it is never chosen. The first candidate of each
//! family always runs every fold. Racing does not change which candidates are planned (the
//! budget below), only stops fits that cannot matter; under [`SelectionRule::OneStandardError`]
//! (which may pick a worse but simpler candidate) every candidate runs every fold.
//!
//! # Too few churned (or retained) rows
//!
//! Boosted trees hold out a stratified share of each class for early stopping, so they need at
//! least [`MIN_CLASS_ROWS_FOR_TREES`] rows of each in every inner fold's training part. When
//! one has fewer (a small table with a handful of churners), only the logistic candidates are
//! searched; with a single churned or retained row in the training data no inner
//! cross-validation is possible, and logistic regression is fitted as it is. Either way the
//! reason is recorded ([`AutoSelection::trees_skipped`]) and `evaluate` prints it.
//!
//! # The budget, and why it is not a timer
//!
//! [`AutoParams::budget_seconds`] bounds the search, but a budget measured by wall time would
//! make the choice depend on how busy the machine is, and the same seed must give the same model
//! bytes. So the budget is turned into a number of candidates *before* anything is fitted:
//! each candidate's cost is estimated from the training data's shape (rows × input columns ×
//! the expected boosting rounds × a relative cost of its tree size, at a fixed
//! [`SECONDS_PER_CELL_ROUND`]), and candidates are taken in priority order while the estimated
//! cost of their inner folds fits the budget. Logistic regression and the default boosted trees
//! are always tried. The plan depends only on the data's shape and the parameters.
//!
//! On a training part so large that even those two would overrun the budget (at 61 columns,
//! beyond about 50,000 rows at the default 10 s; 800,000 training rows of 1M point-in-time
//! observations would cost about 16× the budget), the search runs on a seeded sample of whole
//! customers of about the rows the budget affords, never fewer than [`MIN_SEARCH_ROWS`]
//! ([`search_rows`], recorded in [`AutoSelection::search_rows`]; AutoGluon and FLAML likewise
//! subsample large data for their search), and the winner is refitted on every training row.
//!
//! # Confirming a sampled search on more rows
//!
//! A search on a sample under-rates what the trees can do on all the rows: a model's best
//! complexity grows with the number of rows, and logistic regression that wins on few rows
//! loses to trees on many (Perlich, Provost & Simonoff 2003, *Tree induction vs. logistic
//! regression: a learning-curve analysis*, JMLR 4). On 1M point-in-time observations × 61
//! columns the search on ~50k rows of each 800k-row training part chose the logistic + trees
//! blend (logistic weight 0.55–0.7) in every fold, and its out-of-fold AUC / log-loss
//! (0.7309 / 0.3128) fell below the default trees alone (0.7331 / 0.3116).
//!
//! So a sampled search is followed by one more rung of successive halving with the sample size
//! as the resource (Jamieson & Talwalkar 2016; FLAML, Wang et al. 2021, grows a learner's sample
//! by its `SAMPLE_MULTIPLY_FACTOR` of 4 and scores large data on a 10% hold-out), [`confirm`]:
//! a seeded sample of whole customers [`CONFIRM_GROWTH`] times as large (all rows when that is
//! more), split into one grouped hold-out of 1 / [`CONFIRM_HOLDOUT_FOLDS`] and the rest; on it
//! the [`finalists`] are fitted and scored — the search's best logistic and best boosted
//! configuration, and, following the learning curves, the boosted configurations with more
//! leaves than that best one, in priority order, as long as the finalists' estimated cost stays
//! within one refit of the default trees on the whole training part (so the confirmation at
//! most about doubles what the search and refit cost; at 800k training rows it fits the 31-leaf
//! trees beside the two). The blend of the best of each family is formed on the hold-out as in
//! the search, and the smallest hold-out log-loss wins. Nothing depends on a clock; the table is
//! recorded in [`AutoSelection::confirmation`], and [`AutoSelection::chosen`] is its choice.
//! Training parts the budget covers are searched in full and never confirmed: their choice and
//! model bytes are those of a search without this step. Measured at 1M × 61 (benches/README.md):
//! the blend still wins, but with a logistic weight of 0.3 instead of 0.55–0.7, and the
//! out-of-fold AUC / log-loss rose to 0.7327 / 0.3118, level with the default trees alone.
//!
//! ```
//! use attrition::models::auto::AutoParams;
//! use attrition::models::{ChurnModel, Learner, trained::{ModelKind, ModelParams}};
//! use attrition::models::boosted::synthetic::make_churn_matrix;
//! use attrition::{Column, Dataset};
//! let s = make_churn_matrix(600, 4, 1);
//! let cols = (0..4).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
//! let data = Dataset::new(cols).unwrap().with_churned(s.y.clone()).unwrap();
//! let mut params = ModelParams::new(ModelKind::Auto);
//! params.auto = AutoParams::new().folds(3);
//! let model = params.fit(&data).unwrap();
//! let sel = model.selection.as_ref().unwrap();
//! assert!(sel.table.len() >= 2);
//! assert!(sel.table.iter().any(|c| c.name == sel.chosen));
//! assert_eq!(model.kind.to_string(), sel.table.iter().find(|c| c.name == sel.chosen).unwrap().family.to_string());
//! assert_eq!(model.predict_proba(&data).unwrap().len(), 600);
//! ```

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::boosted::BoostedParams;
use super::calibration::{CalibrationMethod, Calibrator};
use super::ensemble::choose_logistic_weight;
use super::logistic::LogisticParams;
use super::trained::{ModelKind, ModelParams};
use crate::dataset::{ColumnKind, Dataset};
use crate::error::{Error, Result};
use crate::metrics::{log_loss, roc_auc_score};
use crate::validation::inner_k_fold;
use crate::validation::{OutOfFold, cross_val_predict};

/// Estimated single-thread seconds per (training row × input column × boosting round) of the
/// default 8-leaf trees: measured on Telco and the synthetic matrix (about 3 ns on the
/// development machine), rounded up. Only the *plan* uses it (see the module docs).
pub const SECONDS_PER_CELL_ROUND: f64 = 4e-9;

/// Below this many training rows the inner cross-validation uses at least
/// [`SMALL_DATA_FOLDS`] folds: on small tables a 3-fold estimate of log-loss is noisy enough to
/// pick a worse model by chance (HR attrition, 1,176 training rows: the choice flipped between
/// logistic and two tree configurations from one outer fold to the next), and the extra fits are
/// cheap there. FLAML's `eval_method = "auto"` makes the same call (cross-validation for small
/// data, a hold-out for large), and AutoGluon's best-quality presets use 8-fold bagging.
pub const SMALL_DATA_ROWS: usize = 10_000;

/// Inner folds on small tables (see [`SMALL_DATA_ROWS`]).
pub const SMALL_DATA_FOLDS: usize = 5;

/// A raced candidate is stopped when its mean per-row log-loss on the first inner fold, or on
/// about half of them, exceeds the best of its family's by more than this many standard errors
/// of the paired difference (see the module docs): a one-sided test at the 5% level, F-race's
/// default (Birattari et al. 2002). Across `benches/peers/auto_table.py --models auto` (10
/// tables, 5 outer folds, one look after half the folds) 3, 2 and 1.645 standard errors gave
/// identical out-of-fold predictions and choices in every fold; 1.645 stopped 131 candidate fits
/// where 3 stopped 71, and took 14% less CPU (benches/README.md).
pub const RACE_Z: f64 = 1.645;

/// Boosting rounds assumed per fit when planning (early stopping usually ends near this).
const PLANNED_ROUNDS: f64 = 400.0;

/// How `auto` searches. Setters never fail; [`AutoParams::check`] validates.
///
/// ```
/// use attrition::models::auto::AutoParams;
/// let p = AutoParams::new();
/// assert_eq!((p.folds, p.budget_seconds), (3, 10.0));
/// assert!(AutoParams::new().folds(1).check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AutoParams {
    /// Folds of the inner cross-validation. Default 3.
    pub folds: usize,
    /// Estimated single-thread compute, in seconds, the search may spend on one training set
    /// (turned into a number of candidates up front; see the module docs). Default 10: on Telco
    /// every candidate fits in it, and a 5-fold `evaluate --model auto` takes well under 30 s
    /// on 2 cores.
    pub budget_seconds: f64,
    /// How the winner is picked from the scored candidates (default
    /// [`SelectionRule::DEFAULT`]). Files written before the field existed used
    /// [`SelectionRule::MinLogLoss`].
    #[serde(default = "SelectionRule::recorded_default")]
    pub rule: SelectionRule,
    /// Whether the winner may keep a Platt map of its inner out-of-fold predictions (see the
    /// module docs; default true). Off when another calibration is fitted on top: `train
    /// --calibrate` (`TrainParams`) turns it off so that its map is fitted on the raw
    /// out-of-fold predictions, not on a mix of folds whose `auto` did and did not calibrate.
    /// Records written before it existed: false (they never calibrated).
    #[serde(default)]
    pub calibrate: bool,
}

impl Default for AutoParams {
    fn default() -> Self {
        AutoParams { folds: 3, budget_seconds: 10.0, rule: SelectionRule::DEFAULT, calibrate: true }
    }
}

/// How `auto` picks the winner among the candidates it scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectionRule {
    /// The smallest inner cross-validated log-loss (ties: the earlier candidate).
    MinLogLoss,
    /// The one-standard-error rule (Hastie, Tibshirani & Friedman, *The Elements of Statistical
    /// Learning*, 2nd ed., §7.10; Breiman, Friedman, Olshen & Stone, *Classification and
    /// Regression Trees*, 1984, §3.4.3): the simplest candidate ([`Candidate::complexity`])
    /// whose inner log-loss is within one standard error of the smallest, the standard error
    /// being that of the best candidate's inner-fold log-losses (their standard deviation over
    /// √folds), as in ESL and glmnet's `lambda.1se`.
    OneStandardError,
}

impl SelectionRule {
    /// The rule [`AutoParams::new`] uses: the smallest log-loss. The one-standard-error rule
    /// was measured against it (`benches/peers/auto_table.py`, 5 outer folds, seed 42, same
    /// folds for both, on a busy machine) and lost on every dataset where it changed the choice:
    /// out-of-fold log-loss mlc_churn 0.1592 vs 0.1528 (it took the 8-leaf trees where the
    /// minimum took the 63-leaf ones; AUC 0.9209 vs 0.9211), OJ 0.4013 vs 0.3975 (a more
    /// penalised logistic regression instead of the blend), HR attrition 0.3229 vs 0.3199. It
    /// gives away log-loss differences between candidates that are real but smaller than the
    /// fold-to-fold spread.
    pub const DEFAULT: SelectionRule = SelectionRule::MinLogLoss;

    /// What a record without the field used (the rule before it was recorded).
    fn recorded_default() -> Self {
        SelectionRule::MinLogLoss
    }
}

impl std::fmt::Display for SelectionRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SelectionRule::MinLogLoss => "min-log-loss",
            SelectionRule::OneStandardError => "one-standard-error",
        })
    }
}

impl AutoParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`AutoParams::folds`].
    pub fn folds(mut self, folds: usize) -> Self {
        self.folds = folds;
        self
    }

    /// Sets [`AutoParams::budget_seconds`].
    pub fn budget_seconds(mut self, seconds: f64) -> Self {
        self.budget_seconds = seconds;
        self
    }

    /// Sets [`AutoParams::rule`].
    pub fn rule(mut self, rule: SelectionRule) -> Self {
        self.rule = rule;
        self
    }

    /// Sets [`AutoParams::calibrate`].
    pub fn calibrate(mut self, calibrate: bool) -> Self {
        self.calibrate = calibrate;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.folds < 2 {
            return Err(Error::param("auto folds", self.folds, "at least 2 inner folds are needed"));
        }
        if !(self.budget_seconds.is_finite() && self.budget_seconds >= 0.0) {
            return Err(Error::param("budget_seconds", self.budget_seconds, "must be finite and ≥ 0"));
        }
        Ok(())
    }
}

/// One configuration `auto` may choose.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Short name, as in the selection table.
    pub name: &'static str,
    /// Family.
    pub family: ModelKind,
    /// Boosting parameters (for `gbdt` candidates).
    pub boosted: Option<BoostedParams>,
    /// Logistic parameters (for `logistic` candidates; `None`: the base parameters').
    pub logistic: Option<LogisticParams>,
    /// Estimated cost relative to the default boosted trees (logistic: about 0).
    pub relative_cost: f64,
    /// Rank of the candidate's complexity, 0 = simplest (more penalised logistic regressions,
    /// then logistic regression, then trees by size and freedom; the blend of two members above
    /// all): the order [`SelectionRule::OneStandardError`] prefers.
    pub complexity: u32,
    /// Categorical columns split natively ([`ModelParams::native_categorical`]); such candidates
    /// are tried only on data with a categorical column.
    pub native_categorical: bool,
}

/// One row of the selection table: a candidate's inner cross-validated scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// Candidate name.
    pub name: String,
    /// Its family.
    pub family: ModelKind,
    /// Its settings, readable (for boosted trees: leaves, depth, learning rate, …).
    pub settings: String,
    /// Log-loss of its inner out-of-fold predictions (the criterion).
    pub log_loss: f64,
    /// Standard error of that log-loss: the standard deviation of its inner folds' log-losses
    /// over √folds (0 in files written before it was recorded).
    #[serde(default)]
    pub log_loss_se: f64,
    /// Its complexity rank ([`Candidate::complexity`]; 0 in files written before it was
    /// recorded).
    #[serde(default)]
    pub complexity: u32,
    /// ROC-AUC of the same predictions (for information).
    pub roc_auc: f64,
    /// Log-loss of the same predictions after a Platt map cross-fitted over the folds (each
    /// fold's predictions mapped by the map fitted on the other folds'); absent for a stopped
    /// candidate, when a map could not be fitted, and in files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibrated_log_loss: Option<f64>,
    /// Inner folds the candidate was scored on before racing stopped it (its scores above are
    /// on those folds only; a stopped candidate is never chosen); absent when it ran every fold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_after_folds: Option<usize>,
}

/// What `auto` chose and why, saved in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoSelection {
    /// Name of the chosen candidate.
    pub chosen: String,
    /// Inner folds.
    pub folds: usize,
    /// The budget the plan was made from.
    pub budget_seconds: f64,
    /// Candidates in the portfolio, the blend included; the table lists those tried (the
    /// blend last, when both families were tried).
    pub portfolio: usize,
    /// Every tried candidate's inner scores, in priority order.
    pub table: Vec<CandidateScore>,
    /// The rule that picked [`AutoSelection::chosen`] from the table (files written before it
    /// was recorded: [`SelectionRule::MinLogLoss`]).
    #[serde(default = "SelectionRule::recorded_default")]
    pub rule: SelectionRule,
    /// Rows the search ran on when the training part was too large for the budget and was
    /// sampled ([`search_rows`]); absent when every training row was searched on (and in files
    /// written before it was recorded). The winner is refitted on every training row either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_rows: Option<usize>,
    /// The confirmation of a sampled search on a larger sample ([`confirm`]; absent when every
    /// training row was searched on, and in files written before it existed). When present,
    /// [`AutoSelection::chosen`] is its choice, from its table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Confirmation>,
    /// Whether the boosted (or blended) winner, stopped early on its hold-out, was fitted again
    /// on every training row ([`refit_all_rows`]); false in files written before it existed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refit_all_rows: bool,
    /// The Platt map fitted on the winner's inner out-of-fold predictions (its confirmation
    /// hold-out's, after a sampled search) and applied to the refitted winner's probabilities
    /// ([`crate::models::trained::TrainedModel::calibrator`] is the same map); absent when the
    /// map, cross-fitted over the inner folds, did not clearly lower the winner's log-loss (see
    /// the module docs), and in files written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibrator: Option<Calibrator>,
    /// Why the boosted candidates were not tried, when an inner fold's training part had too
    /// few churned or retained rows for their early-stopping hold-out
    /// ([`MIN_CLASS_ROWS_FOR_TREES`]); absent when they were planned as usual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trees_skipped: Option<String>,
}

impl AutoSelection {
    /// The chosen candidate's row: in the confirmation's table when there is one, otherwise in
    /// the search's.
    pub fn chosen_score(&self) -> Option<&CandidateScore> {
        let table = self.confirmation.as_ref().map_or(&self.table, |c| &c.table);
        table.iter().find(|c| c.name == self.chosen)
    }
}

/// The second rung of a sampled search (see [`confirm`]): the finalists fitted on a larger seeded
/// customer sample and scored on one grouped hold-out of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    /// Rows the finalists were fitted on.
    pub train_rows: usize,
    /// Rows of the hold-out they were scored on (whole customers, none of them in the fit).
    pub holdout_rows: usize,
    /// What the sampled search alone chose.
    pub searched_choice: String,
    /// Every finalist's hold-out log-loss (its standard error over the hold-out rows) and ROC-AUC,
    /// in the order tried, the blend of the best of each family last.
    pub table: Vec<CandidateScore>,
}

impl std::fmt::Display for Confirmation {
    /// A heading (rows fitted on and held out, the search's own choice), then the table, one
    /// finalist a line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "    confirmed on a larger seeded customer sample: fitted on {} rows, scored on a hold-out of {} \
             (the sampled search chose {})",
            self.train_rows, self.holdout_rows, self.searched_choice
        )?;
        for c in &self.table {
            write!(f, "\n      {c}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for CandidateScore {
    /// One line: name, log-loss ± its standard error, ROC-AUC and the settings.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<14} log-loss {:.4} ± {:.4}  ROC-AUC {:.4}  ({})",
            self.name, self.log_loss, self.log_loss_se, self.roc_auc, self.settings
        )
    }
}

/// The portfolio, in priority order, built on `base` (its seed, threads and logistic settings).
pub fn candidates(base: &ModelParams) -> Vec<Candidate> {
    let b = base.boosted.clone();
    let gbdt = |name, complexity, relative_cost, p: BoostedParams| Candidate {
        name,
        family: ModelKind::Gbdt,
        boosted: Some(p),
        logistic: None,
        relative_cost,
        complexity,
        native_categorical: false,
    };
    let l = base.logistic;
    let logistic = |name, complexity, c: f64| Candidate {
        name,
        family: ModelKind::Logistic,
        boosted: None,
        logistic: Some(l.c(c)),
        relative_cost: 0.05,
        complexity,
        native_categorical: false,
    };
    vec![
        logistic("logistic", 2, l.c),
        gbdt("gbdt", 4, 1.0, b.clone()),
        // Stronger L2 for many weak or collinear columns (scikit-learn's LogisticRegressionCV
        // searches C on a log grid; two steps of 10 below the default cover the small, wide
        // tables where C = 1 overfits). Cheap: a logistic fit costs ~5% of a boosted one.
        logistic("logistic-c/10", 1, l.c / 10.0),
        logistic("logistic-c/100", 0, l.c / 100.0),
        // The default trees with native categorical splits (LightGBM's method) instead of one-hot.
        Candidate { native_categorical: true, ..gbdt("gbdt-native-cat", 5, 1.0, b.clone()) },
        // The peers' tree size (LightGBM 31 leaves, XGBoost depth 6) with our regularisation.
        gbdt("gbdt-31x6", 7, 2.5, b.clone().max_leaves(Some(31)).max_depth(Some(6)).min_child_weight(1e-3)),
        // Small, strongly regularised trees for small or noisy tables.
        gbdt("gbdt-4-l2", 3, 0.7, b.clone().max_leaves(Some(4)).min_samples_leaf(50).lambda_l2(10.0).colsample(0.5)),
        // More leaves at a slower rate (AutoGluon's GBMLarge direction), fewer rows per leaf.
        gbdt(
            "gbdt-63-slow",
            8,
            6.0,
            b.clone().max_leaves(Some(63)).min_samples_leaf(10).learning_rate(0.03).n_trees(2000).colsample(0.9),
        ),
        // Mid-size trees, heavier leaves and L2, half the columns per tree.
        gbdt(
            "gbdt-16-cols",
            6,
            1.5,
            b.max_leaves(Some(16)).min_child_weight(5.0).lambda_l2(5.0).colsample(0.5).min_samples_leaf(20),
        ),
    ]
}

/// Estimated single-thread seconds of the inner cross-validation of all of `portfolio` on
/// `rows` training rows of `cols` columns (the estimate [`plan`] spends the budget with).
fn planned_cost(portfolio: &[Candidate], rows: usize, cols: usize, params: &AutoParams) -> f64 {
    let per_fit = SECONDS_PER_CELL_ROUND * rows as f64 * cols.max(1) as f64 * PLANNED_ROUNDS;
    let inner_rows_share = (params.folds.saturating_sub(1)) as f64 / params.folds.max(1) as f64;
    portfolio.iter().map(|c| c.relative_cost * per_fit * inner_rows_share * params.folds as f64).sum()
}

/// How many candidates of `portfolio` the budget allows on `rows` training rows of `cols`
/// model-matrix columns with `folds` inner folds: always at least the first two.
pub fn plan(portfolio: &[Candidate], rows: usize, cols: usize, params: &AutoParams) -> usize {
    let per_fit = SECONDS_PER_CELL_ROUND * rows as f64 * cols.max(1) as f64 * PLANNED_ROUNDS;
    let inner_rows_share = (params.folds.saturating_sub(1)) as f64 / params.folds.max(1) as f64;
    let mut spent = 0.0;
    let mut n = 0;
    for c in portfolio {
        let cost = c.relative_cost * per_fit * inner_rows_share * params.folds as f64;
        if n >= 2 && spent + cost > params.budget_seconds {
            break;
        }
        spent += cost;
        n += 1;
    }
    n.min(portfolio.len())
}

fn settings(c: &Candidate, base: &ModelParams) -> String {
    match &c.boosted {
        None => {
            let l = c.logistic.unwrap_or(base.logistic);
            format!("C = {}, {:?}", l.c, l.penalty).to_lowercase()
        }
        Some(p) => format!(
            "leaves {}, depth {}, lr {}, min leaf {}, min hess {}, L2 {}, cols {}",
            p.max_leaves.map_or("-".to_string(), |v| v.to_string()),
            p.max_depth.map_or("-".to_string(), |v| v.to_string()),
            p.learning_rate,
            p.min_samples_leaf,
            p.min_child_weight,
            p.lambda_l2,
            p.colsample
        ),
    }
}

/// Fewest rows the search runs on when the training part is sampled to fit the budget (see
/// [`search_rows`]): at 61 input columns the two candidates always tried cost about the
/// default 10-second budget here, and fewer rows would make the inner log-losses of the
/// boosted candidates too noisy to rank.
pub const MIN_SEARCH_ROWS: usize = 50_000;

/// The rows (of `data`, a subset of `rows` in their order) `auto` searches on. When the two
/// candidates that are always tried (logistic regression and the default boosted trees) would
/// cost more than [`AutoParams::budget_seconds`] on all of `rows` (the planning estimate of
/// [`plan`], made from the shape only), the search runs on a seeded sample of about the rows
/// they can afford, never fewer than [`MIN_SEARCH_ROWS`]: whole customers when ids repeat
/// (point-in-time observations; customers in a random order drawn from the seed, taken until
/// the rows are reached), otherwise rows drawn at random. Otherwise all of `rows`. The sample
/// depends only on the data, the rows, the budget and the seed, so the choice stays
/// deterministic; the winner is refitted on all of `rows`.
///
/// ```
/// use attrition::models::auto::{AutoParams, search_rows};
/// use attrition::models::trained::{ModelKind, ModelParams};
/// use attrition::{Column, Dataset};
/// let n = 200_000;
/// let x: Vec<f64> = (0..n).map(|i| (i % 97) as f64).collect();
/// let y: Vec<bool> = (0..n).map(|i| i % 7 == 0).collect();
/// let data = Dataset::new(vec![Column::numeric("x", x)]).unwrap().with_churned(y).unwrap();
/// let rows: Vec<usize> = (0..n).collect();
/// let mut p = ModelParams::new(ModelKind::Auto);
/// assert_eq!(search_rows(&p, &data, &rows).len(), n); // one column: affordable
/// p.auto = AutoParams::new().budget_seconds(0.1);
/// let s = search_rows(&p, &data, &rows);
/// assert_eq!(s.len(), 50_000); // sampled down to the floor
/// assert_eq!(s, search_rows(&p, &data, &rows)); // the same sample every time
/// ```
pub fn search_rows(base: &ModelParams, data: &Dataset, rows: &[usize]) -> Vec<usize> {
    let n = rows.len();
    let folds = effective_folds(&base.auto, n);
    let plan_params = AutoParams { folds, ..base.auto };
    let mut portfolio = candidates(base);
    portfolio.truncate(2);
    let cost = |m: usize| planned_cost(&portfolio, m, data.columns.len(), &plan_params);
    let full = cost(n);
    if full <= base.auto.budget_seconds || n <= MIN_SEARCH_ROWS {
        return rows.to_vec();
    }
    let want = ((n as f64 * base.auto.budget_seconds / full) as usize).max(MIN_SEARCH_ROWS);
    if want >= n {
        return rows.to_vec();
    }
    sample_customers(data, rows, want, base.boosted.seed ^ 0x5EA2C4)
}

/// About `want` of `rows` (a seeded sample, in their order): whole customers when ids repeat
/// (customers in a random order drawn from `seed`, taken until `want` rows are reached),
/// otherwise `want` rows drawn at random.
fn sample_customers(data: &Dataset, rows: &[usize], want: usize, seed: u64) -> Vec<usize> {
    let n = rows.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let repeated = data.ids.as_ref().filter(|_| crate::validation::ids_repeat(data));
    let Some(ids) = repeated else {
        let mut keep: Vec<usize> = sample(&mut rng, n, want).into_vec();
        keep.sort_unstable();
        return keep.into_iter().map(|k| rows[k]).collect();
    };
    // Customers in order of first appearance, with their row counts.
    let mut group_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut group: Vec<usize> = Vec::with_capacity(n);
    for &r in rows {
        let next = counts.len();
        let g = *group_of.entry(ids[r].as_str()).or_insert(next);
        if g == next {
            counts.push(0);
        }
        counts[g] += 1;
        group.push(g);
    }
    drop(group_of);
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.shuffle(&mut rng);
    let mut chosen = vec![false; counts.len()];
    let mut taken = 0;
    for g in order {
        if taken >= want {
            break;
        }
        chosen[g] = true;
        taken += counts[g];
    }
    rows.iter().zip(&group).filter(|(_, g)| chosen[**g]).map(|(&r, _)| r).collect()
}

/// Chooses among the candidates by inner cross-validation on the rows `rows` of `data` (the
/// training part; nothing else is looked at), on all of them or, when they are too many for
/// the budget, on the sample of [`search_rows`] (recorded in
/// [`AutoSelection::search_rows`]). Returns the parameters of the winner and the selection
/// record, like [`select`] on `data.take(rows)`, which it equals when nothing is sampled.
pub fn select_rows(base: &ModelParams, data: &Dataset, rows: &[usize]) -> Result<(ModelParams, AutoSelection)> {
    base.auto.check()?;
    let searched = search_rows(base, data, rows);
    let (params, mut selection) = select(base, &data.take(&searched))?;
    if searched.len() < rows.len() {
        selection.search_rows = Some(searched.len());
        return confirm(base, data, rows, selection);
    }
    Ok((params, selection))
}

/// Whether a boosted (or blended) winner is refitted on every one of `rows` training rows after
/// early stopping ([`crate::models::boosted::EarlyStopping::refit`]): below
/// [`SMALL_DATA_ROWS`]. Early stopping holds out 15% of the rows, which a small table cannot
/// spare; the second fit learns from them too, with as many trees per row as the stopped fit
/// chose. Measured on the ten tables of `benches/peers/auto_table.py` (5 outer folds, seed 42;
/// benches/README.md): `auto`'s out-of-fold log-loss fell on eight (Telco +0.0007,
/// lending_club +0.0001) and its ROC-AUC rose by 0.0005 on average (caravan +0.0035, OJ
/// +0.0020, hmda +0.0008; lending_club −0.0009, mlc_churn −0.0007, Telco −0.0006). Scaling the
/// trees by the rows (×1.18 here) did better than refitting the same number of trees (mean AUC
/// +0.0002, mlc_churn −0.0015). On more rows the hold-out costs little and the second fit much,
/// so there is none.
pub fn refit_all_rows(rows: usize) -> bool {
    rows < SMALL_DATA_ROWS
}

/// Growth of the sample from the sampled search to its confirmation: FLAML's
/// `SAMPLE_MULTIPLY_FACTOR` (its sample size as a resource grows by 4 at each step).
pub const CONFIRM_GROWTH: usize = 4;

/// The confirmation's hold-out is one of this many grouped (or stratified) folds of its sample:
/// 10%, FLAML's `SPLIT_RATIO` for the hold-out it uses on large data.
pub const CONFIRM_HOLDOUT_FOLDS: usize = 10;

/// Which candidates of `portfolio` the confirmation fits (indices, in the order tried), given
/// the sampled search's `table`, `train_rows` to fit them on and `total_rows` in the training
/// part: the best logistic and the best boosted row of the table, then every boosted candidate
/// with more leaves than that best one (a budget of 0 leaves is unbounded), in priority order,
/// while the estimated cost of all of them on `train_rows` ([`Candidate::relative_cost`] ×
/// rows) stays within that of refitting the default boosted trees on `total_rows` (candidates
/// that do not fit are skipped). The search's best rows are always kept; the blend of the
/// search is not a candidate of its own (the confirmation blends its own finalists).
///
/// ```
/// use attrition::models::auto::{CandidateScore, candidates, finalists};
/// use attrition::models::trained::{ModelKind, ModelParams};
/// let portfolio = candidates(&ModelParams::new(ModelKind::Auto));
/// let row = |name: &str, family, log_loss| CandidateScore {
///     name: name.into(), family, settings: String::new(), log_loss, log_loss_se: 0.0,
///     complexity: 0, roc_auc: 0.7, calibrated_log_loss: None, stopped_after_folds: None };
/// let table = vec![row("logistic", ModelKind::Logistic, 0.32), row("gbdt", ModelKind::Gbdt, 0.33)];
/// let names = |f: Vec<usize>| f.into_iter().map(|i| portfolio[i].name).collect::<Vec<_>>();
/// // 180k rows of a 200k sample of an 800k training part: room for the 31-leaf trees only.
/// assert_eq!(names(finalists(&portfolio, &table, 180_000, 800_000)), ["logistic", "gbdt", "gbdt-31x6"]);
/// // The whole part sampled: only the search's best of each family.
/// assert_eq!(names(finalists(&portfolio, &table, 180_000, 200_000)), ["logistic", "gbdt"]);
/// ```
pub fn finalists(
    portfolio: &[Candidate],
    table: &[CandidateScore],
    train_rows: usize,
    total_rows: usize,
) -> Vec<usize> {
    let index = |name: &str| portfolio.iter().position(|c| c.name == name);
    let best = |family: ModelKind| {
        table
            .iter()
            // A row stopped by racing was scored on part of the folds only: not comparable.
            .filter(|c| c.family == family && c.stopped_after_folds.is_none())
            .fold(None::<&CandidateScore>, |b, c| if b.is_none_or(|b| c.log_loss < b.log_loss) { Some(c) } else { b })
            .and_then(|c| index(&c.name))
    };
    let leaves = |c: &Candidate| c.boosted.as_ref().map_or(0, |b| b.max_leaves.unwrap_or(usize::MAX));
    let budget = total_rows as f64;
    let mut picked: Vec<usize> = [best(ModelKind::Logistic), best(ModelKind::Gbdt)].into_iter().flatten().collect();
    let mut spent: f64 = picked.iter().map(|&i| portfolio[i].relative_cost * train_rows as f64).sum();
    let Some(top) = best(ModelKind::Gbdt) else { return picked };
    for (i, c) in portfolio.iter().enumerate() {
        let cost = c.relative_cost * train_rows as f64;
        if c.family == ModelKind::Gbdt && leaves(c) > leaves(&portfolio[top]) && spent + cost <= budget {
            spent += cost;
            picked.push(i);
        }
    }
    picked
}

/// The second rung of a sampled search (successive halving's next rung with the sample size as
/// the resource, as FLAML does; see the module docs): the finalists of [`finalists`] are fitted
/// on a seeded customer sample [`CONFIRM_GROWTH`] times the searched one (all of `rows` when
/// that is more) less one grouped hold-out fold of [`CONFIRM_HOLDOUT_FOLDS`], and scored on
/// that hold-out; the best logistic and the best boosted finalist are blended there as in the
/// search, with the weight of smallest hold-out log-loss. The smallest hold-out log-loss wins
/// (ties to the earlier row). Its table is recorded in [`AutoSelection::confirmation`].
fn confirm(
    base: &ModelParams,
    data: &Dataset,
    rows: &[usize],
    mut selection: AutoSelection,
) -> Result<(ModelParams, AutoSelection)> {
    let searched = selection.search_rows.unwrap_or(rows.len());
    let want = searched.saturating_mul(CONFIRM_GROWTH);
    let sample = if want >= rows.len() {
        rows.to_vec()
    } else {
        sample_customers(data, rows, want, base.boosted.seed ^ 0xC0F1A3)
    };
    let rung = data.take(&sample);
    drop(sample);
    let split = inner_k_fold(&rung, CONFIRM_HOLDOUT_FOLDS, base.boosted.seed)?.swap_remove(0);
    let mut portfolio = candidates(base);
    portfolio.retain(|c| !c.native_categorical || rung.columns.iter().any(|c| c.kind() == ColumnKind::Categorical));
    let picked = finalists(&portfolio, &selection.table, split.train.len(), rows.len());
    let (train_rows, holdout_rows) = (split.train.len(), split.test.len());
    let splits = [split];
    let w = rung.weights.as_deref();
    let mut board = Board::new(picked.len() + 1, Spread::Holdout);
    for (k, &i) in picked.iter().enumerate() {
        let c = &portfolio[i];
        let name = format!("confirm {}", c.name);
        base.progress.report(crate::progress::Progress::Candidate { index: k, of: picked.len(), name });
        let oof = cross_val_predict(&candidate_params(base, c), &rung, &splits)?;
        board.record(i, c, settings(c, base), oof, w)?;
    }
    let blend = board.blend(&portfolio)?;
    let calibrators = board.calibrators;
    let table = board.table;
    let eligible: Vec<usize> =
        (0..table.len()).filter(|&r| table[r].family != ModelKind::Ensemble || blend.is_some()).collect();
    let chosen = pick(&table, &eligible, SelectionRule::MinLogLoss);
    selection.calibrator = calibrators[chosen].clone().filter(|_| base.auto.calibrate);
    let params = match (table[chosen].family, blend) {
        (ModelKind::Ensemble, Some((li, gi, weight))) => blend_params(base, &portfolio[li], &portfolio[gi], weight),
        _ => candidate_params(base, &portfolio[picked[chosen]]),
    };
    let searched_choice = std::mem::replace(&mut selection.chosen, table[chosen].name.clone());
    selection.confirmation = Some(Confirmation { train_rows, holdout_rows, searched_choice, table });
    Ok((params, selection))
}

/// Standard error of a hold-out's mean (weighted) log-loss over its rows: √(Σ wᵢ² (lᵢ − l̄)²) / Σ wᵢ.
fn holdout_standard_error(y: &[bool], p: &[f64], w: Option<&[f64]>) -> f64 {
    let loss = |i: usize| {
        let q = p[i].clamp(1e-15, 1.0 - 1e-15);
        if y[i] { -q.ln() } else { -(1.0 - q).ln() }
    };
    let wt = |i: usize| w.map_or(1.0, |w| w[i]);
    let total: f64 = (0..y.len()).map(wt).sum();
    if y.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let mean = (0..y.len()).map(|i| wt(i) * loss(i)).sum::<f64>() / total;
    (0..y.len()).map(|i| (wt(i) * (loss(i) - mean)).powi(2)).sum::<f64>().sqrt() / total
}

/// The parameters of the blend of `logistic` and `gbdt` with the fixed logistic `weight`.
fn blend_params(base: &ModelParams, logistic: &Candidate, gbdt: &Candidate, weight: f64) -> ModelParams {
    let mut p = candidate_params(base, gbdt);
    p.logistic = candidate_params(base, logistic).logistic;
    p.kind = ModelKind::Ensemble;
    p.ensemble = p.ensemble.logistic_weight(Some(weight));
    p
}

/// Chooses among the candidates by inner cross-validation on `data`; returns the parameters of
/// the winner (kind logistic, gbdt or the blend's ensemble; set to refit on every row after early
/// stopping on a small table, [`refit_all_rows`]) and the selection record. `data` is the
/// training part only: nothing else is looked at. Every row is searched on, whatever the budget
/// (see [`select_rows`] for the sampled search).
pub fn select(base: &ModelParams, data: &Dataset) -> Result<(ModelParams, AutoSelection)> {
    base.auto.check()?;
    let mut portfolio = candidates(base);
    portfolio.retain(|c| !c.native_categorical || data.columns.iter().any(|c| c.kind() == ColumnKind::Categorical));
    // Input columns (a categorical column counts once: an estimate for planning only).
    let cols = data.columns.len();
    let folds_used = effective_folds(&base.auto, data.n_rows());
    let plan_params = AutoParams { folds: folds_used, ..base.auto };
    let portfolio_len = portfolio.len();
    if let Some(why) = too_few_to_search(data)? {
        // Nothing to choose between: the first logistic candidate, as it is (see the docs).
        let params = candidate_params(base, &portfolio[0]);
        let selection = AutoSelection {
            chosen: portfolio[0].name.to_string(),
            folds: folds_used,
            budget_seconds: base.auto.budget_seconds,
            portfolio: portfolio_len + 1,
            table: Vec::new(),
            rule: base.auto.rule,
            search_rows: None,
            confirmation: None,
            refit_all_rows: false,
            calibrator: None,
            trees_skipped: Some(why),
        };
        return Ok((params, selection));
    }
    let folds = inner_k_fold(data, folds_used, base.boosted.seed)?;
    let trees_skipped = too_few_for_trees(data, &folds)?;
    if trees_skipped.is_some() {
        portfolio.retain(|c| c.family == ModelKind::Logistic);
    }
    let n_tried = plan(&portfolio, data.n_rows(), cols, &plan_params);
    let w = data.weights.as_deref();
    let mut board = Board::new(n_tried + 1, Spread::Folds(folds.len()));
    let racing = base.auto.rule == SelectionRule::MinLogLoss && folds.len() >= 3;
    let planned = &portfolio[..n_tried];
    let looks = race_looks(folds.len());
    // Every raced candidate's first fold depends on no other candidate: fitted as one parallel
    // batch (the racing decisions are still taken in order below, with the same fits).
    let raced: Vec<bool> =
        (0..planned.len()).map(|i| racing && planned[..i].iter().any(|e| e.family == planned[i].family)).collect();
    let mut first_fold: Vec<Option<OutOfFold>> = Vec::new();
    for (i, c) in planned.iter().enumerate() {
        base.progress.report(crate::progress::Progress::Candidate { index: i, of: n_tried, name: c.name.to_string() });
        // The batch runs when the first raced candidate is reached (its progress reports follow
        // that candidate's).
        if raced[i] && first_fold.is_empty() {
            first_fold = planned
                .par_iter()
                .zip(&raced)
                .map(|(c, &r)| {
                    r.then(|| cross_val_predict(&candidate_params(base, c), data, &folds[..looks[0]])).transpose()
                })
                .collect::<Result<_>>()?;
        }
        let params = candidate_params(base, c);
        let oof = match (board.best_of(c.family), first_fold.get_mut(i).and_then(Option::take)) {
            (Some((_, _, best)), Some(mut sofar)) => {
                let mut stopped = clearly_worse(&sofar, best, w);
                for &b in &looks[1..] {
                    if stopped {
                        break;
                    }
                    let from = sofar.n_folds;
                    sofar = join(sofar, cross_val_predict(&params, data, &folds[from..b])?, from);
                    stopped = clearly_worse(&sofar, best, w);
                }
                if stopped {
                    let after = sofar.n_folds;
                    let fw: Option<Vec<f64>> = w.map(|w| sofar.rows.iter().map(|&r| w[r]).collect());
                    board.table.push(CandidateScore {
                        name: c.name.to_string(),
                        family: c.family,
                        settings: settings(c, base),
                        log_loss: log_loss(&sofar.y_true, &sofar.p_churn, fw.as_deref())?,
                        log_loss_se: fold_standard_error(
                            &sofar.y_true,
                            &sofar.p_churn,
                            fw.as_deref(),
                            &sofar.fold,
                            after,
                        ),
                        complexity: c.complexity,
                        roc_auc: roc_auc_score(&sofar.y_true, &sofar.p_churn, fw.as_deref())?,
                        calibrated_log_loss: None,
                        stopped_after_folds: Some(after),
                    });
                    board.calibrators.push(None);
                    continue;
                }
                let from = sofar.n_folds;
                join(sofar, cross_val_predict(&params, data, &folds[from..])?, from)
            }
            _ => cross_val_predict(&params, data, &folds)?,
        };
        board.record(i, c, settings(c, base), oof, w)?;
    }
    if board.table.is_empty() {
        return Err(Error::EmptyData { context: "auto: no candidate was tried" });
    }
    // The blend of each family's best (`Board::blend`): no fit in the search.
    let blend = board.blend(&portfolio)?;
    let calibrators = board.calibrators;
    let table = board.table;
    let eligible: Vec<usize> = (0..table.len())
        .filter(|&r| table[r].stopped_after_folds.is_none())
        .filter(|&r| table[r].family != ModelKind::Ensemble || blend.is_some())
        .collect();
    let chosen = pick(&table, &eligible, base.auto.rule);
    let (params, chosen_name) = match (table[chosen].family, blend) {
        (ModelKind::Ensemble, Some((li, gi, weight))) => {
            (blend_params(base, &portfolio[li], &portfolio[gi], weight), BLEND.to_string())
        }
        _ => (candidate_params(base, &portfolio[chosen]), portfolio[chosen].name.to_string()),
    };
    let calibrator = calibrators[chosen].clone().filter(|_| base.auto.calibrate);
    let selection = AutoSelection {
        chosen: chosen_name,
        folds: folds_used,
        budget_seconds: base.auto.budget_seconds,
        portfolio: portfolio_len + 1,
        table,
        rule: base.auto.rule,
        search_rows: None,
        confirmation: None,
        refit_all_rows: false,
        calibrator,
        trees_skipped,
    };
    Ok(with_refit(params, selection, data.n_rows()))
}

/// `params` set to refit a boosted (or blended) winner on every one of `rows` rows after early
/// stopping when [`refit_all_rows`] says so, recorded in `selection`.
fn with_refit(mut params: ModelParams, mut selection: AutoSelection, rows: usize) -> (ModelParams, AutoSelection) {
    if matches!(params.kind, ModelKind::Gbdt | ModelKind::Ensemble)
        && refit_all_rows(rows)
        && let Some(es) = params.boosted.early_stopping.as_mut()
    {
        es.refit = true;
        selection.refit_all_rows = true;
    }
    (params, selection)
}

/// How a table row's log-loss standard error is taken: across the search's inner folds, or
/// across the rows of the confirmation's hold-out.
#[derive(Clone, Copy)]
enum Spread {
    Folds(usize),
    Holdout,
}

/// A selection table being filled — the search's or the confirmation's: each candidate's row,
/// the best candidate of each family so far (index, log-loss, out-of-fold log-odds), and the
/// labels, weights and folds of the rows every candidate is scored on.
struct Board {
    table: Vec<CandidateScore>,
    spread: Spread,
    best_logistic: Option<(usize, f64, Vec<f64>)>,
    best_gbdt: Option<(usize, f64, Vec<f64>)>,
    y_true: Vec<bool>,
    weights: Option<Vec<f64>>,
    fold: Vec<usize>,
    /// Each row's Platt map, fitted on all its out-of-fold predictions, when it earns its place
    /// ([`Board::calibrate`]; `None` otherwise and for a stopped row).
    calibrators: Vec<Option<Calibrator>>,
}

impl Board {
    fn new(rows: usize, spread: Spread) -> Board {
        Board {
            table: Vec::with_capacity(rows),
            spread,
            best_logistic: None,
            best_gbdt: None,
            y_true: Vec::new(),
            weights: None,
            fold: Vec::new(),
            calibrators: Vec::with_capacity(rows),
        }
    }

    /// Log-loss standard error of predictions `p` of the rows scored.
    fn standard_error(&self, y: &[bool], p: &[f64], w: Option<&[f64]>, fold: &[usize]) -> f64 {
        match self.spread {
            Spread::Folds(k) => fold_standard_error(y, p, w, fold, k),
            Spread::Holdout => holdout_standard_error(y, p, w),
        }
    }

    /// The best candidate of `family` so far: (index, log-loss, out-of-fold log-odds).
    fn best_of(&self, family: ModelKind) -> Option<&(usize, f64, Vec<f64>)> {
        if family == ModelKind::Logistic { self.best_logistic.as_ref() } else { self.best_gbdt.as_ref() }
    }

    fn best_of_mut(&mut self, family: ModelKind) -> &mut Option<(usize, f64, Vec<f64>)> {
        if family == ModelKind::Logistic { &mut self.best_logistic } else { &mut self.best_gbdt }
    }

    /// Scores candidate `i` (`c`) from its out-of-fold predictions (`w`: the data's weights) and
    /// adds its row.
    fn record(&mut self, i: usize, c: &Candidate, settings: String, oof: OutOfFold, w: Option<&[f64]>) -> Result<()> {
        let ow: Option<Vec<f64>> = w.map(|w| oof.rows.iter().map(|&r| w[r]).collect());
        let ll = log_loss(&oof.y_true, &oof.p_churn, ow.as_deref())?;
        let auc = roc_auc_score(&oof.y_true, &oof.p_churn, ow.as_deref())?;
        let se = self.standard_error(&oof.y_true, &oof.p_churn, ow.as_deref(), &oof.fold);
        let (calibrated_log_loss, calibrator) = self.calibrate(&oof.y_true, &oof.p_churn, ow.as_deref(), &oof.fold)?;
        let slot = self.best_of_mut(c.family);
        if slot.as_ref().is_none_or(|(_, b, _)| ll < *b) {
            *slot = Some((i, ll, logit(&oof.p_churn)));
        }
        self.table.push(CandidateScore {
            name: c.name.to_string(),
            family: c.family,
            settings,
            log_loss: ll,
            log_loss_se: se,
            complexity: c.complexity,
            roc_auc: auc,
            calibrated_log_loss,
            stopped_after_folds: None,
        });
        self.calibrators.push(calibrator);
        (self.y_true, self.weights, self.fold) = (oof.y_true, ow, oof.fold);
        Ok(())
    }

    /// The log-loss of predictions `p` after a Platt map cross-fitted over the calibration folds
    /// (the inner folds; on a hold-out, its rows split in two by parity), and the Platt map
    /// fitted on every row when the cross-fitted map lowers the per-row log-loss by more than
    /// [`RACE_Z`] standard errors of the paired mean difference (racing's test, the other way
    /// round): a map that only moves the log-loss within its noise is not kept.
    fn calibrate(
        &self,
        y: &[bool],
        p: &[f64],
        w: Option<&[f64]>,
        fold: &[usize],
    ) -> Result<(Option<f64>, Option<Calibrator>)> {
        let parity: Vec<usize>;
        let fold = match self.spread {
            Spread::Folds(_) => fold,
            Spread::Holdout => {
                parity = (0..p.len()).map(|i| i % 2).collect();
                &parity
            }
        };
        let Some(q) = cross_fitted_platt(p, y, w, fold) else { return Ok((None, None)) };
        let diffs: Vec<(f64, f64)> =
            (0..p.len()).map(|i| (w.map_or(1.0, |w| w[i]), row_loss(y[i], q[i]) - row_loss(y[i], p[i]))).collect();
        let better = paired_mean_and_se(&diffs).is_some_and(|(mean, se)| mean < 0.0 && -mean > RACE_Z * se);
        let full = if better { Calibrator::fit(CalibrationMethod::Platt, p, y, w).ok() } else { None };
        let full = full.filter(increasing_platt);
        Ok((Some(log_loss(y, &q, w)?), full))
    }

    /// The blend: the best logistic and the best boosted candidate, their out-of-fold log-odds
    /// mixed with the weight of smallest log-loss (AutoGluon's final weighted ensemble, Caruana
    /// et al. 2004's ensemble selection, restricted to one weight). It costs no fit; its row is
    /// added when both families were tried, and it is returned (logistic index, boosted index,
    /// logistic weight) only when the weight is strictly between 0 and 1 — a blend with a member
    /// that adds nothing is ineligible and never costs a second fit.
    fn blend(&mut self, portfolio: &[Candidate]) -> Result<Option<(usize, usize, f64)>> {
        let (Some((li, _, la)), Some((gi, _, ga))) = (&self.best_logistic, &self.best_gbdt) else {
            return Ok(None);
        };
        let (y, w) = (&self.y_true, self.weights.as_deref());
        let weight = choose_logistic_weight(la, ga, y, w)?;
        let p: Vec<f64> =
            la.iter().zip(ga).map(|(a, b)| 1.0 / (1.0 + (-(weight * a + (1.0 - weight) * b)).exp())).collect();
        let (calibrated_log_loss, calibrator) = self.calibrate(y, &p, w, &self.fold)?;
        let row = CandidateScore {
            name: BLEND.to_string(),
            family: ModelKind::Ensemble,
            settings: format!("logistic weight {weight}: {} + {}", portfolio[*li].name, portfolio[*gi].name),
            log_loss: log_loss(y, &p, w)?,
            log_loss_se: self.standard_error(y, &p, w, &self.fold),
            complexity: BLEND_COMPLEXITY,
            roc_auc: roc_auc_score(y, &p, w)?,
            calibrated_log_loss,
            stopped_after_folds: None,
        };
        let blend = (weight > 0.0 && weight < 1.0).then_some((*li, *gi, weight));
        self.table.push(row);
        self.calibrators.push(calibrator);
        Ok(blend)
    }
}

/// Whether `c` is a Platt map with finite parameters that keeps the order (`a > 0`).
fn increasing_platt(c: &Calibrator) -> bool {
    matches!(c, Calibrator::Platt { a, b } if *a > 0.0 && a.is_finite() && b.is_finite())
}

/// Out-of-fold calibrated probabilities: for each fold of `fold`, `p` of its rows mapped by the
/// Platt map fitted on the other folds' rows (Platt 1999, fitted out of sample as scikit-learn's
/// `CalibratedClassifierCV` does). `None` with fewer than two folds or when a fit fails (one
/// class only among the other folds' rows, or a map that is not increasing).
fn cross_fitted_platt(p: &[f64], y: &[bool], w: Option<&[f64]>, fold: &[usize]) -> Option<Vec<f64>> {
    let folds = fold.iter().max().map_or(0, |&k| k + 1);
    if folds < 2 {
        return None;
    }
    let mut q = vec![f64::NAN; p.len()];
    for k in 0..folds {
        let rest: Vec<usize> = (0..p.len()).filter(|&i| fold[i] != k).collect();
        let pk: Vec<f64> = rest.iter().map(|&i| p[i]).collect();
        let yk: Vec<bool> = rest.iter().map(|&i| y[i]).collect();
        let wk: Option<Vec<f64>> = w.map(|w| rest.iter().map(|&i| w[i]).collect());
        let c = Calibrator::fit(CalibrationMethod::Platt, &pk, &yk, wk.as_deref()).ok()?;
        if !increasing_platt(&c) {
            return None;
        }
        for i in (0..p.len()).filter(|&i| fold[i] == k) {
            q[i] = c.apply(p[i]);
        }
    }
    Some(q)
}

/// Complexity rank of the blend (above every single candidate).
const BLEND_COMPLEXITY: u32 = 9;

/// The row of `table` (among `eligible`, in table order) that `rule` picks. Minimum log-loss:
/// the smallest, ties to the earlier row. One standard error: among rows whose log-loss is at
/// most the smallest plus that row's standard error, the smallest complexity, ties to the smaller
/// log-loss, then the earlier row.
fn pick(table: &[CandidateScore], eligible: &[usize], rule: SelectionRule) -> usize {
    let mut best = eligible[0];
    for &r in eligible {
        if table[r].log_loss < table[best].log_loss {
            best = r;
        }
    }
    match rule {
        SelectionRule::MinLogLoss => best,
        SelectionRule::OneStandardError => {
            let bound = table[best].log_loss + table[best].log_loss_se;
            let mut chosen = best;
            for &r in eligible {
                let (c, b) = (&table[r], &table[chosen]);
                if c.log_loss <= bound && (c.complexity, c.log_loss) < (b.complexity, b.log_loss) {
                    chosen = r;
                }
            }
            chosen
        }
    }
}

/// Standard error of a cross-validated log-loss: the sample standard deviation of the folds'
/// (weighted) log-losses over √folds (ESL §7.10). A fold whose log-loss is undefined (all its
/// weights 0) is left out; 0 with fewer than two scored folds.
fn fold_standard_error(y: &[bool], p: &[f64], w: Option<&[f64]>, fold: &[usize], folds: usize) -> f64 {
    let mut losses = Vec::with_capacity(folds);
    for k in 0..folds {
        let rows: Vec<usize> = (0..y.len()).filter(|&i| fold[i] == k).collect();
        if rows.is_empty() {
            continue;
        }
        let yk: Vec<bool> = rows.iter().map(|&i| y[i]).collect();
        let pk: Vec<f64> = rows.iter().map(|&i| p[i]).collect();
        let wk: Option<Vec<f64>> = w.map(|w| rows.iter().map(|&i| w[i]).collect());
        if let Ok(l) = log_loss(&yk, &pk, wk.as_deref()) {
            losses.push(l);
        }
    }
    let k = losses.len() as f64;
    if losses.len() < 2 {
        return 0.0;
    }
    let mean = losses.iter().sum::<f64>() / k;
    let var = losses.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (k - 1.0);
    (var / k).sqrt()
}

/// Racing's test (see the module docs): whether the out-of-fold predictions `first` (some of the
/// inner folds) are worse, row by row, than the family's best so far (`best`: inner out-of-fold
/// log-odds of every row) by more than [`RACE_Z`] standard errors of the (weighted) mean paired
/// difference of per-row log-losses. Never when the rows scored so far are all of one class (a
/// first fold of a table with a handful of churned or retained rows may hold none): the test
/// waits for the next look, and a stopped row's ROC-AUC is always defined.
fn clearly_worse(first: &OutOfFold, best: &[f64], w: Option<&[f64]>) -> bool {
    if first.y_true.iter().all(|&y| y) || first.y_true.iter().all(|&y| !y) {
        return false;
    }
    let diffs: Vec<(f64, f64)> = first
        .rows
        .iter()
        .zip(&first.y_true)
        .zip(&first.p_churn)
        .map(|((&r, &y), &p)| (w.map_or(1.0, |w| w[r]), row_loss(y, p) - row_loss(y, 1.0 / (1.0 + (-best[r]).exp()))))
        .collect();
    paired_mean_and_se(&diffs).is_some_and(|(mean, se)| mean > 0.0 && mean > RACE_Z * se)
}

/// The numbers of inner folds after which a raced candidate is tested (see the module docs): the
/// first fold, then about half of them; always fewer than `folds`.
fn race_looks(folds: usize) -> Vec<usize> {
    let mut looks = vec![1, folds.div_ceil(2)];
    looks.dedup();
    looks.retain(|&b| b < folds);
    looks
}

/// Why `data` has too few rows of a class for any inner cross-validation (a single churned or
/// retained row, or customer when ids repeat: the inner fold that tests it would train without
/// any), or `None`.
fn too_few_to_search(data: &Dataset) -> Result<Option<String>> {
    let fewest = crate::validation::FewestOutcome::of(data)?;
    Ok((fewest.count < 2).then(|| {
        format!(
            "the training data has only {fewest} (of {} rows), too few for an inner cross-validation: logistic \
             regression was fitted as it is",
            data.n_rows()
        )
    }))
}

/// Fewest churned and fewest retained rows a training part must have for boosted trees: their
/// early stopping holds out a stratified share of each class and trains on the rest
/// ([`crate::validation::stratified_holdout`]).
pub const MIN_CLASS_ROWS_FOR_TREES: usize = 2;

/// Why boosted trees cannot be fitted on some inner fold's training part of `data` (fewer than
/// [`MIN_CLASS_ROWS_FOR_TREES`] rows of a class), or `None` when they can on every one.
fn too_few_for_trees(data: &Dataset, folds: &[crate::validation::Split]) -> Result<Option<String>> {
    let y = data.churned_or_err()?;
    for (k, f) in folds.iter().enumerate() {
        let churned = f.train.iter().filter(|&&i| y[i]).count();
        let fewest = churned.min(f.train.len() - churned);
        if fewest < MIN_CLASS_ROWS_FOR_TREES {
            let rarer_churned = churned == fewest;
            let class = if rarer_churned { "churned" } else { "retained" };
            return Ok(Some(format!(
                "the training part of inner fold {} of {} has {fewest} {class} row{} (the training data: {} of {} \
                 rows), and boosted trees need at least {MIN_CLASS_ROWS_FOR_TREES} of each class for their \
                 early-stopping hold-out",
                k + 1,
                folds.len(),
                if fewest == 1 { "" } else { "s" },
                y.iter().filter(|&&c| c == rarer_churned).count(),
                y.len()
            )));
        }
    }
    Ok(None)
}

/// Log-loss of one row.
fn row_loss(y: bool, p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    if y { -p.ln() } else { -(1.0 - p).ln() }
}

/// The weighted mean of paired per-row differences `(weight, difference)` and its standard
/// error (over the effective number of rows, (Σw)² / Σw²); `None` when the weights sum to 0.
fn paired_mean_and_se(diffs: &[(f64, f64)]) -> Option<(f64, f64)> {
    let (sw, sw2, swd) = diffs.iter().fold((0.0, 0.0, 0.0), |(a, b, c), &(w, d)| (a + w, b + w * w, c + w * d));
    if sw <= 0.0 || sw2 <= 0.0 {
        return None;
    }
    let mean = swd / sw;
    let var = diffs.iter().map(|(w, d)| w * (d - mean).powi(2)).sum::<f64>() / sw;
    Some((mean, (var / (sw * sw / sw2)).sqrt()))
}

/// The out-of-fold predictions of folds `0..head` (`first`) and `head..` (`rest`, fold numbers
/// shifted by `head`), in ascending row order: what one call on every fold returns.
fn join(first: OutOfFold, rest: OutOfFold, head: usize) -> OutOfFold {
    let n = first.rows.len() + rest.rows.len();
    let mut out = OutOfFold {
        rows: Vec::with_capacity(n),
        fold: Vec::with_capacity(n),
        y_true: Vec::with_capacity(n),
        p_churn: Vec::with_capacity(n),
        ids: first.ids.as_ref().map(|_| Vec::with_capacity(n)),
        n_folds: first.n_folds + rest.n_folds,
        n_untested: 0,
    };
    let (mut a, mut b) = (0, 0);
    while a < first.rows.len() || b < rest.rows.len() {
        let take_first = b >= rest.rows.len() || (a < first.rows.len() && first.rows[a] < rest.rows[b]);
        let (src, k, shift) = if take_first { (&first, a, 0) } else { (&rest, b, head) };
        out.rows.push(src.rows[k]);
        out.fold.push(src.fold[k] + shift);
        out.y_true.push(src.y_true[k]);
        out.p_churn.push(src.p_churn[k]);
        if let (Some(ids), Some(from)) = (out.ids.as_mut(), src.ids.as_ref()) {
            ids.push(from[k].clone());
        }
        if take_first {
            a += 1;
        } else {
            b += 1;
        }
    }
    out
}

fn candidate_params(base: &ModelParams, c: &Candidate) -> ModelParams {
    let mut p = base.clone();
    p.kind = c.family;
    p.native_categorical = c.native_categorical;
    if let Some(b) = &c.boosted {
        p.boosted = b.clone();
    }
    if let Some(l) = c.logistic {
        p.logistic = l;
    }
    p
}

/// Inner folds actually used on `rows` training rows: at least [`SMALL_DATA_FOLDS`] below
/// [`SMALL_DATA_ROWS`] (see the module docs).
pub fn effective_folds(params: &AutoParams, rows: usize) -> usize {
    if rows < SMALL_DATA_ROWS { params.folds.max(SMALL_DATA_FOLDS) } else { params.folds }
}

/// Name of the blend row of the selection table.
pub const BLEND: &str = "blend";

fn logit(p: &[f64]) -> Vec<f64> {
    p.iter().map(|p| p.clamp(1e-12, 1.0 - 1e-12)).map(|p| (p / (1.0 - p)).ln()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Probabilities σ(z) for z spread over [−4, 2], outcomes drawn from σ(z + `shift`), and the
    /// rows dealt into 5 folds.
    fn shifted(n: usize, shift: f64, seed: u64) -> (Vec<f64>, Vec<bool>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let z: Vec<f64> = (0..n).map(|i| -4.0 + 6.0 * i as f64 / n as f64).collect();
        let p = z.iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect();
        let y = z.iter().map(|z| rng.r#gen::<f64>() < 1.0 / (1.0 + (-(z + shift)).exp())).collect();
        (p, y, (0..n).map(|i| i % 5).collect())
    }

    #[test]
    fn the_winner_is_calibrated_only_when_the_cross_fitted_map_clearly_helps() -> Result<()> {
        let board = Board::new(1, Spread::Folds(5));
        // Probabilities too low by 1 in log-odds (as early-stopped trees on small imbalanced
        // tables give): the map is kept and recovers the shift.
        let (p, y, fold) = shifted(4000, 1.0, 3);
        let raw = log_loss(&y, &p, None)?;
        let (calibrated, map) = board.calibrate(&y, &p, None, &fold)?;
        assert!(calibrated.is_some_and(|c| c < raw - 0.01), "{calibrated:?} vs {raw}");
        let Some(Calibrator::Platt { a, b }) = map else { panic!("no map kept: {map:?}") };
        assert!((a - 1.0).abs() < 0.15 && (b - 1.0).abs() < 0.2, "a {a}, b {b}");
        // Already calibrated: the cross-fitted map only adds noise, and is not kept.
        for seed in 0..5 {
            let (p, y, fold) = shifted(4000, 0.0, seed);
            let (calibrated, map) = board.calibrate(&y, &p, None, &fold)?;
            assert!(calibrated.is_some());
            assert_eq!(map, None, "seed {seed}");
        }
        // One fold only: nothing to cross-fit on.
        let (p, y, _) = shifted(400, 1.0, 1);
        assert_eq!(board.calibrate(&y, &p, None, &vec![0; 400])?, (None, None));
        Ok(())
    }

    #[test]
    fn cross_fitted_platt_maps_each_fold_with_the_other_folds_map() -> Result<()> {
        let (p, y, fold) = shifted(1000, 0.7, 9);
        let q = cross_fitted_platt(&p, &y, None, &fold).ok_or(Error::EmptyData { context: "no map" })?;
        for k in 0..5 {
            let rest: Vec<usize> = (0..p.len()).filter(|&i| fold[i] != k).collect();
            let (pr, yr): (Vec<f64>, Vec<bool>) = rest.iter().map(|&i| (p[i], y[i])).unzip();
            let map = Calibrator::fit(CalibrationMethod::Platt, &pr, &yr, None)?;
            for i in (0..p.len()).filter(|&i| fold[i] == k) {
                assert_eq!(q[i], map.apply(p[i]));
            }
        }
        Ok(())
    }
}
