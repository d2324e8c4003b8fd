//! Gradient histograms: per feature and bin, the sums of gradients, hessians and the row count.
//!
//! One histogram holds every feature's bins back to back (`offsets[j]..offsets[j + 1]`, the last
//! bin of each feature being its missing bin). Construction is parallel over features: each
//! feature's bins are filled by one thread in row order, so the sums do not depend on the number
//! of threads. A sibling's histogram is the parent's minus the smaller child's. The best split
//! of each feature is found in the same pass, while its bins are in cache.

use rayon::prelude::*;

use super::bins::{BinMapper, BinnedMatrix};
use super::bundle::Bundles;
use super::split::{SplitCandidate, SplitParams, best_split, better};

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
}

/// Below this much work (rows × features plus bins scanned) a pass runs on the calling thread.
/// With the workers spinning between passes ([`super::spinning`]) a small parallel pass costs
/// little: the caller takes back any unit no worker has stolen. On the simulator (103k × 70,
/// LightGBM's settings, two threads; `perf` had the spinning worker idle a quarter of the fit)
/// 8k instead of 32k took 1.063–1.138 s per fit against 1.108–1.191 s, lower in 11 of 12
/// alternating pairs; Telco within noise (0.081–0.082 s against 0.077–0.084 s); 4k was noisier
/// and slower on Telco (0.084 s).
const PARALLEL_MIN_WORK: usize = 8 * 1024;

/// A row's `[gradient, hessian]` as stored while trees grow: `[f32; 2]` for boosting (half the
/// memory traffic of the histogram passes, like LightGBM's `score_t`), `[f64; 2]` for the single
/// tree's exact weights. Histogram sums are `f64` either way.
pub(crate) trait GradPair: Copy + Default + Send + Sync {
    /// The pair as `f64`.
    fn get(self) -> [f64; 2];
}

impl GradPair for [f32; 2] {
    #[inline(always)]
    fn get(self) -> [f64; 2] {
        [f64::from(self[0]), f64::from(self[1])]
    }
}

impl GradPair for [f64; 2] {
    #[inline(always)]
    fn get(self) -> [f64; 2] {
        self
    }
}

/// Where a node's histogram comes from.
pub(crate) enum Source<'a, G> {
    /// Every row `0..n` in order, `gh` indexed by row id (the root without subsampling).
    All(&'a [G]),
    /// The rows `rows`, with their `[gradient, hessian]` pairs gathered in the same order in `gh`.
    Rows {
        /// Row ids.
        rows: &'a [u32],
        /// Gradient pairs, position by position.
        gh: &'a [G],
    },
    /// The parent's histogram, already in the target, minus the sibling's (the first node of
    /// the pass): LightGBM's subtraction trick for the larger child.
    ParentMinusSibling,
}

/// One node of a [`build_and_split`] pass.
pub(crate) struct NodeTask<'a, G> {
    /// The node's histogram (any content: each listed feature's bins are overwritten).
    pub hist: &'a mut [BinStat],
    /// Where the sums come from.
    pub source: Source<'a, G>,
    /// The node's total sums when its best split is wanted.
    pub split_for: Option<BinStat>,
}

impl<G> NodeTask<'_, G> {
    fn rows(&self, n_rows: usize) -> usize {
        match self.source {
            Source::All(_) => n_rows,
            Source::Rows { rows, .. } => rows.len(),
            Source::ParentMinusSibling => 0,
        }
    }
}

/// What every histogram pass of one tree reads: the binned rows, how their features are laid
/// out in a histogram and bundled, their bins, the features the tree may split on (increasing)
/// and the split rules.
pub(crate) struct Pass<'a> {
    pub layout: &'a HistLayout,
    pub binned: &'a BinnedMatrix,
    pub bundles: &'a Bundles,
    pub mapper: &'a BinMapper,
    pub features: &'a [usize],
    pub params: &'a SplitParams,
}

