//! Splitting observations for honest, out-of-sample evaluation.
//!
//! - [`stratified_k_fold`]: k folds with (nearly) equal churn rates;
//! - [`grouped_k_fold`]: k folds where one customer (group) never appears in two folds, needed
//!   when a customer contributes one observation per as-of date;
//! - [`inner_k_fold`]: one of the two above for cross-validation inside a training set (grouped
//!   when ids repeat), as used by calibration and the ensemble's weighting;
//! - [`time_backtest`]: train on observations before a cut-off date, test on later ones, for each
//!   cut-off in turn (fight-churn's time-ordered backtest).
//!
//! All splits are deterministic for a given seed.
//!
//! ```
//! use attrition::validation::{stratified_k_fold, Split};
//! let y = [true, false, false, false, true, false, false, false, true, false];
//! let folds: Vec<Split> = stratified_k_fold(&y, 2, 42).unwrap();
//! assert_eq!(folds.len(), 2);
//! for f in &folds {
//!     assert_eq!(f.train.len() + f.test.len(), y.len());
//!     // each test fold holds 1 or 2 of the 3 churners
//!     let churners = f.test.iter().filter(|&&i| y[i]).count();
//!     assert!((1..=2).contains(&churners));
//! }
//! ```

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

mod oof;
mod sample;
pub use oof::{OutOfFold, cross_val_fit_predict, cross_val_fit_predict_with_progress, cross_val_predict};
pub use sample::CustomerSample;

/// Row indices of one train/test split. Both lists are sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Rows to fit on.
    pub train: Vec<usize>,
    /// Rows to evaluate on.
    pub test: Vec<usize>,
}

fn check_k(k: usize, n: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::param("folds", k, "at least 2 folds are needed"));
    }
    if n < k {
        return Err(Error::param("folds", k, format!("more folds than rows or groups ({n})")));
    }
    Ok(())
}

fn splits_from_assignment(fold_of: &[usize], k: usize) -> Vec<Split> {
    (0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..fold_of.len()).partition(|&i| fold_of[i] == f);
            Split { train, test }
        })
        .collect()
}

/// Folds for cross-validation inside a training set: [`grouped_k_fold`] by id when the ids of
/// `data` repeat (one customer observed at several dates must not be on both sides), otherwise
/// [`stratified_k_fold`] on `churned`.
///
/// Errors as those two do, or when `data` has no `churned` label.
pub fn inner_k_fold(data: &Dataset, k: usize, seed: u64) -> Result<Vec<Split>> {
    let y = data.churned_or_err()?;
    check_classes_for_folds(data, k)?;
    match &data.ids {
        Some(ids) if ids_repeat(data) => grouped_k_fold(ids, k, seed),
        _ => stratified_k_fold(y, k, seed),
    }
}

/// What [`Error::SingleClass`] says of a target whose rows all have the same outcome.
pub const SAME_OUTCOME: &str =
    "the target: every row has the same outcome (is `--positive` the value that means churned?)";

/// The rarer outcome of `data` in the units [`inner_k_fold`] deals into folds: rows, or
/// customers when ids repeat (a customer counts for each outcome it has a row of).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FewestOutcome {
    /// Rows (or customers) with that outcome.
    pub count: usize,
    /// `"churned"` or `"retained"`.
    pub class: &'static str,
    /// `"row"` or `"customer"`.
    pub unit: &'static str,
}

impl std::fmt::Display for FewestOutcome {
    /// `1 churned row`, or `1 customer with churned rows` when ids repeat.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = if self.count == 1 { "" } else { "s" };
        match self.unit {
            "row" => write!(f, "{} {} row{s}", self.count, self.class),
            unit => write!(f, "{} {unit}{s} with {} rows", self.count, self.class),
        }
    }
}

impl FewestOutcome {
    /// Of `data` (which needs its `churned` label).
    pub fn of(data: &Dataset) -> Result<FewestOutcome> {
        let y = data.churned_or_err()?;
        let (churned, retained, unit) = match &data.ids {
            Some(ids) if ids_repeat(data) => {
                let count = |want: bool| {
                    ids.iter()
                        .zip(y)
                        .filter(|(_, c)| **c == want)
                        .map(|(i, _)| i.as_str())
                        .collect::<HashSet<_>>()
                        .len()
                };
                (count(true), count(false), "customer")
            }
            _ => {
                let churned = y.iter().filter(|&&c| c).count();
                (churned, y.len() - churned, "row")
            }
        };
        let (count, class) = if churned <= retained { (churned, "churned") } else { (retained, "retained") };
        Ok(FewestOutcome { count, class, unit })
    }
}

