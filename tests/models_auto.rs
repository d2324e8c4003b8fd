//! `auto` (issue 16): the choice is made by inner cross-validation, recorded in the model, the
//! same for the same seed (same bytes), planned from the budget before fitting, and checked when
//! a model file is read.

use attrition::models::auto::{AutoParams, SelectionRule, candidates, plan};
use attrition::models::boosted::synthetic::make_churn_matrix;
use attrition::models::trained::{Fitted, ModelKind, ModelParams, TrainedModel};
use attrition::models::{ChurnModel, Learner};
use attrition::{Column, Dataset, Error};

fn synthetic(n: usize, seed: u64) -> Dataset {
    let s = make_churn_matrix(n, 6, seed);
    let cols = (0..6).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
    Dataset::new(cols).unwrap().with_churned(s.y).unwrap()
}

/// `synthetic(n, seed)` with only its first `churned` rows churned.
fn few_churned(n: usize, seed: u64, churned: usize) -> Dataset {
    let s = make_churn_matrix(n, 6, seed);
    let cols = (0..6).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
    Dataset::new(cols).unwrap().with_churned((0..n).map(|i| i < churned).collect()).unwrap()
}

fn auto(seed: u64) -> ModelParams {
    let mut p = ModelParams::new(ModelKind::Auto).seed(seed);
    p.auto = AutoParams::new().folds(3).budget_seconds(1e9).rule(SelectionRule::MinLogLoss);
    p
}

#[test]
fn the_choice_is_the_smallest_inner_log_loss_and_is_recorded() {
    let data = synthetic(1500, 4);
    let model = auto(42).fit(&data).unwrap();
    let sel = model.selection.as_ref().expect("auto records its choice");
    // An unlimited budget tries all (but the native-categorical candidates: no categorical column
    // here), and the blend of the best of each family is scored too.
    let numeric_only = candidates(&ModelParams::new(ModelKind::Auto)).into_iter().filter(|c| !c.native_categorical);
    assert_eq!(sel.table.len(), numeric_only.count() + 1);
    assert_eq!(sel.table.last().unwrap().name, attrition::models::auto::BLEND);
    // Candidates stopped by racing are scored on part of the folds and never chosen.
    let full = sel.table.iter().filter(|c| c.stopped_after_folds.is_none());
    let best = full.min_by(|a, b| a.log_loss.total_cmp(&b.log_loss)).unwrap();
    assert_eq!(sel.chosen, best.name);
    assert_eq!(model.kind, best.family);
    // The strongly non-linear synthetic signal: a boosted configuration beats the logistic one.
    assert_ne!(model.kind, ModelKind::Logistic, "{:?}", sel.table);
    model.validate().unwrap();
    let p = model.predict_proba(&data).unwrap();
    assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
    // A small table's boosted winner is stopped early, then fitted again on every row with
    // proportionally more trees (and the model file says so).
    assert!(sel.refit_all_rows);
    let booster = match &model.fitted {
        Fitted::Gbdt(b) => b,
        Fitted::Ensemble(e) => &e.gbdt,
        other => panic!("a boosted model was expected, not {other:?}"),
    };
    assert!(booster.n_trees() > booster.best_n_trees().unwrap(), "{} trees", booster.n_trees());
}

