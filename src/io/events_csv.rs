//! The CSV events' fused single pass: one loop over the bytes of the read buffer splits each line
//! at its delimiters, parses the timestamp, interns the customer id, event type and user, and
//! appends to the columnar [`EventsBuilder`], without building a record or a string per row and
//! without a second pass; a large file's buffer is cut at line ends into one piece per core,
//! parsed in parallel and merged in file order.
//!
//! Only *plain* lines take this pass: the lines the framer would split at their delimiters
//! itself (no quote, no carriage return but a CRLF line end, not blank, at most
//! [`MAX_FIELD_BYTES`]), with the header's number of fields, valid UTF-8, and a row that passes
//! every check (customer known, timestamp readable and in range, on or after the signup day, type
//! and user present). A worker stops at the first line that is anything else; that line is read
//! by the general path ([`CsvFile::next_record`] and [`EventRows::push`]), which frames,
//! checks, reports (file, line, column) and counts it exactly as before, and the pass resumes
//! after it. The kept rows, their order, the order in which types and users are interned (first
//! appearance), the line numbers and the counts are those of reading row by row, whatever the
//! number of threads.

use std::collections::{HashMap, VecDeque};

use rayon::prelude::*;

use crate::error::Result;
use crate::io::csvfile::{CsvFile, MAX_FIELD_BYTES, trim_bytes};
use crate::io::events_text::{Checker, EventRows, RowCache, same};
use crate::io::tables::{CustomerIdx, EventsBuilder, FastHash};

/// Bytes of the read buffer given to each thread when the file is read in parallel.
const PIECE_BYTES: usize = 2 << 20;

/// Smallest events file read in parallel.
const PARALLEL_FILE_BYTES: u64 = 16 << 20;

/// Smallest block of lines cut into pieces for several threads.
const PARALLEL_BLOCK_BYTES: usize = 1 << 20;

/// The events of a run of plain lines that one worker parsed, from the input position `start`
/// over `bytes` bytes (up to the first line it does not take), with event types and users
/// numbered in their order of first appearance among these rows.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    start: u64,
    bytes: usize,
    pub customer: Vec<CustomerIdx>,
    pub timestamp: Vec<i64>,
    /// Index into `kinds`.
    pub kind: Vec<u16>,
    /// Index into `users`.
    pub user: Vec<u32>,
    pub kinds: Vec<Box<[u8]>>,
    pub users: Vec<Box<[u8]>>,
}

/// Reads the records of `f` (the events table, header read) into `b` through `rows`: plain CSV
/// lines in the fused pass, anything else (and JSON Lines) record by record. `size` (the file's
/// length, when known) decides whether pieces are parsed on several threads.
pub(crate) fn read_events(
    f: &mut CsvFile<'_>,
    rows: &mut EventRows<'_>,
    b: &mut EventsBuilder,
    size: Option<u64>,
) -> Result<()> {
    let threads = if size.is_some_and(|n| n >= PARALLEL_FILE_BYTES) { rayon::current_num_threads() } else { 1 };
    if threads > 1 {
        f.set_buffer(threads * PIECE_BYTES);
    }
    let lines = Lines::new(f.delimiter, f.headers.len(), rows.check.cols, rows.check.utc_z_timestamps());
    // Pieces parsed in parallel, in file order, not merged yet.
    let mut pending: VecDeque<Parsed> = VecDeque::new();
    loop {
        let at = f.position();
        // A piece is merged when the reading reaches its start exactly, at a record boundary
        // (a record read the general way, e.g. one with a quoted line end, may cover it: dropped).
        while pending.front().is_some_and(|p| p.start < at) {
            pending.pop_front();
        }
        if pending.front().is_some_and(|p| p.start == at)
            && let Some(p) = pending.pop_front()
        {
            rows.merge(&p, b)?;
            f.take_plain_rows(p.bytes, p.customer.len() as u64);
            continue;
        }
        let limit = pending.front().map(|p| (p.start - at) as usize);
        let progressed = match f.plain_lines()? {
            None => false,
            Some((start, block)) => {
                let block = &block[..limit.unwrap_or(usize::MAX).min(block.len())];
                if threads > 1 && pending.is_empty() && block.len() >= PARALLEL_BLOCK_BYTES {
                    let pieces = cut(block, threads);
                    let check = &rows.check;
                    let parsed: Vec<Parsed> =
                        pieces.into_par_iter().map(|(off, piece)| lines.parse(check, start + off, piece)).collect();
                    pending.extend(parsed);
                    true
                } else {
                    let p = lines.parse(&rows.check, start, block);
                    let taken = p.bytes > 0;
                    if taken {
                        rows.merge(&p, b)?;
                        f.take_plain_rows(p.bytes, p.customer.len() as u64);
                    }
                    taken
                }
            }
        };
        if progressed {
            continue;
        }
        // One record the general way.
        let Some(rec) = f.next_record()? else { return Ok(()) };
        match rows.push(&rec, b)? {
            Ok(()) => f.accept(),
            Err(e) => f.reject(e)?,
        }
    }
}