/// Both classes, and at least two rows (customers, when ids repeat) of each: with a single one,
/// the fold that tests it trains without any, and its fit fails on "one class" although the
/// data has both. Said here, in terms of the folds, before any fit.
fn check_classes_for_folds(data: &Dataset, k: usize) -> Result<()> {
    let fewest = FewestOutcome::of(data)?;
    if fewest.count == 0 {
        return Err(Error::SingleClass { context: SAME_OUTCOME });
    }
    if fewest.count < 2 {
        return Err(Error::param(
            "folds",
            k,
            format!(
                "only {fewest}: the fold that tests it would train without any; cross-validation needs at least 2 \
                 {}s of each outcome",
                fewest.unit
            ),
        ));
    }
    Ok(())
}

/// Whether some id of `data` occurs on more than one row (point-in-time observations of the
/// same customer), so [`inner_k_fold`] groups its folds by id.
pub fn ids_repeat(data: &Dataset) -> bool {
    data.ids.as_ref().is_some_and(|ids| {
        let mut seen = std::collections::HashSet::new();
        ids.iter().any(|i| !seen.insert(i.as_str()))
    })
}

/// Stratified k-fold: rows are shuffled (seeded) within each class and dealt round-robin into
/// `k` folds, so every fold's churn rate is within one row of the overall rate.
///
/// Errors if `k < 2`, if there are fewer rows than folds, or if one class is absent.
pub fn stratified_k_fold(churned: &[bool], k: usize, seed: u64) -> Result<Vec<Split>> {
    check_k(k, churned.len())?;
    let mut pos: Vec<usize> = (0..churned.len()).filter(|&i| churned[i]).collect();
    let mut neg: Vec<usize> = (0..churned.len()).filter(|&i| !churned[i]).collect();
    if pos.is_empty() || neg.is_empty() {
        return Err(Error::SingleClass { context: "stratified k-fold" });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    pos.shuffle(&mut rng);
    neg.shuffle(&mut rng);
    let mut fold_of = vec![0usize; churned.len()];
    // Deal positives first, then continue the rotation with negatives, so fold sizes differ by ≤ 1.
    for (j, &i) in pos.iter().chain(neg.iter()).enumerate() {
        fold_of[i] = j % k;
    }
    Ok(splits_from_assignment(&fold_of, k))
}

/// Grouped k-fold: all rows of a group (customer id) land in the same fold. Groups are shuffled
/// (seeded) and assigned greedily to the fold with the fewest rows so far, largest groups first.
pub fn grouped_k_fold<S: AsRef<str>>(groups: &[S], k: usize, seed: u64) -> Result<Vec<Split>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut sizes: Vec<usize> = Vec::new();
    let mut group_of = Vec::with_capacity(groups.len());
    for g in groups {
        let next = index.len();
        let gi = *index.entry(g.as_ref()).or_insert(next);
        if gi == sizes.len() {
            sizes.push(0);
        }
        sizes[gi] += 1;
        group_of.push(gi);
    }
    check_k(k, sizes.len())?;
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    order.shuffle(&mut rng);
    // Stable sort keeps the shuffled order among equal sizes.
    order.sort_by(|a, b| sizes[*b].cmp(&sizes[*a]));
    let mut load = vec![0usize; k];
    let mut fold_of_group = vec![0usize; sizes.len()];
    for g in order {
        let f = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        fold_of_group[g] = f;
        load[f] += sizes[g];
    }
    let fold_of: Vec<usize> = group_of.iter().map(|&g| fold_of_group[g]).collect();
    Ok(splits_from_assignment(&fold_of, k))
}

/// One step of a time-ordered backtest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestSplit {
    /// Observations dated before this day train the model; observations on it are tested.
    pub test_date: NaiveDate,
    /// The rows.
    pub split: Split,
}

