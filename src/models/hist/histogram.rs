//! Gradient histograms: per feature and bin, the sums of gradients, hessians and the row count.
//!
//! One histogram holds every feature's bins back to back (`offsets[j]..offsets[j + 1]`, the last
//! bin of each feature being its missing bin). Construction is parallel over features: each
//! feature's bins are filled by one thread in row order, so the sums do not depend on the number
//! of threads. A sibling's histogram is the parent's minus the smaller child's.

use rayon::prelude::*;

use super::bins::{BinMapper, BinnedMatrix};

/// Sums over the rows that fall in one bin.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct BinStat {
    /// Sum of gradients.
    pub g: f64,
    /// Sum of hessians.
    pub h: f64,
    /// Number of rows.
    pub n: u32,
}

impl BinStat {
    /// `self + o`.
    #[inline]
    pub fn add(self, o: BinStat) -> BinStat {
        BinStat { g: self.g + o.g, h: self.h + o.h, n: self.n + o.n }
    }

    /// `self - o`.
    #[inline]
    pub fn sub(self, o: BinStat) -> BinStat {
        BinStat { g: self.g - o.g, h: self.h - o.h, n: self.n.saturating_sub(o.n) }
    }
}

/// Where each feature's bins start in a histogram.
#[derive(Debug, Clone)]
pub(crate) struct HistLayout {
    /// `offsets[j]` is feature `j`'s first bin; `offsets[p]` is the total.
    pub offsets: Vec<usize>,
}

impl HistLayout {
    /// Layout for a mapper: value bins plus one missing bin per feature.
    pub fn new(mapper: &BinMapper) -> HistLayout {
        let mut offsets = Vec::with_capacity(mapper.n_features() + 1);
        let mut acc = 0;
        offsets.push(0);
        for f in &mapper.features {
            acc += f.n_value_bins() + 1;
            offsets.push(acc);
        }
        HistLayout { offsets }
    }

    /// Total number of bins.
    pub fn total(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// The bins of feature `j`.
    #[inline]
    pub fn feature<'h>(&self, hist: &'h [BinStat], j: usize) -> &'h [BinStat] {
        &hist[self.offsets[j]..self.offsets[j + 1]]
    }
}

/// Below this many (rows × features) a histogram is built on the calling thread.
const PARALLEL_MIN_WORK: usize = 32 * 1024;

/// Fills `hist` (zeroed by the caller) for the rows `rows` of `binned`, over `features` only.
///
/// `gh` holds `[gradient, hessian]` per row: indexed by row id when `ordered` is false, by
/// position in `rows` when it is true (gathered beforehand for locality).
pub(crate) fn build(
    hist: &mut [BinStat],
    layout: &HistLayout,
    binned: &BinnedMatrix,
    features: &[usize],
    rows: &[u32],
    gh: &[[f64; 2]],
    ordered: bool,
) {
    let mut slices = split_features(hist, layout, features);
    let one = |(j, out): &mut (usize, &mut [BinStat])| {
        let col = &binned.columns[*j];
        if ordered {
            fill_ordered(out, col, rows, gh);
        } else {
            fill_indexed(out, col, rows, gh);
        }
    };
    if rows.len() * features.len() >= PARALLEL_MIN_WORK && rayon::current_num_threads() > 1 {
        slices.par_iter_mut().with_max_len(1).for_each(one);
    } else {
        slices.iter_mut().for_each(one);
    }
}

/// Fills `hist` for every row `0..n` in order (the root without subsampling).
pub(crate) fn build_all(
    hist: &mut [BinStat],
    layout: &HistLayout,
    binned: &BinnedMatrix,
    features: &[usize],
    gh: &[[f64; 2]],
) {
    let mut slices = split_features(hist, layout, features);
    let one = |(j, out): &mut (usize, &mut [BinStat])| fill_dense(out, &binned.columns[*j], gh);
    if gh.len() * features.len() >= PARALLEL_MIN_WORK && rayon::current_num_threads() > 1 {
        slices.par_iter_mut().with_max_len(1).for_each(one);
    } else {
        slices.iter_mut().for_each(one);
    }
}

/// `target -= small` over the bins of `features` (histogram subtraction for the larger sibling).
pub(crate) fn subtract(target: &mut [BinStat], small: &[BinStat], layout: &HistLayout, features: &[usize]) {
    for &j in features {
        let r = layout.offsets[j]..layout.offsets[j + 1];
        for (t, s) in target[r.clone()].iter_mut().zip(&small[r]) {
            *t = t.sub(*s);
        }
    }
}

/// Disjoint mutable slices of `hist`, one per listed feature (features must be increasing).
fn split_features<'h>(
    hist: &'h mut [BinStat],
    layout: &HistLayout,
    features: &[usize],
) -> Vec<(usize, &'h mut [BinStat])> {
    let mut out = Vec::with_capacity(features.len());
    let mut rest = hist;
    let mut start = 0;
    for &j in features {
        let (a, b) = (layout.offsets[j], layout.offsets[j + 1]);
        let tail = std::mem::take(&mut rest);
        let (_, tail) = tail.split_at_mut(a - start);
        let (mine, tail) = tail.split_at_mut(b - a);
        out.push((j, mine));
        rest = tail;
        start = b;
    }
    out
}

// The fill loops below alternate rows between two copies of the feature's bins and add the
// copies at the end: consecutive rows often land in the same bin (binary and low-cardinality
// features), and a single copy then serialises every update behind the previous store.

/// Fills `out` from (bin code, gradient pair) items, even items straight into `out` and odd ones
/// into a second copy on the stack (codes are `u8`, so 256 bins hold any code), added at the end.
#[inline(always)]
fn fill(out: &mut [BinStat], items: impl Iterator<Item = (u8, [f64; 2])>) {
    let half = out.len();
    let mut odd = [BinStat::default(); 256];
    for (k, (b, gh)) in items.enumerate() {
        let b = b as usize;
        if b < half {
            let s = if k & 1 == 0 { &mut out[b] } else { &mut odd[b] };
            s.g += gh[0];
            s.h += gh[1];
            s.n += 1;
        }
    }
    for (o, e) in out.iter_mut().zip(&odd) {
        *o = o.add(*e);
    }
}

#[inline]
fn fill_dense(out: &mut [BinStat], col: &[u8], gh: &[[f64; 2]]) {
    fill(out, col.iter().copied().zip(gh.iter().copied()));
}

#[inline]
fn fill_ordered(out: &mut [BinStat], col: &[u8], rows: &[u32], gh: &[[f64; 2]]) {
    fill(out, rows.iter().map(|&r| col[r as usize]).zip(gh.iter().copied()));
}

#[inline]
fn fill_indexed(out: &mut [BinStat], col: &[u8], rows: &[u32], gh: &[[f64; 2]]) {
    fill(out, rows.iter().map(|&r| (col[r as usize], gh[r as usize])));
}
