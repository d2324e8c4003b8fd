//! `attrition uplift`: fit and evaluate a two-model uplift learner on retention-experiment data.

use std::path::PathBuf;

use attrition::io::flat::{FlatOptions, load_flat};
use attrition::models::trained::ModelKind;
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
    #[arg(long)]
    data: PathBuf,
    /// Treatment column (true/false, 1/0, yes/no).
    #[arg(long)]
    treatment: String,
    /// Outcome column: churned (true/false, 1/0, yes/no).
    #[arg(long)]
    outcome: String,
    /// Id column.
    #[arg(long, default_value = "customer_id")]
    id: String,
    /// Column with each customer's value if they stay (e.g. CLV); default: 1 for everyone.
    #[arg(long)]
    value: Option<String>,
    /// Offer cost δ (paid by customers who renew, unless --unconditional).
    #[arg(long, default_value_t = 0.0)]
    offer_cost: f64,
    /// The offer is paid to everyone contacted.
    #[arg(long)]
    unconditional: bool,
    /// Share held out for evaluation.
    #[arg(long, default_value_t = 0.5)]
    holdout: f64,
    #[command(flatten)]
    model: ModelArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut opts = FlatOptions::new().target(&args.outcome).id(&args.id).categorical(&args.treatment);
    if let Some(v) = &args.value {
        opts = opts.numeric(v);
    }
    let mut data = load_flat(&args.data, &opts)?.dataset;
    let pos =
        data.columns.iter().position(|c| c.name == args.treatment).ok_or_else(|| Error::FeatureMismatch {
            reason: format!("treatment column `{}` not found", args.treatment),
        })?;
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
    let params = CampaignProfitParams::new(offer);
    let by_pi = campaign_profit_curve(&pi, &te_y, &te_t, &te_v, &te_v, &params)?;
    let by_risk = campaign_profit_curve(&pred.r0, &te_y, &te_t, &te_v, &te_v, &params)?;
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
    println!(
        "best held-out campaign profit: by uplift π {:.1} targeting {} ({:.1}%); by churn risk {:.1} targeting {}",
        by_pi.best_profit,
        by_pi.best_size,
        100.0 * by_pi.best_fraction(),
        by_risk.best_profit,
        by_risk.best_size
    );
    if args.model.model == ModelKind::Tree {
        println!("(a single tree per arm is a weak uplift learner; try --model gbdt or logistic)");
    }
    Ok(())
}
