//! Reasons in words on the bundled simulator sample and on Telco: each reason is a sentence with
//! the customer's value and a reference computed from the training rows, only risk-raising
//! features count, and the low tier gets none by default.

use std::collections::HashMap;

use attrition::features::{FeatureParams, build_observations, snapshot};
use attrition::io::tables::{ReadOptions, read_tables};
use attrition::models::artifact::FeatureBuild;
use attrition::prelude::*;
use attrition::scoring::RiskTier;
use chrono::NaiveDate;

mod common;

/// Median of the non-missing values, as the profile defines it.
fn median(v: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = v.filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

/// Retained training rows' median of `name`.
fn retained_median(data: &Dataset, name: &str) -> f64 {
    let x = data.column(name).unwrap().as_numeric().unwrap();
    let y = data.churned.as_ref().unwrap();
    median((0..x.len()).filter(|&i| !y[i]).map(|i| x[i]))
}

/// Rows of a scores CSV as maps by header.
fn rows(csv_text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect())
        .collect()
}

fn score_text(model: &TrainedModel, csv_text: &str, id: &str, options: ScoreOptions) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    let options = ScoreOptions { id_column: id.into(), ..options };
    score_reader(model, csv_text.as_bytes(), "scoring.csv", &mut out, &options, |_| {}).unwrap();
    rows(&String::from_utf8(out).unwrap())
}

/// The dataset as CSV with its ids (what `attrition features --snapshot` writes).
fn to_csv(data: &Dataset) -> String {
    common::ids_and_features_csv(data)
}

fn reasons_of(row: &HashMap<String, String>) -> Vec<(String, String)> {
    (1..=3)
        .map(|k| (row[&format!("reason_{k}")].clone(), row[&format!("reason_{k}_text")].clone()))
        .filter(|(f, _)| !f.is_empty())
        .collect()
}

/// The number in a text after `prefix` (up to the next character that is not part of it).
fn number_after(text: &str, prefix: &str) -> Option<f64> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let s: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',').collect();
    s.trim_end_matches(['.', ',']).replace(',', "").parse().ok()
}

