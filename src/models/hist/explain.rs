//! Explanations of tree models: exact TreeSHAP contributions and gain / split-count importances.
//!
//! TreeSHAP is the path-dependent algorithm of Lundberg, Erion & Lee (2018), "Consistent
//! individualized feature attribution for tree ensembles" (Algorithm 2): the value of a feature
//! subset `S` is the tree's expected output when the features in `S` are fixed to the row's values
//! and the others are integrated out along the tree by the training covers. `base_value +
//! Σ contributions` equals the model's raw output for every row.
//!
//! Each tree is first turned into tables: one over all its decision patterns when it has at most
//! 10 internal nodes, else per-leaf tables ("Fast TreeSHAP v2", Yang 2021; see [`ShapTree`]) when
//! its paths have at most 12 distinct features; all tables together fit 64 MiB;
//! other trees use the recursion, O(leaves × depth²) per tree and row, or Linear TreeSHAP
//! (see [`Quadrature`]), O(nodes × depth), whichever [`Forest::shap_cost_per_row`] prices lower
//! — Linear TreeSHAP on the deep trees of large boosted models. Rows are explained in blocks,
//! tree by tree, so a tree's tables stay in cache. The three are tested against Shapley values
//! enumerated over all feature subsets.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::forest::{Forest, goes_left};
use crate::error::Result;

/// Per-row feature contributions (SHAP values) and the base value they start from.
///
/// For every row `i`, `base_value + values.row(i).sum()` is the model's raw output for that row
/// (log-odds for boosted trees, probability for a single tree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapValues {
    /// `n_rows × n_features` contributions.
    pub values: Array2<f64>,
    /// The expected output over the training data (under the trees' covers).
    pub base_value: f64,
}

impl ShapValues {
    /// `base_value + Σ contributions` of row `i` (the raw output being explained).
    pub fn total(&self, i: usize) -> f64 {
        self.base_value + self.values.row(i).sum()
    }
}

/// How much each feature is used by a tree model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportances {
    /// Total split gain per feature: loss reduction for boosted trees, weighted Gini decrease for
    /// a single tree.
    pub gain: Vec<f64>,
    /// Number of splits on each feature.
    pub splits: Vec<u64>,
}

impl FeatureImportances {
    /// Gains scaled to sum to 1 (all zeros if the model has no split).
    pub fn gain_share(&self) -> Vec<f64> {
        let total: f64 = self.gain.iter().sum();
        if total > 0.0 { self.gain.iter().map(|g| g / total).collect() } else { vec![0.0; self.gain.len()] }
    }

    /// Feature indices ordered by decreasing gain (ties by index).
    pub fn ranking(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.gain.len()).collect();
        idx.sort_by(|&a, &b| self.gain[b].total_cmp(&self.gain[a]).then(a.cmp(&b)));
        idx
    }
}

impl Forest {
    /// Gain and split-count importances summed over all trees.
    pub fn importances(&self, gain_scale: f64) -> FeatureImportances {
        let mut gain = vec![0.0; self.n_features];
        let mut splits = vec![0u64; self.n_features];
        for k in 0..self.n_nodes() {
            if !self.is_leaf(k) {
                let f = self.feature[k] as usize;
                gain[f] += self.gain[k] * gain_scale;
                splits[f] += 1;
            }
        }
        FeatureImportances { gain, splits }
    }

    /// Exact TreeSHAP values of every row of `x` (checked like prediction); `base` is added to the
    /// trees' expected values to form the base value.
    pub fn shap_values(&self, x: ArrayView2<f64>, base: f64) -> Result<ShapValues> {
        let rows = self.checked_rows(x)?;
        let p = self.n_features;
        let n = x.nrows();
        let mut values = vec![0.0; n * p];
        let max_depth = self.depths.iter().copied().max().unwrap_or(0) as usize;
        if p > 0 {
            let tables = self.shap_tables();
            let untabled = self.untabled_shap();
            let max_nodes = (0..self.n_trees()).map(|t| self.tree_range(t).len()).max().unwrap_or(0);
            // Tree-major over blocks of rows: one tree's tables stay in cache while the block's
            // rows use them. Each row still adds its trees in order.
            values.par_chunks_mut(p * SHAP_BLOCK).zip(rows.par_chunks(p * SHAP_BLOCK)).for_each_init(
                || {
                    (
                        vec![PathElement::default(); (max_depth + 2) * (max_depth + 3) / 2],
                        vec![false; max_nodes],
                        LinearScratch::new(p),
                    )
                },
                |(scratch, decisions, linear), (phis, block)| {
                    for (t, table) in tables.iter().enumerate() {
                        if let Some(table) = table {
                            table.warm();
                        }
                        let quadrature = untabled[t].as_ref().and_then(|u| u.quadrature.as_ref());
                        for (phi, row) in phis.chunks_exact_mut(p).zip(block.chunks_exact(p)) {
                            match (table, quadrature) {
                                (Some(table), _) => table.add(self, t, row, phi, decisions),
                                (None, Some(q)) if self.linear_tree_shap(t, row, phi, q, linear) => {}
                                (None, _) => self.tree_shap(t, row, phi, scratch),
                            }
                        }
                    }
                },
            );
        }
        let base_value = base + (0..self.n_trees()).map(|t| self.expected_value(t)).sum::<f64>();
        let values = Array2::from_shape_vec((n, p), values)
            .map_err(|e| crate::error::Error::Numerical { context: "TreeSHAP", reason: e.to_string() })?;
        Ok(ShapValues { values, base_value })
    }

