//! The boosting loop.

use ndarray::ArrayView2;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::objective::{Objective, Part, Targets};
use super::{BoostedParams, Booster, LogLoss, Validation};
use crate::error::{Error, Result};
use crate::models::hist::bins::{BinMapper, FeatureSource, check_categorical, check_finite_or_nan};
use crate::models::hist::forest::Forest;
use crate::models::hist::grow::{GrowParams, Grower, route_binned};
use crate::models::hist::split::SplitParams;
use crate::models::hist::{
    MAX_TREE_DEPTH, check_both_classes, check_labels_and_weights, check_training, check_weights, with_threads,
};
use crate::progress::Progress;
use crate::validation::stratified_holdout;

/// Rows per parallel chunk for gradients and losses (fixed, so sums do not depend on threads).
const CHUNK: usize = 4096;

/// Validation rows: labels, weights and indices (into the training matrix, or the validation
/// matrix), binned once the bins are known.
struct ValRows {
    y: Vec<bool>,
    w: Vec<f64>,
    rows: Vec<usize>,
    part: Part,
    total_weight: f64,
}

impl BoostedParams {
    /// Fits on the dense matrix `x` (rows = customers, `NaN` = missing) with labels `y`
    /// (`true` = churned) and optional per-sample `weights`, using log-loss.
    ///
    /// With [`BoostedParams::early_stopping`] set, a stratified hold-out of the rows (seeded) is
    /// used as validation data and the rest for training.
    ///
    /// Errors: invalid parameters, empty data, a single (weighted) class, mismatched lengths,
    /// ±∞ in `x`, non-finite or negative weights.
    pub fn fit_matrix(&self, x: ArrayView2<f64>, y: &[bool], weights: Option<&[f64]>) -> Result<Booster> {
        self.fit_matrix_with_objective(x, y, weights, None, &LogLoss)
    }

    /// Like [`BoostedParams::fit_matrix`] with explicit validation rows: every row of `x` is used
    /// for training, and early stopping (patience from [`BoostedParams::early_stopping`], if set)
    /// watches the loss on `validation`. Without early stopping the validation loss is only
    /// recorded ([`Booster::validation_loss`]).
    pub fn fit_matrix_with_validation(
        &self,
        x: ArrayView2<f64>,
        y: &[bool],
        weights: Option<&[f64]>,
        validation: Validation<'_>,
    ) -> Result<Booster> {
        self.fit_matrix_with_objective(x, y, weights, Some(validation), &LogLoss)
    }

    /// The general fit: optional explicit validation rows and a custom [`Objective`].
    pub fn fit_matrix_with_objective(
        &self,
        x: ArrayView2<f64>,
        y: &[bool],
        weights: Option<&[f64]>,
        validation: Option<Validation<'_>>,
        objective: &dyn Objective,
    ) -> Result<Booster> {
        self.check()?;
        let w = check_training(x, y, weights, "boosted trees training data")?;
        if let Some(v) = &validation {
            check_validation(v, x.ncols())?;
        }
        check_categorical(x, &self.categorical_features, "training input")?;
        if let Some(v) = &validation {
            check_categorical(v.x, &self.categorical_features, "validation input")?;
        }
        with_threads(self.n_threads, || self.fit_inner(&x, y, w, validation, objective))?
    }

    /// Fits with log-loss on a [`FeatureSource`] whose values are known to be finite or `NaN`
    /// and whose [`BoostedParams::categorical_features`] columns hold category codes (a fitted
    /// tree-mode preprocessor's columns: [`crate::models::preprocess::Preprocessor::tree_columns`]).
    /// The same booster as [`BoostedParams::fit_matrix`] on the same values, without a dense copy.
    pub(crate) fn fit_source<S: FeatureSource>(&self, x: &S, y: &[bool], weights: Option<&[f64]>) -> Result<Booster> {
        self.check()?;
        let what = "boosted trees training data";
        let w = check_labels_and_weights(x.n_rows(), x.n_cols(), y, weights, what)?;
        check_both_classes(y, &w, what)?;
        if let Some(&j) = self.categorical_features.iter().find(|&&j| j >= x.n_cols()) {
            return Err(Error::param(
                "categorical_features",
                j,
                format!("the matrix has {} columns (indices start at 0)", x.n_cols()),
            ));
        }
        with_threads(self.n_threads, || self.fit_inner(x, y, w, None, &LogLoss))?
    }

