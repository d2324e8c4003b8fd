//! A trained model as one SQL `SELECT`: warehouses score in place.
//!
//! [`SqlParams::export`] turns a [`TrainedModel`] into a query over a table of feature columns
//! (the columns `attrition features`/`snapshot` write, one row per customer) that returns the
//! columns to keep (default `customer_id`), `p_churn` and `risk_tier`, in one of five
//! [`Dialect`]s. The query is a chain of common table expressions that mirrors the scoring path
//! step by step:
//!
//! 1. `attrition_input`: each feature cast to the engine's `DOUBLE` or string type, `NaN` read
//!    as `NULL` (both are "missing", as `NaN` is in [`crate::Dataset`]).
//! 2. `attrition_matrix`: the model matrix of [`Preprocessor::transform`] — for logistic
//!    regression (`attrition_l*` columns) median imputation, missing indicators, the fat-tail
//!    transform (`ln(1 + x)` / `asinh`) and standardisation; for trees (`attrition_t*`) the raw
//!    numbers; for both, one-hot columns of categoricals, with unseen categories mapped to all
//!    zeros or to the `__other__` column exactly as the library does. A row with an infinite
//!    feature value, which the library refuses to score, is flagged here.
//! 3. `attrition_trees_<k>`: the trees in blocks of [`SqlParams::trees_per_block`], each tree a
//!    nested `CASE` (`x <= threshold` goes left; `NULL` follows the split's learned default
//!    direction), each block adding its trees to the running raw score in tree order.
//! 4. `attrition_log_odds`, `attrition_p`: the logistic linear predictor, summed in the order
//!    the library sums it, the ensemble's mix, and the library's sigmoid of each family.
//! 5. `attrition_calibrated`, for a model that carries a calibrator (`train --calibrate`): the
//!    Platt curve or the isotonic interpolation of the probability, as `score` applies it.
//! 6. The final `SELECT`: the kept columns, `p_churn` (`NULL` for a row the library would not
//!    score) and `risk_tier` by [`crate::scoring::risk_tier`]'s rule (`unscored` for `NULL`).
//!
//! **Exactness.** Numbers are written in the shortest form that reads back as the same `f64`,
//! in exponent notation (`1.5e-1`), which DuckDB, Spark and BigQuery read as a `DOUBLE` (a plain
//! `0.15` is a `DECIMAL` there). Sums are written in the library's order: the raw score of
//! boosted trees starts at the initial score and adds the trees one by one; the logistic dot
//! product uses the library's four interleaved partial sums; each family keeps its own sigmoid
//! (boosted trees `1 / (1 + e^(−z))`, logistic regression and the ensemble a two-branch form).
//! Measured in DuckDB on the sample (`tests/export_sql.rs`): single trees and boosted trees give
//! bit-identical probabilities (DuckDB's `EXP` is the same C library function Rust calls);
//! logistic regression and the ensemble differ by at most 2.2e-16 on 7–37% of the rows,
//! because `ln(1 + x)` is `LN(1 + x)` in SQL where Rust calls `ln_1p` (the rounded `1 + x`
//! loses low bits of small `x`), and Rust's `asinh` is its own formula where engines
//! call their C library's. Another engine's `EXP`/`LN` may also differ from this machine's in
//! the last bit. PostgreSQL raises an error when `EXP` underflows or overflows, so its sigmoids
//! clamp the exponent (at ±700..745), where the probability is 0 or 1 to within 1e-300.
//!
//! **Engines' limits** (measured with DuckDB 2.0.1 and sqlglot 30.31). A tree is a `CASE`
//! nested as deep as the tree (at most [`crate::models::hist::MAX_TREE_DEPTH`] = 64; DuckDB
//! executes 500 levels), and a block of [`SqlParams::trees_per_block`] trees is a left-deep sum
//! of that many terms. DuckDB refuses an expression deeper than its `max_expression_depth`
//! (1000): a single sum of about 1000 trees fails, which is why trees are split into CTEs; at the
//! default of 50 trees per block one expression is at most ~115 levels deep. `sqlglot`'s parser
//! recurses per level and hits Python's default recursion limit at a `CASE` nested ~60 deep
//! (the tests raise the limit). The text grows with the leaves (~150 bytes each; default
//! boosted models on the sample, 262–659 trees, are 240–575 KB): BigQuery refuses queries over
//! 1 MB of text, and Snowflake statements are limited to 1 MB too, so forests of more than
//! ~6,000 leaves need fewer or smaller trees there (our 600-tree, 16-leaf test model is 1.1 MB).
//!
//! **Identifiers.** Feature and kept columns are quoted (`"name"`, or `` `name` `` in Spark and
//! BigQuery) and so are case-sensitive in Snowflake and PostgreSQL: the table's columns must be
//! spelled as in the model. The table name is written as given (it may be qualified,
//! `db.schema.features`). Categorical values are compared as strings; a missing category is
//! `NULL`.
//!
//! ```
//! use attrition::export::sql::{Dialect, SqlParams};
//! use attrition::models::{Learner, trained::{ModelKind, ModelParams}};
//! use attrition::{Column, Dataset};
//! let x: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
//! let plan: Vec<Option<&str>> = (0..200).map(|i| Some(["basic", "pro"][i % 2])).collect();
//! let y: Vec<bool> = (0..200).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
//! let data = Dataset::new(vec![Column::numeric("logins", x), Column::categorical("plan", &plan)])
//!     .unwrap()
//!     .with_churned(y)
//!     .unwrap();
//! let model = ModelParams::new(ModelKind::Gbdt).seed(1).fit(&data).unwrap();
//! let export = SqlParams::new(Dialect::DuckDb).table("features").export(&model).unwrap();
//! assert!(export.sql.contains("FROM features"));
//! assert!(export.sql.contains("AS \"p_churn\""));
//! assert!(export.sql.contains("CAST(\"plan\" AS VARCHAR) AS \"attrition_f1\""));
//! assert!(export.sql.contains("\"attrition_f1\" = 'pro'"));
//! assert_eq!(export.n_trees, model_trees(&model));
//! # fn model_trees(m: &attrition::models::trained::TrainedModel) -> usize {
//! #     match &m.fitted { attrition::models::trained::Fitted::Gbdt(b) => b.n_trees(), _ => 0 } }
//! ```

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::models::boosted::Link;
use crate::models::calibration::Calibrator;
use crate::models::hist::forest::Forest;
use crate::models::logistic::LogisticModel;
use crate::models::preprocess::{InputSpec, PreprocessMode, Preprocessor, Transform};
use crate::models::trained::{Fitted, TrainedModel};

