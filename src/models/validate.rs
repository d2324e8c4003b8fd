//! Does a model hold together? The checks a model passes when its file is read and before one
//! is written ([`TrainedModel::validate`]).
//!
//! A model file is several parts written together — the feature list, the preprocessing fitted
//! on the training data, the fitted model of one family, training statistics — and each part is
//! only meaningful with the others: a coefficient belongs to a model-matrix column, which comes
//! from a preprocessor input, which reads a feature by name. The checks, part by part:
//!
//! - **model**: `schema_version` is this build's; `training_rows` ≥ 1; `training_churn_rate`
//!   in (0, 1) (the risk tiers are relative to it).
//! - **features**: names non-empty and distinct; the same names, kinds and order as the
//!   preprocessor's inputs (and the ensemble's tree preprocessor's). What ties a name to a
//!   position is the preprocessor's per-feature statistics and levels, so a reordered feature
//!   list is refused; a permutation of the features *together with* their statistics and
//!   coefficients is consistent, and only the file's checksum ([`super::file`]) detects it.
//! - **preprocessor**: its mode is the one the family needs (linear for logistic and ensemble,
//!   tree for trees); numeric statistics finite, standard deviations > 0; in tree mode numbers
//!   pass through (no transform, no missing indicator); categorical levels distinct; native
//!   categorical columns only in tree mode.
//! - **fitted**: the family `kind` names; its input width is the preprocessor's output width;
//!   logistic coefficients and intercept within ±[`MAX_ABS_COEFFICIENT`]; trees: structure as
//!   checked when read (children after their parent, one parent per node, feature indices in
//!   range, depth ≤ [`MAX_TREE_DEPTH`], covers ≥ 0), a single tree's leaves are probabilities,
//!   boosted trees use the log-loss objective with the logistic link and cannot add up to a
//!   log-odds beyond ±[`MAX_ABS_LOG_ODDS`]; categorical splits only on native categorical
//!   columns, naming only their codes (levels, then `__other__`), and no threshold split on
//!   those columns; a single tree has no categorical split; an ensemble's weight is in [0, 1]; `kind` is never
//!   `auto` (a fitted model names the family chosen).
//! - **profile** (schema 4): one entry per feature, same names and order, numeric or
//!   categorical as the feature is; shares in [0, 1]; bin edges finite and increasing with one
//!   share more than edges; typical values finite.
//! - **selection** (models chosen by `auto`): a non-empty table of distinct candidates with
//!   finite log-loss and ROC-AUC in [0, 1], no more rows than the portfolio (the same for the
//!   confirmation's table, when a sampled search was confirmed), and the chosen candidate in it
//!   (in the confirmation's, when there is one) and of the model's family; or, when the
//!   training data had a single row of a class and nothing was searched, no table, the reason
//!   recorded, and a logistic model.
//!
//! Every size a valid model implies is bounded by its file's size: the input width is the
//! number of features and levels written in the file, trees have as many nodes as their arrays,
//! and the depth cap bounds the work per node, so a small file cannot demand a large amount of
//! memory or time. What explaining a model costs per row is estimated by
//! [`TrainedModel::explain_cost_per_row`]; above [`MAX_EXPLAIN_COST_PER_ROW`] (or a limit the
//! caller sets), explanations are refused ([`crate::Error::ExplainTooCostly`]) and scoring writes
//! reasons as not available.
//!
//! - **calibrator** (optional): Platt's slope and intercept finite and within
//!   ±[`MAX_ABS_COEFFICIENT`]; isotonic knots as many as values, at least one, probabilities in
//!   [0, 1], both non-decreasing.
//! - **feature_build** (optional): its catalogue resolved (event types fixed), a label window of
//!   at least one day, and every model feature one of the columns the catalogue builds (a model
//!   may use fewer, e.g. after `--drop`).
//! - **training** (optional): the as-of range in order; cross-validated metrics in their ranges
//!   (at least 2 folds, AUCs and Brier in [0, 1], log-loss ≥ 0).
//!
//! A part added to the model file later (issue 18: drift statistics) adds its own `check_*`
//! function here and a call in [`TrainedModel::validate`].
//!
//! ```
//! use attrition::models::{Learner, trained::{ModelKind, ModelParams}};
//! use attrition::{Column, Dataset, Error};
//! let x: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
//! let y: Vec<bool> = (0..200).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
//! let data = Dataset::new(vec![Column::numeric("x", x)]).unwrap().with_churned(y).unwrap();
//! let mut model = ModelParams::new(ModelKind::Logistic).fit(&data).unwrap();
//! assert!(model.validate().is_ok());
//! model.training_churn_rate = 5.0;
//! let e = model.validate().unwrap_err();
//! assert!(matches!(e, Error::InvalidModel { .. }));
//! assert!(e.to_string().contains("training_churn_rate"), "{e}");
//! ```