    /// One model, or the average of [`BoostedParams::bags`] models with seeds `seed + k` (fitted
    /// one after the other, each on every thread: the same bytes at any thread count).
    fn fit_inner<S: FeatureSource + ?Sized>(
        &self,
        x: &S,
        y: &[bool],
        w: Vec<f64>,
        validation: Option<Validation<'_>>,
        objective: &dyn Objective,
    ) -> Result<Booster> {
        if self.bags <= 1 {
            return self.fit_refit(x, y, w, validation, objective);
        }
        let member = |k: usize| BoostedParams { seed: self.seed.wrapping_add(k as u64), bags: 1, ..self.clone() };
        let first = member(0).fit_refit(x, y, w.clone(), validation, objective)?;
        let rest = (1..self.bags)
            .map(|k| member(k).fit_refit(x, y, w.clone(), validation, objective))
            .collect::<Result<Vec<_>>>()?;
        Ok(Booster::average(first, rest))
    }

    /// One model; with [`super::EarlyStopping::refit`] (and no explicit validation rows), fitted again
    /// on every row with the trees per row the early-stopped fit chose.
    fn fit_refit<S: FeatureSource + ?Sized>(
        &self,
        x: &S,
        y: &[bool],
        w: Vec<f64>,
        validation: Option<Validation<'_>>,
        objective: &dyn Objective,
    ) -> Result<Booster> {
        if !self.early_stopping.is_some_and(|es| es.refit) || validation.is_some() {
            return Ok(self.fit_one(x, y, w, validation, objective)?.0);
        }
        let (stopped, fitted_rows) = self.fit_one(x, y, w.clone(), None, objective)?;
        let best = stopped.best_n_trees().unwrap_or(stopped.n_trees());
        let trees = (best as f64 * x.n_rows() as f64 / fitted_rows.max(1) as f64).ceil() as usize;
        let again = BoostedParams { n_trees: trees.clamp(1, self.n_trees), early_stopping: None, ..self.clone() };
        let (mut out, _) = again.fit_one(x, y, w, None, objective)?;
        out.validation_loss = stopped.validation_loss;
        out.best_n_trees = stopped.best_n_trees;
        Ok(out)
    }

