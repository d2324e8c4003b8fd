//! `attrition evaluate`: out-of-fold metrics of a model family on a flat CSV, or a saved model's
//! metrics on the observations of tables (`--model-file`, [`population`]).

use std::path::PathBuf;

use attrition::Result;
use attrition::evaluation::{cross_val_fit_predict_with_progress, evaluate};
use attrition::io::csv_out::CsvOut;
use attrition::models::auto::{self, AutoSelection};
use attrition::models::calibration::Calibrator;
use attrition::validation::{ids_repeat, inner_k_fold};

use crate::common::{DataArgs, ModelArgs};

mod population;

/// `--data` when not given (the arg needs a value; `evaluate` refuses this one).
const NO_DATA: &str = "<no --data>";

/// Arguments of `attrition evaluate`.
#[derive(Debug, clap::Args)]
// `--data` is not required with `--model-file` (an `Option<DataArgs>` would always be `None`:
// clap gives a struct with a nested flatten an empty group).
#[command(mut_arg("data", |a| a.required(false).default_value(NO_DATA).hide_default_value(true)))]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    population: population::PopulationArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Number of folds (2–100).
    #[arg(long, default_value_t = 5, value_parser = crate::common::range::count(2, crate::common::range::MAX_FOLDS))]
    folds: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Write out-of-fold predictions (id, y_true, p_churn) here (`-`: standard output).
    #[arg(long)]
    oof_out: Option<PathBuf>,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let data = match &args.population.model_file {
        Some(m) => return population::run(&args.population, m, args.json, args.quiet),
        None if args.data.data.as_os_str() == NO_DATA => {
            return Err(attrition::Error::param("--data", "<none>", "give --data, or --model-file with --tables"));
        }
        None => &args.data,
    };
    let plan = args.force.plan().input("--data", &data.data);
    if let Some(p) = &args.oof_out {
        plan.check_file("--oof-out", p)?;
        crate::output_path(p);
    }
    let data = data.load(args.quiet || args.json)?;
    // Observations repeat customers: then folds are grouped by customer, so no customer is in
    // both the training and the test side.
    let repeated = ids_repeat(&data);
    if repeated
        && !(args.quiet || args.json)
        && let Some(ids) = &data.ids
    {
        let distinct: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        eprintln!(
            "note: {} rows hold {} distinct ids (repeated customers, as in point-in-time observations): \
             folds are grouped by id, so no customer is on both sides",
            ids.len(),
            distinct.len()
        );
    }
    let folds = inner_k_fold(&data, args.folds, args.model.seed)?;
    let (pb, hook) = crate::progress::fit_bar(
        args.quiet || args.json,
        folds.len(),
        &format!("{}-fold cross-validation of {}", args.folds, args.model.model),
    );
    let mut params = args.model.params();
    params.progress = hook.clone();
    let (oof, models) = cross_val_fit_predict_with_progress(&params, &data, &folds, &hook)?;
    pb.finish_and_clear();
    let selections: Vec<&AutoSelection> = models.iter().filter_map(|m| m.selection.as_ref()).collect();
    let e = evaluate(&oof)?;
    if let Some(path) = &args.oof_out {
        let mut w = CsvOut::new(plan.create_file("--oof-out", path)?, path);
        w.record(["id", "y_true", "p_churn"])?;
        for (k, &row) in oof.rows.iter().enumerate() {
            let id = data.ids.as_ref().map_or_else(|| row.to_string(), |ids| ids[row].clone());
            w.record([id, u8::from(oof.y_true[k]).to_string(), oof.p_churn[k].to_string()])?;
        }
        w.into_inner()?.commit()?;
    }
    if args.json {
        let v = attrition::evaluation::evaluation_json(
            &args.model.model.to_string(),
            args.folds,
            repeated,
            &e,
            &selections,
        );
        println!("{v}");
    } else {
        println!(
            "{} on {} rows ({}-fold{}, seed {}): out-of-fold",
            args.model.model,
            e.rows,
            args.folds,
            if repeated { ", grouped by customer" } else { ", stratified" },
            args.model.seed
        );
        print_metrics(&e);
        print_selections(&selections);
    }
    Ok(())
}