use std::collections::HashSet;

use super::auto::AutoSelection;
use super::boosted::{Booster, Link};
use super::calibration::Calibrator;
use super::hist::forest::Forest;
use super::logistic::LogisticModel;
use super::preprocess::{InputSpec, PreprocessMode, Preprocessor, Transform};
use super::trained::{FeatureSchema, Fitted, ModelKind, SCHEMA_VERSION, TrainedModel};
use super::tree::DecisionTree;
use crate::dataset::ColumnKind;
use crate::error::{Error, Result};

pub use super::hist::MAX_TREE_DEPTH;

/// Largest |coefficient| or |intercept| of a logistic model (log-odds per standard deviation).
/// Fitted models stay far below it (a coefficient of 40 already moves a probability from ½ to
/// within 1e-17 of 0 or 1); values beyond it come from a damaged or crafted file, and the sums
/// they make overflow to a probability that is not a number.
pub const MAX_ABS_COEFFICIENT: f64 = 1e6;

/// Largest |log-odds| boosted trees may add up to (their initial score plus each tree's largest
/// leaf); keeps every raw score finite.
pub const MAX_ABS_LOG_ODDS: f64 = 1e6;

/// Default limit of the TreeSHAP work per row (path-element updates and table lookups, or
/// Linear TreeSHAP's work in the same unit, as estimated by
/// [`TrainedModel::explain_cost_per_row`]) above which explanations are refused: at about
/// 1–1.5 ns a step, some 4–6 ms per row on one core. Our default boosted trees cost about 1,100
/// a row on IBM Telco; a depth-64 chain (the deepest tree a file may hold) over 40 features
/// about 20,600; 1,000 trees of 63 leaves on 20 features about 4.3 million (4.6 ms a row) and 300
/// trees of 255 leaves about 6.8 million (6.2 ms a row; 33 million and 22 ms by the recursion
/// alone), which a caller can still explain by raising the limit
/// ([`TrainedModel::explain_with_limit`], `attrition score --max-explain-cost`).
pub const MAX_EXPLAIN_COST_PER_ROW: u64 = 4_000_000;

/// `v` for a message: plain when of everyday size, else in scientific notation (1e308, not 309
/// digits).
fn num(v: f64) -> String {
    if v == 0.0 || (1e-4..1e15).contains(&v.abs()) { v.to_string() } else { format!("{v:e}") }
}