/// Time-ordered backtest on observation dates: for each of the last `n_tests` distinct dates
/// `d`, train on rows with `as_of < d - gap_days` and test on rows with `as_of == d`.
///
/// `gap_days` should be at least the label's lead + horizon, so that no training label window
/// overlaps the test date (otherwise the training labels peek into the test period).
pub fn time_backtest(as_of: &[NaiveDate], n_tests: usize, gap_days: i64) -> Result<Vec<BacktestSplit>> {
    if n_tests == 0 {
        return Err(Error::param("n_tests", n_tests, "at least one test date is needed"));
    }
    if !(0..=i64::from(crate::features::MAX_WINDOW_DAYS)).contains(&gap_days) {
        return Err(Error::param(
            "gap_days",
            gap_days,
            format!("must be between 0 and {} days", crate::features::MAX_WINDOW_DAYS),
        ));
    }
    let mut dates: Vec<NaiveDate> = as_of.to_vec();
    dates.sort_unstable();
    dates.dedup();
    if dates.len() < 2 {
        return Err(Error::EmptyData { context: "time backtest needs at least two distinct as-of dates" });
    }
    let first = dates.len().saturating_sub(n_tests).max(1);
    let mut out = Vec::new();
    for &d in &dates[first..] {
        let Some(cut) = d.checked_sub_signed(chrono::Duration::days(gap_days)) else { continue };
        let train: Vec<usize> = (0..as_of.len()).filter(|&i| as_of[i] < cut).collect();
        let test: Vec<usize> = (0..as_of.len()).filter(|&i| as_of[i] == d).collect();
        if train.is_empty() {
            continue;
        }
        out.push(BacktestSplit { test_date: d, split: Split { train, test } });
    }
    if out.is_empty() {
        return Err(Error::EmptyData {
            context: "time backtest: no test date has training data before it (gap too large?)",
        });
    }
    Ok(out)
}

/// Stratified k-fold over arbitrary strata (e.g. experiment arm × outcome, four strata): rows
/// are shuffled (seeded) within each stratum, strata taken in ascending label order, and dealt
/// round-robin into `k` folds continuing the rotation, so every fold holds each stratum's rows to
/// within one row and fold sizes differ by at most one.
///
/// Errors if `k < 2` or there are fewer rows than folds.
///
/// ```
/// use attrition::validation::stratified_k_fold_by;
/// let arm_outcome: Vec<(bool, bool)> = (0..40).map(|i| (i % 2 == 0, i % 5 == 0)).collect();
/// let folds = stratified_k_fold_by(&arm_outcome, 4, 7).unwrap();
/// for f in &folds {
///     // 4 rows of (treated, churned) = (true, true) in all: one per fold
///     assert_eq!(f.test.iter().filter(|&&i| arm_outcome[i] == (true, true)).count(), 1);
/// }
/// ```
pub fn stratified_k_fold_by<T: Ord>(strata: &[T], k: usize, seed: u64) -> Result<Vec<Split>> {
    check_k(k, strata.len())?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold_of = vec![0usize; strata.len()];
    let mut j = 0;
    for mut rows in rows_by_stratum(strata) {
        rows.shuffle(&mut rng);
        for i in rows {
            fold_of[i] = j % k;
            j += 1;
        }
    }
    Ok(splits_from_assignment(&fold_of, k))
}

/// Row indices of each stratum, strata in ascending order, rows ascending within each.
fn rows_by_stratum<T: Ord>(strata: &[T]) -> Vec<Vec<usize>> {
    let mut by: std::collections::BTreeMap<&T, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, s) in strata.iter().enumerate() {
        by.entry(s).or_default().push(i);
    }
    by.into_values().collect()
}

