//! Growing one tree on binned data: best-first (leaf-wise, like LightGBM) under a leaf budget
//! and/or a depth limit. With no leaf budget the result equals depth-wise growth.
//!
//! Rows live in one index array; each node owns a contiguous range of it, split by a stable
//! partition (so row order, and therefore every sum, is the same whatever the thread count).
//! Only the smaller child's histogram is built; the larger one is the parent's minus it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::bins::{BinMapper, BinnedMatrix};
use super::bundle::Bundles;
use rayon::prelude::*;

use super::histogram::{BinStat, GradPair, HistLayout, NodeTask, Pass, Source, build_and_split};
use super::split::{BinSet, SplitCandidate, SplitParams};

/// How a tree is grown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrowParams {
    /// Maximum number of leaves (`None` = no limit).
    pub max_leaves: Option<usize>,
    /// Maximum depth, the root being depth 0 (`None` = no limit).
    pub max_depth: Option<usize>,
    /// Split constraints.
    pub split: SplitParams,
}

/// A node of a grown tree, before leaf values are set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GrownNode {
    /// Split (feature, bin, default-left) for internal nodes; `None` for leaves.
    pub split: Option<(usize, u8, bool)>,
    /// Categorical splits: the bins (categories, and the missing bin when missing values go
    /// left) sent left; the `u8` of `split` is then unused.
    pub cats: Option<BinSet>,
    /// Children (internal nodes).
    pub children: (u32, u32),
    /// Sums over the node's rows.
    pub stat: BinStat,
    /// Gain of the split (0 for leaves).
    pub gain: f64,
    /// Depth (root = 0).
    pub depth: u32,
    /// Range of the node's rows in [`Grower::indices`].
    pub start: usize,
    /// End of the range.
    pub end: usize,
}

/// Reusable buffers for growing trees on one binned matrix.
pub(crate) struct Grower<'a, G> {
    binned: &'a BinnedMatrix,
    mapper: &'a BinMapper,
    layout: HistLayout,
    /// Exclusive features sharing a code column (filled in one pass).
    bundles: Bundles,
    /// Row ids, partitioned so that every node's rows are contiguous.
    pub indices: Vec<u32>,
    left: Vec<u32>,
    right: Vec<u32>,
    ordered: Vec<G>,
    ordered_large: Vec<G>,
    free: Vec<Vec<BinStat>>,
    max_stored: usize,
}

#[derive(Debug, PartialEq)]
struct Pending {
    gain: f64,
    node: u32,
}
impl Eq for Pending {}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        // Largest gain first; among equal gains the earliest node.
        self.gain.total_cmp(&other.gain).then_with(|| other.node.cmp(&self.node))
    }
}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Memory allowed for histograms kept for later subtraction.
const HIST_BUDGET_BYTES: usize = 256 << 20;

