//! JSON Lines (one object per line, as product-analytics exports write them) framed into the same
//! records as a CSV file, so every reader of [`super::csvfile::CsvFile`] reads them unchanged.
//!
//! Nested objects are flattened into dotted names (`{"properties": {"account_id": "a1"}}` gives the
//! column `properties.account_id`); strings are their text, numbers their JSON text, booleans
//! `true`/`false`, `null` a blank (missing) field and an array its JSON text. The columns are the
//! names found in the first [`HEADER_SCAN_LINES`] objects, in the order first seen; an object
//! without one of them has a blank field there, and a name first seen later is ignored (listed in
//! the file report's ignored columns). Line numbers are physical lines of the file (there is no
//! header line); blank lines are skipped. A line that is not JSON, or JSON that is not an object, is
//! a malformed record naming its line.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read};

use serde_json::Value;

use super::csvfile::{Fields, MAX_FIELD_BYTES, MAX_RECORD_BYTES};

/// Objects read ahead to find the columns.
pub const HEADER_SCAN_LINES: usize = 1000;

/// One line, parsed.
pub(crate) enum Line {
    /// An object's fields, flattened: (name, text).
    Object(Vec<(String, String)>),
    /// Not a JSON object: what was found and what was expected.
    Bad { value: String, expected: String, too_long: bool },
}

/// A JSON Lines source.
pub(crate) struct JsonLines<'r> {
    src: BufReader<Box<dyn Read + 'r>>,
    /// Lines read so far (physical).
    line: u64,
    /// Lines read ahead while finding the columns, replayed first.
    ahead: VecDeque<(u64, Line)>,
    index: HashMap<String, usize>,
    /// Names first seen after the column scan (reported once each).
    pub late: Vec<String>,
    buf: Vec<u8>,
}

impl<'r> JsonLines<'r> {
    /// Reads ahead to find the columns; returns the source and the column names.
    pub fn open(src: Box<dyn Read + 'r>) -> std::io::Result<(JsonLines<'r>, Vec<String>)> {
        let mut j = JsonLines {
            src: BufReader::with_capacity(1 << 18, src),
            line: 0,
            ahead: VecDeque::new(),
            index: HashMap::new(),
            late: Vec::new(),
            buf: Vec::new(),
        };
        let mut headers = Vec::new();
        let mut objects = 0;
        while objects < HEADER_SCAN_LINES {
            let Some((line, parsed)) = j.next_line()? else { break };
            if let Line::Object(fields) = &parsed {
                objects += 1;
                for (k, _) in fields {
                    if !j.index.contains_key(k) {
                        j.index.insert(k.clone(), headers.len());
                        headers.push(k.clone());
                    }
                }
            }
            j.ahead.push_back((line, parsed));
        }
        Ok((j, headers))
    }

