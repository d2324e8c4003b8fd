//! Quantile binning: each feature's values become at most 255 ordered bins plus one missing bin.
//!
//! Bin `b` of a feature holds the values `v` with `upper[b - 1] < v <= upper[b]`; the last upper
//! bound is `+∞`. Bounds are midpoints between neighbouring distinct training values, so a split
//! "bin ≤ b" is exactly the raw-value test `x <= upper[b]` used at prediction time. `NaN` goes to
//! the missing bin, whose index is the number of value bins.
//!
//! A categorical feature holds category codes `0, 1, 2, …` (non-negative integers, `NaN` =
//! missing): code `c` gets bin `c` for the codes below the largest training code + 1 (at most
//! [`MAX_BINS`]); larger codes share the missing bin, so they follow a split's default direction
//! like missing values and categories never seen in training.

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Largest number of value bins per feature (one more bin holds missing values, so codes fit a `u8`).
pub const MAX_BINS: usize = 255;

/// At most this many non-missing values per feature are sorted to find the bin bounds.
pub(crate) const BIN_SAMPLE: usize = 200_000;

/// Columns read together, row by row, when bounds are learned and rows binned: a row-major
/// matrix (a NumPy array, `fit_matrix`'s input) holds a row's neighbouring columns in one cache
/// line, so reading one column at a time missed the cache on every value (binning was ~11% of
/// the samples of a fit on 103k × 70 simulator rows, `perf`; binning in chunks and blocks, one
/// thread, four alternating runs each: 1.92–2.01 → 1.86–1.98 s per fit; the bounds' sample
/// gathered likewise: 1.92–1.96 → 1.87–1.92 s). Columnar sources (a `Dataset`'s own columns)
/// read 8 sequential streams.
const COLUMN_BLOCK: usize = 8;

/// At most this many bytes of sampled values are held at once while bounds are learned (a
/// batch of columns at a time: 200,000 sampled rows × 40 columns; all of the simulator's 70
/// columns of 103k rows in one batch).
const SAMPLE_BATCH_BYTES: usize = 64 << 20;

/// Rows per parallel task when rows are binned (a few MB of a row-major `f64` input, so the
/// blocks of columns after the first find the chunk's rows in cache).
const ROW_CHUNK: usize = 4096;

/// The value bins of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FeatureBins {
    /// Upper bound of each value bin, increasing; the last is `+∞`. Empty if the feature had no
    /// non-missing training value.
    pub upper: Vec<f64>,
    /// Categorical features: the number of category codes with a bin of their own (codes
    /// `0..n`); `None` for numeric features.
    pub categories: Option<usize>,
}

impl FeatureBins {
    /// Number of value bins (the missing bin's code).
    #[inline]
    pub fn n_value_bins(&self) -> usize {
        self.categories.unwrap_or(self.upper.len())
    }

    /// Bin code of `v` (`NaN` → the missing bin).
    #[inline]
    pub fn bin(&self, v: f64) -> u8 {
        if let Some(k) = self.categories {
            // Checked codes: NaN or a non-negative integer; codes past the bins share the missing bin.
            return if v >= 0.0 && v < k as f64 { v as u8 } else { k as u8 };
        }
        if v.is_nan() {
            return self.upper.len() as u8;
        }
        self.upper.partition_point(|&u| u < v) as u8
    }

