//! A boosted-trees model as an XGBoost JSON model file: XGBoost, and the tools that read its
//! format (shap's `TreeExplainer`, Treelite, BigQuery ML's imported XGBoost models), then score
//! and explain it without our library.
//!
//! [`XgboostParams::export`] writes the trees of a [`Fitted::Gbdt`] model (also `auto`'s choice
//! when it chose boosted trees) in XGBoost's JSON schema (`binary:logistic`, `gbtree`), readable
//! by XGBoost 1.7 to 3.x (`xgboost.Booster(model_file=…)`). The model's inputs are the columns of
//! its **tree model matrix** ([`crate::models::preprocess::Preprocessor::transform`]), named in
//! [`XgboostExport::feature_names`]: numeric features as they are (missing = `NaN`), a
//! one-hot column `name=level` (0/1, plus `name=__other__` / `name=__missing__` where the model
//! has them) per kept level of a one-hot categorical, and, for natively split categoricals, one
//! column of category codes (feature type `c`; code `k` is `levels[k]`, `__other__` is
//! `levels.len()`, missing and unseen values are `NaN`), listed in
//! [`XgboostExport::categories`] and in the file's `learner.attributes`.
//!
//! **What is and is not exact.** XGBoost stores thresholds and leaf values as `f32`, converts
//! the input to `f32`, goes left when `x < threshold` (ours: `x ≤ threshold`) and sums in
//! `f32`. Each threshold `t` is written as the `f32` just above `t`'s `f32` rounding, so a row
//! reaches **the same leaf** in every tree whenever its values round to `f32` differently from
//! the thresholds they are compared with — always for integers below 2²⁴, `f32`-exact values and
//! values more than one `f32` rounding (≈ 6e-8 relative) above a threshold. The raw score then
//! differs by the `f32` rounding of leaf values and sums: measured with XGBoost 3.2 on the
//! bundled sample's snapshot (`tests/export_xgboost.rs`, ~1,900 rows, 659–703 trees) at most
//! 1e-5 in log-odds, 6e-7 in probability and 1.3e-6 in XGBoost's own TreeSHAP contributions, with
//! every leaf identical except for one row per model whose value ties a threshold in `f32`. Categorical splits go the same way as ours for every value the model matrix
//! holds (codes `0..=levels`, `NaN` for missing and unseen values): XGBoost sends codes in a
//! split's set right, so where our set goes left the file holds its complement among the 256
//! codes a split can name (a code of 256 or more, which the matrix never holds, would go left).
//!
//! A model's **Platt calibrator** (`train --calibrate platt`, or the map `auto` keeps for its
//! winner) is folded into the file: `σ(a · (base + Σ leaves) + b)` is the booster whose leaf
//! values are scaled by `a` and whose base margin is `a · base + b`, so XGBoost predicts the
//! calibrated probabilities (to the same `f32` rounding) and its TreeSHAP gives the library's
//! contributions × `a`. An isotonic calibrator has no place in XGBoost's format: the export
//! refuses such a model unless [`XgboostParams::uncalibrated`] accepts that the file predicts
//! the booster's own probabilities (which also drops a Platt calibrator). Logistic regression, single trees and blends are
//! refused (`export-sql` takes every kind).
//!
//! ```
//! use attrition::export::xgboost::XgboostParams;
//! use attrition::models::{Learner, trained::{ModelKind, ModelParams}};
//! use attrition::{Column, Dataset};
//! let x: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
//! let plan: Vec<Option<&str>> = (0..200).map(|i| Some(["basic", "pro"][i % 2])).collect();
//! let y: Vec<bool> = (0..200).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
//! let data = Dataset::new(vec![Column::numeric("logins", x), Column::categorical("plan", &plan)])
//!     .unwrap()
//!     .with_churned(y)
//!     .unwrap();
//! let model = ModelParams::new(ModelKind::Gbdt).seed(1).fit(&data).unwrap();
//! let export = XgboostParams::new().export(&model).unwrap();
//! assert_eq!(export.feature_names, ["logins", "plan=basic", "plan=pro"]);
//! let json: serde_json::Value = serde_json::from_str(&export.json).unwrap();
//! assert_eq!(json["learner"]["objective"]["name"], "binary:logistic");
//! ```

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::models::boosted::Link;
use crate::models::calibration::Calibrator;
use crate::models::hist::forest::{Forest, MAX_CATEGORY_CODES};
use crate::models::preprocess::{InputSpec, PreprocessMode};
use crate::models::trained::{Fitted, TrainedModel};