/// A single train/test split holding out `fraction` of the rows of every stratum (rounded, at
/// least one and not all of each), seeded; strata are arbitrary labels, e.g. experiment arm ×
/// outcome. Errors if `fraction` is outside (0, 1) or a stratum has fewer than 2 rows.
///
/// ```
/// use attrition::validation::stratified_holdout_by;
/// let arm_outcome: Vec<(bool, bool)> = (0..400).map(|i| (i % 2 == 0, i % 3 == 0)).collect();
/// let split = stratified_holdout_by(&arm_outcome, 0.5, 1).unwrap();
/// for cell in [(false, false), (false, true), (true, false), (true, true)] {
///     let all = arm_outcome.iter().filter(|&&s| s == cell).count();
///     let held = split.test.iter().filter(|&&i| arm_outcome[i] == cell).count();
///     assert_eq!(held, (all as f64 * 0.5).round() as usize);
/// }
/// ```
pub fn stratified_holdout_by<T: Ord>(strata: &[T], fraction: f64, seed: u64) -> Result<Split> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::param("validation_fraction", fraction, "must be in (0, 1)"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut rows in rows_by_stratum(strata) {
        if rows.len() < 2 {
            return Err(Error::param(
                "strata",
                format!("a stratum of {} row", rows.len()),
                "every stratum needs at least 2 rows to be split",
            ));
        }
        rows.shuffle(&mut rng);
        let n_test = ((rows.len() as f64 * fraction).round() as usize).clamp(1, rows.len() - 1);
        test.extend_from_slice(&rows[..n_test]);
        train.extend_from_slice(&rows[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok(Split { train, test })
}

/// A single stratified train/validation split holding out `fraction` of rows (e.g. for early
/// stopping). Errors if either side would lack a class.
pub fn stratified_holdout(churned: &[bool], fraction: f64, seed: u64) -> Result<Split> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::param("validation_fraction", fraction, "must be in (0, 1)"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut test = Vec::new();
    let mut train = Vec::new();
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..churned.len()).filter(|&i| churned[i] == class).collect();
        if rows.len() < 2 {
            return Err(Error::SingleClass { context: "stratified holdout (a class has fewer than 2 rows)" });
        }
        rows.shuffle(&mut rng);
        let n_test = ((rows.len() as f64 * fraction).round() as usize).clamp(1, rows.len() - 1);
        test.extend_from_slice(&rows[..n_test]);
        train.extend_from_slice(&rows[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok(Split { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_folds_partition_rows_and_balance_classes() {
        let y: Vec<bool> = (0..1000).map(|i| i % 4 == 0).collect();
        let folds = stratified_k_fold(&y, 5, 7).unwrap();
        let mut seen = vec![0; y.len()];
        for f in &folds {
            for &i in &f.test {
                seen[i] += 1;
            }
            assert_eq!(f.test.len(), 200);
            assert_eq!(f.test.iter().filter(|&&i| y[i]).count(), 50);
            assert!(f.train.iter().all(|i| !f.test.contains(i)));
        }
        assert!(seen.iter().all(|&s| s == 1));
        assert_eq!(folds, stratified_k_fold(&y, 5, 7).unwrap());
        assert_ne!(folds, stratified_k_fold(&y, 5, 8).unwrap());
    }

    #[test]
    fn grouped_folds_never_split_a_group() {
        let groups: Vec<String> = (0..500).map(|i| format!("c{}", i / 3 + (i % 7))).collect();
        let folds = grouped_k_fold(&groups, 4, 1).unwrap();
        for f in &folds {
            let test: std::collections::HashSet<&str> = f.test.iter().map(|&i| groups[i].as_str()).collect();
            assert!(f.train.iter().all(|&i| !test.contains(groups[i].as_str())));
        }
        let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 10, "{sizes:?}");
    }

    #[test]
    fn backtest_trains_strictly_before_the_gap() {
        let d = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
        let as_of: Vec<NaiveDate> = (1..=12).flat_map(|m| std::iter::repeat_n(d(m), 10)).collect();
        let splits = time_backtest(&as_of, 3, 97).unwrap();
        assert_eq!(splits.len(), 3);
        for s in &splits {
            let cut = s.test_date - chrono::Duration::days(97);
            assert!(s.split.train.iter().all(|&i| as_of[i] < cut));
            assert!(s.split.test.iter().all(|&i| as_of[i] == s.test_date));
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(stratified_k_fold(&[true, false], 1, 0).is_err());
        assert!(stratified_k_fold(&[true, true, true], 2, 0).is_err());
        assert!(grouped_k_fold(&["a", "a"], 2, 0).is_err());
        assert!(stratified_holdout(&[true, false, false], 1.5, 0).is_err());
    }
}