    /// Finds bounds from the sorted non-missing values `sorted` (may repeat), with at most
    /// `max_bins` bins of roughly equal counts; a value heavier than a bin's share gets its own bin.
    pub fn from_sorted(sorted: &[f64], max_bins: usize) -> FeatureBins {
        if sorted.is_empty() {
            return FeatureBins { upper: Vec::new(), categories: None };
        }
        // Distinct values and their counts.
        let mut values: Vec<f64> = Vec::new();
        let mut counts: Vec<usize> = Vec::new();
        for &v in sorted {
            if values.last() == Some(&v) {
                if let Some(c) = counts.last_mut() {
                    *c += 1;
                }
            } else {
                values.push(v);
                counts.push(1);
            }
        }
        let mut upper = Vec::new();
        if values.len() <= max_bins {
            for w in values.windows(2) {
                upper.push(midpoint(w[0], w[1]));
            }
        } else {
            let mut rest_n = sorted.len() as f64;
            let mut rest_bins = max_bins as f64;
            let mut acc = 0usize;
            for i in 0..values.len() - 1 {
                acc += counts[i];
                let share = rest_n / rest_bins;
                if acc as f64 >= share || counts[i + 1] as f64 >= share {
                    upper.push(midpoint(values[i], values[i + 1]));
                    rest_n -= acc as f64;
                    rest_bins -= 1.0;
                    acc = 0;
                    if rest_bins <= 1.0 {
                        break;
                    }
                }
            }
        }
        upper.push(f64::INFINITY);
        FeatureBins { upper, categories: None }
    }
}

/// Writes `out[j][r] = value(rows[r], j)` for every column `j` whose vector is not empty (each
/// non-empty one holds `rows.len()` entries): rows in parallel chunks of [`ROW_CHUNK`], and
/// within a chunk the columns in blocks of [`COLUMN_BLOCK`], row by row.
fn fill_by_chunks<T: Send>(rows: &[usize], out: &mut [Vec<T>], value: impl Fn(usize, usize) -> T + Sync) {
    let mut parts: Vec<Vec<(usize, &mut [T])>> =
        (0..rows.len().div_ceil(ROW_CHUNK)).map(|_| Vec::with_capacity(out.len())).collect();
    for (j, col) in out.iter_mut().enumerate() {
        for (part, piece) in parts.iter_mut().zip(col.chunks_mut(ROW_CHUNK)) {
            part.push((j, piece));
        }
    }
    parts.into_par_iter().zip(rows.par_chunks(ROW_CHUNK)).for_each(|(mut pieces, chunk)| {
        for block in pieces.chunks_mut(COLUMN_BLOCK) {
            for (r, &i) in chunk.iter().enumerate() {
                for (j, piece) in block.iter_mut() {
                    piece[r] = value(i, *j);
                }
            }
        }
    });
}

/// A threshold `t` with `a <= t < b` (the midpoint when it is representable strictly below `b`).
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    if m >= a && m < b { m } else { a }
}

/// Read access to a feature matrix by row and column: a dense `ArrayView2` or, for the boosted
/// trees' fits, a `Dataset`'s own columns seen through a fitted tree-mode preprocessor and a
/// list of rows (`crate::models::preprocess::TreeColumns`), so a fit needs no `f64` copy of
/// its rows. Values are finite or `NaN` (missing).
pub(crate) trait FeatureSource: Sync {
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// Number of feature columns.
    fn n_cols(&self) -> usize;
    /// The value at row `i`, column `j`.
    fn value(&self, i: usize, j: usize) -> f64;
}

impl FeatureSource for ArrayView2<'_, f64> {
    #[inline]
    fn n_rows(&self) -> usize {
        self.nrows()
    }
    #[inline]
    fn n_cols(&self) -> usize {
        self.ncols()
    }
    #[inline]
    fn value(&self, i: usize, j: usize) -> f64 {
        self[[i, j]]
    }
}

/// Bin bounds of every feature, learned from training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BinMapper {
    /// One entry per feature.
    pub features: Vec<FeatureBins>,
}

impl BinMapper {
    /// Learns bounds from the rows `rows` of `x` (all finite or `NaN`; checked by the caller).
    /// Features are sampled to at most [`BIN_SAMPLE`] rows (seeded) before sorting. Features
    /// whose `categorical` entry is true (checked codes, see [`check_categorical`]) get one bin
    /// per code up to the largest training code.
    pub fn fit(x: ArrayView2<f64>, rows: &[usize], max_bins: usize, seed: u64, categorical: &[bool]) -> BinMapper {
        Self::fit_source(&x, rows, max_bins, seed, categorical)
    }

