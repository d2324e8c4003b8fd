//! Penalised (L2 or L1) logistic regression with sample weights, fitted by Newton's method
//! (L2) or proximal Newton with coordinate descent on the quadratic model (L1, as glmnet's and
//! liblinear's newGLMNET).
//!
//! Why our own solver: `linfa-logistic` 0.8 has no sample weights (needed for profit- and
//! CLV-weighted training) and took 11.7 s on 200k × 30 rows here (see `../shared/CRATES.md`),
//! while churn tables have tens of features — the regime where Newton's method (p × p Hessian,
//! a handful of iterations, each one parallel pass over the rows) is both exact and fast. The
//! objective is scikit-learn's: `½‖w‖² + C · Σᵢ sᵢ · logloss(yᵢ, w·xᵢ + b)` with the intercept
//! unpenalised, so coefficients agree with `LogisticRegression(C=C)` to solver tolerance; with
//! [`Penalty::L1`] it is `‖w‖₁ + C · Σᵢ sᵢ · logloss`, scikit-learn's `penalty="l1"`.
//!
//! Large tables: when there are more than [`WARM_START_ROWS`] rows, Newton first runs on an
//! evenly strided subsample (penalty rescaled to its size) and the full-data iterations start
//! from there, which usually halves the number of passes over the full matrix. The answer is the
//! same optimum to the same tolerance — only the starting point changes.

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
    /// Inverse penalty strength, as scikit-learn's `C` (default 1.0; `f64::INFINITY` = no penalty).
    pub c: f64,
    /// Which penalty `1/C` multiplies (default L2).
    #[serde(default)]
    pub penalty: Penalty,
    /// Fit an intercept (default true).
    pub intercept: bool,
    /// Stop when the largest Newton step is below this (default 1e-10).
    pub tol: f64,
    /// Maximum Newton iterations (default 100).
    pub max_iter: usize,
}

/// The coefficient penalty (the intercept is never penalised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Penalty {
    /// Ridge: `½‖w‖²`; every feature keeps a (shrunk) coefficient.
    #[default]
    L2,
    /// Lasso: `‖w‖₁`; weak features get exactly zero (feature selection).
    L1,
}

impl std::str::FromStr for Penalty {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "l2" | "L2" => Ok(Penalty::L2),
            "l1" | "L1" => Ok(Penalty::L1),
            _ => Err(Error::param("penalty", s, "one of l2, l1")),
        }
    }
}

impl std::fmt::Display for Penalty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Penalty::L2 => "l2",
            Penalty::L1 => "l1",
        })
    }
}

/// Above this many rows, Newton starts from a fit on an evenly strided subsample of
/// `WARM_START_ROWS` rows.
pub const WARM_START_ROWS: usize = 100_000;

impl Default for LogisticParams {
    fn default() -> Self {
        Self::new()
    }
}

impl LogisticParams {
    /// Defaults: `C = 1`, intercept, tol 1e-10, 100 iterations.
    pub fn new() -> Self {
        Self { c: 1.0, penalty: Penalty::L2, intercept: true, tol: 1e-10, max_iter: 100 }
    }

    /// The penalty (L2 or L1).
    pub fn penalty(mut self, penalty: Penalty) -> Self {
        self.penalty = penalty;
        self
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
        let strength = if self.c.is_finite() { 1.0 / self.c } else { 0.0 };
        if n > 2 * WARM_START_ROWS {
            let stride = n / WARM_START_ROWS;
            let idx: Vec<usize> = (0..n).step_by(stride).collect();
            let xs = x.select(ndarray::Axis(0), &idx);
            let ys: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
            let ws: Vec<f64> = idx.iter().map(|&i| w[i]).collect();
            let sub_w: f64 = ws.iter().sum();
            let sub_pos: f64 = (0..idx.len()).filter(|&k| ys[k]).map(|k| ws[k]).sum();
            if sub_pos > 0.0 && sub_pos < sub_w {
                // A rough optimum is enough; the full-data iterations polish it.
                let mut warm = beta.clone();
                let loose = LogisticParams { tol: 1e-4, max_iter: 20, ..*self };
                if loose.solve(xs.view(), &ys, &ws, &mut warm, strength * sub_w / tot_w).is_ok() {
                    beta = warm;
                }
            }
        }
        let (iterations, converged) = self.solve(x, y, w, &mut beta, strength)?;
        let intercept = if self.intercept { beta[p] } else { 0.0 };
        beta.truncate(p);
        Ok(LogisticModel { coef: beta, intercept, iterations, converged })
    }

