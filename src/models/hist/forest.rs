//! The fitted trees in one flat, struct-of-arrays layout for fast prediction.
//!
//! All trees' nodes are concatenated; node `k` splits on `feature[k]` at `threshold[k]`
//! (`x <= threshold` goes left, `NaN` follows `default_left[k]`), or, for a categorical split
//! (listed in `categorical`), on a set of category codes ([`CategoricalSplit`]). A leaf points to itself on both
//! sides, so a row can be pushed down a tree a fixed number of steps (the tree's depth) without
//! a branch per level; blocks of rows walk one tree in lock-step, which keeps the tree in cache
//! and lets the CPU overlap the rows' independent loads. Blocks run in parallel. Prediction
//! reads the nodes from a packed array-of-structs copy (one load per step), built on first use.

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bins::BinMapper;
use super::explain::{ShapTree, UntabledShap};
use super::grow::GrownNode;
use crate::error::{Error, Result};

/// Rows per prediction block.
pub(crate) const BLOCK: usize = 64;

/// Trees in struct-of-arrays form. Invariants (checked on deserialisation): all arrays have one
/// entry per node; an internal node's children come after it, within its tree, and every node
/// but a root has exactly one parent (so each tree is a tree, not a graph sharing subtrees);
/// features are below `n_features`; a leaf's children are itself; no tree is deeper than
/// [`super::MAX_TREE_DEPTH`]; covers are finite and ≥ 0, and > 0 on internal nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ForestData")]
pub(crate) struct Forest {
    /// Number of input features.
    pub n_features: usize,
    /// First node of each tree.
    pub roots: Vec<u32>,
    /// Split feature (0 for leaves).
    pub feature: Vec<u32>,
    /// Split threshold: `x <= threshold` goes left.
    pub threshold: Vec<f64>,
    /// Left child (itself for a leaf).
    pub left: Vec<u32>,
    /// Right child (itself for a leaf).
    pub right: Vec<u32>,
    /// Whether missing values go left.
    pub default_left: Vec<bool>,
    /// Output of the node (leaves: the prediction; internal nodes: for inspection).
    pub value: Vec<f64>,
    /// Cover: sum of training hessians reaching the node (sample weights for a single tree).
    pub cover: Vec<f64>,
    /// Split gain (0 for leaves).
    pub gain: Vec<f64>,
    /// The categorical splits, by increasing node (absent from files without any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorical: Vec<CategoricalSplit>,
    /// Per node: index of its categorical split's bitset in `cat_bits`, [`NUMERIC`] for a
    /// threshold split or a leaf (derived).
    #[serde(skip)]
    cat_slot: Vec<u32>,
    /// Bitsets of the categorical splits' codes (derived).
    #[serde(skip)]
    cat_bits: Vec<[u64; 4]>,
    /// Depth of each tree (derived).
    #[serde(skip)]
    pub depths: Vec<u32>,
    /// The prediction-time form, built on first use (derived).
    #[serde(skip)]
    compiled: CompiledCache,
}

/// `cat_slot` of a node without a categorical split.
pub(crate) const NUMERIC: u32 = u32::MAX;

/// Category codes a categorical split can name (codes are bins: at most [`super::MAX_BINS`]).
pub(crate) const MAX_CATEGORY_CODES: u32 = 256;

/// A categorical split of node `node`: rows whose category code is in `categories` go the
/// opposite way of the node's default direction (`default_left`); every other value — the other
/// codes, missing values (`NaN`), and codes the model never saw in training — goes the default
/// way. So a category never seen in training follows the default direction, as missing values
/// do. Codes are increasing and below [`MAX_CATEGORY_CODES`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoricalSplit {
    /// The node (an internal node).
    pub node: u32,
    /// The category codes that do not follow the default direction.
    pub categories: Vec<u32>,
}

/// The split rule of a categorical node: `x` is a category code in the bitset `bits` → the
/// opposite of `default_left`; anything else (another code, `NaN`, a non-integer) → `default_left`.
#[inline(always)]
pub(crate) fn cat_goes_left(x: f64, bits: &[u64; 4], default_left: bool) -> bool {
    let in_range = (x >= 0.0) & (x < f64::from(MAX_CATEGORY_CODES));
    let c = if in_range { x as usize } else { 0 };
    let in_set = in_range & (x == c as f64) & (bits[c >> 6] >> (c & 63) & 1 == 1);
    in_set != default_left
}

/// The split rule of every node: `x <= threshold` goes left; a missing value (`NaN`) goes where
/// the node's learned default sends it.
///
/// Written with non-short-circuit `|` and `&` so that it compiles to flag arithmetic, not
/// branches: callers that take every decision of a tree (TreeSHAP's pattern tables) would
/// otherwise mispredict about half of them.
#[inline(always)]
pub(crate) fn goes_left(x: f64, threshold: f64, default_left: bool) -> bool {
    (x <= threshold) | (x.is_nan() & default_left)
}

/// Lazily built [`Compiled`] form; never part of equality or the serialised model.
#[derive(Debug, Clone, Default)]
struct CompiledCache {
    predictor: std::sync::OnceLock<Compiled>,
    /// Fast TreeSHAP tables, per tree (`None`: that tree uses the recursion or Linear TreeSHAP).
    shap: std::sync::OnceLock<Vec<Option<ShapTree>>>,
    /// Per tree without tables, which of those and its cost (`None` for a tree with tables).
    untabled: std::sync::OnceLock<Vec<Option<UntabledShap>>>,
}

impl PartialEq for CompiledCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A node packed into 16 bytes (four per cache line): one load brings everything a step needs
/// (the struct-of-arrays form above costs five scattered loads per step). Siblings are stored
/// side by side, so the right child is `left + 1` and a step is `left + (went right)`.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct PackedNode {
    /// `x <= threshold` goes left (`+∞` on leaves, so every value "goes left" to itself).
    threshold: f64,
    /// Split feature in the low 31 bits; the top bit set when missing values go left.
    feature: u32,
    /// Left child (leaves: the node itself).
    left: u32,
}

