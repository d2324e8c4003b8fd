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
    labelled(x, &f, &mut rng)
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

/// Generates `n` rows of a churn law driven by a high-cardinality categorical column, for the
/// categorical-split tests and benchmarks:
///
/// - column 0: a category code in `0..n_categories` (Zipf-like frequencies: code `c` has weight
///   `1 / (c + 3)`), missing (`NaN`) in 5% of rows;
/// - column 1: a standard normal `x`;
/// - column 2: a category code in `0..3` (a low-cardinality plan);
/// - column 3: uniform noise on (0, 1).
///
/// The true log-odds are `a[c] + b[c]·x + 0.8·[plan = 1] + b0`: every category has its own level
/// `a[c] ~ N(0, 1)` and its own slope `b[c] = ±1` on `x` (an interaction no single threshold on
/// the codes captures); a missing category has `a = 0.5`, `b = 0`. The per-category effects
/// depend only on `n_categories` (not on `seed`), so draws with different seeds follow one law,
/// and `b0` is solved for a mean churn probability of 26% on each draw.
///
/// ```
/// use attrition::models::boosted::synthetic::make_categorical_churn;
/// let d = make_categorical_churn(5_000, 40, 3);
/// assert_eq!(d.x.dim(), (5_000, 4));
/// assert!(d.x.column(0).iter().all(|&c| c.is_nan() || (c >= 0.0 && c < 40.0 && c.fract() == 0.0)));
/// let rate = d.y.iter().filter(|&&c| c).count() as f64 / 5_000.0;
/// assert!((rate - 0.26).abs() < 0.03);
/// ```
pub fn make_categorical_churn(n: usize, n_categories: usize, seed: u64) -> SyntheticChurn {
    let k = n_categories.max(1);
    let mut law = ChaCha8Rng::seed_from_u64(0xCA7E_6041 ^ k as u64);
    let level: Vec<f64> = (0..k).map(|_| law.sample(StandardNormal)).collect();
    let slope: Vec<f64> = (0..k).map(|_| if law.gen_bool(0.5) { 1.0 } else { -1.0 }).collect();
    let weights: Vec<f64> = (0..k).map(|c| 1.0 / (c as f64 + 3.0)).collect();
    let total: f64 = weights.iter().sum();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::<f64>::zeros((n, 4));
    let mut f = vec![0.0; n];
    for i in 0..n {
        let missing = rng.gen_bool(0.05);
        let mut u = rng.r#gen::<f64>() * total;
        let mut c = k - 1;
        for (j, &w) in weights.iter().enumerate() {
            if u < w {
                c = j;
                break;
            }
            u -= w;
        }
        let z: f64 = rng.sample(StandardNormal);
        let plan = rng.gen_range(0..3u8);
        let noise: f64 = rng.r#gen();
        x[[i, 0]] = if missing { f64::NAN } else { c as f64 };
        x[[i, 1]] = z;
        x[[i, 2]] = f64::from(plan);
        x[[i, 3]] = noise;
        let (a, b) = if missing { (0.5, 0.0) } else { (level[c], slope[c]) };
        f[i] = a + b * z + if plan == 1 { 0.8 } else { 0.0 };
    }
    labelled(x, &f, &mut rng)
}

/// Draws the labels for signal `f`: the intercept puts the mean probability at 26% (bisection;
/// the mean is increasing in it), then each row churns with its true probability.
fn labelled(x: Array2<f64>, f: &[f64], rng: &mut impl Rng) -> SyntheticChurn {
    let (mut lo, mut hi) = (-20.0f64, 20.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        let mean = f.iter().map(|&v| sigmoid(mid + v)).sum::<f64>() / f.len().max(1) as f64;
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