/// `block` (whole lines) cut at line ends into about `n` pieces: each piece's offset and bytes.
fn cut(block: &[u8], n: usize) -> Vec<(u64, &[u8])> {
    let mut pieces = Vec::with_capacity(n);
    let mut from = 0;
    for k in 1..=n {
        let target = block.len() * k / n;
        let end = if k == n || target <= from {
            if k == n { block.len() } else { continue }
        } else {
            memchr::memchr(b'\n', &block[target..]).map_or(block.len(), |i| target + i + 1)
        };
        if end > from {
            pieces.push((from as u64, &block[from..end]));
            from = end;
        }
    }
    pieces
}

/// How event lines are split: the delimiter, the number of fields, and which field is which.
struct Lines {
    delimiter: u8,
    fields: usize,
    /// For each field: the slot (0 customer, 1 timestamp, 2 type, 3 user) it fills, or
    /// `u8::MAX` for a field not read.
    slot: Vec<u8>,
    has_user: bool,
    /// The timestamp's field, when 20 bytes shaped `YYYY-MM-DDTHH:MM:SSZ` (a digit first, the
    /// `T`, colons and `Z` in place) followed by the delimiter are taken as the field without
    /// searching it: the timestamp check then reads each of the other 16 bytes as a digit or a
    /// `-`, none of which is the delimiter or a line feed, so a value it accepts is the whole
    /// field (and one it refuses sends the line the general way).
    fixed_timestamp: Option<usize>,
}

/// Whether `b` (20 bytes) has a digit first and the `T` (or blank), colons and `Z` of
/// `YYYY-MM-DDTHH:MM:SSZ` in place.
#[inline]
fn utc_z_shape(b: &[u8]) -> bool {
    b[0].is_ascii_digit() && (b[10] == b'T' || b[10] == b' ') && b[13] == b':' && b[16] == b':' && b[19] == b'Z'
}

/// A cheap fingerprint of a short name: its first and last eight bytes and its length.
#[inline]
fn fingerprint(b: &[u8]) -> u64 {
    let n = b.len();
    match (b.get(..8), n.checked_sub(8).and_then(|s| b.get(s..))) {
        (Some(first), Some(last)) => word(first) ^ word(last).rotate_left(29) ^ n as u64,
        _ => b.iter().fold(n as u64, |h, &c| (h << 8) | u64::from(c)),
    }
}

/// The first eight bytes of `b` as a little-endian word (0 if shorter).
#[inline]
fn word(b: &[u8]) -> u64 {
    b.get(..8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map_or(0, u64::from_le_bytes)
}

/// Eight copies of a byte.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The high bit of each byte of `x` that is zero, exactly (no borrow between bytes).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = splat(0x7F);
    !(((x & LOW7) + LOW7) | x) & splat(0x80)
}

impl Lines {
    fn new(delimiter: u8, fields: usize, cols: [usize; 4], utc_z: bool) -> Lines {
        let mut slot = vec![u8::MAX; fields];
        for (s, &c) in cols.iter().enumerate() {
            if let Some(x) = slot.get_mut(c) {
                *x = s as u8;
            }
        }
        let fixed = utc_z && !b"0123456789-T :Z\n".contains(&delimiter);
        Lines { delimiter, fields, slot, has_user: cols[3] != usize::MAX, fixed_timestamp: fixed.then_some(cols[1]) }
    }