    /// Path attribution (Saabas 2014, the `treeinterpreter` method; XGBoost's
    /// `approx_contribs`): along each tree's path for the row, the change of the node's expected
    /// output (its leaves' outputs weighted by cover, as TreeSHAP's expected values) from a node to
    /// the child the row takes is credited to the node's split feature. Exactly additive like
    /// TreeSHAP (`base_value + Σ values` is the raw output; the base value is the same), and on a
    /// tree with one split equal to it, but not a Shapley value: on deeper trees the credit of
    /// interacting features depends on their order on the path. It costs one step per node on
    /// the path ([`Forest::path_attribution_cost_per_row`]) — what makes it the fallback for
    /// forests too large to explain by TreeSHAP within a limit.
    pub fn path_attribution(&self, x: ArrayView2<f64>, base: f64) -> Result<ShapValues> {
        let rows = self.checked_rows(x)?;
        let p = self.n_features;
        let n = x.nrows();
        let expected = self.node_expectations();
        let mut values = vec![0.0; n * p];
        if p > 0 {
            values.par_chunks_mut(p).zip(rows.par_chunks(p)).for_each(|(phi, row)| {
                for t in 0..self.n_trees() {
                    let mut k = self.roots[t] as usize;
                    while !self.is_leaf(k) {
                        let c = if self.row_goes_left(k, row) { self.left[k] } else { self.right[k] } as usize;
                        phi[self.feature[k] as usize] += expected[c] - expected[k];
                        k = c;
                    }
                }
            });
        }
        let base_value = base + self.roots.iter().map(|&r| expected[r as usize]).sum::<f64>();
        let values = Array2::from_shape_vec((n, p), values)
            .map_err(|e| crate::error::Error::Numerical { context: "path attribution", reason: e.to_string() })?;
        Ok(ShapValues { values, base_value })
    }

    /// Work per row of [`Forest::path_attribution`]: the nodes on the deepest path of each tree.
    pub(crate) fn path_attribution_cost_per_row(&self) -> u64 {
        self.depths.iter().map(|&d| u64::from(d) + 1).fold(0u64, u64::saturating_add)
    }

    /// Every node's expected output: a leaf's value; an internal node's, its children's weighted
    /// by their covers (equal weights when both are 0).
    fn node_expectations(&self) -> Vec<f64> {
        let mut e = self.value.clone();
        for t in 0..self.n_trees() {
            // Post-order without recursion: a node is finished after both children.
            let mut stack = vec![(self.roots[t] as usize, false)];
            while let Some((k, children_done)) = stack.pop() {
                if self.is_leaf(k) {
                    continue;
                }
                let (l, r) = (self.left[k] as usize, self.right[k] as usize);
                if children_done {
                    let (cl, cr) = (self.cover[l].max(0.0), self.cover[r].max(0.0));
                    e[k] = if cl + cr > 0.0 { (cl * e[l] + cr * e[r]) / (cl + cr) } else { 0.5 * (e[l] + e[r]) };
                } else {
                    stack.push((k, true));
                    stack.push((l, false));
                    stack.push((r, false));
                }
            }
        }
        e
    }

    /// Estimated work to explain one row: per tree with tables, one decision per node and the
    /// table entries read; per other tree, the cheaper of the recursion (`leaves × (depth + 1)²`
    /// path updates plus one step per node, [`recursion_cost`]) and Linear TreeSHAP
    /// ([`linear_cost`]). Builds the tables on first use.
    pub(crate) fn shap_cost_per_row(&self) -> u64 {
        let tables = self.shap_tables();
        let untabled = self.untabled_shap();
        (0..self.n_trees())
            .map(|t| match (&tables[t], &untabled[t]) {
                (Some(table), _) => table.cost(self.tree_range(t).len() as u64),
                (None, Some(u)) => u.cost,
                (None, None) => 0,
            })
            .fold(0u64, u64::saturating_add)
    }

