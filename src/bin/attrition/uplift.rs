//! `attrition uplift`: fit and evaluate a two-model uplift learner on retention-experiment data.

use std::path::PathBuf;

use attrition::experiment::{TargetingParams, cross_fitted_targeting, estimated_acceptance, experiment_data};
use attrition::features::FeatureCatalogue;
use attrition::io::flat::{FlatOptions, load_flat};
use attrition::models::trained::ModelKind;
use attrition::profit::CampaignParams;
use attrition::uplift::{
    CampaignProfitParams, OfferTerms, ProfitLiftParams, TLearnerParams, campaign_profit_curve, profit_lift,
    qini_coefficient,
};
use attrition::validation::stratified_holdout;
use attrition::{ColumnData, Error, Result};

use crate::common::ModelArgs;

/// Arguments of `attrition uplift`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Experiment CSV: one row per drawn customer, features, treatment flag and outcome.
    #[arg(long, required_unless_present = "tables", conflicts_with = "tables")]
    data: Option<PathBuf>,
    /// Instead of a CSV: a tables folder with a `campaign.csv` (as `attrition simulate` writes).
    /// Features are built the day before the campaign, the outcome is churn within
    /// `--horizon-days`, and the five targeting rules are compared cross-fitted.
    #[arg(long)]
    tables: Option<PathBuf>,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long, requires = "tables")]
    schema: Option<std::path::PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// Treatment column (true/false, 1/0, yes/no).
    #[arg(long, required_unless_present = "tables")]
    treatment: Option<String>,
    /// Outcome column: churned (true/false, 1/0, yes/no).
    #[arg(long, required_unless_present = "tables")]
    outcome: Option<String>,
    /// Id column.
    #[arg(long, default_value = "customer_id")]
    id: String,
    /// Column with each customer's value if they stay (e.g. CLV); default: 1 for everyone.
    #[arg(long)]
    value: Option<String>,
    /// Offer cost δ (paid by customers who renew, unless --unconditional). With --tables each
    /// customer's cost comes from `campaign.csv`. In [0, 10¹²].
    #[arg(long, default_value_t = 0.0, value_parser = crate::common::range::money())]
    offer_cost: f64,
    /// The offer is paid to everyone contacted.
    #[arg(long)]
    unconditional: bool,
    /// Share held out for evaluation, in (0, 1).
    #[arg(long, default_value_t = 0.5, value_parser = crate::common::range::open(0.0, 1.0))]
    holdout: f64,
    /// With --tables: days after the campaign within which leaving counts as churn (1–36500).
    #[arg(long, default_value_t = 180, value_parser = crate::common::range::days())]
    horizon_days: i64,
    /// With --tables: gross margin on MRR (a kept customer is worth margin × value-months × MRR),
    /// in [0, 1].
    #[arg(long, default_value_t = 0.7, value_parser = crate::common::range::unit())]
    margin: f64,
    /// With --tables: months of MRR a kept customer is worth, in (0, 1200].
    #[arg(long, default_value_t = 24.0, value_parser = crate::common::range::above(0.0, 1200.0))]
    value_months: f64,
    /// With --tables: cost of contacting a customer, in [0, 10¹²].
    #[arg(long, default_value_t = 1.0, value_parser = crate::common::range::money())]
    contact_cost: f64,
    /// Measure campaign profit by the paper's raw difference of the arms' per-capita values,
    /// without adjusting for the chance imbalance in pre-offer value between them.
    #[arg(long)]
    raw_lift: bool,
    /// With --tables: cross-fitting folds (2–100).
    #[arg(long, default_value_t = 2, value_parser = crate::common::range::count(2, crate::common::range::MAX_FOLDS))]
    folds: usize,
    /// With --tables: repeats over fold seeds (seed, seed + 1, …), 1–100.
    #[arg(long, default_value_t = 4, value_parser = crate::common::range::count(1, crate::common::range::MAX_FOLDS))]
    repeats: usize,
    #[command(flatten)]
    model: ModelArgs,
}