    /// The end of the field starting at `i` of `bytes`: the first delimiter or line feed at or
    /// after `i` (`bytes.len()` if none), found eight bytes at a time.
    #[inline]
    fn field_end(&self, bytes: &[u8], mut i: usize) -> usize {
        let (d, nl) = (splat(self.delimiter), splat(b'\n'));
        while let Some(w) = bytes.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            let w = u64::from_le_bytes(w);
            let hit = zero_bytes(w ^ d) | zero_bytes(w ^ nl);
            if hit != 0 {
                return i + (hit.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while i < bytes.len() && bytes[i] != self.delimiter && bytes[i] != b'\n' {
            i += 1;
        }
        i
    }

    /// The events of the plain lines at the start of `block` (whole lines, at input position
    /// `start`), up to the first line the fused pass does not take (see the module docs).
    fn parse(&self, check: &Checker<'_>, start: u64, block: &[u8]) -> Parsed {
        let mut out = Parsed { start, ..Parsed::default() };
        let cap = block.len() / 40;
        out.customer.reserve(cap);
        out.timestamp.reserve(cap);
        out.kind.reserve(cap);
        out.user.reserve(cap);
        let mut cache = RowCache::default();
        let mut kinds: HashMap<&[u8], u16, FastHash> = HashMap::default();
        let mut users: HashMap<&[u8], u32, FastHash> = HashMap::default();
        let mut last_user: Option<(&[u8], u32)> = None;
        // Before the types map, a direct-mapped cache of types by a fingerprint of their bytes
        // (a few word operations instead of hashing every row's type).
        let mut kind_slots: [Option<u16>; 256] = [None; 256];
        let ascii = block.is_ascii();
        // The first quote or carriage return at or after `pos`.
        let special = |from: usize| memchr::memchr2(b'"', b'\r', &block[from..]).map_or(block.len(), |i| from + i);
        let mut next_special = special(0);
        let mut pos = 0;
        while pos < block.len() {
            if matches!(block[pos], b'\n' | b'\r') {
                break; // a blank line: the general path skips it
            }
            // Split the line: each read field's span, the field count, the line feed.
            let mut spans = [(0usize, 0usize); 4];
            let (mut field, mut i) = (0usize, pos);
            let nl = loop {
                let end = if self.fixed_timestamp == Some(field)
                    && block.get(i + 20) == Some(&self.delimiter)
                    && utc_z_shape(&block[i..i + 20])
                {
                    i + 20
                } else {
                    self.field_end(block, i)
                };
                if end >= block.len() || field >= self.fields {
                    break None;
                }
                if let Some(&s) = self.slot.get(field)
                    && s != u8::MAX
                {
                    spans[s as usize] = (i, end);
                }
                field += 1;
                if block[end] == b'\n' {
                    break Some(end);
                }
                i = end + 1;
            };
            let Some(nl) = nl else { break };
            if field != self.fields {
                break;
            }
            // A quote or carriage return in the line: only a CRLF line end is plain.
            let mut line_end = nl;
            if next_special < nl {
                if next_special != nl - 1 || block[next_special] != b'\r' {
                    break;
                }
                line_end = nl - 1;
                for span in &mut spans {
                    span.1 = span.1.min(line_end);
                }
            }
            if next_special <= nl {
                next_special = special(nl + 1);
            }
            let line = &block[pos..line_end];
            if line.len() > MAX_FIELD_BYTES || (!ascii && std::str::from_utf8(line).is_err()) {
                break;
            }
            let get = |s: usize| trim_bytes(&block[spans[s].0..spans[s].1]);
            let (id, ts, kind) = (get(0), get(1), get(2));
            let user = if self.has_user { get(3) } else { &b""[..] };
            let Ok((customer, t)) = check.check(&mut cache, id, ts, kind, user) else { break };
            let slot = (fingerprint(kind).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
            let k = match kind_slots[slot] {
                Some(k) if out.kinds.get(usize::from(k)).is_some_and(|name| same(name, kind)) => k,
                _ => {
                    let k = match kinds.get(kind) {
                        Some(&k) => k,
                        None => {
                            // Past u16 types the general path reports the table's limit.
                            let Ok(k) = u16::try_from(out.kinds.len()) else { break };
                            kinds.insert(kind, k);
                            out.kinds.push(kind.into());
                            k
                        }
                    };
                    kind_slots[slot] = Some(k);
                    k
                }
            };
            let u = match last_user {
                Some((last, u)) if same(last, user) => u,
                _ => {
                    let u = match users.get(user) {
                        Some(&u) => u,
                        None => {
                            let Ok(u) = u32::try_from(out.users.len()) else { break };
                            users.insert(user, u);
                            out.users.push(user.into());
                            u
                        }
                    };
                    last_user = Some((user, u));
                    u
                }
            };
            out.customer.push(customer);
            out.timestamp.push(t);
            out.kind.push(k);
            out.user.push(u);
            pos = nl + 1;
        }
        out.bytes = pos;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::schema::TimestampFormat;
    use crate::io::tables::{Events, Strictness};
    use std::path::Path;

    /// A CSV events file mixing plain lines with every kind of line the fused pass leaves to the
    /// general path (quotes, a quoted line end holding a plain-looking row, CR, blank lines, bad
    /// rows of each kind, wrong field counts, padding, non-ASCII, other timestamp shapes), in a
    /// seeded order, long enough for several parallel blocks.
    fn messy_events(lines: usize) -> Vec<u8> {
        let mut out = b"event_type,extra,customer_id,timestamp,user_id\n".to_vec();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..lines {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let r = (state >> 33) as usize;
            let c = (i / 40) % 50;
            let (day, sec) = (1 + (i / 7) % 28, i % 86_400);
            let ts = format!(
                "2024-{:02}-{day:02}T{:02}:{:02}:{:02}Z",
                3 + (i / 900) % 9,
                sec / 3600,
                (sec / 60) % 60,
                sec % 60
            );
            let kind = ["login", "export", "share", "invite"][r % 4];
            let line = match r % 200 {
                0 => format!("\"{kind}\",x,C{c},{ts},u{}\n", r % 3),
                1 => format!("{kind},\"multi\nline\",C{c},{ts},u1\n"),
                2 => format!("{kind},\"open\nlogin,x,C1,{ts},u1\n\",C{c},{ts},u1\n"),
                3 => format!("{kind},x,C{c},{ts},u1\r\n"),
                4 => "\n".into(),
                5 => "\r\n".into(),
                6 => format!("{kind},x,C999,{ts},u1\n"),
                7 => format!("{kind},x,C{c},2024-02-30T00:00:00Z,u1\n"),
                8 => format!("{kind},x,C{c},9999-01-01T00:00:00Z,u1\n"),
                9 => format!("{kind},x,C{c},2023-01-01T00:00:00Z,u1\n"),
                10 => format!(",x,C{c},{ts},u1\n"),
                11 => format!("{kind},x,C{c},{ts},\n"),
                12 => format!("{kind},x,C{c},{ts}\n"),
                13 => format!("{kind},x,C{c},{ts},u1,extra\n"),
                14 => format!(" {kind} ,x, C{c} ,{ts},u1\n"),
                15 => format!("séance,x,C{c},{ts},ü{}\n", r % 2),
                16 => format!("{kind},x,C{c},2024-03-05 14:22:10,u1\n"),
                17 => format!("{kind},x,C{c},2024-03-05T14:22:10+02:00,u1\n"),
                18 => format!("{kind},x,,{ts},u1\n"),
                19 => format!("{kind},x,C{c},2024-03-05T24:00:00Z,u1\n"),
                20 => format!("{kind},x,C{c},{ts},u1\rmore\n"),
                21 => format!("k{},x,C{c},{ts},u{}\n", i % 97, i % 13),
                _ => format!("{kind},x,C{c},{ts},C{c}-u{}\n", r % 3),
            };
            out.extend_from_slice(line.as_bytes());
        }
        out.extend_from_slice(b"login,x,C1,2024-03-01T00:00:00Z,last");
        out
    }

    /// The events and report of `bytes`, read record by record (`fused` false) or in the fused
    /// pass; the error text in strict mode.
    fn read(
        bytes: &[u8],
        strictness: Strictness,
        fused: bool,
    ) -> std::result::Result<(Events, crate::io::FileReport), String> {
        let index: HashMap<String, CustomerIdx> = (0..50).map(|c| (format!("C{c}"), c as CustomerIdx)).collect();
        let signup = vec![chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(); 50];
        let mut f = CsvFile::from_reader(
            Box::new(std::io::Cursor::new(bytes.to_vec())),
            Path::new("events.csv"),
            &["customer_id", "timestamp", "event_type"],
            &["user_id"],
            strictness,
        )
        .map_err(|e| e.to_string())?;
        let cols = ["customer_id", "timestamp", "event_type", "user_id"].map(|c| f.col(c).unwrap_or(usize::MAX));
        let names = cols.map(|c| f.headers.get(c).cloned().unwrap_or_default());
        let max = crate::io::parse::day_start(chrono::NaiveDate::from_ymd_opt(2201, 1, 1).unwrap_or_default());
        let check = Checker::new(cols, names, &index, &signup, TimestampFormat::Rfc3339, max);
        let mut rows = EventRows::new(check);
        let mut b = EventsBuilder::new();
        let result = if fused {
            read_events(&mut f, &mut rows, &mut b, Some(u64::MAX))
        } else {
            (|| {
                while let Some(rec) = f.next_record()? {
                    match rows.push(&rec, &mut b)? {
                        Ok(()) => f.accept(),
                        Err(e) => f.reject(e)?,
                    }
                }
                Ok(())
            })()
        };
        result.map_err(|e| e.to_string())?;
        Ok((b.finish(), f.report.clone()))
    }

    /// The fused pass, on one thread and on four (parallel pieces), keeps exactly the rows,
    /// types, users, counts, skip reasons and messages of reading record by record, and stops at
    /// the same first error in strict mode.
    #[test]
    fn the_fused_pass_reads_exactly_what_the_record_path_reads() {
        let bytes = messy_events(400_000);
        assert!(bytes.len() > 12 << 20, "several parallel blocks of 8 MB");
        let reference = read(&bytes, Strictness::Lenient, false).expect("lenient");
        assert!(reference.1.skipped_total() > 5_000 && reference.0.len() > 100_000, "{:?}", reference.1.skipped);
        for threads in [1, 4] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let fused = pool.install(|| read(&bytes, Strictness::Lenient, true)).expect("lenient");
            assert_eq!(fused.1, reference.1, "{threads} threads");
            assert!(fused.0 == reference.0, "{threads} threads: events differ");
            let strict = pool.install(|| read(&bytes, Strictness::Strict, true));
            assert_eq!(strict.err(), read(&bytes, Strictness::Strict, false).err());
        }
        // Clean input: the same, and every row kept.
        let clean: Vec<u8> = bytes
            .split(|&c| c == b'\n')
            .filter(|l| l.ends_with(b"-u0") || l.ends_with(b"-u1") || l.starts_with(b"event_type"))
            .flat_map(|l| l.iter().copied().chain([b'\n']))
            .collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("pool");
        let fused = pool.install(|| read(&clean, Strictness::Strict, true)).expect("clean");
        assert_eq!(fused, read(&clean, Strictness::Strict, false).expect("clean"));
        assert_eq!(fused.1.rows_loaded as usize, clean.iter().filter(|&&c| c == b'\n').count() - 1);
    }

    #[test]
    fn zero_bytes_marks_exactly_the_zero_bytes() {
        for x in [0u64, u64::MAX, 0x0100_0000_0000_00FF, 0x8000_0000_0000_0080, 0x00FF_0001_8000_7F00] {
            let want = (0..8).fold(0u64, |m, k| if (x >> (8 * k)) & 0xFF == 0 { m | 0x80 << (8 * k) } else { m });
            assert_eq!(zero_bytes(x), want, "{x:#018x}");
        }
    }

    #[test]
    fn pieces_end_at_line_ends_and_cover_the_block() {
        let block = b"a,1\nbb,22\nccc,333\nd,4\n";
        for n in 1..8 {
            let pieces = cut(block, n);
            let joined: Vec<u8> = pieces.iter().flat_map(|(_, p)| p.iter().copied()).collect();
            assert_eq!(joined, block, "{n} pieces");
            for (off, p) in &pieces {
                assert!(p.ends_with(b"\n") && (*off == 0 || block[*off as usize - 1] == b'\n'));
            }
        }
    }
}
