//! `attrition export-sql`: a saved model as one SQL query, for scoring inside a warehouse.

use std::io::Write as _;
use std::path::PathBuf;

use attrition::export::sql::{Dialect, SqlParams};
use attrition::models::trained::TrainedModel;
use attrition::{Error, Result};

/// Arguments of `attrition export-sql`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model file written by `attrition train`.
    #[arg(long)]
    model: PathBuf,
    /// SQL engine: duckdb, spark, postgres, bigquery or snowflake.
    #[arg(long, value_parser = parse_dialect)]
    dialect: Dialect,
    /// Table (or view) with the model's feature columns, one row per customer; written into the
    /// query as given (it may be qualified: db.schema.features).
    #[arg(long, default_value = "features")]
    table: String,
    /// Column of the table passed through to the result before p_churn and risk_tier
    /// (repeat for several). Default: the id column the model was trained with (`customer_id`
    /// unless `train --id` named another; none after `--id none`).
    #[arg(long)]
    keep: Vec<String>,
    /// Trees per common table expression: bounds the depth of one SQL expression, in 1–10000.
    #[arg(long, default_value_t = 50, value_parser = crate::common::range::count(1, 10_000))]
    trees_per_block: usize,
    /// Output file for the query (`-`: standard output).
    #[arg(long, default_value = "-")]
    out: PathBuf,
    #[command(flatten)]
    force: crate::common::ForceArgs,
}

fn parse_dialect(s: &str) -> std::result::Result<Dialect, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let plan = args.force.plan().input("--model", &args.model);
    plan.check_file("--out", &args.out)?;
    crate::output_path(&args.out);
    let model = TrainedModel::load(&args.model)?;
    let export = SqlParams::new(args.dialect)
        .table(args.table)
        .keep(if args.keep.is_empty() {
            model.input.id_name().map(str::to_string).into_iter().collect()
        } else {
            args.keep
        })
        .trees_per_block(args.trees_per_block)
        .export(&model)?;
    let mut out = plan.create_file("--out", &args.out)?;
    out.write_all(export.sql.as_bytes()).map_err(|e| Error::io("write", &args.out, e))?;
    out.commit()?;
    println!(
        "wrote a {} query for the {} model ({} trees in {} blocks, deepest {}, {} model-matrix columns, {} bytes) -> {}",
        export.dialect,
        model.kind,
        export.n_trees,
        export.tree_blocks,
        export.max_tree_depth,
        export.matrix_columns,
        export.sql.len(),
        args.out.display()
    );
    Ok(())
}
