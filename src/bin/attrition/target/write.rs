//! `targets.csv`: the customers ranked by expected profit.

use std::path::Path;

use attrition::Result;
use attrition::io::csv_out::CsvOut;
use attrition::io::output::Sink;
use attrition::models::row::Reason;
use attrition::models::trained::TrainedModel;
use attrition::profit::CampaignPlan;
use attrition::scoring::playbook::Playbook;

/// The scored customers and the campaign plan over them.
pub struct Targets<'a> {
    pub ids: &'a [String],
    pub p: &'a [f64],
    pub clv: &'a [f64],
    pub reasons: &'a [Vec<Reason>],
    pub plan: &'a CampaignPlan,
}

/// Writes one row per customer, ranked by expected profit, and commits the file.
pub fn targets(file: Sink, path: &Path, t: &Targets<'_>, model: &TrainedModel, playbook: &Playbook) -> Result<()> {
    let mut w = CsvOut::new(file, path);
    w.record([
        "customer_id",
        "p_churn",
        "risk_tier",
        "clv",
        "expected_profit",
        "target",
        "reason_1",
        "reason_2",
        "reason_3",
        "action",
    ])?;
    let base = model.training_churn_rate;
    for &i in &t.plan.by_expected_profit.order {
        let r = &t.reasons[i];
        let ev = t.plan.expected_value[i];
        let mut row = vec![
            t.ids[i].clone(),
            format!("{:.6}", t.p[i]),
            attrition::scoring::risk_tier(t.p[i], base).to_owned(),
            format!("{:.2}", t.clv[i]),
            format!("{ev:.2}"),
            (ev > 0.0).to_string(),
        ];
        row.extend((0..3).map(|k| r.get(k).map_or(String::new(), |x| x.text.clone())));
        let action = if ev > 0.0 { playbook.action_for_contacted(r) } else { playbook.action_for(r) };
        row.push(action.unwrap_or("").to_owned());
        w.record(&row)?;
    }
    w.into_inner()?.commit()
}
