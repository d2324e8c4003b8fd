//! Exclusive feature bundling (Ke et al. 2017, *LightGBM: A Highly Efficient Gradient Boosting
//! Decision Tree*, §4): features that are never off their most common bin on the same row —
//! the columns of a one-hot encoded category, flags that exclude each other, sparse counts of
//! rare events — share one code column, so one histogram pass over a node's rows fills all of
//! them. Their own histograms are then read back from the bundle's (each non-default bin is a
//! bundle bin; the default bin holds every other row of the node), and split finding is
//! unchanged: trees, model files and predictions still name the original features.
//!
//! Unlike LightGBM (which tolerates a small conflict rate, `max_conflict_rate`), bundles here are
//! exact: features are bundled only when no training row of the fit has two of them off their
//! default bin, so the per-feature histograms hold the same sums as a direct pass (up to the
//! order of floating-point additions in the default bin). Measured on Telco (45 model-matrix
//! columns, LightGBM's settings, one thread): see `benches/README.md`.

use super::bins::{BinMapper, BinnedMatrix};
use super::histogram::BinStat;

/// Codes a bundle column can hold (`u8`).
const MAX_CODES: usize = 256;

/// A feature is a bundling candidate when at most this share of rows is off its default bin
/// (a feature off its default on most rows cannot share a column with much).
const MAX_NONDEFAULT_SHARE: f64 = 0.5;

/// One feature of a bundle.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Feature index.
    pub feature: usize,
    /// The feature's most common bin on the training rows (bundle code 0 stands for it).
    pub default: u8,
    /// Bundle code of each of the feature's bins: `0` for the default bin and for bins no
    /// training row falls in; the non-default codes are `lo..hi`.
    pub codes: Vec<u8>,
    /// First bundle code of the feature.
    pub lo: usize,
    /// One past its last bundle code.
    pub hi: usize,
}

/// Features sharing one code column.
#[derive(Debug, Clone)]
pub(crate) struct Bundle {
    /// Members, in increasing feature order.
    pub members: Vec<Member>,
    /// Bundle code of each binned row (0: every member at its default bin).
    pub column: Vec<u8>,
    /// Number of codes used.
    pub n_codes: usize,
}

/// The bundles of a binned matrix (only bundles of two or more features).
#[derive(Debug, Clone, Default)]
pub(crate) struct Bundles {
    /// The bundles.
    pub groups: Vec<Bundle>,
    /// `of_feature[j]`: the bundle holding feature `j`, and its index among the members.
    pub of_feature: Vec<Option<(usize, usize)>>,
}

impl Bundles {
    /// No bundle (every feature filled from its own column).
    pub fn none(n_features: usize) -> Bundles {
        Bundles { groups: Vec::new(), of_feature: vec![None; n_features] }
    }

    /// Finds exact bundles greedily (LightGBM's *Greedy Bundling*: features by decreasing count of
    /// non-default rows, each into the first bundle it does not conflict with and whose codes
    /// it fits in, else a new bundle). Cost: one pass over each candidate column per bundle
    /// tried, stopping at the first conflicting row.
    pub fn find(binned: &BinnedMatrix, mapper: &BinMapper) -> Bundles {
        let n = binned.n_rows;
        let p = binned.columns.len();
        let mut out = Bundles::none(p);
        if n == 0 || p < 2 {
            return out;
        }
        // Per feature: bin counts, default bin, non-default rows.
        let mut cand: Vec<(usize, u8, Vec<usize>, usize)> = Vec::new();
        for (j, col) in binned.columns.iter().enumerate() {
            let n_bins = mapper.features[j].n_value_bins() + 1;
            if n_bins < 2 {
                continue;
            }
            let mut counts = [0usize; MAX_CODES];
            for &c in col {
                counts[usize::from(c)] += 1;
            }
            let counts = counts[..n_bins].to_vec();
            let default = (0..n_bins).fold(0, |best, b| if counts[b] > counts[best] { b } else { best });
            let nondefault = n - counts[default];
            if nondefault == 0 || nondefault as f64 > MAX_NONDEFAULT_SHARE * n as f64 {
                continue;
            }
            cand.push((j, default as u8, counts, nondefault));
        }
        cand.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
        // Bundles under construction: members and the occupied-row column (non-zero = taken).
        let mut building: Vec<(Vec<Member>, Vec<u8>, usize)> = Vec::new();
        for (j, default, counts, _) in cand {
            let col = &binned.columns[j];
            let used_bins = (0..counts.len()).filter(|&b| b != usize::from(default) && counts[b] > 0).count();
            let fits = |b: &(Vec<Member>, Vec<u8>, usize)| {
                b.2 + used_bins <= MAX_CODES && col.iter().zip(&b.1).all(|(&c, &o)| c == default || o == 0)
            };
            let slot = match building.iter().position(fits) {
                Some(k) => k,
                None => {
                    building.push((Vec::new(), vec![0u8; n], 1));
                    building.len() - 1
                }
            };
            let (members, column, next) = &mut building[slot];
            let lo = *next;
            let mut codes = vec![0u8; counts.len()];
            for (b, code) in codes.iter_mut().enumerate() {
                if b != usize::from(default) && counts[b] > 0 {
                    *code = *next as u8;
                    *next += 1;
                }
            }
            for (o, &c) in column.iter_mut().zip(col) {
                if c != default {
                    *o = codes.get(usize::from(c)).copied().unwrap_or(0);
                }
            }
            members.push(Member { feature: j, default, codes, lo, hi: *next });
        }
        for (mut members, column, n_codes) in building {
            if members.len() < 2 {
                continue;
            }
            members.sort_by_key(|m| m.feature);
            let g = out.groups.len();
            for (k, m) in members.iter().enumerate() {
                out.of_feature[m.feature] = Some((g, k));
            }
            out.groups.push(Bundle { members, column, n_codes });
        }
        out
    }
}