    /// Per tree, how it is explained when it has no tables (`None` for a tree with tables).
    /// Built once per forest with the tables ([`Forest::untabled_shap`]): every cost check and
    /// every batch explained used to walk each tree's paths again.
    pub(crate) fn untabled_shap_all(&self) -> Vec<Option<UntabledShap>> {
        let tables = self.shap_tables();
        (0..self.n_trees()).map(|t| tables[t].is_none().then(|| self.plan_untabled(t))).collect()
    }

    /// How tree `t`, which has no tables, is explained: by the cheaper of the recursion and
    /// Linear TreeSHAP.
    fn plan_untabled(&self, t: usize) -> UntabledShap {
        let nodes = self.tree_range(t).len() as u64;
        let recursion = recursion_cost(nodes, self.depths[t]);
        let k = self.distinct_features_on_paths(t);
        let linear = linear_cost(nodes, k);
        if Quadrature::points_for(k) <= LINEAR_MAX_POINTS && linear < recursion {
            UntabledShap { cost: linear, quadrature: Some(Quadrature::for_features(k)) }
        } else {
            UntabledShap { cost: recursion, quadrature: None }
        }
    }

    /// Most distinct features on one root-to-leaf path of tree `t` (0 for a single leaf).
    fn distinct_features_on_paths(&self, t: usize) -> usize {
        let mut on_path = std::collections::HashMap::<u32, usize>::new();
        let mut most = 0;
        // Depth-first; a node is popped twice: on entering its subtree and on leaving it.
        let mut stack = vec![(self.roots[t] as usize, false)];
        while let Some((k, leaving)) = stack.pop() {
            if self.is_leaf(k) {
                most = most.max(on_path.len());
                continue;
            }
            let f = self.feature[k];
            if leaving {
                if let Some(c) = on_path.get_mut(&f) {
                    *c -= 1;
                    if *c == 0 {
                        on_path.remove(&f);
                    }
                }
                continue;
            }
            *on_path.entry(f).or_insert(0) += 1;
            stack.push((k, true));
            stack.push((self.left[k] as usize, false));
            stack.push((self.right[k] as usize, false));
        }
        most
    }

    /// Adds tree `t`'s contributions for `row` to `phi` by Linear TreeSHAP (see [`Quadrature`]);
    /// `false` (and nothing added) for a quadrature of more than [`LINEAR_MAX_POINTS`] points,
    /// which [`Quadrature::for_features`] never makes for a tree a model may hold.
    fn linear_tree_shap(&self, t: usize, row: &[f64], phi: &mut [f64], q: &Quadrature, sc: &mut LinearScratch) -> bool {
        let root = self.roots[t] as usize;
        if self.is_leaf(root) {
            return true;
        }
        // The point count as a constant: fixed-size arrays on the stack, loops unrolled (a
        // run-time count left every loop to bounds checks: 1.5× slower on the e-commerce model).
        macro_rules! points {
            ($($m:literal)*) => {
                match q.m {
                    $($m => {
                        let fixed = FixedQuadrature::<$m>::new(q);
                        self.linear_visit(row, root, &[1.0; $m], &fixed, sc, phi);
                        true
                    })*
                    _ => false,
                }
            };
        }
        // One arm per point count up to LINEAR_MAX_POINTS (asserted where it is defined).
        points!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
    }

    /// Linear TreeSHAP below `node`, whose path product at the points is `c`: returns its `S`,
    /// the sum over its leaves of `value × path product` ([`Quadrature`]).
    fn linear_visit<const M: usize>(
        &self,
        row: &[f64],
        node: usize,
        c: &[f64; M],
        q: &FixedQuadrature<M>,
        sc: &mut LinearScratch,
        phi: &mut [f64],
    ) -> [f64; M] {
        if self.is_leaf(node) {
            let v = self.value[node];
            return c.map(|c| v * c);
        }
        let d = self.feature[node] as usize;
        let goes_left = self.row_goes_left(node, row);
        let cover = self.cover[node];
        let inner = sc.on_path[d] > 0;
        let mut s = [0.0; M];
        for (child, follows) in [(self.left[node] as usize, goes_left), (self.right[node] as usize, !goes_left)] {
            // The feature's combined factor on the path, before and after this edge:
            // z (1 − t) + o t, with z the product of cover ratios and o of the row's agreements.
            let (z0, o0) = (sc.zero[d], sc.one[d]);
            let (z1, o1) = (z0 * self.cover[child] / cover, if follows { o0 } else { 0.0 });
            let after: [f64; M] = std::array::from_fn(|k| z1 * q.u[k] + o1 * q.t[k]);
            let next: [f64; M] = if inner {
                std::array::from_fn(|k| {
                    let before = z0 * q.u[k] + o0 * q.t[k];
                    if before != 0.0 { c[k] * after[k] / before } else { 0.0 }
                })
            } else {
                std::array::from_fn(|k| c[k] * after[k])
            };
            let at = d * LinearScratch::STRIDE;
            let saved: [f64; M] = std::array::from_fn(|k| sc.below[at + k]);
            sc.below[at..at + M].fill(0.0);
            (sc.zero[d], sc.one[d]) = (z1, o1);
            sc.on_path[d] += 1;
            let child_s = self.linear_visit(row, child, &next, q, sc, phi);
            sc.on_path[d] -= 1;
            (sc.zero[d], sc.one[d]) = (z0, o0);
            // The leaves under the child whose deepest split on `d` is this edge: the child's S
            // less the S of the next edges on `d` below (they carry their own factor).
            if o1 != z1 {
                let mut integral = 0.0;
                for k in 0..M {
                    if after[k] != 0.0 {
                        integral += q.w[k] * (child_s[k] - sc.below[at + k]) / after[k];
                    }
                }
                phi[d] += (o1 - z1) * integral;
            }
            for k in 0..M {
                sc.below[at + k] = saved[k] + if inner { child_s[k] } else { 0.0 };
                s[k] += child_s[k];
            }
        }
        s
    }

