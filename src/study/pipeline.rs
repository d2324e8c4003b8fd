//! The study's steps, from tables to typed results (see [`Study::run`]).

use std::collections::HashSet;

use chrono::{Duration, Months, NaiveDate};

use super::config::StudyConfig;
use super::{CustomerFactors, customer_factors};
use crate::catalogue::{
    CatalogueFile, Discovery, DiscoveryParams, EventCatalogue, discover, simulator_catalogue_applies,
};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::evaluation::{Evaluation, evaluate};
use crate::experiment::{TargetingComparison, TargetingParams, compare_targeting, experiment_data};
use crate::features::{FeatureCatalogue, FeatureParams, build_observations, infer_data_end, snapshot};
use crate::io::quality::{DataQuality, QualityWarning};
use crate::io::tables::Tables;
use crate::kpi::{KpiOptions, KpiReport, compute_kpis};
use crate::models::ChurnModel;
use crate::models::row::Reason;
use crate::models::trained::{Explanations, ModelKind, ModelParams, TrainedModel};
use crate::profit::{
    CampaignParams, CampaignPlan, ClvEstimate, EmpScore, EmpcParams, clv_from_churn_probability, empc_score,
    plan_campaign,
};
use crate::report::changes::PreviousScore;
use crate::scoring::playbook::Playbook;
use crate::scoring::reasons::{Phrasebook, ReasonOptions};
use crate::survival::{
    CohortMatrix, LifetimeOptions, Lifetimes, RetentionByGroup, RetentionOptions, cohort_matrix, lifetimes,
    retention_by_group,
};
use crate::validation::{OutOfFold, cross_val_predict, grouped_k_fold};

/// Told about the study's progress (library code never prints: the CLI shows spinners).
pub trait StudyProgress {
    /// A step starts (`what` reads like "building point-in-time features").
    fn start(&mut self, _what: &str) {}
    /// The step started last has finished successfully.
    fn finish(&mut self, _what: &str) {}
    /// Something the user should know (e.g. which event catalogue is used and why).
    fn note(&mut self, _message: &str) {}
}

/// No progress reports.
impl StudyProgress for () {}

/// The study: the demo's steps on any tables, with a [`StudyConfig`].
#[derive(Debug, Clone, Default)]
pub struct Study {
    /// The settings.
    pub config: StudyConfig,
    /// The event catalogue to use (from `config.data.event_catalogue`, read by the caller);
    /// `None`: the simulator's when the data speaks its names, otherwise discovered.
    pub event_catalogue: Option<(EventCatalogue, String)>,
    /// A previous run's scores (from `config.report.previous`, read by the caller).
    pub previous: Option<Vec<PreviousScore>>,
    /// What reading the tables found (from [`DataQuality::of_tables`], by the caller); the run
    /// adds its own findings and the report shows them all.
    pub data_quality: DataQuality,
}

/// One candidate model's out-of-fold result.
#[derive(Debug, Clone)]
pub struct CandidateResult {
    /// Model family.
    pub kind: ModelKind,
    /// Out-of-fold predictions of the customer-grouped cross-validation.
    pub oof: OutOfFold,
    /// Their evaluation.
    pub evaluation: Evaluation,
}

/// Today's active customers, scored.
#[derive(Debug, Clone)]
pub struct CurrentScores {
    /// Their features on the day after the data ends.
    pub data: Dataset,
    /// Customer ids.
    pub ids: Vec<String>,
    /// P(churn) within the label window.
    pub p_churn: Vec<f64>,
    /// Per-customer feature contributions (the reasons).
    pub explanations: Explanations,
    /// Each customer's reasons in words (features pushing risk up; none below the medium tier).
    pub reasons: Vec<Vec<Reason>>,
    /// The playbook's suggested action for each customer's reasons ("" when none applies).
    pub actions: Vec<String>,
    /// MRR (0 for a customer without any).
    pub mrr: Vec<f64>,
    /// CLV from P(churn).
    pub clv: ClvEstimate,
    /// Their features and scores against the training observations' profile (population
    /// stability index; see [`crate::scoring::drift`]).
    pub drift: Option<crate::scoring::drift::DriftReport>,
}