impl<'a, G: GradPair> Grower<'a, G> {
    /// A grower for `binned` (bins from `mapper`), with exclusive features bundled
    /// ([`Bundles::find`]).
    pub fn new(binned: &'a BinnedMatrix, mapper: &'a BinMapper) -> Grower<'a, G> {
        Self::with_bundles(binned, mapper, Bundles::find(binned, mapper))
    }

    /// A grower filling histograms through `bundles` ([`Bundles::none`]: every feature from its
    /// own column).
    pub fn with_bundles(binned: &'a BinnedMatrix, mapper: &'a BinMapper, bundles: Bundles) -> Grower<'a, G> {
        let layout = HistLayout::new(mapper);
        let bytes = layout.total().max(1) * std::mem::size_of::<BinStat>();
        Grower {
            binned,
            mapper,
            layout,
            bundles,
            indices: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            ordered: Vec::new(),
            ordered_large: Vec::new(),
            free: Vec::new(),
            max_stored: (HIST_BUDGET_BYTES / bytes).max(4),
        }
    }

    /// The context of this tree's histogram passes over `features` under `split`.
    fn pass<'p>(&'p self, features: &'p [usize], split: &'p SplitParams) -> Pass<'p> {
        Pass {
            layout: &self.layout,
            binned: self.binned,
            bundles: &self.bundles,
            mapper: self.mapper,
            features,
            params: split,
        }
    }

    /// A histogram buffer; its content is stale (a pass overwrites every feature it uses).
    fn alloc(&mut self) -> Vec<BinStat> {
        self.free.pop().unwrap_or_else(|| vec![BinStat::default(); self.layout.total()])
    }

    fn release(&mut self, h: Vec<BinStat>) {
        if self.free.len() < 8 {
            self.free.push(h);
        }
    }

    /// Grows one tree on the rows `rows` (ascending ids) with per-row `[gradient, hessian]` pairs
    /// `gh` (indexed by row id), splitting only on `features` (ascending).
    pub fn grow(&mut self, rows: &[u32], gh: &[G], features: &[usize], params: &GrowParams) -> Vec<GrownNode> {
        self.indices.clear();
        self.indices.extend_from_slice(rows);
        let mut root = BinStat::default();
        for &r in rows {
            let v = gh[r as usize].get();
            root.g += v[0];
            root.h += v[1];
        }
        root.n = rows.len() as u32;
        let mut nodes = vec![GrownNode {
            split: None,
            cats: None,
            children: (0, 0),
            stat: root,
            gain: 0.0,
            depth: 0,
            start: 0,
            end: rows.len(),
        }];
        let mut hists: Vec<Option<Vec<BinStat>>> = vec![None];
        let mut cands: Vec<Option<SplitCandidate>> = vec![None];
        let mut heap = BinaryHeap::new();
        let mut stored = 0usize;

        if self.can_split(&nodes[0], params) {
            let mut h = self.alloc();
            let all = rows.len() == self.binned.n_rows && rows.iter().enumerate().all(|(k, &r)| r as usize == k);
            let source = if all {
                Source::All(gh)
            } else {
                gather(&mut self.ordered, rows, gh);
                Source::Rows { rows, gh: &self.ordered }
            };
            let task = NodeTask { hist: &mut h, source, split_for: Some(root) };
            let (cand, _) = build_and_split(&self.pass(features, &params.split), task, None);
            if let Some(c) = cand {
                heap.push(Pending { gain: c.gain, node: 0 });
                cands[0] = Some(c);
                hists[0] = Some(h);
                stored += 1;
            } else {
                self.release(h);
            }
        }

        let mut n_leaves = 1usize;
        while let Some(Pending { node, .. }) = heap.pop() {
            if params.max_leaves.is_some_and(|m| n_leaves >= m) {
                break;
            }
            let id = node as usize;
            let Some(c) = cands[id].take() else { continue };
            let parent_hist = hists[id].take();
            if parent_hist.is_some() {
                stored -= 1;
            }
            let (start, end, depth) = (nodes[id].start, nodes[id].end, nodes[id].depth);
            let n_left = self.partition(start, end, &c);
            debug_assert_eq!(n_left as u32, c.left.n);
            let mid = start + n_left;
            let l_id = nodes.len() as u32;
            let r_id = l_id + 1;
            nodes[id].split = Some((c.feature, c.bin, c.default_left));
            nodes[id].cats = c.cats;
            nodes[id].children = (l_id, r_id);
            nodes[id].gain = c.gain;
            let left = GrownNode {
                split: None,
                cats: None,
                children: (0, 0),
                stat: c.left,
                gain: 0.0,
                depth: depth + 1,
                start,
                end: mid,
            };
            let right = GrownNode { start: mid, end, stat: c.right, ..left };
            nodes.push(left);
            nodes.push(right);
            hists.push(None);
            hists.push(None);
            cands.push(None);
            cands.push(None);
            n_leaves += 1;

            // After the last split of the leaf budget no child is split again: no histograms.
            let budget_left = params.max_leaves.is_none_or(|m| n_leaves < m);
            let split_l = budget_left && self.can_split(&left, params);
            let split_r = budget_left && self.can_split(&right, params);
            if !split_l && !split_r {
                if let Some(h) = parent_hist {
                    self.release(h);
                }
                continue;
            }
            // Smaller child built directly; the larger one by subtraction when the parent's
            // histogram is kept, both in one pass over features.
            let (small, large) = if c.left.n <= c.right.n { (l_id, r_id) } else { (r_id, l_id) };
            let small_node = nodes[small as usize];
            let large_node = nodes[large as usize];
            let mut small_hist = self.alloc();
            let large_can_split = if large == l_id { split_l } else { split_r };
            let small_can_split = if small == l_id { split_l } else { split_r };
            let mut large_hist = if !large_can_split {
                if let Some(h) = parent_hist {
                    self.release(h);
                }
                None
            } else {
                Some((parent_hist.is_some(), parent_hist.unwrap_or_else(|| self.alloc())))
            };
            let small_rows = &self.indices[small_node.start..small_node.end];
            gather(&mut self.ordered, small_rows, gh);
            let large_rows = &self.indices[large_node.start..large_node.end];
            if let Some((false, _)) = large_hist {
                gather(&mut self.ordered_large, large_rows, gh);
            }
            let first = NodeTask {
                hist: &mut small_hist,
                source: Source::Rows { rows: small_rows, gh: &self.ordered },
                split_for: small_can_split.then_some(small_node.stat),
            };
            let second = large_hist.as_mut().map(|(from_parent, h)| NodeTask {
                hist: h,
                source: if *from_parent {
                    Source::ParentMinusSibling
                } else {
                    Source::Rows { rows: large_rows, gh: &self.ordered_large }
                },
                split_for: Some(large_node.stat),
            });
            let (c_small, c_large) = build_and_split(&self.pass(features, &params.split), first, second);
            for (child, h, cand) in [(small, Some(small_hist), c_small), (large, large_hist.map(|(_, h)| h), c_large)] {
                let Some(h) = h else { continue };
                match cand {
                    Some(cc) => {
                        heap.push(Pending { gain: cc.gain, node: child });
                        cands[child as usize] = Some(cc);
                        if stored < self.max_stored {
                            hists[child as usize] = Some(h);
                            stored += 1;
                        } else {
                            self.release(h);
                        }
                    }
                    None => self.release(h),
                }
            }
        }
        for h in hists.into_iter().flatten() {
            self.release(h);
        }
        nodes
    }

    fn can_split(&self, n: &GrownNode, params: &GrowParams) -> bool {
        params.max_depth.is_none_or(|d| (n.depth as usize) < d) && params.split.splittable(n.stat)
    }

    /// Stable partition of `indices[start..end]` by the split; returns the number going left.
    ///
    /// Large ranges are cut into fixed chunks partitioned in parallel, then the chunks' left
    /// parts and right parts are copied back in chunk order (LightGBM's `DataPartition` does
    /// the same): the result is the serial stable partition whatever the thread count.
    fn partition(&mut self, start: usize, end: usize, c: &SplitCandidate) -> usize {
        let col = self.binned.columns[c.feature].as_slice();
        let miss = self.mapper.features[c.feature].n_value_bins() as u8;
        let (bin, dl, cats) = (c.bin, c.default_left, c.cats);
        let slice = &mut self.indices[start..end];
        let n = slice.len();
        self.left.resize(n, 0);
        self.right.resize(n, 0);
        let (left, right) = (&mut self.left[..n], &mut self.right[..n]);
        // Branch-free: every row is written to both sides and only the matching cursor moves
        // (the side a row goes to is data-dependent, so a branch here mispredicts half the time).
        let one = |((src, l), r): ((&[u32], &mut [u32]), &mut [u32])| {
            let (mut w, mut t) = (0usize, 0usize);
            match cats {
                None => {
                    for &row in src {
                        let b = col[row as usize];
                        let goes_left = (b <= bin) | ((b == miss) & dl);
                        l[w] = row;
                        r[t] = row;
                        w += usize::from(goes_left);
                        t += usize::from(!goes_left);
                    }
                }
                Some(set) => {
                    for &row in src {
                        let goes_left = set.contains(col[row as usize]);
                        l[w] = row;
                        r[t] = row;
                        w += usize::from(goes_left);
                        t += usize::from(!goes_left);
                    }
                }
            }
            w
        };
        let n_left: Vec<usize> = if n >= 2 * PARTITION_CHUNK && rayon::current_num_threads() > 1 {
            slice
                .par_chunks(PARTITION_CHUNK)
                .zip(left.par_chunks_mut(PARTITION_CHUNK))
                .zip(right.par_chunks_mut(PARTITION_CHUNK))
                .map(one)
                .collect()
        } else {
            slice
                .chunks(PARTITION_CHUNK)
                .zip(left.chunks_mut(PARTITION_CHUNK))
                .zip(right.chunks_mut(PARTITION_CHUNK))
                .map(one)
                .collect()
        };
        let mut pos = 0;
        for (k, &w) in n_left.iter().enumerate() {
            let at = k * PARTITION_CHUNK;
            slice[pos..pos + w].copy_from_slice(&left[at..at + w]);
            pos += w;
        }
        let total_left = pos;
        for (k, &w) in n_left.iter().enumerate() {
            let at = k * PARTITION_CHUNK;
            let t = (n - at).min(PARTITION_CHUNK) - w;
            slice[pos..pos + t].copy_from_slice(&right[at..at + t]);
            pos += t;
        }
        total_left
    }
}

