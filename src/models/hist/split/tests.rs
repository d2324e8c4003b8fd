//! The split finder against brute force on small random histograms: every (threshold, side of
//! the missing values) partition is scored from scratch and the best one must be what
//! [`best_split_feature`] returns — gain, threshold and default direction.
//!
//! Gradients are multiples of 1/8 and hessians of 1/4, so every sum is exact in `f64` and the
//! comparison can be exact too.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// Scores every partition of the bins from scratch; returns the best split in the finder's
/// documented tie order (threshold ascending, missing values right before left).
fn brute_force(bins: &[BinStat], nvb: usize, params: &SplitParams) -> Option<SplitCandidate> {
    let sum = |bs: &[BinStat]| bs.iter().fold(BinStat::default(), |a, &b| a.add(b));
    let parent = sum(bins);
    let miss = bins[nvb];
    let gain = |l: BinStat, r: BinStat| {
        let s = |x: BinStat| x.g * x.g / (x.h + params.lambda_l2);
        0.5 * (s(l) + s(r) - s(parent))
    };
    let mut best: Option<SplitCandidate> = None;
    for b in 0..nvb {
        for missing_left in [false, true] {
            if missing_left && miss.n == 0 {
                continue; // the same partition as missing-right
            }
            let mut l = sum(&bins[..=b]);
            if l.n == 0 {
                // No value goes left: "missing alone on the left" is the mirror of "every value
                // left, missing right", which the finder scores at the last value bin.
                continue;
            }
            let mut r = sum(&bins[b + 1..nvb]);
            if missing_left {
                l = l.add(miss);
            } else {
                r = r.add(miss);
            }
            if !(params.child_ok(l) && params.child_ok(r)) {
                continue;
            }
            let g = gain(l, r);
            if g > params.min_split_gain.max(0.0) && best.is_none_or(|c| g > c.gain) {
                // With no missing rows in the node, unseen missing values follow the larger child.
                let default_left = if miss.n == 0 { l.n >= r.n } else { missing_left };
                best = Some(SplitCandidate { feature: 0, bin: b as u8, default_left, gain: g, left: l, right: r });
            }
        }
    }
    best
}

fn random_bins(rng: &mut ChaCha8Rng, nvb: usize) -> Vec<BinStat> {
    (0..=nvb)
        .map(|b| {
            // Some empty bins, and often an empty missing bin.
            let empty = rng.gen_bool(if b == nvb { 0.4 } else { 0.2 });
            let n: u32 = if empty { 0 } else { rng.gen_range(1..12) };
            let g = (0..n).map(|_| f64::from(rng.gen_range(-8i32..=8)) / 8.0).sum();
            let h = (0..n).map(|_| f64::from(rng.gen_range(1i32..=4)) / 4.0).sum();
            BinStat { g, h, n }
        })
        .collect()
}

#[test]
fn best_split_equals_brute_force_on_random_histograms() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let mut found = [0usize; 3]; // splits found: missing right, missing left, no missing rows
    for case in 0..4000 {
        let nvb = rng.gen_range(1..9);
        let bins = random_bins(&mut rng, nvb);
        let params = SplitParams {
            lambda_l2: [0.0, 1.0, 3.0][case % 3],
            min_child_weight: [0.0, 0.5, 2.0][(case / 3) % 3],
            min_samples_leaf: [1, 2, 5][(case / 9) % 3],
            min_split_gain: [0.0, 0.0, 0.25][(case / 27) % 3],
        };
        let parent = bins.iter().fold(BinStat::default(), |a, &b| a.add(b));
        let got = best_split_feature(0, &bins, nvb, parent, &params);
        let want = brute_force(&bins, nvb, &params);
        assert_eq!(got, want, "case {case}: bins {bins:?}, params {params:?}");
        if let Some(c) = got {
            found[if bins[nvb].n == 0 { 2 } else { usize::from(c.default_left) }] += 1;
        }
    }
    // The random cases exercise every kind of split.
    assert!(found.iter().all(|&k| k > 100), "splits found by kind: {found:?}");
}

/// A hand-made case: the missing rows look like the high bins, so they must go right; moved to
/// look like the low bins, they must go left, at the same threshold.
#[test]
fn missing_values_go_to_the_side_they_resemble() {
    let params = SplitParams { lambda_l2: 1.0, min_child_weight: 0.0, min_samples_leaf: 1, min_split_gain: 0.0 };
    let bin = |g: f64, n: u32| BinStat { g, h: f64::from(n) * 0.25, n };
    let low = [bin(-4.0, 10), bin(-3.0, 8)];
    let high = [bin(5.0, 10), bin(4.0, 9)];
    for (miss, left) in [(bin(3.0, 6), false), (bin(-3.0, 6), true)] {
        let bins: Vec<BinStat> = low.iter().chain(&high).copied().chain([miss]).collect();
        let parent = bins.iter().fold(BinStat::default(), |a, &b| a.add(b));
        let c = best_split_feature(3, &bins, 4, parent, &params).expect("a split");
        assert_eq!((c.feature, c.bin, c.default_left), (3, 1, left), "{c:?}");
        assert_eq!(c.left.add(c.right), parent);
    }
}

/// Across features the largest gain wins, and the first feature on ties.
#[test]
fn pick_best_takes_the_largest_gain_then_the_first_feature() {
    let c = |feature, gain| SplitCandidate {
        feature,
        bin: 0,
        default_left: false,
        gain,
        left: BinStat::default(),
        right: BinStat::default(),
    };
    let best = pick_best([None, Some(c(1, 2.0)), Some(c(2, 3.0)), Some(c(3, 3.0)), None]);
    assert_eq!(best.map(|b| b.feature), Some(2));
    assert_eq!(pick_best([None, None]), None);
}