#[test]
fn sample_reasons_read_as_sentences_with_values_and_training_references() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
    let tables = read_tables(sample, &ReadOptions::default()).unwrap().tables;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let params = FeatureParams::new(d("2024-04-30"), d("2025-09-30"));
    let table = build_observations(&tables, &params).unwrap();
    let obs = table.dataset;
    let build = FeatureBuild::new(table.catalogue.clone(), params.lead_days, params.horizon_days).unwrap();
    let model = ModelParams::new(ModelKind::Gbdt)
        .seed(3)
        .fit(&obs)
        .unwrap()
        .with_feature_build(build)
        .with_profile(&obs)
        .unwrap();
    // The profile survives the model file.
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes).unwrap();
    let model = TrainedModel::from_reader(bytes.as_slice()).unwrap();
    let current = snapshot(&tables, d("2026-01-01"), &table.catalogue).unwrap();
    let scored = score_text(&model, &to_csv(&current), "customer_id", ScoreOptions::default());
    assert_eq!(scored.len(), current.n_rows());

    let n_types = table.catalogue.event_types.as_ref().unwrap().len();
    let mut with_reasons = 0;
    let mut by_feature: HashMap<String, usize> = HashMap::new();
    for row in &scored {
        let reasons = reasons_of(row);
        if row["risk_tier"] == "low" {
            assert!(reasons.is_empty(), "a low-tier customer got reasons: {row:?}");
            continue;
        }
        with_reasons += usize::from(!reasons.is_empty());
        for (feature, text) in reasons {
            *by_feature.entry(feature.clone()).or_default() += 1;
            assert!(text.len() > 8 && text != feature, "{feature}: `{text}`");
            // A sentence, not a fragment: it does not stop on a preposition.
            assert!(![" in", " to", " of", " for"].iter().any(|p| text.ends_with(p)), "{feature}: `{text}`");
            // Every reference is the retained training rows' median, computed here independently.
            if let Some(at) = text.find("(retained customers: ").filter(|_| feature != "days_to_first_upsell") {
                let m = retained_median(&obs, &feature);
                let shown = number_after(&text[at..], "(retained customers: ").unwrap();
                let expect = match feature.as_str() {
                    "active_weeks_share_12w" => (m * 12.0).round(),
                    "event_type_breadth_90d" => (m * n_types as f64).round(),
                    f if f.contains("events_share") => (100.0 * m).round(),
                    _ => m,
                };
                let tol = 0.06 * expect.abs().max(0.1);
                assert!((shown - expect).abs() <= tol, "{feature}: `{text}` but the retained median is {expect}");
            }
            match feature.as_str() {
                "limit_hit_events_90d" => assert!(text.starts_with("hit the plan limit "), "{text}"),
                "nps_latest" | "nps_detractor" | "nps_promoter" => {
                    assert!(text.starts_with("NPS ") || text.contains("no NPS"), "{text}")
                }
                "event_type_breadth_90d" => assert!(text.contains(&format!(" of {n_types} features")), "{text}"),
                "upsold_within_90d" => {
                    assert!(text.contains("upsold in the first 90 days") || text.contains("too early"), "{text}")
                }
                "champion_left_any_event_90d" => assert!(text.starts_with("main user (champion) left"), "{text}"),
                "usage_trend_28d" => {
                    assert!(text.starts_with("usage ") || text.starts_with("no usage trend"), "{text}")
                }
                f if f.contains("events_share") => {
                    assert!(text.contains(" of usage over the last ") || text.starts_with("no usage at all "), "{text}")
                }
                f if f.starts_with("events_per_week_") => {
                    assert!(
                        text.contains("events/week") || text.contains("event/week") || text.starts_with("no "),
                        "{text}"
                    )
                }
                _ => {}
            }
        }
    }
    let at_risk = scored.iter().filter(|r| r["risk_tier"] != "low").count();
    assert!(at_risk > 50 && with_reasons == at_risk, "{with_reasons} of {at_risk} at-risk customers have reasons");
    assert!(by_feature.len() >= 8, "reasons come from several families: {by_feature:?}");

    // A lower floor gives the low tier reasons too, with the same sentences.
    let all = score_text(
        &model,
        &to_csv(&current),
        "customer_id",
        ScoreOptions { reasons_from: RiskTier::Low, ..ScoreOptions::default() },
    );
    assert!(all.iter().any(|r| r["risk_tier"] == "low" && !r["reason_1_text"].is_empty()));
    for (a, b) in scored.iter().zip(&all) {
        if a["risk_tier"] != "low" {
            assert_eq!(reasons_of(a), reasons_of(b));
        }
    }
}