    /// Adds tree `t`'s contributions for `row` to `phi` (Algorithm 2, recursive).
    fn tree_shap(&self, t: usize, row: &[f64], phi: &mut [f64], scratch: &mut [PathElement]) {
        let root = self.roots[t] as usize;
        if self.is_leaf(root) {
            return;
        }
        self.recurse(row, phi, scratch, root, 0, 0, 1.0, 1.0, NO_FEATURE);
    }

    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &self,
        row: &[f64],
        phi: &mut [f64],
        scratch: &mut [PathElement],
        node: usize,
        parent_offset: usize,
        mut unique_depth: usize,
        zero_fraction: f64,
        one_fraction: f64,
        feature: usize,
    ) {
        // This node's path is a copy of the parent's, stored right after it.
        let offset = parent_offset + unique_depth;
        if unique_depth > 0 {
            scratch.copy_within(parent_offset..parent_offset + unique_depth, offset);
        }
        let path = &mut scratch[offset..];
        extend_path(path, unique_depth, zero_fraction, one_fraction, feature);

        if self.is_leaf(node) {
            let v = self.value[node];
            for i in 1..=unique_depth {
                let w = unwound_path_sum(path, unique_depth, i);
                let el = path[i];
                phi[el.feature] += w * (el.one - el.zero) * v;
            }
            return;
        }
        let f = self.feature[node] as usize;
        let (hot, cold) = if self.row_goes_left(node, row) {
            (self.left[node] as usize, self.right[node] as usize)
        } else {
            (self.right[node] as usize, self.left[node] as usize)
        };
        let w = self.cover[node];
        let hot_zero = self.cover[hot] / w;
        let cold_zero = self.cover[cold] / w;
        let mut incoming_zero = 1.0;
        let mut incoming_one = 1.0;
        // A feature already on the path: undo its earlier split and redo it here.
        if let Some(k) = (1..=unique_depth).find(|&k| path[k].feature == f) {
            incoming_zero = path[k].zero;
            incoming_one = path[k].one;
            unwind_path(path, unique_depth, k);
            unique_depth -= 1;
        }
        self.recurse(row, phi, scratch, hot, offset, unique_depth + 1, hot_zero * incoming_zero, incoming_one, f);
        self.recurse(row, phi, scratch, cold, offset, unique_depth + 1, cold_zero * incoming_zero, 0.0, f);
    }
}

const NO_FEATURE: usize = usize::MAX;

/// How a tree without tables is explained ([`Forest::shap_cost_per_row`]).
#[derive(Debug, Clone)]
pub(crate) struct UntabledShap {
    /// Work per row.
    cost: u64,
    /// Linear TreeSHAP's points for the tree's paths; `None`: the recursion explains it.
    quadrature: Option<Quadrature>,
}

/// Work of TreeSHAP's recursion on a tree of `nodes` nodes and depth `depth`: `leaves ×
/// (depth + 1)²` path updates plus one step per node.
fn recursion_cost(nodes: u64, depth: u32) -> u64 {
    let d = u64::from(depth) + 1;
    nodes.div_ceil(2).saturating_mul(d * d).saturating_add(nodes)
}

/// Work of Linear TreeSHAP on a tree of `nodes` nodes whose paths have at most `k` distinct
/// features: [`LINEAR_STEPS_PER_POINT`] per node and quadrature point.
fn linear_cost(nodes: u64, k: usize) -> u64 {
    nodes.saturating_mul(Quadrature::points_for(k) as u64).saturating_mul(LINEAR_STEPS_PER_POINT)
}