/// Fills the histograms of one node, or of two siblings (the second may be
/// [`Source::ParentMinusSibling`]), over the pass's features, and finds each node's best
/// split, in one pass over features: each feature's bins are summed, subtracted and scanned by
/// one thread while they are in its cache (LightGBM likewise finds splits per feature in
/// parallel). Sums run in row order within a feature and the per-feature best splits are
/// reduced in feature order, so the result does not depend on the number of threads.
pub(crate) fn build_and_split<G: GradPair>(
    pass: &Pass<'_>,
    first: NodeTask<'_, G>,
    second: Option<NodeTask<'_, G>>,
) -> (Option<SplitCandidate>, Option<SplitCandidate>) {
    let Pass { layout, binned, bundles, mapper, features, params } = *pass;
    debug_assert!(!matches!(first.source, Source::ParentMinusSibling));
    let n_tasks = 1 + usize::from(second.is_some());
    let work = (first.rows(binned.n_rows) + second.as_ref().map_or(0, |t| t.rows(binned.n_rows))) * features.len()
        + n_tasks * layout.total();
    let (second_hist, second_source, second_split) = match second {
        Some(t) => (Some(t.hist), Some(t.source), t.split_for),
        None => (None, None, None),
    };
    let first_items = split_features(first.hist, layout, features);
    let items = match second_hist {
        Some(h) => first_items
            .into_iter()
            .zip(split_features(h, layout, features))
            .map(|((j, a), (_, b))| (j, a, Some(b)))
            .collect::<Vec<Item<'_>>>(),
        None => first_items.into_iter().map(|(j, a)| (j, a, None)).collect(),
    };
    let mut units = units_of(items, bundles);
    let (first_source, first_split) = (first.source, first.split_for);
    let split_of = |j: usize, a: &[BinStat], b: Option<&[BinStat]>| {
        let nvb = mapper.features[j].n_value_bins();
        let cat = mapper.features[j].categories.is_some();
        let ca = first_split.and_then(|s| best_split(j, a, nvb, cat, s, params));
        let cb = b.and_then(|b| second_split.and_then(|s| best_split(j, b, nvb, cat, s, params)));
        (j, ca, cb)
    };
    let one = |unit: &mut Unit<'_>| -> Best {
        let (g, members) = match unit {
            Unit::One((j, a, b)) => {
                let col = &binned.columns[*j];
                fill_from(a, col, &first_source, None);
                if let (Some(b), Some(src)) = (b.as_deref_mut(), &second_source) {
                    fill_from(b, col, src, Some(&**a));
                }
                let (_, ca, cb) = split_of(*j, a, b.as_deref());
                return (ca, cb);
            }
            Unit::Bundle(g, members) => (*g, members),
        };
        // One pass over the bundle's column fills every member's bins.
        let bundle = &bundles.groups[g];
        let mut codes = [BinStat::default(); 256];
        let codes = &mut codes[..bundle.n_codes];
        fill_from(codes, &bundle.column, &first_source, None);
        for (k, (_, a, _)) in members.iter_mut() {
            bundle.members[*k].unbundle(codes, a);
        }
        match &second_source {
            Some(Source::ParentMinusSibling) => {
                for (_, (_, a, b)) in members.iter_mut() {
                    if let Some(b) = b.as_deref_mut() {
                        fill_from::<G>(b, &[], &Source::ParentMinusSibling, Some(&**a));
                    }
                }
            }
            Some(src) => {
                fill_from(codes, &bundle.column, src, None);
                for (k, (_, _, b)) in members.iter_mut() {
                    if let Some(b) = b.as_deref_mut() {
                        bundle.members[*k].unbundle(codes, b);
                    }
                }
            }
            None => {}
        }
        members.iter().fold((None, None), |best, (_, (j, a, b))| {
            let (_, ca, cb) = split_of(*j, a, b.as_deref());
            merge(best, (ca, cb))
        })
    };
    // `merge` keeps the largest gain and, on ties, the smaller feature index: a total order, so
    // the result does not depend on how the units are grouped or reduced (the thread count),
    // and equals one scan over the features in index order. Nothing is collected per
    // feature (a vector of candidates per pass and one per unit were ~10% of a Telco fit:
    // allocation, copies and the sort, measured with `perf`).
    if work >= PARALLEL_MIN_WORK && rayon::current_num_threads() > 1 {
        units.par_iter_mut().with_max_len(1).map(one).reduce(|| (None, None), merge)
    } else {
        units.iter_mut().map(one).fold((None, None), merge)
    }
}

/// The best split of the first and of the second node of a pass, so far.
type Best = (Option<SplitCandidate>, Option<SplitCandidate>);

/// [`better`] for both nodes of a pass.
fn merge(x: Best, y: Best) -> Best {
    (better(x.0, y.0), better(x.1, y.1))
}

