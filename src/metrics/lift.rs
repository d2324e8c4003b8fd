//! Lift: how much richer in churners the riskiest customers are than the base.
//!
//! **Ranking and ties.** Rows are ranked by descending score with a *stable* sort, so rows with
//! tied scores keep their input order — exactly what `numpy.argsort(-p, kind="stable")` does in
//! the peers' `top_decile_lift` (`/work/shared/peers/peer_models.py`). When a tie straddles a
//! cut-off, which of the tied rows fall inside therefore depends on row order; a model with
//! many tied scores (a shallow tree) should be compared on the gains table's score ranges, not
//! on the cut-off alone.
//!
//! **Cut-offs.** The top decile holds `k = max(1, round(n · 0.1))` rows, rounding half to even
//! like Python's `round`. The gains table cuts the ranking at `round(n · j / bins)` for
//! `j = 1..bins` (half to even), with the first cut at least 1, so its first row is the top
//! decile of [`top_decile_lift`].
//!
//! **Weights** weight the rates (churners and customers are weight sums); the cut-offs still
//! count rows. Both classes must be present (`Error::SingleClass`): with no churners lift is
//! 0/0, and with no retained customers it is trivially 1 — never a silent number.
//!
//! ```
//! use attrition::metrics::{gains_table, top_decile_lift};
//! // 20 customers, 4 churners; the two riskiest are churners
//! let y: Vec<bool> = (0..20).map(|i| i < 2 || i == 10 || i == 15).collect();
//! let p: Vec<f64> = (0..20).map(|i| 1.0 - i as f64 / 20.0).collect();
//! assert_eq!(top_decile_lift(&y, &p, None).unwrap(), 5.0); // 2/2 churn vs 4/20
//! let table = gains_table(&y, &p, None, 10).unwrap();
//! assert_eq!(table.rows.len(), 10);
//! assert_eq!(table.rows[0].lift, 5.0);
//! assert_eq!(table.rows[9].cumulative_gain, 1.0);
//! ```

use serde::{Deserialize, Serialize};

use super::{check_inputs, descending_order, require_both_classes};
use crate::error::{Error, Result};

/// Number of rows in the top `fraction` of `n`: `max(1, round_half_even(n · fraction))`.
fn top_count(n: usize, fraction: f64) -> usize {
    ((n as f64 * fraction).round_ties_even() as usize).max(1)
}

/// Churn rate among the top 10% of customers by score, divided by the overall churn rate
/// (see the module docs for ties and rounding).
pub fn top_decile_lift(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>) -> Result<f64> {
    const CONTEXT: &str = "top-decile lift";
    check_inputs(CONTEXT, y_true, y_score, sample_weight)?;
    let (pos, neg) = require_both_classes(CONTEXT, y_true, sample_weight)?;
    let order = descending_order(y_score);
    let k = top_count(y_true.len(), 0.1);
    let w = |i: usize| sample_weight.map_or(1.0, |w| w[i]);
    let (mut churners, mut total) = (0.0, 0.0);
    for &i in &order[..k] {
        total += w(i);
        if y_true[i] {
            churners += w(i);
        }
    }
    if total <= 0.0 {
        return Err(Error::EmptyData { context: "top-decile lift: the top decile has zero weight" });
    }
    Ok((churners / total) / (pos / (pos + neg)))
}

/// One row (bin) of a [`LiftTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftRow {
    /// 1-based bin number; bin 1 holds the riskiest customers.
    pub bin: usize,
    /// Customers in the bin (weight sum).
    pub customers: f64,
    /// Churners in the bin (weight sum).
    pub churners: f64,
    /// Churners / customers in the bin.
    pub churn_rate: f64,
    /// Share of all churners found in bins `1..=bin` (the gains curve).
    pub cumulative_gain: f64,
    /// Bin churn rate divided by the overall churn rate.
    pub lift: f64,
    /// Churn rate of bins `1..=bin` divided by the overall churn rate.
    pub cumulative_lift: f64,
    /// Highest score in the bin.
    pub max_score: f64,
    /// Lowest score in the bin.
    pub min_score: f64,
}