const MISSING_LEFT: u32 = 1 << 31;
/// Set in [`PackedNode::feature`] for a categorical split, whose `threshold` then holds the
/// index of its bitset in [`Forest::cat_bits`].
const CATEGORICAL: u32 = 1 << 30;

/// The forest's nodes packed for prediction (derived from the arrays on first use), each tree
/// renumbered breadth-first so that siblings are adjacent; `value` in the same numbering.
#[derive(Debug, Clone)]
struct PackedWalk {
    nodes: Vec<PackedNode>,
    value: Vec<f64>,
    roots: Vec<u32>,
}

/// The prediction-time form, fastest first: leaf-mask tables when every tree has at most 64
/// leaves and the tables fit [`MASK_TABLE_BUDGET`]; else QuickScorer when every tree has at most
/// 64 leaves; else the walk. Masks are the narrowest word that holds every tree's leaves: the
/// tables' work per row is one AND per tree and feature the row fails a split of, so 8-leaf
/// trees (our default) in bytes do a quarter of the work, and read a quarter of the memory, of
/// 32-bit words.
#[derive(Debug, Clone)]
enum Compiled {
    Table8(MaskTable<u8>),
    Table16(MaskTable<u16>),
    Table32(MaskTable<u32>),
    Table64(MaskTable<u64>),
    QuickScorer32(QuickScorer<u32>),
    QuickScorer64(QuickScorer<u64>),
    Walk(PackedWalk),
}

impl Compiled {
    fn build(forest: &Forest) -> Compiled {
        // The leaf-mask forms compare thresholds only; categorical splits take the walk.
        if forest.has_categorical() {
            return Compiled::Walk(PackedWalk::build(forest));
        }
        // Leaves of the largest tree (a binary tree of k nodes has (k + 1) / 2): picks the one
        // narrow mask width worth trying. A table too large in bytes is larger still in wider
        // words, so a failed narrow table goes straight to the 32-bit forms.
        let leaves = (0..forest.n_trees()).map(|t| forest.tree_range(t).len().div_ceil(2)).max().unwrap_or(0);
        let narrow = match leaves {
            0..=8 => QuickScorer::<u8>::build(forest).and_then(|qs| MaskTable::build(&qs)).map(Compiled::Table8),
            9..=16 => QuickScorer::<u16>::build(forest).and_then(|qs| MaskTable::build(&qs)).map(Compiled::Table16),
            _ => None,
        };
        if let Some(t) = narrow {
            return t;
        }
        if let Some(qs) = QuickScorer::<u32>::build(forest) {
            return match MaskTable::build(&qs) {
                Some(t) => Compiled::Table32(t),
                None => Compiled::QuickScorer32(qs),
            };
        }
        match QuickScorer::<u64>::build(forest) {
            Some(qs) => match MaskTable::build(&qs) {
                Some(t) => Compiled::Table64(t),
                None => Compiled::QuickScorer64(qs),
            },
            None => Compiled::Walk(PackedWalk::build(forest)),
        }
    }

    /// Adds the output of every tree to `out` for a row-major block of at most [`BLOCK`] rows.
    fn predict_rows(&self, forest: &Forest, rows: &[f64], p: usize, out: &mut [f64]) {
        match self {
            Compiled::Table8(t) => t.predict_rows::<{ CHUNK_BYTES }>(rows, p, out),
            Compiled::Table16(t) => t.predict_rows::<{ CHUNK_BYTES / 2 }>(rows, p, out),
            Compiled::Table32(t) => t.predict_rows::<{ CHUNK_BYTES / 4 }>(rows, p, out),
            Compiled::Table64(t) => t.predict_rows::<{ CHUNK_BYTES / 8 }>(rows, p, out),
            Compiled::QuickScorer32(qs) => qs.predict_rows(rows, p, out),
            Compiled::QuickScorer64(qs) => qs.predict_rows(rows, p, out),
            Compiled::Walk(walk) => walk.predict_rows(forest, rows, p, out),
        }
    }
}

/// One split of the QuickScorer form: when a value is above `threshold`, the split sends it
/// right, and `mask` clears the tree's leaves left of it.
#[derive(Debug, Clone, Copy)]
struct QsEntry<M> {
    threshold: f64,
    tree: u32,
    mask: M,
}

/// A tree's leaves as bits: `u8` for trees of up to 8 leaves, … `u64` up to 64.
trait LeafMask: Copy + std::fmt::Debug + std::ops::BitAndAssign + std::ops::Not<Output = Self> {
    const BITS: usize;
    const ALL: Self;
    /// The bits `lo..lo + width` set (`lo + width <= BITS`).
    fn range(lo: usize, width: usize) -> Self;
    fn lowest(self) -> usize;
}

macro_rules! leaf_mask {
    ($t:ty) => {
        impl LeafMask for $t {
            const BITS: usize = <$t>::BITS as usize;
            const ALL: $t = <$t>::MAX;
            fn range(lo: usize, width: usize) -> $t {
                (if width >= <Self as LeafMask>::BITS { <$t>::MAX } else { (1 << width) - 1 }) << lo
            }
            #[inline(always)]
            fn lowest(self) -> usize {
                self.trailing_zeros() as usize
            }
        }
    };
}
leaf_mask!(u8);
leaf_mask!(u16);
leaf_mask!(u32);
leaf_mask!(u64);

/// QuickScorer (Lucchese et al., SIGIR 2015): every tree's leaves are numbered left to right
/// as bits of a 32- or 64-bit word. Feature by feature, the splits whose threshold is below the row's
/// value (sorted, so a scan that stops at the first one above) clear the leaves their left
/// subtree holds; each tree's exit leaf is then its lowest remaining bit. A row costs one pass
/// over the splits it fails, with no dependent loads from node to node — the lock-step walk
/// visits every level down to each tree's deepest leaf.
#[derive(Debug, Clone)]
struct QuickScorer<M> {
    /// `entries[feature_start[f]..feature_start[f + 1]]`: feature `f`'s splits by threshold.
    feature_start: Vec<usize>,
    entries: Vec<QsEntry<M>>,
    /// Same layout: the splits that send a missing value right.
    missing_start: Vec<usize>,
    missing: Vec<QsEntry<M>>,
    /// Leaf values, tree by tree in left-to-right order; `leaf_start[t]` is tree t's first.
    leaf_value: Vec<f64>,
    leaf_start: Vec<usize>,
}

