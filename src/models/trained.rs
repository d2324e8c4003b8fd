//! One model type for every family: preprocessing + fitted model + feature schema, saved as a
//! versioned JSON file, with per-customer explanations.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::artifact::{DateRange, FeatureBuild, LabelWindow, TrainingSummary};
use super::auto::{AutoParams, AutoSelection};
use super::boosted::{BoostedParams, Booster};
use super::calibration::Calibrator;
use super::ensemble::{Ensemble, EnsembleParams, choose_logistic_weight};
use super::logistic::{LogisticModel, LogisticParams, sigmoid};
use super::preprocess::{PreprocessMode, PreprocessParams, Preprocessor, Transformed};
use super::tree::{DecisionTree, TreeParams};
use super::{ChurnModel, Learner};
use crate::dataset::{ColumnKind, Dataset};
use crate::error::{Error, Result};
use crate::validation::cross_val_predict;
use crate::validation::inner_k_fold;

/// Version of the model file format written by [`TrainedModel::save`]: 4 since boosted trees may
/// hold native categorical splits (`Forest::categorical`) over native categorical columns
/// (`InputSpec::Categorical::native`), which a version 3 reader would misread, and model files
/// may carry the profile of their training data ([`super::profile`]); 3 since model
/// files carry their feature build, calibrator and training summary ([`super::artifact`]),
/// and version 3 files load unchanged; version 2
/// files (checksum, none of these parts) load with the parts absent; version 1 files (no
/// checksum) are refused with a message naming `attrition model rehash`, which upgrades them.
pub const SCHEMA_VERSION: u32 = 4;

/// The oldest schema version [`TrainedModel::load`] reads without `attrition model rehash`.
pub const OLDEST_READABLE_SCHEMA_VERSION: u32 = 2;

/// Model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// L2 logistic regression.
    Logistic,
    /// A single decision tree with class probabilities.
    Tree,
    /// Gradient-boosted trees.
    Gbdt,
    /// Logistic regression and gradient-boosted trees fitted on the same rows, their log-odds
    /// mixed with a weight chosen by inner cross-validation (see [`super::ensemble`]).
    Ensemble,
    /// Chosen by inner cross-validation among logistic regression and a portfolio of boosted-tree
    /// configurations (see [`super::auto`]). A fitted model names the family chosen and keeps
    /// the choice in [`TrainedModel::selection`].
    Auto,
}

impl std::str::FromStr for ModelKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "logistic" => Ok(ModelKind::Logistic),
            "tree" => Ok(ModelKind::Tree),
            "gbdt" => Ok(ModelKind::Gbdt),
            "ensemble" => Ok(ModelKind::Ensemble),
            "auto" => Ok(ModelKind::Auto),
            _ => Err(Error::param("model", s, "one of auto, logistic, tree, gbdt, ensemble")),
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::Logistic => "logistic",
            ModelKind::Tree => "tree",
            ModelKind::Gbdt => "gbdt",
            ModelKind::Ensemble => "ensemble",
            ModelKind::Auto => "auto",
        })
    }
}

/// Hyper-parameters for any family; fitting returns a [`TrainedModel`].
///
/// ```
/// use attrition::models::{Learner, ChurnModel, trained::{ModelKind, ModelParams}};
/// use attrition::{Column, Dataset};
/// let x: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
/// let y: Vec<bool> = (0..200).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
/// let data = Dataset::new(vec![Column::numeric("x", x)]).unwrap().with_churned(y).unwrap();
/// let model = ModelParams::new(ModelKind::Logistic).fit(&data).unwrap();
/// let p = model.predict_proba(&data).unwrap();
/// assert!(p[19] > p[0]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    /// Family.
    pub kind: ModelKind,
    /// Logistic parameters (used when `kind` is logistic or ensemble).
    pub logistic: LogisticParams,
    /// Tree parameters.
    pub tree: TreeParams,
    /// Boosting parameters (used when `kind` is gbdt or ensemble).
    pub boosted: BoostedParams,
    /// Skewness threshold of the fat-tail transform (linear mode).
    pub skew_threshold: f64,
    /// Weighting of the ensemble's members (used when `kind` is ensemble).
    #[serde(default)]
    pub ensemble: EnsembleParams,
    /// How `auto` searches (used when `kind` is auto).
    #[serde(default)]
    pub auto: AutoParams,
    /// Boosted trees (`kind` gbdt, and the ensemble's trees) split categorical features natively, as sets of categories
    /// (one column of codes per feature, [`PreprocessParams::native_categorical`]), instead of
    /// on one-hot columns. Logistic regression always uses one-hot columns. Default false.
    #[serde(default)]
    pub native_categorical: bool,
    /// Where fitting reports its progress (`auto`'s candidates and refit, each boosted tree
    /// grown); never saved. Default: nowhere.
    #[serde(skip)]
    pub progress: crate::progress::ProgressHook,
}