#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets/telco/telco.csv")]
fn telco_reasons_name_the_contract_and_its_churn_rate() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/telco/telco.csv");
    let options = FlatOptions::new().target("Churn").positive("Yes").id("customerID");
    let data = load_flat(path, &options).unwrap().dataset;
    let model = ModelParams::new(ModelKind::Logistic).fit(&data).unwrap().with_profile(&data).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let scored = score_text(&model, &text, "customerID", ScoreOptions::default());
    // Churn rate by contract and the retained median tenure, computed here from the file.
    let contract = data.column("Contract").unwrap().as_categorical().unwrap();
    let y = data.churned.as_ref().unwrap();
    let rate = |level: &str| {
        let rows: Vec<usize> = (0..y.len()).filter(|&i| contract.value(i) == Some(level)).collect();
        rows.iter().filter(|&&i| y[i]).count() as f64 / rows.len() as f64
    };
    let overall = y.iter().filter(|&&c| c).count() as f64 / y.len() as f64;
    let tenure = retained_median(&data, "tenure");
    let (mut contracts, mut tenures) = (0, 0);
    for row in &scored {
        for (feature, text) in reasons_of(row) {
            match feature.as_str() {
                "Contract" => {
                    let level = text.strip_prefix("Contract is ").unwrap().split(" (").next().unwrap();
                    let expect = format!(
                        "Contract is {level} ({}% of such customers churned in training, {}% overall)",
                        (100.0 * rate(level)).round(),
                        (100.0 * overall).round()
                    );
                    assert_eq!(text, expect);
                    contracts += 1;
                }
                "tenure" => {
                    let v = number_after(&text, ": ").unwrap();
                    let direction = if v < tenure { "low" } else { "high" };
                    assert!(text.starts_with(&format!("tenure is {direction}: ")), "{text}");
                    let shown = number_after(&text, "(retained customers: ").unwrap();
                    assert!((shown - tenure).abs() <= 0.5, "{text}: the retained median is {tenure}");
                    tenures += 1;
                }
                _ => assert!(text.starts_with(&feature) && text.len() > feature.len() + 2, "{feature}: {text}"),
            }
        }
    }
    eprintln!("telco: {contracts} Contract reasons, {tenures} tenure reasons over {} customers", scored.len());
    assert!(contracts > 100 && tenures > 100, "{contracts} {tenures}");
}

#[test]
fn every_customer_with_reasons_gets_the_playbooks_action_and_a_file_replaces_it() {
    use attrition::scoring::playbook::Playbook;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
    let tables = read_tables(sample, &ReadOptions::default()).unwrap().tables;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let params = FeatureParams::new(d("2024-04-30"), d("2025-09-30"));
    let table = build_observations(&tables, &params).unwrap();
    let model =
        ModelParams::new(ModelKind::Logistic).fit(&table.dataset).unwrap().with_profile(&table.dataset).unwrap();
    let current = to_csv(&snapshot(&tables, d("2026-01-01"), &table.catalogue).unwrap());
    let scored = score_text(&model, &current, "customer_id", ScoreOptions::default());
    let book = Playbook::default();
    let phrases = attrition::scoring::reasons::Phrasebook::new(&model);
    let mut actions = std::collections::BTreeSet::new();
    for row in &scored {
        if reasons_of(row).is_empty() {
            assert_eq!(row["action"], "", "{row:?}");
            continue;
        }
        // The first reason's family decides (the default playbook has every family).
        let j = model.features.iter().position(|f| f.name == row["reason_1"]).unwrap();
        assert_eq!(row["action"], book.action(phrases.family(j)).unwrap(), "{row:?}");
        actions.insert(row["action"].clone());
    }
    assert!(actions.len() >= 3, "{actions:?}");
    // A playbook with one family: only customers with such a reason get an action.
    let mine = Playbook::from_toml("[detractor]\naction = \"Call about the survey\"\n", "mine.toml").unwrap();
    let scored =
        score_text(&model, &current, "customer_id", ScoreOptions { playbook: mine, ..ScoreOptions::default() });
    let mut called = 0;
    for row in &scored {
        let nps = reasons_of(row).iter().any(|(f, _)| f.starts_with("nps_"));
        assert_eq!(row["action"] == "Call about the survey", nps, "{row:?}");
        called += usize::from(nps);
    }
    assert!(called > 0);
}