impl<M: LeafMask> QuickScorer<M> {
    fn build(forest: &Forest) -> Option<QuickScorer<M>> {
        let p = forest.n_features;
        let mut by_feature: Vec<Vec<QsEntry<M>>> = vec![Vec::new(); p];
        let mut missing: Vec<Vec<QsEntry<M>>> = vec![Vec::new(); p];
        let mut leaf_value = Vec::new();
        let mut leaf_start = Vec::with_capacity(forest.n_trees());
        for t in 0..forest.n_trees() {
            let first = leaf_value.len();
            leaf_start.push(first);
            // In-order walk: leaves get consecutive numbers left to right; each internal node
            // learns the range of leaf numbers its left subtree covers.
            let mut left_range: Vec<(usize, usize, usize)> = Vec::new(); // (node, lo, hi)
            let mut stack = vec![(forest.roots[t] as usize, false)];
            let mut open: Vec<(usize, usize)> = Vec::new(); // (node, lo) awaiting hi
            let mut seen = vec![false; forest.tree_range(t).len()];
            let base = forest.roots[t] as usize;
            while let Some((k, expanded)) = stack.pop() {
                if !expanded {
                    // A hand-edited file may share a subtree between two parents; the leaf
                    // numbering needs a tree, so such forests keep the lock-step walk.
                    if std::mem::replace(&mut seen[k - base], true) {
                        return None;
                    }
                }
                if forest.is_leaf(k) {
                    leaf_value.push(forest.value[k]);
                    continue;
                }
                if expanded {
                    // Left subtree done: its leaves are [lo, now).
                    let (node, lo) = open.pop()?;
                    left_range.push((node, lo, leaf_value.len() - first));
                    stack.push((forest.right[k] as usize, false));
                } else {
                    open.push((k, leaf_value.len() - first));
                    stack.push((k, true));
                    stack.push((forest.left[k] as usize, false));
                }
            }
            if leaf_value.len() - first > M::BITS {
                return None;
            }
            for (k, lo, hi) in left_range {
                let e = QsEntry { threshold: forest.threshold[k], tree: t as u32, mask: !M::range(lo, hi - lo) };
                let f = forest.feature[k] as usize;
                by_feature[f].push(e);
                if !forest.default_left[k] {
                    missing[f].push(e);
                }
            }
        }
        let flatten = |lists: Vec<Vec<QsEntry<M>>>| {
            let mut start = vec![0];
            let mut all = Vec::new();
            for mut l in lists {
                l.sort_by(|a, b| a.threshold.total_cmp(&b.threshold));
                all.extend(l);
                start.push(all.len());
            }
            (start, all)
        };
        let (feature_start, entries) = flatten(by_feature);
        let (missing_start, missing) = flatten(missing);
        Some(QuickScorer { feature_start, entries, missing_start, missing, leaf_value, leaf_start })
    }

    /// Adds every tree's output to `out` for a row-major block of rows.
    fn predict_rows(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        let mut masks = vec![M::ALL; self.leaf_start.len()];
        for (o, row) in out.iter_mut().zip(rows.chunks_exact(p)) {
            masks.fill(M::ALL);
            for (f, &x) in row.iter().enumerate() {
                if x.is_nan() {
                    for e in &self.missing[self.missing_start[f]..self.missing_start[f + 1]] {
                        masks[e.tree as usize] &= e.mask;
                    }
                    continue;
                }
                for e in &self.entries[self.feature_start[f]..self.feature_start[f + 1]] {
                    if x <= e.threshold {
                        break;
                    }
                    masks[e.tree as usize] &= e.mask;
                }
            }
            for (&m, &start) in masks.iter().zip(&self.leaf_start) {
                // A tree's exit leaf always keeps its bit (QuickScorer's invariant).
                *o += self.leaf_value.get(start + m.lowest()).copied().unwrap_or(f64::NAN);
            }
        }
    }
}

/// Largest leaf-mask tables built (bytes); larger forests use QuickScorer.
const MASK_TABLE_BUDGET: usize = 8 << 20;

/// Bytes of masks a [`MaskTable`] ANDs at once: four 128-bit registers of accumulators.
const CHUNK_BYTES: usize = 64;

/// QuickScorer precomputed per threshold (our variant of it): for a feature, the splits a value
/// fails are those with a threshold below it, so the state of every tree's leaf mask after that
/// feature depends only on how many of the feature's distinct thresholds lie below the value.
/// One table row per such count (and one for a missing value) holds all trees' masks; a row
/// costs a binary search per feature and, per chunk of trees, one AND per feature it fails a
/// split of, into accumulators that stay in registers — instead of QuickScorer's scattered
/// update per failed split. The exit leaf and the summation order are QuickScorer's, so the
/// sums are the same bit for bit.
///
/// The table is stored chunk by chunk ([`CHUNK_BYTES`] of masks: 8 trees of 64 leaves, 64 trees
/// of 8), every table row's slice of the chunk's trees together, so that one chunk's reads stay
/// in a small region of memory. Measured (`examples/gbdt_vs_lightgbm.rs`, one thread, 100 trees
/// of 31 leaves): on the simulator's 103k observations × 70 columns 0.90 M rows/s with whole
/// table rows ANDed into memory feature after feature (a branch skipping counts of zero) →
/// 1.18–1.19 M this way; Telco 1.69 M → 2.02 M; chunks of 32 or 128 bytes were slower (1.09 M,
/// 1.15 M).
#[derive(Debug, Clone)]
struct MaskTable<M> {
    /// Trees (`leaf_start.len()`) rounded up to whole chunks; the padding trees' masks are all ones.
    padded: usize,
    /// Table rows (all features').
    n_rows: usize,
    /// Features some tree splits on.
    features: Vec<TableFeature>,
    /// Distinct thresholds, ascending, feature after feature.
    thresholds: Vec<f64>,
    /// Chunk after chunk: `n_rows` rows of one chunk's masks each.
    masks: Vec<M>,
    leaf_value: Vec<f64>,
    leaf_start: Vec<usize>,
}