/// Linear TreeSHAP's work per node and quadrature point, in the recursion's path-update steps:
/// on `auto`'s e-commerce model (1,604 trees of 63 leaves; benches/README.md) a step of either
/// then takes about the same time.
const LINEAR_STEPS_PER_POINT: u64 = 8;

/// Linear TreeSHAP (Yu, Bifet, Read & Xu, NeurIPS 2022, "Linear TreeShap"), in the form of the
/// Shapley weights as a Beta integral: `|S|! (k − |S| − 1)! / k! = ∫₀¹ t^|S| (1 − t)^(k−|S|−1) dt`.
///
/// On a leaf `l`'s path, each distinct feature `j` has a zero fraction `zⱼ` (the product of the
/// cover ratios of its splits on the path) and a one fraction `oⱼ` (1 when the row follows all of
/// them, else 0). The leaf adds to feature `i` (Lundberg et al. 2018's Algorithm 2, summed in
/// closed form) `v_l (oᵢ − zᵢ) ∫₀¹ Πⱼ≠ᵢ (zⱼ (1 − t) + oⱼ t) dt` — a polynomial of degree below
/// `k`, the path's distinct features, integrated exactly by `⌈k / 2⌉` Gauss–Legendre points.
/// One pass down the tree carries the path product `C(t) = Πⱼ (zⱼ (1 − t) + oⱼ t)` at the points
/// (a feature met again has its factor replaced); one pass up sums `S(t) = Σ v_l C_l(t)` over
/// each node's leaves; at each edge on feature `i`, dividing `S` by `i`'s factor removes it from
/// every leaf below whose deepest split on `i` is that edge (the others, below a deeper edge on
/// `i`, are subtracted there and credited at that edge). O(nodes × points) per tree and row,
/// against the recursion's O(leaves × depth²); and stable where the recursion's path weights
/// are not (chains of 64 splits over 40 features: the recursion's values missed the raw output
/// by up to 3.3e-5 on 200 random rows, Linear TreeSHAP's by 2e-15; `tests/model_file.rs`
/// explains such chains).
#[derive(Debug, Clone)]
struct Quadrature {
    m: usize,
    /// Points on [0, 1].
    t: Vec<f64>,
    /// Weights (summing to 1).
    w: Vec<f64>,
}

impl Quadrature {
    /// Points exact for the polynomials of a tree whose paths have at most `k` distinct
    /// features (degree below `k`): `⌈k / 2⌉`, at least one.
    fn points_for(k: usize) -> usize {
        k.div_ceil(2).max(1)
    }

    fn for_features(k: usize) -> Quadrature {
        let m = Quadrature::points_for(k);
        let (mut t, mut w) = (vec![0.0; m], vec![0.0; m]);
        for i in 0..m {
            // Newton's method on the Legendre polynomial P_m from the usual first guess.
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (m as f64 + 0.5)).cos();
            let mut slope = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for j in 2..=m {
                    let jf = j as f64;
                    (p0, p1) = (p1, ((2.0 * jf - 1.0) * x * p1 - (jf - 1.0) * p0) / jf);
                }
                slope = m as f64 * (x * p1 - p0) / (x * x - 1.0);
                let step = p1 / slope;
                x -= step;
                if step.abs() < 1e-15 {
                    break;
                }
            }
            t[i] = (1.0 + x) / 2.0;
            w[i] = 1.0 / ((1.0 - x * x) * slope * slope);
        }
        Quadrature { m, t, w }
    }
}

/// [`Quadrature`] with its point count a constant (and `1 − t` stored).
struct FixedQuadrature<const M: usize> {
    t: [f64; M],
    u: [f64; M],
    w: [f64; M],
}

impl<const M: usize> FixedQuadrature<M> {
    fn new(q: &Quadrature) -> FixedQuadrature<M> {
        FixedQuadrature {
            t: std::array::from_fn(|k| q.t[k]),
            u: std::array::from_fn(|k| 1.0 - q.t[k]),
            w: std::array::from_fn(|k| q.w[k]),
        }
    }
}

/// Most Gauss–Legendre points Linear TreeSHAP uses: enough for a path of
/// [`super::MAX_TREE_DEPTH`] distinct features, the deepest tree a model may hold.
const LINEAR_MAX_POINTS: usize = super::MAX_TREE_DEPTH.div_ceil(2);
// `linear_tree_shap`'s `points!` arms cover 1..=32 points: a deeper tree cap needs more arms.
const _: () = assert!(LINEAR_MAX_POINTS == 32);

