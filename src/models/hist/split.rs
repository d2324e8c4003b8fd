//! Split finding on a histogram: the best threshold of each numeric feature, or the best set of
//! categories of each categorical feature, with missing values tried on both sides, under the
//! minimum child weight / sample / gain constraints.

use super::histogram::BinStat;

/// Constraints and regularisation for splits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitParams {
    /// L2 penalty on leaf values (λ).
    pub lambda_l2: f64,
    /// Minimum hessian sum in each child.
    pub min_child_weight: f64,
    /// Minimum number of rows in each child.
    pub min_samples_leaf: u32,
    /// Minimum gain for a split to be made.
    pub min_split_gain: f64,
    /// Rules for categorical features.
    pub cat: CatSplitParams,
}

/// How categorical features are split (LightGBM's rules and parameter names, see
/// [`best_split_categorical`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CatSplitParams {
    /// Features with at most this many categories are split one category against the rest
    /// (LightGBM's `max_cat_to_onehot`).
    pub max_cat_to_onehot: usize,
    /// Most categories on the smaller side of a split (LightGBM's `max_cat_threshold`).
    pub max_cat_threshold: usize,
    /// Added to a category's hessian sum when categories are sorted (LightGBM's `cat_smooth`).
    pub cat_smooth: f64,
    /// Extra L2 on the children of a sorted categorical split (LightGBM's `cat_l2`).
    pub cat_l2: f64,
    /// Rows a category needs in the node to be placed on its own; rarer ones go with the
    /// missing values (LightGBM uses `cat_smooth` as this count).
    pub min_data_per_category: u32,
    /// Rows each group of categories added to the left side must hold before a split is scored,
    /// and the categories on the right must hold (LightGBM's `min_data_per_group`).
    pub min_data_per_group: u32,
}

/// Categories (bins) of one feature as a bitset: the bins a categorical split sends left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct BinSet(pub [u64; 4]);

impl BinSet {
    /// Adds bin `b`.
    #[inline]
    pub fn insert(&mut self, b: usize) {
        self.0[b >> 6] |= 1 << (b & 63);
    }

    /// Whether bin `b` is in the set.
    #[inline(always)]
    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 == 1
    }
}

/// The best split found for a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SplitCandidate {
    /// Feature index.
    pub feature: usize,
    /// Rows whose code is `<= bin` (a value bin) go left (numeric features; 0 for categorical).
    pub bin: u8,
    /// Categorical features: the bins (categories, and the missing bin when missing values go
    /// left) whose rows go left.
    pub cats: Option<BinSet>,
    /// Whether missing values go left.
    pub default_left: bool,
    /// Loss reduction: ½ [G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)].
    pub gain: f64,
    /// Sums of the left child.
    pub left: BinStat,
    /// Sums of the right child.
    pub right: BinStat,
}

#[inline]
fn score(s: BinStat, lambda: f64) -> f64 {
    s.g * s.g / (s.h + lambda)
}

impl SplitParams {
    /// Whether a child with sums `s` is allowed.
    #[inline]
    fn child_ok(&self, s: BinStat) -> bool {
        s.n >= self.min_samples_leaf.max(1) && s.h >= self.min_child_weight && s.h > 0.0
    }

    /// Whether a node with sums `s` could be split at all.
    pub fn splittable(&self, s: BinStat) -> bool {
        s.n >= 2 * self.min_samples_leaf.max(1) && s.h >= 2.0 * self.min_child_weight
    }
}