/// A feature's slice of a [`MaskTable`].
#[derive(Debug, Clone, Copy)]
struct TableFeature {
    feature: usize,
    /// `thresholds[lo..hi]`.
    lo: usize,
    hi: usize,
    /// First table row: rows `first..=first + (hi - lo)` by count below, then the missing row.
    first: usize,
}

impl<M: LeafMask> MaskTable<M> {
    /// Masks per chunk.
    const CHUNK: usize = CHUNK_BYTES / std::mem::size_of::<M>();

    fn build(qs: &QuickScorer<M>) -> Option<MaskTable<M>> {
        let n_trees = qs.leaf_start.len();
        let p = qs.feature_start.len() - 1;
        if n_trees == 0 {
            return None;
        }
        let padded = n_trees.div_ceil(Self::CHUNK) * Self::CHUNK;
        let mut n_rows = 0usize;
        for f in 0..p {
            let e = &qs.entries[qs.feature_start[f]..qs.feature_start[f + 1]];
            if !e.is_empty() {
                n_rows += e.len() + 2;
            }
        }
        if n_rows.saturating_mul(padded).saturating_mul(std::mem::size_of::<M>()) > MASK_TABLE_BUDGET {
            return None;
        }
        // Built row-major (a row of `padded` masks per count), then stored chunk by chunk.
        let mut rows: Vec<M> = Vec::with_capacity(n_rows * padded);
        let mut features = Vec::new();
        let mut thresholds = Vec::new();
        for f in 0..p {
            let entries = &qs.entries[qs.feature_start[f]..qs.feature_start[f + 1]];
            if entries.is_empty() {
                continue;
            }
            let lo = thresholds.len();
            let first = rows.len() / padded;
            let mut state = vec![M::ALL; padded];
            rows.extend_from_slice(&state);
            let mut k = 0;
            while k < entries.len() {
                let th = entries[k].threshold;
                while k < entries.len() && entries[k].threshold.total_cmp(&th).is_eq() {
                    state[entries[k].tree as usize] &= entries[k].mask;
                    k += 1;
                }
                thresholds.push(th);
                rows.extend_from_slice(&state);
            }
            let mut missing = vec![M::ALL; padded];
            for e in &qs.missing[qs.missing_start[f]..qs.missing_start[f + 1]] {
                missing[e.tree as usize] &= e.mask;
            }
            rows.extend_from_slice(&missing);
            features.push(TableFeature { feature: f, lo, hi: thresholds.len(), first });
        }
        let n_rows = rows.len() / padded;
        let mut masks = Vec::with_capacity(rows.len());
        for c in (0..padded).step_by(Self::CHUNK) {
            for row in rows.chunks_exact(padded) {
                masks.extend_from_slice(&row[c..c + Self::CHUNK]);
            }
        }
        Some(MaskTable {
            padded,
            n_rows,
            features,
            thresholds,
            masks,
            leaf_value: qs.leaf_value.clone(),
            leaf_start: qs.leaf_start.clone(),
        })
    }

    /// Adds every tree's output to `out` for a row-major block of rows. `W` is
    /// [`MaskTable::CHUNK`] (a const parameter so that the accumulators are an array the
    /// compiler keeps in registers).
    ///
    /// Rows go in groups of [`TABLE_ROWS`]: first, feature by feature, every row's table row
    /// (the group's binary searches are independent of each other, so the processor overlaps
    /// them), keeping only the rows that clear some leaf (a count of zero fails no split) —
    /// without a branch; then, chunk by chunk, each row's masks; then the leaf values.
    fn predict_rows<const W: usize>(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        debug_assert_eq!(W, Self::CHUNK);
        let n_features = self.features.len();
        // Each row's table rows, `n_features + 1` slots (the last one written and not kept).
        let stride = n_features + 1;
        let mut picked = vec![0u32; stride * TABLE_ROWS];
        let mut masks = vec![M::ALL; self.padded * TABLE_ROWS];
        for (outs, group) in out.chunks_mut(TABLE_ROWS).zip(rows.chunks(TABLE_ROWS * p)) {
            let g = outs.len();
            let mut kept = [0usize; TABLE_ROWS];
            for tf in &self.features {
                let th = &self.thresholds[tf.lo..tf.hi];
                for (r, row) in group.chunks_exact(p).enumerate() {
                    let x = row[tf.feature];
                    // Thresholds below x: the splits x fails (x > threshold sends it right).
                    let k = if x.is_nan() { th.len() + 1 } else { th.partition_point(|&t| t < x) };
                    picked[r * stride + kept[r]] = (tf.first + k) as u32;
                    kept[r] += usize::from(k != 0);
                }
            }
            // `padded / W` chunks (not `chunks_exact`: a forest of single leaves has no rows).
            for c in 0..self.padded / W {
                let table = &self.masks[c * self.n_rows * W..(c + 1) * self.n_rows * W];
                for r in 0..g {
                    let mut acc = [M::ALL; W];
                    for &row in &picked[r * stride..r * stride + kept[r]] {
                        let a = row as usize * W;
                        for (acc, &m) in acc.iter_mut().zip(&table[a..a + W]) {
                            *acc &= m;
                        }
                    }
                    masks[r * self.padded + c * W..][..W].copy_from_slice(&acc);
                }
            }
            // Tree by tree across the group's rows, in registers: each row still adds its trees
            // in order starting from its value in `out` (the same sum, bit for bit), but the
            // rows' addition chains overlap instead of each waiting on its previous addition.
            let mut acc = [0.0f64; TABLE_ROWS];
            acc[..g].copy_from_slice(outs);
            for (t, &start) in self.leaf_start.iter().enumerate() {
                for (r, acc) in acc.iter_mut().enumerate().take(g) {
                    // A tree's exit leaf always keeps its bit (QuickScorer's invariant).
                    *acc +=
                        self.leaf_value.get(start + masks[r * self.padded + t].lowest()).copied().unwrap_or(f64::NAN);
                }
            }
            outs.copy_from_slice(&acc[..g]);
        }
    }
}