/// Working space of Linear TreeSHAP for one thread, per feature: its combined fractions on the
/// path, how many of its splits are on it, and the sums of the subtrees below its deepest edges
/// so far ([`LinearScratch::STRIDE`] wide).
struct LinearScratch {
    zero: Vec<f64>,
    one: Vec<f64>,
    on_path: Vec<u32>,
    below: Vec<f64>,
}

impl LinearScratch {
    const STRIDE: usize = LINEAR_MAX_POINTS;

    fn new(p: usize) -> LinearScratch {
        LinearScratch { zero: vec![1.0; p], one: vec![1.0; p], on_path: vec![0; p], below: vec![0.0; p * Self::STRIDE] }
    }
}

/// Rows explained together, tree by tree.
const SHAP_BLOCK: usize = 256;

/// Most distinct features on one root-to-leaf path for which the leaf gets a table (2^d rows).
const SHAP_TABLE_MAX_FEATURES: usize = 12;

/// Most internal nodes for which a tree gets one table over all its decision patterns.
const SHAP_PATTERN_MAX_NODES: usize = 10;

/// Memory allowed for all trees' tables (bytes); trees past it use the recursive algorithm.
const SHAP_TABLE_BUDGET: usize = 64 << 20;

/// Precomputed TreeSHAP of one tree: "Fast TreeSHAP v2" (Yang 2021, "Fast TreeSHAP: Accelerating
/// SHAP Value Computation for Trees"). A leaf's contribution to each feature on its path depends
/// on a row only through which of the path's `d` distinct features the row agrees with (the row
/// would follow the path at every node on that feature); so each leaf stores the contributions
/// for all `2^d` agreement patterns, computed once with the same path algebra as Algorithm 2. A
/// row then costs one decision per node and, per leaf, a pattern lookup and `d` additions,
/// instead of the recursion's O(leaves × depth²) path updates.
#[derive(Debug, Clone)]
pub(crate) struct ShapTree {
    leaves: Vec<ShapLeaf>,
    /// For small trees, the whole tree's contributions per decision pattern (then `leaves` is
    /// empty).
    patterns: Option<PatternTable>,
}

/// A tree's SHAP values depend on a row only through its decision at each internal node; with
/// at most [`SHAP_PATTERN_MAX_NODES`] internal nodes every decision pattern gets a row of the
/// tree's contributions (the per-leaf tables summed), and a row costs one decision per node, one
/// lookup and one addition per feature the tree uses.
#[derive(Debug, Clone)]
struct PatternTable {
    /// Internal nodes as (threshold, feature, missing goes left), stored together; bit `i` of a
    /// pattern is whether node `i` sends the row left.
    splits: Vec<(f64, u32, bool)>,
    /// Distinct features the tree splits on.
    features: Vec<u32>,
    /// `phi[pattern * features.len() + j]`.
    phi: Vec<f64>,
}

#[derive(Debug, Clone)]
struct ShapLeaf {
    /// One per internal node on the path: (node's position in its tree, the path goes left
    /// there, index of its feature in `features`).
    conds: Vec<(u32, bool, u8)>,
    /// The path's distinct features, in order of first appearance.
    features: Vec<u32>,
    /// `phi[a * d + j]`: the contribution to `features[j]` when the row agrees with exactly the
    /// features whose bits are set in `a`.
    phi: Vec<f64>,
}

/// A root-to-leaf path: (node, went left) per internal node, then the leaf.
struct LeafPath {
    steps: Vec<(usize, bool)>,
    leaf: usize,
    /// The path's distinct features, in order of first appearance.
    features: Vec<u32>,
}

impl ShapTree {
    /// Tables for every tree that fits (in tree order, until [`SHAP_TABLE_BUDGET`]). A tree's
    /// paths are kept only when it is chosen, and count against the budget with the tables'
    /// path conditions, so the memory used is bounded whatever the forest.
    pub(crate) fn build_all(forest: &Forest) -> Vec<Option<ShapTree>> {
        let mut left = SHAP_TABLE_BUDGET;
        let step_bytes = std::mem::size_of::<(usize, bool)>() + std::mem::size_of::<(u32, bool, u8)>();
        let chosen: Vec<Option<Vec<LeafPath>>> = (0..forest.n_trees())
            .map(|t| {
                let p = leaf_paths(forest, t)?;
                let mut bytes = 0usize;
                for lp in &p {
                    let d = lp.features.len();
                    if d > SHAP_TABLE_MAX_FEATURES {
                        return None;
                    }
                    bytes += (1usize << d) * d * std::mem::size_of::<f64>() + lp.steps.len() * step_bytes;
                }
                let internal = p.len() - 1;
                if internal <= SHAP_PATTERN_MAX_NODES {
                    bytes = bytes.max((1usize << internal) * internal * std::mem::size_of::<f64>());
                }
                if bytes > left {
                    return None;
                }
                left -= bytes;
                Some(p)
            })
            .collect();
        chosen.into_par_iter().enumerate().map(|(t, p)| p.map(|p| ShapTree::build(forest, t, &p))).collect()
    }

