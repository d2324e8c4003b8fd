//! The split finder against brute force on small random histograms: every (threshold, side of
//! the missing values) partition is scored from scratch and the best one must be what
//! [`best_split_feature`] returns — gain, threshold and default direction.
//!
//! Gradients are multiples of 1/8 and hessians of 1/4, so every sum is exact in `f64` and the
//! comparison can be exact too.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// Categorical rules for the numeric tests (unused there).
const CAT: CatSplitParams = CatSplitParams {
    max_cat_to_onehot: 4,
    max_cat_threshold: 32,
    cat_smooth: 10.0,
    cat_l2: 10.0,
    min_data_per_category: 10,
    min_data_per_group: 100,
};

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
                best = Some(SplitCandidate {
                    feature: 0,
                    bin: b as u8,
                    cats: None,
                    default_left,
                    gain: g,
                    left: l,
                    right: r,
                });
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
            cat: CAT,
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
    let params =
        SplitParams { lambda_l2: 1.0, min_child_weight: 0.0, min_samples_leaf: 1, min_split_gain: 0.0, cat: CAT };
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

/// Across features the largest gain wins, and the smaller feature on ties, whatever the order
/// and grouping the candidates are folded in (threads, bundles).
#[test]
fn better_takes_the_largest_gain_then_the_smaller_feature_in_any_order() {
    let c = |feature, gain| SplitCandidate {
        feature,
        bin: 0,
        cats: None,
        default_left: false,
        gain,
        left: BinStat::default(),
        right: BinStat::default(),
    };
    let cands = [None, Some(c(1, 2.0)), Some(c(3, 3.0)), Some(c(2, 3.0)), None, Some(c(0, 1.0))];
    let fold = |order: &[usize]| order.iter().fold(None, |b, &i| better(b, cands[i])).map(|b| b.feature);
    for order in [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 0, 5, 3, 1, 4], [3, 2, 1, 0, 5, 4]] {
        assert_eq!(fold(&order), Some(2), "{order:?}");
    }
    // Grouped: the best of two halves, merged.
    let (a, b) = (fold(&[0, 1, 2]), fold(&[3, 4, 5]));
    assert_eq!((a, b), (Some(3), Some(2)));
    assert_eq!(better(cands[2], cands[3]).map(|b| b.feature), Some(2));
    assert_eq!(better(None, None), None);
}

/// Every partition of the bins of a categorical feature into two non-empty sides, as the set of
/// bins on the left (bins with rows only; `n` bins, missing bin included).
fn all_partitions(bins: &[BinStat]) -> Vec<Vec<usize>> {
    let with_rows: Vec<usize> = (0..bins.len()).filter(|&b| bins[b].n > 0).collect();
    let k = with_rows.len();
    (1..(1u32 << k) - 1).map(|mask| (0..k).filter(|&i| mask >> i & 1 == 1).map(|i| with_rows[i]).collect()).collect()
}

fn categorical_params(lambda: f64) -> SplitParams {
    SplitParams {
        lambda_l2: lambda,
        min_child_weight: 0.0,
        min_samples_leaf: 1,
        min_split_gain: 0.0,
        cat: CatSplitParams {
            max_cat_to_onehot: 0,
            max_cat_threshold: 1000,
            cat_smooth: 0.0,
            cat_l2: 0.0,
            min_data_per_category: 1,
            min_data_per_group: 1,
        },
    }
}

/// The rows a categorical candidate sends left, summed from the bins of its set.
fn left_of(c: &SplitCandidate, bins: &[BinStat]) -> BinStat {
    let set = c.cats.expect("a categorical split");
    (0..bins.len()).filter(|&b| set.contains(b as u8)).fold(BinStat::default(), |a, b| a.add(bins[b]))
}

/// Fisher (1958) / Breiman et al. (1984, Thm 4.5): with gain Σ G²/H (λ = 0, no smoothing, no
/// caps) the best of all 2^k partitions of the categories is contiguous in the order of G/H, so
/// the sorted search must find the brute-force optimum: the same gain and the same partition
/// (when the optimum is unique, as an unordered pair of sides).
#[test]
fn sorted_categorical_search_finds_the_best_of_all_partitions() {
    let mut rng = ChaCha8Rng::seed_from_u64(1958);
    let params = categorical_params(0.0);
    let (mut compared_sets, mut found) = (0usize, 0usize);
    for case in 0..3000 {
        let nvb = rng.gen_range(2..9);
        let mut bins = random_bins(&mut rng, nvb);
        bins[nvb] = BinStat::default(); // no missing rows: nothing outside the sort
        for b in bins[..nvb].iter_mut().filter(|b| b.n == 0) {
            *b = BinStat { g: 0.5, h: 0.25, n: 1 };
        }
        let parent = bins.iter().fold(BinStat::default(), |a, &b| a.add(b));
        let got = best_split_categorical(0, &bins, nvb, parent, &params);
        let score = |s: BinStat| s.g * s.g / s.h;
        let mut best_gain = 0.0f64;
        let mut best_sets: Vec<Vec<usize>> = Vec::new();
        for left in all_partitions(&bins) {
            let l = left.iter().fold(BinStat::default(), |a, &b| a.add(bins[b]));
            let r = parent.sub(l);
            let g = 0.5 * (score(l) + score(r) - score(parent));
            if g > best_gain + 1e-12 {
                best_gain = g;
                best_sets = vec![left];
            } else if (g - best_gain).abs() <= 1e-12 && g > 0.0 {
                best_sets.push(left);
            }
        }
        match got {
            None => assert!(best_gain <= 1e-12, "case {case}: missed a split of gain {best_gain}: {bins:?}"),
            Some(c) => {
                found += 1;
                assert!((c.gain - best_gain).abs() <= 1e-9 * best_gain.max(1.0), "case {case}: {c:?} vs {best_gain}");
                assert_eq!(left_of(&c, &bins), c.left, "case {case}");
                assert_eq!(c.left.add(c.right), parent, "case {case}");
                // The optimum and its mirror image are one partition.
                if best_sets.len() == 2 {
                    compared_sets += 1;
                    let set = c.cats.unwrap();
                    let mine: Vec<usize> = (0..nvb).filter(|&b| set.contains(b as u8)).collect();
                    assert!(best_sets.contains(&mine), "case {case}: chose {mine:?}, best {best_sets:?}");
                }
            }
        }
    }
    assert!(compared_sets > 1000 && found > 2000, "sets compared {compared_sets}, splits {found}");
}

