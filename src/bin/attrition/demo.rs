//! `attrition demo`: the whole study on the bundled sample (or a simulated world), written to
//! `report/index.html` with the CSVs behind it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use attrition::catalogue::{CatalogueFile, DiscoveryParams, EventCatalogue, discover, simulator_catalogue_applies};
use attrition::evaluation::{cross_val_predict, evaluate};
use attrition::experiment::{TargetingParams, compare_targeting, experiment_data};
use attrition::features::{FeatureCatalogue, FeatureParams, build_observations, infer_data_end, snapshot};
use attrition::io::tables::{ReadOptions, Tables};
use attrition::kpi::{KpiOptions, compute_kpis};
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::models::{ChurnModel, Learner};
use attrition::profit::{CampaignParams, ClvParams, EmpcParams, clv_from_churn_probability, empc_score, plan_campaign};
use attrition::report::changes::{compare_scores, read_previous_scores_file};
use attrition::report::format::{Currency, thousands};
use attrition::report::{BarChart, Chart, Headline, Heatmap, LineChart, Report, Section, Series, StackedBars, Table};
use attrition::simulate::{SimulationParams, simulate};
use attrition::study::{CustomerFactors, customer_factors};
use attrition::survival::{LifetimeOptions, RetentionOptions, cohort_matrix, lifetimes, retention_by_group};
use attrition::validation::grouped_k_fold;
use attrition::{Error, Result};
use chrono::{Duration, Months};

use crate::charts::{Scored, model_section};
use crate::simulate::spinner;

/// Arguments of `attrition demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Tables directory to study (default: the bundled sample, `datasets/sample`).
    #[arg(long)]
    tables: Option<PathBuf>,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long)]
    schema: Option<std::path::PathBuf>,
    /// Instead of the sample, simulate a world of this many customers (1–10,000,000; 24 months,
    /// seed 7).
    #[arg(long, value_parser = crate::common::range::count(1, crate::common::range::MAX_CUSTOMERS))]
    customers: Option<usize>,
    /// An event catalogue (JSON from `attrition catalogue`, possibly edited) for the tables' event
    /// types. Default: the simulator's catalogue when the data uses its event names, otherwise
    /// the one discovered from the tables.
    #[arg(long)]
    event_catalogue: Option<PathBuf>,
    /// Output directory of the report. It appears only when complete; an existing directory is
    /// replaced only with --force, or when attrition wrote it and nothing was added since.
    #[arg(long, default_value = "report")]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
    /// Seed of every random choice (any whole number 0–2⁶⁴ − 1).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// No progress output, only the final summary line.
    #[arg(long)]
    quiet: bool,
    /// How the report writes money: a symbol before the amount (`$`, `€`, `£`), a code after it
    /// (`EUR`), or "" for plain numbers.
    #[arg(long, default_value = "$")]
    currency: String,
    /// A previous run's scores.csv: the report gains a "Changes since the last run" section
    /// (new and lost customers, who became worth contacting, the largest increases of risk).
    #[arg(long)]
    previous: Option<PathBuf>,
}

fn sample_dir() -> PathBuf {
    let local = Path::new("datasets/sample");
    if local.join("customers.csv").exists() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample")
    }
}

/// Most observations cross-validated by the demo (a seeded sample of customers beyond it).
const MAX_CV_ROWS: usize = 150_000;