/// The best split of one feature's bins `bins` (value bins then the missing bin, `nvb` value
/// bins) for a node with sums `parent`, or `None` if no threshold satisfies the constraints with a
/// gain above `min_split_gain`. Ties keep the first candidate in (bin, missing-right-before-left)
/// order; across features, [`better`] keeps the smaller feature, so choosing per feature (in
/// parallel) and then across features equals one scan in (feature, bin, side) order.
pub(crate) fn best_split_feature(
    j: usize,
    bins: &[BinStat],
    nvb: usize,
    parent: BinStat,
    params: &SplitParams,
) -> Option<SplitCandidate> {
    if nvb == 0 {
        return None;
    }
    let parent_score = score(parent, params.lambda_l2);
    let mut best: Option<SplitCandidate> = None;
    let mut best_gain = params.min_split_gain.max(0.0);
    let miss = bins[nvb];
    let mut acc = BinStat::default();
    for (b, &s) in bins[..nvb].iter().enumerate() {
        if s.n == 0 && b + 1 < nvb {
            continue;
        }
        acc = acc.add(s);
        let last = b + 1 == nvb;
        if last && miss.n == 0 {
            break;
        }
        // Missing values to the right.
        let l = acc;
        let r = parent.sub(l);
        if !params.child_ok(r) {
            // The right child only shrinks from here on (counts and hessians are non-negative),
            // and with missing values to the left it is smaller still: no later threshold is
            // allowed (LightGBM stops its scan the same way).
            break;
        }
        if params.child_ok(l) {
            let gain = 0.5 * (score(l, params.lambda_l2) + score(r, params.lambda_l2) - parent_score);
            if gain > best_gain {
                best_gain = gain;
                // With no missing rows here, unseen missing values follow the larger child.
                let default_left = miss.n == 0 && l.n >= r.n;
                best = Some(SplitCandidate {
                    feature: j,
                    bin: b as u8,
                    cats: None,
                    default_left,
                    gain,
                    left: l,
                    right: r,
                });
            }
        }
        // Missing values to the left.
        if miss.n > 0 && !last {
            let l = acc.add(miss);
            let r = parent.sub(l);
            if params.child_ok(l) && params.child_ok(r) {
                let gain = 0.5 * (score(l, params.lambda_l2) + score(r, params.lambda_l2) - parent_score);
                if gain > best_gain {
                    best_gain = gain;
                    best = Some(SplitCandidate {
                        feature: j,
                        bin: b as u8,
                        cats: None,
                        default_left: true,
                        gain,
                        left: l,
                        right: r,
                    });
                }
            }
        }
    }
    best
}