impl ModelParams {
    /// Defaults for `kind`.
    pub fn new(kind: ModelKind) -> Self {
        Self {
            kind,
            logistic: LogisticParams::new(),
            tree: TreeParams::new(),
            boosted: BoostedParams::new(),
            skew_threshold: 4.0,
            ensemble: EnsembleParams::new(),
            auto: AutoParams::new(),
            native_categorical: false,
            progress: crate::progress::ProgressHook::none(),
        }
    }

    /// Sets [`ModelParams::native_categorical`].
    pub fn native_categorical(mut self, on: bool) -> Self {
        self.native_categorical = on;
        self
    }

    /// Seed for every random choice of the tree families (and of the ensemble's inner folds).
    pub fn seed(mut self, seed: u64) -> Self {
        self.tree.seed = seed;
        self.boosted.seed = seed;
        self
    }

    /// The boosting parameters, reporting each tree to [`ModelParams::progress`] unless they
    /// have a hook of their own.
    fn boosted_params(&self) -> BoostedParams {
        let mut b = self.boosted.clone();
        if !b.progress.is_some() {
            b.progress = self.progress.clone();
        }
        b
    }

    /// The same parameters for another family.
    fn with_kind(&self, kind: ModelKind) -> Self {
        Self { kind, ..self.clone() }
    }

    /// `auto`: chooses by inner cross-validation on `data`, refits the winner on all of it and
    /// records the choice.
    fn fit_auto(&self, data: &Dataset) -> Result<TrainedModel> {
        self.fit_auto_rows(data, &(0..data.n_rows()).collect::<Vec<_>>())
    }

    /// `auto` on the rows `rows` of `data` (read in place; see [`super::auto::select_rows`]).
    fn fit_auto_rows(&self, data: &Dataset, rows: &[usize]) -> Result<TrainedModel> {
        let (chosen, selection) = super::auto::select_rows(self, data, rows)?;
        self.progress.report(crate::progress::Progress::Refit { name: selection.chosen.clone() });
        let mut model = chosen.fit_rows(data, rows)?;
        if let Some(c) = &selection.calibrator {
            model = model.with_calibrator(c.clone());
        }
        model.selection = Some(selection);
        Ok(model)
    }

    /// Fits the ensemble's members on all of `data` (`x` = its linear-mode columns), choosing
    /// the logistic weight first by inner cross-validation unless it is fixed.
    fn fit_ensemble(&self, data: &Dataset, x: ndarray::ArrayView2<f64>, y: &[bool]) -> Result<Ensemble> {
        self.ensemble.check()?;
        let w = data.weights.as_deref();
        let logistic_weight = match self.ensemble.logistic_weight {
            Some(weight) => weight,
            None => {
                let folds = inner_k_fold(data, self.ensemble.folds, self.boosted.seed)?;
                let a = cross_val_predict(&self.with_kind(ModelKind::Logistic), data, &folds)?;
                let b = cross_val_predict(&self.with_kind(ModelKind::Gbdt), data, &folds)?;
                let oof_w: Option<Vec<f64>> = w.map(|w| a.rows.iter().map(|&r| w[r]).collect());
                let logit = |p: &[f64]| -> Vec<f64> {
                    p.iter().map(|p| p.clamp(1e-12, 1.0 - 1e-12)).map(|p| (p / (1.0 - p)).ln()).collect()
                };
                choose_logistic_weight(&logit(&a.p_churn), &logit(&b.p_churn), &a.y_true, oof_w.as_deref())?
            }
        };
        let logistic = self.logistic.fit_matrix(x, y, w)?;
        let mut tree_params = PreprocessParams::new(PreprocessMode::Tree);
        tree_params.native_categorical = self.native_categorical;
        let tree_preprocessor = tree_params.fit(data)?;
        let boosted = self.boosted_params().categorical_features(tree_preprocessor.categorical_outputs());
        let gbdt = boosted.fit_matrix(tree_preprocessor.transform(data)?.x.view(), y, w)?;
        Ok(Ensemble { logistic_weight, logistic, tree_preprocessor, gbdt })
    }
}

impl Learner for ModelParams {
    type Model = TrainedModel;