/// Prefix of every name the query makes up (its CTEs and their helper columns); kept columns
/// may not start with it.
pub const PREFIX: &str = "attrition_";

/// An SQL engine whose syntax and functions the query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB (tested by executing the query).
    DuckDb,
    /// Spark SQL (Databricks too).
    Spark,
    /// PostgreSQL 12 or later.
    Postgres,
    /// Google BigQuery (GoogleSQL).
    BigQuery,
    /// Snowflake.
    Snowflake,
}

impl Dialect {
    /// Every dialect, in the order of `--help`.
    pub const ALL: [Dialect; 5] =
        [Dialect::DuckDb, Dialect::Spark, Dialect::Postgres, Dialect::BigQuery, Dialect::Snowflake];

    /// The dialect's name on the command line (and in `sqlglot`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Postgres => "postgres",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// A quoted identifier.
    fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::BigQuery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A string literal.
    fn string(self, s: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Postgres => format!("'{}'", s.replace('\'', "''")),
            Dialect::Snowflake => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
            Dialect::Spark | Dialect::BigQuery => {
                let mut out = String::with_capacity(s.len() + 2);
                out.push('\'');
                for c in s.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("\\'"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
        }
    }

    fn double_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::BigQuery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    fn string_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "TEXT",
            Dialect::Spark | Dialect::BigQuery => "STRING",
            Dialect::DuckDb | Dialect::Snowflake => "VARCHAR",
        }
    }

    /// A special floating-point value (`NaN`, `inf`) as a typed literal.
    fn special(self, what: &str) -> String {
        format!("CAST('{what}' AS {})", self.double_type())
    }

    /// `e` (a `DOUBLE`) with `NaN` replaced by `NULL`.
    fn nan_to_null(self, e: &str) -> String {
        match self {
            // These engines compare NaN equal to itself.
            Dialect::DuckDb | Dialect::Postgres | Dialect::Snowflake => {
                format!("NULLIF({e}, {})", self.special("NaN"))
            }
            Dialect::Spark => format!("CASE WHEN ISNAN({e}) THEN NULL ELSE {e} END"),
            Dialect::BigQuery => format!("IF(IS_NAN({e}), NULL, {e})"),
        }
    }

    fn infinity(self) -> String {
        match self {
            Dialect::BigQuery | Dialect::Snowflake => self.special("inf"),
            _ => self.special("Infinity"),
        }
    }

    /// A number that reads back as exactly `x`, typed `DOUBLE` where the engine reads exponent
    /// notation so; negative numbers in parentheses (never `- -1`, which could read as a
    /// comment when spaces are lost).
    fn num(self, x: f64) -> String {
        if x.is_nan() {
            self.special("NaN")
        } else if x.is_infinite() {
            if x > 0.0 { self.infinity() } else { format!("(-{})", self.infinity()) }
        } else if x.is_sign_negative() {
            format!("({x:e})")
        } else {
            format!("{x:e}")
        }
    }

    /// `asinh(v)` as the library computes it (to rounding), `v` an expression evaluated
    /// several times.
    fn asinh(self, v: &str) -> String {
        let large = format!("SIGN({v}) * (LN(ABS({v})) + {})", self.num(std::f64::consts::LN_2));
        match self {
            // Spark's ASINH is log(x + sqrt(x² + 1)): it overflows above 1e154 and loses all
            // precision for large negative x; the odd formula below does neither.
            Dialect::Spark => format!(
                "CASE WHEN ABS({v}) > 1e150 THEN {large} ELSE SIGN({v}) * LN(ABS({v}) + SQRT({v} * {v} + 1e0)) END"
            ),
            _ => format!("CASE WHEN ABS({v}) > 1e300 THEN {large} ELSE ASINH({v}) END"),
        }
    }

    /// The boosted trees' sigmoid, `1 / (1 + e^(−z))`, of the column `z`.
    fn plain_sigmoid(self, z: &str) -> String {
        match self {
            // PostgreSQL raises an error when EXP overflows.
            Dialect::Postgres => format!("1e0 / (1e0 + EXP(LEAST(-{z}, 7.09e2)))"),
            _ => format!("1e0 / (1e0 + EXP(-{z}))"),
        }
    }

    /// The logistic regression's sigmoid (two branches, no overflow) of the column `z`.
    fn sigmoid(self, z: &str) -> String {
        match self {
            // PostgreSQL raises an error when EXP underflows to 0.
            Dialect::Postgres => format!(
                "CASE WHEN {z} >= 0 THEN 1e0 / (1e0 + EXP(-LEAST({z}, 7e2))) \
                 ELSE EXP(GREATEST({z}, (-7.45e2))) / (1e0 + EXP(GREATEST({z}, (-7.45e2)))) END"
            ),
            _ => format!("CASE WHEN {z} >= 0 THEN 1e0 / (1e0 + EXP(-{z})) ELSE EXP({z}) / (1e0 + EXP({z})) END"),
        }
    }
}

