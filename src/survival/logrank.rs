//! The log-rank test: do two or more groups have the same survival?

// Matrix algebra on small k×k arrays reads clearer with explicit indices.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::error::{Error, Result};
use crate::survival::data::{EventTable, SurvivalCounts, SurvivalData};

/// The result of [`logrank_test`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRankResult {
    /// The chi-square test statistic.
    pub statistic: f64,
    /// Degrees of freedom: number of groups − 1.
    pub degrees_of_freedom: usize,
    /// P-value: P(χ²(df) ≥ statistic) under the null hypothesis of equal hazards.
    pub p_value: f64,
    /// Observed events per group (weighted), in input order.
    pub observed: Vec<f64>,
    /// Expected events per group under the null hypothesis, in input order.
    pub expected: Vec<f64>,
}

/// The multivariate log-rank test of H₀: all groups have the same hazard (lifelines'
/// `multivariate_logrank_test`, which equals `logrank_test` for two groups).
///
/// At each distinct time with events, the events are shared among groups in proportion to their
/// weight at risk; the statistic is Zᵀ V⁻ Z over the first k − 1 groups, where Z is observed −
/// expected and V the hypergeometric covariance Σᵢ dᵢ (nᵢ − dᵢ)/(nᵢ − 1) · (nᵢⱼ/nᵢ)(δⱼₖ − nᵢₖ/nᵢ),
/// and V⁻ its (pseudo-)inverse. Values match lifelines 0.30 to 1e-9 in the tests.
///
/// Late entry is supported with the same at-risk convention as [`crate::survival::KaplanMeier`]
/// (a subject is at risk at t when entry < t ≤ duration). lifelines' log-rank has no entry argument;
/// with entry this is the standard left-truncated log-rank test.
///
/// Errors: fewer than two groups, or an empty group.
///
/// ```
/// use attrition::survival::{logrank_test, SurvivalData};
/// let a = SurvivalData::new(vec![1.0, 2.0, 3.0, 4.0], vec![true; 4]).unwrap();
/// let b = SurvivalData::new(vec![5.0, 6.0, 7.0, 8.0], vec![true; 4]).unwrap();
/// let r = logrank_test(&[&a, &b]).unwrap();
/// assert_eq!(r.degrees_of_freedom, 1);
/// assert!(r.p_value < 0.01);
/// assert_eq!(r.observed, vec![4.0, 4.0]);
/// ```
pub fn logrank_test(groups: &[&SurvivalData]) -> Result<LogRankResult> {
    let counts: Vec<SurvivalCounts> = groups.iter().map(|d| SurvivalCounts::from_data(d)).collect();
    logrank_test_counts(&counts.iter().collect::<Vec<_>>())
}

/// [`logrank_test`] from each group's counts ([`SurvivalCounts`], e.g. merged from the
/// partitions of a population): the same result as on the subjects counted.
pub fn logrank_test_counts(groups: &[&SurvivalCounts]) -> Result<LogRankResult> {
    let k = groups.len();
    if k < 2 {
        return Err(Error::param("groups", k, "the log-rank test needs at least two groups"));
    }
    if groups.iter().any(|g| g.is_empty()) {
        return Err(Error::EmptyData { context: "log-rank test (a group has no subjects)" });
    }
    let t = EventTable::from_counts(groups);
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut v = vec![vec![0.0; k]; k];
    for i in 0..t.times.len() {
        let d: f64 = (0..k).map(|g| t.events[g][i]).sum();
        let n: f64 = (0..k).map(|g| t.at_risk[g][i]).sum();
        for g in 0..k {
            observed[g] += t.events[g][i];
        }
        if d == 0.0 || n <= 0.0 {
            continue;
        }
        let mut ties = (n - d) / (n - 1.0);
        if !ties.is_finite() {
            ties = 1.0; // n = 1 (lifelines replaces inf/NaN by 1; the term is 0 either way)
        }
        let factor = ties * d / (n * n);
        for a in 0..k {
            let na = t.at_risk[a][i];
            expected[a] += na * d / n;
            for (b, vab) in v[a].iter_mut().enumerate() {
                let nb = t.at_risk[b][i];
                *vab += factor * if a == b { na * (n - na) } else { -na * nb };
            }
        }
    }
    let z: Vec<f64> = (0..k - 1).map(|g| observed[g] - expected[g]).collect();
    let sub: Vec<Vec<f64>> = v[..k - 1].iter().map(|row| row[..k - 1].to_vec()).collect();
    let pinv = symmetric_pinv(&sub);
    let mut statistic = 0.0;
    for a in 0..k - 1 {
        for b in 0..k - 1 {
            statistic += z[a] * pinv[a][b] * z[b];
        }
    }
    let df = k - 1;
    let chi = ChiSquared::new(df as f64)
        .map_err(|e| Error::Numerical { context: "log-rank p-value", reason: e.to_string() })?;
    let p_value = if statistic.is_finite() { chi.sf(statistic.max(0.0)) } else { f64::NAN };
    if !p_value.is_finite() {
        return Err(Error::Numerical {
            context: "log-rank test",
            reason: format!("statistic {statistic} is not finite (no events at comparable times?)"),
        });
    }
    Ok(LogRankResult { statistic, degrees_of_freedom: df, p_value, observed, expected })
}

