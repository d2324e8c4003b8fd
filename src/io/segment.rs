//! The tables written the way a product-analytics pipeline exports them (a Segment-style
//! export), with the schema file that reads them back: proof that the raw-table path works on
//! data shaped by someone else, and a realistic starting point for a company's own schema.
//!
//! | file | shape |
//! |---|---|
//! | `tracks.jsonl` | JSON Lines, one `track` call per line: `{"type":"track","event":"login","userId":"C000001-u0","timestamp":1709648530000,"properties":{"account_id":"C000001"}}` (epoch milliseconds) |
//! | `accounts.csv` | `account_id, created_at`, then the customer attributes under their own names |
//! | `billing.csv` | `account_id, plan, started_at, canceled_at, mrr_cents` (MRR in cents) |
//! | `nps_responses.csv` | `account_id, responded_at, score` |
//! | `retention_offers.csv` | `account_id, drawn_at, offered, offer_cost` (when the tables hold a campaign) |
//! | `schema.toml` | [`SCHEMA`]: maps all of the above onto the contract |
//!
//! Read back with `attrition features --tables DIR --schema DIR/schema.toml` (or
//! [`crate::io::tables::read_tables_with`]), the tables are those the contract's CSV files give:
//! event times are whole seconds and MRR whole cents in both, so features are byte-identical.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::io::schema::Schema;
//! use attrition::io::tables::{read_tables, read_tables_with, ReadOptions};
//! use attrition::simulate::{simulate, SimulationParams};
//! let world = simulate(&SimulationParams::new(30, 6, 3))?;
//! let (native, segment) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
//! world.tables.write_dir(native.path())?;
//! attrition::io::segment::write_tables(&world.tables, segment.path())?;
//! let schema = Schema::read(segment.path().join(attrition::io::segment::SCHEMA_FILE))?;
//! let a = read_tables(native.path(), &ReadOptions::strict())?.tables;
//! let b = read_tables_with(segment.path(), Some(&schema), &ReadOptions::strict())?.tables;
//! assert_eq!(a, b);
//! let first = std::fs::read_to_string(segment.path().join("tracks.jsonl")).unwrap();
//! assert!(first.starts_with(r#"{"type":"track","event":""#));
//! # Ok(()) }
//! ```

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::io::csv_out::CsvOut;
use crate::io::output::{OutputFile, Overwrite};
use crate::io::tables::Tables;

/// The name of the schema file written beside the tables.
pub const SCHEMA_FILE: &str = "schema.toml";

/// The schema file of a Segment-style export, as written by [`write_tables`].
pub const SCHEMA: &str = r#"# attrition schema for a Segment-style export (written by `attrition simulate --format segment`).
# Read with: attrition features --tables DIR --schema DIR/schema.toml ...

[customers]
file = "accounts.csv"
columns = { customer_id = "account_id", signup_date = "created_at" }

[subscriptions]
file = "billing.csv"
columns = { customer_id = "account_id", product = "plan", start_date = "started_at", end_date = "canceled_at", mrr = "mrr_cents" }
mrr_scale = 0.01                  # cents -> currency units

[events]
file = "tracks.jsonl"             # JSON Lines: nested fields by their dotted path
columns = { customer_id = "properties.account_id", timestamp = "timestamp", event_type = "event", user_id = "userId" }
timestamp = "epoch_ms"
ignore = ["type"]

[nps]
file = "nps_responses.csv"
columns = { customer_id = "account_id", date = "responded_at", score = "score" }

[campaign]                        # optional: read when the file exists
file = "retention_offers.csv"
columns = { customer_id = "account_id", date = "drawn_at", treated = "offered", offer_cost = "offer_cost" }
"#;

