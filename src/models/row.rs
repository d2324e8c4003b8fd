//! One customer's row, built by feature name, and its score: what a service does per request.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::prelude::*;
//! let n = 300;
//! let data = Dataset::new(vec![
//!     Column::numeric("tenure", (0..n).map(|i| (i % 30) as f64).collect()),
//!     Column::categorical("Contract", &(0..n).map(|i| Some(if i % 3 == 0 { "Month-to-month" } else { "Two year" })).collect::<Vec<_>>()),
//! ])?
//! .with_churned((0..n).map(|i| i % 3 == 0 && i % 30 < 12).collect())?;
//! let model = ModelParams::new(ModelKind::Logistic).fit(&data)?;
//! let row = model.row().num("tenure", 2.0).cat("Contract", "Month-to-month").build()?;
//! let scored = model.score_one(&row)?;
//! assert!(scored.p_churn > model.training_churn_rate);
//! assert_eq!(scored.tier, "high");
//! assert!(scored.reasons.iter().any(|r| r.feature == "Contract"), "{scored:?}");
//! assert!(scored.reasons.iter().any(|r| r.text == "Contract is Month-to-month"), "{scored:?}");
//! // An unknown name is an error that names the close ones.
//! let err = model.row().num("tenur", 2.0).build().unwrap_err();
//! assert!(err.to_string().contains("`tenure`"), "{err}");
//! # Ok(()) }
//! ```

use std::collections::HashMap;

use serde::Serialize;

use super::trained::TrainedModel;
use crate::dataset::{Column, ColumnKind, Dataset};
use crate::error::{Error, Result};
use crate::io::parse::parse_f64;
use crate::scoring::reasons::{Phrasebook, ReasonOptions};

/// A row being built for a model ([`TrainedModel::row`]): setters never fail; names and kinds
/// are checked by [`RowBuilder::build`], and features not set are missing values.
#[derive(Debug)]
pub struct RowBuilder<'m> {
    model: &'m TrainedModel,
    numeric: Vec<f64>,
    categorical: Vec<Option<String>>,
    problems: Vec<Error>,
}

/// One customer's features in the model's order, ready for [`TrainedModel::score_one`].
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    data: Dataset,
}

impl Row {
    /// The one-row dataset (the model's features, in its order).
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }
}

/// A feature that pushed the customer's risk up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Feature name.
    pub feature: String,
    /// Its contribution to the churn log-odds (probability for a single tree).
    pub contribution: f64,
    /// The reason in words, with the customer's value and a reference from training
    /// ([`crate::scoring::reasons::Phrasebook`]).
    pub text: String,
    /// What kind of trouble it points at (the playbook's key).
    pub family: crate::scoring::reasons::ReasonFamily,
}

/// [`TrainedModel::score_one`]'s result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowScore {
    /// P(churn) (calibrated when the model carries a calibrator).
    pub p_churn: f64,
    /// Risk tier relative to the training churn rate ([`crate::scoring::risk_tier`]).
    pub tier: &'static str,
    /// Up to three features that pushed the risk up most, largest first, in words (empty when
    /// the model is too costly to explain, or for a customer in the low risk tier: see
    /// [`crate::scoring::reasons::ReasonOptions`]).
    pub reasons: Vec<Reason>,
    /// How the reasons were found (Shapley values, or path attribution for boosted trees too
    /// large for TreeSHAP within the explanation limit); `None` when no explanation was
    /// computed (no reasons asked for, or the model too costly to explain either way).
    pub reasons_method: Option<super::trained::ExplanationMethod>,
}

impl<'m> RowBuilder<'m> {
    fn index(&mut self, name: &str, kind: ColumnKind) -> Option<usize> {
        match self.model.features.iter().position(|f| f.name == name) {
            None => {
                let names: Vec<&str> = self.model.features.iter().map(|f| f.name.as_str()).collect();
                self.problems.push(Error::UnknownFeature { name: name.to_owned(), close: close_names(name, &names) });
                None
            }
            Some(j) if self.model.features[j].kind != kind => {
                self.problems.push(Error::FeatureMismatch {
                    reason: format!(
                        "feature `{name}` is {} in the model but was given a {} value",
                        kind_name(self.model.features[j].kind),
                        kind_name(kind)
                    ),
                });
                None
            }
            Some(j) => Some(j),
        }
    }

    /// Sets numeric feature `name` (`NaN`: missing).
    pub fn num(mut self, name: &str, value: f64) -> Self {
        if let Some(j) = self.index(name, ColumnKind::Numeric) {
            self.numeric[j] = value;
        }
        self
    }

    /// Sets categorical feature `name`.
    pub fn cat(mut self, name: &str, value: impl Into<String>) -> Self {
        if let Some(j) = self.index(name, ColumnKind::Categorical) {
            self.categorical[j] = Some(value.into());
        }
        self
    }

    /// Sets feature `name` from text, as a CSV cell would give it: parsed for a numeric
    /// feature (blank: missing), as is for a categorical one (blank: missing).
    pub fn text(mut self, name: &str, value: &str) -> Self {
        let v = value.trim();
        match self.model.features.iter().find(|f| f.name == name).map(|f| f.kind) {
            Some(ColumnKind::Numeric) if v.is_empty() => self.num(name, f64::NAN),
            Some(ColumnKind::Numeric) => match parse_f64(v).filter(|x| x.is_finite()) {
                Some(x) => self.num(name, x),
                None => {
                    self.problems.push(Error::FeatureMismatch {
                        reason: format!("feature `{name}` is numeric but was given `{value}`"),
                    });
                    self
                }
            },
            Some(ColumnKind::Categorical) if v.is_empty() => self,
            Some(ColumnKind::Categorical) => self.cat(name, v),
            None => self.cat(name, v),
        }
    }