/// A unit of work of a pass: one feature filled from its own column, or the listed members of a
/// bundle (each with its index among the bundle's members) filled from the bundle's column in
/// one pass.
enum Unit<'h> {
    One(Item<'h>),
    Bundle(usize, Vec<(usize, Item<'h>)>),
}

/// Groups the features of a pass into units: a bundle with at least two listed members is one
/// unit (in the place of its first member), every other feature its own.
fn units_of<'h>(items: Vec<Item<'h>>, bundles: &Bundles) -> Vec<Unit<'h>> {
    let mut listed = vec![0usize; bundles.groups.len()];
    for (j, _, _) in &items {
        if let Some(Some((g, _))) = bundles.of_feature.get(*j) {
            listed[*g] += 1;
        }
    }
    let mut unit_of_bundle: Vec<Option<usize>> = vec![None; bundles.groups.len()];
    let mut units: Vec<Unit<'h>> = Vec::with_capacity(items.len());
    for item in items {
        match bundles.of_feature.get(item.0).copied().flatten() {
            Some((g, k)) if listed[g] >= 2 => match unit_of_bundle[g] {
                Some(u) => {
                    // `unit_of_bundle[g]` is only ever set to the index of the `Unit::Bundle`
                    // pushed just below, so this always matches.
                    if let Unit::Bundle(_, members) = &mut units[u] {
                        members.push((k, item));
                    }
                }
                None => {
                    unit_of_bundle[g] = Some(units.len());
                    units.push(Unit::Bundle(g, vec![(k, item)]));
                }
            },
            _ => units.push(Unit::One(item)),
        }
    }
    units
}

/// A feature of a pass: its index, the first node's bins and the second node's bins.
type Item<'h> = (usize, &'h mut [BinStat], Option<&'h mut [BinStat]>);