/// The optional parts of [`super::artifact`] and the calibrator.
fn check_artifact(m: &TrainedModel) -> Result<()> {
    let input = &m.input;
    if input.row_ids && input.id_column.is_some() {
        return Err(invalid("input", "both an id column and numbered rows (`row_ids`): the file had one or the other"));
    }
    if input.id_column.as_deref().is_some_and(|c| c.trim().is_empty())
        || input.na_values.iter().any(|v| v.trim().is_empty())
    {
        return Err(invalid(
            "input",
            "an empty id column name or missing-value marker (blank cells are always missing)",
        ));
    }
    match &m.calibrator {
        None => {}
        Some(Calibrator::Platt { a, b }) => {
            for (name, v) in [("a", a), ("b", b)] {
                if !(v.is_finite() && v.abs() <= MAX_ABS_COEFFICIENT) {
                    return Err(invalid(
                        format!("calibrator.{name}"),
                        format!("{} is not a finite number within ±{}", num(*v), num(MAX_ABS_COEFFICIENT)),
                    ));
                }
            }
        }
        Some(Calibrator::Isotonic { x, y }) => {
            if x.is_empty() || x.len() != y.len() {
                return Err(invalid(
                    "calibrator",
                    format!("isotonic map with {} knots and {} values (needs as many, at least one)", x.len(), y.len()),
                ));
            }
            for (name, v) in [("x", x), ("y", y)] {
                if let Some(i) = v.iter().position(|p| !(0.0..=1.0).contains(p)) {
                    return Err(invalid(
                        format!("calibrator.{name}[{i}]"),
                        format!("{} is not a probability", num(v[i])),
                    ));
                }
                if let Some(i) = v.windows(2).position(|w| w[1] < w[0]) {
                    return Err(invalid(
                        format!("calibrator.{name}[{}]", i + 1),
                        "decreases: the map must be monotone",
                    ));
                }
            }
        }
    }
    if let Some(build) = &m.feature_build {
        if !build.catalogue.is_resolved() {
            return Err(invalid("feature_build.catalogue", "not resolved: its event types are not fixed"));
        }
        if build.label.horizon_days == 0 {
            return Err(invalid("feature_build.label.horizon_days", "0: the label window must be at least one day"));
        }
        let built: HashSet<String> = build.catalogue.feature_names().into_iter().collect();
        let missing: Vec<&str> = m.features.iter().map(|f| f.name.as_str()).filter(|n| !built.contains(*n)).collect();
        if !missing.is_empty() {
            return Err(invalid(
                "feature_build.catalogue",
                format!(
                    "does not build the model's feature{} {}",
                    if missing.len() > 1 { "s" } else { "" },
                    crate::error::name_list(&missing, 10)
                ),
            ));
        }
    }
    if let Some(p) = &m.profile {
        check_profile(p, &m.features)?;
    }
    if let Some(t) = &m.training {
        if let Some(r) = &t.as_of
            && r.first > r.last
        {
            return Err(invalid("training.as_of", format!("first {} is after last {}", r.first, r.last)));
        }
        if let Some(cv) = &t.cv {
            let unit = |v: f64| (0.0..=1.0).contains(&v);
            let checks = [
                ("folds", cv.folds >= 2, cv.folds as f64),
                ("roc_auc", unit(cv.roc_auc), cv.roc_auc),
                ("pr_auc", unit(cv.pr_auc), cv.pr_auc),
                ("brier", unit(cv.brier), cv.brier),
                ("log_loss", cv.log_loss.is_finite() && cv.log_loss >= 0.0, cv.log_loss),
                ("top_decile_lift", cv.top_decile_lift.is_finite() && cv.top_decile_lift >= 0.0, cv.top_decile_lift),
            ];
            for (name, ok, v) in checks {
                if !ok {
                    return Err(invalid(format!("training.cv.{name}"), format!("{} is out of its range", num(v))));
                }
            }
        }
    }
    Ok(())
}

fn check_bins(part: &str, b: &crate::models::profile::Bins) -> Result<()> {
    if b.shares.len() != b.edges.len() + 1 {
        return Err(invalid(part, format!("{} shares for {} edges (needs one more)", b.shares.len(), b.edges.len())));
    }
    if let Some(i) = b.edges.iter().position(|e| !e.is_finite()) {
        return Err(invalid(format!("{part}.edges[{i}]"), format!("{} is not finite", num(b.edges[i]))));
    }
    if let Some(i) = b.edges.windows(2).position(|w| w[1] <= w[0]) {
        return Err(invalid(format!("{part}.edges[{}]", i + 1), "does not increase"));
    }
    if let Some(i) = b.shares.iter().position(|s| !(0.0..=1.0).contains(s)) {
        return Err(invalid(format!("{part}.shares[{i}]"), format!("{} is not a share in [0, 1]", num(b.shares[i]))));
    }
    Ok(())
}

