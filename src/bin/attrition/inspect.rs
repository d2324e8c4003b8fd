//! `attrition inspect`: load data and say what was read.

use std::path::PathBuf;

use attrition::io::flat::{FlatOptions, load_flat};

/// Arguments of `attrition inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A tables directory (customers.csv, subscriptions.csv, events.csv, nps.csv).
    #[arg(long, conflicts_with = "data")]
    tables: Option<PathBuf>,
    /// Schema file (TOML): your files' names, column names, units and formats mapped onto the
    /// tables contract (see README, "The schema file").
    #[arg(long, requires = "tables")]
    schema: Option<std::path::PathBuf>,
    #[command(flatten)]
    event_types: crate::common::EventTypesArgs,
    /// A flat CSV file (`-`: standard input).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Target column of the flat CSV.
    #[arg(long)]
    target: Option<String>,
    /// Value of the target that means churned.
    #[arg(long)]
    positive: Option<String>,
    /// Id column of the flat CSV; `none`: rows are numbered 1, 2, …
    #[arg(long)]
    id: Option<String>,
    /// Columns of the flat CSV to ignore (repeatable).
    #[arg(long, requires = "data")]
    drop: Vec<String>,
    #[command(flatten)]
    columns: crate::common::ColumnArgs,
    /// Skip and count bad rows instead of stopping at the first.
    #[arg(long)]
    lenient: bool,
}

pub fn run(a: Args) -> attrition::Result<()> {
    if let Some(dir) = a.tables {
        let opts = a.event_types.read_options(a.lenient);
        let loaded = crate::common::read_tables(&dir, a.schema.as_deref(), &opts)?;
        print!("{}", loaded.report);
        crate::common::warn_tables(&loaded);
        if let Some(p) = &a.schema {
            print_schema(&attrition::io::schema::Schema::read(p)?);
        }
        let t = &loaded.tables;
        println!(
            "{} customers, {} subscriptions, {} events ({} event types), {} NPS responses",
            t.customers.len(),
            t.subscriptions.len(),
            t.events.len(),
            t.events.kinds.len(),
            t.nps.len()
        );
        if !t.attributes.is_empty() {
            println!("customer attributes (columns of customers.csv):");
        }
        for a in &t.attributes {
            let note = if a.kind.is_feature() { "" } else { " — not a feature (an id or free text)" };
            println!(
                "  {:<24} {:<11} {} distinct, {} missing{note}",
                a.name,
                a.kind.as_str(),
                a.distinct(),
                t.customers.len() - a.present()
            );
        }
    } else if let Some(path) = a.data {
        let mut o = a.columns.apply(FlatOptions { target: a.target, positive: a.positive, ..Default::default() });
        if let Some(id) = &a.id {
            o = crate::common::with_id(o, id);
        }
        for d in &a.drop {
            o = o.drop(d);
        }
        if a.lenient {
            o = o.lenient();
        }
        let loaded = load_flat(&path, &o)?;
        print!("{}", loaded.report);
        match loaded.report.format {
            attrition::io::InputFormat::JsonLines => println!("format: JSON Lines (detected)"),
            attrition::io::InputFormat::Parquet => println!("format: Parquet (detected)"),
            _ => println!(
                "delimiter: {}{}",
                attrition::io::delimiter_name(loaded.report.delimiter),
                if o.delimiter.is_some() { "" } else { " (detected)" }
            ),
        }
        if loaded.report.decimal_comma {
            println!("decimal comma: numbers like `29,85` read as 29.85 (detected)");
        }
        for c in &loaded.report.columns {
            println!(
                "  {:<24} {:?}{}",
                c.name,
                c.kind,
                c.n_levels.map(|n| format!(" ({n} levels)")).unwrap_or_default()
            );
        }
        if let Some(r) = loaded.dataset.churn_rate() {
            println!("churn rate {:.4}", r);
        }
    } else {
        return Err(attrition::Error::param("tables/data", "<none>", "give --tables DIR or --data FILE"));
    }
    Ok(())
}

/// What the schema file made of each table's columns.
fn print_schema(schema: &attrition::io::schema::Schema) {
    println!("schema {}:", schema.path.display());
    for (table, cols) in attrition::io::schema::TABLE_COLUMNS {
        if table == "subscriptions"
            && let Some(c) = &schema.churn
            && let Ok(d) = c.definition()
        {
            println!("  subscriptions: none read; churn = {d}, derived from the events ([churn])");
            continue;
        }
        let t = schema.table(table);
        let file = t.file.clone().unwrap_or_else(|| format!("{table}.csv"));
        let mut parts: Vec<String> =
            cols.iter().filter(|c| t.columns.contains_key(**c)).map(|c| format!("`{}` → {c}", t.column(c))).collect();
        if let Some(d) = &t.delimiter {
            parts.push(format!("delimiter {d:?}"));
        }
        if let Some(s) = t.mrr_scale {
            parts.push(format!("mrr × {s}"));
        }
        if let Some(f) = t.timestamp {
            parts.push(format!("timestamps {}", serde_json::to_value(f).unwrap_or_default().as_str().unwrap_or("")));
        }
        if !t.ignore.is_empty() {
            parts.push(format!("ignored {}", t.ignore.join(", ")));
        }
        if !t.na_values.is_empty() {
            parts.push(format!("missing also {}", t.na_values.join(", ")));
        }
        if parts.is_empty() {
            parts.push("contract names".into());
        }
        println!("  {table} ← {file}: {}", parts.join("; "));
    }
}