/// Overwrites one feature's bins `out` from `source` (`sibling` = the sibling's bins of the same
/// feature, for [`Source::ParentMinusSibling`]).
#[inline]
fn fill_from<G: GradPair>(out: &mut [BinStat], col: &[u8], source: &Source<'_, G>, sibling: Option<&[BinStat]>) {
    match source {
        Source::All(gh) => {
            let (cc, gc) = (col[..gh.len()].chunks_exact(LANES), gh.chunks_exact(LANES));
            let tail = cc.remainder().iter().zip(gc.remainder()).map(|(&b, g)| (b, g.get()));
            fill(out, cc.zip(gc).map(|(b, g)| std::array::from_fn(|i| (b[i], g[i].get()))), tail);
        }
        Source::Rows { rows, gh } => {
            let (rc, gc) = (rows[..gh.len()].chunks_exact(LANES), gh.chunks_exact(LANES));
            // `move`: the closure holds the column's pointer and length in registers (borrowing
            // `col` made the compiler reload both after every histogram store).
            let code = move |r: u32| col.get(r as usize).copied().unwrap_or(u8::MAX);
            let tail = rc.remainder().iter().zip(gc.remainder()).map(move |(&r, g)| (code(r), g.get()));
            fill(out, rc.zip(gc).map(move |(r, g)| std::array::from_fn(|i| (code(r[i]), g[i].get()))), tail);
        }
        Source::ParentMinusSibling => {
            if let Some(small) = sibling {
                for (t, s) in out.iter_mut().zip(small) {
                    *t = t.sub(*s);
                }
            }
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

// The fill loops below spread rows over four copies of the feature's bins (row k into copy
// k mod 4) and add the copies at the end: consecutive rows often land in the same bin (binary
// and low-cardinality features), and a single copy then serialises every update behind the
// previous store to that bin (a load-add-store chain through memory). Rows are taken four at
// a time, so the loop has no per-row choice of copy; the three extra copies are a per-thread
// buffer of which only the feature's bins are cleared (a fresh 256-bin array per call cost 15%
// of the fill time on Telco, measured with `perf`: most nodes are small and most features have
// few bins). Sums are added in a fixed order, whatever the thread count.

/// Copies of a feature's bins the fill loops spread rows over.
const LANES: usize = 4;

thread_local! {
    /// The four copies of a feature's bins for [`fill`], 256 bins each: codes are `u8`, so
    /// indexing a copy by a code needs no bounds check (one was 9% of the fill's samples on the
    /// simulator, `perf`).
    static COPIES: std::cell::RefCell<Box<[[BinStat; 256]; LANES]>> =
        std::cell::RefCell::new(Box::new([[BinStat::default(); 256]; LANES]));
}

/// Adds one row's gradient pair to bin `b` of a copy.
#[inline(always)]
fn add_to(bins: &mut [BinStat; 256], b: u8, gh: [f64; 2]) {
    let s = &mut bins[usize::from(b)];
    s.g += gh[0];
    s.h += gh[1];
    s.n += 1;
}

/// Overwrites `out` with the sums of `quads` (bin code and gradient pair of four consecutive
/// rows) and of the last `n mod 4` rows `tail`: row k goes into copy k mod 4, and the copies are
/// added at the end as `(c0 + c1) + (c2 + c3)`. Only each copy's first `out.len()` bins are
/// cleared and read: a code beyond the feature's bins lands in a bin never read (ignored).
#[inline(always)]
fn fill<I, T>(out: &mut [BinStat], quads: I, tail: T)
where
    I: Iterator<Item = [(u8, [f64; 2]); LANES]>,
    T: Iterator<Item = (u8, [f64; 2])>,
{
    let len = out.len();
    COPIES.with(|copies| {
        let mut copies = copies.borrow_mut();
        let [c0, c1, c2, c3] = &mut **copies;
        for c in [&mut *c0, &mut *c1, &mut *c2, &mut *c3] {
            c[..len].fill(BinStat::default());
        }
        for [(b0, g0), (b1, g1), (b2, g2), (b3, g3)] in quads {
            add_to(c0, b0, g0);
            add_to(c1, b1, g1);
            add_to(c2, b2, g2);
            add_to(c3, b3, g3);
        }
        for (k, (b, g)) in tail.enumerate() {
            add_to([&mut *c0, &mut *c1, &mut *c2][k], b, g);
        }
        for ((((o, z), a), b), c) in out.iter_mut().zip(c0.iter()).zip(c1.iter()).zip(c2.iter()).zip(c3.iter()) {
            *o = z.add(*a).add(b.add(*c));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain per-bin sums of `rows` (codes beyond `n_bins` ignored).
    fn plain(col: &[u8], gh: &[[f32; 2]], rows: &[u32], n_bins: usize) -> Vec<BinStat> {
        let mut want = vec![BinStat::default(); n_bins];
        for &r in rows {
            if let Some(s) = want.get_mut(col[r as usize] as usize) {
                s.g += f64::from(gh[r as usize][0]);
                s.h += f64::from(gh[r as usize][1]);
                s.n += 1;
            }
        }
        want
    }

    fn assert_close(got: &[BinStat], want: &[BinStat], what: &str) {
        for (a, b) in got.iter().zip(want) {
            assert_eq!(a.n, b.n, "{what}");
            assert!((a.g - b.g).abs() < 1e-12 && (a.h - b.h).abs() < 1e-12, "{what}: {a:?} vs {b:?}");
        }
    }

    /// The fill loops (four copies, rows taken four at a time, a tail of 0–3 rows) give the
    /// plain per-bin sums, for every row count around a multiple of four, from all rows and from
    /// a subset, with codes beyond the feature's bins ignored and stale content overwritten.
    #[test]
    fn fill_equals_plain_sums_for_every_tail_length() {
        let n_bins = 5;
        for n in 0..=13usize {
            let col: Vec<u8> = (0..n).map(|i| ((i * 7 + i / 3) % 6) as u8).collect(); // code 5: out of range
            let gh: Vec<[f32; 2]> = (0..n).map(|i| [i as f32 * 0.5 - 2.0, 1.0 + i as f32 * 0.25]).collect();
            let all: Vec<u32> = (0..n as u32).collect();
            let mut got = vec![BinStat { g: 9.0, h: 9.0, n: 9 }; n_bins];
            fill_from(&mut got, &col, &Source::All(&gh), None);
            assert_close(&got, &plain(&col, &gh, &all, n_bins), &format!("all rows, n = {n}"));

            let rows: Vec<u32> = (0..n as u32).step_by(2).collect();
            let ordered: Vec<[f32; 2]> = rows.iter().map(|&r| gh[r as usize]).collect();
            let mut got = vec![BinStat { g: 9.0, h: 9.0, n: 9 }; n_bins];
            fill_from(&mut got, &col, &Source::Rows { rows: &rows, gh: &ordered }, None);
            assert_close(&got, &plain(&col, &gh, &rows, n_bins), &format!("every other row, n = {n}"));
        }
    }
}