#[test]
fn the_same_seed_gives_the_same_choice_and_bytes() {
    let data = synthetic(1200, 11);
    let a = serde_json::to_string(&auto(7).fit(&data).unwrap()).unwrap();
    let b = serde_json::to_string(&auto(7).fit(&data).unwrap()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn the_budget_plans_the_number_of_candidates_up_front() {
    let portfolio = candidates(&ModelParams::new(ModelKind::Auto));
    let p = |budget| AutoParams::new().budget_seconds(budget);
    // Logistic regression and the default trees are always tried.
    assert_eq!(plan(&portfolio, 1_000_000, 60, &p(0.0)), 2);
    assert_eq!(plan(&portfolio, 1000, 10, &p(1e9)), portfolio.len());
    // More rows, fewer candidates for the same budget.
    let counts: Vec<usize> =
        [1_000, 10_000, 100_000, 1_000_000].iter().map(|&n| plan(&portfolio, n, 30, &p(10.0))).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(AutoParams::new().budget_seconds(f64::NAN).check().is_err());
}

#[test]
fn a_model_file_with_an_inconsistent_choice_is_refused() {
    let data = synthetic(800, 2);
    let model = auto(1).fit(&data).unwrap();
    let mut bad: TrainedModel = model.clone();
    bad.selection.as_mut().unwrap().chosen = "nothing".into();
    assert!(matches!(bad.validate(), Err(Error::InvalidModel { .. })));
    let mut bad = model.clone();
    let other = if model.kind == ModelKind::Gbdt { "logistic" } else { "gbdt" };
    bad.selection.as_mut().unwrap().chosen = other.into();
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.contains("selection"), "{err}");
    let mut bad = model;
    bad.kind = ModelKind::Auto;
    assert!(bad.validate().is_err());
}

#[test]
fn a_boosted_fit_reports_every_tree_and_the_report_changes_nothing() {
    use attrition::progress::{Progress, ProgressHook};
    use std::sync::{Arc, Mutex};
    let data = synthetic(1500, 5);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let mut params = ModelParams::new(ModelKind::Gbdt).seed(3);
    let quiet = params.fit(&data).unwrap();
    params.progress = ProgressHook::new(move |p| sink.lock().unwrap().push(p.clone()));
    let reported = params.fit(&data).unwrap();
    assert_eq!(serde_json::to_string(&quiet).unwrap(), serde_json::to_string(&reported).unwrap());
    let seen = seen.lock().unwrap();
    let trees: Vec<(usize, usize, Option<usize>)> = seen
        .iter()
        .filter_map(|p| match *p {
            Progress::Trees { trees, max_trees, stops_within, .. } => Some((trees, max_trees, stops_within)),
            _ => None,
        })
        .collect();
    // One report per round, counting up from 1; the last one is where early stopping ended it
    // (patience 50 rounds after the best round, which the model keeps).
    assert_eq!(trees.iter().map(|t| t.0).collect::<Vec<_>>(), (1..=trees.len()).collect::<Vec<_>>());
    assert!(trees.iter().all(|t| t.1 == 1000));
    let (last, _, stops) = *trees.last().unwrap();
    let kept = match &reported.fitted {
        attrition::models::trained::Fitted::Gbdt(b) => b.n_trees(),
        other => panic!("not boosted trees: {other:?}"),
    };
    assert!(last < 1000, "early stopping should end the fit before the cap");
    assert_eq!((stops, last), (Some(0), kept + 50));
    assert!(seen.iter().filter_map(Progress::seconds_left).all(|(lo, hi)| 0.0 <= lo && lo <= hi));
}

/// The one-standard-error rule (ESL §7.10): the chosen row is within one standard error of the
/// smallest inner log-loss, no simpler eligible row is, and the rule is recorded with the table.
#[test]
fn the_one_standard_error_rule_picks_the_simplest_candidate_near_the_best() {
    use attrition::models::auto::BLEND;
    for seed in [3, 5] {
        let data = synthetic(1500, seed);
        let mut params = auto(42);
        params.auto = params.auto.rule(SelectionRule::OneStandardError);
        let model = params.fit(&data).unwrap();
        let sel = model.selection.as_ref().unwrap();
        assert_eq!(sel.rule, SelectionRule::OneStandardError);
        // Every row carries its standard error and complexity; the blend ranks above all.
        assert!(sel.table.iter().all(|c| c.log_loss_se > 0.0 && c.log_loss_se.is_finite()), "{:?}", sel.table);
        let blend = sel.table.iter().find(|c| c.name == BLEND).unwrap();
        assert!(sel.table.iter().all(|c| c.name == BLEND || c.complexity < blend.complexity));
        // The blend is eligible only when it mixes both members (its settings name the weight).
        let blend_eligible =
            !blend.settings.starts_with("logistic weight 0:") && !blend.settings.starts_with("logistic weight 1:");
        let eligible: Vec<_> = sel.table.iter().filter(|c| c.name != BLEND || blend_eligible).collect();
        let best = eligible.iter().min_by(|a, b| a.log_loss.total_cmp(&b.log_loss)).unwrap();
        let bound = best.log_loss + best.log_loss_se;
        let chosen = sel.chosen_score().unwrap();
        assert!(chosen.log_loss <= bound, "{chosen:?} beyond {bound}");
        assert!(
            eligible.iter().all(|c| c.log_loss > bound || c.complexity >= chosen.complexity),
            "a simpler candidate is within one standard error: {:?}",
            sel.table
        );
        model.validate().unwrap();
        // The minimum rule on the same data records itself and takes the smallest log-loss.
        let min = auto(42).fit(&data).unwrap();
        let min_sel = min.selection.as_ref().unwrap();
        assert_eq!(min_sel.rule, SelectionRule::MinLogLoss);
        // The one-standard-error rule runs every candidate on every fold; the minimum rule
        // races (stops clearly worse candidates early): same scores for the candidates that ran.
        assert!(sel.table.iter().all(|c| c.stopped_after_folds.is_none()));
        for c in min_sel.table.iter().filter(|c| c.stopped_after_folds.is_none()) {
            assert_eq!(
                Some(c),
                sel.table.iter().find(|d| d.name == c.name),
                "the rule changes the pick, not the scores"
            );
        }
    }
}

/// The confirmation of a sampled search (`auto::finalists`): the search's best logistic and
/// boosted rows, then larger boosted candidates in priority order while their estimated cost on
/// the confirmation's rows stays within one default boosted refit on the whole training part.
#[test]
fn the_confirmation_takes_the_best_of_each_family_and_larger_trees_the_budget_affords() {
    use attrition::models::auto::{CandidateScore, finalists};
    let portfolio = candidates(&ModelParams::new(ModelKind::Auto));
    let row = |name: &str, log_loss| CandidateScore {
        name: name.into(),
        family: portfolio.iter().find(|c| c.name == name).map_or(ModelKind::Ensemble, |c| c.family),
        settings: String::new(),
        log_loss,
        log_loss_se: 0.0,
        complexity: 0,
        roc_auc: 0.7,
        calibrated_log_loss: None,
        stopped_after_folds: None,
    };
    let names = |f: Vec<usize>| f.into_iter().map(|i| portfolio[i].name).collect::<Vec<_>>();
    // The 1M case: the blend won the search on 50k rows; 180k confirmation rows of 800k.
    let searched = vec![row("logistic", 0.3234), row("gbdt", 0.3248), row("blend", 0.3217)];
    assert_eq!(names(finalists(&portfolio, &searched, 180_000, 800_000)), ["logistic", "gbdt", "gbdt-31x6"]);
    // A bigger part affords every larger configuration (63 leaves, then 16), in priority order.
    assert_eq!(
        names(finalists(&portfolio, &searched, 180_000, 10_000_000)),
        ["logistic", "gbdt", "gbdt-31x6", "gbdt-63-slow", "gbdt-16-cols"]
    );
    // Skipped when too dear, a cheaper one still fits: 16 leaves but not 31.
    assert_eq!(names(finalists(&portfolio, &searched, 100_000, 310_000)), ["logistic", "gbdt", "gbdt-16-cols"]);
    // Only larger trees than the search's best boosted row, and its best of each family wherever
    // they sit in the table.
    let searched = vec![
        row("logistic", 0.40),
        row("gbdt", 0.36),
        row("logistic-c/10", 0.39),
        row("gbdt-31x6", 0.35),
        row("gbdt-4-l2", 0.37),
    ];
    assert_eq!(names(finalists(&portfolio, &searched, 10, 1_000)), ["logistic-c/10", "gbdt-31x6", "gbdt-63-slow"]);
    // A row stopped by racing (scored on part of the folds) is never a family's best, however
    // low its partial log-loss.
    let mut stopped = row("gbdt-31x6", 0.30);
    stopped.stopped_after_folds = Some(1);
    let searched = vec![row("logistic", 0.40), row("gbdt", 0.36), stopped];
    assert_eq!(names(finalists(&portfolio, &searched, 10, 1_000))[..2], ["logistic", "gbdt"]);
    // Logistic regression alone in the table: nothing else is confirmed.
    assert_eq!(names(finalists(&portfolio, &[row("logistic", 0.3)], 10, 1_000)), ["logistic"]);
}

/// Racing (the minimum rule) stops candidates that are clearly worse than their family's best
/// after half the inner folds, and does not change the choice: every stopped candidate's
/// full-fold log-loss (from the one-standard-error rule, which runs every fold) is above the
/// chosen one's, and the choice is the smallest full log-loss among eligible rows.
#[test]
fn racing_stops_clearly_worse_candidates_without_changing_the_choice() {
    let mut stopped_any = false;
    for seed in [3, 5, 8] {
        let data = synthetic(1500, seed);
        let raced = auto(42).fit(&data).unwrap();
        let rsel = raced.selection.as_ref().unwrap();
        let mut params = auto(42);
        params.auto = params.auto.rule(SelectionRule::OneStandardError);
        let full = params.fit(&data).unwrap();
        let fsel = full.selection.as_ref().unwrap();
        let chosen = fsel.table.iter().find(|c| c.name == rsel.chosen).unwrap();
        for c in rsel.table.iter().filter(|c| c.stopped_after_folds.is_some()) {
            stopped_any = true;
            let after = c.stopped_after_folds.unwrap();
            assert!(
                [1, rsel.folds.div_ceil(2)].contains(&after),
                "tested after the first fold and after half of them: {after}"
            );
            assert_ne!(c.name, rsel.chosen);
            let whole = fsel.table.iter().find(|d| d.name == c.name).unwrap();
            assert!(
                whole.log_loss > chosen.log_loss,
                "{} stopped but scores {} vs {}",
                c.name,
                whole.log_loss,
                chosen.log_loss
            );
        }
        raced.validate().unwrap();
        // Same bytes for the same seed with racing.
        let again = auto(42).fit(&data).unwrap();
        assert_eq!(serde_json::to_string(&raced).unwrap(), serde_json::to_string(&again).unwrap());
    }
    assert!(stopped_any, "racing stopped no candidate on three synthetic sets");
}

/// Sharp rules (one column, a pair, a triple) with 4% of the labels flipped: the early-stopped
/// trees' probabilities come out too low where the rules hold.
fn sharp_rules(n: usize, seed: u64) -> Dataset {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let x: Vec<Vec<f64>> = (0..6).map(|_| (0..n).map(|_| rng.r#gen::<f64>()).collect()).collect();
    let y: Vec<bool> = (0..n)
        .map(|i| {
            let rule =
                x[0][i] > 0.9 || (x[1][i] > 0.85 && x[2][i] > 0.6) || (x[3][i] > 0.7 && x[4][i] > 0.8 && x[5][i] < 0.5);
            rule != (rng.r#gen::<f64>() < 0.04)
        })
        .collect();
    let cols = x.into_iter().enumerate().map(|(j, v)| Column::numeric(format!("x{j}"), v)).collect();
    Dataset::new(cols).unwrap().with_churned(y).unwrap()
}

#[test]
fn a_platt_map_kept_for_the_winner_is_applied_saved_and_composed_with_train_calibration() {
    use attrition::models::calibration::{CalibrationMethod, CalibrationParams, Calibrator};
    let mut calibrated = 0;
    for seed in 0..4 {
        let data = sharp_rules(3000, seed);
        let mut params = ModelParams::new(ModelKind::Auto).seed(seed);
        params.auto = AutoParams::new().folds(3);
        let model = params.fit(&data).unwrap();
        let sel = model.selection.as_ref().unwrap();
        assert_eq!(model.calibrator, sel.calibrator, "seed {seed}: the model applies the selection's map");
        let Some(map) = &sel.calibrator else { continue };
        calibrated += 1;
        assert!(matches!(map, Calibrator::Platt { a, .. } if *a > 0.0), "{map:?}");
        // Every row of the table has its cross-fitted calibrated log-loss; the winner's is lower.
        let chosen = sel.chosen_score().unwrap();
        assert!(chosen.calibrated_log_loss.unwrap() < chosen.log_loss, "{chosen:?}");
        // Its probabilities are the map applied to the refitted winner's.
        let mut raw_model = model.clone();
        raw_model.calibrator = None;
        let raw = raw_model.predict_proba(&data).unwrap();
        let p = model.predict_proba(&data).unwrap();
        for (r, q) in raw.iter().zip(&p) {
            assert_eq!(map.apply(*r), *q);
        }
        // Saved and read back: the same map and probabilities.
        let mut bytes = Vec::new();
        model.to_writer(&mut bytes).unwrap();
        let back = TrainedModel::from_reader(bytes.as_slice()).unwrap();
        assert_eq!(back.predict_proba(&data).unwrap(), p);
        // `train --calibrate` on top: its map was fitted on the calibrated probabilities, so the
        // saved model applies the composition of the two, not the second alone.
        let outer = CalibrationParams::new(params.clone(), CalibrationMethod::Platt).fit(&data).unwrap();
        let expected = outer.predict_proba(&data).unwrap();
        let trained = outer.into_trained();
        for (a, b) in trained.predict_proba(&data).unwrap().iter().zip(&expected) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        // `train --calibrate` (TrainParams) replaces auto's map instead: auto keeps none, and the
        // model's map was fitted on the raw out-of-fold predictions.
        let mut train = attrition::models::train::TrainParams::new(params.clone(), seed);
        train.cv_folds = 0;
        train.calibration = Some(CalibrationMethod::Platt);
        let replaced = train.fit(&data).unwrap();
        assert_eq!(replaced.selection.as_ref().unwrap().calibrator, None);
        assert!(matches!(replaced.calibrator, Some(Calibrator::Platt { .. })));
        assert_ne!(replaced.calibrator.as_ref(), Some(map));
    }
    assert!(calibrated > 0, "no seed gave a winner whose map clearly helps: the test checks nothing");
}

/// Two churned rows: some inner training part holds one, too few for the boosted trees'
/// early-stopping hold-out, so only the logistic candidates are searched and the model file
/// says why; one churned row: nothing can be searched, logistic regression is fitted as it is.
/// Both models load and predict; plain `gbdt` on one churned row names the way out.
#[test]
fn too_few_churned_rows_leave_the_trees_or_the_search_out_and_say_why() {
    let two = auto(42).fit(&few_churned(120, 3, 2)).unwrap();
    let sel = two.selection.as_ref().unwrap();
    assert_eq!(two.kind, ModelKind::Logistic);
    assert!(!sel.table.is_empty() && sel.table.iter().all(|c| c.family == ModelKind::Logistic), "{:?}", sel.table);
    let why = sel.trees_skipped.as_deref().expect("the reason is recorded");
    assert!(why.contains("has 1 churned row") && why.contains("at least 2 of each class"), "{why}");
    two.validate().unwrap();

    let data = few_churned(120, 3, 1);
    let one = auto(42).fit(&data).unwrap();
    let sel = one.selection.as_ref().unwrap();
    assert_eq!((one.kind, sel.chosen.as_str(), sel.table.len()), (ModelKind::Logistic, "logistic", 0));
    assert!(sel.trees_skipped.as_deref().unwrap().contains("only 1 churned row (of 120 rows)"));
    one.validate().unwrap();
    let json = serde_json::to_string(&one).unwrap();
    let back: TrainedModel = serde_json::from_str(&json).unwrap();
    back.validate().unwrap();
    assert_eq!(one.predict_proba(&data).unwrap(), back.predict_proba(&data).unwrap());
    // No table without the recorded reason is refused.
    let mut forged = one.clone();
    forged.selection.as_mut().unwrap().trees_skipped = None;
    assert!(forged.validate().unwrap_err().to_string().contains("0 rows tried"));

    // Almost every row churned (a handful retained): an inner fold's first look may hold no
    // retained row; racing waits for the next look instead of failing on an undefined ROC-AUC.
    for (retained, seed) in [(3, 1), (4, 2), (5, 3), (3, 4)] {
        let data = few_churned(150, seed, 150 - retained);
        let m = auto(42).fit(&data).unwrap();
        m.validate().unwrap();
        assert!(m.predict_proba(&data).unwrap().iter().all(|p| (0.0..=1.0).contains(p)));
    }
    let err = ModelParams::new(ModelKind::Gbdt).fit(&data).unwrap_err().to_string();
    assert!(err.contains("at least 2 churned and 2 retained") && err.contains("--folds"), "{err}");
}

/// Repeated ids (point-in-time observations): folds are dealt by customer, so what counts is
/// customers with churned rows. Two churned rows of one customer: the fold that tests that
/// customer would train without any. `inner_k_fold` says so in those terms, and `auto` fits
/// logistic regression without a search and records why.
#[test]
fn one_churned_customer_with_several_rows_is_counted_as_one() {
    let n = 120;
    let s = make_churn_matrix(n, 3, 9);
    let cols = (0..3).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("c{}", i / 3)).collect();
    let churned: Vec<bool> = (0..n).map(|i| i == 1 || i == 2).collect();
    let data = Dataset::new(cols).unwrap().with_churned(churned).unwrap().with_ids(ids).unwrap();
    let e = attrition::validation::inner_k_fold(&data, 5, 42).unwrap_err().to_string();
    assert!(e.contains("only 1 customer with churned rows") && e.contains("2 customers of each outcome"), "{e}");
    let m = auto(42).fit(&data).unwrap();
    let sel = m.selection.as_ref().unwrap();
    assert_eq!((m.kind, sel.table.len()), (ModelKind::Logistic, 0));
    assert!(sel.trees_skipped.as_deref().unwrap().contains("only 1 customer with churned rows (of 120 rows)"));
    m.validate().unwrap();
}
