//! `attrition uplift`: compare targeting rules on a retention experiment (a flat CSV or a tables
//! folder with `campaign.csv`); the comparison is the library's [`attrition::experiment`].

use std::path::PathBuf;

use attrition::experiment::{FlatExperiment, TargetingParams, compare_targeting};
use attrition::models::trained::ModelKind;
use attrition::uplift::OfferTerms;
use attrition::{Error, Result};

use crate::common::ModelArgs;
use crate::common::range;

mod tables;

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
    schema: Option<PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// Treatment column (true/false, 1/0, yes/no, treated/control).
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
    #[arg(long, default_value_t = 0.0, value_parser = range::money())]
    offer_cost: f64,
    /// The offer is paid to everyone contacted (needs one offer cost for every customer).
    #[arg(long)]
    unconditional: bool,
    /// Share held out for evaluation, in (0, 1).
    #[arg(long, default_value_t = 0.5, value_parser = range::open(0.0, 1.0))]
    holdout: f64,
    /// With --tables: churned = not active this many days after the campaign (1–36500; a customer
    /// who left and came back by then is retained).
    #[arg(long, default_value_t = 180, value_parser = range::days())]
    horizon_days: i64,
    /// With --tables: gross margin on MRR (a kept customer is worth margin × value-months × MRR),
    /// in [0, 1].
    #[arg(long, default_value_t = 0.7, value_parser = range::unit())]
    margin: f64,
    /// With --tables: months of MRR a kept customer is worth, in (0, 1200].
    #[arg(long, default_value_t = 24.0, value_parser = range::above(0.0, 1200.0))]
    value_months: f64,
    /// Cost of contacting a customer, in [0, 10¹²]; default 1 with --tables, 0 with --data.
    #[arg(long, value_parser = range::money())]
    contact_cost: Option<f64>,
    /// Measure campaign profit by the paper's raw difference of the arms' per-capita values,
    /// without adjusting for the chance imbalance in pre-offer value between them.
    #[arg(long)]
    raw_lift: bool,
    /// With --tables: cross-fitting folds (2–100).
    #[arg(long, default_value_t = 2, value_parser = range::count(2, range::MAX_FOLDS))]
    folds: usize,
    /// With --tables: repeats over fold seeds (seed, seed + 1, …), 1–100.
    #[arg(long, default_value_t = 4, value_parser = range::count(1, range::MAX_FOLDS))]
    repeats: usize,
    #[command(flatten)]
    model: ModelArgs,
    /// With --tables: also write the experiment as one flat CSV (features, `treated`, `value`,
    /// `churned`), the file `--data F --treatment treated --outcome churned --value value` reads.
    #[arg(long, requires = "tables")]
    experiment_out: Option<PathBuf>,
    #[command(flatten)]
    force: crate::common::ForceArgs,
}

impl Args {
    fn targeting(&self, default_contact_cost: f64) -> TargetingParams {
        TargetingParams {
            margin: self.margin,
            value_months: self.value_months,
            contact_cost: self.contact_cost.unwrap_or(default_contact_cost),
            acceptance: None,
            holdout: self.holdout,
            adjust_for_value: !self.raw_lift,
            seed: self.model.seed,
            offer_terms: if self.unconditional { OfferTerms::Unconditional } else { OfferTerms::PaidOnRenewal },
        }
    }
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
        return tables::compare_on_tables(dir, &args);
    }
    let (Some(path), Some(treatment), Some(outcome)) = (&args.data, &args.treatment, &args.outcome) else {
        return Err(Error::param("uplift", "missing input", "give --data with --treatment and --outcome, or --tables"));
    };
    let mut spec = FlatExperiment::new(treatment, outcome).id(&args.id).offer_cost(args.offer_cost);
    if let Some(v) = &args.value {
        spec = spec.value(v);
    }
    let exp = spec.load(path)?;
    let c = compare_targeting(&exp, &args.model.params(), &args.targeting(0.0))?;
    println!("{exp}");
    println!("{} models fitted on the training half; evaluated on {} held-out rows", args.model.model, c.n_holdout);
    println!("Qini coefficient: uplift {:.4}, churn risk {:.4}", c.qini_uplift, c.qini_churn_probability);
    println!(
        "Observed effect of the offer on churn (held out, treated − control): {:+.3}; acceptance γ for (b): {:.3}",
        c.ate_holdout, c.acceptance
    );
    println!("Best held-out campaign profit ({}; targeted customers):", lift_name(args.raw_lift));
    print!("{c}");
    if args.model.model == ModelKind::Tree {
        println!("(a single tree per arm is a weak uplift learner; try --model gbdt or logistic)");
    }
    Ok(())
}
