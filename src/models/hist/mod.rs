//! The histogram tree engine shared by the single decision tree ([`crate::models::tree`]) and
//! gradient-boosted trees ([`crate::models::boosted`]).
//!
//! - `bins`: quantile bins (≤ [`MAX_BINS`] value bins + a missing bin per feature), learned on
//!   training rows, turning the matrix into `u8` codes stored column by column;
//! - `histogram`: per-bin sums of gradients, hessians and counts, built in parallel over
//!   features (each feature summed in row order, so results do not depend on the thread count),
//!   with the sibling-subtraction trick and each feature's best split found in the same pass;
//! - `split`: the best threshold per feature, missing values tried on both sides (the learned
//!   default direction), under min-child-weight / min-samples / min-gain constraints;
//! - `grow`: best-first (leaf-wise) growth under a leaf budget and/or depth limit;
//! - `forest`: the fitted trees in one flat struct-of-arrays layout, predicted in row blocks;
//! - `explain`: exact TreeSHAP and gain / split-count importances ([`ShapValues`],
//!   [`FeatureImportances`]).
//!
//! Inputs are dense row-major-or-not `f64` matrices where `NaN` means missing and ±∞ is an error.

pub(crate) mod bins;
pub(crate) mod bundle;
pub(crate) mod explain;
pub(crate) mod forest;
pub(crate) mod grow;
pub(crate) mod histogram;
pub(crate) mod split;

pub use bins::MAX_BINS;

/// Deepest tree (root = depth 0, a leaf at depth 64 is the deepest) the learners grow and a model
/// file may hold. A tree's cost to explain grows with the square of its depth, so the cap bounds
/// what any loadable model costs; `max_depth` parameters above it are refused and "no limit"
/// means this limit. Trees of our defaults are 3–7 deep, and a leaf-wise tree of 255 leaves on
/// real data rarely passes 30.
pub const MAX_TREE_DEPTH: usize = 64;
pub use explain::{FeatureImportances, ShapValues};

use ndarray::ArrayView2;

use crate::error::{Error, Result};

/// Checks a training matrix, labels and optional weights; returns the weights (ones if none).
///
/// Errors: no rows or no columns, length mismatches, ±∞ in `x`, non-finite or negative weights,
/// a class with zero total weight.
pub(crate) fn check_training(
    x: ArrayView2<f64>,
    y: &[bool],
    weights: Option<&[f64]>,
    what: &'static str,
) -> Result<Vec<f64>> {
    let w = check_labels_and_weights(x.nrows(), x.ncols(), y, weights, what)?;
    bins::check_finite_or_nan(x, "training input")?;
    check_both_classes(y, &w, what)?;
    Ok(w)
}

/// The shape checks of [`check_training`] for `n_rows` × `n_cols` inputs held in any form, and
/// the weights (all 1 when `None`).
pub(crate) fn check_labels_and_weights(
    n_rows: usize,
    n_cols: usize,
    y: &[bool],
    weights: Option<&[f64]>,
    what: &'static str,
) -> Result<Vec<f64>> {
    if n_rows == 0 || y.is_empty() {
        return Err(Error::EmptyData { context: what });
    }
    if n_cols == 0 {
        return Err(Error::EmptyData { context: "the feature matrix has no columns" });
    }
    if y.len() != n_rows {
        return Err(Error::LengthMismatch { context: "labels vs rows of x", left: y.len(), right: n_rows });
    }
    if n_rows >= u32::MAX as usize {
        return Err(Error::param("rows", n_rows, "at most 4,294,967,294 rows are supported"));
    }
    match weights {
        Some(w) => {
            if w.len() != y.len() {
                return Err(Error::LengthMismatch { context: "weights vs labels", left: w.len(), right: y.len() });
            }
            check_weights(w, "sample weights")?;
            Ok(w.to_vec())
        }
        None => Ok(vec![1.0; y.len()]),
    }
}

/// Both classes carry weight.
pub(crate) fn check_both_classes(y: &[bool], w: &[f64], what: &'static str) -> Result<()> {
    let (mut pos, mut neg) = (0.0, 0.0);
    for (&yi, &wi) in y.iter().zip(w) {
        if yi {
            pos += wi;
        } else {
            neg += wi;
        }
    }
    if pos <= 0.0 || neg <= 0.0 {
        return Err(Error::SingleClass { context: what });
    }
    Ok(())
}

/// Rejects non-finite or negative weights.
pub(crate) fn check_weights(w: &[f64], context: &str) -> Result<()> {
    for (i, &v) in w.iter().enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite { context: context.to_string(), row: i, value: v });
        }
        if v < 0.0 {
            return Err(Error::param("weights", format!("{v} at row {i}"), "sample weights must be ≥ 0"));
        }
    }
    Ok(())
}