    /// Runs the solver from `beta` (coefficients then the intercept) to the optimum of
    /// `Σ sᵢ·loss + strength · penalty(w)`. Returns the iterations and whether it converged.
    fn solve(
        &self,
        x: ArrayView2<f64>,
        y: &[bool],
        w: &[f64],
        beta: &mut [f64],
        strength: f64,
    ) -> Result<(usize, bool)> {
        let p = x.ncols();
        let d = beta.len();
        let l2 = if self.penalty == Penalty::L2 { strength } else { 0.0 };
        let l1 = if self.penalty == Penalty::L1 { strength } else { 0.0 };
        let diverged = || Error::Numerical {
            context: "logistic regression",
            reason: "diverged (perfect separation without a penalty?)".into(),
        };
        let mut iterations = 0;
        // Near the optimum the Hessian barely changes: once steps are small, Newton keeps the
        // last one (a chord step costs one gradient pass instead of a Hessian product per row)
        // and refreshes it whenever a step fails to shrink the next one tenfold.
        let mut kept: Option<Array2<f64>> = None;
        let mut last_step = f64::INFINITY;
        let mut f_current: Option<f64> = None;
        while iterations < self.max_iter {
            iterations += 1;
            let reuse = l1 == 0.0 && last_step < 1e-3 && kept.is_some();
            let (grad, fresh) = self.gradient_hessian(x, y, w, beta, l2, !reuse);
            if let Some(mut h) = fresh {
                // A tiny ridge keeps the unpenalised case solvable on collinear columns.
                for k in 0..d {
                    h[[k, k]] += 1e-12;
                }
                kept = Some(h);
            }
            let Some(hess) = kept.as_ref() else {
                return Err(Error::Numerical { context: "logistic regression", reason: "no Hessian".into() });
            };
            let step = if l1 > 0.0 {
                let delta = lasso_step(hess, &grad, beta, p, l1);
                // Backtracking on the true objective keeps proximal Newton monotone.
                let f0 = objective(x, y, w, beta, l1, 0.0);
                let decrease: f64 = grad.iter().zip(&delta).map(|(g, s)| g * s).sum::<f64>()
                    + l1 * (0..p).map(|j| (beta[j] + delta[j]).abs() - beta[j].abs()).sum::<f64>();
                let mut t = 1.0;
                loop {
                    let trial: Vec<f64> = beta.iter().zip(&delta).map(|(b, s)| b + t * s).collect();
                    let f1 = objective(x, y, w, &trial, l1, 0.0);
                    if f1 <= f0 + 1e-4 * t * decrease.min(0.0) || t < 1e-8 {
                        break;
                    }
                    t *= 0.5;
                }
                delta.iter().map(|s| -t * s).collect::<Vec<f64>>()
            } else {
                let full = newton_step(hess, &grad).ok_or_else(|| Error::Numerical {
                    context: "logistic regression",
                    reason: "Hessian is not positive definite, even with a ridge of 1e-4 × its largest diagonal \
                             (collinear or constant features without a penalty? use a finite C)"
                        .into(),
                })?;
                // Damped Newton: a full step can overshoot on nearly separated data (a rare
                // binary column whose few carriers nearly all churned), and undamped Newton then
                // oscillates to huge coefficients (caravan: |coef| > 200 after 100 iterations at
                // C = 1). Backtracking on the true penalised objective (Armijo) keeps every step
                // a decrease, as scikit-learn's newton-cg and lbfgs line searches do; near the
                // optimum the full step is accepted at once and costs one objective pass.
                let f0 = match f_current {
                    Some(f) => f,
                    None => objective(x, y, w, beta, 0.0, l2),
                };
                let decrease: f64 = -grad.iter().zip(&full).map(|(g, s)| g * s).sum::<f64>();
                let mut t = 1.0;
                loop {
                    let trial: Vec<f64> = beta.iter().zip(&full).map(|(b, s)| b - t * s).collect();
                    let f1 = objective(x, y, w, &trial, 0.0, l2);
                    if f1.is_finite() && f1 <= f0 + 1e-4 * t * decrease.min(0.0) || t < 1e-8 {
                        f_current = Some(f1);
                        break;
                    }
                    t *= 0.5;
                }
                full.iter().map(|s| t * s).collect::<Vec<f64>>()
            };
            let max_step = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
            for k in 0..d {
                beta[k] -= step[k];
            }
            if !max_step.is_finite() {
                return Err(diverged());
            }
            if max_step < self.tol {
                return Ok((iterations, true));
            }
            if reuse && max_step > 0.1 * last_step {
                kept = None;
            }
            last_step = max_step;
        }
        Ok((iterations, false))
    }