    /// [`BinMapper::fit`] on any [`FeatureSource`] (the same bounds for the same values).
    pub fn fit_source<S: FeatureSource + ?Sized>(
        x: &S,
        rows: &[usize],
        max_bins: usize,
        seed: u64,
        categorical: &[bool],
    ) -> BinMapper {
        Self::fit_batched(x, rows, max_bins, seed, categorical, SAMPLE_BATCH_BYTES)
    }

    /// [`BinMapper::fit_source`] holding at most `batch_bytes` of sampled values at once (at
    /// least [`COLUMN_BLOCK`] columns): the same bounds for any `batch_bytes`.
    fn fit_batched<S: FeatureSource + ?Sized>(
        x: &S,
        rows: &[usize],
        max_bins: usize,
        seed: u64,
        categorical: &[bool],
        batch_bytes: usize,
    ) -> BinMapper {
        let sample_rows: Vec<usize> = if rows.len() > BIN_SAMPLE {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xB175);
            let mut s: Vec<usize> = sample(&mut rng, rows.len(), BIN_SAMPLE).into_iter().map(|k| rows[k]).collect();
            s.sort_unstable();
            s
        } else {
            rows.to_vec()
        };
        let p = x.n_cols();
        let is_cat = |j: usize| categorical.get(j).copied().unwrap_or(false);
        // The largest code of each categorical column, over every row (a maximum: the same
        // whatever the chunks).
        let cat_cols: Vec<usize> = (0..p).filter(|&j| is_cat(j)).collect();
        let mut tops = vec![-1.0f64; cat_cols.len()];
        if !cat_cols.is_empty() {
            tops = rows
                .par_chunks(ROW_CHUNK)
                .map(|chunk| {
                    let mut top = vec![-1.0f64; cat_cols.len()];
                    for &i in chunk {
                        for (t, &j) in top.iter_mut().zip(&cat_cols) {
                            let v = x.value(i, j);
                            if !v.is_nan() {
                                *t = t.max(v);
                            }
                        }
                    }
                    top
                })
                .reduce(|| tops.clone(), |a, b| a.iter().zip(&b).map(|(x, y)| x.max(*y)).collect());
        }
        // The sampled values of the numeric columns (`NaN` kept, then dropped per column), a
        // batch of columns at a time so that at most `SAMPLE_BATCH_BYTES` of them are held.
        let batch = (batch_bytes / (8 * sample_rows.len()).max(1)).max(COLUMN_BLOCK);
        let mut features = Vec::with_capacity(p);
        for start in (0..p).step_by(batch) {
            let cols = start..(start + batch).min(p);
            let mut values: Vec<Vec<f64>> =
                cols.clone().map(|j| if is_cat(j) { Vec::new() } else { vec![f64::NAN; sample_rows.len()] }).collect();
            fill_by_chunks(&sample_rows, &mut values, |i, k| x.value(i, start + k));
            features.par_extend(values.into_par_iter().zip(cols).map(|(mut vals, j)| {
                if let Ok(k) = cat_cols.binary_search(&j) {
                    let top = tops[k];
                    let n = if top < 0.0 { 0 } else { (top as usize + 1).min(MAX_BINS) };
                    return FeatureBins { upper: Vec::new(), categories: Some(n) };
                }
                vals.retain(|v| !v.is_nan());
                vals.sort_unstable_by(f64::total_cmp);
                FeatureBins::from_sorted(&vals, max_bins)
            }));
        }
        BinMapper { features }
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// Bins the rows `rows` of `x` into a column-major code matrix.
    pub fn transform(&self, x: ArrayView2<f64>, rows: &[usize]) -> BinnedMatrix {
        self.transform_source(&x, rows)
    }

    /// [`BinMapper::transform`] on any [`FeatureSource`].
    pub fn transform_source<S: FeatureSource + ?Sized>(&self, x: &S, rows: &[usize]) -> BinnedMatrix {
        let mut columns: Vec<Vec<u8>> = vec![vec![0u8; rows.len()]; x.n_cols()];
        fill_by_chunks(rows, &mut columns, |i, j| self.features[j].bin(x.value(i, j)));
        BinnedMatrix { n_rows: rows.len(), columns }
    }
}

