//! TreeSHAP's three paths (tables, recursion, Linear TreeSHAP) against Shapley values enumerated
//! over all feature subsets, and path attribution's additivity.

use super::*;
use crate::models::boosted::fit_for_tests;
use crate::models::boosted::synthetic::make_churn_matrix;

/// The path-dependent value of a feature subset (Lundberg et al. 2018, Algorithm 1): features
/// in `s` follow the row, the others split the weight by cover.
fn subset_value(f: &Forest, row: &[f64], s: u32, k: usize) -> f64 {
    if f.is_leaf(k) {
        return f.value[k];
    }
    let (l, r) = (f.left[k] as usize, f.right[k] as usize);
    let j = f.feature[k] as usize;
    if s >> j & 1 == 1 {
        subset_value(f, row, s, if f.row_goes_left(k, row) { l } else { r })
    } else {
        (f.cover[l] * subset_value(f, row, s, l) + f.cover[r] * subset_value(f, row, s, r)) / f.cover[k]
    }
}

/// Shapley values by enumerating every subset of the `p` features.
fn brute_force(f: &Forest, row: &[f64]) -> Vec<f64> {
    let p = f.n_features;
    let fact = |n: usize| (1..=n).map(|v| v as f64).product::<f64>();
    let mut phi = vec![0.0; p];
    for t in 0..f.n_trees() {
        let root = f.roots[t] as usize;
        for (j, phi_j) in phi.iter_mut().enumerate() {
            for s in 0u32..1 << p {
                if s >> j & 1 == 1 {
                    continue;
                }
                let size = s.count_ones() as usize;
                let w = fact(size) * fact(p - size - 1) / fact(p);
                *phi_j += w * (subset_value(f, row, s | 1 << j, root) - subset_value(f, row, s, root));
            }
        }
    }
    phi
}

/// Path attribution adds up to the raw output from TreeSHAP's base value, equals TreeSHAP on
/// trees of one split, and costs one step per level of each tree.
#[test]
fn path_attribution_is_additive_and_exact_on_single_splits() -> Result<()> {
    let data = make_churn_matrix(1500, 5, 8);
    let n = data.x.nrows();
    for leaves in [2, 8, 31] {
        let f = fit_for_tests(&data, 20, leaves, 5).forest().clone();
        let pa = f.path_attribution(data.x.view(), 0.25)?;
        let shap = f.shap_values(data.x.view(), 0.25)?;
        assert!((pa.base_value - shap.base_value).abs() < 1e-9, "{leaves} leaves");
        let mut raw = vec![0.0; n];
        f.add_raw(data.x.view(), &mut raw)?;
        let mut differs = false;
        for (i, &r) in raw.iter().enumerate() {
            let total = pa.base_value + pa.values.row(i).sum();
            assert!((total - 0.25 - r).abs() < 1e-9, "{leaves} leaves, row {i}: {total} vs {r}");
            for j in 0..5 {
                let d = (pa.values[[i, j]] - shap.values[[i, j]]).abs();
                if leaves == 2 {
                    assert!(d < 1e-9, "stumps, row {i}, feature {j}");
                }
                differs |= d > 1e-6;
            }
        }
        // Deeper trees: not Shapley values.
        assert_eq!(differs, leaves > 2, "{leaves} leaves");
        let levels: u64 = f.depths.iter().map(|&d| u64::from(d) + 1).sum();
        assert_eq!(f.path_attribution_cost_per_row(), levels);
    }
    Ok(())
}

/// Both TreeSHAP paths (the precomputed tables and the recursion) equal Shapley values
/// enumerated over all feature subsets, on forests of several sizes with missing values.
#[test]
fn tables_and_recursion_equal_brute_force_shapley_values() {
    let data = make_churn_matrix(2000, 6, 3);
    let rows: Vec<f64> = data.x.iter().copied().collect();
    for leaves in [4, 8, 16, 40] {
        let booster = fit_for_tests(&data, 6, leaves, 3);
        let f = booster.forest();
        let tables = f.shap_tables();
        assert!(tables.iter().all(Option::is_some), "every tree of {leaves} leaves should get tables");
        let max_depth = f.depths.iter().copied().max().unwrap_or(0) as usize;
        let mut scratch = vec![PathElement::default(); (max_depth + 2) * (max_depth + 3) / 2];
        let mut decisions = vec![false; f.n_nodes()];
        for (i, row) in rows.chunks(6).take(60).enumerate() {
            let (mut by_table, mut by_recursion) = (vec![0.0; 6], vec![0.0; 6]);
            for (t, table) in tables.iter().enumerate() {
                if let Some(table) = table {
                    table.add(f, t, row, &mut by_table, &mut decisions);
                }
                f.tree_shap(t, row, &mut by_recursion, &mut scratch);
            }
            let exact = brute_force(f, row);
            for j in 0..6 {
                assert!(
                    (by_table[j] - exact[j]).abs() < 1e-10,
                    "{leaves} leaves, row {i}, feature {j}: table {} vs {}",
                    by_table[j],
                    exact[j]
                );
                assert!(
                    (by_recursion[j] - exact[j]).abs() < 1e-10,
                    "{leaves} leaves, row {i}, feature {j}: recursion {} vs {}",
                    by_recursion[j],
                    exact[j]
                );
            }
        }
    }
}

