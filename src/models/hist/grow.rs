//! Growing one tree on binned data: best-first (leaf-wise, like LightGBM) under a leaf budget
//! and/or a depth limit. With no leaf budget the result equals depth-wise growth.
//!
//! Rows live in one index array; each node owns a contiguous range of it, split by a stable
//! partition (so row order, and therefore every sum, is the same whatever the thread count).
//! Only the smaller child's histogram is built; the larger one is the parent's minus it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::bins::{BinMapper, BinnedMatrix};
use super::histogram::{self, BinStat, HistLayout};
use super::split::{SplitCandidate, SplitParams, best_split};

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
pub(crate) struct Grower<'a> {
    binned: &'a BinnedMatrix,
    mapper: &'a BinMapper,
    layout: HistLayout,
    /// Row ids, partitioned so that every node's rows are contiguous.
    pub indices: Vec<u32>,
    tmp: Vec<u32>,
    ordered: Vec<[f64; 2]>,
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

impl<'a> Grower<'a> {
    /// A grower for `binned` (bins from `mapper`).
    pub fn new(binned: &'a BinnedMatrix, mapper: &'a BinMapper) -> Grower<'a> {
        let layout = HistLayout::new(mapper);
        let bytes = layout.total().max(1) * std::mem::size_of::<BinStat>();
        Grower {
            binned,
            mapper,
            layout,
            indices: Vec::new(),
            tmp: Vec::new(),
            ordered: Vec::new(),
            free: Vec::new(),
            max_stored: (HIST_BUDGET_BYTES / bytes).max(4),
        }
    }

    fn alloc(&mut self) -> Vec<BinStat> {
        match self.free.pop() {
            Some(mut h) => {
                h.iter_mut().for_each(|s| *s = BinStat::default());
                h
            }
            None => vec![BinStat::default(); self.layout.total()],
        }
    }

    fn release(&mut self, h: Vec<BinStat>) {
        if self.free.len() < 8 {
            self.free.push(h);
        }
    }

    /// Histogram of the rows `start..end` of `indices`.
    fn histogram(&mut self, start: usize, end: usize, gh: &[[f64; 2]], features: &[usize]) -> Vec<BinStat> {
        let mut h = self.alloc();
        let rows = &self.indices[start..end];
        if rows.len() == self.binned.n_rows && start == 0 && rows.iter().enumerate().all(|(k, &r)| r as usize == k) {
            histogram::build_all(&mut h, &self.layout, self.binned, features, gh);
        } else {
            self.ordered.clear();
            self.ordered.extend(rows.iter().map(|&r| gh[r as usize]));
            histogram::build(&mut h, &self.layout, self.binned, features, rows, &self.ordered, true);
        }
        h
    }

    /// Grows one tree on the rows `rows` (ascending ids) with per-row `[gradient, hessian]` pairs
    /// `gh` (indexed by row id), splitting only on `features` (ascending).
    pub fn grow(&mut self, rows: &[u32], gh: &[[f64; 2]], features: &[usize], params: &GrowParams) -> Vec<GrownNode> {
        self.indices.clear();
        self.indices.extend_from_slice(rows);
        let mut root = BinStat::default();
        for &r in rows {
            let v = gh[r as usize];
            root.g += v[0];
            root.h += v[1];
        }
        root.n = rows.len() as u32;
        let mut nodes = vec![GrownNode {
            split: None,
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
            let h = self.histogram(0, rows.len(), gh, features);
            if let Some(c) = best_split(&h, &self.layout, self.mapper, features, root, &params.split) {
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
            nodes[id].children = (l_id, r_id);
            nodes[id].gain = c.gain;
            let left =
                GrownNode { split: None, children: (0, 0), stat: c.left, gain: 0.0, depth: depth + 1, start, end: mid };
            let right = GrownNode { start: mid, end, stat: c.right, ..left };
            nodes.push(left);
            nodes.push(right);
            hists.push(None);
            hists.push(None);
            cands.push(None);
            cands.push(None);
            n_leaves += 1;

            let split_l = self.can_split(&left, params);
            let split_r = self.can_split(&right, params);
            if !split_l && !split_r {
                if let Some(h) = parent_hist {
                    self.release(h);
                }
                continue;
            }
            // Smaller child built directly; larger one by subtraction when the parent's histogram is kept.
            let (small, large) = if c.left.n <= c.right.n { (l_id, r_id) } else { (r_id, l_id) };
            let small_node = nodes[small as usize];
            let large_node = nodes[large as usize];
            let small_hist = self.histogram(small_node.start, small_node.end, gh, features);
            let large_needed = self.can_split(&large_node, params);
            let large_hist = if !large_needed {
                if let Some(h) = parent_hist {
                    self.release(h);
                }
                None
            } else if let Some(mut ph) = parent_hist {
                histogram::subtract(&mut ph, &small_hist, &self.layout, features);
                Some(ph)
            } else {
                Some(self.histogram(large_node.start, large_node.end, gh, features))
            };
            for (child, h) in [(small, Some(small_hist)), (large, large_hist)] {
                let Some(h) = h else { continue };
                let cn = nodes[child as usize];
                let cand = if self.can_split(&cn, params) {
                    best_split(&h, &self.layout, self.mapper, features, cn.stat, &params.split)
                } else {
                    None
                };
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
    fn partition(&mut self, start: usize, end: usize, c: &SplitCandidate) -> usize {
        let col = &self.binned.columns[c.feature];
        let miss = self.mapper.features[c.feature].n_value_bins() as u8;
        let (bin, dl) = (c.bin, c.default_left);
        let slice = &mut self.indices[start..end];
        self.tmp.clear();
        self.tmp.resize(slice.len(), 0);
        // Branch-free: every row is written to both sides and only the matching cursor moves
        // (the side a row goes to is data-dependent, so a branch here mispredicts half the time).
        let (mut w, mut t) = (0usize, 0usize);
        for k in 0..slice.len() {
            let r = slice[k];
            let b = col[r as usize];
            let left = (b <= bin) | ((b == miss) & dl);
            slice[w] = r;
            self.tmp[t] = r;
            w += usize::from(left);
            t += usize::from(!left);
        }
        self.tmp.truncate(t);
        slice[w..].copy_from_slice(&self.tmp);
        w
    }
}

/// The leaf of `nodes` that binned row `row` falls in.
#[inline]
pub(crate) fn leaf_of_binned(nodes: &[GrownNode], binned: &BinnedMatrix, mapper: &BinMapper, row: usize) -> usize {
    let mut id = 0usize;
    while let Some((f, bin, dl)) = nodes[id].split {
        let b = binned.columns[f][row];
        let miss = mapper.features[f].n_value_bins() as u8;
        let left = b <= bin || (b == miss && dl);
        id = if left { nodes[id].children.0 } else { nodes[id].children.1 } as usize;
    }
    id
}
