//! `attrition km`: Kaplan–Meier curves (and a log-rank test) for any duration/event CSV.

use std::collections::BTreeMap;
use std::path::PathBuf;

use attrition::io::flat::FlatOptions;
use attrition::io::quality::DataQuality;
use attrition::survival::{KaplanMeier, SurvivalData, cap_groups, logrank_test};
use attrition::{ColumnData, Error, Result};

mod load;
use load::numeric;

/// Arguments of `attrition km`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV with one row per subject.
    #[arg(long)]
    data: PathBuf,
    /// Duration column (time to the event or to censoring).
    #[arg(long)]
    duration: String,
    /// Event column: 1/true/yes = the event (churn) was observed, 0/false/no = censored.
    #[arg(long)]
    event: String,
    /// Group column: one curve per value, and a log-rank test.
    #[arg(long)]
    by: Option<String>,
    /// Most groups `--by` keeps (1–10000): of a column with more levels (an id, a free-text
    /// field) the largest are kept and the rest merged into one group `(other)` (renamed if a
    /// level is spelled so), with a counted warning, rather than drawing that many curves and
    /// running a log-rank test across them.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_groups: u32,
    /// Entry-time column (late entry / left truncation).
    #[arg(long)]
    entry: Option<String>,
    /// A value meaning "missing", like a blank cell, e.g. `NA` (repeatable): a missing `--by`
    /// value is the group `(missing)`.
    #[arg(long = "na-values", value_name = "VALUE")]
    na_values: Vec<String>,
    /// Field delimiter: one character (`;`), `\t`/`tab`, `comma`, `semicolon` or `pipe`.
    /// Default: detected from the header line among `, ; TAB |`.
    #[arg(long, value_parser = crate::common::parse_delimiter_arg)]
    delimiter: Option<u8>,
    /// Print JSON instead of CSV.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let mut opts = FlatOptions::new().target(&args.event).numeric(&args.duration);
    opts.na_values.extend(args.na_values.iter().cloned());
    opts.delimiter = args.delimiter;
    if let Some(b) = &args.by {
        opts = opts.categorical(b);
    }
    let (data, mut quality) = load::data(&args, &opts)?;
    // Rows with no duration (or no entry time) cannot be placed on a curve: left out, counted.
    let (data, origin) = load::without_missing_times(&args, data, &mut quality)?;
    let durations = numeric(&data, &args.duration)?;
    let events = data.churned_or_err()?.to_vec();
    let entry = args.entry.as_deref().map(|e| numeric(&data, e)).transpose()?;
    load::check_times(&args, &durations, entry.as_deref(), &origin)?;
    let groups: Vec<String> = match &args.by {
        Some(b) => match data.column(b).map(|c| &c.data) {
            Some(ColumnData::Categorical(c)) => {
                let levels: Vec<String> =
                    (0..data.n_rows()).map(|i| c.value(i).unwrap_or("(missing)").to_string()).collect();
                let capped = cap_groups(&levels, args.max_groups as usize)?;
                if let Some(w) = capped.cap.warning(b) {
                    crate::common::print_quality(&DataQuality { warnings: vec![w.clone()] });
                    quality.push(w);
                }
                capped.labels
            }
            _ => return Err(Error::FeatureMismatch { reason: format!("group column `{b}` not found") }),
        },
        None => vec!["all".to_string(); data.n_rows()],
    };
    let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        by.entry(g.as_str()).or_default().push(i);
    }
    let mut all = SurvivalData::new(durations, events)?;
    if let Some(e) = entry {
        all = all.with_entry(e)?;
    }
    let mut subsets = Vec::new();
    let mut out = serde_json::Map::new();
    if !args.json {
        println!("group,time,at_risk,events,censored,survival,ci_low,ci_high");
    }
    for (g, rows) in &by {
        let d = all.subset(rows)?;
        let curve = KaplanMeier::new().fit(&d)?;
        if args.json {
            out.insert(g.to_string(), serde_json::to_value(&curve).map_err(|e| Error::Json { path: None, source: e })?);
        } else {
            for p in &curve.points {
                println!(
                    "{g},{},{},{},{},{},{},{}",
                    p.time, p.at_risk, p.events, p.censored, p.survival, p.ci_low, p.ci_high
                );
            }
        }
        subsets.push(d);
    }
    if by.len() > 1 {
        let refs: Vec<&SurvivalData> = subsets.iter().collect();
        let lr = logrank_test(&refs)?;
        if args.json {
            out.insert("logrank".into(), serde_json::to_value(&lr).map_err(|e| Error::Json { path: None, source: e })?);
        } else {
            eprintln!("log-rank: chi² = {:.4} on {} df, p = {:.4e}", lr.statistic, lr.degrees_of_freedom, lr.p_value);
        }
    }
    if args.json {
        // The findings printed as warnings, kept with the curves (only when there are any).
        if !quality.is_empty() {
            out.insert(
                "data_quality".into(),
                serde_json::to_value(&quality).map_err(|e| Error::Json { path: None, source: e })?,
            );
        }
        println!("{}", serde_json::Value::Object(out));
    }
    Ok(())
}