    /// Gradient and Hessian of the penalised objective at `beta`, accumulated over fixed row
    /// chunks in parallel and reduced in chunk order (deterministic for any thread count).
    ///
    /// Each chunk's Hessian `Xᵀ S X` is one matrix product of the √s-scaled rows with themselves
    /// (ndarray's `dot`, i.e. matrixmultiply's blocked SIMD kernels): the Hessian is nearly all of
    /// a Newton step's work, and a blocked product runs it at several times a scalar loop's speed.
    fn gradient_hessian(
        &self,
        x: ArrayView2<f64>,
        y: &[bool],
        w: &[f64],
        beta: &[f64],
        penalty: f64,
        with_hessian: bool,
    ) -> (Vec<f64>, Option<Array2<f64>>) {
        let (n, p) = x.dim();
        let d = beta.len();
        const CHUNK: usize = 2048;
        let coef = &beta[..p];
        let b0 = if d > p { beta[p] } else { 0.0 };
        let parts: Vec<(Vec<f64>, Option<Array2<f64>>)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
                let mut a = Array2::<f64>::zeros((if with_hessian { rows.len() } else { 0 }, d));
                let mut g = vec![0.0; d];
                let mut xr = vec![0.0; p];
                for (k, i) in rows.enumerate() {
                    let row = x.row(i);
                    let xr: &[f64] = match row.to_slice() {
                        Some(s) => s,
                        None => {
                            xr.iter_mut().zip(row.iter()).for_each(|(o, v)| *o = *v);
                            &xr
                        }
                    };
                    let mu = sigmoid(dot(xr, coef) + b0);
                    let r = w[i] * (mu - if y[i] { 1.0 } else { 0.0 });
                    for (gj, v) in g.iter_mut().zip(xr) {
                        *gj += r * v;
                    }
                    if d > p {
                        g[p] += r;
                    }
                    if with_hessian {
                        let root = (w[i] * mu * (1.0 - mu)).sqrt();
                        let mut out = a.row_mut(k);
                        for (o, v) in out.iter_mut().zip(xr) {
                            *o = root * v;
                        }
                        if d > p {
                            out[p] = root;
                        }
                    }
                }
                (g, with_hessian.then(|| a.t().dot(&a)))
            })
            .collect();
        let mut grad = vec![0.0; d];
        let mut hess = with_hessian.then(|| Array2::<f64>::zeros((d, d)));
        for (g, h) in parts {
            for a in 0..d {
                grad[a] += g[a];
            }
            if let (Some(total), Some(h)) = (hess.as_mut(), h) {
                *total += &h;
            }
        }
        // Objective scaled by 1/C: Σ sᵢ·loss + (1/C)·½‖w‖².
        for a in 0..p {
            grad[a] += penalty * beta[a];
            if let Some(h) = hess.as_mut() {
                h[[a, a]] += penalty;
            }
        }
        (grad, hess)
    }
}

/// The proximal Newton direction for an L1 penalty: minimises the quadratic model
/// `gᵀδ + ½δᵀHδ + λ·Σⱼ<p |βⱼ + δⱼ|` by cyclic coordinate descent (soft-thresholding), the
/// intercept (index `p`, if present) unpenalised. `d` is small (the model matrix's width), so
/// each sweep is `O(d²)` and many sweeps are cheap next to one pass over the rows.
/// The Newton step `H⁻¹ g`. When `H` is singular (collinear columns, e.g. one-hot levels that
/// always go together, without a penalty: `C = ∞`), a ridge growing tenfold from 10⁻¹⁰ to 10⁻⁴
/// times the largest diagonal entry is added until Cholesky succeeds: the step then moves within
/// the set of optima, as scikit-learn's unpenalised fits do. `None` if even the largest fails.
fn newton_step(h: &Array2<f64>, g: &[f64]) -> Option<Vec<f64>> {
    if let Some(step) = cholesky_solve(h, g) {
        return Some(step);
    }
    let d = h.nrows();
    let scale = (0..d).map(|k| h[[k, k]].abs()).fold(0.0f64, f64::max).max(f64::MIN_POSITIVE);
    let mut ridge = 1e-10;
    while ridge <= 1.0001e-4 {
        let mut m = h.clone();
        for k in 0..d {
            m[[k, k]] += ridge * scale;
        }
        if let Some(step) = cholesky_solve(&m, g) {
            return Some(step);
        }
        ridge *= 10.0;
    }
    None
}