#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets/telco/telco.csv")]
fn target_writes_one_call_table_with_tier_reasons_and_action() {
    let telco = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/telco/telco.csv");
    let dir = tempfile::tempdir().unwrap();
    let (model, out) = (dir.path().join("m.json"), dir.path().join("targets.csv"));
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let m = model.to_str().unwrap();
    run(&[
        "train",
        "--data",
        telco,
        "--target",
        "Churn",
        "--id",
        "customerID",
        "--model",
        "logistic",
        "--cv-folds",
        "0",
        "--out",
        m,
        "--quiet",
    ]);
    run(&[
        "target",
        "--model",
        m,
        "--data",
        telco,
        "--id",
        "customerID",
        "--mrr-column",
        "MonthlyCharges",
        "--offer-cost",
        "30",
        "--label-days",
        "90",
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows = rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(rows.len(), 7043);
    let mut contacted = 0;
    for r in &rows {
        if r["target"] == "true" && r["risk_tier"] != "low" {
            assert!(!r["reason_1"].is_empty() && !r["action"].is_empty(), "{r:?}");
            contacted += 1;
        }
        // Every customer worth contacting has an action, a low-risk one too (the playbook's
        // `[no_reason]` action: no reason is given below the reasons' floor); the others none.
        if r["risk_tier"] == "low" {
            assert!(r["reason_1"].is_empty(), "{r:?}");
            assert_eq!(r["action"].is_empty(), r["target"] != "true", "{r:?}");
        }
    }
    assert!(contacted > 100, "{contacted}");
    // Ranked by expected profit.
    let ev: Vec<f64> = rows.iter().map(|r| r["expected_profit"].parse().unwrap()).collect();
    assert!(ev.windows(2).all(|w| w[0] >= w[1]));
}

/// `score` explains only the rows whose tier gets reasons, and they get the reasons explaining
/// every row gives (boosted trees on the bundled sample: each row's Shapley values are its
/// own); with `reasons_from` low every row is explained and the low tier gets reasons too.
#[test]
fn score_explains_only_the_tiers_that_get_reasons_with_the_same_reasons() {
    use attrition::scoring::reasons::{Phrasebook, ReasonOptions};
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
    let tables = read_tables(sample, &ReadOptions::default()).unwrap().tables;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let table = build_observations(&tables, &FeatureParams::new(d("2024-04-30"), d("2025-09-30"))).unwrap();
    let model = ModelParams::new(ModelKind::Gbdt).fit(&table.dataset).unwrap().with_profile(&table.dataset).unwrap();
    let current = snapshot(&tables, d("2026-01-01"), &table.catalogue).unwrap();
    let scored = score_text(&model, &to_csv(&current), "customer_id", ScoreOptions::default());
    // Every row explained, by the library, on the values the CSV round trip gives back.
    let back = attrition::io::flat::load_flat_from_reader(
        to_csv(&current).as_bytes(),
        "scoring.csv",
        &attrition::io::flat::FlatOptions::new().id("customer_id"),
    )
    .unwrap()
    .dataset;
    let all = model.score(&back, true).unwrap();
    let e = all.explanations.as_ref().unwrap();
    let phrases = Phrasebook::new(&model);
    let (mut low, mut with_reasons) = (0, 0);
    for (k, row) in scored.iter().enumerate() {
        let want: Vec<String> = phrases
            .reasons(&back, e, k, all.p_churn[k], &ReasonOptions::default())
            .into_iter()
            .map(|r| r.feature)
            .collect();
        let got: Vec<String> = reasons_of(row).into_iter().map(|(f, _)| f).collect();
        assert_eq!(got, want, "row {k}: {row:?}");
        low += usize::from(row["risk_tier"] == "low");
        with_reasons += usize::from(!got.is_empty());
    }
    assert!(low > 0 && with_reasons > 0, "{low} low-tier rows, {with_reasons} with reasons");
    let everyone = score_text(
        &model,
        &to_csv(&current),
        "customer_id",
        ScoreOptions { reasons_from: RiskTier::Low, ..ScoreOptions::default() },
    );
    assert!(everyone.iter().any(|r| r["risk_tier"] == "low" && !reasons_of(r).is_empty()));
}

/// The reasons `model` gives row `row` of `data` (features in that order), when the first of
/// its two features adds 0.9 and the second 0.4 to the log-odds: which comes first.
fn reason_order(
    model: &attrition::models::trained::TrainedModel,
    data: &Dataset,
    row: usize,
    count: usize,
) -> Vec<String> {
    use attrition::models::trained::{ExplanationMethod, Explanations};
    use attrition::scoring::reasons::{Phrasebook, ReasonOptions};
    let explained = Explanations {
        features: data.feature_names().into_iter().map(String::from).collect(),
        contributions: ndarray::Array2::from_shape_vec((1, 2), vec![0.9, 0.4]).unwrap(),
        base: 0.0,
        method: ExplanationMethod::Shapley,
    };
    let options = ReasonOptions { count, from_tier: RiskTier::Low };
    let book = Phrasebook::new(model);
    book.reasons(&data.take(&[row]), &explained, 0, 0.9, &options).into_iter().map(|r| r.feature).collect()
}

/// A feature whose value sits on the retained customers' side of the training medians (usage
/// above theirs) raised the risk only together with the customer's other values; listed first it
/// reads backwards ("9.9 events/week (retained customers: 2.3/week)" as a churn reason). Such
/// features come after every other risk-raising feature, order otherwise kept.
#[test]
fn reasons_on_the_retained_side_come_last() {
    let n = 400;
    let usage: Vec<f64> = (0..n).map(|i| (i % 20) as f64).collect();
    let tickets: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64).collect();
    let y: Vec<bool> = (0..n).map(|i| i % 20 < 6 || ((i * 7) % 5 == 4 && i % 3 == 0)).collect();
    let data = Dataset::new(vec![Column::numeric("usage", usage), Column::numeric("tickets", tickets)])
        .unwrap()
        .with_churned(y)
        .unwrap();
    let model = ModelParams::new(ModelKind::Logistic).fit(&data).unwrap().with_profile(&data).unwrap();
    // Row 19: usage 19 (above retained customers' median), tickets 3; row 5: usage 5 (below).
    let order = |row: usize| reason_order(&model, &data, row, 2);
    assert_eq!(order(19), ["tickets", "usage"], "high usage: listed after the other reason");
    assert_eq!(order(5), ["usage", "tickets"], "low usage: the largest contribution first");
    assert_eq!(reason_order(&model, &data, 19, 1), ["tickets"]);
}

/// As above where both groups have the same median (a count on a coarse grid): the means say
/// which side is the retained customers'. Here breadth is 5 for most customers, 9 for some
/// retained ones and 1 for some churned ones; 9 is listed after the other reason.
#[test]
fn reasons_on_the_retained_side_come_last_when_the_medians_tie() {
    let n = 400;
    let y: Vec<bool> = (0..n).map(|i| i % 4 == 0).collect();
    let breadth: Vec<f64> = (0..n)
        .map(|i| {
            if i % 4 == 0 {
                if i % 12 == 0 { 1.0 } else { 5.0 }
            } else if i % 3 == 0 {
                9.0
            } else {
                5.0
            }
        })
        .collect();
    let tickets: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64).collect();
    let row9 = (0..n).find(|&i| breadth[i] == 9.0).unwrap();
    let row1 = (0..n).find(|&i| breadth[i] == 1.0).unwrap();
    let data = Dataset::new(vec![Column::numeric("breadth", breadth), Column::numeric("tickets", tickets)])
        .unwrap()
        .with_churned(y)
        .unwrap();
    let model = ModelParams::new(ModelKind::Logistic).fit(&data).unwrap().with_profile(&data).unwrap();
    let p = model.profile.as_ref().unwrap().features.iter().find(|f| f.name == "breadth").unwrap();
    let num = p.numeric.as_ref().unwrap();
    assert_eq!(num.retained.median, num.churned.median, "the medians tie");
    let order = |row: usize| reason_order(&model, &data, row, 2);
    assert_eq!(order(row9), ["tickets", "breadth"], "breadth above the retained side: listed last");
    assert_eq!(order(row1), ["breadth", "tickets"], "breadth below: the largest contribution first");
    // At the shared median itself the value is on neither side.
    let b = data.column("breadth").and_then(|c| c.as_numeric()).unwrap();
    let row5 = (0..n).find(|&i| b[i] == 5.0).unwrap();
    assert_eq!(order(row5), ["breadth", "tickets"], "breadth at both medians: order kept");
}