/// Kaplan–Meier retention of the groups of one study factor.
#[derive(Debug, Clone)]
pub struct FactorRetention {
    /// The factor's id (`products_held`, `upsell_90d`, `weekly_engaged`, `sales_approach`,
    /// `specialised_provider`).
    pub id: &'static str,
    /// Its label in words ("products held").
    pub label: &'static str,
    /// Retention curves by group, with the log-rank test.
    pub by: RetentionByGroup,
}

/// Labels a customer's group for a retention curve.
type GroupOf = Box<dyn Fn(&CustomerFactors) -> Option<String>>;

/// Retention by each study factor the tables have (a factor no customer has, e.g. a missing
/// attribute, is left out).
fn factor_retention(tables: &Tables, life: &Lifetimes, factors: &[CustomerFactors]) -> Result<Vec<FactorRetention>> {
    let factor_defs: Vec<(&'static str, &'static str, GroupOf)> = vec![
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
    let mut out = Vec::new();
    for (id, label, group) in factor_defs {
        if !factors.iter().any(|f| group(f).is_some()) {
            continue;
        }
        let by = retention_by_group(
            tables,
            life,
            id,
            |c| factors.get(c as usize).filter(|f| f.products_held > 0).and_then(&group),
            &RetentionOptions::default(),
        )?;
        out.push(FactorRetention { id, label, by });
    }
    Ok(out)
}

/// Everything the study measured; [`StudyResults::report`] turns it into the report.
#[derive(Debug, Clone)]
pub struct StudyResults {
    /// The study's settings.
    pub config: StudyConfig,
    /// What was studied, in words ("tables in datasets/sample").
    pub source: String,
    /// Last day with data.
    pub data_end: NaiveDate,
    /// Customers in the tables.
    pub customers: usize,
    /// Event-type discovery from the tables (feeds "Which features keep customers?").
    pub discovery: Discovery,
    /// The event catalogue the features used.
    pub event_catalogue: EventCatalogue,
    /// Where it came from, in words.
    pub event_catalogue_from: String,
    /// Length of the label window in days.
    pub horizon_days: u32,
    /// Training observations (customer × monthly as-of date).
    pub observations: usize,
    /// Observations cross-validated (a seeded sample of customers beyond `max_cv_rows`).
    pub cv_observations: usize,
    /// The candidates, in config order.
    pub candidates: Vec<CandidateResult>,
    /// Index of the chosen candidate (highest out-of-fold ROC-AUC).
    pub best: usize,
    /// The chosen family refitted on every observation.
    pub model: TrainedModel,
    /// Today's active customers, scored.
    pub current: CurrentScores,
    /// Campaign costs used.
    pub campaign: CampaignParams,
    /// Expected-profit targeting of today's customers.
    pub plan: CampaignPlan,
    /// EMPC of the chosen candidate's out-of-fold predictions, with the study's costs.
    pub empc: EmpScore,
    /// Targeting rules compared on the retention experiment, when the tables hold one.
    pub targeting: Option<TargetingComparison>,
    /// Monthly KPIs.
    pub kpis: KpiReport,
    /// Customer lifetimes (for Kaplan–Meier).
    pub lifetimes: Lifetimes,
    /// The study's customer factors.
    pub factors: Vec<CustomerFactors>,
    /// Retention by each factor.
    pub retention: Vec<FactorRetention>,
    /// Retention by signup cohort.
    pub cohorts: CohortMatrix,
    /// A previous run's scores, when given.
    pub previous: Option<Vec<PreviousScore>>,
    /// Data-quality findings: the caller's ([`Study::data_quality`]) and the run's (dated rows
    /// left out of the inferred data end, usage event types merged by the feature catalogue).
    pub data_quality: DataQuality,
}

impl StudyResults {
    /// The chosen candidate.
    pub fn best_candidate(&self) -> &CandidateResult {
        &self.candidates[self.best]
    }
}

impl Study {
    /// A study with these settings (the default event catalogue, no previous run).
    pub fn new(config: StudyConfig) -> Self {
        Study { config, event_catalogue: None, previous: None, data_quality: DataQuality::default() }
    }

    /// Uses this event catalogue, described as `from` in the report.
    pub fn event_catalogue(mut self, catalogue: EventCatalogue, from: impl Into<String>) -> Self {
        self.event_catalogue = Some((catalogue, from.into()));
        self
    }

    /// Data-quality findings of reading the tables (e.g. [`DataQuality::of_tables`]), shown in
    /// the report with the run's own (dated rows left out of the data end, event types merged).
    pub fn data_quality(mut self, quality: DataQuality) -> Self {
        self.data_quality = quality;
        self
    }

    /// Compares today's scores with a previous run's.
    pub fn previous(mut self, previous: Vec<PreviousScore>) -> Self {
        self.previous = Some(previous);
        self
    }

    /// Reads the files `config` names (event catalogue, previous scores) into a study.
    pub fn from_config(config: StudyConfig) -> Result<Self> {
        config.check()?;
        let mut study = Study::new(config);
        if let Some(p) = study.config.data.event_catalogue.clone() {
            let catalogue = CatalogueFile::read(&p)?.event_catalogue()?;
            study = study.event_catalogue(catalogue, format!("event catalogue {}", p.display()));
        }
        if let Some(p) = study.config.report.previous.clone() {
            study = study.previous(crate::report::changes::read_previous_scores_file(&p)?);
        }
        Ok(study)
    }

    /// Runs every step on `tables` (`source` says what they are, for the report):
    /// event catalogue → point-in-time features → cross-validated candidates → the best refitted
    /// → today's scores with reasons → CLV and expected-profit targeting (and EMPC) → uplift on
    /// the retention experiment (when the tables hold one of `uplift.min_customers` or more) →
    /// KPIs, Kaplan–Meier lifetimes, customer factors, cohorts.
    ///
    /// Errors: no dates or customers, fewer customers with observations than folds, no `mrr`
    /// feature in the catalogue, and any step's own error.
    pub fn run(&self, tables: &Tables, source: &str, progress: &mut dyn StudyProgress) -> Result<StudyResults> {
        let cfg = &self.config;
        cfg.check()?;
        let data_end = match cfg.dates.data_end {
            Some(d) => d,
            None => infer_data_end(tables).ok_or(Error::EmptyData { context: "study: the tables hold no dates" })?,
        };
        let first = tables
            .customers
            .iter()
            .map(|c| c.signup_date)
            .min()
            .ok_or(Error::EmptyData { context: "study: no customers" })?;

        // 0. The event catalogue: given, the simulator's, or discovered from the tables (the
        // discovery also feeds the report's "which features keep customers" section).
        let discovery = step(progress, "discovering the event catalogue from the tables", || {
            discover(tables, &DiscoveryParams::new().until(data_end))
        })?;
        let (events_cat, events_from) = match &self.event_catalogue {
            Some((c, from)) => (c.clone(), from.clone()),
            None => match simulator_catalogue_applies(&tables.events) {
                (true, _) => (EventCatalogue::default(), "simulator's event catalogue".to_owned()),
                (false, present) => {
                    progress.note(&format!(
                        "event names are not the simulator's ({present} of its types present): using the roles discovered from the tables"
                    ));
                    (
                        CatalogueFile::from(&discovery).event_catalogue()?,
                        "event catalogue discovered from the tables".to_owned(),
                    )
                }
            },
        };

        // 1. Point-in-time features: monthly as-of dates, the configured label window.
        let first_as_of = cfg.dates.first_as_of.unwrap_or(first + Months::new(cfg.dates.first_after_months));
        let fparams = FeatureParams::new(first_as_of, data_end)
            .lead_days(cfg.window.lead_days)
            .horizon_days(cfg.window.horizon_days)
            .catalogue(FeatureCatalogue::standard().with_events(events_cat.clone()));
        let table = step(progress, "building point-in-time features (monthly as-of dates)", || {
            build_observations(tables, &fparams)
        })?;
        let obs = table.dataset;
        let horizon = fparams.horizon_days;
        let mut data_quality = self.data_quality.clone();
        if let Some(end) = &table.report.data_end_outliers {
            data_quality.push(QualityWarning::DataEndOutliers(end.clone()));
        }
        data_quality.extend(DataQuality::from_merged(table.catalogue.merged_event_types.as_ref()));

        // 2. Cross-validated candidates (customer-grouped folds). Large worlds are cross-validated
        // on a seeded sample of customers (all their observations); the final model is still
        // trained on every observation.
        let seed = cfg.models.seed;
        let folds_n = cfg.models.folds;
        let all_ids = obs.ids.clone().unwrap_or_default();
        let cv_obs = if obs.n_rows() > cfg.models.max_cv_rows {
            let keep = cfg.models.max_cv_rows as f64 / obs.n_rows() as f64;
            let rows = crate::validation::CustomerSample::new(keep, seed).rows(&all_ids);
            obs.take(&rows)
        } else {
            obs.clone()
        };
        let ids = cv_obs.ids.clone().unwrap_or_default();
        let customers = ids.iter().collect::<HashSet<_>>().len();
        if customers < folds_n {
            return Err(Error::param(
                "tables",
                format!("{customers} customers with observations"),
                format!(
                    "the study cross-validates in {folds_n} folds by customer: it needs observations of at least {folds_n} customers"
                ),
            ));
        }
        let folds = grouped_k_fold(&ids, folds_n, seed)?;
        let mut candidates = Vec::new();
        for &kind in &cfg.models.candidates {
            let params = ModelParams::new(kind).seed(seed);
            let what = format!("{folds_n}-fold cross-validation of {kind} ({} observations)", cv_obs.n_rows());
            let oof = step(progress, &what, || cross_val_predict(&params, &cv_obs, &folds))?;
            let evaluation = evaluate(&oof)?;
            candidates.push(CandidateResult { kind, oof, evaluation });
        }
        // The highest ROC-AUC; a tie goes to the later candidate.
        let best = (0..candidates.len())
            .max_by(|&a, &b| {
                candidates[a].evaluation.roc_auc.total_cmp(&candidates[b].evaluation.roc_auc).then(a.cmp(&b))
            })
            .unwrap_or(0);
        let best_kind = candidates[best].kind;
        let model = step(progress, &format!("training the final {best_kind} model on all observations"), || {
            let build = crate::models::artifact::FeatureBuild::new(
                table.catalogue.clone(),
                fparams.lead_days,
                fparams.horizon_days,
            )?;
            // Trained as `attrition train` trains (the study measured the folds above already).
            let mut train = crate::models::train::TrainParams::new(ModelParams::new(best_kind).seed(seed), seed);
            train.cv_folds = 0;
            train.feature_build = Some(build);
            train.fit(&obs)
        })?;

        // 3. Score today's customers with reasons.
        let today = data_end + Duration::days(1);
        let current = snapshot(tables, today, &table.catalogue)?;
        let (p, explanations) =
            step(progress, &format!("scoring {} active customers with reasons", current.n_rows()), || {
                Ok((model.predict_proba(&current)?, model.explain(&current)?))
            })?;
        // Reasons in words (none below the medium risk tier) and a suggested action for each.
        let phrases = Phrasebook::new(&model);
        let reason_options = ReasonOptions::default();
        let reasons: Vec<Vec<Reason>> =
            (0..p.len()).map(|i| phrases.reasons(&current, &explanations, i, p[i], &reason_options)).collect();
        let playbook = Playbook::default();
        let mut actions: Vec<String> =
            reasons.iter().map(|r| playbook.action_for(r).unwrap_or("").to_owned()).collect();
        let mrr: Vec<f64> = current
            .column("mrr")
            .and_then(|c| c.as_numeric())
            .ok_or_else(|| Error::FeatureRequired { feature: "mrr".into(), purpose: "the study (customer value)" })?
            .iter()
            // An active customer whose subscriptions carry no MRR is worth nothing this month.
            .map(|x| if x.is_nan() { 0.0 } else { *x })
            .collect();
        let cur_ids = current.ids.clone().unwrap_or_default();
        let drift = match &model.profile {
            Some(profile) if current.n_rows() > 0 => Some(crate::scoring::drift::drift(profile, &current, &p)?),
            _ => None,
        };

        // 4. Profit-aware targeting.
        let clv_params = cfg.clv.params();
        let clv = clv_from_churn_probability(&mrr, &p, f64::from(horizon), &clv_params)?;
        let mean_mrr = mrr.iter().sum::<f64>() / mrr.len().max(1) as f64;
        let c = &cfg.campaign;
        let campaign = CampaignParams::new(
            c.offer_cost.unwrap_or(c.offer_share_of_mean_mrr * mean_mrr),
            c.contact_cost,
            c.acceptance,
        );
        let plan = plan_campaign(&p, &clv.clv, &campaign)?;
        // Every customer worth contacting has an action, with or without a reason.
        for &i in plan.by_expected_profit.targets() {
            actions[i] = playbook.action_for_contacted(&reasons[i]).unwrap_or("").to_owned();
        }
        let empc_params = EmpcParams::default()
            .clv(clv_params.geometric_value(mean_mrr, 0.97))
            .incentive_cost(campaign.offer_cost)
            .contact_cost(campaign.contact_cost);
        let chosen = &candidates[best].oof;
        let empc = empc_score(&chosen.y_true, &chosen.p_churn, &empc_params)?;

        // 5. Uplift from the experiment, when the tables have one.
        let targeting = match tables.campaign.as_ref() {
            Some(camp) if camp.len() >= cfg.uplift.min_customers => {
                Some(step(progress, "uplift: two-model and X-learners on the retention experiment", || {
                    let exp = experiment_data(tables, &table.catalogue, cfg.uplift.horizon_days)?;
                    compare_targeting(
                        &exp,
                        &ModelParams::new(cfg.uplift.model).seed(seed),
                        &TargetingParams { seed, ..TargetingParams::default() },
                    )
                })?)
            }
            _ => None,
        };

        // 6. KPIs, retention curves, cohorts, study factors.
        let kpis = step(progress, "KPIs: churn, MRR movements, NRR/GRR by month", || {
            compute_kpis(tables, &KpiOptions::new())
        })?;
        let life = lifetimes(tables, &LifetimeOptions::new(data_end))?;
        let factors = customer_factors(tables, &events_cat, Some(data_end))?;
        let cohorts = cohort_matrix(tables, data_end)?;
        let retention = factor_retention(tables, &life, &factors)?;

        Ok(StudyResults {
            config: cfg.clone(),
            source: source.to_owned(),
            data_end,
            customers: tables.customers.len(),
            discovery,
            event_catalogue: events_cat,
            event_catalogue_from: events_from,
            horizon_days: horizon,
            observations: obs.n_rows(),
            cv_observations: cv_obs.n_rows(),
            candidates,
            best,
            model,
            current: CurrentScores {
                data: current,
                ids: cur_ids,
                p_churn: p,
                explanations,
                reasons,
                actions,
                mrr,
                clv,
                drift,
            },
            campaign,
            plan,
            empc,
            targeting,
            kpis,
            lifetimes: life,
            factors,
            retention,
            cohorts,
            previous: self.previous.clone(),
            data_quality,
        })
    }
}

/// Runs one step, telling `progress` when it starts and when it has finished successfully.
fn step<T>(progress: &mut dyn StudyProgress, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    progress.start(what);
    let out = f();
    if out.is_ok() {
        progress.finish(what);
    }
    out
}