    /// The next non-blank line, parsed, with its line number; `None` at the end.
    fn next_line(&mut self) -> std::io::Result<Option<(u64, Line)>> {
        loop {
            let Some(too_long) = self.read_line()? else { return Ok(None) };
            self.line += 1;
            if too_long {
                let prefix = String::from_utf8_lossy(&self.buf[..self.buf.len().min(64)]).into_owned();
                let bad = Line::Bad {
                    value: prefix + "…",
                    expected: format!("a line of at most {} MiB", MAX_RECORD_BYTES >> 20),
                    too_long: true,
                };
                return Ok(Some((self.line, bad)));
            }
            let text = self.buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&self.buf).trim_ascii();
            if text.is_empty() {
                continue;
            }
            let parsed = match serde_json::from_slice::<Json>(text) {
                Ok(Json::Object(map)) => {
                    let mut fields = Vec::with_capacity(map.len());
                    flatten("", Json::Object(map), &mut fields);
                    match fields.iter().find(|(_, v)| v.len() > MAX_FIELD_BYTES) {
                        Some((k, v)) => Line::Bad {
                            value: format!("{k} = {}…", v.chars().take(64).collect::<String>()),
                            expected: format!("a field of at most {} KiB", MAX_FIELD_BYTES >> 10),
                            too_long: true,
                        },
                        None => Line::Object(fields),
                    }
                }
                Ok(other) => Line::Bad {
                    value: super::parse::excerpt(&other.text()),
                    expected: "a JSON object ({…}) on each line".into(),
                    too_long: false,
                },
                Err(e) => Line::Bad {
                    value: super::parse::excerpt(&String::from_utf8_lossy(text)),
                    // serde_json counts lines within this one record ("at line 1 column
                    // 197"), which contradicts the file's line the message names: only the
                    // column is kept.
                    expected: format!("a JSON object on each line ({} at column {})", json_problem(&e), e.column()),
                    too_long: false,
                },
            };
            return Ok(Some((self.line, parsed)));
        }
    }

    /// Reads one physical line into `buf` (without its end), keeping at most
    /// [`MAX_RECORD_BYTES`]: `Some(true)` when it was longer, `None` at the end of input.
    fn read_line(&mut self) -> std::io::Result<Option<bool>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = self.src.fill_buf()?;
            if chunk.is_empty() {
                return Ok(any.then_some(too_long));
            }
            any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(k) => (k + 1, true),
                None => (chunk.len(), false),
            };
            let room = MAX_RECORD_BYTES.saturating_sub(self.buf.len());
            let body = if done { take - 1 } else { take };
            if body > room {
                too_long = true;
            }
            self.buf.extend_from_slice(&chunk[..body.min(room)]);
            self.src.consume(take);
            if done {
                return Ok(Some(too_long));
            }
        }
    }

    /// Frames the next record into `rec` (one field per column): its line and what it is.
    pub fn read(&mut self, rec: &mut Fields, n_columns: usize) -> std::io::Result<Option<(u64, Line)>> {
        let next = match self.ahead.pop_front() {
            Some(x) => Some(x),
            None => self.next_line()?,
        };
        let Some((line, parsed)) = next else { return Ok(None) };
        if let Line::Object(fields) = &parsed {
            let mut values: Vec<&str> = vec![""; n_columns];
            for (k, v) in fields {
                match self.index.get(k) {
                    Some(&i) => values[i] = v,
                    None => {
                        if !self.late.contains(k) {
                            self.late.push(k.clone());
                        }
                    }
                }
            }
            rec.set(values.iter().map(|v| v.as_bytes()));
        } else {
            rec.set(std::iter::empty());
        }
        Ok(Some((line, parsed)))
    }
}

/// A JSON value with object members in the order written (serde_json's map sorts them).
enum Json {
    Object(Vec<(String, Json)>),
    /// A string's text, a number's or boolean's JSON text, an array's JSON text.
    Text(String),
    Null,
}

impl Json {
    fn text(&self) -> String {
        match self {
            Json::Object(_) => "{…}".into(),
            Json::Text(t) => t.clone(),
            Json::Null => "null".into(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Text(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Text(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(Json::Text(serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Json, E> {
                Ok(Json::Text(v))
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element::<Value>()? {
                    items.push(v);
                }
                Ok(Json::Text(Value::Array(items).to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    members.push((k, v));
                }
                Ok(Json::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

/// Flattens `v` into (dotted name, text) pairs, in the order written.
fn flatten(prefix: &str, v: Json, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(members) => {
            for (k, x) in members {
                let name = if prefix.is_empty() { k } else { format!("{prefix}.{k}") };
                flatten(&name, x, out);
            }
        }
        Json::Text(s) => out.push((prefix.to_owned(), s)),
        Json::Null => out.push((prefix.to_owned(), String::new())),
    }
}

/// Whether a file whose first line is `head` is JSON Lines: its first non-blank byte (after a
/// byte-order mark) is `{`.
pub(crate) fn looks_like_json_lines(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// What serde_json found wrong, without its position ("EOF while parsing a string").
fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(k) => text[..k].to_owned(),
        None => text,
    }
}
