//! `attrition report`: the model part of the churn report for a user's own model and data.

use std::path::PathBuf;

use attrition::Result;
use attrition::evaluation::{OutOfFold, evaluate};
use attrition::models::ChurnModel;
use attrition::models::trained::TrainedModel;
use attrition::report::{Chart, Headline, Report, Table};

use crate::charts::{Scored, model_section};
use crate::common::DataArgs;

/// Arguments of `attrition report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file written by `attrition train`.
    #[arg(long)]
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Output directory (index.html and the CSVs behind it). It appears only when complete; an
    /// existing directory is replaced only with --force, or when attrition wrote it and nothing
    /// was added since.
    #[arg(long, default_value = "report")]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let plan = args.force.plan().replace_own_dirs(true).input("--model", &args.model).input("--data", &args.data.data);
    plan.check_dir("--out", &args.out)?;
    let model = TrainedModel::load(&args.model)?;
    let data = args.data.load(false)?;
    let y = data.churned_or_err()?.to_vec();
    let p = model.predict_proba(&data)?;
    let n = y.len();
    let oof = OutOfFold {
        rows: (0..n).collect(),
        fold: vec![0; n],
        y_true: y.clone(),
        p_churn: p.clone(),
        ids: data.ids.clone(),
        n_folds: 1,
        n_untested: 0,
    };
    let e = evaluate(&oof)?;
    let expl = model.explain(&data)?;
    let mut report = Report::new("Churn model report");
    report.subtitle = format!(
        "{} model {} scored on {} ({} rows). These are in-sample figures unless this file was held out from training.",
        model.kind,
        args.model.display(),
        args.data.data.display(),
        n
    );
    report.headlines = vec![
        Headline {
            label: "ROC-AUC".into(),
            value: format!("{:.3}", e.roc_auc),
            note: format!("PR-AUC {:.3}", e.pr_auc),
        },
        Headline {
            label: "Top-decile lift".into(),
            value: format!("{:.2}×", e.top_decile_lift),
            note: format!("churn rate {:.1}%", 100.0 * e.churn_rate),
        },
        Headline {
            label: "Log-loss".into(),
            value: format!("{:.4}", e.log_loss),
            note: format!("Brier {:.4}, ECE {:.4}", e.brier, e.ece),
        },
        Headline {
            label: "EMPC".into(),
            value: format!("{:.3}", e.empc),
            note: format!("target {:.1}% of customers", 100.0 * e.empc_fraction_targeted),
        },
    ];
    let scored = [Scored { name: model.kind.to_string(), y: &y, p: &p, auc: e.roc_auc }];
    let drivers = model.importance(&data)?;
    let mut section = model_section(&scored, &drivers, "on the data given")?;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    let ids = data.ids.clone().unwrap_or_else(|| (0..n).map(|i| i.to_string()).collect());
    let rows = order
        .iter()
        .take(25)
        .map(|&i| {
            let r = expl.top_reasons(i, 3);
            let mut v = vec![ids[i].clone(), format!("{:.1}%", 100.0 * p[i])];
            v.extend((0..3).map(|k| r.get(k).map_or(String::new(), |x| x.0.to_string())));
            v
        })
        .collect();
    section = section.chart(Chart::Table(Table {
        id: "riskiest".into(),
        title: "Riskiest customers and why".into(),
        columns: ["customer", "P(churn)", "reason 1", "reason 2", "reason 3"].map(String::from).to_vec(),
        rows,
        reading: "Reasons are the features that pushed each customer's risk up most.".into(),
    }));
    report.sections.push(section);
    let out = plan.create_dir("--out", &args.out)?;
    report.write(out.path())?;
    out.commit()?;
    println!("ROC-AUC {:.3}; report: {}", e.roc_auc, args.out.join("index.html").display());
    Ok(())
}