/// `--tables` mode: the five targeting rules, cross-fitted on the whole experiment.
fn compare_on_tables(dir: &std::path::Path, args: &Args) -> Result<()> {
    let loaded = crate::common::read_tables(dir, args.schema.as_deref(), &args.event_types.read_options(false))?;
    crate::common::warn_merged(&loaded);
    crate::common::warn_tables(&loaded);
    if let Some(c) = &loaded.report.churn {
        eprintln!("{c}");
    }
    let tables = loaded.tables;
    let catalogue = FeatureCatalogue::standard().resolve(&tables)?;
    let exp = experiment_data(&tables, &catalogue, args.horizon_days)?;
    let params = TargetingParams {
        margin: args.margin,
        value_months: args.value_months,
        contact_cost: args.contact_cost,
        acceptance: None,
        holdout: args.holdout,
        adjust_for_value: !args.raw_lift,
        seed: args.model.seed,
    };
    let x = cross_fitted_targeting(&exp, &args.model.params(), &params, args.folds, args.repeats)?;
    let treated = exp.treated.iter().filter(|&&t| t).count();
    println!(
        "Experiment on {}: {} customers ({} offered, {} control; {} drawn without a feature row, left out); \
         churn within {} days {:.3}",
        exp.date,
        x.n,
        treated,
        x.n - treated,
        exp.n_without_features,
        args.horizon_days,
        exp.data.churn_rate().unwrap_or(f64::NAN)
    );
    println!(
        "Acceptance γ for (b), from the experiment: {:.3} (each fold uses its training rows' estimate)",
        estimated_acceptance(exp.data.churned_or_err()?, &exp.treated)
    );
    println!(
        "Best campaign profit ({}), {} models, cross-fitted ({} folds × {} seeds), mean ± s.e.:",
        lift_name(args.raw_lift),
        args.model.model,
        args.folds,
        args.repeats
    );
    for (name, rule) in x.rules() {
        println!("  {name:<42} {:>12.0} ± {:.0}", rule.mean, rule.std_error);
    }
    println!("Qini coefficient (mean): uplift {:.4}, churn risk {:.4}", x.qini_uplift, x.qini_churn_probability);
    Ok(())
}

/// How campaign profit is measured, for the output.
fn lift_name(raw: bool) -> &'static str {
    if raw { "raw difference of the arms" } else { "adjusted for pre-offer value" }
}

/// Runs the command. The learners' `min_arm_rows` is no flag: its error says what to change.
pub fn run(args: Args) -> Result<()> {
    run_inner(args).map_err(|e| match e {
        Error::InvalidParameter { name: "min_arm_rows", value, reason } => Error::param(
            "experiment",
            reason,
            format!(
                "each arm needs at least {value} training rows to fit its model: a larger experiment, or more \
                 training rows (a smaller --holdout; with --tables, more --folds)"
            ),
        ),
        e => e,
    })
}