/// Which of the library's two sigmoids the model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sigmoid {
    /// None: the raw score is the probability (a single tree, an identity link).
    Identity,
    /// `logistic::sigmoid`, two branches (logistic regression, ensemble).
    Branched,
    /// `1 / (1 + e^(−z))` for every z (boosted trees' logistic link).
    Plain,
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Dialect {
    type Err = Error;

    /// ```
    /// use attrition::export::sql::Dialect;
    /// assert_eq!("DuckDB".parse::<Dialect>().unwrap(), Dialect::DuckDb);
    /// assert!("oracle".parse::<Dialect>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Dialect> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::param("dialect", s, "must be one of duckdb, spark, postgres, bigquery, snowflake"))
    }
}

/// Parameters of the SQL export. Setters never fail; [`SqlParams::check`] validates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlParams {
    /// The engine. No default: [`SqlParams::new`] takes it.
    pub dialect: Dialect,
    /// The table (or view) of feature columns, written into the query as given. Default
    /// `features`.
    pub table: String,
    /// Columns of the table passed through to the result, before `p_churn` and `risk_tier`.
    /// Default `["customer_id"]`.
    pub keep: Vec<String>,
    /// Trees per common table expression (bounds the depth of one expression). Default 50.
    pub trees_per_block: usize,
}