/// Gains and lift by bin (deciles for `bins = 10`), riskiest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftTable {
    /// Overall churn rate (weighted).
    pub base_rate: f64,
    /// One row per bin.
    pub rows: Vec<LiftRow>,
}

/// The gains / lift table: customers ranked by descending score and cut into `bins` groups of
/// (nearly) equal size. Errors if there are fewer rows than bins, `bins == 0`, or a single class.
pub fn gains_table(y_true: &[bool], y_score: &[f64], sample_weight: Option<&[f64]>, bins: usize) -> Result<LiftTable> {
    const CONTEXT: &str = "gains table";
    check_inputs(CONTEXT, y_true, y_score, sample_weight)?;
    let n = y_true.len();
    if bins == 0 || bins > n {
        return Err(Error::param("bins", bins, format!("must be between 1 and the number of rows ({n})")));
    }
    let (pos, neg) = require_both_classes(CONTEXT, y_true, sample_weight)?;
    let base_rate = pos / (pos + neg);
    let order = descending_order(y_score);
    let w = |i: usize| sample_weight.map_or(1.0, |w| w[i]);
    // Cut points: round(n·j/bins), the first at least 1, non-decreasing, the last n.
    let mut cuts = vec![0usize];
    for j in 1..=bins {
        let c = if j == bins { n } else { top_count(n, j as f64 / bins as f64) };
        cuts.push(c.max(cuts[j - 1] + 1).min(n - (bins - j)));
    }
    let mut rows = Vec::with_capacity(bins);
    let (mut cum_churners, mut cum_customers) = (0.0, 0.0);
    for b in 0..bins {
        let members = &order[cuts[b]..cuts[b + 1]];
        let customers: f64 = members.iter().map(|&i| w(i)).sum();
        let churners: f64 = members.iter().filter(|&&i| y_true[i]).map(|&i| w(i)).sum();
        cum_churners += churners;
        cum_customers += customers;
        let churn_rate = if customers > 0.0 { churners / customers } else { 0.0 };
        let cum_rate = if cum_customers > 0.0 { cum_churners / cum_customers } else { 0.0 };
        rows.push(LiftRow {
            bin: b + 1,
            customers,
            churners,
            churn_rate,
            cumulative_gain: cum_churners / pos,
            lift: churn_rate / base_rate,
            cumulative_lift: cum_rate / base_rate,
            max_score: y_score[members[0]],
            min_score: y_score[members[members.len() - 1]],
        });
    }
    Ok(LiftTable { base_rate, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_count_rounds_half_to_even_like_python() {
        assert_eq!(top_count(25, 0.1), 2);
        assert_eq!(top_count(35, 0.1), 4);
        assert_eq!(top_count(4, 0.1), 1);
        assert_eq!(top_count(7043, 0.1), 704);
    }

    #[test]
    fn ties_keep_row_order() {
        // 10 rows, k = 1: the first of the tied top rows is taken
        let p = [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let mut y = [false; 10];
        y[1] = true;
        assert_eq!(top_decile_lift(&y, &p, None).unwrap(), 0.0);
        y[0] = true;
        y[1] = false;
        assert_eq!(top_decile_lift(&y, &p, None).unwrap(), 10.0);
    }

    #[test]
    fn gains_table_partitions_all_rows() {
        for n in [10usize, 11, 19, 23, 100, 101] {
            let y: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
            let p: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64).collect();
            let t = gains_table(&y, &p, None, 10).unwrap();
            let total: f64 = t.rows.iter().map(|r| r.customers).sum();
            assert_eq!(total, n as f64);
            assert!(t.rows.iter().all(|r| r.customers >= 1.0));
            assert!((t.rows[9].cumulative_gain - 1.0).abs() < 1e-12);
            assert!((t.rows[0].lift - top_decile_lift(&y, &p, None).unwrap()).abs() < 1e-12);
        }
        assert!(gains_table(&[true, false], &[0.1, 0.2], None, 10).is_err());
    }
}