    fn fit(&self, data: &Dataset) -> Result<TrainedModel> {
        match self.kind {
            ModelKind::Auto => self.fit_auto(data),
            ModelKind::Ensemble if self.ensemble.logistic_weight.is_none() => self.fit_all(data),
            _ => self.fit_rows(data, &(0..data.n_rows()).collect::<Vec<_>>()),
        }
    }

    /// Reads the rows in place (no copy of `data`): boosted trees bin straight from the
    /// columns, logistic regression and the single tree build the model matrix of the rows
    /// only; `auto` searches on the rows (see [`super::auto::select_rows`]) and refits the same
    /// way; the ensemble reads the rows in place when its weight is fixed (as `auto`'s blend
    /// is) and otherwise fits on a copy (its inner cross-validation needs a table).
    fn fit_rows(&self, data: &Dataset, rows: &[usize]) -> Result<TrainedModel> {
        let y_all = data.churned_or_err()?;
        let mode = match self.kind {
            ModelKind::Logistic => PreprocessMode::Linear,
            ModelKind::Tree | ModelKind::Gbdt => PreprocessMode::Tree,
            ModelKind::Auto => return self.fit_auto_rows(data, rows),
            ModelKind::Ensemble if self.ensemble.logistic_weight.is_none() => return self.fit_all(&data.take(rows)),
            ModelKind::Ensemble => PreprocessMode::Linear,
        };
        if let Some(&i) = rows.iter().find(|&&i| i >= data.n_rows()) {
            return Err(Error::param("rows", i, format!("the data has {} rows", data.n_rows())));
        }
        let mut pre_params = PreprocessParams::new(mode);
        pre_params.skew_threshold = self.skew_threshold;
        pre_params.native_categorical = self.native_categorical && self.kind == ModelKind::Gbdt;
        let preprocessor = pre_params.fit_rows(data, rows)?;
        let y: Vec<bool> = rows.iter().map(|&i| y_all[i]).collect();
        let weights: Option<Vec<f64>> = data.weights.as_ref().map(|w| rows.iter().map(|&i| w[i]).collect());
        let w = weights.as_deref();
        let fitted = match self.kind {
            ModelKind::Logistic => {
                Fitted::Logistic(self.logistic.fit_matrix(preprocessor.transform_rows(data, rows)?.x.view(), &y, w)?)
            }
            ModelKind::Tree => {
                Fitted::Tree(self.tree.fit_matrix(preprocessor.transform_rows(data, rows)?.x.view(), &y, w)?)
            }
            ModelKind::Ensemble => {
                // `fit_ensemble`'s members with the fixed weight, the linear matrix dropped
                // before the trees are fitted.
                self.ensemble.check()?;
                let logistic_weight = self.ensemble.logistic_weight.unwrap_or(0.5);
                let logistic = self.logistic.fit_matrix(preprocessor.transform_rows(data, rows)?.x.view(), &y, w)?;
                let mut tree_params = PreprocessParams::new(PreprocessMode::Tree);
                tree_params.native_categorical = self.native_categorical;
                let tree_preprocessor = tree_params.fit_rows(data, rows)?;
                let boosted = self.boosted_params().categorical_features(tree_preprocessor.categorical_outputs());
                let gbdt = boosted.fit_source(&tree_preprocessor.tree_columns(data, rows)?, &y, w)?;
                Fitted::Ensemble(Box::new(Ensemble { logistic_weight, logistic, tree_preprocessor, gbdt }))
            }
            _ => {
                let boosted = self.boosted_params().categorical_features(preprocessor.categorical_outputs());
                Fitted::Gbdt(boosted.fit_source(&preprocessor.tree_columns(data, rows)?, &y, w)?)
            }
        };
        let as_of: Option<Vec<chrono::NaiveDate>> = data.as_of.as_ref().map(|d| rows.iter().map(|&i| d[i]).collect());
        let training_churn_rate = if y.is_empty() {
            f64::NAN
        } else {
            match w {
                Some(w) => {
                    let tot: f64 = w.iter().sum();
                    if tot > 0.0 {
                        y.iter().zip(w).filter(|(y, _)| **y).map(|(_, w)| w).sum::<f64>() / tot
                    } else {
                        f64::NAN
                    }
                }
                None => y.iter().filter(|&&b| b).count() as f64 / y.len() as f64,
            }
        };
        Ok(self.trained(data, preprocessor, fitted, rows.len(), training_churn_rate, as_of.as_deref()))
    }
}