/// Moore–Penrose pseudo-inverse of a small symmetric positive semi-definite matrix, by Jacobi
/// eigen-decomposition; eigenvalues below `m · ε · λ_max` are treated as zero.
pub(crate) fn symmetric_pinv(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let m = a.len();
    let mut s: Vec<Vec<f64>> = a.to_vec();
    let mut q = vec![vec![0.0; m]; m];
    for (i, row) in q.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..m)
            .flat_map(|i| (0..m).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| s[i][j] * s[i][j])
            .sum();
        let diag: f64 = (0..m).map(|i| s[i][i] * s[i][i]).sum();
        if off <= f64::EPSILON * f64::EPSILON * diag || off == 0.0 {
            break;
        }
        for p in 0..m {
            for r in p + 1..m {
                if s[p][r] == 0.0 {
                    continue;
                }
                let theta = (s[r][r] - s[p][p]) / (2.0 * s[p][r]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let sn = t * c;
                for k in 0..m {
                    let (skp, skr) = (s[k][p], s[k][r]);
                    s[k][p] = c * skp - sn * skr;
                    s[k][r] = sn * skp + c * skr;
                }
                for k in 0..m {
                    let (spk, srk) = (s[p][k], s[r][k]);
                    s[p][k] = c * spk - sn * srk;
                    s[r][k] = sn * spk + c * srk;
                }
                for row in q.iter_mut() {
                    let (qp, qr) = (row[p], row[r]);
                    row[p] = c * qp - sn * qr;
                    row[r] = sn * qp + c * qr;
                }
            }
        }
    }
    let lambda: Vec<f64> = (0..m).map(|i| s[i][i]).collect();
    let max = lambda.iter().fold(0.0f64, |acc, l| acc.max(l.abs()));
    let tol = m as f64 * f64::EPSILON * max;
    let mut out = vec![vec![0.0; m]; m];
    for (e, &l) in lambda.iter().enumerate() {
        if l.abs() <= tol || l == 0.0 {
            continue;
        }
        for i in 0..m {
            for j in 0..m {
                out[i][j] += q[i][e] * q[j][e] / l;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::symmetric_pinv;

    #[test]
    fn pinv_inverts_a_regular_matrix_and_handles_a_singular_one() {
        let a = vec![vec![4.0, 1.0, 0.5], vec![1.0, 3.0, 0.2], vec![0.5, 0.2, 2.0]];
        let p = symmetric_pinv(&a);
        for i in 0..3 {
            for j in 0..3 {
                let prod: f64 = (0..3).map(|k| a[i][k] * p[k][j]).sum();
                assert!((prod - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12, "{i}{j} {prod}");
            }
        }
        let s = vec![vec![2.0, 0.0], vec![0.0, 0.0]];
        let p = symmetric_pinv(&s);
        assert_eq!(p, vec![vec![0.5, 0.0], vec![0.0, 0.0]]);
    }
}