/// Bin codes, column-major: `columns[j][i]` is the code of row `i`, feature `j`.
#[derive(Debug, Clone)]
pub(crate) struct BinnedMatrix {
    /// Number of rows.
    pub n_rows: usize,
    /// One code vector per feature.
    pub columns: Vec<Vec<u8>>,
}

/// Checks that the columns `features` of `x` hold category codes: non-negative integers or
/// `NaN` (missing). Errors name the column and the row.
pub(crate) fn check_categorical(x: ArrayView2<f64>, features: &[usize], context: &str) -> Result<()> {
    for &j in features {
        if j >= x.ncols() {
            return Err(Error::param(
                "categorical_features",
                j,
                format!("the matrix has {} columns (indices start at 0)", x.ncols()),
            ));
        }
        let col = x.column(j);
        if let Some((i, &v)) = col.iter().enumerate().find(|(_, v)| !v.is_nan() && (**v < 0.0 || v.fract() != 0.0)) {
            return Err(Error::param(
                "categorical_features",
                format!("{context}, column {j}, row {i}: {v}"),
                "a categorical column holds category codes: non-negative integers, NaN for missing",
            ));
        }
    }
    Ok(())
}

/// Rejects ±∞ anywhere in `x` (NaN is a missing value and allowed), naming the first one in
/// column order (the smallest column, then row). Rows are read whole, in parallel chunks of
/// [`ROW_CHUNK`]: a row-major input read one column at a time missed the cache on every value
/// (2% of the samples of a simulator fit, `perf`), as the binning did (see [`COLUMN_BLOCK`]).
pub(crate) fn check_finite_or_nan(x: ArrayView2<f64>, context: &str) -> Result<()> {
    let first_inf = (0..x.nrows())
        .into_par_iter()
        .with_min_len(ROW_CHUNK)
        .filter_map(|i| {
            let row = x.row(i);
            // An OR over the row (vectorised) before looking for where.
            let any = row.iter().fold(false, |a, v| a | v.is_infinite());
            if any { row.iter().position(|v| v.is_infinite()).map(|j| (j, i)) } else { None }
        })
        .min();
    match first_inf {
        Some((j, i)) => Err(Error::NonFinite {
            context: format!("{context}, feature column {j} (NaN means missing; ±inf is not allowed)"),
            row: i,
            value: x[[i, j]],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each() {
        let v = [1.0, 1.0, 2.0, 3.0, 3.0, 3.0];
        let fb = FeatureBins::from_sorted(&v, 255);
        assert_eq!(fb.upper, vec![1.5, 2.5, f64::INFINITY]);
        assert_eq!(fb.bin(1.0), 0);
        assert_eq!(fb.bin(1.5), 0);
        assert_eq!(fb.bin(1.6), 1);
        assert_eq!(fb.bin(100.0), 2);
        assert_eq!(fb.bin(-100.0), 0);
        assert_eq!(fb.bin(f64::NAN), 3);
    }

    #[test]
    fn many_values_are_cut_into_quantiles_and_heavy_values_stand_alone() {
        let mut v: Vec<f64> = (0..10_000).map(|i| i as f64).collect();
        v.extend(std::iter::repeat_n(0.0, 5_000));
        v.sort_by(f64::total_cmp);
        let fb = FeatureBins::from_sorted(&v, 16);
        assert!(fb.n_value_bins() <= 16, "{}", fb.n_value_bins());
        assert!(fb.n_value_bins() >= 12, "{}", fb.n_value_bins());
        // the heavy zero has a bin of its own
        assert_eq!(fb.bin(0.0), 0);
        assert_eq!(fb.bin(1.0), 1);
        // bins hold similar counts
        let mut counts = vec![0usize; fb.n_value_bins()];
        for &x in &v[5_000..] {
            counts[fb.bin(x) as usize] += 1;
        }
        let max = counts[1..].iter().max().unwrap();
        let min = counts[1..].iter().min().unwrap();
        assert!(*max <= 2 * *min + 2, "{counts:?}");
    }

    #[test]
    fn bin_matches_raw_threshold_test() {
        let v: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64 / 7.0).collect();
        let mut s = v.clone();
        s.sort_by(f64::total_cmp);
        let fb = FeatureBins::from_sorted(&s, 32);
        for &x in &v {
            let b = fb.bin(x) as usize;
            for (k, &u) in fb.upper.iter().enumerate() {
                assert_eq!(b <= k, x <= u);
            }
        }
    }

    #[test]
    fn midpoint_of_adjacent_floats_stays_below_upper_value() {
        let a = 1.0f64;
        let b = f64::from_bits(a.to_bits() + 1);
        let t = midpoint(a, b);
        assert!(a <= t && t < b);
    }

    /// Bounds learned and rows binned in chunks of rows and blocks of columns equal those of
    /// one column at a time (`from_sorted` on each column's sorted values, `bin` of each
    /// value), on more rows than a chunk and more columns than a block (in one batch of sampled
    /// values and in several), with missing values, a categorical column, a constant one, and a
    /// subset of rows in a shuffled order.
    #[test]
    fn chunked_binning_equals_one_column_at_a_time() {
        let (n, p) = (ROW_CHUNK * 2 + 37, COLUMN_BLOCK * 2 + 3);
        let x = ndarray::Array2::from_shape_fn((n, p), |(i, j)| match j {
            0 => (i % 7) as f64,                               // categorical codes
            1 => 3.5,                                          // constant
            _ if (i * 31 + j * 17) % 11 == 0 => f64::NAN,      // missing
            _ => ((i * (j + 13)) % (40 * j + 1)) as f64 / 7.0, // from 1 to many distinct values
        });
        let categorical: Vec<bool> = (0..p).map(|j| j == 0).collect();
        let mut rows: Vec<usize> = (0..n).filter(|i| i % 5 != 2).collect();
        rows.reverse();
        rows.swap(3, 4000);
        let mapper = BinMapper::fit(x.view(), &rows, 32, 7, &categorical);
        // Batches of 8 columns (three batches here) give the same bounds.
        assert_eq!(BinMapper::fit_batched(&x.view(), &rows, 32, 7, &categorical, 1), mapper);
        for j in 0..p {
            let want = if j == 0 {
                FeatureBins { upper: Vec::new(), categories: Some(7) }
            } else {
                let mut vals: Vec<f64> = rows.iter().map(|&i| x[[i, j]]).filter(|v| !v.is_nan()).collect();
                vals.sort_unstable_by(f64::total_cmp);
                FeatureBins::from_sorted(&vals, 32)
            };
            assert_eq!(mapper.features[j], want, "bounds of column {j}");
        }
        let binned = mapper.transform(x.view(), &rows);
        assert_eq!(binned.n_rows, rows.len());
        for (j, col) in binned.columns.iter().enumerate() {
            let want: Vec<u8> = rows.iter().map(|&i| mapper.features[j].bin(x[[i, j]])).collect();
            assert_eq!(col, &want, "codes of column {j}");
        }
    }

    /// The first infinite value in column order is named (smallest column, then row), whatever
    /// the row chunks read in parallel; NaN passes.
    #[test]
    fn the_first_infinite_value_in_column_order_is_named() {
        let mut x = ndarray::Array2::from_elem((3 * ROW_CHUNK, 5), 1.0);
        x[[10, 0]] = f64::NAN;
        assert!(check_finite_or_nan(x.view(), "t").is_ok());
        x[[20, 3]] = f64::INFINITY;
        x[[2 * ROW_CHUNK + 1, 1]] = f64::NEG_INFINITY;
        x[[ROW_CHUNK + 7, 1]] = f64::INFINITY;
        match check_finite_or_nan(x.view(), "t") {
            Err(Error::NonFinite { context, row, value }) => {
                assert!(context.contains("feature column 1"), "{context}");
                assert_eq!((row, value), (ROW_CHUNK + 7, f64::INFINITY));
            }
            other => panic!("expected a NonFinite error, got {other:?}"),
        }
    }
}