/// Rows per chunk of a parallel partition or gather.
const PARTITION_CHUNK: usize = 8192;

/// `out[k] = gh[rows[k]]`: the gradient pairs of `rows` in their order, for sequential access
/// while histograms are filled. Parallel in fixed chunks for large nodes.
fn gather<G: GradPair>(out: &mut Vec<G>, rows: &[u32], gh: &[G]) {
    out.resize(rows.len(), G::default());
    let one = |(o, r): (&mut [G], &[u32])| {
        for (o, &r) in o.iter_mut().zip(r) {
            *o = gh[r as usize];
        }
    };
    if rows.len() >= 2 * PARTITION_CHUNK && rayon::current_num_threads() > 1 {
        out.par_chunks_mut(PARTITION_CHUNK).zip(rows.par_chunks(PARTITION_CHUNK)).for_each(one);
    } else {
        out.chunks_mut(PARTITION_CHUNK).zip(rows.chunks(PARTITION_CHUNK)).for_each(one);
    }
}

/// Sends binned `rows` (row indices of `binned`) down the tree `nodes` as prediction does, and
/// calls `visit(leaf, rows)` once per leaf reached with the rows that fall in it (`rows` is
/// reordered in place; `scratch` is working space). Same decisions as the compiled forest on the
/// raw values (a value `v` is in a bin `≤ b` exactly when `v ≤` the bin's upper bound, and a
/// categorical node's set holds its missing code exactly when missing values go left).
///
/// Node by node and column by column rather than row by row: the boosting loop routes its
/// out-of-sample and validation rows through each new tree with it. Walking each row from the
/// root (one node struct and one column per step) was ~10% of `auto`'s time on Telco (`perf`).
pub(crate) fn route_binned(
    nodes: &[GrownNode],
    binned: &BinnedMatrix,
    mapper: &BinMapper,
    rows: &mut [u32],
    scratch: &mut Vec<u32>,
    mut visit: impl FnMut(usize, &[u32]),
) {
    let mut stack = vec![(0usize, 0usize, rows.len())];
    while let Some((id, start, end)) = stack.pop() {
        if start == end {
            continue;
        }
        let Some((f, bin, dl)) = nodes[id].split else {
            visit(id, &rows[start..end]);
            continue;
        };
        let col = binned.columns[f].as_slice();
        let miss = mapper.features[f].n_value_bins() as u8;
        scratch.clear();
        let mut w = start;
        let cats = nodes[id].cats;
        // `w` never passes the row being read: moving the left rows forward is safe in place.
        for i in start..end {
            let r = rows[i];
            let b = col[r as usize];
            let left = match cats {
                Some(set) => set.contains(b),
                None => b <= bin || (b == miss && dl),
            };
            if left {
                rows[w] = r;
                w += 1;
            } else {
                scratch.push(r);
            }
        }
        rows[w..end].copy_from_slice(scratch);
        stack.push((nodes[id].children.1 as usize, w, end));
        stack.push((nodes[id].children.0 as usize, start, w));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Trees of up to 16 leaves, light regularisation, LightGBM's categorical rules.
    fn sixteen_leaves() -> GrowParams {
        GrowParams {
            max_leaves: Some(16),
            max_depth: None,
            split: SplitParams {
                lambda_l2: 1.0,
                min_child_weight: 1e-3,
                min_samples_leaf: 5,
                min_split_gain: 0.0,
                cat: crate::models::boosted::CategoricalSplits::default().split_params(),
            },
        }
    }

    /// Bundled histograms grow the same trees as per-feature ones: a four-level category one-hot
    /// encoded (bundled), a rare flag exclusive with it on every row (bundled) and two numeric
    /// columns, random gradients; every node's split and row count equal, sums equal to 1e-9.
    #[test]
    fn bundled_histograms_grow_the_same_tree() {
        let n = 3000;
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut x = Array2::<f64>::zeros((n, 7));
        for i in 0..n {
            let c = rng.gen_range(0..6usize); // 5: no category, no flag
            if c < 4 {
                x[[i, c]] = 1.0;
            } else if c == 4 {
                x[[i, 4]] = 1.0; // the flag: only on rows of no category
            }
            x[[i, 5]] = rng.r#gen::<f64>();
            x[[i, 6]] = if rng.gen_bool(0.1) { f64::NAN } else { rng.gen_range(0..20) as f64 };
        }
        let rows: Vec<usize> = (0..n).collect();
        let mapper = BinMapper::fit(x.view(), &rows, 255, 1, &[false; 7]);
        let binned = mapper.transform(x.view(), &rows);
        let bundles = Bundles::find(&binned, &mapper);
        assert!(
            bundles.groups.iter().any(|g| g.members.len() >= 4),
            "one-hot columns bundle: {:?}",
            bundles.of_feature
        );
        let gh: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let signal = if x[[i, 2]] == 1.0 { 0.6 } else { -0.2 } + x[[i, 5]] - 0.5;
                [signal + rng.r#gen::<f64>() - 0.5, 0.25]
            })
            .collect();
        let params = sixteen_leaves();
        let all: Vec<u32> = (0..n as u32).collect();
        let features: Vec<usize> = (0..7).collect();
        let plain = Grower::with_bundles(&binned, &mapper, Bundles::none(7)).grow(&all, &gh, &features, &params);
        let mut grower = Grower::new(&binned, &mapper);
        let bundled = grower.grow(&all, &gh, &features, &params);
        assert_eq!(plain.len(), bundled.len());
        assert!(plain.len() >= 15, "the tree grew: {} nodes", plain.len());
        for (a, b) in plain.iter().zip(&bundled) {
            assert_eq!(a.split, b.split);
            assert_eq!(a.stat.n, b.stat.n);
            assert!((a.stat.g - b.stat.g).abs() < 1e-9 && (a.stat.h - b.stat.h).abs() < 1e-9);
        }
        // A sample of the features (column sampling) with one bundle member listed alone.
        let some = [1, 5, 6];
        let plain = Grower::with_bundles(&binned, &mapper, Bundles::none(7)).grow(&all, &gh, &some, &params);
        let bundled = grower.grow(&all, &gh, &some, &params);
        assert_eq!(
            plain.iter().map(|d| d.split).collect::<Vec<_>>(),
            bundled.iter().map(|d| d.split).collect::<Vec<_>>()
        );
    }

    /// Routing binned rows down a grown tree makes the same decisions as the forest on the raw
    /// values: training rows land in the leaves the grower put them in, and new rows — values
    /// beyond the training range, missing values, a category never seen and a rare one — in the
    /// leaf the forest's own walk reaches. A categorical column (8 codes, one rare) and a numeric
    /// column, both with missing values, 16 leaves; over seeds until categorical nodes have sent
    /// missing and unseen codes both ways.
    #[test]
    fn routing_binned_rows_agrees_with_the_grower_and_the_forest() {
        let mut directions = [0, 0];
        for seed in 0..20 {
            for dl in routing_agrees(seed) {
                directions[usize::from(dl)] += 1;
            }
            if directions.iter().all(|&d| d > 0) {
                return;
            }
        }
        panic!("categorical nodes sending missing codes (right, left): {directions:?}");
    }

    /// One seed of the routing test; the default directions of its categorical nodes.
    fn routing_agrees(seed: u64) -> Vec<bool> {
        let (n, fresh) = (3000, 1000);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = Array2::<f64>::zeros((n + fresh, 3));
        for i in 0..n + fresh {
            let new = i >= n;
            x[[i, 0]] = if new && rng.gen_bool(0.1) {
                9.0 // never seen in training
            } else if rng.gen_bool(0.08) {
                f64::NAN
            } else if rng.gen_bool(0.01) {
                7.0 // rare
            } else {
                rng.gen_range(0..7) as f64
            };
            x[[i, 1]] = if rng.gen_bool(0.15) { f64::NAN } else { rng.r#gen::<f64>() * if new { 1.4 } else { 1.0 } };
            x[[i, 2]] = rng.gen_range(0..30) as f64;
        }
        let rows: Vec<usize> = (0..n).collect();
        let is_cat = [true, false, false];
        let mapper = BinMapper::fit(x.view(), &rows, 255, 1, &is_cat);
        let binned = mapper.transform(x.view(), &rows);
        let gh: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let c = if x[[i, 0]].is_nan() {
                    -0.4
                } else {
                    [0.8, -0.5, 0.3, -0.9, 0.1, 0.6, -0.2, 1.0][x[[i, 0]] as usize]
                };
                let m = if x[[i, 1]].is_nan() { 0.7 } else { x[[i, 1]] - 0.5 };
                [c + m + 0.05 * x[[i, 2]] + rng.r#gen::<f64>() - 0.5, 0.25]
            })
            .collect();
        let params = sixteen_leaves();
        let all: Vec<u32> = (0..n as u32).collect();
        let mut grower = Grower::new(&binned, &mapper);
        let nodes = grower.grow(&all, &gh, &[0, 1, 2], &params);
        assert!(nodes.iter().any(|nd| nd.cats.is_some()), "a categorical split");
        assert!(nodes.iter().any(|nd| nd.split.is_some_and(|(f, _, _)| f == 1)), "a split on the column with NaN");
        let mut scratch = Vec::new();
        // Training rows: the grower's leaves.
        let mut train: Vec<u32> = (0..n as u32).rev().collect();
        let mut reached = vec![usize::MAX; n];
        route_binned(&nodes, &binned, &mapper, &mut train, &mut scratch, |leaf, rs| {
            rs.iter().for_each(|&r| reached[r as usize] = leaf)
        });
        for (id, nd) in nodes.iter().enumerate().filter(|(_, nd)| nd.split.is_none()) {
            for &r in &grower.indices[nd.start..nd.end] {
                assert_eq!(reached[r as usize], id, "training row {r}");
            }
        }
        // New rows: the forest's walk on the values (each leaf's value is its node id).
        let mut forest = crate::models::hist::forest::Forest::new(3);
        let ids: Vec<*const GrownNode> = nodes.iter().map(|nd| nd as *const GrownNode).collect();
        forest.push_tree(&nodes, &mapper, |nd| ids.iter().position(|&q| std::ptr::eq(q, nd)).unwrap_or(0) as f64);
        let new_rows: Vec<usize> = (n..n + fresh).collect();
        let fresh_binned = mapper.transform(x.view(), &new_rows);
        let mut order: Vec<u32> = (0..fresh as u32).collect();
        let mut leaf_of = vec![usize::MAX; fresh];
        route_binned(&nodes, &fresh_binned, &mapper, &mut order, &mut scratch, |leaf, rs| {
            rs.iter().for_each(|&r| leaf_of[r as usize] = leaf)
        });
        let (mut unseen, mut missing) = (0, 0);
        for (k, &i) in new_rows.iter().enumerate() {
            let row = x.row(i).to_vec();
            let mut walked = [0.0];
            forest.predict_block(&row, &mut walked, 0..1);
            assert_eq!(leaf_of[k], walked[0] as usize, "new row {i}: {row:?}");
            unseen += usize::from(row[0] == 9.0);
            missing += usize::from(row[1].is_nan());
        }
        assert!(unseen > 50 && missing > 50, "{unseen} unseen categories, {missing} missing values");
        nodes.iter().filter(|nd| nd.cats.is_some()).filter_map(|nd| nd.split.map(|(_, _, dl)| dl)).collect()
    }
}