fn run_inner(args: Args) -> Result<()> {
    if let Some(dir) = &args.tables {
        return compare_on_tables(dir, &args);
    }
    let (Some(path), Some(treatment), Some(outcome)) = (&args.data, &args.treatment, &args.outcome) else {
        return Err(Error::param("uplift", "missing input", "give --data with --treatment and --outcome, or --tables"));
    };
    let mut opts = FlatOptions::new().target(outcome).id(&args.id).categorical(treatment);
    if let Some(v) = &args.value {
        opts = opts.numeric(v);
    }
    let mut data = load_flat(path, &opts)?.dataset;
    let pos = data
        .columns
        .iter()
        .position(|c| &c.name == treatment)
        .ok_or_else(|| Error::FeatureMismatch { reason: format!("treatment column `{treatment}` not found") })?;
    let tcol = data.columns.remove(pos);
    let treated: Vec<bool> = match &tcol.data {
        ColumnData::Categorical(c) => (0..tcol.len())
            .map(|i| match c.value(i).map(|s| s.to_ascii_lowercase()) {
                Some(s) if ["1", "true", "yes", "treated"].contains(&s.as_str()) => Ok(true),
                Some(s) if ["0", "false", "no", "control"].contains(&s.as_str()) => Ok(false),
                other => Err(Error::param(
                    "treatment",
                    format!("{other:?} at row {}", i + 1),
                    "treatment values must be true/false, 1/0, yes/no",
                )),
            })
            .collect::<Result<_>>()?,
        ColumnData::Numeric(_) => unreachable!("loaded as categorical"),
    };
    let value: Vec<f64> = match &args.value {
        Some(v) => {
            let pos = data
                .columns
                .iter()
                .position(|c| &c.name == v)
                .ok_or_else(|| Error::FeatureMismatch { reason: format!("value column `{v}` not found") })?;
            let col = data.columns.remove(pos);
            col.as_numeric().map(|x| x.to_vec()).unwrap_or_default()
        }
        None => vec![1.0; data.n_rows()],
    };
    let churned = data.churned_or_err()?.to_vec();
    let strata: Vec<bool> = (0..churned.len()).map(|i| treated[i] ^ churned[i]).collect();
    let split = stratified_holdout(&strata, args.holdout, args.model.seed)?;
    let train = data.take(&split.train);
    let test = data.take(&split.test);
    let pick = |v: &[bool], rows: &[usize]| rows.iter().map(|&i| v[i]).collect::<Vec<bool>>();
    let (tr_t, te_t, te_y) = (pick(&treated, &split.train), pick(&treated, &split.test), pick(&churned, &split.test));
    let te_v: Vec<f64> = split.test.iter().map(|&i| value[i]).collect();
    let learner = TLearnerParams::new(args.model.params());
    let fitted = learner.fit(&train, &tr_t)?;
    let pred = fitted.predict(&test)?;
    let terms = if args.unconditional { OfferTerms::Unconditional } else { OfferTerms::PaidOnRenewal };
    let offer = ProfitLiftParams::new(args.offer_cost, terms);
    let pi = profit_lift(&pred.r0, &pred.r1, &te_v, &te_v, &offer)?;
    let params = CampaignProfitParams::new(offer).adjust_for_value(!args.raw_lift);
    let by_pi = campaign_profit_curve(&pi, &te_y, &te_t, &te_v, &te_v, &params)?;
    let by_risk = campaign_profit_curve(&pred.r0, &te_y, &te_t, &te_v, &te_v, &params)?;
    // Verbraken's expected profit with the acceptance rate the training rows show.
    let gamma = estimated_acceptance(train.churned_or_err()?, &tr_t);
    let campaign = CampaignParams::new(args.offer_cost, 0.0, gamma);
    let expected: Vec<f64> = pred.r0.iter().zip(&te_v).map(|(&p, &m)| campaign.expected_value(p, m)).collect();
    let by_expected = campaign_profit_curve(&expected, &te_y, &te_t, &te_v, &te_v, &params)?;
    let stayed: Vec<bool> = te_y.iter().map(|c| !c).collect();
    println!(
        "T-learner ({}) on {} training rows ({} treated); evaluated on {} held-out rows",
        args.model.model,
        train.n_rows(),
        tr_t.iter().filter(|&&t| t).count(),
        test.n_rows()
    );
    println!(
        "Qini coefficient: uplift {:.4}, churn risk {:.4}",
        qini_coefficient(&stayed, &pred.churn_reduction(), &te_t)?,
        qini_coefficient(&stayed, &pred.r0, &te_t)?
    );
    println!("best held-out campaign profit ({}; targeted customers):", lift_name(args.raw_lift));
    for (name, c) in [
        ("(a) churn risk".to_string(), &by_risk),
        (format!("(b) expected profit, γ̂ = {gamma:.3}"), &by_expected),
        ("(c) uplift π".to_string(), &by_pi),
    ] {
        println!("  {name:<32} {:>12.1} ({} = {:.1}%)", c.best_profit, c.best_size, 100.0 * c.best_fraction());
    }
    if args.model.model == ModelKind::Tree {
        println!("(a single tree per arm is a weak uplift learner; try --model gbdt or logistic)");
    }
    Ok(())
}