impl SqlParams {
    /// Defaults for `dialect`.
    pub fn new(dialect: Dialect) -> SqlParams {
        SqlParams { dialect, table: "features".into(), keep: vec!["customer_id".into()], trees_per_block: 50 }
    }

    /// Sets [`SqlParams::table`].
    pub fn table(mut self, table: impl Into<String>) -> SqlParams {
        self.table = table.into();
        self
    }

    /// Sets [`SqlParams::keep`].
    pub fn keep(mut self, keep: Vec<String>) -> SqlParams {
        self.keep = keep;
        self
    }

    /// Sets [`SqlParams::trees_per_block`].
    pub fn trees_per_block(mut self, n: usize) -> SqlParams {
        self.trees_per_block = n;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        let table = self.table.trim();
        if table.is_empty() || table.contains(';') || table.contains("--") || table.contains("/*") {
            return Err(Error::param("table", &self.table, "must be a table name (no `;` or comments)"));
        }
        if self.trees_per_block == 0 {
            return Err(Error::param("trees_per_block", 0, "must be at least 1"));
        }
        let mut seen = std::collections::HashSet::new();
        for k in &self.keep {
            if k.is_empty() || k.starts_with(PREFIX) || k == "p_churn" || k == "risk_tier" {
                return Err(Error::param(
                    "keep",
                    k,
                    format!("a kept column must be named, not `p_churn`/`risk_tier`, and not start with `{PREFIX}`"),
                ));
            }
            if !seen.insert(k) {
                return Err(Error::param("keep", k, "is listed twice"));
            }
        }
        Ok(())
    }

    /// The query scoring `model` (see the [module docs](self)).
    pub fn export(&self, model: &TrainedModel) -> Result<SqlExport> {
        self.check()?;
        model.validate()?;
        Writer { p: self, d: self.dialect, model }.write()
    }
}

/// The query of [`SqlParams::export`] and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlExport {
    /// The query (one `WITH … SELECT …` statement, no trailing `;`, ending in a newline).
    pub sql: String,
    /// The dialect it is written in.
    pub dialect: Dialect,
    /// Trees written.
    pub n_trees: usize,
    /// Common table expressions holding trees (`ceil(n_trees / trees_per_block)`).
    pub tree_blocks: usize,
    /// Deepest `CASE` nesting of a tree (its depth).
    pub max_tree_depth: usize,
    /// Columns of the model matrix computed in `attrition_matrix`.
    pub matrix_columns: usize,
}

struct Writer<'a> {
    p: &'a SqlParams,
    d: Dialect,
    model: &'a TrainedModel,
}

/// One output of a CTE: expression and alias (unquoted).
struct Item {
    expr: String,
    alias: String,
}

/// The training levels of categorical feature `name` that mean true and false, when its levels
/// are exactly such a pair (`Yes`/`No`, `1`/`0`, `True`/`False`, … as
/// [`crate::io::parse::parse_bool`] reads them).
fn boolean_levels<'p>(pre: &'p Preprocessor, name: &str) -> Option<(&'p str, &'p str)> {
    let levels = pre.inputs.iter().find_map(|s| match s {
        InputSpec::Categorical { name: n, levels, .. } if n == name => Some(levels),
        _ => None,
    })?;
    let [a, b] = levels.as_slice() else { return None };
    match (crate::io::parse::parse_bool(a)?, crate::io::parse::parse_bool(b)?) {
        (true, false) => Some((a.as_str(), b.as_str())),
        (false, true) => Some((b.as_str(), a.as_str())),
        _ => None,
    }
}