impl ModelParams {
    /// Fits on all of `data` with a dense model matrix (the ensemble's path).
    fn fit_all(&self, data: &Dataset) -> Result<TrainedModel> {
        let y = data.churned_or_err()?;
        let mut pre_params = PreprocessParams::new(PreprocessMode::Linear);
        pre_params.skew_threshold = self.skew_threshold;
        let preprocessor = pre_params.fit(data)?;
        let t = preprocessor.transform(data)?;
        let fitted = Fitted::Ensemble(Box::new(self.fit_ensemble(data, t.x.view(), y)?));
        let rate = data.churn_rate().unwrap_or(f64::NAN);
        Ok(self.trained(data, preprocessor, fitted, data.n_rows(), rate, data.as_of.as_deref()))
    }

    /// The model file's parts around a fit.
    fn trained(
        &self,
        data: &Dataset,
        preprocessor: Preprocessor,
        fitted: Fitted,
        training_rows: usize,
        training_churn_rate: f64,
        as_of: Option<&[chrono::NaiveDate]>,
    ) -> TrainedModel {
        TrainedModel {
            schema_version: SCHEMA_VERSION,
            kind: self.kind,
            features: data.columns.iter().map(|c| FeatureSchema { name: c.name.clone(), kind: c.kind() }).collect(),
            preprocessor,
            fitted,
            training_rows,
            training_churn_rate,
            feature_build: None,
            calibrator: None,
            training: as_of.and_then(DateRange::of).map(|r| TrainingSummary { as_of: Some(r), cv: None }),
            selection: None,
            profile: None,
            data_quality: Default::default(),
            input: TrainingInput::default(),
        }
    }
}

/// How the training file was read, where that differs from the defaults (`customer_id` as the id
/// column, only blank cells missing): [`crate::scoring::ScoreOptions::for_model`] reads the data
/// to score the same way, so a model trained with `--id none --na-values NA` scores the same
/// kind of file without repeating them (and never reads `NA` as an unseen category).
///
/// ```
/// use attrition::io::flat::FlatOptions;
/// use attrition::models::trained::TrainingInput;
/// let input = TrainingInput::of(&FlatOptions::new().id("row_id").na_value("?"));
/// assert_eq!((input.id_column.as_deref(), input.na_values.as_slice()), (Some("row_id"), &["?".to_string()][..]));
/// assert!(TrainingInput::of(&FlatOptions::new().id("customer_id")).is_default());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingInput {
    /// The id column, when it is not `customer_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_column: Option<String>,
    /// The file had no id column (`--id none`): rows are numbered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub row_ids: bool,
    /// Values read as missing besides blank cells (`--na-values`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub na_values: Vec<String>,
    /// Numbers were written with a decimal comma (`29,85`; [`crate::io::flat::FlatReport::decimal_comma`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub decimal_comma: bool,
}

impl TrainingInput {
    /// What of `options` scoring needs to read a file the same way (the decimal comma, when it
    /// was detected, is [`crate::io::flat::FlatReport::decimal_comma`]: set it from there).
    pub fn of(options: &crate::io::flat::FlatOptions) -> TrainingInput {
        TrainingInput {
            id_column: if options.row_ids { None } else { options.id.clone().filter(|c| c != "customer_id") },
            row_ids: options.row_ids,
            na_values: options.na_values.clone(),
            decimal_comma: options.decimal_comma.unwrap_or(false),
        }
    }

    /// Whether these are the defaults (nothing is written to the model file then).
    pub fn is_default(&self) -> bool {
        *self == TrainingInput::default()
    }

    /// The name of the training file's id column: [`TrainingInput::id_column`], else
    /// `customer_id`; `None` when the file had none (`--id none`).
    ///
    /// ```
    /// use attrition::io::flat::FlatOptions;
    /// use attrition::models::trained::TrainingInput;
    /// assert_eq!(TrainingInput::of(&FlatOptions::new().id("row_id")).id_name(), Some("row_id"));
    /// assert_eq!(TrainingInput::default().id_name(), Some("customer_id"));
    /// ```
    pub fn id_name(&self) -> Option<&str> {
        match (&self.id_column, self.row_ids) {
            (Some(c), _) => Some(c),
            (None, true) => None,
            (None, false) => Some("customer_id"),
        }
    }
}

/// A feature the model needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSchema {
    /// Column name.
    pub name: String,
    /// Numeric or categorical.
    pub kind: ColumnKind,
}

/// The fitted model of one family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Fitted {
    /// Logistic regression on the standardised model matrix.
    Logistic(LogisticModel),
    /// Decision tree.
    Tree(DecisionTree),
    /// Boosted trees.
    Gbdt(Booster),
    /// Logistic regression and boosted trees, log-odds mixed.
    Ensemble(Box<Ensemble>),
}