/// Runs `f` on a pool of `n_threads` threads, or on rayon's global pool for `None` — on one of
/// the pool's threads, so that the fit's parallel passes start on a worker that takes part in
/// them. Called from a thread outside the pool (a program's main thread), each pass would
/// otherwise be sent to the pool while the caller waits: a Telco fit with LightGBM's settings
/// at two threads took 0.117–0.126 s that way against 0.092–0.096 s on a worker. Either way
/// the fit is [`spinning`]: also a fit already on a worker (an inner fold of `auto` or
/// `evaluate`), so that a worker with no fold left to fit helps the last ones instead of
/// sleeping (`auto` on Telco at two threads 1.255–1.307 s → 1.200–1.224 s).
pub(crate) fn with_threads<T: Send>(n_threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match n_threads {
        None if rayon::current_thread_index().is_none() => Ok(rayon::scope(|_| spinning(f))),
        None => Ok(spinning(f)),
        Some(k) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(k)
                .build()
                .map_err(|e| Error::param("n_threads", k, format!("cannot start a thread pool: {e}")))?;
            Ok(pool.install(|| spinning(f)))
        }
    }
}

/// Runs `f` while the pool's other workers spin, taking its parallel work as soon as it is
/// queued, instead of sleeping between passes and being woken for each (LightGBM's OpenMP
/// threads spin likewise). A fit's passes are short — on Telco, ~3,000 of ~30 µs each — and a
/// sleeping rayon worker took about as long to wake as a pass lasts: LightGBM's settings on
/// Telco at two threads took 0.092–0.096 s per fit before, 0.082–0.086 s spinning (one thread
/// 0.095 s). The spinning workers run whatever rayon work is queued (`rayon::yield_now`), so
/// nothing waits on them.
///
/// A thread already in a spinning fit, or spinning for one, neither spins for another nor
/// starts one of its own: two fits started at once on one pool (from two of a program's
/// threads, say) could otherwise each have a worker spinning for the other on its stack and
/// wait for each other forever.
pub(crate) fn spinning<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let helpers = rayon::current_num_threads().saturating_sub(1);
    if helpers == 0 || SPINNING.get() {
        return f();
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    rayon::scope(|s| {
        for _ in 0..helpers {
            s.spawn(|_| {
                if SPINNING.replace(true) {
                    return;
                }
                while !done.load(std::sync::atomic::Ordering::Acquire) {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        std::hint::spin_loop();
                    }
                }
                SPINNING.set(false);
            });
        }
        // Set on the way out, also when `f` panics: the scope waits for the spinning workers,
        // which stop only when told to.
        let _finish = Finish(&done);
        SPINNING.set(true);
        f()
    })
}

/// Ends a [`spinning`] fit when dropped: this thread is no longer in one, and its workers stop.
struct Finish<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        SPINNING.set(false);
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}

thread_local! {
    /// Whether this thread runs a spinning fit or spins for one (see [`spinning`]).
    static SPINNING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    fn work(i: u64) -> u64 {
        (0..200_000u64).into_par_iter().map(|x| x % (i + 2)).sum()
    }

    /// Fits started at once from several threads on the global pool, and fits nested in a
    /// pool's parallel loop, all finish with the same sums as one thread (a worker spinning for
    /// one fit inside another would hang this test).
    #[test]
    fn concurrent_and_nested_spinning_fits_finish() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let expected: Vec<u64> = (0..6).map(|i| (0..200_000u64).map(|x| x % (i + 2)).sum()).collect();
        let threads: Vec<_> = (0..6u64).map(|i| std::thread::spawn(move || with_threads(None, || work(i)))).collect();
        let mut got = Vec::new();
        for t in threads {
            got.push(t.join().map_err(|_| "a fitting thread panicked")??);
        }
        assert_eq!(got, expected);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build()?;
        let nested: Vec<u64> = pool.install(|| (0..6u64).into_par_iter().map(|i| spinning(|| work(i))).collect());
        assert_eq!(nested, expected);
        let fresh = (0..6u64).map(|i| with_threads(Some(3), || work(i))).collect::<Result<Vec<u64>>>()?;
        assert_eq!(fresh, expected);
        Ok(())
    }

    /// A fit that panics passes the panic on (its spinning workers are told to stop) instead of
    /// leaving the pool's scope waiting for them forever; the thread can fit again afterwards.
    #[test]
    fn a_panicking_spinning_fit_passes_the_panic_on() {
        let failed = std::panic::catch_unwind(|| {
            with_threads(Some(2), || {
                work(1);
                panic!("a fit failed");
            })
        });
        assert!(failed.is_err());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().map_err(|e| e.to_string());
        let again = pool.map(|p| p.install(|| spinning(|| work(1))));
        assert_eq!(again, Ok((0..200_000u64).map(|x| x % 3).sum()));
    }
}