    /// Work per row of [`ShapTree::add`] on a tree of `nodes` nodes.
    fn cost(&self, nodes: u64) -> u64 {
        match &self.patterns {
            Some(pt) => (pt.splits.len() + pt.features.len()) as u64,
            None => nodes + self.leaves.iter().map(|l| (l.conds.len() + l.features.len()) as u64).sum::<u64>(),
        }
    }

    fn build(forest: &Forest, t: usize, paths: &[LeafPath]) -> ShapTree {
        let base = forest.tree_range(t).start;
        let leaves = paths
            .iter()
            .map(|lp| {
                let features = lp.features.clone();
                let d = features.len();
                let index = |f: u32| features.iter().position(|&g| g == f).unwrap_or(0);
                let mut zero = vec![1.0; d];
                let mut conds = Vec::with_capacity(lp.steps.len());
                for &(k, went_left) in &lp.steps {
                    let j = index(forest.feature[k]);
                    let child = if went_left { forest.left[k] } else { forest.right[k] } as usize;
                    zero[j] *= forest.cover[child] / forest.cover[k];
                    conds.push(((k - base) as u32, went_left, j as u8));
                }
                let v = forest.value[lp.leaf];
                let mut phi = vec![0.0; (1usize << d) * d];
                let mut path = vec![PathElement::default(); d + 1];
                for a in 0..1usize << d {
                    extend_path(&mut path, 0, 1.0, 1.0, NO_FEATURE);
                    for (j, &z) in zero.iter().enumerate() {
                        let one = if a >> j & 1 == 1 { 1.0 } else { 0.0 };
                        extend_path(&mut path, j + 1, z, one, j);
                    }
                    for i in 1..=d {
                        let w = unwound_path_sum(&path, d, i);
                        phi[a * d + (i - 1)] = w * (path[i].one - path[i].zero) * v;
                    }
                }
                ShapLeaf { conds, features, phi }
            })
            .collect();
        let mut tree = ShapTree { leaves, patterns: None };
        let internal: Vec<usize> = forest.tree_range(t).filter(|&k| !forest.is_leaf(k)).collect();
        // Pattern tables store threshold tests; trees with categorical splits keep the leaves'
        // tables, whose decisions come from `Forest::row_goes_left`.
        if internal.len() <= SHAP_PATTERN_MAX_NODES
            && paths.len() == internal.len() + 1
            && !internal.iter().any(|&k| forest.is_categorical(k))
        {
            let features = distinct(internal.iter().map(|&k| forest.feature[k]));
            let nf = features.len();
            let mut phi = vec![0.0; (1usize << internal.len()) * nf];
            let mut decisions = vec![false; forest.tree_range(t).len()];
            for (pattern, row) in phi.chunks_exact_mut(nf.max(1)).enumerate() {
                for (i, &k) in internal.iter().enumerate() {
                    decisions[k - base] = pattern >> i & 1 == 1;
                }
                for leaf in &tree.leaves {
                    for (&f, &c) in leaf.features.iter().zip(leaf.contributions(&decisions)) {
                        if let Some(j) = features.iter().position(|&g| g == f) {
                            row[j] += c;
                        }
                    }
                }
            }
            let splits =
                internal.iter().map(|&k| (forest.threshold[k], forest.feature[k], forest.default_left[k])).collect();
            tree.patterns = Some(PatternTable { splits, features, phi });
            tree.leaves = Vec::new();
        }
        tree
    }

    /// Reads the tree's tables front to back once, so that a block's rows, whose lookups land
    /// at random places in them, find them in cache (a sequential read is prefetched; random
    /// first touches are cache misses one after another).
    fn warm(&self) {
        let sum = |v: &[f64]| v.iter().step_by(8).fold(0.0, |a, &b| a + b);
        let s = match &self.patterns {
            Some(pt) => sum(&pt.phi),
            None => self.leaves.iter().map(|l| sum(&l.phi)).sum(),
        };
        std::hint::black_box(s);
    }