/// A trained churn model of any family, ready to score, explain and save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    /// File format version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Family.
    pub kind: ModelKind,
    /// Features the model needs, in training order.
    pub features: Vec<FeatureSchema>,
    /// Preprocessing fitted on the training data.
    pub preprocessor: Preprocessor,
    /// The fitted model.
    pub fitted: Fitted,
    /// Rows it was trained on.
    pub training_rows: usize,
    /// Churn rate of the training data.
    pub training_churn_rate: f64,
    /// How the feature rows are built from raw tables and the label window the probability
    /// refers to (absent when the features came from elsewhere, e.g. a flat export).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_build: Option<FeatureBuild>,
    /// Calibration of the probability; when present, [`ChurnModel::predict_proba`] and
    /// [`TrainedModel::score`] return calibrated probabilities (explanations stay on the
    /// model's raw output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibrator: Option<Calibrator>,
    /// The training data's as-of range and cross-validated metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingSummary>,
    /// How `--model auto` chose this model (its inner cross-validation table); absent for a
    /// family chosen by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<AutoSelection>,
    /// The training data's distributions and typical values by outcome
    /// ([`TrainedModel::with_profile`]): the references of reasons in words and the baseline
    /// of drift checks. Absent in files before schema version 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<super::profile::TrainingProfile>,
    /// What the readers noticed about the training data (a column made categorical by
    /// missing-value markers, duplicates dropped, event types merged, …); empty when nothing,
    /// and in files that predate it.
    #[serde(default, skip_serializing_if = "crate::io::quality::DataQuality::is_empty")]
    pub data_quality: crate::io::quality::DataQuality,
    /// How the training file was read (id column, missing-value markers) where not the defaults;
    /// absent in files that predate it and for defaults.
    #[serde(default, skip_serializing_if = "TrainingInput::is_default")]
    pub input: TrainingInput,
}

/// [`TrainedModel::score`]'s result for a batch of customers.
#[derive(Debug, Clone)]
pub struct Scored {
    /// P(churn) per row.
    pub p_churn: Vec<f64>,
    /// Categorical values not seen in training (scored as the feature's baseline).
    pub unseen_categories: u64,
    /// Per-row contributions, when asked for (and affordable).
    pub explanations: Option<Explanations>,
    /// Explanations were asked for but not computed: the model costs more than the limit
    /// ([`super::validate::MAX_EXPLAIN_COST_PER_ROW`] by default) per row to explain, by
    /// TreeSHAP ([`TrainedModel::explain_cost_per_row`]) and by path attribution
    /// ([`TrainedModel::path_attribution_cost_per_row`]).
    pub explanations_unavailable: bool,
}

/// How [`Explanations`] were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExplanationMethod {
    /// Exact Shapley values: TreeSHAP for trees (Lundberg et al. 2020), coefficient × value for
    /// logistic regression.
    Shapley,
    /// Path attribution for boosted trees too large to explain by TreeSHAP within the limit
    /// (`score` only; see `Booster::path_attribution`): additive, with the same base value, but
    /// not Shapley values — the credit of interacting features depends on their order on a path.
    PathAttribution,
}

impl std::fmt::Display for ExplanationMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ExplanationMethod::Shapley => "Shapley values (TreeSHAP)",
            ExplanationMethod::PathAttribution => "path attribution (Saabas)",
        })
    }
}

/// Per-customer explanation: each input feature's contribution to the churn log-odds (logistic,
/// boosted trees, ensemble) or probability (single tree).
#[derive(Debug, Clone)]
pub struct Explanations {
    /// Input feature names (columns of `contributions`).
    pub features: Vec<String>,
    /// `n_rows × n_features` contributions.
    pub contributions: ndarray::Array2<f64>,
    /// Output with no feature information (intercept / expected value).
    pub base: f64,
    /// How the contributions were computed.
    pub method: ExplanationMethod,
}

impl Explanations {
    /// The `k` features that pushed row `i`'s risk up most (positive contributions only), with
    /// their contributions, largest first.
    pub fn top_reasons(&self, i: usize, k: usize) -> Vec<(&str, f64)> {
        let row = self.contributions.row(i);
        let mut idx: Vec<usize> = (0..row.len()).filter(|&j| row[j] > 0.0).collect();
        idx.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
        idx.into_iter().take(k).map(|j| (self.features[j].as_str(), row[j])).collect()
    }
}