/// The best split of one categorical feature whose bins `0..nvb` are category codes and bin
/// `nvb` the missing values, for a node with sums `parent`; `None` as for
/// [`best_split_feature`].
///
/// LightGBM's method (`FeatureHistogram::FindBestThresholdCategoricalInner` in
/// `src/treelearner/feature_histogram.hpp`; "Categorical Feature Support" in its Advanced Topics
/// guide, after Fisher 1958), with its parameters ([`CatSplitParams`]):
/// - categories with fewer than `min_data_per_category` rows in the node are not placed on their
///   own (LightGBM drops categories whose count is below `cat_smooth`);
/// - with at most `max_cat_to_onehot` categories, each category is tried alone against the rest;
/// - otherwise the categories are sorted by `sum_grad / (sum_hess + cat_smooth)` (a stable sort,
///   ties in code order) and the split is searched among prefixes of that order, read from
///   either end, of at most `min(max_cat_threshold, (used + 1) / 2)` categories; a prefix is
///   scored only once the categories added since the last scored one hold `min_data_per_group`
///   rows, and the scan stops when the remaining categories hold fewer; the children are scored
///   with `lambda_l2 + cat_l2`, the parent with `lambda_l2`.
///
/// One difference from LightGBM, which always sends missing values and rare categories right:
/// here missing values, rare categories (and at prediction time categories never seen in
/// training) form one group tried on both sides, like missing values of a numeric feature, so
/// they follow a learned default direction. With no such rows in the node they follow the
/// larger child.
///
/// Ties keep the first candidate in scan order (one-vs-rest: category order; sorted: forward
/// then backward, shorter prefix first; the group right before left).
pub(crate) fn best_split_categorical(
    j: usize,
    bins: &[BinStat],
    nvb: usize,
    parent: BinStat,
    params: &SplitParams,
) -> Option<SplitCandidate> {
    let cp = &params.cat;
    let onehot = nvb <= cp.max_cat_to_onehot;
    let min_n = if onehot { 1 } else { cp.min_data_per_category.max(1) };
    let mut used: Vec<usize> = (0..nvb).filter(|&b| bins[b].n >= min_n).collect();
    if used.is_empty() {
        return None;
    }
    let mut other = bins[nvb];
    let mut used_total = BinStat::default();
    for s in &bins[..nvb] {
        if s.n >= min_n {
            used_total = used_total.add(*s);
        } else {
            other = other.add(*s);
        }
    }
    let parent_score = score(parent, params.lambda_l2);
    let lambda = if onehot { params.lambda_l2 } else { params.lambda_l2 + cp.cat_l2 };
    let mut best_gain = params.min_split_gain.max(0.0);
    // (prefix end in scan order, forward, other left, gain, left, right)
    let mut best: Option<(usize, bool, bool, f64, BinStat, BinStat)> = None;
    let mut consider = |acc: BinStat, end: usize, forward: bool, best_gain: &mut f64| {
        for other_left in [false, true] {
            if other_left && other.n == 0 {
                continue;
            }
            let l = if other_left { acc.add(other) } else { acc };
            let r = parent.sub(l);
            if params.child_ok(l) && params.child_ok(r) {
                let gain = 0.5 * (score(l, lambda) + score(r, lambda) - parent_score);
                if gain > *best_gain {
                    *best_gain = gain;
                    best = Some((end, forward, other_left, gain, l, r));
                }
            }
        }
    };
    if onehot {
        for (k, &b) in used.iter().enumerate() {
            consider(bins[b], k, true, &mut best_gain);
        }
    } else {
        let ctr = |s: BinStat| s.g / (s.h + cp.cat_smooth);
        used.sort_by(|&a, &b| ctr(bins[a]).total_cmp(&ctr(bins[b])));
        let u = used.len();
        let max_num_cat = cp.max_cat_threshold.min(u.div_ceil(2));
        for forward in [true, false] {
            let mut acc = BinStat::default();
            let mut group = 0u32;
            for i in 0..u.min(max_num_cat) {
                let b = if forward { used[i] } else { used[u - 1 - i] };
                acc = acc.add(bins[b]);
                group += bins[b].n;
                if used_total.n - acc.n < cp.min_data_per_group {
                    break;
                }
                if group < cp.min_data_per_group {
                    continue;
                }
                group = 0;
                consider(acc, i, forward, &mut best_gain);
            }
        }
    }
    let (end, forward, other_left, gain, left, right) = best?;
    let mut set = BinSet::default();
    if onehot {
        set.insert(used[end]);
    } else {
        let u = used.len();
        for i in 0..=end {
            set.insert(if forward { used[i] } else { used[u - 1 - i] });
        }
    }
    // With no missing or rare rows here, unseen values follow the larger child.
    let default_left = if other.n == 0 { left.n >= right.n } else { other_left };
    if default_left {
        for b in (0..nvb).filter(|&b| bins[b].n < min_n) {
            set.insert(b);
        }
        set.insert(nvb);
    }
    Some(SplitCandidate { feature: j, bin: 0, cats: Some(set), default_left, gain, left, right })
}

/// The best split of feature `j`: [`best_split_categorical`] when `categorical`, else
/// [`best_split_feature`].
#[inline]
pub(crate) fn best_split(
    j: usize,
    bins: &[BinStat],
    nvb: usize,
    categorical: bool,
    parent: BinStat,
    params: &SplitParams,
) -> Option<SplitCandidate> {
    if categorical {
        best_split_categorical(j, bins, nvb, parent, params)
    } else {
        best_split_feature(j, bins, nvb, parent, params)
    }
}

/// Of two candidates, the one with the larger gain; on equal gains the smaller feature index.
/// A total order, so folding any grouping of per-feature candidates in any order (threads,
/// bundles) gives the same split as one scan in feature order.
pub(crate) fn better(a: Option<SplitCandidate>, b: Option<SplitCandidate>) -> Option<SplitCandidate> {
    match (a, b) {
        (Some(x), Some(y)) => {
            if y.gain > x.gain || (y.gain == x.gain && y.feature < x.feature) {
                Some(y)
            } else {
                Some(x)
            }
        }
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests;