/// The metrics of `e`, one per line.
fn print_metrics(e: &attrition::evaluation::Evaluation) {
    for (k, v) in [
        ("ROC-AUC", e.roc_auc),
        ("PR-AUC", e.pr_auc),
        ("log-loss", e.log_loss),
        ("Brier", e.brier),
        ("top-decile lift", e.top_decile_lift),
        ("ECE", e.ece),
        ("EMPC", e.empc),
        ("EMPC fraction targeted", e.empc_fraction_targeted),
        ("MPC", e.mpc),
    ] {
        println!("  {k:<24} {v:.4}");
    }
}

/// `auto`'s choice in each outer fold (or, from `train`, on its one training set) and each
/// one's inner cross-validation table.
pub fn print_selections(selections: &[&AutoSelection]) {
    let Some(first) = selections.first() else { return };
    let single = selections.len() == 1;
    let chosen: Vec<&str> = selections.iter().map(|s| s.chosen.as_str()).collect();
    let tried = selections.iter().map(|s| s.table.iter().filter(|c| c.name != auto::BLEND).count());
    let (fewest, most) = (tried.clone().min().unwrap_or(0), tried.max().unwrap_or(0));
    println!(
        "auto chose, by {}-fold inner CV log-loss ({}) on {}: {} ({} of {} configurations tried{})",
        first.folds,
        first.rule,
        if single { "the training data" } else { "each training part" },
        chosen.join(", "),
        if fewest == most { fewest.to_string() } else { format!("{fewest}–{most}") },
        first.portfolio.saturating_sub(1),
        if single { "" } else { " per training part" }
    );
    let calibrated: Vec<String> = selections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.calibrator.is_some())
        .map(|(k, _)| (k + 1).to_string())
        .collect();
    if !calibrated.is_empty() && !single {
        println!(
            "  the winner's probabilities are Platt-calibrated in fold{} {} (the map clearly lowered its inner log-loss)",
            if calibrated.len() > 1 { "s" } else { "" },
            calibrated.join(", ")
        );
    }
    for (k, s) in selections.iter().enumerate() {
        let part = if single { "the training data".to_string() } else { format!("fold {}", k + 1) };
        match s.search_rows {
            Some(n) => println!(
                "  {part}: searched on a seeded sample of whole customers, {n} rows (the budget could not cover \
                 the training part); the winner was refitted on every training row"
            ),
            None => println!("  {part}:"),
        }
        if let Some(why) = &s.trees_skipped {
            println!("    {}: {why}", if s.table.is_empty() { "nothing searched" } else { "boosted trees not tried" });
        }
        let searched = s.confirmation.as_ref().map_or(s.chosen.as_str(), |c| c.searched_choice.as_str());
        for c in &s.table {
            let stopped = c.stopped_after_folds.map_or(String::new(), |k| {
                format!(
                    " — stopped after {k} of {} folds (its scores are on those folds only), clearly worse there than its \
                     family's best",
                    s.folds
                )
            });
            println!("   {} {c}{stopped}", if c.name == searched { "*" } else { " " });
        }
        if let Some(c) = &s.confirmation {
            println!("{c}\n    → {}", s.chosen);
        }
        if s.refit_all_rows {
            println!("    the boosted trees, stopped early on a 15% hold-out, were fitted again on every training row");
        }
        if let (Some(Calibrator::Platt { a, b }), Some(c)) = (&s.calibrator, s.chosen_score()) {
            println!(
                "    the winner ({}) is calibrated, σ({a:.3} × log-odds {b:+.3}): a Platt map of its inner out-of-fold \
                 predictions (log-loss {:.4} → {:.4}, each fold mapped by the map of the others)",
                s.chosen,
                c.log_loss,
                c.calibrated_log_loss.unwrap_or(f64::NAN)
            );
        }
    }
}