fn lasso_step(h: &Array2<f64>, g: &[f64], beta: &[f64], p: usize, lambda: f64) -> Vec<f64> {
    let d = g.len();
    let mut delta = vec![0.0; d];
    // hd = H·δ, kept up to date.
    let mut hd = vec![0.0; d];
    for _sweep in 0..1000 {
        let mut largest = 0.0f64;
        for j in 0..d {
            let hjj = h[[j, j]];
            // Gradient of the model along j, excluding δⱼ's own curvature term.
            let gj = g[j] + hd[j] - hjj * delta[j];
            let new = if j < p {
                // minimise ½hjj·t² + gj·t + λ|βⱼ + t| over t.
                let target = beta[j] - gj / hjj;
                let shrunk = target.signum() * (target.abs() - lambda / hjj).max(0.0);
                shrunk - beta[j]
            } else {
                -gj / hjj
            };
            let change = new - delta[j];
            if change != 0.0 {
                for k in 0..d {
                    hd[k] += h[[k, j]] * change;
                }
                delta[j] = new;
                largest = largest.max(change.abs());
            }
        }
        if largest < 1e-14 {
            break;
        }
    }
    delta
}

/// `Σ sᵢ·logloss(yᵢ, xᵢ·w + b) + λ‖w‖₁` at `beta`, in one parallel deterministic pass.
fn objective(x: ArrayView2<f64>, y: &[bool], w: &[f64], beta: &[f64], l1: f64, l2: f64) -> f64 {
    let (n, p) = x.dim();
    let b0 = if beta.len() > p { beta[p] } else { 0.0 };
    const CHUNK: usize = 4096;
    let parts: Vec<f64> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            (c * CHUNK..((c + 1) * CHUNK).min(n))
                .map(|i| {
                    let row = x.row(i);
                    let z = match row.to_slice() {
                        Some(r) => dot(r, &beta[..p]),
                        None => row.iter().zip(&beta[..p]).map(|(a, b)| a * b).sum::<f64>(),
                    } + b0;
                    // logloss = log(1 + e^z) − y·z.
                    w[i] * (softplus(z) - if y[i] { z } else { 0.0 })
                })
                .sum::<f64>()
        })
        .collect();
    parts.iter().sum::<f64>()
        + l1 * beta[..p].iter().map(|b| b.abs()).sum::<f64>()
        + 0.5 * l2 * beta[..p].iter().map(|b| b * b).sum::<f64>()
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

/// Dot product with four independent accumulators (lets the compiler use SIMD lanes).
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let b = &b[..a.len()];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `log(1 + eᶻ)` without overflow for large |z|.
pub(crate) fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
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
    /// Log-odds of churn for every row (parallel over row blocks).
    pub fn decision_function(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        let mut out = vec![0.0; x.nrows()];
        self.fill(x, &mut out, |z| z)?;
        Ok(out)
    }

    /// P(churn) for every row (parallel over row blocks).
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        let mut out = vec![0.0; x.nrows()];
        self.fill(x, &mut out, sigmoid)?;
        Ok(out)
    }

    /// Writes `link(xᵢ·w + b)` into `out`.
    fn fill(&self, x: ArrayView2<f64>, out: &mut [f64], link: impl Fn(f64) -> f64 + Sync) -> Result<()> {
        let p = self.coef.len();
        if x.ncols() != p {
            return Err(Error::FeatureMismatch { reason: format!("model has {p} columns, data has {}", x.ncols()) });
        }
        const BLOCK: usize = 4096;
        match x.to_slice() {
            Some(data) if p > 0 => {
                data.par_chunks(BLOCK * p).zip(out.par_chunks_mut(BLOCK)).for_each(|(rows, out)| {
                    for (o, row) in out.iter_mut().zip(rows.chunks_exact(p)) {
                        *o = link(dot(row, &self.coef) + self.intercept);
                    }
                });
            }
            _ => {
                for (o, row) in out.iter_mut().zip(x.outer_iter()) {
                    let z: f64 = row.iter().zip(&self.coef).map(|(a, b)| a * b).sum();
                    *o = link(z + self.intercept);
                }
            }
        }
        Ok(())
    }
}