/// Linear TreeSHAP equals Shapley values enumerated over all feature subsets (features met
/// more than once on a path included: 6 features, up to 40 leaves), and the recursion on
/// deeper trees over more features (12 features, 63 leaves); the quadrature integrates
/// polynomials of degree below `2m` exactly.
#[test]
fn linear_tree_shap_equals_brute_force_and_the_recursion() {
    for m in 1..=LINEAR_MAX_POINTS {
        let q = Quadrature::for_features(2 * m);
        assert_eq!(q.m, m);
        for degree in 0..2 * m {
            let integral: f64 = q.t.iter().zip(&q.w).map(|(t, w)| w * t.powi(degree as i32)).sum();
            assert!((integral - 1.0 / (degree as f64 + 1.0)).abs() < 1e-13, "m {m}, t^{degree}: {integral}");
        }
    }
    let check = |data: &crate::models::boosted::synthetic::SyntheticChurn, trees, leaves, brute: bool| {
        let p = data.x.ncols();
        let f = fit_for_tests(data, trees, leaves, 3).forest().clone();
        let rows: Vec<f64> = data.x.iter().copied().collect();
        let max_depth = f.depths.iter().copied().max().unwrap_or(0) as usize;
        let mut scratch = vec![PathElement::default(); (max_depth + 2) * (max_depth + 3) / 2];
        let mut linear = LinearScratch::new(p);
        let mut repeats = false;
        for t in 0..f.n_trees() {
            repeats |= f.distinct_features_on_paths(t) < f.depths[t] as usize;
        }
        for (i, row) in rows.chunks(p).take(40).enumerate() {
            let (mut by_linear, mut by_recursion) = (vec![0.0; p], vec![0.0; p]);
            for t in 0..f.n_trees() {
                let q = Quadrature::for_features(f.distinct_features_on_paths(t));
                assert!(f.linear_tree_shap(t, row, &mut by_linear, &q, &mut linear));
                f.tree_shap(t, row, &mut by_recursion, &mut scratch);
            }
            let exact = if brute { brute_force(&f, row) } else { by_recursion.clone() };
            for j in 0..p {
                assert!(
                    (by_linear[j] - exact[j]).abs() < 1e-10 && (by_linear[j] - by_recursion[j]).abs() < 1e-10,
                    "{leaves} leaves, row {i}, feature {j}: linear {} vs {}",
                    by_linear[j],
                    exact[j]
                );
            }
        }
        assert!(linear.below.iter().all(|&b| b == 0.0) && linear.on_path.iter().all(|&c| c == 0));
        (repeats, max_depth)
    };
    let small = make_churn_matrix(2000, 6, 3);
    let mut repeats = false;
    for leaves in [2, 4, 8, 16, 40] {
        repeats |= check(&small, 6, leaves, true).0;
    }
    assert!(repeats, "a feature split twice on a path");
    let (_, depth) = check(&make_churn_matrix(3000, 12, 4), 5, 63, false);
    assert!(depth >= 9, "deep trees: {depth}");
}

/// A leaf of cover 0 (a model file may hold one) the row does not reach: TreeSHAP's tables,
/// its recursion and Linear TreeSHAP all give the Shapley values, not NaN (the recursion's
/// unwinding divided 0 by 0).
#[test]
fn a_leaf_of_zero_cover_gives_shapley_values_not_nan() -> Result<()> {
    // Root on x0 (cover 10): left a leaf of cover 0, right a split on x1 (leaves 1 and -1).
    let f: Forest = serde_json::from_value(serde_json::json!({
        "n_features": 2, "roots": [0], "feature": [0, 0, 1, 1, 1], "threshold": [0.5, 0.0, 0.5, 0.0, 0.0],
        "left": [1, 1, 3, 3, 4], "right": [2, 1, 4, 3, 4], "default_left": [false, false, false, false, false],
        "value": [0.0, 5.0, 0.0, 1.0, -1.0], "cover": [10.0, 0.0, 10.0, 4.0, 6.0], "gain": [0.0, 0.0, 0.0, 0.0, 0.0],
    }))
    .map_err(|e| crate::error::Error::Numerical { context: "test forest", reason: e.to_string() })?;
    for row in [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]] {
        let exact = brute_force(&f, &row);
        let x = ndarray::Array2::from_shape_vec((1, 2), row.to_vec())
            .map_err(|e| crate::error::Error::Numerical { context: "test row", reason: e.to_string() })?;
        let by_tables = f.shap_values(x.view(), 0.0)?;
        let mut scratch = vec![PathElement::default(); 10];
        let (mut by_recursion, mut by_linear) = (vec![0.0; 2], vec![0.0; 2]);
        f.tree_shap(0, &row, &mut by_recursion, &mut scratch);
        assert!(f.linear_tree_shap(0, &row, &mut by_linear, &Quadrature::for_features(2), &mut LinearScratch::new(2)));
        for j in 0..2 {
            for (how, v) in
                [("tables", by_tables.values[[0, j]]), ("recursion", by_recursion[j]), ("linear", by_linear[j])]
            {
                assert!((v - exact[j]).abs() < 1e-12, "{row:?}, x{j}, {how}: {v} vs {}", exact[j]);
            }
        }
    }
    Ok(())
}