/// Rows a [`MaskTable`] scores together.
const TABLE_ROWS: usize = 8;

impl PackedWalk {
    fn build(forest: &Forest) -> PackedWalk {
        let mut nodes = Vec::with_capacity(forest.n_nodes());
        let mut value = Vec::with_capacity(forest.n_nodes());
        let mut roots = Vec::with_capacity(forest.n_trees());
        let mut queue = std::collections::VecDeque::new();
        for t in 0..forest.n_trees() {
            let root = forest.roots[t] as usize;
            roots.push(nodes.len() as u32);
            // Old ids in breadth-first order; a node's children get the next two free ids.
            queue.clear();
            queue.push_back(root);
            let mut next_free = nodes.len() as u32 + 1;
            while let Some(k) = queue.pop_front() {
                let me = nodes.len() as u32;
                value.push(forest.value[k]);
                if forest.is_leaf(k) {
                    nodes.push(PackedNode { threshold: f64::INFINITY, feature: MISSING_LEFT, left: me });
                } else {
                    let dl = if forest.default_left[k] { MISSING_LEFT } else { 0 };
                    let (threshold, cat) = match forest.cat_slot[k] {
                        NUMERIC => (forest.threshold[k], 0),
                        slot => (f64::from(slot), CATEGORICAL),
                    };
                    nodes.push(PackedNode { threshold, feature: forest.feature[k] | dl | cat, left: next_free });
                    next_free += 2;
                    queue.push_back(forest.left[k] as usize);
                    queue.push_back(forest.right[k] as usize);
                }
            }
        }
        PackedWalk { nodes, value, roots }
    }

    /// Adds the output of every tree to `out` for a row-major block of at most [`BLOCK`] rows
    /// (64 rows × 30 features of f64 stay in L1 while every tree walks them in lock-step).
    fn predict_rows(&self, forest: &Forest, rows: &[f64], p: usize, out: &mut [f64]) {
        if forest.has_categorical() {
            return self.predict_rows_categorical(forest, rows, p, out);
        }
        let m = out.len();
        let mut idx = [0u32; BLOCK];
        for (t, &root) in self.roots.iter().enumerate() {
            idx[..m].fill(root);
            for _ in 0..forest.depths[t] {
                for (i, node) in idx[..m].iter_mut().enumerate() {
                    let nd = &self.nodes[*node as usize];
                    let x = rows[i * p + (nd.feature & !MISSING_LEFT) as usize];
                    let go_left = (x <= nd.threshold) | (x.is_nan() & (nd.feature & MISSING_LEFT != 0));
                    *node = nd.left + u32::from(!go_left);
                }
            }
            for (o, &k) in out.iter_mut().zip(&idx[..m]) {
                *o += self.value[k as usize];
            }
        }
    }
}

impl PackedWalk {
    /// [`PackedWalk::predict_rows`] for forests with categorical splits (a separate loop, so
    /// that forests without them keep the branch-free step).
    fn predict_rows_categorical(&self, forest: &Forest, rows: &[f64], p: usize, out: &mut [f64]) {
        let m = out.len();
        let mut idx = [0u32; BLOCK];
        for (t, &root) in self.roots.iter().enumerate() {
            idx[..m].fill(root);
            for _ in 0..forest.depths[t] {
                for (i, node) in idx[..m].iter_mut().enumerate() {
                    let nd = &self.nodes[*node as usize];
                    let x = rows[i * p + (nd.feature & !(MISSING_LEFT | CATEGORICAL)) as usize];
                    let dl = nd.feature & MISSING_LEFT != 0;
                    let go_left = if nd.feature & CATEGORICAL != 0 {
                        cat_goes_left(x, &forest.cat_bits[nd.threshold as usize], dl)
                    } else {
                        goes_left(x, nd.threshold, dl)
                    };
                    *node = nd.left + u32::from(!go_left);
                }
            }
            for (o, &k) in out.iter_mut().zip(&idx[..m]) {
                *o += self.value[k as usize];
            }
        }
    }
}

/// The serialised form, validated into a [`Forest`].
#[derive(Deserialize)]
struct ForestData {
    n_features: usize,
    roots: Vec<u32>,
    feature: Vec<u32>,
    threshold: Vec<f64>,
    left: Vec<u32>,
    right: Vec<u32>,
    default_left: Vec<bool>,
    value: Vec<f64>,
    cover: Vec<f64>,
    gain: Vec<f64>,
    #[serde(default)]
    categorical: Vec<CategoricalSplit>,
}

impl TryFrom<ForestData> for Forest {
    type Error = String;
    fn try_from(d: ForestData) -> std::result::Result<Forest, String> {
        let mut f = Forest {
            n_features: d.n_features,
            roots: d.roots,
            feature: d.feature,
            threshold: d.threshold,
            left: d.left,
            right: d.right,
            default_left: d.default_left,
            value: d.value,
            cover: d.cover,
            gain: d.gain,
            categorical: d.categorical,
            cat_slot: Vec::new(),
            cat_bits: Vec::new(),
            depths: Vec::new(),
            compiled: CompiledCache::default(),
        };
        f.validate()?;
        Ok(f)
    }
}

impl Forest {
    /// An empty forest over `n_features` inputs.
    pub fn new(n_features: usize) -> Forest {
        Forest {
            n_features,
            roots: Vec::new(),
            feature: Vec::new(),
            threshold: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            default_left: Vec::new(),
            value: Vec::new(),
            cover: Vec::new(),
            gain: Vec::new(),
            categorical: Vec::new(),
            cat_slot: Vec::new(),
            cat_bits: Vec::new(),
            depths: Vec::new(),
            compiled: CompiledCache::default(),
        }
    }

    /// Whether internal node `k` sends `row` left ([`goes_left`]).
    #[inline(always)]
    pub(crate) fn row_goes_left(&self, k: usize, row: &[f64]) -> bool {
        let x = row[self.feature[k] as usize];
        match self.cat_slot[k] {
            NUMERIC => goes_left(x, self.threshold[k], self.default_left[k]),
            s => cat_goes_left(x, &self.cat_bits[s as usize], self.default_left[k]),
        }
    }