/// Options of [`XgboostParams::export`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XgboostParams {
    /// Export a calibrated model's booster without its calibrator (default: fold a Platt
    /// calibrator into the trees, refuse an isotonic one).
    pub uncalibrated: bool,
}

/// The XGBoost model file of [`XgboostParams::export`] and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct XgboostExport {
    /// The model in XGBoost's JSON schema (one line).
    pub json: String,
    /// Trees written.
    pub n_trees: usize,
    /// Names of the model-matrix columns, XGBoost's `feature_names` (`[`, `]` and `<`, which
    /// XGBoost refuses in a name, are written `(`, `)` and `lt`).
    pub feature_names: Vec<String>,
    /// XGBoost's `feature_types`: `float`, or `c` for a column of category codes.
    pub feature_types: Vec<&'static str>,
    /// For each column of category codes: its name and the levels its codes stand for
    /// (`__other__` last when the model has it).
    pub categories: Vec<(String, Vec<String>)>,
    /// Whether a calibrator was left out ([`XgboostParams::uncalibrated`]).
    pub calibrator_dropped: bool,
    /// Whether a Platt calibrator was folded into the leaf values and the base margin.
    pub calibrator_folded: bool,
}

impl XgboostParams {
    /// Fold a Platt calibrator into the trees; refuse an isotonic one.
    pub fn new() -> XgboostParams {
        XgboostParams::default()
    }

    /// Export a calibrated model's booster without its calibrator.
    pub fn uncalibrated(mut self, yes: bool) -> XgboostParams {
        self.uncalibrated = yes;
        self
    }

    /// Nothing to check (every combination is valid); kept for the builder pattern.
    pub fn check(&self) -> Result<()> {
        Ok(())
    }

    /// The XGBoost model file of `model` (see the [module docs](self)).
    pub fn export(&self, model: &TrainedModel) -> Result<XgboostExport> {
        self.check()?;
        model.validate()?;
        let refuse = |reason: String| Error::InvalidParameter { name: "model", value: model.kind.to_string(), reason };
        let Fitted::Gbdt(booster) = &model.fitted else {
            return Err(refuse(
                "XGBoost's format holds boosted trees only; this model is not one (export-sql takes every kind)".into(),
            ));
        };
        if booster.link() != Link::Logistic {
            return Err(refuse("the boosted trees do not use the logistic link of binary:logistic".into()));
        }
        // The Platt map folded in: σ(a · margin + b).
        let (scale, shift) = match (&model.calibrator, self.uncalibrated) {
            (None, _) | (Some(_), true) => (1.0, 0.0),
            (Some(Calibrator::Platt { a, b }), false) => (*a, *b),
            (Some(Calibrator::Isotonic { .. }), false) => {
                return Err(Error::InvalidParameter {
                    name: "calibrator",
                    value: "isotonic".into(),
                    reason: "XGBoost's format cannot hold an isotonic calibrator; export uncalibrated \
                             (--uncalibrated) to write the booster's own probabilities"
                        .into(),
                });
            }
        };
        let pre = &model.preprocessor;
        if pre.mode != PreprocessMode::Tree {
            return Err(refuse("the boosted trees' preprocessor is not in tree mode".into()));
        }
        let forest = booster.forest();
        let names: Vec<String> = pre.output_names().iter().map(|n| xgboost_name(n)).collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(refuse(format!("two model-matrix columns are both named `{n}` for XGBoost")));
            }
        }
        let sources = pre.output_sources();
        let categorical = pre.categorical_outputs();
        let mut types = vec!["float"; names.len()];
        let mut categories = Vec::new();
        for &k in &categorical {
            types[k] = "c";
            if let InputSpec::Categorical { levels, other, .. } = &pre.inputs[sources[k]] {
                let mut l = levels.clone();
                if *other {
                    l.push("__other__".into());
                }
                categories.push((names[k].clone(), l));
            }
        }
        let trees: Vec<Value> = (0..forest.n_trees()).map(|t| tree_json(forest, t, names.len(), scale)).collect();
        let n_trees = trees.len();

        let mut attributes = Map::new();
        attributes.insert("attrition_version".into(), Value::String(env!("CARGO_PKG_VERSION").into()));
        attributes.insert(
            "attrition_checksum".into(),
            Value::String(crate::models::file::checksum(model).unwrap_or_else(|_| "unavailable".into())),
        );
        attributes.insert(
            "attrition_categories".into(),
            Value::String(serde_json::to_string(&categories).map_err(|e| Error::Json { path: None, source: e })?),
        );
        let base_score = Link::Logistic.apply(scale * booster.init_score() + shift) as f32;
        let doc = json!({
            "learner": {
                "attributes": attributes,
                "feature_names": names,
                "feature_types": types,
                "gradient_booster": {
                    "model": {
                        "gbtree_model_param": { "num_parallel_tree": "1", "num_trees": n_trees.to_string() },
                        "iteration_indptr": (0..=n_trees).collect::<Vec<_>>(),
                        "tree_info": vec![0; n_trees],
                        "trees": trees,
                    },
                    "name": "gbtree",
                },
                "learner_model_param": {
                    "base_score": format!("{base_score:E}"),
                    "boost_from_average": "1",
                    "num_class": "0",
                    "num_feature": names.len().to_string(),
                    "num_target": "1",
                },
                "objective": { "name": "binary:logistic", "reg_loss_param": { "scale_pos_weight": "1" } },
            },
            "version": [2, 0, 0],
        });
        let json = serde_json::to_string(&doc).map_err(|e| Error::Json { path: None, source: e })?;
        Ok(XgboostExport {
            json,
            n_trees,
            feature_names: names,
            feature_types: types,
            categories,
            calibrator_dropped: model.calibrator.is_some() && self.uncalibrated,
            calibrator_folded: model.calibrator.is_some() && !self.uncalibrated,
        })
    }
}

