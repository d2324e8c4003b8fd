//! Agreement on real data: the peers' scikit-learn logistic regression, out of fold on Telco
//! (stratified 5-fold, seed 42), scored by our metrics and by scikit-learn / empulse.
//!
//! `tests/reference/data/telco_oof_sklearn_logistic.csv` and the expected values below were
//! written by `tests/reference/telco_oof.py` (a variant of `/work/shared/peers/peer_models.py`
//! that dumps the out-of-fold predictions); `peer_models.py` itself prints EMPC 10.281 for this
//! model.

use attrition::metrics::{average_precision_score, brier_score_loss, log_loss, roc_auc_score, top_decile_lift};
use attrition::profit::emp::{EmpcParams, MpcParams, empc_score, mpc_score};

const OOF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/data/telco_oof_sklearn_logistic.csv");

fn read_oof() -> (Vec<bool>, Vec<f64>) {
    let text = std::fs::read_to_string(OOF).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("y_true,p_churn"));
    lines
        .map(|l| {
            let (y, p) = l.split_once(',').unwrap();
            (y == "1", p.parse::<f64>().unwrap())
        })
        .unzip()
}

#[test]
fn peer_logistic_oof_on_telco_scores_the_same_here() {
    let (y, p) = read_oof();
    assert_eq!(y.len(), 7043);
    // printed by tests/reference/telco_oof.py (scikit-learn 1.9.1, empulse 0.13.1)
    let close = |what: &str, got: f64, want: f64, tol: f64| {
        assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
    };
    close("roc_auc", roc_auc_score(&y, &p, None).unwrap(), 0.844933344749843, 1e-9);
    close("pr_auc", average_precision_score(&y, &p, None).unwrap(), 0.6539413317320286, 1e-9);
    close("log_loss", log_loss(&y, &p, None).unwrap(), 0.4175250258660573, 1e-9);
    close("brier", brier_score_loss(&y, &p, None).unwrap(), 0.1356132305563651, 1e-9);
    close("top_decile_lift", top_decile_lift(&y, &p, None).unwrap(), 2.8690658592343983, 1e-9);
    let empc = empc_score(&y, &p, &EmpcParams::default()).unwrap();
    close("empc", empc.value, 10.280689675108333, 1e-6);
    close("empc fraction", empc.fraction_targeted, 0.5161978574550602, 1e-6);
    let mpc = mpc_score(&y, &p, &MpcParams::default()).unwrap();
    close("mpc", mpc.value, 10.20971177055232, 1e-6);
    close("mpc fraction", mpc.fraction_targeted, 0.5368450944199915, 1e-6);
}