    /// Whether node `k` is a categorical split.
    #[inline]
    pub fn is_categorical(&self, k: usize) -> bool {
        self.cat_slot[k] != NUMERIC
    }

    /// The category codes of node `k`'s categorical split that do not follow its default
    /// direction ([`CategoricalSplit`]); `None` for a threshold split or a leaf.
    pub fn categories_of(&self, k: usize) -> Option<&[u32]> {
        match self.cat_slot[k] {
            NUMERIC => None,
            _ => {
                let at = self.categorical.binary_search_by_key(&(k as u32), |c| c.node).ok()?;
                Some(&self.categorical[at].categories)
            }
        }
    }

    /// Whether some node is a categorical split.
    pub fn has_categorical(&self) -> bool {
        !self.categorical.is_empty()
    }

    /// Adds a categorical split to the derived lookups.
    fn index_categorical(&mut self, c: usize) {
        let cs = &self.categorical[c];
        let mut bits = [0u64; 4];
        for &code in &cs.categories {
            bits[(code >> 6) as usize] |= 1 << (code & 63);
        }
        self.cat_slot[cs.node as usize] = self.cat_bits.len() as u32;
        self.cat_bits.push(bits);
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.feature.len()
    }

    /// Node range of tree `t`.
    pub fn tree_range(&self, t: usize) -> std::ops::Range<usize> {
        let start = self.roots[t] as usize;
        let end = self.roots.get(t + 1).map_or(self.n_nodes(), |&r| r as usize);
        start..end
    }

    /// Whether node `k` is a leaf.
    #[inline]
    pub fn is_leaf(&self, k: usize) -> bool {
        self.left[k] as usize == k
    }

    /// Appends a grown tree. `value(node)` gives each node's output (leaf values are predictions).
    /// Thresholds come from the bin bounds; an infinite bound becomes `f64::MAX` (inputs are finite).
    pub fn push_tree(&mut self, nodes: &[GrownNode], mapper: &BinMapper, value: impl Fn(&GrownNode) -> f64) {
        self.compiled = CompiledCache::default();
        let base = self.n_nodes() as u32;
        self.roots.push(base);
        let mut depth = 0;
        for (k, n) in nodes.iter().enumerate() {
            depth = depth.max(n.depth);
            self.value.push(value(n));
            self.cover.push(n.stat.h);
            self.gain.push(n.gain);
            self.cat_slot.push(NUMERIC);
            match n.split {
                Some((f, _, dl)) if n.cats.is_some() => {
                    let set = n.cats.unwrap_or_default();
                    let nvb = mapper.features[f].n_value_bins();
                    // Codes that do not follow the default direction: the others (rare or
                    // absent in the node, never seen, missing) take it at prediction time.
                    let categories = (0..nvb as u8).filter(|&b| set.contains(b) != dl).map(u32::from).collect();
                    self.categorical.push(CategoricalSplit { node: base + k as u32, categories });
                    self.index_categorical(self.categorical.len() - 1);
                    self.feature.push(f as u32);
                    self.threshold.push(0.0);
                    self.default_left.push(dl);
                    self.left.push(base + n.children.0);
                    self.right.push(base + n.children.1);
                }
                Some((f, bin, dl)) => {
                    let t = mapper.features[f].upper[bin as usize];
                    self.feature.push(f as u32);
                    self.threshold.push(if t.is_finite() { t } else { f64::MAX });
                    self.default_left.push(dl);
                    self.left.push(base + n.children.0);
                    self.right.push(base + n.children.1);
                }
                None => {
                    let me = base + k as u32;
                    self.feature.push(0);
                    self.threshold.push(0.0);
                    self.default_left.push(false);
                    self.left.push(me);
                    self.right.push(me);
                }
            }
        }
        self.depths.push(depth);
    }

    /// Appends every tree of `other` (over the same features) with its node values multiplied by
    /// `scale` (covers and gains unchanged): the trees of an average of models.
    pub fn append_scaled(&mut self, other: &Forest, scale: f64) {
        debug_assert_eq!(self.n_features, other.n_features);
        self.compiled = CompiledCache::default();
        let base = self.n_nodes() as u32;
        self.roots.extend(other.roots.iter().map(|r| r + base));
        self.depths.extend_from_slice(&other.depths);
        self.feature.extend_from_slice(&other.feature);
        self.threshold.extend_from_slice(&other.threshold);
        self.left.extend(other.left.iter().map(|c| c + base));
        self.right.extend(other.right.iter().map(|c| c + base));
        self.default_left.extend_from_slice(&other.default_left);
        self.value.extend(other.value.iter().map(|v| v * scale));
        self.cover.extend_from_slice(&other.cover);
        self.gain.extend_from_slice(&other.gain);
        self.cat_slot.extend(std::iter::repeat_n(NUMERIC, other.cat_slot.len()));
        for c in &other.categorical {
            self.categorical.push(CategoricalSplit { node: c.node + base, categories: c.categories.clone() });
            self.index_categorical(self.categorical.len() - 1);
        }
    }

    /// Keeps the first `n` trees.
    pub fn truncate(&mut self, n: usize) {
        if n >= self.n_trees() {
            return;
        }
        self.compiled = CompiledCache::default();
        let end = self.roots[n] as usize;
        self.roots.truncate(n);
        self.depths.truncate(n);
        self.feature.truncate(end);
        self.threshold.truncate(end);
        self.left.truncate(end);
        self.right.truncate(end);
        self.default_left.truncate(end);
        self.value.truncate(end);
        self.cover.truncate(end);
        self.gain.truncate(end);
        self.cat_slot.truncate(end);
        let kept = self.categorical.partition_point(|c| (c.node as usize) < end);
        self.categorical.truncate(kept);
        self.cat_bits.truncate(kept);
    }

