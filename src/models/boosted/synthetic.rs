//! A seeded synthetic churn matrix with a known non-linear signal, for tests and benchmarks.
//!
//! Columns cycle through five kinds — normal, uniform on (−2, 2), a skewed count, a 0/1 flag and
//! a log-normal amount — and every third column (2, 5, 8, …) has 10% missing values (`NaN`).
//! The first ten columns carry the signal: a linear term, a U-shape, a log-count whose missingness
//! is itself informative, a flag that interacts with column 0, a log amount, a sine, a step, a
//! capped count, and a flag × log-amount interaction; the other columns are noise. The intercept
//! is solved so that the mean true churn probability is 26%. Labels are drawn from the true
//! probabilities, which are returned too (so the best achievable AUC can be computed).
//!
//! ```
//! use attrition::models::boosted::synthetic::make_churn_matrix;
//! let d = make_churn_matrix(10_000, 30, 1);
//! assert_eq!(d.x.dim(), (10_000, 30));
//! let rate = d.y.iter().filter(|&&c| c).count() as f64 / 10_000.0;
//! assert!((rate - 0.26).abs() < 0.02);
//! assert!(d.x.column(2).iter().any(|v| v.is_nan()));
//! let again = make_churn_matrix(10_000, 30, 1); // seeded: the same bits (NaN != NaN, so compare bits)
//! assert_eq!(d.y, again.y);
//! assert!(d.x.iter().zip(again.x.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
//! ```

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, StandardNormal};

use super::objective::sigmoid;
use super::params::BoostedParams;

/// LightGBM's defaults as our parameters (100 trees, 31 leaves, learning rate 0.1, 255 bins, 20
/// rows and 1e-3 hessian per leaf, no L2, no subsampling, no early stopping) on `threads`
/// threads: the settings of the speed comparisons with LightGBM (`examples/gbdt_speed.rs`,
/// `benches/models.rs`, `benches/peers/lightgbm_speed.py`).
pub fn lightgbm_defaults(threads: usize) -> BoostedParams {
    BoostedParams::new()
        .n_trees(100)
        .learning_rate(0.1)
        .max_leaves(Some(31))
        .max_depth(None)
        .min_samples_leaf(20)
        .min_child_weight(1e-3)
        .lambda_l2(0.0)
        .subsample(1.0)
        .colsample(1.0)
        .max_bins(255)
        .early_stopping(None)
        .n_threads(Some(threads))
}

/// A generated matrix, its labels and the true churn probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticChurn {
    /// `n × p` features, `NaN` = missing.
    pub x: Array2<f64>,
    /// Labels drawn from `p_true`.
    pub y: Vec<bool>,
    /// True P(churn) of each row.
    pub p_true: Vec<f64>,
}

/// Generates `n` rows and `p` columns from `seed`; see the [module docs](self).
pub fn make_churn_matrix(n: usize, p: usize, seed: u64) -> SyntheticChurn {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let exp = Exp::new(1.0).unwrap_or_else(|_| unreachable!("rate 1 is valid"));
    let mut x = Array2::<f64>::zeros((n, p));
    for i in 0..n {
        for j in 0..p {
            let z: f64 = rng.sample(StandardNormal);
            let u: f64 = rng.r#gen();
            let e: f64 = exp.sample(&mut rng);
            let m: f64 = rng.r#gen();
            let v = match j % 5 {
                0 => z,
                1 => 4.0 * u - 2.0,
                2 => (3.0 * e).floor(),
                3 => f64::from(u < 0.3),
                _ => z.exp(),
            };
            x[[i, j]] = if j % 3 == 2 && m < 0.1 { f64::NAN } else { v };
        }
    }
    let f: Vec<f64> = (0..n).map(|i| signal(x.row(i).as_slice().unwrap_or(&[]))).collect();
    // Intercept so that the mean probability is 26% (bisection; the mean is increasing in it).
    let (mut lo, mut hi) = (-20.0f64, 20.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        let mean = f.iter().map(|&v| sigmoid(mid + v)).sum::<f64>() / n.max(1) as f64;
        if mean < 0.26 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let b0 = 0.5 * (lo + hi);
    let p_true: Vec<f64> = f.iter().map(|&v| sigmoid(b0 + v)).collect();
    let y = p_true.iter().map(|&q| rng.r#gen::<f64>() < q).collect();
    SyntheticChurn { x, y, p_true }
}

/// The true log-odds (before the intercept) of one row.
fn signal(r: &[f64]) -> f64 {
    let get = |j: usize| r.get(j).copied();
    let mut s = 0.0;
    if let Some(v) = get(0) {
        s += 1.2 * v;
    }
    if let Some(v) = get(1) {
        s -= 0.8 * (v * v - 4.0 / 3.0);
    }
    if let Some(v) = get(2) {
        s += if v.is_nan() { 0.5 } else { 0.6 * v.ln_1p() - 0.6 };
    }
    if let (Some(flag), Some(x0)) = (get(3), get(0)) {
        s += 0.7 * flag * if x0 > 0.0 { 1.0 } else { -1.0 };
    }
    if let Some(v) = get(4) {
        s -= 0.5 * v.ln();
    }
    if let Some(v) = get(5) {
        s += if v.is_nan() { 0.0 } else { 0.8 * (2.0 * v).sin() };
    }
    if let Some(v) = get(6) {
        s += if v > 0.0 { 0.5 } else { -0.5 };
    }
    if let Some(v) = get(7) {
        s += 0.4 * v.min(6.0) / 3.0;
    }
    if let (Some(flag), Some(v)) = (get(8), get(9)) {
        s += if flag.is_nan() { -0.3 } else { 0.6 * flag * v.ln() };
    }
    s
}