/// Writes `tables` as a Segment-style export into `dir` (created if needed): `tracks.jsonl`,
/// `accounts.csv`, `billing.csv`, `nps_responses.csv`, `retention_offers.csv` when the tables
/// hold a campaign, and [`SCHEMA_FILE`] holding [`SCHEMA`]. Each file is written atomically;
/// the output is deterministic (rows in memory order, fixed number formats). MRR is written in
/// whole cents and offer costs with two decimals, as the contract's CSV writer rounds them.
pub fn write_tables(tables: &Tables, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    let id = |c: u32| tables.customer_id(c);

    let mut w = csv_file(&dir.join("accounts.csv"))?;
    let mut header = vec!["account_id", "created_at"];
    header.extend(tables.attributes.iter().map(|a| a.name.as_str()));
    w.record(&header)?;
    for (i, c) in tables.customers.iter().enumerate() {
        let date = c.signup_date.to_string();
        let mut row = vec![c.customer_id.as_str(), date.as_str()];
        row.extend(tables.attributes.iter().map(|a| a.value(i as u32).unwrap_or("")));
        w.record(&row)?;
    }
    w.into_inner()?.commit()?;

    let mut w = csv_file(&dir.join("billing.csv"))?;
    w.record(["account_id", "plan", "started_at", "canceled_at", "mrr_cents"])?;
    for s in &tables.subscriptions {
        let end = s.end_date.map(|d| d.to_string()).unwrap_or_default();
        let cents = format!("{:.0}", (s.mrr * 100.0).round());
        w.record([id(s.customer), &s.product, &s.start_date.to_string(), &end, &cents])?;
    }
    w.into_inner()?.commit()?;

    write_tracks(tables, &dir.join("tracks.jsonl"))?;

    let mut w = csv_file(&dir.join("nps_responses.csv"))?;
    w.record(["account_id", "responded_at", "score"])?;
    for n in &tables.nps {
        w.record([id(n.customer), &n.date.to_string(), &n.score.to_string()])?;
    }
    w.into_inner()?.commit()?;

    if let Some(offers) = &tables.campaign {
        let mut w = csv_file(&dir.join("retention_offers.csv"))?;
        w.record(["account_id", "drawn_at", "offered", "offer_cost"])?;
        for o in offers {
            let cost = format!("{:.2}", o.offer_cost);
            w.record([id(o.customer), &o.date.to_string(), if o.treated { "true" } else { "false" }, &cost])?;
        }
        w.into_inner()?.commit()?;
    }

    let mut f = OutputFile::create(dir.join(SCHEMA_FILE), Overwrite::Replace)?;
    f.write_all(SCHEMA.as_bytes()).map_err(|e| Error::io("write", dir.join(SCHEMA_FILE), e))?;
    f.commit()
}

fn csv_file(path: &Path) -> Result<CsvOut<OutputFile>> {
    Ok(CsvOut::new(OutputFile::create(path, Overwrite::Replace)?, path))
}

/// `tracks.jsonl`: the largest file, formatted by hand with each name JSON-escaped once.
fn write_tracks(tables: &Tables, path: &Path) -> Result<()> {
    let json = |s: &str| serde_json::to_string(s).map_err(|source| Error::Json { path: Some(path.to_owned()), source });
    let ev = &tables.events;
    let kinds = ev.kinds.iter().map(|k| json(k)).collect::<Result<Vec<_>>>()?;
    let users = ev.users.iter().map(|u| json(u)).collect::<Result<Vec<_>>>()?;
    let ids = tables.customers.iter().map(|c| json(&c.customer_id)).collect::<Result<Vec<_>>>()?;
    let mut out = OutputFile::create(path, Overwrite::Replace)?;
    let mut buf = String::with_capacity(160);
    for i in 0..ev.len() {
        buf.clear();
        buf.push_str(r#"{"type":"track","event":"#);
        buf.push_str(&kinds[ev.kind[i] as usize]);
        buf.push_str(r#","userId":"#);
        buf.push_str(&users[ev.user[i] as usize]);
        buf.push_str(r#","timestamp":"#);
        buf.push_str(&(ev.timestamp[i] * 1000).to_string());
        buf.push_str(r#","properties":{"account_id":"#);
        buf.push_str(&ids[ev.customer[i] as usize]);
        buf.push_str("}}\n");
        out.write_all(buf.as_bytes()).map_err(|e| Error::io("write", path, e))?;
    }
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_parses() {
        let s = crate::io::schema::Schema::from_toml(SCHEMA, SCHEMA_FILE).unwrap();
        assert_eq!(s.table("events").column("customer_id"), "properties.account_id");
        assert_eq!(s.table("subscriptions").mrr_scale, Some(0.01));
    }
}