    /// Checks the invariants and derives the depths.
    fn validate(&mut self) -> std::result::Result<(), String> {
        let n = self.feature.len();
        let lens = [
            self.threshold.len(),
            self.left.len(),
            self.right.len(),
            self.default_left.len(),
            self.value.len(),
            self.cover.len(),
            self.gain.len(),
        ];
        if self.n_features >= CATEGORICAL as usize {
            return Err(format!("{} features is more than the packed predictor supports", self.n_features));
        }
        if lens.iter().any(|&l| l != n) {
            return Err(format!("forest arrays have different lengths ({n} nodes, {lens:?})"));
        }
        if self.roots.windows(2).any(|w| w[0] >= w[1]) || self.roots.first().is_some_and(|&r| r != 0) {
            return Err("tree roots must start at 0 and increase".into());
        }
        if self.roots.last().is_some_and(|&r| r as usize >= n) || (self.roots.is_empty() && n > 0) {
            return Err("tree roots out of range".into());
        }
        self.depths.clear();
        for t in 0..self.roots.len() {
            let r = self.tree_range(t);
            let mut depth = vec![0u32; r.len()];
            let mut parents = vec![0u8; r.len()];
            for k in r.clone() {
                if !self.value[k].is_finite() || !self.cover[k].is_finite() || self.threshold[k].is_nan() {
                    return Err(format!("node {k}: non-finite value, cover or threshold"));
                }
                if self.cover[k] < 0.0 || !self.gain[k].is_finite() {
                    return Err(format!("node {k}: negative cover {} or non-finite gain", self.cover[k]));
                }
                if k != r.start && parents[k - r.start] != 1 {
                    // Children come after their parent, so every parent of k has been seen.
                    return Err(format!(
                        "node {k} of tree {t} has {} parents: every node but the root needs exactly one",
                        parents[k - r.start]
                    ));
                }
                // Leaves too: the branch-free predictor keeps reading a leaf's feature once a row
                // has reached it (found by the `model_file` fuzz target).
                if self.feature[k] as usize >= self.n_features {
                    return Err(format!("node {k}: feature {} out of range", self.feature[k]));
                }
                let (l, rr) = (self.left[k] as usize, self.right[k] as usize);
                if l == k && rr == k {
                    continue;
                }
                if l <= k || rr <= k || l >= r.end || rr >= r.end {
                    return Err(format!("node {k}: children ({l}, {rr}) must follow it within its tree"));
                }
                if self.cover[k] <= 0.0 {
                    return Err(format!("node {k}: an internal node needs a positive cover, not {}", self.cover[k]));
                }
                let d = depth[k - r.start] + 1;
                if d as usize > super::MAX_TREE_DEPTH {
                    return Err(format!(
                        "tree {t} is deeper than {} levels (node {k} has children at depth {d})",
                        super::MAX_TREE_DEPTH
                    ));
                }
                for c in [l, rr] {
                    depth[c - r.start] = d;
                    parents[c - r.start] = parents[c - r.start].saturating_add(1);
                }
            }
            self.depths.push(depth.into_iter().max().unwrap_or(0));
        }
        self.cat_slot = vec![NUMERIC; n];
        self.cat_bits.clear();
        for c in 0..self.categorical.len() {
            let cs = &self.categorical[c];
            let k = cs.node as usize;
            if c > 0 && self.categorical[c - 1].node >= cs.node {
                return Err("categorical splits must be listed by increasing node".into());
            }
            if k >= n || self.is_leaf(k) {
                return Err(format!("categorical split on node {k}, which is not an internal node"));
            }
            if cs.categories.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("node {k}: category codes must increase"));
            }
            if let Some(&code) = cs.categories.iter().find(|&&c| c >= MAX_CATEGORY_CODES) {
                return Err(format!("node {k}: category code {code} is not below {MAX_CATEGORY_CODES}"));
            }
            self.index_categorical(c);
        }
        Ok(())
    }

    /// The Fast TreeSHAP tables, built on first use.
    pub(crate) fn shap_tables(&self) -> &[Option<ShapTree>] {
        self.compiled.shap.get_or_init(|| ShapTree::build_all(self))
    }

    /// How each tree without tables is explained, built on first use.
    pub(crate) fn untabled_shap(&self) -> &[Option<UntabledShap>] {
        self.compiled.untabled.get_or_init(|| self.untabled_shap_all())
    }

    /// Which predictor the forest compiles to (for tests).
    #[cfg(test)]
    pub(crate) fn compiled_kind(&self) -> &'static str {
        match self.compiled.predictor.get_or_init(|| Compiled::build(self)) {
            Compiled::Table8(_) => "table8",
            Compiled::Table16(_) => "table16",
            Compiled::Table32(_) => "table32",
            Compiled::Table64(_) => "table64",
            Compiled::QuickScorer32(_) => "quickscorer32",
            Compiled::QuickScorer64(_) => "quickscorer64",
            Compiled::Walk(_) => "walk",
        }
    }

    /// Adds every tree's output for each row of `x` to `out` (checked: width, no ±∞).
    pub fn add_raw(&self, x: ArrayView2<f64>, out: &mut [f64]) -> Result<()> {
        let p = self.n_features;
        if x.ncols() != p {
            return Err(Error::FeatureMismatch {
                reason: format!("the model was fitted on {p} features, the input has {}", x.ncols()),
            });
        }
        if p == 0 {
            return Ok(());
        }
        let compiled = self.compiled.predictor.get_or_init(|| Compiled::build(self));
        let x = match x.to_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(x.as_standard_layout().iter().copied().collect()),
        };
        let data: &[f64] = &x;
        // Blocks report their first infinite value; the earliest one is the error.
        let bad = data
            .par_chunks(BLOCK * p)
            .zip(out.par_chunks_mut(BLOCK))
            .enumerate()
            .map(|(b, (rows, out))| {
                // An OR over the block (vectorised) before looking for where: `position` alone
                // checks one value at a time.
                if rows.iter().fold(false, |any, v| any | v.is_infinite()) {
                    let at = rows.iter().position(|v| v.is_infinite()).unwrap_or(0);
                    return Some((b * BLOCK + at / p, at % p));
                }
                compiled.predict_rows(self, rows, p, out);
                None
            })
            .flatten()
            .min();
        if let Some((i, j)) = bad {
            return Err(Error::NonFinite {
                context: format!("prediction input, feature column {j} (NaN means missing; ±inf is not allowed)"),
                row: i,
                value: data[i * p + j],
            });
        }
        Ok(())
    }

    /// Adds the output of trees `trees` for each row of the row-major block `rows` to `out`: the
    /// node-by-node walk the tests hold the compiled predictors to.
    #[cfg(test)]
    pub fn predict_block(&self, rows: &[f64], out: &mut [f64], trees: std::ops::Range<usize>) {
        let p = self.n_features;
        let m = out.len();
        let mut idx = [0u32; BLOCK];
        for t in trees {
            let root = self.roots[t];
            let depth = self.depths[t];
            if depth == 0 {
                let v = self.value[root as usize];
                out.iter_mut().for_each(|o| *o += v);
                continue;
            }
            idx[..m].fill(root);
            for _ in 0..depth {
                for (i, node) in idx[..m].iter_mut().enumerate() {
                    let k = *node as usize;
                    let row = &rows[i * p..];
                    *node = if self.row_goes_left(k, row) { self.left[k] } else { self.right[k] };
                }
            }
            for (o, &k) in out.iter_mut().zip(&idx[..m]) {
                *o += self.value[k as usize];
            }
        }
    }

    /// `x` as a row-major slice of width `n_features`, after checking its width and values.
    pub fn checked_rows<'x>(&self, x: ArrayView2<'x, f64>) -> Result<std::borrow::Cow<'x, [f64]>> {
        if x.ncols() != self.n_features {
            return Err(Error::FeatureMismatch {
                reason: format!("the model was fitted on {} features, the input has {}", self.n_features, x.ncols()),
            });
        }
        super::bins::check_finite_or_nan(x, "prediction input")?;
        Ok(match x.to_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(x.as_standard_layout().iter().copied().collect()),
        })
    }

    /// Expected output of tree `t` under its covers (the mean prediction on the training rows,
    /// weighted by hessian).
    pub fn expected_value(&self, t: usize) -> f64 {
        let r = self.tree_range(t);
        let root_cover = self.cover[r.start];
        if root_cover <= 0.0 {
            return self.value[r.start];
        }
        r.filter(|&k| self.is_leaf(k)).map(|k| self.value[k] * self.cover[k]).sum::<f64>() / root_cover
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::boosted::fit_for_tests;
    use crate::models::boosted::synthetic::make_churn_matrix;

    /// A forest without trees (a hand-edited model file, say) predicts nothing and does not panic.
    #[test]
    fn a_forest_without_trees_adds_nothing() {
        let f = Forest::new(3);
        let x = ndarray::Array2::from_shape_vec((2, 3), vec![1.0, f64::NAN, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let mut out = vec![0.5, 0.25];
        f.add_raw(x.view(), &mut out).unwrap();
        assert_eq!(out, vec![0.5, 0.25]);
    }

    /// Trees that never split (a minimum leaf size above the rows) compile to a leaf-mask table
    /// with no table rows, and predict their root values.
    #[test]
    fn a_forest_of_single_leaves_predicts_its_roots() -> Result<()> {
        let data = make_churn_matrix(300, 4, 5);
        let booster = fit_for_tests(&data, 3, 8, 1000);
        let f = booster.forest();
        assert_eq!(f.n_nodes(), 3);
        assert_eq!(f.compiled_kind(), "table8");
        let mut out = vec![0.0; data.x.nrows()];
        f.add_raw(data.x.view(), &mut out)?;
        let sum: f64 = (0..3).map(|t| f.value[f.tree_range(t).start]).sum();
        assert!(out.iter().all(|&o| o == sum), "{:?} vs {sum}", &out[..3]);
        Ok(())
    }

    /// Every predictor a forest can compile to (leaf-mask tables, QuickScorer, each with 8- to
    /// 64-bit masks where the trees allow, and the packed walk) gives the same sums as walking the
    /// node arrays, bit for bit, on data with missing values.
    #[test]
    fn every_compiled_predictor_equals_the_node_arrays() {
        let data = make_churn_matrix(3000, 8, 5);
        let x = data.x.as_standard_layout();
        let rows = x.as_slice().unwrap();
        let p = data.x.ncols();
        for leaves in [8, 31, 50, 100] {
            // 70 trees: several chunks of masks for every width (64 trees of 8 leaves … 8 of
            // 64 per chunk), the last one padded.
            let booster = fit_for_tests(&data, 70, leaves, 2);
            let f = booster.forest();
            let mut predictors = vec![("walk", Compiled::Walk(PackedWalk::build(f)))];
            if let Some(qs) = QuickScorer::<u8>::build(f) {
                predictors.push(("table8", Compiled::Table8(MaskTable::build(&qs).unwrap())));
            }
            if let Some(qs) = QuickScorer::<u16>::build(f) {
                predictors.push(("table16", Compiled::Table16(MaskTable::build(&qs).unwrap())));
            }
            if let Some(qs) = QuickScorer::<u32>::build(f) {
                predictors.push(("table32", Compiled::Table32(MaskTable::build(&qs).unwrap())));
                predictors.push(("quickscorer32", Compiled::QuickScorer32(qs)));
            }
            if let Some(qs) = QuickScorer::<u64>::build(f) {
                predictors.push(("table64", Compiled::Table64(MaskTable::build(&qs).unwrap())));
                predictors.push(("quickscorer64", Compiled::QuickScorer64(qs)));
            }
            let expected_count = match leaves {
                8 => 7,
                31 => 5,
                50 => 3,
                _ => 1,
            };
            assert_eq!(predictors.len(), expected_count, "{leaves} leaves");
            let mut direct = vec![0.0f64; data.x.nrows()];
            for (row, d) in rows.chunks(p).zip(direct.iter_mut()) {
                f.predict_block(row, std::slice::from_mut(d), 0..f.n_trees());
            }
            for (name, c) in &predictors {
                let mut out = vec![0.0f64; data.x.nrows()];
                for (block, o) in rows.chunks(BLOCK * p).zip(out.chunks_mut(BLOCK)) {
                    c.predict_rows(f, block, p, o);
                }
                for (i, (a, b)) in out.iter().zip(&direct).enumerate() {
                    assert_eq!(a.to_bits(), b.to_bits(), "{name}, {leaves} leaves, row {i}");
                }
            }
        }
    }
}