    /// One model, and the number of rows it was fitted on (all but an internal hold-out's).
    fn fit_one<S: FeatureSource + ?Sized>(
        &self,
        x: &S,
        y: &[bool],
        w: Vec<f64>,
        validation: Option<Validation<'_>>,
        objective: &dyn Objective,
    ) -> Result<(Booster, usize)> {
        let p = x.n_cols();
        let val_x = validation.as_ref().map(|v| v.x);
        let (train_rows, val) = match (validation, &self.early_stopping) {
            (Some(v), _) => {
                let vw = v.weights.map_or_else(|| vec![1.0; v.y.len()], <[f64]>::to_vec);
                (
                    (0..x.n_rows()).collect::<Vec<usize>>(),
                    Some(gather_val(v.y, &vw, (0..v.y.len()).collect(), Part::Validation)),
                )
            }
            (None, Some(es)) => {
                let split = stratified_holdout(y, es.validation_fraction, self.seed).map_err(|e| match e {
                    Error::SingleClass { .. } => Error::SingleClass { context: EARLY_STOPPING_CLASSES },
                    other => other,
                })?;
                let val = gather_val(y, &w, split.test, Part::Train);
                (split.train, Some(val))
            }
            (None, None) => ((0..x.n_rows()).collect(), None),
        };
        if let Some(v) = &val
            && v.total_weight <= 0.0
        {
            return Err(Error::EmptyData { context: "validation rows have zero total weight" });
        }
        let y_t: Vec<bool> = train_rows.iter().map(|&i| y[i]).collect();
        let w_t: Vec<f64> = train_rows.iter().map(|&i| w[i]).collect();
        let targets = Targets { y: &y_t, weights: &w_t, rows: &train_rows, part: Part::Train };
        let init = objective.init_score(&targets)?;
        if !init.is_finite() {
            return Err(Error::Numerical { context: "boosting", reason: format!("initial score {init}") });
        }

        let mut is_categorical = vec![false; p];
        for &j in &self.categorical_features {
            is_categorical[j] = true;
        }
        let mapper = BinMapper::fit_source(x, &train_rows, self.max_bins, self.seed, &is_categorical);
        let binned = mapper.transform_source(x, &train_rows);
        // Validation rows binned with the training bins: each new tree routes them by code
        // ([`route_binned`]), the same decisions as predicting on their values.
        let val_binned = val.as_ref().map(|v| match (v.part, val_x) {
            (Part::Validation, Some(vx)) => mapper.transform_source(&vx, &v.rows),
            _ => mapper.transform_source(x, &v.rows),
        });
        let mut val_rows: Vec<u32> = val.as_ref().map_or_else(Vec::new, |v| (0..v.y.len() as u32).collect());
        let mut out_of_sample: Vec<u32> = Vec::new();
        let mut scratch: Vec<u32> = Vec::new();
        let mut grower = Grower::new(&binned, &mapper);
        let grow = GrowParams {
            max_leaves: self.max_leaves,
            max_depth: Some(self.max_depth.unwrap_or(MAX_TREE_DEPTH)),
            split: SplitParams {
                lambda_l2: self.lambda_l2,
                min_child_weight: self.min_child_weight,
                min_samples_leaf: self.min_samples_leaf as u32,
                min_split_gain: self.min_split_gain,
                cat: self.categorical.split_params(),
            },
        };
        let n = y_t.len();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut scores = vec![init; n];
        let mut grad = vec![0.0; n];
        let mut hess = vec![0.0; n];
        let mut gh = vec![[0.0f32; 2]; n];
        let mut rows: Vec<u32> = Vec::with_capacity(n);
        let n_cols = ((self.colsample * p as f64).round() as usize).clamp(1, p);
        let mut forest = Forest::new(p);
        let mut val_scores = val.as_ref().map(|v| vec![init; v.y.len()]);
        let mut val_loss = Vec::new();
        let (mut best_loss, mut best_round) = (f64::INFINITY, 0usize);
        let patience = self.early_stopping.map(|e| e.patience);
        let started = std::time::Instant::now();

        for round in 0..self.n_trees {
            // Gradients, in fixed chunks.
            let all_finite = grad
                .par_chunks_mut(CHUNK)
                .zip(hess.par_chunks_mut(CHUNK))
                .zip(gh.par_chunks_mut(CHUNK))
                .enumerate()
                .map(|(c, ((g, h), pairs))| {
                    let r = c * CHUNK..(c * CHUNK + g.len());
                    let t = Targets {
                        y: &y_t[r.clone()],
                        weights: &w_t[r.clone()],
                        rows: &train_rows[r.clone()],
                        part: Part::Train,
                    };
                    objective.gradients(&scores[r], &t, g, h);
                    let mut finite = true;
                    // Stored as f32 for the histogram passes (sums stay f64), like LightGBM.
                    for ((o, &g), &h) in pairs.iter_mut().zip(&*g).zip(&*h) {
                        *o = [g as f32, h as f32];
                        finite &= o[0].is_finite() & o[1].is_finite();
                    }
                    finite
                })
                .reduce(|| true, |a, b| a & b);
            if !all_finite {
                return Err(Error::Numerical {
                    context: "boosting",
                    reason: format!("objective `{}` returned a non-finite gradient or hessian", objective.name()),
                });
            }
            // Row and column samples.
            rows.clear();
            out_of_sample.clear();
            if self.subsample < 1.0 {
                for i in 0..n as u32 {
                    if rng.r#gen::<f64>() < self.subsample {
                        rows.push(i);
                    } else {
                        out_of_sample.push(i);
                    }
                }
                if rows.is_empty() {
                    out_of_sample.clear();
                    rows.extend(0..n as u32);
                }
            } else {
                rows.extend(0..n as u32);
            }
            let features: Vec<usize> = if n_cols < p {
                let mut f = sample(&mut rng, p, n_cols).into_vec();
                f.sort_unstable();
                f
            } else {
                (0..p).collect()
            };

            let nodes = grower.grow(&rows, &gh, &features, &grow);
            let lr = self.learning_rate;
            let lambda = self.lambda_l2;
            let value = |g: f64, h: f64| if h + lambda > 0.0 { -lr * g / (h + lambda) } else { 0.0 };
            forest.push_tree(&nodes, &mapper, |nd| value(nd.stat.g, nd.stat.h));
            for nd in nodes.iter().filter(|nd| nd.split.is_none()) {
                let v = value(nd.stat.g, nd.stat.h);
                for &r in &grower.indices[nd.start..nd.end] {
                    scores[r as usize] += v;
                }
            }
            route_binned(&nodes, &binned, &mapper, &mut out_of_sample, &mut scratch, |leaf, rs| {
                let v = value(nodes[leaf].stat.g, nodes[leaf].stat.h);
                rs.iter().for_each(|&r| scores[r as usize] += v);
            });

            // Validation: the new tree's leaf values (those pushed to the forest) on its rows.
            if let (Some(v), Some(vs), Some(vb)) = (&val, val_scores.as_mut(), &val_binned) {
                route_binned(&nodes, vb, &mapper, &mut val_rows, &mut scratch, |leaf, rs| {
                    let out = value(nodes[leaf].stat.g, nodes[leaf].stat.h);
                    rs.iter().for_each(|&r| vs[r as usize] += out);
                });
                let parts: Vec<f64> = vs
                    .par_chunks(CHUNK)
                    .enumerate()
                    .map(|(c, s)| {
                        let r = c * CHUNK..(c * CHUNK + s.len());
                        let t =
                            Targets { y: &v.y[r.clone()], weights: &v.w[r.clone()], rows: &v.rows[r], part: v.part };
                        objective.loss(s, &t)
                    })
                    .collect();
                let loss = parts.iter().sum::<f64>() / v.total_weight;
                val_loss.push(loss);
                if loss < best_loss {
                    best_loss = loss;
                    best_round = round;
                }
            }
            let stops_within = match (&val, patience) {
                (Some(_), Some(pat)) => Some(pat.saturating_sub(round - best_round)),
                _ => None,
            };
            if self.progress.is_some() {
                self.progress.report(Progress::Trees {
                    trees: forest.n_trees(),
                    max_trees: self.n_trees,
                    stops_within,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
            if stops_within == Some(0) {
                break;
            }
        }
        let best_n_trees = match (&val, patience) {
            (Some(_), Some(_)) => {
                forest.truncate(best_round + 1);
                Some(best_round + 1)
            }
            _ => None,
        };
        let booster = Booster {
            forest,
            init_score: init,
            objective: objective.name().to_string(),
            link: objective.link(),
            learning_rate: self.learning_rate,
            validation_loss: val_loss,
            best_n_trees,
        };
        Ok((booster, n))
    }
}

/// What a training set with a single churned or retained row lacks for early stopping.
const EARLY_STOPPING_CLASSES: &str = "the early-stopping hold-out of boosted trees, which needs at least 2 churned and \
     2 retained training rows (in a cross-validation, fewer --folds or --cv-folds leave more in each fold's training \
     part)";

fn check_validation(v: &Validation<'_>, p: usize) -> Result<()> {
    if v.x.ncols() != p {
        return Err(Error::FeatureMismatch {
            reason: format!("validation data has {} features, training data {p}", v.x.ncols()),
        });
    }
    if v.x.nrows() == 0 {
        return Err(Error::EmptyData { context: "validation data" });
    }
    if v.y.len() != v.x.nrows() {
        return Err(Error::LengthMismatch {
            context: "validation labels vs rows",
            left: v.y.len(),
            right: v.x.nrows(),
        });
    }
    if let Some(w) = v.weights {
        if w.len() != v.y.len() {
            return Err(Error::LengthMismatch {
                context: "validation weights vs labels",
                left: w.len(),
                right: v.y.len(),
            });
        }
        check_weights(w, "validation weights")?;
    }
    check_finite_or_nan(v.x, "validation input")
}

fn gather_val(y: &[bool], w: &[f64], rows: Vec<usize>, part: Part) -> ValRows {
    let (yv, wv): (Vec<bool>, Vec<f64>) = match part {
        Part::Train => (rows.iter().map(|&i| y[i]).collect(), rows.iter().map(|&i| w[i]).collect()),
        Part::Validation => (y.to_vec(), w.to_vec()),
    };
    let total_weight = wv.iter().sum();
    ValRows { y: yv, w: wv, rows, part, total_weight }
}