impl TrainedModel {
    /// Checks that `data` has every feature with the right kind.
    fn check_features(&self, data: &Dataset) -> Result<()> {
        let mut missing = Vec::new();
        for f in &self.features {
            match data.column(&f.name) {
                None => missing.push(f.name.clone()),
                Some(c) if c.kind() != f.kind => {
                    return Err(Error::FeatureMismatch {
                        reason: format!(
                            "feature `{}` is {:?} in the data but {:?} in the model",
                            f.name,
                            c.kind(),
                            f.kind
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        if !missing.is_empty() {
            return Err(Error::FeatureMismatch {
                reason: format!(
                    "the data lacks {} of the model's {} features: {} (to score one customer, build the row by name with `model.row()`: features not set are missing values)",
                    missing.len(),
                    self.features.len(),
                    crate::error::name_list(&missing, 8)
                ),
            });
        }
        Ok(())
    }

    /// Contribution of each input feature to each row's score, and the base value. Contributions
    /// plus base equal the model's raw output (log-odds; probability for a single tree).
    ///
    /// Errors with [`Error::ExplainTooCostly`] when a row costs more than
    /// [`super::validate::MAX_EXPLAIN_COST_PER_ROW`] to explain.
    pub fn explain(&self, data: &Dataset) -> Result<Explanations> {
        self.explain_with_limit(data, super::validate::MAX_EXPLAIN_COST_PER_ROW)
    }

    /// [`TrainedModel::explain`] with another limit of the work per row
    /// ([`TrainedModel::explain_cost_per_row`]; `u64::MAX`: none).
    pub fn explain_with_limit(&self, data: &Dataset, limit_per_row: u64) -> Result<Explanations> {
        self.check_features(data)?;
        self.check_explain_cost(limit_per_row)?;
        self.explain_transformed(data, &self.preprocessor.transform(data)?, ExplanationMethod::Shapley)
    }

    /// Work per row of path attribution, for the boosted trees it applies to (`gbdt`, and an
    /// ensemble's trees plus its logistic part): one step per node on each tree's deepest path.
    /// `None` for logistic regression and single trees (always explained by Shapley values).
    pub fn path_attribution_cost_per_row(&self) -> Option<u64> {
        match &self.fitted {
            Fitted::Gbdt(b) => Some(b.forest().path_attribution_cost_per_row()),
            Fitted::Ensemble(e) => {
                Some((e.logistic.coef.len() as u64).saturating_add(e.gbdt.forest().path_attribution_cost_per_row()))
            }
            Fitted::Logistic(_) | Fitted::Tree(_) => None,
        }
    }

    /// Probabilities, unseen categories and (when `explain`) explanations of `data`, from one
    /// pass of the preprocessor: what a scoring service needs per batch. A model too costly to
    /// explain (over [`super::validate::MAX_EXPLAIN_COST_PER_ROW`] per row) gives no
    /// explanations and sets [`Scored::explanations_unavailable`].
    pub fn score(&self, data: &Dataset, explain: bool) -> Result<Scored> {
        self.score_with_limit(data, explain, super::validate::MAX_EXPLAIN_COST_PER_ROW)
    }

    /// [`TrainedModel::score`] with another limit of the explanation work per row
    /// ([`TrainedModel::explain_cost_per_row`]; `u64::MAX`: none).
    pub fn score_with_limit(&self, data: &Dataset, explain: bool, limit_per_row: u64) -> Result<Scored> {
        let s = self.score_keeping_nan(data, explain, limit_per_row)?;
        check_probabilities(&s.p_churn)?;
        Ok(s)
    }

    /// [`TrainedModel::score_with_limit`] that leaves `NaN` in `p_churn` for a row whose values
    /// are too extreme for the model to score, instead of failing the batch: for a lenient
    /// caller that writes such rows unscored (their explanations are meaningless).
    pub(crate) fn score_keeping_nan(&self, data: &Dataset, explain: bool, limit_per_row: u64) -> Result<Scored> {
        self.check_features(data)?;
        let t = self.preprocessor.transform(data)?;
        let p_churn = self.predict_transformed_keeping_nan(data, &t)?;
        let method = if explain { self.explanation_method(limit_per_row) } else { None };
        let explanations = match method {
            Some(m) => Some(self.explain_transformed(data, &t, m)?),
            None => None,
        };
        Ok(Scored {
            p_churn,
            unseen_categories: t.unseen,
            explanations,
            explanations_unavailable: explain && method.is_none(),
        })
    }

    /// How scoring explains this model within `limit_per_row` steps a row: Shapley values when
    /// affordable; for boosted trees over the limit, path attribution when that is; else none.
    pub(crate) fn explanation_method(&self, limit_per_row: u64) -> Option<ExplanationMethod> {
        if self.check_explain_cost(limit_per_row).is_ok() {
            Some(ExplanationMethod::Shapley)
        } else if self.path_attribution_cost_per_row().is_some_and(|c| c <= limit_per_row) {
            Some(ExplanationMethod::PathAttribution)
        } else {
            None
        }
    }

    /// Explanations of every row of `data` by `method` (from
    /// [`TrainedModel::explanation_method`]): `score` asks for the rows that get reasons only.
    pub(crate) fn explain_by(&self, data: &Dataset, method: ExplanationMethod) -> Result<Explanations> {
        self.check_features(data)?;
        let t = self.preprocessor.transform(data)?;
        self.explain_transformed(data, &t, method)
    }

    /// [`ChurnModel::predict_proba`] on data already transformed by `self.preprocessor`.
    /// A probability that is not a number (log-odds of +∞ − ∞ from values far beyond the
    /// training data's) is an error naming the row, never a silent `NaN`.
    fn predict_transformed(&self, data: &Dataset, t: &Transformed) -> Result<Vec<f64>> {
        let p = self.predict_transformed_keeping_nan(data, t)?;
        check_probabilities(&p)?;
        Ok(p)
    }

    /// [`TrainedModel::predict_transformed`] with `NaN` left for rows it cannot score; calibrated
    /// when the model carries a calibrator.
    fn predict_transformed_keeping_nan(&self, data: &Dataset, t: &Transformed) -> Result<Vec<f64>> {
        let mut p = self.predict_raw_keeping_nan(data, t)?;
        if let Some(c) = &self.calibrator {
            for v in p.iter_mut().filter(|v| !v.is_nan()) {
                *v = c.apply(*v);
            }
        }
        Ok(p)
    }

    /// The fitted model's probability, before calibration.
    fn predict_raw_keeping_nan(&self, data: &Dataset, t: &Transformed) -> Result<Vec<f64>> {
        match &self.fitted {
            Fitted::Logistic(m) => m.predict_proba(t.x.view()),
            Fitted::Tree(m) => m.predict_proba(t.x.view()),
            Fitted::Gbdt(m) => m.predict_proba(t.x.view()),
            Fitted::Ensemble(e) => {
                let a = e.logistic.decision_function(t.x.view())?;
                let b = e.gbdt.predict_raw(e.tree_preprocessor.transform(data)?.x.view())?;
                Ok(a.iter().zip(&b).map(|(&a, &b)| sigmoid(e.mix(a, b))).collect())
            }
        }
    }

    /// [`TrainedModel::explain`] on data already transformed by `self.preprocessor`.
    /// `method` is [`ExplanationMethod::PathAttribution`] only for boosted trees (the models
    /// [`TrainedModel::path_attribution_cost_per_row`] prices).
    fn explain_transformed(&self, data: &Dataset, t: &Transformed, method: ExplanationMethod) -> Result<Explanations> {
        let trees = |b: &super::boosted::Booster, x: ndarray::ArrayView2<f64>| match method {
            ExplanationMethod::Shapley => b.shap_values(x),
            ExplanationMethod::PathAttribution => b.path_attribution(x),
        };
        let sources = self.preprocessor.output_sources();
        let n_in = self.features.len();
        let mut out = ndarray::Array2::<f64>::zeros((data.n_rows(), n_in));
        let base = match &self.fitted {
            Fitted::Logistic(m) => {
                // Standardised columns have training mean 0, so coefᵢ·zᵢ is the deviation from
                // an average customer (one-hot columns: from the baseline of all levels off).
                for (i, row) in t.x.outer_iter().enumerate() {
                    for (k, v) in row.iter().enumerate() {
                        out[[i, sources[k]]] += m.coef[k] * v;
                    }
                }
                m.intercept
            }
            Fitted::Tree(m) => {
                let s = m.shap_values(t.x.view())?;
                add_by_source(&mut out, &s.values, &sources);
                s.base_value
            }
            Fitted::Gbdt(m) => {
                let s = trees(m, t.x.view())?;
                add_by_source(&mut out, &s.values, &sources);
                s.base_value
            }
            Fitted::Ensemble(e) => {
                // Each member's contributions times its weight: they sum to the mixed log-odds.
                let (wl, wg) = (e.logistic_weight, 1.0 - e.logistic_weight);
                for (i, row) in t.x.outer_iter().enumerate() {
                    for (k, v) in row.iter().enumerate() {
                        out[[i, sources[k]]] += wl * e.logistic.coef[k] * v;
                    }
                }
                let s = trees(&e.gbdt, e.tree_preprocessor.transform(data)?.x.view())?;
                add_by_source(&mut out, &(wg * &s.values), &e.tree_preprocessor.output_sources());
                e.mix(e.logistic.intercept, s.base_value)
            }
        };
        Ok(Explanations {
            features: self.features.iter().map(|f| f.name.clone()).collect(),
            contributions: out,
            base,
            method,
        })
    }

    /// Global importance of each input feature: mean absolute contribution over `data`.
    pub fn importance(&self, data: &Dataset) -> Result<Vec<(String, f64)>> {
        let e = self.explain(data)?;
        let n = data.n_rows().max(1) as f64;
        let mut v: Vec<(String, f64)> = e
            .features
            .iter()
            .enumerate()
            .map(|(j, f)| (f.clone(), e.contributions.column(j).iter().map(|c| c.abs()).sum::<f64>() / n))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(v)
    }

    /// The model with `calibrator` applied to its probabilities (replacing any it had).
    pub fn with_calibrator(mut self, calibrator: Calibrator) -> TrainedModel {
        self.calibrator = Some(calibrator);
        self
    }

    /// The model with how its features were built (see [`FeatureBuild`]); checked against the
    /// model's features by [`TrainedModel::validate`].
    pub fn with_feature_build(mut self, build: FeatureBuild) -> TrainedModel {
        self.feature_build = Some(build);
        self
    }

    /// The label window the probability refers to, when the model file records it.
    pub fn label_window(&self) -> Option<LabelWindow> {
        self.feature_build.as_ref().map(|b| b.label)
    }

    /// Writes the model file (JSON with a checksum, see [`super::file`]): validated, written to
    /// a temporary file beside `path`, read back and compared with `self`, then renamed to
    /// `path`. A file under `path` therefore always loads, and `path` is untouched on error.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        super::file::write(self, path.as_ref())
    }

    /// Reads a model file, checking its schema version, its checksum and that its parts agree
    /// ([`TrainedModel::validate`]).
    pub fn load(path: impl AsRef<Path>) -> Result<TrainedModel> {
        super::file::read(path.as_ref())
    }

    /// Reads a model file's bytes from any reader (a database blob, an HTTP body), with the
    /// same checks as [`TrainedModel::load`]: schema version, checksum, validation.
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::prelude::*;
    /// let x: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
    /// let y: Vec<bool> = (0..200).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
    /// let model = ModelParams::new(ModelKind::Logistic).fit(&Dataset::new(vec![Column::numeric("x", x)])?.with_churned(y)?)?;
    /// let mut bytes = Vec::new();
    /// model.to_writer(&mut bytes)?;
    /// assert_eq!(TrainedModel::from_reader(bytes.as_slice())?, model);
    /// // A corrupted byte is refused, whatever the source.
    /// let bad = String::from_utf8(bytes).unwrap().replace("\"training_rows\":200", "\"training_rows\":20");
    /// assert!(matches!(TrainedModel::from_reader(bad.as_bytes()), Err(Error::ModelChecksum { .. })));
    /// # Ok(()) }
    /// ```
    pub fn from_reader(reader: impl std::io::Read) -> Result<TrainedModel> {
        super::file::read_from(reader, None)
    }

    /// Writes the model file's bytes (validated, with its checksum) to any writer; the bytes are
    /// what [`TrainedModel::save`] writes and [`TrainedModel::from_reader`] reads.
    pub fn to_writer(&self, mut writer: impl std::io::Write) -> Result<()> {
        let bytes = super::file::to_json(self)?;
        writer.write_all(&bytes).and_then(|()| writer.flush()).map_err(|e| Error::io("write model", "<writer>", e))
    }
}

fn add_by_source(out: &mut ndarray::Array2<f64>, values: &ndarray::Array2<f64>, sources: &[usize]) {
    for (i, row) in values.outer_iter().enumerate() {
        for (k, v) in row.iter().enumerate() {
            out[[i, sources[k]]] += v;
        }
    }
}

/// A probability that is not a number is an error naming its row.
fn check_probabilities(p: &[f64]) -> Result<()> {
    match p.iter().position(|v| v.is_nan()) {
        Some(row) => Err(Error::NonFinite {
            context: "the churn probability (the row's values are too extreme for the model to score)".into(),
            row,
            value: f64::NAN,
        }),
        None => Ok(()),
    }
}

impl ChurnModel for TrainedModel {
    fn predict_proba(&self, data: &Dataset) -> Result<Vec<f64>> {
        self.check_features(data)?;
        self.predict_transformed(data, &self.preprocessor.transform(data)?)
    }
}