/// A column name XGBoost accepts (it refuses `[`, `]` and `<` in feature names).
fn xgboost_name(name: &str) -> String {
    name.replace('[', "(").replace(']', ")").replace('<', "lt")
}

/// The smallest `f32` above `t`'s `f32` rounding: `f32(x) < condition` exactly when `x ≤ t` for
/// every `x` whose `f32` rounding differs from `t`'s (rounding is monotone). A threshold beyond
/// `f32`'s range (an open last bin is stored as `f64::MAX`) becomes `f32::MAX`: every value
/// below it goes left (JSON has no infinity).
fn split_condition(t: f64) -> f32 {
    let c = next_up(t as f32);
    if c.is_finite() { c } else { f32::MAX }
}

/// The least `f32` greater than `x` (`f32::next_up`, stable only since Rust 1.86; the crate
/// supports 1.85).
fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        x
    } else if x == 0.0 {
        f32::from_bits(1)
    } else if x > 0.0 {
        f32::from_bits(x.to_bits() + 1)
    } else {
        f32::from_bits(x.to_bits() - 1)
    }
}

/// Tree `t` of `forest` in XGBoost's layout (nodes numbered from the root in stored order), its
/// node values multiplied by `scale` (a Platt calibrator's slope).
fn tree_json(forest: &Forest, t: usize, n_features: usize, scale: f64) -> Value {
    let range = forest.tree_range(t);
    let root = range.start;
    let n = range.len();
    let local = |k: u32| (k as usize - root) as i64;
    let mut left = Vec::with_capacity(n);
    let mut right = Vec::with_capacity(n);
    let mut parents = vec![2_147_483_647_i64; n];
    let mut conditions = Vec::with_capacity(n);
    let mut indices = Vec::with_capacity(n);
    let mut default_left = Vec::with_capacity(n);
    let mut split_type = Vec::with_capacity(n);
    let (mut cat_nodes, mut cat_segments, mut cat_sizes, mut cats) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for k in range.clone() {
        if forest.is_leaf(k) {
            left.push(-1_i64);
            right.push(-1_i64);
            conditions.push((scale * forest.value[k]) as f32);
            indices.push(0_u32);
            default_left.push(0_u8);
            split_type.push(0_u8);
            continue;
        }
        let (l, r) = (local(forest.left[k]), local(forest.right[k]));
        parents[l as usize] = (k - root) as i64;
        parents[r as usize] = (k - root) as i64;
        indices.push(forest.feature[k]);
        match forest.categories_of(k) {
            None => {
                left.push(l);
                right.push(r);
                conditions.push(split_condition(forest.threshold[k]));
                default_left.push(u8::from(forest.default_left[k]));
                split_type.push(0);
            }
            Some(set) => {
                // XGBoost: a code in the set goes right, any other code left, a missing value
                // by `default_left` (and its predictor takes the right child to be the left
                // one + 1, so children cannot be swapped). Ours: the set goes against the
                // default direction, everything else (other codes, missing) the default way.
                // Default left: the same set. Default right: the set's complement among the
                // codes a split can name (0..256), which sends every code the model matrix can
                // hold (0..=levels, `NaN` for missing and unseen) our way.
                left.push(l);
                right.push(r);
                conditions.push(0.0);
                default_left.push(u8::from(forest.default_left[k]));
                split_type.push(1);
                cat_nodes.push((k - root) as i64);
                cat_segments.push(cats.len());
                let before = cats.len();
                if forest.default_left[k] {
                    cats.extend_from_slice(set);
                } else {
                    cats.extend((0..MAX_CATEGORY_CODES).filter(|c| set.binary_search(c).is_err()));
                }
                cat_sizes.push(cats.len() - before);
            }
        }
    }
    let values: Vec<f32> = range.clone().map(|k| (scale * forest.value[k]) as f32).collect();
    let hessians: Vec<f32> = range.clone().map(|k| forest.cover[k] as f32).collect();
    let gains: Vec<f32> = range.map(|k| forest.gain[k] as f32).collect();
    json!({
        "base_weights": values,
        "categories": cats,
        "categories_nodes": cat_nodes,
        "categories_segments": cat_segments,
        "categories_sizes": cat_sizes,
        "default_left": default_left,
        "id": t,
        "left_children": left,
        "loss_changes": gains,
        "parents": parents,
        "right_children": right,
        "split_conditions": conditions,
        "split_indices": indices,
        "split_type": split_type,
        "sum_hessian": hessians,
        "tree_param": {
            "num_deleted": "0",
            "num_feature": n_features.to_string(),
            "num_nodes": n.to_string(),
            "size_leaf_vector": "1",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_conditions_order_like_less_or_equal_for_f32_values() {
        for t in [0.0, 1.0, 2.5, -3.0, 0.1, 1.0 / 3.0, 16_777_216.0, 1e30, -1e-30] {
            // (f64::MAX, an open last bin, is checked below.)
            let c = split_condition(t);
            assert!(f64::from(c) > t, "{t}");
            // Every f32 at or below t's rounding goes left; the next one up does not.
            let r = t as f32;
            assert_eq!(next_up(r), c, "{t}");
            let below = -next_up(-r);
            for x in [below, r, next_up(r)] {
                if f64::from(x) <= t {
                    assert!(x < c, "{t}: {x} goes left");
                } else if x != r {
                    assert!(x >= c, "{t}: {x} goes right");
                }
            }
        }
    }

    #[test]
    fn next_up_steps_one_f32() {
        assert_eq!(next_up(1.0), 1.0 + f32::EPSILON);
        assert_eq!(next_up(0.0), f32::from_bits(1));
        assert_eq!(next_up(-0.0), f32::from_bits(1));
        assert_eq!(next_up(-f32::from_bits(1)), -0.0);
        assert_eq!(next_up(f32::MAX), f32::INFINITY);
        assert_eq!(next_up(f32::NEG_INFINITY), -f32::MAX);
    }

    #[test]
    fn an_open_last_bin_stays_finite() {
        assert_eq!(split_condition(f64::MAX), f32::MAX);
        assert_eq!(split_condition(-f64::MAX), -f32::MAX);
    }

    #[test]
    fn names_xgboost_refuses_are_rewritten() {
        assert_eq!(xgboost_name("spend[usd]<100"), "spend(usd)lt100");
        assert_eq!(xgboost_name("plan=pro"), "plan=pro");
    }
}
