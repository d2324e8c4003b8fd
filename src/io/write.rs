//! Writing a tables directory in the format [`crate::io::tables`] documents.
//!
//! Output is deterministic: rows are written in the order they are held in memory, numbers with
//! a fixed format, so the same [`Tables`] always gives the same bytes.
//!
//! Each file is written atomically ([`crate::io::output::OutputFile`]), replacing an existing
//! one; for the whole directory to appear at once, write into an
//! [`crate::io::output::OutputDir`] (as `attrition simulate` does).

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::io::csv_out::field;
use crate::io::output::{OutputFile, Overwrite};
use crate::io::parse::format_timestamp;
use crate::io::tables::Tables;

/// Writes `customers.csv`, `subscriptions.csv`, `events.csv`, `nps.csv` and, when the tables hold
/// a campaign, `campaign.csv` into `dir` (created if needed), each file atomically.
pub fn write_tables(tables: &Tables, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;

    let mut w = csv_writer(&dir.join("customers.csv"))?;
    let mut header = vec!["customer_id", "signup_date"];
    header.extend(tables.attributes.iter().map(|a| a.name.as_str()));
    write_row(&mut w, dir, &header)?;
    for (i, c) in tables.customers.iter().enumerate() {
        let date = c.signup_date.to_string();
        let mut row = vec![c.customer_id.as_str(), date.as_str()];
        row.extend(tables.attributes.iter().map(|a| a.value(i as u32).unwrap_or("")));
        write_row(&mut w, dir, &row)?;
    }
    flush(w, dir)?;

    let mut w = csv_writer(&dir.join("subscriptions.csv"))?;
    write_row(&mut w, dir, &["customer_id", "product", "start_date", "end_date", "mrr"])?;
    for s in &tables.subscriptions {
        let start = s.start_date.to_string();
        let end = s.end_date.map(|d| d.to_string()).unwrap_or_default();
        let mrr = format!("{:.2}", s.mrr);
        write_row(&mut w, dir, &[tables.customer_id(s.customer), &s.product, &start, &end, &mrr])?;
    }
    flush(w, dir)?;

    // events.csv is by far the largest file: format it by hand, caching per-day date prefixes.
    let path = dir.join("events.csv");
    let mut out = OutputFile::create(&path, Overwrite::Replace)?;
    let ev = &tables.events;
    let kinds: Vec<String> = ev.kinds.iter().map(|k| field(k)).collect();
    let users: Vec<String> = ev.users.iter().map(|u| field(u)).collect();
    let ids: Vec<String> = tables.customers.iter().map(|c| field(&c.customer_id)).collect();
    let mut buf = String::with_capacity(128);
    let mut cached_day = i64::MIN;
    let mut day_prefix = String::new();
    let io = |e| Error::io("write", &path, e);
    out.write_all(b"customer_id,timestamp,event_type,user_id\n").map_err(io)?;
    for i in 0..ev.len() {
        let t = ev.timestamp[i];
        let day = t.div_euclid(86_400);
        if day != cached_day {
            cached_day = day;
            day_prefix = format_timestamp(day * 86_400)[..11].to_owned();
        }
        let sec = t.rem_euclid(86_400);
        buf.clear();
        buf.push_str(&ids[ev.customer[i] as usize]);
        buf.push(',');
        buf.push_str(&day_prefix);
        push2(&mut buf, sec / 3600);
        buf.push(':');
        push2(&mut buf, (sec / 60) % 60);
        buf.push(':');
        push2(&mut buf, sec % 60);
        buf.push_str("Z,");
        buf.push_str(&kinds[ev.kind[i] as usize]);
        buf.push(',');
        buf.push_str(&users[ev.user[i] as usize]);
        buf.push('\n');
        out.write_all(buf.as_bytes()).map_err(io)?;
    }
    out.commit()?;

    let mut w = csv_writer(&dir.join("nps.csv"))?;
    write_row(&mut w, dir, &["customer_id", "date", "score"])?;
    for n in &tables.nps {
        let d = n.date.to_string();
        let s = n.score.to_string();
        write_row(&mut w, dir, &[tables.customer_id(n.customer), &d, &s])?;
    }
    flush(w, dir)?;

    if let Some(offers) = &tables.campaign {
        let mut w = csv_writer(&dir.join("campaign.csv"))?;
        write_row(&mut w, dir, &["customer_id", "date", "treated", "offer_cost"])?;
        for o in offers {
            let d = o.date.to_string();
            let c = format!("{:.2}", o.offer_cost);
            write_row(
                &mut w,
                dir,
                &[tables.customer_id(o.customer), &d, if o.treated { "true" } else { "false" }, &c],
            )?;
        }
        flush(w, dir)?;
    }
    Ok(())
}

fn push2(buf: &mut String, v: i64) {
    buf.push(char::from(b'0' + (v / 10) as u8));
    buf.push(char::from(b'0' + (v % 10) as u8));
}

fn csv_writer(path: &Path) -> Result<csv::Writer<OutputFile>> {
    Ok(csv::Writer::from_writer(OutputFile::create(path, Overwrite::Replace)?))
}

fn write_row(w: &mut csv::Writer<OutputFile>, dir: &Path, fields: &[&str]) -> Result<()> {
    w.write_record(fields).map_err(|e| Error::io("write", dir, std::io::Error::other(e.to_string())))
}

/// Flushes the CSV writer and renames its file into place.
fn flush(w: csv::Writer<OutputFile>, dir: &Path) -> Result<()> {
    w.into_inner().map_err(|e| Error::io("write", dir, std::io::Error::other(e.error().to_string())))?.commit()
}