impl Member {
    /// Writes this feature's bins `out` from the bundle's histogram `bundle` (its first
    /// `n_codes` entries): non-default bins are bundle bins, the default bin holds every other
    /// row (code 0 and the other members' codes), empty bins are zero.
    pub fn unbundle(&self, bundle: &[BinStat], out: &mut [BinStat]) {
        let mut rest = bundle[0];
        for s in bundle[1..self.lo].iter().chain(&bundle[self.hi..]) {
            rest = rest.add(*s);
        }
        for (b, (o, &code)) in out.iter_mut().zip(&self.codes).enumerate() {
            *o = if b == usize::from(self.default) {
                rest
            } else if code == 0 {
                BinStat::default()
            } else {
                bundle[usize::from(code)]
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bins::FeatureBins;
    use super::*;

    fn mapper(bins: &[usize]) -> BinMapper {
        BinMapper { features: bins.iter().map(|&k| FeatureBins { upper: Vec::new(), categories: Some(k) }).collect() }
    }

    /// A one-hot triple bundles into one column; a feature that overlaps them stays alone; each
    /// member's bins read back from the bundle histogram equal a direct count.
    #[test]
    #[allow(clippy::needless_range_loop)] // rows index several parallel arrays
    fn one_hot_columns_bundle_and_unbundle_exactly() {
        // Rows: category a/b/c one-hot in features 0..3; feature 3 is 1 on rows 0 and 5 (row 0
        // is also category a: overlaps feature 0); feature 4 is dense.
        let cat = [0, 1, 2, 0, 1, 2, 0, 3, 3, 1]; // 3: none of the three
        let cols: Vec<Vec<u8>> = vec![
            cat.iter().map(|&c| u8::from(c == 1)).collect(),
            cat.iter().map(|&c| u8::from(c == 2)).collect(),
            cat.iter().map(|&c| u8::from(c == 0)).collect(),
            (0..10).map(|i| u8::from(i == 0 || i == 5)).collect(),
            (0..10).map(|i| (i % 3) as u8).collect(),
        ];
        let binned = BinnedMatrix { n_rows: 10, columns: cols.clone() };
        let m = mapper(&[2, 2, 2, 2, 3]);
        let b = Bundles::find(&binned, &m);
        // Features 0, 1 and 2 are exclusive; rows 7 and 8 have all three at their default.
        let bundled: Vec<usize> = (0..5).filter(|&j| b.of_feature[j].is_some()).collect();
        assert_eq!(bundled, vec![0, 1, 2]);
        assert_eq!(b.of_feature[4], None, "dense feature stays alone");
        for g in &b.groups {
            // Exactness: no row has two members off their default.
            for i in 0..10 {
                let off = g.members.iter().filter(|m| cols[m.feature][i] != m.default).count();
                assert!(off <= 1, "row {i} conflicts");
            }
            let gh: Vec<f64> = (0..10).map(|i| i as f64 * 0.5 - 1.0).collect();
            let mut hist = vec![BinStat::default(); g.n_codes];
            for i in 0..10 {
                let s = &mut hist[usize::from(g.column[i])];
                s.g += gh[i];
                s.h += 1.0;
                s.n += 1;
            }
            for mem in &g.members {
                let nb = m.features[mem.feature].n_value_bins() + 1;
                let mut got = vec![BinStat { g: 7.0, h: 7.0, n: 7 }; nb];
                mem.unbundle(&hist, &mut got);
                let mut want = vec![BinStat::default(); nb];
                for i in 0..10 {
                    let s = &mut want[usize::from(cols[mem.feature][i])];
                    s.g += gh[i];
                    s.h += 1.0;
                    s.n += 1;
                }
                for (x, y) in got.iter().zip(&want) {
                    assert_eq!(x.n, y.n, "feature {}", mem.feature);
                    assert!((x.g - y.g).abs() < 1e-12 && (x.h - y.h).abs() < 1e-12);
                }
            }
        }
    }
}