impl Writer<'_> {
    fn id(&self, name: &str) -> String {
        self.d.ident(name)
    }

    fn write(&self) -> Result<SqlExport> {
        let d = self.d;
        let m = self.model;
        let mut ctes: Vec<(String, String)> = Vec::new();
        let keep: Vec<String> = self.p.keep.iter().map(|k| self.id(k)).collect();

        // 1. Inputs, typed, NaN as NULL.
        let mut items: Vec<Item> = Vec::new();
        for (i, f) in m.features.iter().enumerate() {
            let col = self.id(&f.name);
            let expr = match f.kind {
                crate::dataset::ColumnKind::Numeric => d.nan_to_null(&format!("CAST({col} AS {})", d.double_type())),
                crate::dataset::ColumnKind::Categorical => {
                    let text = format!("CAST({col} AS {})", d.string_type());
                    match boolean_levels(&m.preprocessor, &f.name) {
                        // A warehouse reads a Yes/No column as BOOLEAN, which casts to
                        // 'true'/'false': spelled back as the training levels (else every row
                        // would be an unseen category, scored silently wrong).
                        Some((yes, no)) => format!(
                            "CASE LOWER({text}) WHEN 'true' THEN {} WHEN 'false' THEN {} ELSE {text} END",
                            d.string(yes),
                            d.string(no)
                        ),
                        None => text,
                    }
                }
            };
            items.push(Item { expr, alias: format!("{PREFIX}f{i}") });
        }
        ctes.push((format!("{PREFIX}input"), self.select(&keep, &items, &self.p.table)));

        // 2. The model matrix (or two, for the ensemble) and the unscorable flag.
        let mut items = Vec::new();
        let inf = d.infinity();
        let numeric: Vec<String> = (0..m.features.len())
            .filter(|&i| m.features[i].kind == crate::dataset::ColumnKind::Numeric)
            .map(|i| format!("ABS({}) = {inf}", self.id(&format!("{PREFIX}f{i}"))))
            .collect();
        let bad = if numeric.is_empty() {
            "0".to_string()
        } else {
            format!("CASE WHEN {} THEN 1 ELSE 0 END", numeric.join(" OR "))
        };
        items.push(Item { expr: bad, alias: format!("{PREFIX}unscorable") });
        let n_matrix = self.matrix(&m.preprocessor, &mut items)?;
        let mut matrix_columns = n_matrix;
        if let Fitted::Ensemble(e) = &m.fitted {
            matrix_columns += self.matrix(&e.tree_preprocessor, &mut items)?;
        }
        ctes.push((format!("{PREFIX}matrix"), self.select(&keep, &items, &format!("{PREFIX}input"))));

        // 3. Trees in blocks.
        let (forest, init): (Option<&Forest>, f64) = match &m.fitted {
            Fitted::Logistic(_) => (None, 0.0),
            Fitted::Tree(t) => (Some(t.forest()), 0.0),
            Fitted::Gbdt(b) => (Some(b.forest()), b.init_score()),
            Fitted::Ensemble(e) => (Some(e.gbdt.forest()), e.gbdt.init_score()),
        };
        let mut last = format!("{PREFIX}matrix");
        let (mut n_trees, mut tree_blocks, mut max_tree_depth) = (0, 0, 0);
        let mut raw = None;
        if let Some(forest) = forest {
            n_trees = forest.n_trees();
            max_tree_depth = forest.depths.iter().copied().max().unwrap_or(0) as usize;
            let mut sum = d.num(init);
            let trees: Vec<usize> = (0..n_trees).collect();
            for (b, block) in trees.chunks(self.p.trees_per_block).enumerate() {
                let mut expr = sum;
                for &t in block {
                    let root = forest.roots[t] as usize;
                    expr.push_str("\n      + ");
                    self.tree(forest, root, 3, &mut expr);
                }
                let alias = format!("{PREFIX}raw{b}");
                let name = format!("{PREFIX}trees_{b}");
                let body = format!(
                    "  SELECT {prev}.*,\n    {expr} AS {a}\n  FROM {prev}",
                    prev = self.id(&last),
                    a = self.id(&alias)
                );
                ctes.push((name.clone(), body));
                sum = self.id(&alias);
                last = name;
                tree_blocks += 1;
            }
            raw = Some(sum);
        }

        // 4. Log-odds (or probability) and p_churn.
        let z_alias = format!("{PREFIX}z");
        let (z, sigmoid) = match &m.fitted {
            Fitted::Logistic(l) => (self.linear(l)?, Sigmoid::Branched),
            Fitted::Tree(_) => (raw.clone().unwrap_or_default(), Sigmoid::Identity),
            Fitted::Gbdt(b) => (
                raw.clone().unwrap_or_default(),
                if b.link() == Link::Logistic { Sigmoid::Plain } else { Sigmoid::Identity },
            ),
            Fitted::Ensemble(e) => {
                let w = e.logistic_weight;
                let lin = self.linear(&e.logistic)?;
                (
                    format!("{} * ({lin}) + {} * {}", d.num(w), d.num(1.0 - w), raw.clone().unwrap_or_default()),
                    Sigmoid::Branched,
                )
            }
        };
        let carry: Vec<String> = keep.iter().cloned().chain([self.id(&format!("{PREFIX}unscorable"))]).collect();
        ctes.push((
            format!("{PREFIX}log_odds"),
            self.select(&carry, &[Item { expr: z, alias: z_alias.clone() }], &last),
        ));
        let zq = self.id(&z_alias);
        let p = match sigmoid {
            Sigmoid::Identity => zq,
            Sigmoid::Branched => d.sigmoid(&zq),
            Sigmoid::Plain => d.plain_sigmoid(&zq),
        };
        let p = format!("CASE WHEN {} = 1 THEN NULL ELSE {p} END", self.id(&format!("{PREFIX}unscorable")));
        ctes.push((
            format!("{PREFIX}p"),
            self.select(&keep, &[Item { expr: p, alias: "p_churn".into() }], &format!("{PREFIX}log_odds")),
        ));

        // 5. The calibrator, when the model carries one (`score` applies it too).
        let mut result = format!("{PREFIX}p");
        if let Some(c) = &m.calibrator {
            let p = self.calibrated(c, &self.id("p_churn"));
            ctes.push((
                format!("{PREFIX}calibrated"),
                self.select(&keep, &[Item { expr: p, alias: "p_churn".into() }], &result),
            ));
            result = format!("{PREFIX}calibrated");
        }

        // 6. The result.
        let base = m.training_churn_rate;
        let high = (2.0 * base).min(0.5).max(base);
        let pc = self.id("p_churn");
        let mut tier = format!("CASE WHEN {pc} IS NULL THEN 'unscored' WHEN {pc} >= {} THEN 'high'", d.num(high));
        if !base.is_nan() {
            let _ = write!(tier, " WHEN {pc} >= {} THEN 'medium'", d.num(base));
        }
        tier.push_str(" ELSE 'low' END");

        let mut sql = self.header(n_trees, matrix_columns);
        sql.push_str("WITH\n");
        for (k, (name, body)) in ctes.iter().enumerate() {
            let _ = write!(sql, "{} AS (\n{body}\n){}\n", self.id(name), if k + 1 < ctes.len() { "," } else { "" });
        }
        sql.push_str("SELECT\n");
        for k in &keep {
            let _ = writeln!(sql, "  {k},");
        }
        let _ = writeln!(sql, "  {pc},\n  {tier} AS {}", self.id("risk_tier"));
        let _ = writeln!(sql, "FROM {}", self.id(&result));
        Ok(SqlExport { sql, dialect: d, n_trees, tree_blocks, max_tree_depth, matrix_columns })
    }

    fn header(&self, n_trees: usize, matrix_columns: usize) -> String {
        let m = self.model;
        let clean = |s: &str| s.replace(['\n', '\r'], " ");
        let mut h = String::new();
        let _ = writeln!(
            h,
            "-- attrition {} export-sql: {} model, {} dialect",
            env!("CARGO_PKG_VERSION"),
            m.kind,
            self.d.name()
        );
        let _ = writeln!(
            h,
            "-- model schema version {}, checksum {}",
            m.schema_version,
            crate::models::file::checksum(m).unwrap_or_else(|_| "unavailable".into())
        );
        let _ = writeln!(
            h,
            "-- {} features, {matrix_columns} model-matrix columns, {n_trees} trees; trained on {} rows, churn rate {}",
            m.features.len(),
            m.training_rows,
            m.training_churn_rate
        );
        let _ = writeln!(h, "-- reads {}; returns the kept columns, p_churn and risk_tier", clean(&self.p.table));
        for (i, f) in m.features.iter().enumerate() {
            let _ = writeln!(h, "--   {PREFIX}f{i} = {} ({:?})", clean(&f.name), f.kind);
        }
        h
    }

    /// [`Calibrator::apply`] of the probability column `p` (`NULL` stays `NULL`), in the
    /// library's arithmetic: Platt's `σ(a · logit(p) + b)` with `p` clamped to
    /// `[1e-12, 1 − 1e-12]`; isotonic interpolation between the knots `x[k−1] ≤ p < x[k]`,
    /// clipped at both ends.
    fn calibrated(&self, c: &Calibrator, p: &str) -> String {
        let d = self.d;
        match c {
            Calibrator::Platt { a, b } => {
                let lo = d.num(1e-12);
                let hi = d.num(1.0 - 1e-12);
                let q = format!("(CASE WHEN {p} < {lo} THEN {lo} WHEN {p} > {hi} THEN {hi} ELSE {p} END)");
                let z = format!("({} * LN({q} / (1e0 - {q})) + {})", d.num(*a), d.num(*b));
                format!("CASE WHEN {p} IS NULL THEN NULL ELSE {} END", d.plain_sigmoid(&z))
            }
            Calibrator::Isotonic { x, .. } if x.is_empty() => p.to_string(),
            Calibrator::Isotonic { x, y } => {
                let n = x.len();
                let mut e = format!(
                    "CASE WHEN {p} IS NULL THEN NULL WHEN {p} <= {} THEN {} WHEN {p} >= {} THEN {}",
                    d.num(x[0]),
                    d.num(y[0]),
                    d.num(x[n - 1]),
                    d.num(y[n - 1])
                );
                for k in 1..n {
                    let _ = write!(
                        e,
                        "\n      WHEN {p} < {x1} THEN {y0} + ({p} - {x0}) / ({x1} - {x0}) * ({y1} - {y0})",
                        x0 = d.num(x[k - 1]),
                        x1 = d.num(x[k]),
                        y0 = d.num(y[k - 1]),
                        y1 = d.num(y[k]),
                    );
                }
                e.push_str(" END");
                e
            }
        }
    }

    /// `SELECT carry, items FROM from` as a CTE body.
    fn select(&self, carry: &[String], items: &[Item], from: &str) -> String {
        let mut cols: Vec<String> = carry.iter().map(|c| format!("    {c}")).collect();
        cols.extend(items.iter().map(|it| format!("    {} AS {}", it.expr, self.id(&it.alias))));
        let from = if from == self.p.table { from.to_string() } else { self.id(from) };
        format!("  SELECT\n{}\n  FROM {from}", cols.join(",\n"))
    }

    /// Appends the model-matrix columns of `pre` (`attrition_l<j>` in linear mode,
    /// `attrition_t<j>` in tree mode) to `items`; returns how many.
    fn matrix(&self, pre: &Preprocessor, items: &mut Vec<Item>) -> Result<usize> {
        let d = self.d;
        let prefix = match pre.mode {
            PreprocessMode::Linear => "l",
            PreprocessMode::Tree => "t",
        };
        let mut j = 0;
        let mut push = |items: &mut Vec<Item>, expr: String| {
            items.push(Item { expr, alias: format!("{PREFIX}{prefix}{j}") });
            j += 1;
        };
        for spec in &pre.inputs {
            let i =
                self.model.features.iter().position(|f| f.name == spec.name()).ok_or_else(|| Error::InvalidModel {
                    path: None,
                    part: "preprocessor".into(),
                    reason: format!("input `{}` is not one of the model's features", spec.name()),
                })?;
            let f = self.id(&format!("{PREFIX}f{i}"));
            match spec {
                InputSpec::Numeric { transform, median, mean, sd, indicator, .. } => {
                    if pre.mode == PreprocessMode::Tree {
                        push(items, f);
                        continue;
                    }
                    let v = format!("COALESCE({f}, {})", d.num(*median));
                    let t = match transform {
                        Transform::None => v,
                        Transform::Log1p => format!("LN(1e0 + GREATEST({v}, 0e0))"),
                        Transform::Asinh => d.asinh(&v),
                    };
                    let z = if mean.abs() > 1e300 {
                        // The library's fallback when t − mean overflows (see preprocess.rs).
                        format!("({t}) / {sd} - {mean} / {sd}", sd = d.num(*sd), mean = d.num(*mean))
                    } else {
                        format!("(({t}) - {}) / {}", d.num(*mean), d.num(*sd))
                    };
                    push(items, z);
                    if *indicator {
                        push(items, format!("CASE WHEN {f} IS NULL THEN 1 ELSE 0 END"));
                    }
                }
                InputSpec::Categorical { levels, other, native: true, .. } => {
                    // Category codes for native categorical splits: `k` for `levels[k]`,
                    // `levels.len()` for `__other__`, NULL for missing or unseen values.
                    let mut e = String::from("CASE");
                    for (k, l) in levels.iter().enumerate() {
                        let _ = write!(e, " WHEN {f} = {} THEN {}", d.string(l), d.num(k as f64));
                    }
                    if *other {
                        let _ = write!(e, " WHEN {f} IS NOT NULL THEN {}", d.num(levels.len() as f64));
                    }
                    if levels.is_empty() && !*other {
                        // No level in training: every value is unseen.
                        let _ = write!(e, " WHEN {f} IS NULL THEN NULL");
                    }
                    e.push_str(" ELSE NULL END");
                    push(items, e);
                }
                InputSpec::Categorical { levels, other, missing, .. } => {
                    for l in levels {
                        push(items, format!("CASE WHEN {f} = {} THEN 1 ELSE 0 END", d.string(l)));
                    }
                    if *other {
                        let cond = if levels.is_empty() {
                            format!("{f} IS NOT NULL")
                        } else {
                            let list: Vec<String> = levels.iter().map(|l| d.string(l)).collect();
                            format!("{f} IS NOT NULL AND {f} NOT IN ({})", list.join(", "))
                        };
                        push(items, format!("CASE WHEN {cond} THEN 1 ELSE 0 END"));
                    }
                    if *missing {
                        push(items, format!("CASE WHEN {f} IS NULL THEN 1 ELSE 0 END"));
                    }
                }
            }
        }
        Ok(j)
    }

    /// The linear predictor `x · coef + intercept` over the linear matrix, summed as
    /// `logistic::dot` sums it: four interleaved partial sums, then the remainder.
    fn linear(&self, l: &LogisticModel) -> Result<String> {
        let d = self.d;
        let term = |k: usize| format!("{} * {}", self.id(&format!("{PREFIX}l{k}")), d.num(l.coef[k]));
        let p = l.coef.len();
        let full = p / 4 * 4;
        let mut parts = Vec::new();
        if full > 0 {
            let acc: Vec<String> =
                (0..4).map(|lane| (lane..full).step_by(4).map(term).collect::<Vec<_>>().join(" + ")).collect();
            parts.push(format!("(({}) + ({})) + (({}) + ({}))", acc[0], acc[1], acc[2], acc[3]));
        }
        if full < p {
            parts.push(format!("({})", (full..p).map(term).collect::<Vec<_>>().join(" + ")));
        }
        let dot = if parts.is_empty() { "0e0".to_string() } else { parts.join(" + ") };
        Ok(format!("({dot}) + {}", d.num(l.intercept)))
    }

    /// Appends node `k`'s subtree as a nested `CASE`.
    fn tree(&self, forest: &Forest, k: usize, indent: usize, out: &mut String) {
        if forest.is_leaf(k) {
            out.push_str(&self.d.num(forest.value[k]));
            return;
        }
        let x = self.id(&format!("{PREFIX}t{}", forest.feature[k]));
        let pad = "  ".repeat(indent);
        if let Some(codes) = forest.categories_of(k) {
            // Listed codes go against the default direction; anything else (NULL included,
            // since `NULL IN (…)` is not true) follows it.
            let list: Vec<String> = codes.iter().map(|&c| self.d.num(f64::from(c))).collect();
            let (first, second) = if forest.default_left[k] {
                (forest.right[k], forest.left[k])
            } else {
                (forest.left[k], forest.right[k])
            };
            if list.is_empty() {
                self.tree(forest, second as usize, indent, out);
                return;
            }
            let _ = write!(out, "CASE WHEN {x} IN ({})\n{pad}THEN ", list.join(", "));
            self.tree(forest, first as usize, indent + 1, out);
            let _ = write!(out, "\n{pad}ELSE ");
            self.tree(forest, second as usize, indent + 1, out);
            out.push_str(" END");
            return;
        }
        let thr = self.d.num(forest.threshold[k]);
        if forest.default_left[k] {
            let _ = write!(out, "CASE WHEN {x} <= {thr} OR {x} IS NULL\n{pad}THEN ");
        } else {
            let _ = write!(out, "CASE WHEN {x} <= {thr}\n{pad}THEN ");
        }
        self.tree(forest, forest.left[k] as usize, indent + 1, out);
        let _ = write!(out, "\n{pad}ELSE ");
        self.tree(forest, forest.right[k] as usize, indent + 1, out);
        out.push_str(" END");
    }
}
