//! L2-penalised logistic regression with sample weights, fitted by Newton's method.
//!
//! Why our own solver: `linfa-logistic` 0.8 has no sample weights (needed for profit- and
//! CLV-weighted training) and took 11.7 s on 200k × 30 rows here (see `../shared/CRATES.md`),
//! while churn tables have tens of features — the regime where Newton's method (p × p Hessian,
//! a handful of iterations, each one parallel pass over the rows) is both exact and fast. The
//! objective is scikit-learn's: `½‖w‖² + C · Σᵢ sᵢ · logloss(yᵢ, w·xᵢ + b)` with the intercept
//! unpenalised, so coefficients agree with `LogisticRegression(C=C)` to solver tolerance.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Parameters of logistic regression.
///
/// ```
/// use attrition::models::logistic::LogisticParams;
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [3.0]];
/// let y = [false, false, true, true];
/// let m = LogisticParams::new().c(1.0).fit_matrix(x.view(), &y, None).unwrap();
/// let p = m.predict_proba(x.view()).unwrap();
/// assert!(p[0] < 0.5 && p[3] > 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// Inverse L2 strength, as scikit-learn's `C` (default 1.0; `f64::INFINITY` = no penalty).
    pub c: f64,
    /// Fit an intercept (default true).
    pub intercept: bool,
    /// Stop when the largest Newton step is below this (default 1e-10).
    pub tol: f64,
    /// Maximum Newton iterations (default 100).
    pub max_iter: usize,
}

impl Default for LogisticParams {
    fn default() -> Self {
        Self::new()
    }
}

impl LogisticParams {
    /// Defaults: `C = 1`, intercept, tol 1e-10, 100 iterations.
    pub fn new() -> Self {
        Self { c: 1.0, intercept: true, tol: 1e-10, max_iter: 100 }
    }