fn check_profile(p: &crate::models::profile::TrainingProfile, features: &[FeatureSchema]) -> Result<()> {
    if p.features.len() != features.len() {
        return Err(invalid(
            "profile.features",
            format!("{} profiles for {} features", p.features.len(), features.len()),
        ));
    }
    check_bins("profile.score", &p.score)?;
    let unit = |v: f64| (0.0..=1.0).contains(&v);
    for (i, (fp, f)) in p.features.iter().zip(features).enumerate() {
        let part = format!("profile.features[{i}]");
        if fp.name != f.name {
            return Err(invalid(part, format!("is `{}` but the model's feature {i} is `{}`", fp.name, f.name)));
        }
        if !unit(fp.missing_share) {
            return Err(invalid(format!("{part}.missing_share"), format!("{} is not a share", num(fp.missing_share))));
        }
        let numeric = f.kind == ColumnKind::Numeric;
        if (fp.categorical.is_some() && numeric) || (fp.numeric.is_some() && !numeric) {
            return Err(invalid(part, format!("its kind differs from the feature `{}`'s", f.name)));
        }
        if let Some(n) = &fp.numeric {
            check_bins(&format!("{part}.numeric.bins"), &n.bins)?;
            for t in [n.retained, n.churned] {
                for v in [t.median, t.mean, t.share_positive].into_iter().flatten() {
                    if !v.is_finite() {
                        return Err(invalid(
                            format!("{part}.numeric"),
                            format!("typical value {} is not finite", num(v)),
                        ));
                    }
                }
            }
        }
        if let Some(c) = &fp.categorical {
            if !unit(c.other_share) {
                return Err(invalid(
                    format!("{part}.categorical.other_share"),
                    format!("{} is not a share", num(c.other_share)),
                ));
            }
            for l in &c.levels {
                if !unit(l.share) || !unit(l.churn_rate) {
                    return Err(invalid(
                        format!("{part}.categorical"),
                        format!("level `{}` has a share or churn rate outside [0, 1]", l.level),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn invalid(part: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidModel { path: None, part: part.into(), reason: reason.into() }
}

impl TrainedModel {
    /// Checks that the model's parts agree and hold sane values (see the [module
    /// docs](crate::models::validate)); [`crate::Error::InvalidModel`] names the part and what
    /// is wrong. [`TrainedModel::load`] and [`TrainedModel::save`] call it.
    pub fn validate(&self) -> Result<()> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(invalid(
                "schema_version",
                format!("{} in memory, but this build writes version {SCHEMA_VERSION}", self.schema_version),
            ));
        }
        if self.training_rows == 0 {
            return Err(invalid("training_rows", "0: a fitted model was trained on some rows"));
        }
        let rate = self.training_churn_rate;
        if !(rate > 0.0 && rate < 1.0) {
            return Err(invalid(
                "training_churn_rate",
                format!("{} is not a churn rate in (0, 1) (the training data had both outcomes)", num(rate)),
            ));
        }
        if family(&self.fitted) != self.kind.to_string() {
            return Err(invalid(
                "kind",
                format!("the model says `{}` but its fitted part is a {} model", self.kind, family(&self.fitted)),
            ));
        }
        check_features(&self.features)?;
        check_artifact(self)?;
        if let Some(sel) = &self.selection {
            check_selection(sel, self.kind)?;
        }
        let mode = match self.kind {
            ModelKind::Logistic | ModelKind::Ensemble => PreprocessMode::Linear,
            ModelKind::Tree | ModelKind::Gbdt => PreprocessMode::Tree,
            // Never a fitted model's kind (it names the family chosen); refused above.
            ModelKind::Auto => {
                return Err(invalid("kind", "`auto` chooses a family; a fitted model names the one chosen"));
            }
        };
        check_preprocessor("preprocessor", &self.preprocessor, &self.features, mode, self.kind)?;
        let width = self.preprocessor.output_sources().len();
        match (self.kind, &self.fitted) {
            (ModelKind::Logistic, Fitted::Logistic(m)) => check_logistic("fitted", m, width),
            (ModelKind::Tree, Fitted::Tree(m)) => check_tree("fitted", m, width),
            (ModelKind::Gbdt, Fitted::Gbdt(b)) => {
                check_booster("fitted", b, width)?;
                check_categorical_splits("fitted", b.forest(), &self.preprocessor)
            }
            (ModelKind::Ensemble, Fitted::Ensemble(e)) => {
                let w = e.logistic_weight;
                if !(0.0..=1.0).contains(&w) {
                    return Err(invalid("fitted.logistic_weight", format!("{} is not a weight in [0, 1]", num(w))));
                }
                check_logistic("fitted.logistic", &e.logistic, width)?;
                check_preprocessor(
                    "fitted.tree_preprocessor",
                    &e.tree_preprocessor,
                    &self.features,
                    PreprocessMode::Tree,
                    self.kind,
                )?;
                check_booster("fitted.gbdt", &e.gbdt, e.tree_preprocessor.output_sources().len())?;
                check_categorical_splits("fitted.gbdt", e.gbdt.forest(), &e.tree_preprocessor)
            }
            (kind, fitted) => Err(invalid(
                "kind",
                format!("the model says `{kind}` but its fitted part is a {} model", family(fitted)),
            )), // (checked above; kept so that a new family cannot be forgotten here)
        }
    }

    /// Estimated work to explain one row (TreeSHAP path-element updates and table lookups; the
    /// model-matrix width for logistic regression), compared with [`MAX_EXPLAIN_COST_PER_ROW`]
    /// (or the caller's limit) by [`TrainedModel::explain`] and [`TrainedModel::score`]. Builds the trees' TreeSHAP
    /// tables on first use (explaining needs them anyway).
    pub fn explain_cost_per_row(&self) -> u64 {
        match &self.fitted {
            Fitted::Logistic(m) => m.coef.len() as u64,
            Fitted::Tree(m) => m.forest().shap_cost_per_row(),
            Fitted::Gbdt(b) => b.forest().shap_cost_per_row(),
            Fitted::Ensemble(e) => (e.logistic.coef.len() as u64).saturating_add(e.gbdt.forest().shap_cost_per_row()),
        }
    }

    /// `Err(ExplainTooCostly)` when explaining a row costs more than `limit`.
    pub(crate) fn check_explain_cost(&self, limit: u64) -> Result<()> {
        let cost = self.explain_cost_per_row();
        if cost > limit {
            return Err(Error::ExplainTooCostly { cost_per_row: cost, limit });
        }
        Ok(())
    }
}

/// The `auto` record: a non-empty table with distinct names, finite scores, and the chosen row
/// present and of the model's family.
fn check_selection(sel: &AutoSelection, kind: ModelKind) -> Result<()> {
    let part = "selection";
    // Too few rows of a class to search: no table, and logistic regression as it is.
    if sel.table.is_empty() && sel.confirmation.is_none() && sel.trees_skipped.is_some() {
        return if kind == ModelKind::Logistic {
            Ok(())
        } else {
            Err(invalid(part, format!("nothing was searched, but the model is {kind}, not logistic")))
        };
    }
    check_selection_table(&sel.table, sel.portfolio)?;
    if let Some(c) = &sel.confirmation {
        check_selection_table(&c.table, sel.portfolio)?;
    }
    match sel.chosen_score() {
        None => Err(invalid(part, format!("the chosen candidate `{}` is not in the table", sel.chosen))),
        Some(c) if c.stopped_after_folds.is_some() => Err(invalid(
            part,
            format!("the chosen candidate `{}` was stopped by racing (scored on part of the folds)", c.name),
        )),
        Some(c) if c.family != kind => Err(invalid(
            part,
            format!("the chosen candidate `{}` is a {} model but the model is {kind}", c.name, c.family),
        )),
        Some(_) => Ok(()),
    }
}

/// One table of the `auto` record (the search's or its confirmation's): non-empty, no more
/// rows than the portfolio, distinct names, finite scores.
fn check_selection_table(table: &[crate::models::auto::CandidateScore], portfolio: usize) -> Result<()> {
    let part = "selection";
    if table.is_empty() || table.len() > portfolio {
        return Err(invalid(part, format!("{} rows tried of a portfolio of {}", table.len(), portfolio)));
    }
    let mut names = HashSet::new();
    for c in table {
        if !names.insert(c.name.as_str()) {
            return Err(invalid(part, format!("candidate `{}` appears twice", c.name)));
        }
        if !(c.log_loss.is_finite()
            && c.log_loss >= 0.0
            && c.log_loss_se.is_finite()
            && c.log_loss_se >= 0.0
            && (0.0..=1.0).contains(&c.roc_auc))
        {
            return Err(invalid(
                part,
                format!(
                    "candidate `{}`: log-loss {} ± {} / ROC-AUC {} are not scores",
                    c.name,
                    num(c.log_loss),
                    num(c.log_loss_se),
                    num(c.roc_auc)
                ),
            ));
        }
    }
    Ok(())
}

fn family(fitted: &Fitted) -> &'static str {
    match fitted {
        Fitted::Logistic(_) => "logistic",
        Fitted::Tree(_) => "tree",
        Fitted::Gbdt(_) => "gbdt",
        Fitted::Ensemble(_) => "ensemble",
    }
}

fn kind_name(kind: crate::dataset::ColumnKind) -> &'static str {
    match kind {
        crate::dataset::ColumnKind::Numeric => "numeric",
        crate::dataset::ColumnKind::Categorical => "categorical",
    }
}

fn check_features(features: &[FeatureSchema]) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, f) in features.iter().enumerate() {
        if f.name.is_empty() {
            return Err(invalid("features", format!("feature {i} has an empty name")));
        }
        if !seen.insert(f.name.as_str()) {
            return Err(invalid("features", format!("feature `{}` appears twice", f.name)));
        }
    }
    Ok(())
}

fn check_preprocessor(
    part: &str,
    p: &Preprocessor,
    features: &[FeatureSchema],
    mode: PreprocessMode,
    kind: ModelKind,
) -> Result<()> {
    if p.mode != mode {
        return Err(invalid(part, format!("mode {:?} does not suit a {kind} model, which needs {mode:?}", p.mode)));
    }
    if p.inputs.len() != features.len() {
        return Err(invalid(
            part,
            format!("{} inputs for the {} features the model lists", p.inputs.len(), features.len()),
        ));
    }
    for (i, (spec, f)) in p.inputs.iter().zip(features).enumerate() {
        if spec.name() != f.name || spec.kind() != f.kind {
            return Err(invalid(
                "features",
                format!(
                    "feature {i} is `{}` ({}) but input {i} of the {part} is `{}` ({}): the feature list does not \
                     match the preprocessing fitted with it (reordered or edited?)",
                    f.name,
                    kind_name(f.kind),
                    spec.name(),
                    kind_name(spec.kind())
                ),
            ));
        }
        let at = || format!("{part}: feature `{}`", f.name);
        match spec {
            InputSpec::Numeric { transform, median, mean, sd, indicator, .. } => {
                for (what, v) in [("median", *median), ("mean", *mean), ("sd", *sd)] {
                    if !v.is_finite() {
                        return Err(invalid(at(), format!("{what} is {}, not a finite number", num(v))));
                    }
                }
                if *sd <= 0.0 {
                    return Err(invalid(at(), format!("standard deviation {} is not positive", num(*sd))));
                }
                if mode == PreprocessMode::Tree && (*transform != Transform::None || *indicator) {
                    return Err(invalid(
                        at(),
                        "tree-mode preprocessing passes numbers through (no transform, no indicator)",
                    ));
                }
            }
            InputSpec::Categorical { levels, native, .. } => {
                if *native && mode != PreprocessMode::Tree {
                    return Err(invalid(at(), "native categorical columns are for tree-mode preprocessing"));
                }
                let mut seen = HashSet::new();
                if let Some(l) = levels.iter().find(|l| !seen.insert(l.as_str())) {
                    return Err(invalid(at(), format!("level `{l}` appears twice")));
                }
            }
        }
    }
    Ok(())
}

fn check_width(part: &str, what: &str, got: usize, width: usize) -> Result<()> {
    if got != width {
        return Err(invalid(
            part,
            format!("{got} {what} for the {width} model-matrix columns the preprocessing makes"),
        ));
    }
    Ok(())
}

fn check_logistic(part: &str, m: &LogisticModel, width: usize) -> Result<()> {
    check_width(part, "coefficients", m.coef.len(), width)?;
    let bad = |v: f64| v.is_nan() || v.abs() > MAX_ABS_COEFFICIENT;
    if let Some(k) = m.coef.iter().position(|&c| bad(c)) {
        return Err(invalid(part, format!("coefficient {k} is {}, beyond ±{MAX_ABS_COEFFICIENT:e}", num(m.coef[k]))));
    }
    if bad(m.intercept) {
        return Err(invalid(part, format!("intercept {} is beyond ±{MAX_ABS_COEFFICIENT:e}", num(m.intercept))));
    }
    Ok(())
}

/// Categorical splits only on native categorical columns, naming only their codes (the levels
/// and the `__other__` code); threshold splits never on them.
fn check_categorical_splits(part: &str, f: &Forest, pre: &Preprocessor) -> Result<()> {
    let sources = pre.output_sources();
    let native = pre.categorical_outputs();
    for k in (0..f.n_nodes()).filter(|&k| !f.is_leaf(k)) {
        let col = f.feature[k] as usize;
        let spec = sources.get(col).and_then(|&j| pre.inputs.get(j));
        match (f.categories_of(k), spec) {
            (Some(codes), Some(InputSpec::Categorical { name, levels, other, native: true, .. })) => {
                let n_codes = levels.len() + usize::from(*other);
                if let Some(c) = codes.iter().find(|&&c| c as usize >= n_codes) {
                    return Err(invalid(
                        part,
                        format!("node {k} splits `{name}` on category code {c}, but it has {n_codes} codes"),
                    ));
                }
            }
            (Some(_), _) => {
                return Err(invalid(
                    part,
                    format!(
                        "node {k} has a categorical split on column {col}, which is not a native categorical column"
                    ),
                ));
            }
            (None, _) if native.contains(&col) => {
                return Err(invalid(
                    part,
                    format!("node {k} has a threshold split on the native categorical column {col}"),
                ));
            }
            (None, _) => {}
        }
    }
    Ok(())
}

fn check_tree(part: &str, m: &DecisionTree, width: usize) -> Result<()> {
    let f = m.forest();
    check_width(part, "tree inputs", f.n_features, width)?;
    if f.has_categorical() {
        return Err(invalid(part, "a single decision tree has no categorical splits"));
    }
    if !(m.laplace().is_finite() && m.laplace() >= 0.0) {
        return Err(invalid(part, format!("Laplace smoothing {} is not finite and ≥ 0", num(m.laplace()))));
    }
    if let Some(k) = (0..f.n_nodes()).find(|&k| f.is_leaf(k) && !(0.0..=1.0).contains(&f.value[k])) {
        return Err(invalid(part, format!("leaf {k} predicts {}, not a probability", num(f.value[k]))));
    }
    Ok(())
}

fn check_booster(part: &str, b: &Booster, width: usize) -> Result<()> {
    check_width(part, "tree inputs", b.n_features(), width)?;
    if b.objective() != "log_loss" || b.link() != Link::Logistic {
        return Err(invalid(
            part,
            format!(
                "objective `{}` with the {:?} link does not predict churn (log_loss with the logistic link does)",
                b.objective(),
                b.link()
            ),
        ));
    }
    if !(b.learning_rate().is_finite() && b.learning_rate() > 0.0) {
        return Err(invalid(part, format!("learning rate {} is not finite and > 0", num(b.learning_rate()))));
    }
    if let Some(v) = b.validation_loss().iter().find(|v| !v.is_finite()) {
        return Err(invalid(part, format!("validation loss {} is not finite", num(*v))));
    }
    let f = b.forest();
    let mut largest = b.init_score().abs();
    for t in 0..f.n_trees() {
        largest += f.tree_range(t).filter(|&k| f.is_leaf(k)).map(|k| f.value[k].abs()).fold(0.0, f64::max);
    }
    if largest.is_nan() || largest > MAX_ABS_LOG_ODDS {
        return Err(invalid(
            part,
            format!(
                "the initial score and the trees' largest leaves add up to a log-odds of {largest:e}, beyond \
                 ±{MAX_ABS_LOG_ODDS:e}"
            ),
        ));
    }
    Ok(())
}