/// With missing values and rare categories (which travel together on either side), caps,
/// smoothing and L2: the chosen set's rows are what the candidate reports, its gain is recomputed
/// from them (children with λ + cat_l2, the parent with λ), no partition of the bins beats it,
/// and the default direction is where the missing bin went.
#[test]
fn categorical_candidates_are_consistent_and_never_beat_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut kinds = [0usize; 3]; // one-vs-rest, sorted with missing left, sorted with missing right
    for case in 0..3000 {
        let nvb = rng.gen_range(1..9);
        let bins = random_bins(&mut rng, nvb);
        let mut params = categorical_params([0.0, 1.0][case % 2]);
        params.min_samples_leaf = [1, 3][(case / 2) % 2];
        params.cat = CatSplitParams {
            max_cat_to_onehot: [0, 4][(case / 4) % 2],
            max_cat_threshold: [1000, 2][(case / 8) % 2],
            cat_smooth: [0.0, 2.0][(case / 16) % 2],
            cat_l2: [0.0, 3.0][(case / 32) % 2],
            min_data_per_category: [1, 4][(case / 64) % 2],
            min_data_per_group: [1, 6][(case / 128) % 2],
        };
        let parent = bins.iter().fold(BinStat::default(), |a, &b| a.add(b));
        let Some(c) = best_split_categorical(0, &bins, nvb, parent, &params) else { continue };
        let onehot = nvb <= params.cat.max_cat_to_onehot;
        let lambda = params.lambda_l2 + if onehot { 0.0 } else { params.cat.cat_l2 };
        let score = |s: BinStat, lam: f64| s.g * s.g / (s.h + lam);
        assert_eq!(left_of(&c, &bins), c.left, "case {case}");
        assert_eq!(c.left.add(c.right), parent, "case {case}");
        assert!(params.child_ok(c.left) && params.child_ok(c.right), "case {case}: {c:?}");
        let gain = 0.5 * (score(c.left, lambda) + score(c.right, lambda) - score(parent, params.lambda_l2));
        assert_eq!(gain, c.gain, "case {case}");
        assert_eq!(c.default_left, c.cats.unwrap().contains(nvb as u8), "case {case}");
        let best = all_partitions(&bins)
            .into_iter()
            .map(|left| left.iter().fold(BinStat::default(), |a, &b| a.add(bins[b])))
            .filter(|&l| params.child_ok(l) && params.child_ok(parent.sub(l)))
            .map(|l| 0.5 * (score(l, lambda) + score(parent.sub(l), lambda) - score(parent, params.lambda_l2)))
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(c.gain <= best + 1e-9, "case {case}: {} > brute force {best}", c.gain);
        kinds[if onehot { 0 } else { 1 + usize::from(!c.default_left) }] += 1;
    }
    assert!(kinds.iter().all(|&k| k > 100), "splits by kind: {kinds:?}");
}

/// One-vs-rest (few categories): the category whose removal separates the node best goes alone,
/// as an exhaustive search over single categories says.
#[test]
fn one_vs_rest_picks_the_best_single_category() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut params = categorical_params(1.0);
    params.cat.max_cat_to_onehot = 4;
    for case in 0..2000 {
        let nvb = rng.gen_range(2..5);
        let mut bins = random_bins(&mut rng, nvb);
        bins[nvb] = BinStat::default();
        let parent = bins.iter().fold(BinStat::default(), |a, &b| a.add(b));
        let score = |s: BinStat| s.g * s.g / (s.h + 1.0);
        let want = (0..nvb)
            .filter(|&b| bins[b].n > 0 && params.child_ok(bins[b]) && params.child_ok(parent.sub(bins[b])))
            .map(|b| (b, 0.5 * (score(bins[b]) + score(parent.sub(bins[b])) - score(parent))))
            .filter(|&(_, g)| g > 0.0)
            .fold(None::<(usize, f64)>, |acc, (b, g)| if acc.is_none_or(|(_, a)| g > a) { Some((b, g)) } else { acc });
        let got = best_split_categorical(0, &bins, nvb, parent, &params);
        match (got, want) {
            (None, None) => {}
            (Some(c), Some((b, g))) => {
                assert_eq!(c.gain, g, "case {case}");
                assert_eq!(c.left, bins[b], "case {case}");
            }
            (got, want) => panic!("case {case}: got {got:?}, want {want:?}, bins {bins:?}"),
        }
    }
}