    /// Adds tree `t`'s contributions for `row` to `phi`; `decisions` is scratch of at least the
    /// tree's node count.
    pub(crate) fn add(&self, forest: &Forest, t: usize, row: &[f64], phi: &mut [f64], decisions: &mut [bool]) {
        if let Some(pt) = &self.patterns {
            let mut pattern = 0usize;
            for (i, &(threshold, f, default_left)) in pt.splits.iter().enumerate() {
                pattern |= usize::from(goes_left(row[f as usize], threshold, default_left)) << i;
            }
            let nf = pt.features.len();
            for (&f, &c) in pt.features.iter().zip(&pt.phi[pattern * nf..pattern * nf + nf]) {
                phi[f as usize] += c;
            }
            return;
        }
        let range = forest.tree_range(t);
        let base = range.start;
        for k in range {
            if !forest.is_leaf(k) {
                decisions[k - base] = forest.row_goes_left(k, row);
            }
        }
        for leaf in &self.leaves {
            for (&f, &c) in leaf.features.iter().zip(leaf.contributions(decisions)) {
                phi[f as usize] += c;
            }
        }
    }
}

impl ShapLeaf {
    /// The leaf's contributions to its features for a row with the given node decisions.
    #[inline]
    fn contributions(&self, decisions: &[bool]) -> &[f64] {
        let d = self.features.len();
        let mut a = (1usize << d) - 1;
        for &(k, went_left, j) in &self.conds {
            if decisions[k as usize] != went_left {
                a &= !(1usize << j);
            }
        }
        &self.phi[a * d..a * d + d]
    }
}

/// The distinct values of `features`, in order of first appearance.
fn distinct(features: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for f in features {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Every root-to-leaf path of tree `t`; `None` for a single leaf (nothing to explain), as soon
/// as a path has more distinct features than a table takes (the recursion explains that tree),
/// or if paths outnumbered nodes (impossible in a validated forest, where each node has one
/// parent).
fn leaf_paths(forest: &Forest, t: usize) -> Option<Vec<LeafPath>> {
    let root = forest.roots[t] as usize;
    if forest.is_leaf(root) {
        return None;
    }
    let limit = forest.tree_range(t).len();
    let mut out = Vec::new();
    let mut stack: Vec<(usize, Vec<(usize, bool)>)> = vec![(root, Vec::new())];
    while let Some((k, steps)) = stack.pop() {
        if forest.is_leaf(k) {
            let features = distinct(steps.iter().map(|&(n, _)| forest.feature[n]));
            if features.len() > SHAP_TABLE_MAX_FEATURES {
                return None;
            }
            out.push(LeafPath { steps, leaf: k, features });
            if out.len() > limit {
                return None;
            }
            continue;
        }
        let mut right = steps.clone();
        right.push((k, false));
        let mut left = steps;
        left.push((k, true));
        stack.push((forest.right[k] as usize, right));
        stack.push((forest.left[k] as usize, left));
    }
    Some(out)
}

/// One element of the TreeSHAP path.
#[derive(Debug, Clone, Copy)]
struct PathElement {
    feature: usize,
    zero: f64,
    one: f64,
    pweight: f64,
}

impl Default for PathElement {
    fn default() -> Self {
        PathElement { feature: NO_FEATURE, zero: 0.0, one: 0.0, pweight: 0.0 }
    }
}

fn extend_path(path: &mut [PathElement], d: usize, zero: f64, one: f64, feature: usize) {
    path[d] = PathElement { feature, zero, one, pweight: if d == 0 { 1.0 } else { 0.0 } };
    for i in (0..d).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i + 1) as f64 / (d + 1) as f64;
        path[i].pweight = zero * path[i].pweight * (d - i) as f64 / (d + 1) as f64;
    }
}

fn unwind_path(path: &mut [PathElement], d: usize, k: usize) {
    let one = path[k].one;
    let zero = path[k].zero;
    let mut next_one = path[d].pweight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next_one * (d + 1) as f64 / ((i + 1) as f64 * one);
            next_one = tmp - path[i].pweight * zero * (d - i) as f64 / (d + 1) as f64;
        } else {
            path[i].pweight = path[i].pweight * (d + 1) as f64 / (zero * (d - i) as f64);
        }
    }
    for i in k..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

fn unwound_path_sum(path: &[PathElement], d: usize, k: usize) -> f64 {
    let one = path[k].one;
    let zero = path[k].zero;
    let mut next_one = path[d].pweight;
    let mut total = 0.0;
    if one != 0.0 {
        for i in (0..d).rev() {
            let tmp = next_one / ((i + 1) as f64 * one);
            total += tmp;
            next_one = path[i].pweight - tmp * zero * (d - i) as f64;
        }
    } else if zero == 0.0 {
        // An element both the row and the covers leave (a leaf of cover 0 the row does not
        // reach): its contribution is weighted by one − zero = 0, and 0 / 0 here made it NaN.
        return 0.0;
    } else {
        for i in (0..d).rev() {
            total += path[i].pweight / (zero * (d - i) as f64);
        }
    }
    total * (d + 1) as f64
}

#[cfg(test)]
mod tests;
