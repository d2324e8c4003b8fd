//! Split finding on a histogram: the best threshold of each feature, with missing values tried on
//! both sides, under the minimum child weight / sample / gain constraints.

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
}

/// The best split found for a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SplitCandidate {
    /// Feature index.
    pub feature: usize,
    /// Rows whose code is `<= bin` (a value bin) go left.
    pub bin: u8,
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
/// order; across features, [`pick_best`] keeps the first feature, so choosing per feature (in
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
        if params.child_ok(l) && params.child_ok(r) {
            let gain = 0.5 * (score(l, params.lambda_l2) + score(r, params.lambda_l2) - parent_score);
            if gain > best_gain {
                best_gain = gain;
                // With no missing rows here, unseen missing values follow the larger child.
                let default_left = miss.n == 0 && l.n >= r.n;
                best = Some(SplitCandidate { feature: j, bin: b as u8, default_left, gain, left: l, right: r });
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
                    best =
                        Some(SplitCandidate { feature: j, bin: b as u8, default_left: true, gain, left: l, right: r });
                }
            }
        }
    }
    best
}

/// The best of per-feature candidates listed in feature order: the largest gain, the first one
/// on ties.
pub(crate) fn pick_best(cands: impl IntoIterator<Item = Option<SplitCandidate>>) -> Option<SplitCandidate> {
    let mut best: Option<SplitCandidate> = None;
    for c in cands.into_iter().flatten() {
        if best.is_none_or(|b| c.gain > b.gain) {
            best = Some(c);
        }
    }
    best
}

#[cfg(test)]
mod tests;