/// A seeded hash of a customer id, uniform in [0, 1).
fn unit_hash(id: &str, seed: u64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Labels a customer's group for a retention curve.
type GroupOf = Box<dyn Fn(&CustomerFactors) -> Option<String>>;

struct Step {
    quiet: bool,
    t: Instant,
}

impl Step {
    fn run<T>(&mut self, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let pb = spinner(self.quiet, what);
        let t = Instant::now();
        let out = f();
        pb.finish_and_clear();
        if !self.quiet && out.is_ok() {
            println!("  {what:<58} {:>6.1}s", t.elapsed().as_secs_f64());
        }
        out
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut outputs = args.force.plan().replace_own_dirs(true);
    if args.customers.is_none() {
        outputs = outputs.tables_input("--tables", args.tables.clone().unwrap_or_else(sample_dir));
    }
    if let Some(c) = &args.event_catalogue {
        outputs = outputs.input("--event-catalogue", c);
    }
    if let Some(p) = &args.previous {
        outputs = outputs.input("--previous", p);
    }
    outputs.check_dir("--out", &args.out)?;
    let previous = args.previous.as_deref().map(read_previous_scores_file).transpose()?;
    let mut step = Step { quiet: args.quiet, t: Instant::now() };
    let (tables, source): (Tables, String) = match args.customers {
        Some(n) => {
            let w = step.run(&format!("simulating {n} customers over 24 months"), || {
                simulate(&SimulationParams::new(n, 24, 7))
            })?;
            (w.tables, format!("a simulated world of {n} customers (seed 7)"))
        }
        None => {
            let dir = args.tables.clone().unwrap_or_else(sample_dir);
            let loaded = step.run(&format!("reading {}", dir.display()), || {
                crate::common::read_tables(&dir, args.schema.as_deref(), &ReadOptions::strict())
            })?;
            (loaded.tables, format!("tables in {}", dir.display()))
        }
    };
    let data_end = infer_data_end(&tables).ok_or(Error::EmptyData { context: "demo: the tables hold no dates" })?;
    let first = tables
        .customers
        .iter()
        .map(|c| c.signup_date)
        .min()
        .ok_or(Error::EmptyData { context: "demo: no customers" })?;

    // 0. The event catalogue: given, the simulator's, or discovered from the tables (the
    // discovery also feeds the report's "which features keep customers" section).
    let discovery = step.run("discovering the event catalogue from the tables", || {
        discover(&tables, &DiscoveryParams::new().until(data_end))
    })?;
    let (events_cat, events_from) = match &args.event_catalogue {
        Some(p) => (CatalogueFile::read(p)?.event_catalogue()?, format!("event catalogue {}", p.display())),
        None => match simulator_catalogue_applies(&tables.events) {
            (true, _) => (EventCatalogue::default(), "simulator's event catalogue".to_owned()),
            (false, present) => {
                if !args.quiet {
                    println!(
                        "  event names are not the simulator's ({present} of its types present): using the roles discovered from the tables"
                    );
                }
                (
                    CatalogueFile::from(&discovery).event_catalogue()?,
                    "event catalogue discovered from the tables".to_owned(),
                )
            }
        },
    };

    // 1. Point-in-time features: monthly as-of dates from month 3, 90-day label window.
    let fparams = FeatureParams::new(first + Months::new(3), data_end)
        .catalogue(FeatureCatalogue::standard().with_events(events_cat.clone()));
    let table =
        step.run("building point-in-time features (monthly as-of dates)", || build_observations(&tables, &fparams))?;
    let obs = table.dataset;
    let horizon = fparams.horizon_days;

    // 2. Cross-validated models (customer-grouped folds). Large worlds are cross-validated on a
    // seeded sample of customers (all their observations) so `--customers 100000` takes minutes;
    // the final model is still trained on every observation.
    let all_ids = obs.ids.clone().unwrap_or_default();
    let cv_obs = if obs.n_rows() > MAX_CV_ROWS {
        let keep = MAX_CV_ROWS as f64 / obs.n_rows() as f64;
        let rows: Vec<usize> = (0..obs.n_rows()).filter(|&i| unit_hash(&all_ids[i], args.seed) < keep).collect();
        obs.take(&rows)
    } else {
        obs.clone()
    };
    let obs_cv = &cv_obs;
    let ids = obs_cv.ids.clone().unwrap_or_default();
    let customers = ids.iter().collect::<std::collections::HashSet<_>>().len();
    if customers < 5 {
        return Err(attrition::Error::param(
            "--tables",
            format!("{customers} customers with observations"),
            "the demo cross-validates in 5 folds by customer: it needs observations of at least 5 customers",
        ));
    }
    let folds = grouped_k_fold(&ids, 5, args.seed)?;
    let mut oofs = Vec::new();
    for kind in [ModelKind::Logistic, ModelKind::Gbdt] {
        let params = ModelParams::new(kind).seed(args.seed);
        let oof = step.run(&format!("5-fold cross-validation of {kind} ({} observations)", obs_cv.n_rows()), || {
            cross_val_predict(&params, obs_cv, &folds)
        })?;
        let e = evaluate(&oof)?;
        oofs.push((kind, oof, e));
    }
    let best_idx = if oofs[1].2.roc_auc >= oofs[0].2.roc_auc { 1 } else { 0 };
    let best_kind = oofs[best_idx].0;
    let model = step.run(&format!("training the final {best_kind} model on all observations"), || {
        let build = attrition::models::artifact::FeatureBuild::new(
            table.catalogue.clone(),
            fparams.lead_days,
            fparams.horizon_days,
        )?;
        ModelParams::new(best_kind).seed(args.seed).fit(&obs)?.with_feature_build(build).with_profile(&obs)
    })?;

    // 3. Score today's customers with reasons.
    let today = data_end + Duration::days(1);
    let current = snapshot(&tables, today, &table.catalogue)?;
    let (p, expl) = step.run(&format!("scoring {} active customers with reasons", current.n_rows()), || {
        Ok((model.predict_proba(&current)?, model.explain(&current)?))
    })?;
    // Reasons in words (none for the low risk tier).
    let phrases = attrition::scoring::reasons::Phrasebook::new(&model);
    let reason_options = attrition::scoring::reasons::ReasonOptions::default();
    let reasons: Vec<Vec<attrition::models::row::Reason>> =
        (0..p.len()).map(|i| phrases.reasons(&current, &expl, i, p[i], &reason_options)).collect();
    let playbook = attrition::scoring::playbook::Playbook::default();
    let actions: Vec<String> = reasons.iter().map(|r| playbook.action_for(r).unwrap_or("").to_owned()).collect();
    let mrr: Vec<f64> = current
        .column("mrr")
        .and_then(|c| c.as_numeric())
        .map(|v| v.iter().map(|x| if x.is_nan() { 0.0 } else { *x }).collect())
        .unwrap_or_default();
    let cur_ids = current.ids.clone().unwrap_or_default();

    // 4. Profit-aware targeting.
    let clv_params = ClvParams::new(0.7, 0.01, 36);
    let clv = clv_from_churn_probability(&mrr, &p, horizon as f64, &clv_params)?;
    let mean_mrr = mrr.iter().sum::<f64>() / mrr.len().max(1) as f64;
    let camp = CampaignParams::new(0.3 * mean_mrr, 1.0, 0.3);
    let plan = plan_campaign(&p, &clv.clv, &camp)?;
    let best = &oofs[best_idx];
    let empc_params = EmpcParams::default()
        .clv(clv_params.geometric_value(mean_mrr, 0.97))
        .incentive_cost(camp.offer_cost)
        .contact_cost(camp.contact_cost);
    let empc = empc_score(&best.1.y_true, &best.1.p_churn, &empc_params)?;

    // 5. Uplift from the experiment, when the tables have one.
    let catalogue = table.catalogue.clone();
    let targeting = match tables.campaign.as_ref() {
        Some(c) if c.len() >= 200 => {
            Some(step.run("uplift: two-model and X-learners on the retention experiment", || {
                let exp = experiment_data(&tables, &catalogue, 180)?;
                compare_targeting(
                    &exp,
                    &ModelParams::new(ModelKind::Logistic).seed(args.seed),
                    &TargetingParams { seed: args.seed, ..TargetingParams::default() },
                )
            })?)
        }
        _ => None,
    };

    // 6. KPIs, retention curves, cohorts, study findings.
    let kpis =
        step.run("KPIs: churn, MRR movements, NRR/GRR by month", || compute_kpis(&tables, &KpiOptions::new()))?;
    let life = lifetimes(&tables, &LifetimeOptions::new(data_end))?;
    let factors = customer_factors(&tables, &events_cat, Some(data_end))?;
    let cohorts = cohort_matrix(&tables, data_end)?;

    // ---------------------------------------------------------------- the report
    let money = Currency::new(args.currency.clone());
    let mut report = Report::new("Churn report");
    report.subtitle = format!(
        "{source}; data up to {}; {} customers, {} active today. Model figures are out of sample: 5-fold cross-validation grouped by customer on {} of {} monthly observations.",
        data_end.format("%-d %B %Y"),
        thousands(tables.customers.len() as f64, 0),
        thousands(current.n_rows() as f64, 0),
        thousands(obs_cv.n_rows() as f64, 0),
        thousands(obs.n_rows() as f64, 0)
    );
    report.footer = "Generated by attrition. Model figures (AUC, lift, calibration, EMPC) are out of sample, from customer-grouped 5-fold cross-validation; KPIs, retention curves and cohorts are computed from the raw tables; scores and profits are for today's active customers. The CSV behind each chart sits next to this file.".into();
    let last_full = kpis.periods.iter().rev().find(|p| !p.partial);
    let twelve: Vec<&attrition::kpi::PeriodKpis> = kpis.periods.iter().filter(|p| !p.partial).rev().take(12).collect();
    let n_target = plan.by_expected_profit.best_size;
    let aucs: Vec<String> = oofs.iter().map(|(k, _, e)| format!("{k} {:.3}", e.roc_auc)).collect();
    report.headlines = vec![
        Headline::new(
            "Active customers",
            thousands(current.n_rows() as f64, 0),
            format!("MRR {}", money.amount(mrr.iter().sum::<f64>())),
        )
        .help("MRR: monthly recurring revenue, what active subscriptions bill per month."),
        Headline::new(
            "Monthly churn rate",
            last_full.and_then(|p| p.churn_rate).map_or("–".into(), pct),
            last_full.map_or(String::new(), |p| p.start.format("%B %Y").to_string()),
        )
        .help("Customers lost in the month as a share of those active at its start."),
        Headline::new(
            "Net revenue retention",
            last_full.and_then(|p| p.nrr).map_or("–".into(), pct),
            format!("gross (GRR) {}", last_full.and_then(|p| p.grr).map_or("–".into(), pct)),
        )
        .help("NRR: this month's MRR from last month's customers ÷ their MRR then, upgrades included. GRR: the same without upgrades."),
        Headline::new(
            "Model quality (ROC-AUC)",
            format!("{:.3}", best.2.roc_auc),
            format!("{best_kind}, out of sample; all: {}; top-decile lift {:.1}×", aucs.join(", "), best.2.top_decile_lift),
        )
        .help("Chance that a random churner is scored riskier than a random stayer (0.5 = coin flip, 1 = perfect)."),
        Headline::new(
            "Customers worth contacting",
            thousands(n_target as f64, 0),
            format!(
                "expected profit {} vs {} by risk alone",
                money.amount(plan.by_expected_profit.best_profit),
                money.amount(plan.by_churn_probability.best_profit)
            ),
        )
        .help("Customers whose expected gain from a retention offer exceeds its cost."),
        Headline::new(
            "EMPC",
            money.amount_with(empc.value, 2),
            format!("per customer, targeting {} of the base (out of sample)", pct(empc.fraction_targeted)),
        )
        .help("Expected maximum profit per customer: what a retention campaign run with this model earns per customer in the base, at its best size (Verbraken et al. 2013)."),
    ];
    report.glossary = vec![
        ("P(churn)".into(), format!("the model's probability that the customer churns in the label window ({horizon} days).")),
        ("Out of sample".into(), "measured on customers the model was not trained on (each fold of the cross-validation is scored by a model fitted on the other folds).".into()),
        ("Lift".into(), "churn rate of a group ÷ churn rate of everyone; 2× means twice as likely to churn.".into()),
        ("Calibration".into(), "whether a predicted 30% churns 30% of the time; needed to compute profits from probabilities.".into()),
        ("CLV".into(), "customer lifetime value: margin on MRR over the customer's predicted remaining lifetime, discounted 1% a month, at most 36 months.".into()),
        ("Expected profit".into(), "P(churn) × [acceptance × (CLV − offer) + offer] − offer − contact cost: what a retention offer to this customer is worth on average.".into()),
        ("Uplift".into(), "how much an offer lowers a customer's churn probability, estimated from the randomised retention experiment.".into()),
        ("Kaplan–Meier".into(), "share of customers still subscribed after each day since signup, counting customers who signed up recently only for as long as they were observed.".into()),
        ("Log-rank p".into(), "chance of curves this far apart if the groups retained equally; below 0.05 the difference is unlikely to be chance.".into()),
        ("NRR / GRR".into(), "net / gross revenue retention; above 100% NRR, upgrades outweigh churn and downgrades.".into()),
    ];

    let scored: Vec<Scored<'_>> = oofs
        .iter()
        .map(|(k, oof, e)| Scored { name: k.to_string(), y: &oof.y_true, p: &oof.p_churn, auc: e.roc_auc })
        .collect();
    let drivers = crate::charts::drivers(&model, &current)?;
    report.sections.push(model_section(&scored, &drivers, "out of fold, customer-grouped 5-fold")?);

    // Profit section.
    let step_every = (p.len() / 200).max(1);
    let sizes: Vec<f64> = (0..=p.len()).step_by(step_every).map(|k| k as f64).collect();
    let take = |c: &[f64]| -> Vec<f64> {
        (0..=p.len()).step_by(step_every).map(|k| if k == 0 { 0.0 } else { c[k - 1] }).collect()
    };
    let profit_chart = LineChart::new("profit_curve", "Expected campaign profit by campaign size", "Customers contacted (best first)", &format!("Expected profit {}", money.unit()))
        .series(Series::new("ranked by expected profit", sizes.clone(), take(&plan.by_expected_profit.cumulative_profit)))
        .series(Series::new("ranked by churn probability", sizes.clone(), take(&plan.by_churn_probability.cumulative_profit)))
        .marker(n_target as f64, plan.by_expected_profit.best_profit, format!("best: contact {n_target}"))
        .reading(format!(
            "Contacting the {} customers with positive expected profit earns {}; the best campaign ranked by churn risk alone earns {}.",
            thousands(n_target as f64, 0), money.amount(plan.by_expected_profit.best_profit), money.amount(plan.by_churn_probability.best_profit)
        ));
    let order: Vec<usize> = plan.by_expected_profit.targets().to_vec();
    let rows: Vec<Vec<String>> = order
        .iter()
        .map(|&i| {
            let reasons = &reasons[i];
            let mut r = vec![
                cur_ids.get(i).cloned().unwrap_or_default(),
                format!("{:.1}%", 100.0 * p[i]),
                money.amount(mrr[i]),
                money.amount(clv.clv[i]),
                money.amount(plan.expected_value[i]),
            ];
            for k in 0..3 {
                r.push(reasons.get(k).map_or(String::new(), |x| x.text.clone()));
            }
            r.push(actions[i].clone());
            r
        })
        .collect();
    let table_chart = Table {
        id: "target_list".into(),
        title: format!("All {} customers worth contacting, best first", thousands(n_target as f64, 0)),
        columns: vec![
            "customer".into(),
            format!("P(churn, {horizon} days)"),
            "MRR".into(),
            "CLV".into(),
            "expected profit".into(),
            "reason 1".into(),
            "reason 2".into(),
            "reason 3".into(),
            "suggested action".into(),
        ],
        rows,
        reading: "Ranked by the expected profit of a retention offer; reasons are the features pushing each customer's risk up most, with the customer's value and what retained customers typically had in training. Every active customer's score is in scores.csv.".into(),
    };
    let mut profit_section = Section::new(
        "Who is worth saving?",
        format!(
            "Expected value of contacting a customer: p·[γ(CLV − d) + d] − d − f, with CLV from margin 70% of MRR over the predicted lifetime (36 months, 1%/month discount), offer d = {}, contact f = {}, acceptance γ = 0.3 (Verbraken et al. 2013).",
            money.amount(camp.offer_cost),
            money.amount(camp.contact_cost)
        ),
    )
    .link("scores.csv", "scores.csv: every active customer with P(churn), MRR, CLV, expected profit and reasons")
    .link("target_list.csv", "target_list.csv: the call list below")
    .chart(Chart::Line(profit_chart));
    if let Some(t) = &targeting {
        let mut chart = LineChart::new(
            "uplift_profit",
            "Held-out campaign profit of four targeting rules",
            "Customers targeted (held-out half of the experiment)",
            &format!("Campaign profit {}", money.unit()),
        );
        for (name, c) in [
            ("by churn risk", &t.by_churn_probability),
            ("by expected profit (γ from the experiment)", &t.by_expected_profit),
            ("by uplift, two-model learner", &t.by_uplift),
            ("by uplift, X-learner", &t.by_x_uplift),
        ] {
            chart = chart.series(Series::new(name, c.sizes.iter().map(|&s| s as f64).collect(), c.profit.clone()));
        }
        chart = chart.reading(format!(
            "On {} held-out experiment customers the best campaign earns {} by uplift from the X-learner and {} from the two-model learner (profits adjusted for the arms' chance difference in customer value), {} by expected profit (acceptance γ = {:.3}, the share of would-be churners the offer kept in the training half) and {} by churn risk.",
            thousands(t.n_holdout as f64, 0), money.amount(t.by_x_uplift.best_profit), money.amount(t.by_uplift.best_profit), money.amount(t.by_expected_profit.best_profit), t.acceptance, money.amount(t.by_churn_probability.best_profit)
        ));
        profit_section = profit_section.chart(Chart::Line(chart));
    }
    // The call list spans the full width below the two charts.
    profit_section = profit_section.chart(Chart::Table(table_chart));
    report.sections.push(profit_section);
    if let Some(prev) = &previous {
        let target: Vec<bool> = plan.expected_value.iter().map(|v| *v > 0.0).collect();
        report.sections.push(compare_scores(prev, &cur_ids, &p, &target)?.section());
    }

    // Retention section.
    let mut retention = Section::new(
        "Who stays, and why?",
        "Kaplan–Meier retention since signup by the study's factors (95% confidence bands), and retention of each monthly signup cohort.",
    );
    let factor_defs: Vec<(&str, &str, GroupOf)> = vec![
        (
            "products_held",
            "products held",
            Box::new(|f| {
                Some(if f.products_held >= 4 {
                    "4+ products".into()
                } else {
                    format!("{} product{}", f.products_held, if f.products_held == 1 { "" } else { "s" })
                })
            }),
        ),
        (
            "upsell_90d",
            "upsold within 90 days",
            Box::new(|f| Some(if f.upsold_within_90d { "upsold in 90 days" } else { "not upsold in 90 days" }.into())),
        ),
        (
            "weekly_engaged",
            "weekly engagement",
            Box::new(|f| Some(if f.weekly_engaged { "engaged weekly" } else { "not weekly" }.into())),
        ),
        ("sales_approach", "sales approach", Box::new(|f| f.sales_approach.map(|s| s.as_str().to_string()))),
        (
            "specialised_provider",
            "provider specialisation",
            Box::new(|f| f.specialised_provider.map(|s| if s { "specialised" } else { "generalist" }.into())),
        ),
    ];
    let mut by_products: Vec<(String, f64)> = Vec::new();
    for (id, label, group) in &factor_defs {
        // A study factor the customers table does not have (no such attribute) gets no chart.
        if !factors.iter().any(|f| group(f).is_some()) {
            continue;
        }
        let by = retention_by_group(
            &tables,
            &life,
            id,
            |c| factors.get(c as usize).filter(|f| f.products_held > 0).and_then(group),
            &RetentionOptions::default(),
        )?;
        let mut chart = LineChart::new(
            &format!("km_{id}"),
            &format!("Retention by {label}"),
            "Days since signup",
            "Share still a customer",
        )
        .y_range(0.0, 1.0)
        .step();
        let mut parts = Vec::new();
        for g in &by.groups {
            let pts = &g.curve.points;
            let x: Vec<f64> = pts.iter().map(|q| q.time).collect();
            chart = chart.series(
                Series::new(format!("{} (n={})", g.label, g.customers), x, pts.iter().map(|q| q.survival).collect())
                    .band(pts.iter().map(|q| q.ci_low).collect(), pts.iter().map(|q| q.ci_high).collect()),
            );
            parts.push(format!("{} {:.0}%", g.label, 100.0 * g.km_retention));
            if *id == "products_held" {
                by_products.push((g.label.clone(), g.km_retention));
            }
        }
        chart = chart.reading(format!(
            "Retention after 2 years: {}{}.",
            parts.join(", "),
            by.logrank.as_ref().map_or(String::new(), |l| format!(" (log-rank p = {:.2e})", l.p_value))
        ));
        retention = retention.chart(Chart::Line(chart));
    }
    let n_months = cohorts.cohorts.iter().map(|c| c.retention.len()).max().unwrap_or(0);
    let heat = Heatmap {
        id: "cohorts".into(),
        title: "Retention by signup cohort".into(),
        x_label: "Months since signup".into(),
        y_label: "Signup month".into(),
        row_labels: cohorts.cohorts.iter().map(|c| c.cohort.format("%b %Y").to_string()).collect(),
        col_labels: (0..n_months).map(|m| m.to_string()).collect(),
        values: cohorts.cohorts.iter().map(|c| (0..n_months).map(|m| c.retention.get(m).copied()).collect()).collect(),
        reading: format!(
            "{} of the launch cohort is still a customer {} months later.",
            cohorts.cohorts.first().and_then(|c| c.retention.last()).map_or("–".into(), |r| pct(*r)),
            cohorts.cohorts.first().map_or(0, |c| c.retention.len().saturating_sub(1))
        ),
    };
    retention = retention.chart(Chart::Heat(heat));
    // The same Kaplan–Meier numbers as the products-held curves above (one source).
    by_products.sort_by(|a, b| a.0.cmp(&b.0));
    let share = |label: &str| by_products.iter().find(|g| g.0 == label).map(|g| g.1);
    if by_products.len() >= 2 {
        retention = retention.chart(Chart::Bar(BarChart {
            id: "products_retention".into(),
            title: "2-year retention by products held (Kaplan–Meier)".into(),
            x_label: "Products held".into(),
            y_label: "Share still a customer after 2 years".into(),
            labels: by_products.iter().map(|g| g.0.clone()).collect(),
            values: by_products.iter().map(|g| g.1).collect(),
            horizontal: false,
            reference: None,
            legend: "share retained after 730 days (Kaplan–Meier)".into(),
            legend_negative: String::new(),
            reading: match (share("4+ products"), share("1 product")) {
                (Some(four), Some(one)) => format!(
                    "Customers with 4+ products keep {:.0}% after 2 years vs {:.0}% with one (the study behind this project found 80% vs 30%).",
                    100.0 * four,
                    100.0 * one
                ),
                _ => "Retention after 2 years for each number of products held.".into(),
            },
        }));
    }
    report.sections.push(retention);
    report.sections.push(crate::catalogue::report_section(&discovery, &events_cat, &events_from));

    // Business section.
    let full: Vec<&attrition::kpi::PeriodKpis> = kpis.periods.iter().filter(|p| !p.partial).collect();
    let month = |p: &attrition::kpi::PeriodKpis| p.start.format("%b %Y").to_string();
    // The first month books every existing subscription as new MRR: it would flatten the scale,
    // so the movements start with the second month (the reading says so).
    let moves: &[&attrition::kpi::PeriodKpis] = if full.len() > 2 { &full[1..] } else { &full };
    let labels: Vec<String> = moves.iter().map(|p| month(p)).collect();
    let mrr_chart = StackedBars {
        id: "mrr_movements".into(),
        title: "MRR movements by month".into(),
        x_label: "Month".into(),
        y_label: format!("MRR change per month {}", money.unit()),
        labels: labels.clone(),
        series: vec![
            ("new".into(), moves.iter().map(|p| p.mrr.new).collect()),
            ("expansion".into(), moves.iter().map(|p| p.mrr.expansion).collect()),
            ("reactivation".into(), moves.iter().map(|p| p.mrr.reactivation).collect()),
            ("contraction".into(), moves.iter().map(|p| -p.mrr.contraction.abs()).collect()),
            ("churned".into(), moves.iter().map(|p| -p.mrr.churned.abs()).collect()),
        ],
        reading: format!(
            "Over the last 12 months churn removed {} of MRR while expansion added {}.{}",
            money.amount(twelve.iter().map(|p| p.mrr.churned.abs()).sum::<f64>()),
            money.amount(twelve.iter().map(|p| p.mrr.expansion).sum::<f64>()),
            if moves.len() < full.len() {
                format!(
                    " {} is left out: as the data's first month it counts every subscription as new ({}).",
                    month(full[0]),
                    money.amount(full[0].mrr.new)
                )
            } else {
                String::new()
            }
        ),
    };
    let xs: Vec<f64> = (0..full.len()).map(|i| i as f64).collect();
    let months: Vec<String> = full.iter().map(|p| month(p)).collect();
    let series_of = |f: &dyn Fn(&attrition::kpi::PeriodKpis) -> Option<f64>| -> (Vec<f64>, Vec<f64>) {
        full.iter().enumerate().filter_map(|(i, p)| f(p).map(|v| (xs[i], 100.0 * v))).unzip()
    };
    let (nx, ny) = series_of(&|p| p.nrr);
    let (gx, gy) = series_of(&|p| p.grr);
    let (cx, cy) = series_of(&|p| p.churn_rate);
    let nrr_chart =
        LineChart::new("nrr_grr", "Net and gross revenue retention by month", "Month", "Retention of starting MRR (%)")
            .categories(months.clone())
            .series(Series::new("NRR", nx, ny))
            .series(Series::new("GRR", gx, gy))
            .reading(format!(
                "In {} NRR was {} and GRR {}: expansion {} churn.",
                last_full.map_or(String::new(), |p| p.start.format("%B %Y").to_string()),
                last_full.and_then(|p| p.nrr).map_or("–".into(), pct),
                last_full.and_then(|p| p.grr).map_or("–".into(), pct),
                if last_full.and_then(|p| p.nrr).unwrap_or(0.0) >= 1.0 { "outweighed" } else { "did not offset" }
            ));
    let churn_chart = LineChart::new(
        "churn_rate",
        "Customer churn rate by month",
        "Month",
        "Customers lost in the month (% of start)",
    )
    .categories(months.clone())
    .series(Series::new("churn rate", cx, cy))
    .reading(format!(
        "Monthly churn averaged {} over the last 12 months.",
        pct(twelve.iter().filter_map(|p| p.churn_rate).sum::<f64>() / twelve.len().max(1) as f64)
    ));
    report.sections.push(
        Section::new("The business", "Monthly KPIs from the subscription table: customers, MRR movements (new, expansion, contraction, churn, reactivation), NRR and GRR.")
            .chart(Chart::Stacked(mrr_chart))
            .chart(Chart::Line(nrr_chart))
            .chart(Chart::Line(churn_chart)),
    );

    let out = outputs.create_dir("--out", &args.out)?;
    report.write(out.path())?;
    write_scores(out.path(), &cur_ids, &p, &mrr, &clv.clv, &plan.expected_value, &reasons)?;
    out.commit()?;
    let path = args.out.join("index.html");
    println!(
        "ROC-AUC out of fold: {} (report uses {best_kind}); contact {} of {} active customers for an expected profit of {}; report: {} ({:.0}s)",
        aucs.join(", "),
        n_target,
        current.n_rows(),
        money.amount(plan.by_expected_profit.best_profit),
        path.display(),
        step.t.elapsed().as_secs_f64()
    );
    if let (Some(t), false) = (&targeting, args.quiet) {
        println!(
            "held-out experiment profit: uplift {:.0} (X-learner) / {:.0} (two-model), expected profit {:.0}, churn risk {:.0}",
            t.by_x_uplift.best_profit,
            t.by_uplift.best_profit,
            t.by_expected_profit.best_profit,
            t.by_churn_probability.best_profit
        );
    }
    Ok(())
}

fn write_scores(
    dir: &Path,
    ids: &[String],
    p: &[f64],
    mrr: &[f64],
    clv: &[f64],
    ev: &[f64],
    reasons: &[Vec<attrition::models::row::Reason>],
) -> Result<()> {
    let playbook = attrition::scoring::playbook::Playbook::default();
    let path = dir.join("scores.csv");
    let mut w = attrition::io::output::OutputFile::create(&path, attrition::io::output::Overwrite::Refuse)?;
    let io = |e| Error::io("write", &path, e);
    let mut csv = csv::Writer::from_writer(&mut w);
    csv.write_record([
        "customer_id",
        "p_churn",
        "mrr",
        "clv",
        "expected_profit",
        "target",
        "reason_1",
        "reason_2",
        "reason_3",
        "reason_1_text",
        "reason_2_text",
        "reason_3_text",
        "action",
    ])
    .map_err(|e| io(e.into()))?;
    for i in 0..p.len() {
        let r = &reasons[i];
        let mut row = vec![
            ids[i].clone(),
            format!("{:.6}", p[i]),
            format!("{:.2}", mrr[i]),
            format!("{:.2}", clv[i]),
            format!("{:.2}", ev[i]),
            (ev[i] > 0.0).to_string(),
        ];
        row.extend((0..3).map(|k| r.get(k).map_or(String::new(), |x| x.feature.clone())));
        row.extend((0..3).map(|k| r.get(k).map_or(String::new(), |x| x.text.clone())));
        row.push(playbook.action_for(r).unwrap_or("").to_owned());
        csv.write_record(&row).map_err(|e| io(e.into()))?;
    }
    csv.flush().map_err(io)?;
    drop(csv);
    w.commit()
}