    /// The row, or the first problem: an unknown name ([`Error::UnknownFeature`], naming the
    /// model's closest names) or a value of the wrong kind ([`Error::FeatureMismatch`]).
    pub fn build(mut self) -> Result<Row> {
        if !self.problems.is_empty() {
            return Err(self.problems.swap_remove(0));
        }
        let columns = self
            .model
            .features
            .iter()
            .enumerate()
            .map(|(j, f)| match f.kind {
                ColumnKind::Numeric => Column::numeric(&f.name, vec![self.numeric[j]]),
                ColumnKind::Categorical => Column::categorical(&f.name, &[self.categorical[j].as_deref()]),
            })
            .collect();
        Ok(Row { data: Dataset::new(columns)? })
    }
}

fn kind_name(k: ColumnKind) -> &'static str {
    match k {
        ColumnKind::Numeric => "numeric",
        ColumnKind::Categorical => "categorical",
    }
}

/// Edit distance (Levenshtein) between `a` and `b`, case-insensitive.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Up to five of `names` closest to `name` (by edit distance, or containing it).
fn close_names(name: &str, names: &[&str]) -> Vec<String> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .map(|n| {
            let d = distance(name, n);
            (if n.to_lowercase().contains(&lower) || lower.contains(&n.to_lowercase()) { d.min(1) } else { d }, *n)
        })
        .filter(|(d, n)| *d <= (n.chars().count().max(name.chars().count()) / 3).max(2))
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, n)| n.to_owned()).collect()
}

impl TrainedModel {
    /// Starts a row for this model, built by feature name (see the [module docs](self)).
    pub fn row(&self) -> RowBuilder<'_> {
        RowBuilder {
            model: self,
            numeric: vec![f64::NAN; self.features.len()],
            categorical: vec![None; self.features.len()],
            problems: Vec::new(),
        }
    }

    /// A row from a JSON object: numbers for numeric features (or numeric strings), strings for
    /// categorical ones (numbers and booleans are taken as their text), `null` or absent:
    /// missing. Any other key is an [`Error::UnknownFeature`].
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::prelude::*;
    /// let data = Dataset::new(vec![Column::numeric("tenure", (0..100).map(|i| (i % 10) as f64).collect())])?
    ///     .with_churned((0..100).map(|i| i % 10 < 3).collect())?;
    /// let model = ModelParams::new(ModelKind::Logistic).fit(&data)?;
    /// let row = model.row_from_json(&serde_json::json!({"tenure": 1}))?;
    /// assert!(model.score_one(&row)?.p_churn > 0.5);
    /// assert!(model.row_from_json(&serde_json::json!([1])).is_err());
    /// # Ok(()) }
    /// ```
    pub fn row_from_json(&self, value: &serde_json::Value) -> Result<Row> {
        use serde_json::Value;
        let Value::Object(map) = value else {
            return Err(Error::FeatureMismatch {
                reason: "a row must be a JSON object of feature names to values".into(),
            });
        };
        let mut b = self.row();
        for (k, v) in map {
            b = match v {
                Value::Null => b.text(k, ""),
                Value::Number(n) => match self.features.iter().find(|f| &f.name == k).map(|f| f.kind) {
                    Some(ColumnKind::Numeric) => b.num(k, n.as_f64().unwrap_or(f64::NAN)),
                    _ => b.text(k, &n.to_string()),
                },
                Value::String(s) => b.text(k, s),
                Value::Bool(x) => b.text(k, if *x { "true" } else { "false" }),
                Value::Array(_) | Value::Object(_) => {
                    b.problems.push(Error::FeatureMismatch {
                        reason: format!("feature `{k}` was given a JSON array or object, not a value"),
                    });
                    b
                }
            };
        }
        b.build()
    }

    /// A row from text values (a form, query parameters, a CSV record by header): parsed as
    /// [`RowBuilder::text`] does.
    pub fn row_from_strings(&self, values: &HashMap<String, String>) -> Result<Row> {
        let mut keys: Vec<&String> = values.keys().collect();
        keys.sort();
        keys.into_iter().fold(self.row(), |b, k| b.text(k, &values[k])).build()
    }

    /// Scores one row: probability, risk tier and up to three reasons in words (none in the low
    /// risk tier; [`TrainedModel::score_one_with`] sets other [`ReasonOptions`]).
    pub fn score_one(&self, row: &Row) -> Result<RowScore> {
        self.score_one_with(row, &ReasonOptions::default())
    }

    /// [`TrainedModel::score_one`] with how many reasons, from which risk tier.
    pub fn score_one_with(&self, row: &Row, options: &ReasonOptions) -> Result<RowScore> {
        let s = self.score(&row.data, options.count > 0)?;
        let p_churn = s.p_churn[0];
        let reasons_method = s.explanations.as_ref().map(|e| e.method);
        let reasons = s
            .explanations
            .map(|e| Phrasebook::new(self).reasons(&row.data, &e, 0, p_churn, options))
            .unwrap_or_default();
        let tier = crate::scoring::risk_tier(p_churn, self.training_churn_rate);
        Ok(RowScore { p_churn, tier, reasons, reasons_method })
    }
}
