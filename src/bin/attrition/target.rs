//! `attrition target`: who to contact with a retention offer, by expected profit.

use std::path::PathBuf;

use attrition::io::flat::{FlatOptions, load_flat};
use attrition::models::row::Reason;
use attrition::models::trained::{ExplanationMethod, TrainedModel};
use attrition::models::validate::MAX_EXPLAIN_COST_PER_ROW;
use attrition::profit::{CampaignParams, ClvParams, clv_from_churn_probability, plan_campaign};
use attrition::scoring::playbook::Playbook;
use attrition::scoring::reasons::{Phrasebook, ReasonOptions, ReasonRows};
use attrition::{Error, Result};

mod write;
use write::Targets;

/// Arguments of `attrition target`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file written by `attrition train`.
    #[arg(long)]
    model: PathBuf,
    /// CSV with the model's features (and an MRR or CLV column; `-`: standard input).
    #[arg(long)]
    data: PathBuf,
    /// A value meaning "missing", like a blank cell, e.g. `NA` (repeatable).
    #[arg(long = "na-values", value_name = "VALUE")]
    na_values: Vec<String>,
    /// Id column; `none`: the input has none, rows are numbered. Default: the one the model was
    /// trained with (`train --id`), else `customer_id`.
    #[arg(long)]
    id: Option<String>,
    /// Column holding each customer's CLV (otherwise CLV comes from MRR and P(churn)).
    #[arg(long, conflicts_with_all = ["margin", "discount"])]
    clv_column: Option<String>,
    /// Column holding MRR (for CLV from P(churn)).
    #[arg(long, default_value = "mrr")]
    mrr_column: String,
    /// Gross margin on MRR, in [0, 1].
    #[arg(long, default_value_t = 0.7, value_parser = crate::common::range::unit())]
    margin: f64,
    /// Monthly discount rate, in [0, 1].
    #[arg(long, default_value_t = 0.01, value_parser = crate::common::range::unit())]
    discount: f64,
    /// CLV horizon in months (1–1200).
    #[arg(long, default_value_t = 36, value_parser = clap::value_parser!(u32).range(1..=1200))]
    horizon_months: u32,
    /// Length in days of the window the model's P(churn) refers to, in (0, 36500] (default: the
    /// label window the model file records; 90 when it records none, with a warning).
    #[arg(long, value_parser = crate::common::range::above(0.0, 36_500.0))]
    label_days: Option<f64>,
    /// Cost d of the retention offer, in [0, 10¹²].
    #[arg(long, value_parser = crate::common::range::money())]
    offer_cost: f64,
    /// Cost f of contacting a customer, in [0, 10¹²].
    #[arg(long, default_value_t = 1.0, value_parser = crate::common::range::money())]
    contact_cost: f64,
    /// Probability γ that a contacted would-be churner accepts and stays, in [0, 1].
    #[arg(long, default_value_t = 0.3, value_parser = crate::common::range::unit())]
    acceptance: f64,
    /// Output CSV, ranked by expected profit: customer_id, p_churn, risk_tier, clv,
    /// expected_profit, target, reason_1..3 (in words), action (`-`: standard output).
    #[arg(long)]
    out: PathBuf,
    /// Playbook file (TOML: an `action` per reason family) for the `action` column; default:
    /// the built-in playbook.
    #[arg(long)]
    playbook: Option<PathBuf>,
    #[command(flatten)]
    force: crate::common::ForceArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let campaign = CampaignParams::new(args.offer_cost, args.contact_cost, args.acceptance);
    campaign.check()?;
    let mut outputs = args.force.plan().input("--data", &args.data).input("--model", &args.model);
    if let Some(p) = &args.playbook {
        outputs = outputs.input("--playbook", p);
    }
    outputs.check_file("--out", &args.out)?;
    crate::output_path(&args.out);
    let model = TrainedModel::load(&args.model)?;
    let playbook = match &args.playbook {
        Some(p) => Playbook::read(p)?,
        None => Playbook::default(),
    };
    let label_days = match (args.label_days, model.label_window()) {
        (Some(d), _) => d,
        (None, Some(w)) => f64::from(w.horizon_days),
        (None, None) => {
            eprintln!(
                "warning: {} records no label window (trained without --feature-build); assuming P(churn) refers to 90 days (--label-days)",
                args.model.display()
            );
            90.0
        }
    };
    // As `score`: the model's id column and missing-value spellings unless told otherwise.
    let id = args.id.as_deref().or(model.input.id_name()).unwrap_or("none");
    let mut options = crate::common::with_id(FlatOptions::new(), id);
    for v in model.input.na_values.iter().chain(&args.na_values) {
        options = options.na_value(v);
    }
    // Warnings about columns the model does not read (how they would be read as features) do
    // not concern it.
    let options = crate::common::reading_for_model(options, &model);
    let loaded = load_flat(&args.data, &options)?;
    for w in &loaded.report.warnings {
        if crate::common::about_model(w, &model) {
            eprintln!("warning: {w}");
        }
    }
    let data = loaded.dataset;
    // Probabilities and, when affordable, the reasons in words (none in the low tier, whose rows
    // are not explained).
    let p = model.score(&data, false)?.p_churn;
    let options = ReasonOptions::default();
    let explained = ReasonRows::new(&model, &data, &p, &options, MAX_EXPLAIN_COST_PER_ROW)?;
    match explained.method {
        Some(ExplanationMethod::PathAttribution) => eprintln!(
            "note: reasons come from path attribution (Saabas), not Shapley values: TreeSHAP on this model costs \
             ~{} steps per row, over the explanation limit",
            model.explain_cost_per_row()
        ),
        None => eprintln!(
            "warning: reasons not available: explaining this model costs ~{} steps per row, over the limit",
            model.explain_cost_per_row()
        ),
        Some(ExplanationMethod::Shapley) => {}
    }
    let phrases = Phrasebook::new(&model);
    let reasons: Vec<Vec<Reason>> = (0..p.len()).map(|i| explained.reasons(&phrases, i, p[i], &options)).collect();
    // A money column: numeric, present, finite and ≥ 0 for every customer (named by flag, file,
    // customer id and data row when not).
    let column = |flag: &'static str, name: &str| -> Result<Vec<f64>> {
        let file = args.data.display();
        let Some(col) = data.column(name) else {
            let shown: Vec<&str> = data.columns.iter().take(8).map(|c| c.name.as_str()).collect();
            return Err(Error::param(
                flag,
                name,
                format!(
                    "no such column in {file} (its columns: {}{}); name the MRR column with --mrr-column COL, \
                     or a CLV column with --clv-column COL",
                    shown.join(", "),
                    if data.columns.len() > 8 { ", …" } else { "" }
                ),
            ));
        };
        let Some(v) = col.as_numeric() else {
            return Err(Error::param(
                flag,
                name,
                format!("column `{name}` of {file} is not numeric (read as categorical)"),
            ));
        };
        let bad: Vec<usize> = (0..v.len()).filter(|&i| !(v[i].is_finite() && v[i] >= 0.0)).collect();
        if let Some(&i) = bad.first() {
            let who = data.ids.as_ref().map_or(String::new(), |ids| format!("customer {} ", ids[i]));
            return Err(Error::param(
                flag,
                name,
                format!(
                    "column `{name}` of {file} is missing, negative or not finite for {} customer{} \
                     (first: {who}in data row {}, value {}); every customer needs an amount ≥ 0",
                    bad.len(),
                    if bad.len() == 1 { "" } else { "s" },
                    i + 1,
                    v[i]
                ),
            ));
        }
        Ok(v.to_vec())
    };
    let clv = match &args.clv_column {
        Some(c) => column("--clv-column", c)?,
        None => {
            clv_from_churn_probability(
                &column("--mrr-column", &args.mrr_column)?,
                &p,
                label_days,
                &ClvParams::new(args.margin, args.discount, args.horizon_months),
            )?
            .clv
        }
    };
    let plan = plan_campaign(&p, &clv, &campaign)?;
    let ids = data.ids.clone().unwrap_or_else(|| (0..data.n_rows()).map(|i| i.to_string()).collect());
    let file = outputs.create_file("--out", &args.out)?;
    write::targets(
        file,
        &args.out,
        &Targets { ids: &ids, p: &p, clv: &clv, reasons: &reasons, plan: &plan },
        &model,
        &playbook,
    )?;
    let s = plan.summary();
    println!(
        "contact {} of {} customers ({:.1}%): expected campaign profit {:.0}; the same number by churn risk alone: {:.0}; best by risk: {:.0} at {}",
        s.contact,
        s.customers,
        100.0 * s.contact as f64 / s.customers.max(1) as f64,
        s.expected_profit,
        s.by_risk_same_size,
        s.by_risk_best_profit,
        s.by_risk_best_size
    );
    println!("wrote {} (ranked by expected profit)", args.out.display());
    Ok(())
}