    /// Inverse regularisation strength.
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }

    /// Whether to fit an intercept.
    pub fn intercept(mut self, yes: bool) -> Self {
        self.intercept = yes;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.c.is_nan() || self.c <= 0.0 {
            return Err(Error::param("c", self.c, "must be > 0 (use infinity for no penalty)"));
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::param("tol", self.tol, "must be finite and > 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", 0, "must be at least 1"));
        }
        Ok(())
    }

    /// Fits on a dense matrix (rows = customers). Errors on empty or single-class data,
    /// non-finite inputs or weights, and length mismatches.
    pub fn fit_matrix(&self, x: ArrayView2<f64>, y: &[bool], weights: Option<&[f64]>) -> Result<LogisticModel> {
        self.check()?;
        let (n, p) = x.dim();
        if n == 0 {
            return Err(Error::EmptyData { context: "logistic regression" });
        }
        if y.len() != n {
            return Err(Error::LengthMismatch { context: "logistic regression labels", left: n, right: y.len() });
        }
        let ones = vec![1.0; n];
        let w = match weights {
            Some(w) if w.len() != n => {
                return Err(Error::LengthMismatch { context: "logistic regression weights", left: n, right: w.len() });
            }
            Some(w) => w,
            None => &ones,
        };
        if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::NonFinite {
                context: "sample weight (must be finite and >= 0)".into(),
                row: i,
                value: w[i],
            });
        }
        if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                context: "logistic regression input".into(),
                row: pos / p.max(1),
                value: x.iter().nth(pos).copied().unwrap_or(f64::NAN),
            });
        }
        let pos_w: f64 = (0..n).filter(|&i| y[i]).map(|i| w[i]).sum();
        let tot_w: f64 = w.iter().sum();
        if pos_w <= 0.0 || pos_w >= tot_w {
            return Err(Error::SingleClass { context: "logistic regression" });
        }
        let d = p + usize::from(self.intercept);
        let mut beta = vec![0.0; d];
        if self.intercept {
            beta[p] = (pos_w / (tot_w - pos_w)).ln();
        }
        let penalty = if self.c.is_finite() { 1.0 / self.c } else { 0.0 };
        let mut iterations = 0;
        let mut converged = false;
        while iterations < self.max_iter {
            iterations += 1;
            let (grad, mut hess) = self.gradient_hessian(x, y, w, &beta, penalty);
            // A tiny ridge keeps the unpenalised case solvable on collinear columns.
            for k in 0..d {
                hess[[k, k]] += 1e-12;
            }
            let step = cholesky_solve(&hess, &grad).ok_or_else(|| Error::Numerical {
                context: "logistic regression",
                reason: "Hessian is not positive definite".into(),
            })?;
            let max_step = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
            for k in 0..d {
                beta[k] -= step[k];
            }
            if !max_step.is_finite() {
                return Err(Error::Numerical {
                    context: "logistic regression",
                    reason: "diverged (perfect separation without a penalty?)".into(),
                });
            }
            if max_step < self.tol {
                converged = true;
                break;
            }
        }
        let intercept = if self.intercept { beta[p] } else { 0.0 };
        beta.truncate(p);
        Ok(LogisticModel { coef: beta, intercept, iterations, converged })
    }

    /// Gradient and Hessian of the penalised objective at `beta`, accumulated over fixed row
    /// chunks in parallel and reduced in chunk order (deterministic for any thread count).
    fn gradient_hessian(
        &self,
        x: ArrayView2<f64>,
        y: &[bool],
        w: &[f64],
        beta: &[f64],
        penalty: f64,
    ) -> (Vec<f64>, Array2<f64>) {
        let (n, p) = x.dim();
        let d = beta.len();
        const CHUNK: usize = 4096;
        let parts: Vec<(Vec<f64>, Vec<f64>)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut g = vec![0.0; d];
                let mut h = vec![0.0; d * d];
                let mut row = vec![0.0; d];
                for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    for j in 0..p {
                        row[j] = x[[i, j]];
                    }
                    if d > p {
                        row[p] = 1.0;
                    }
                    let z: f64 = row.iter().zip(beta).map(|(a, b)| a * b).sum();
                    let mu = sigmoid(z);
                    let r = w[i] * (mu - if y[i] { 1.0 } else { 0.0 });
                    let s = w[i] * mu * (1.0 - mu);
                    for a in 0..d {
                        g[a] += r * row[a];
                        let sa = s * row[a];
                        if sa != 0.0 {
                            for b in a..d {
                                h[a * d + b] += sa * row[b];
                            }
                        }
                    }
                }
                (g, h)
            })
            .collect();
        let mut grad = vec![0.0; d];
        let mut hess = Array2::<f64>::zeros((d, d));
        for (g, h) in parts {
            for a in 0..d {
                grad[a] += g[a];
                for b in a..d {
                    hess[[a, b]] += h[a * d + b];
                }
            }
        }
        // Objective scaled by 1/C: Σ sᵢ·loss + (1/C)·½‖w‖².
        for a in 0..d {
            for b in 0..a {
                hess[[a, b]] = hess[[b, a]];
            }
            if a < p {
                grad[a] += penalty * beta[a];
                hess[[a, a]] += penalty;
            }
        }
        (grad, hess)
    }
}

/// Solves `A x = b` for symmetric positive-definite `A`; `None` if `A` is not SPD.
fn cholesky_solve(a: &Array2<f64>, b: &[f64]) -> Option<Vec<f64>> {
    let d = b.len();
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    let mut z = vec![0.0; d];
    for i in 0..d {
        let s: f64 = (0..i).map(|k| l[i * d + k] * z[k]).sum();
        z[i] = (b[i] - s) / l[i * d + i];
    }
    let mut x = vec![0.0; d];
    for i in (0..d).rev() {
        let s: f64 = (i + 1..d).map(|k| l[k * d + i] * x[k]).sum();
        x[i] = (z[i] - s) / l[i * d + i];
    }
    Some(x)
}

/// The logistic function, without overflow for large |z|.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// A fitted logistic regression on the model matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// One coefficient per model-matrix column (log-odds per unit).
    pub coef: Vec<f64>,
    /// Intercept (log-odds).
    pub intercept: f64,
    /// Newton iterations used.
    pub iterations: usize,
    /// Whether the step tolerance was reached.
    pub converged: bool,
}

impl LogisticModel {
    /// Log-odds of churn for every row.
    pub fn decision_function(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        if x.ncols() != self.coef.len() {
            return Err(Error::FeatureMismatch {
                reason: format!("model has {} columns, data has {}", self.coef.len(), x.ncols()),
            });
        }
        Ok(x.outer_iter()
            .map(|row| row.iter().zip(&self.coef).map(|(a, b)| a * b).sum::<f64>() + self.intercept)
            .collect())
    }

    /// P(churn) for every row.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        Ok(self.decision_function(x)?.into_iter().map(sigmoid).collect())
    }
}
