"""Writes the bad-input corpus: one directory per case with its input files and `case.json`
(what kind of input, and for each mode the exact expected outcome).

Run from this directory: python3 make_corpus.py   (tests/bad_input.rs reads the result)
"""
import json, os, shutil

CUSTOMERS = "customer_id,signup_date,vertical,sales_approach,specialised_provider\nA,2024-01-05,retail,needs_based,true\nB,2024-02-01,health,product_push,false\nC,2024-03-10,retail,needs_based,false\n"
SUBS = "customer_id,product,start_date,end_date,mrr\nA,listings,2024-01-05,,49\nB,reviews,2024-02-01,2024-08-01,79\nC,social,2024-03-10,,99\n"
EVENTS = "customer_id,timestamp,event_type,user_id\nA,2024-01-06T10:00:00Z,login,a1\nB,2024-02-02T11:00:00Z,login,b1\nC,2024-03-11T09:30:00Z,publish_post,c1\n"
NPS = "customer_id,date,score\nA,2024-04-01,9\nB,2024-05-01,3\n"
FLAT = "id,tenure,plan,charges,churned\nx1,3,basic,20.5,yes\nx2,40,pro,70,no\nx3,12,basic,35.25,no\nx4,1,pro,90,yes\n"

cases = []

def tables(name, what, strict, lenient=None, **files):
    base = {"customers.csv": CUSTOMERS, "subscriptions.csv": SUBS, "events.csv": EVENTS, "nps.csv": NPS}
    for k, v in files.items():
        k = k.replace("_csv", ".csv").replace("_toml", ".toml")
        if v is None:
            base.pop(k, None)
        else:
            base[k] = v
    cases.append((name, {"kind": "tables", "what": what, "strict": strict, "lenient": lenient}, base))

def flat(name, what, strict, lenient=None, text=FLAT, options=None):
    cases.append((name, {"kind": "flat", "what": what, "options": options or {"target": "churned", "id": "id"}, "strict": strict, "lenient": lenient}, {"data.csv": text}))

def bad(problem, file, line, column, value=None):
    d = {"error": "BadRow", "problem": problem, "file": file, "line": line, "column": column}
    if value is not None:
        d["value"] = value
    return d

def skipped(counts, loaded):
    return {"skipped": counts, "loaded": loaded}

ok = {"error": None}

# ---- raw tables: files and headers
tables("empty_customers", "empty file", {"error": "EmptyInput", "file": "customers.csv"}, customers_csv="")
tables("header_only_events", "header only is valid: no events", ok, skipped({}, {"events": 0}), events_csv="customer_id,timestamp,event_type,user_id\n")
tables("missing_column", "a required column is missing", {"error": "BadHeader", "file": "nps.csv", "reason_contains": "missing column `score`"}, nps_csv="customer_id,date\nA,2024-04-01\n")
tables("duplicate_column", "a column appears twice", {"error": "BadHeader", "file": "nps.csv", "reason_contains": "appears twice"}, nps_csv="customer_id,date,score,score\nA,2024-04-01,9,9\n")
tables("extra_column", "extra columns are ignored and reported", ok, skipped({}, {"nps": 2}), nps_csv="customer_id,date,score,comment\nA,2024-04-01,9,great\nB,2024-05-01,3,meh\n")
tables("semicolons", "a semicolon-separated table is read: the delimiter is sniffed from the header", ok, skipped({}, {"nps": 1}), nps_csv="customer_id;date;score\nA;2024-04-01;9\n")
tables("bom", "a UTF-8 byte-order mark is stripped", ok, skipped({}, {"customers": 3}), customers_csv="\ufeff" + CUSTOMERS)
tables("crlf", "CRLF line endings", ok, skipped({}, {"subscriptions": 3}), subscriptions_csv=SUBS.replace("\n", "\r\n"))
tables("quoted_newline", "a quoted field with an embedded newline", ok, skipped({}, {"customers": 3}), customers_csv=CUSTOMERS.replace("A,2024-01-05,retail", 'A,2024-01-05,"retail\nand more"'))
tables("columns_reordered", "columns in any order", ok, skipped({}, {"nps": 2}), nps_csv="score,customer_id,date\n9,A,2024-04-01\n3,B,2024-05-01\n")
tables("wrong_field_count", "a row with too few fields", bad("Malformed", "nps.csv", 3, None), skipped({"Malformed": 1}, {"nps": 1}), nps_csv="customer_id,date,score\nA,2024-04-01,9\nB,2024-05-01\n")
tables("trailing_blank_lines", "blank lines at the end are not rows", ok, skipped({}, {"nps": 2}), nps_csv=NPS + "\n\n")
# ---- raw tables: dates and timestamps
tables("unparseable_date", "signup date is not a date", bad("BadDate", "customers.csv", 3, "signup_date", "01/02/2024"), skipped({"BadDate": 1, "UnknownCustomer": 3}, {"customers": 2, "subscriptions": 2, "events": 2, "nps": 1}), customers_csv=CUSTOMERS.replace("B,2024-02-01", "B,01/02/2024"))
tables("impossible_date", "2025-02-30 does not exist", bad("BadDate", "nps.csv", 2, "date", "2025-02-30"), skipped({"BadDate": 1}, {"nps": 1}), nps_csv=NPS.replace("2024-04-01", "2025-02-30"))
tables("out_of_range_date", "a year far outside any business", bad("OutOfRange", "customers.csv", 2, "signup_date"), skipped({"OutOfRange": 1, "UnknownCustomer": 3}, {"customers": 2, "subscriptions": 2}), customers_csv=CUSTOMERS.replace("A,2024-01-05", "A,1066-10-14"))
tables("timestamp_with_offset", "timestamps with a zone offset are converted to UTC", ok, skipped({}, {"events": 3}), events_csv=EVENTS.replace("2024-01-06T10:00:00Z", "2024-01-06T12:00:00+02:00"))
tables("timestamp_without_zone", "a zone-less timestamp is UTC", ok, skipped({}, {"events": 3}), events_csv=EVENTS.replace("2024-01-06T10:00:00Z", "2024-01-06T10:00:00"))
tables("bad_timestamp", "garbage timestamp", bad("BadDate", "events.csv", 3, "timestamp", "yesterday"), skipped({"BadDate": 1}, {"events": 2}), events_csv=EVENTS.replace("2024-02-02T11:00:00Z", "yesterday"))
tables("timestamp_year_9999", "a timestamp outside the dates' range 1970-2200", bad("OutOfRange", "events.csv", 3, "timestamp", "9999-12-31T23:59:59Z"), skipped({"OutOfRange": 1}, {"events": 2}), events_csv=EVENTS.replace("2024-02-02T11:00:00Z", "9999-12-31T23:59:59Z"))
tables("duplicate_events", "exact duplicate events are dropped and counted, not errors", ok, skipped({}, {"events": 3}), events_csv=EVENTS + "A,2024-01-06T10:00:00Z,login,a1\nC,2024-03-11T09:30:00Z,publish_post,c1\n")
tables("duplicate_subscriptions", "an exact duplicate subscription row is dropped (MRR counted once)", ok, skipped({}, {"subscriptions": 3}), subscriptions_csv=SUBS + "B,reviews,2024-02-01,2024-08-01,79\n")
tables("end_before_start", "subscription ends before it starts", bad("EndBeforeStart", "subscriptions.csv", 3, "end_date"), skipped({"EndBeforeStart": 1}, {"subscriptions": 2}), subscriptions_csv=SUBS.replace("2024-02-01,2024-08-01", "2024-08-01,2024-02-01"))
tables("event_before_signup", "an event before the customer signed up", bad("BeforeSignup", "events.csv", 2, "timestamp"), skipped({"BeforeSignup": 1}, {"events": 2}), events_csv=EVENTS.replace("2024-01-06T10:00:00Z", "2023-12-06T10:00:00Z"))
# ---- raw tables: numbers and categories
tables("negative_mrr", "MRR below zero", bad("OutOfRange", "subscriptions.csv", 2, "mrr", "-49"), skipped({"OutOfRange": 1}, {"subscriptions": 2}), subscriptions_csv=SUBS.replace(",49\n", ",-49\n"))
tables("nan_mrr", "MRR is NaN", bad("BadNumber", "subscriptions.csv", 2, "mrr", "NaN"), skipped({"BadNumber": 1}, {"subscriptions": 2}), subscriptions_csv=SUBS.replace(",49\n", ",NaN\n"))
tables("text_mrr", "MRR is text", bad("BadNumber", "subscriptions.csv", 4, "mrr", "ninety"), skipped({"BadNumber": 1}, {"subscriptions": 2}), subscriptions_csv=SUBS.replace(",99\n", ",ninety\n"))
tables("nps_eleven", "NPS 11", bad("OutOfRange", "nps.csv", 3, "score", "11"), skipped({"OutOfRange": 1}, {"nps": 1}), nps_csv=NPS.replace(",3\n", ",11\n"))
tables("nps_fraction", "NPS 7.5", bad("BadNumber", "nps.csv", 2, "score", "7.5"), skipped({"BadNumber": 1}, {"nps": 1}), nps_csv=NPS.replace(",9\n", ",7.5\n"))
tables("bad_sales_approach", "sales_approach is an ordinary attribute: another value is one more category", ok, skipped({}, {"customers": 3, "subscriptions": 3, "events": 3}), customers_csv=CUSTOMERS.replace("C,2024-03-10,retail,needs_based", "C,2024-03-10,retail,cold_call"))
tables("bad_boolean", "a value that is not a boolean makes specialised_provider categorical", ok, skipped({}, {"customers": 3, "subscriptions": 3, "events": 3, "nps": 2}), customers_csv=CUSTOMERS.replace("needs_based,true", "needs_based,maybe"))
tables("missing_customer_id", "blank customer id", bad("MissingValue", "nps.csv", 3, "customer_id"), skipped({"MissingValue": 1}, {"nps": 1}), nps_csv=NPS.replace("B,2024-05-01", ",2024-05-01"))
tables("duplicate_customer", "a customer id appears twice", bad("DuplicateCustomer", "customers.csv", 5, "customer_id", "B"), skipped({"DuplicateCustomer": 1}, {"customers": 3}), customers_csv=CUSTOMERS + "B,2024-04-01,retail,needs_based,false\n")
tables("unknown_customer_event", "an event for a customer not in customers.csv", bad("UnknownCustomer", "events.csv", 4, "customer_id", "Z"), skipped({"UnknownCustomer": 1}, {"events": 2}), events_csv=EVENTS.replace("C,2024-03-11T09:30:00Z", "Z,2024-03-11T09:30:00Z"))
tables("unknown_customer_subscription", "a subscription for an unknown customer", bad("UnknownCustomer", "subscriptions.csv", 4, "customer_id", "Q"), skipped({"UnknownCustomer": 1}, {"subscriptions": 2}), subscriptions_csv=SUBS.replace("C,social", "Q,social"))
tables("spaces_around_fields", "blanks around fields are trimmed", ok, skipped({}, {"nps": 2}), nps_csv="customer_id,date,score\n A , 2024-04-01 , 9 \nB,2024-05-01,3\n")
tables("non_utf8", "a field that is not UTF-8", bad("Malformed", "customers.csv", 3, "vertical"), skipped({"Malformed": 1, "UnknownCustomer": 3}, {"customers": 2, "nps": 1}), customers_csv=CUSTOMERS.replace("health", "h\udcffealth"))
tables("huge_field", "a 10,000-character vertical is accepted", ok, skipped({}, {"customers": 3}), customers_csv=CUSTOMERS.replace(",health,", "," + "h" * 10000 + ","))

# ---- flat tables
flat("flat_empty", "empty file", {"error": "EmptyInput"}, text="")
flat("flat_header_only", "header only: no data rows", {"error": "EmptyInput"}, text="id,tenure,plan,charges,churned\n")
flat("flat_missing_target", "the target column does not exist", {"error": "ColumnNotFound"}, options={"target": "Churn", "id": "id"})
flat("flat_third_target_value", "a yes/no target with a stray third value: located, with its count (strict); skipped and counted (lenient)", dict(bad("BadCategory", "data.csv", 4, "churned", "maybe"), reason_contains="1 row of `churned` holds another value: `maybe` ×1 (line 4)"), skipped({"BadCategory": 1}, {"rows": 3}), text=FLAT.replace("x3,12,basic,35.25,no", "x3,12,basic,35.25,maybe"))
flat("flat_target_no_known_pair", "a target of two words and no positive value given", {"error": "InvalidParameter", "reason_contains": "say which one means churned"}, text=FLAT.replace(",yes\n", ",gone\n").replace(",no\n", ",stayed\n"))
flat("flat_third_target_value_positive", "a third target value when the positive value is given", bad("BadCategory", "data.csv", 4, "churned", "maybe"), skipped({"BadCategory": 1}, {"rows": 3}), text=FLAT.replace("x3,12,basic,35.25,no", "x3,12,basic,35.25,maybe"), options={"target": "churned", "id": "id", "positive": "yes"})
flat("flat_one_class", "all rows one class loads (fitting will refuse it)", ok, skipped({}, {"rows": 2}), text="id,tenure,churned\na,1,no\nb,2,no\n")
flat("flat_thousands_separator", "numbers written 1,234.5 and ' 12 '", ok, skipped({}, {"rows": 4}), text='id,tenure,plan,charges,churned\nx1, 12 ,basic,"1,234.5",yes\nx2,40,pro,70,no\nx3,12,basic,35.25,no\nx4,1,pro,90,yes\n')
flat("flat_blank_numbers", "blanks are missing values", ok, skipped({}, {"rows": 4}), text=FLAT.replace("x2,40,pro,70,no", "x2,,pro,,no"))
flat("flat_duplicate_header", "a duplicated column", {"error": "BadHeader"}, text="id,tenure,tenure,churned\na,1,1,yes\n")
flat("flat_ragged_row", "a row with an extra field", bad("Malformed", "data.csv", 3, None), skipped({"Malformed": 1}, {"rows": 3}), text=FLAT.replace("x2,40,pro,70,no", "x2,40,pro,70,no,extra"))
flat("flat_mostly_text_numbers", "a numeric column with a stray word becomes categorical only if most values are text", ok, skipped({}, {"rows": 4}), text=FLAT.replace("x4,1,pro,90,yes", "x4,1,pro,unknown,yes"))

# ---- delimiters, stray target values, id-like columns, forced kinds (issue 15 item 6)
SEMI = FLAT.replace(",", ";")
flat("flat_semicolons", "a semicolon-separated file (an Excel export) is read: the delimiter is sniffed", ok, {"skipped": {}, "loaded": {"rows": 4}, "numeric": ["tenure", "charges"]}, text=SEMI)
flat("flat_tabs", "a tab-separated file is read: the delimiter is sniffed", ok, {"skipped": {}, "loaded": {"rows": 4}, "numeric": ["tenure"]}, text=FLAT.replace(",", "\t"))
flat("flat_semicolons_decimal_commas", "semicolons with decimal commas (an Excel export in a European locale): read as numbers, 20,5 = 20.5", ok, {"skipped": {}, "loaded": {"rows": 4}, "numeric": ["tenure", "charges"]}, text=SEMI.replace("20.5", "20,5").replace("35.25", "35,25"))
flat("flat_semicolons_comma_and_point", "decimal commas in one column and a decimal point in another: no decimal commas are guessed, the comma column is text", ok, {"skipped": {}, "loaded": {"rows": 4}, "numeric": ["tenure"], "categorical": ["charges"]}, text=SEMI.replace("20.5", "20,5").replace("35.25", "35,25").replace(";3;", ";3.5;"))
EURO = "id;plan;charges;balance;churned\n" + "".join(f"c{i};{'basic' if i % 2 else 'pro'};{10 + i},{i % 10}5;{1 + i % 9}.{(i * 37) % 1000:03d},{i % 10};{'yes' if i % 3 == 0 else 'no'}\n" for i in range(30))
flat("flat_semicolons_thousands_points", "a European export with thousands points and decimal commas (1.234,5): numbers, not ids", ok, {"skipped": {}, "loaded": {"rows": 30}, "warnings": [], "numeric": ["charges", "balance"]}, text=EURO)
flat("flat_latin1_header", "a Windows-1252 file (Excel's `CSV` in many locales): the header error names the encoding and iconv", {"error": "BadHeader", "file": "data.csv", "reason_contains": "iconv -f WINDOWS-1252 -t UTF-8"}, text="id,r\udce9gion,churned\nx1,a,yes\nx2,b,no\n")
flat("flat_latin1_row", "a Windows-1252 value in a row: malformed, naming line, column and the encoding", dict(bad("Malformed", "data.csv", 3, "region"), reason_contains="WINDOWS-1252"), skipped({"Malformed": 1}, {"rows": 3}), text="id,region,churned\nx1,a,yes\nx2,\udccele,no\nx3,b,no\nx4,a,yes\n")
flat("flat_utf16", "a UTF-16 file (Excel's `Unicode Text`): one header error saying so", {"error": "BadHeader", "file": "data.csv", "reason_contains": "the file is UTF-16"}, text="\udcff\udcfe" + "".join(c + "\x00" for c in "id\tchurned\r\nx1\tyes\r\nx2\tno\r\n"))
STATA = "occ,male,loanamt,approve\n" + "".join(f"{i % 3},{'.' if i in (0, 17) else i % 2},{100 + i},{int(i % 4 != 0)}\n" for i in range(40))
flat("flat_dot_missing", "a Stata export's `.` for missing in a numeric column: the error names --na-values .", dict(bad("BadNumber", "data.csv", 2, "male", "."), reason_contains="--na-values ."), skipped({"BadNumber": 2}, {"rows": 38}), text=STATA, options={"target": "approve", "id": "none"})
flat("flat_dot_missing_declared", "`.` declared missing (--na-values .): the column stays numeric, no row skipped", ok, {"skipped": {}, "loaded": {"rows": 40}, "numeric": ["male", "occ"]}, text=STATA, options={"target": "approve", "id": "none", "na_values": ["."]})
flat("flat_delimiter_does_not_split", "a delimiter given that does not split the header", {"error": "BadHeader", "file": "data.csv", "reason_contains": "line 1: the delimiter semicolon does not split the header"}, options={"target": "churned", "id": "id", "delimiter": ";"})
flat("flat_delimiter_given", "the delimiter given (pipe) is used", ok, {"skipped": {}, "loaded": {"rows": 4}, "numeric": ["tenure"]}, text=FLAT.replace(",", "|"), options={"target": "churned", "id": "id", "delimiter": "|"})
flat("flat_comma_given_for_semicolons", "a semicolon file read with --delimiter , : the header error says what it looks like", {"error": "BadHeader", "file": "data.csv", "reason_contains": "it looks semicolon-separated"}, text=SEMI, options={"target": "churned", "id": "id", "delimiter": ","})
BANK = "RowNumber,Surname,Balance,Exited\n" + "".join(f"{i + 1},Name{i:03d},{(i * 37) % 101}.5,{int(i % 3 == 0)}\n" for i in range(30))
STRAY = "RowNumber,Surname,Balance,Exited\n" + "".join(f"{i + 1},Name{i:03d},{(i * 37) % 101}.5,{50000 if i in (4, 10) else int(i % 3 == 0)}\n" for i in range(30))
flat("flat_stray_target", "a 0/1 target with `50000` on two rows: one error with the count and the lines (strict), skipped and counted (lenient)", dict(bad("BadCategory", "data.csv", 6, "Exited", "50000"), reason_contains="2 rows of `Exited` hold another value: `50000` ×2 (lines 6, 12)"), skipped({"BadCategory": 2}, {"rows": 28}), text=STRAY, options={"target": "Exited", "id": "none"})
flat("flat_id_like_columns", "a row number and a name column look like ids: left out with a warning", ok, {"skipped": {}, "loaded": {"rows": 30}, "warnings": ["RowNumber", "Surname"], "numeric": ["Balance"], "absent": ["RowNumber", "Surname"]}, text=BANK, options={"target": "Exited", "id": "none"})
flat("flat_id_like_kept", "--keep keeps an id-like column as a feature", ok, {"skipped": {}, "loaded": {"rows": 30}, "warnings": ["Surname"], "numeric": ["RowNumber"]}, text=BANK, options={"target": "Exited", "id": "none", "keep": ["RowNumber"]})
flat("flat_categorical_forced", "--categorical keeps a numeric-looking code as categories (and is never dropped as id-like)", ok, {"skipped": {}, "loaded": {"rows": 30}, "warnings": ["Surname"], "categorical": ["RowNumber"]}, text=BANK, options={"target": "Exited", "id": "none", "categorical": ["RowNumber"]})
flat("flat_numeric_hint", "a stray word in a numeric column: the error names --categorical", dict(bad("BadNumber", "data.csv", 5, "charges", "n/a?"), reason_contains="--categorical charges"), skipped({"BadNumber": 1}, {"rows": 29}), text="id,charges,churned\n" + "".join(f"c{i},{i}.5,{'yes' if i % 4 == 0 else 'no'}\n" for i in range(30)).replace("c3,3.5", "c3,n/a?"))

# ---- JSON Lines flat files (detected from the content)
JSONL = '{"id": "x1", "properties": {"tenure": 3, "plan": "basic"}, "charges": 20.5, "churned": "yes"}\n{"id": "x2", "properties": {"tenure": 40, "plan": "pro"}, "charges": 70, "churned": "no"}\n\n{"id": "x3", "properties": {"tenure": 12, "plan": null}, "charges": 35.25, "churned": "no"}\n{"id": "x4", "properties": {"tenure": 1, "plan": "pro"}, "charges": 90, "churned": "yes"}\n'
def jsonl(name, what, strict, lenient, text):
    cases.append((name, {"kind": "flat", "what": what, "data_file": "data.jsonl", "options": {"target": "churned", "id": "id"}, "strict": strict, "lenient": lenient}, {"data.jsonl": text}))
jsonl("jsonl_nested", "JSON Lines with nested fields (properties.tenure), a null and a blank line", ok, {"skipped": {}, "loaded": {"rows": 4}, "numeric": ["properties.tenure", "charges"], "categorical": ["properties.plan"]}, JSONL)
jsonl("jsonl_not_object", "a JSON line that is an array, not an object (line 5: blank line 3 counts)", bad("Malformed", "data.jsonl", 5, None, "[1,2]"), skipped({"Malformed": 1}, {"rows": 3}), JSONL.replace('{"id": "x4", "properties": {"tenure": 1, "plan": "pro"}, "charges": 90, "churned": "yes"}', "[1, 2]"))
jsonl("jsonl_not_json", "a line that is not JSON", bad("Malformed", "data.jsonl", 2, None), skipped({"Malformed": 1}, {"rows": 3}), JSONL.replace('"charges": 70,', '"charges": 70'))
JSONL30 = "".join('{"id": "c%d", "properties": {"tenure": %s}, "churned": %s}\n' % (i, '"twelve"' if i == 12 else i, "true" if i % 4 == 0 else "false") for i in range(30))
jsonl("jsonl_bad_number", "a nested numeric field holding a word: named by its dotted path", bad("BadNumber", "data.jsonl", 13, "properties.tenure", "twelve"), skipped({"BadNumber": 1}, {"rows": 29}), JSONL30)

# ---- field length limit (64 KiB) and missing-value markers
LONG = "v" * 70000
tables("field_over_limit", "a 70,000-character vertical is over the 64 KiB field limit", bad("FieldTooLong", "customers.csv", 3, "vertical"), skipped({"FieldTooLong": 1, "UnknownCustomer": 3}, {"customers": 2, "subscriptions": 2, "events": 2, "nps": 1}), customers_csv=CUSTOMERS.replace(",health,", "," + LONG + ","))
flat("flat_field_over_limit", "a 70,000-character plan is over the field limit", bad("FieldTooLong", "data.csv", 3, "plan"), skipped({"FieldTooLong": 1}, {"rows": 3}), text=FLAT.replace("x2,40,pro", "x2,40," + LONG))
flat("flat_question_mark_category", "`?` in text columns (an R or Weka export's missing value) stays a category, with one warning naming the columns and --na-values '?'", ok, {"skipped": {}, "loaded": {"rows": 4}, "warnings": ["plan"], "categorical": ["plan"]}, text=FLAT.replace("x2,40,pro", "x2,40,?"))
flat("flat_question_mark_declared", "`?` declared missing (--na-values ?): a missing value, no warning", ok, {"skipped": {}, "loaded": {"rows": 4}, "warnings": [], "categorical": ["plan"]}, text=FLAT.replace("x2,40,pro", "x2,40,?"), options={"target": "churned", "id": "id", "na_values": ["?"]})
flat("flat_na_markers", "a numeric column with 25% `NA` is categorical, with a warning", ok, {"skipped": {}, "loaded": {"rows": 4}, "warnings": ["tenure"]}, text=FLAT.replace("x2,40,", "x2,NA,"))
flat("flat_na_values", "the same column with NA read as missing (na_values) is numeric", ok, {"skipped": {}, "loaded": {"rows": 4}, "warnings": [], "numeric": ["tenure"]}, text=FLAT.replace("x2,40,", "x2,NA,"), options={"target": "churned", "id": "id", "na_values": ["NA"]})

# ---- scoring (a small model with features x, plan is trained by the test): every record is
# written in lenient mode, unscored ones with their reason in `score_error`
SCORE = "customer_id,x,plan\nc1,1,a\nc2,5,b\nc3,9,a\nc4,2,b\n"

def score(name, what, strict, errors, text):
    """errors: the score_error cell of every output row ("" when scored), in order."""
    cases.append((name, {"kind": "score", "what": what, "strict": strict, "lenient": {"score_error": errors}}, {"data.csv": text}))

score("score_ragged_row", "a row with too few fields is written unscored", bad("Malformed", "data.csv", 3, None), ["", "malformed", "", ""], SCORE.replace("c2,5,b", "c2,5"))
score("score_extra_field", "a row with an extra field is written unscored", bad("Malformed", "data.csv", 3, None), ["", "malformed", "", ""], SCORE.replace("c2,5,b", "c2,5,b,extra"))
score("score_non_utf8", "a field that is not UTF-8 is written unscored", bad("Malformed", "data.csv", 4, "plan"), ["", "", "malformed:plan", ""], SCORE.replace("c3,9,a", "c3,9,a\udcff"))
score("score_field_over_limit", "a field over 64 KiB is written unscored (never held in memory)", bad("FieldTooLong", "data.csv", 2, "plan"), ["field_too_long:plan", "", "", ""], SCORE.replace("c1,1,a", "c1,1," + LONG))
score("score_id_over_limit", "an id over 64 KiB: unscored, blank id", bad("FieldTooLong", "data.csv", 5, "customer_id"), ["", "", "", "field_too_long:customer_id"], SCORE.replace("c4,2,b", LONG + ",2,b"))
score("score_bad_number", "a value that is not a number", bad("BadNumber", "data.csv", 3, "x", "lots"), ["", "bad_number:x", "", ""], SCORE.replace("c2,5,b", "c2,lots,b"))
score("score_unclosed_quote", "an unclosed quote makes the rest of the file one record (RFC 4180), written unscored", bad("Malformed", "data.csv", 3, None), ["", "malformed"], SCORE.replace("c2,5,b", 'c2,"5,b'))
score("score_blank_lines", "blank lines are not records", ok, ["", "", "", ""], SCORE.replace("c2,5,b\n", "c2,5,b\n\n\n"))

# ---- model files (a valid model is written by the test; these mutate it)
for name, what, mutation, expected in [
    ("model_truncated", "a truncated model file", "truncate", {"error": "Json"}),
    ("model_hand_edited", "a hand-edited model with a wrong type", "edit_type", {"error": "Json"}),
    ("model_schema_version", "a model from a future version", "schema_99", {"error": "SchemaVersion"}),
    ("model_missing_version", "a JSON file that is not a model", "not_a_model", {"error": "SchemaVersion"}),
    ("model_feature_mismatch", "scoring data lacks a model feature", "drop_feature", {"error": "FeatureMismatch"}),
    ("model_kind_mismatch", "a numeric feature arrives as text", "kind_change", {"error": "FeatureMismatch"}),
]:
    cases.append((name, {"kind": "model", "what": what, "mutation": mutation, "strict": expected, "lenient": None}, {}))

# ---- event catalogue files (attrition catalogue; features --event-catalogue)
def catalogue(name, what, strict, events=None, text=None, **top):
    doc = {"format": "attrition-event-catalogue", "version": 1, "events": events if events is not None else [{"event_type": "login", "role": "core"}]}
    doc.update(top)
    cases.append((name, {"kind": "catalogue", "what": what, "strict": strict, "lenient": None}, {"catalogue.json": text if text is not None else json.dumps(doc, indent=1)}))

catalogue("catalogue_minimal", "a hand-written catalogue needs only event types and roles", ok, [{"event_type": "login", "role": "core"}, {"event_type": "quota", "role": "limit_hit"}, {"event_type": "downgrade", "role": "signal"}])
catalogue("catalogue_unknown_role", "a misspelt role", {"error": "Json", "reason_contains": "unknown variant `stiky`"}, [{"event_type": "login", "role": "stiky"}])
catalogue("catalogue_missing_role", "an entry without a role", {"error": "Json", "reason_contains": "missing field `role`"}, [{"event_type": "login"}])
catalogue("catalogue_duplicate_type", "an event type listed twice", {"error": "BadCatalogue", "reason_contains": "event type `login`: the event type is listed twice"}, [{"event_type": "login", "role": "core"}, {"event_type": "login", "role": "sticky"}])
catalogue("catalogue_two_limit_hits", "two types claim the limit-hit role", {"error": "BadCatalogue", "reason_contains": "already given to `quota`"}, [{"event_type": "quota", "role": "limit_hit"}, {"event_type": "seats_full", "role": "limit_hit"}])
catalogue("catalogue_empty_type", "an empty event type", {"error": "BadCatalogue", "reason_contains": "empty `event_type`"}, [{"event_type": "", "role": "core"}])
catalogue("catalogue_wrong_format", "a feature catalogue passed as an event catalogue", {"error": "BadCatalogue", "reason_contains": "this is a feature catalogue (from --save-catalogue: pass it to --catalogue)"}, text=json.dumps({"events": {"core": ["login"], "sticky": []}, "event_types": None, "specs": []}))
catalogue("catalogue_future_version", "a catalogue from a newer version", {"error": "BadCatalogue", "reason_contains": "version 2 is not supported"}, None, version=2)
catalogue("catalogue_other_format", "another tool's JSON with the same shape", {"error": "BadCatalogue", "reason_contains": "`format` is \"segment-tracking-plan\", expected `attrition-event-catalogue`"}, None, format="segment-tracking-plan")

# ---- crafted model files (issue 14): the test writes them with the checksum of what they hold,
# so that the checks after the checksum are what refuses them (a body that does not parse gets none)
for name, what, base, mutation, expected in [
    ("model_reversed_features", "the feature list reversed (reasons would name the wrong features)", "logistic", "reverse_features", {"error": "InvalidModel", "reason_contains": "does not match the preprocessing"}),
    ("model_huge_coefficients", "coefficients of +-1e308 (p_churn = NaN)", "logistic", "huge_coefficients", {"error": "InvalidModel", "reason_contains": "coefficient 0"}),
    ("model_churn_rate_5", "training_churn_rate = 5 (every row low risk)", "logistic", "churn_rate_5", {"error": "InvalidModel", "reason_contains": "training_churn_rate"}),
    ("model_kind_body_mismatch", "kind says gbdt, the body is logistic", "logistic", "kind_gbdt", {"error": "InvalidModel", "reason_contains": "says `gbdt`"}),
    ("model_sd_zero", "a standard deviation of 0 (division by zero)", "logistic", "sd_zero", {"error": "InvalidModel", "reason_contains": "not positive"}),
    ("model_duplicate_level", "a categorical level listed twice", "logistic", "duplicate_level", {"error": "InvalidModel", "reason_contains": "appears twice"}),
    ("model_bit_flip", "one flipped bit in a coefficient's digits", "logistic", "bit_flip", {"error": "ModelChecksum", "reason_contains": "checksum mismatch"}),
    ("model_hand_edit", "an edit by hand without attrition model rehash", "logistic", "hand_edit", {"error": "ModelChecksum", "reason_contains": "attrition model rehash"}),
    ("model_version_1", "a file of schema version 1 (no checksum)", "logistic", "version_1", {"error": "ModelChecksum", "reason_contains": "no checksum (schema version 1)"}),
    ("model_deep_chain_1000", "a GBDT tree that is a chain of depth 1,000 (reasons took 30 s)", "gbdt", "chain_1000", {"error": "Json", "reason_contains": "deeper than 64"}),
    ("model_deep_chain_10000", "a chain of depth 10,000 (minutes, 1.7 GB)", "gbdt", "chain_10000", {"error": "Json", "reason_contains": "deeper than 64"}),
    ("model_deep_chain_50000", "a chain of depth 50,000 (aborted on allocation)", "gbdt", "chain_50000", {"error": "Json", "reason_contains": "deeper than 64"}),
    ("model_shared_subtree", "a tree whose nodes share one child (exponential TreeSHAP)", "gbdt", "shared_subtree", {"error": "Json", "reason_contains": "needs exactly one"}),
    ("model_width_mismatch", "trees over more inputs than the preprocessing makes", "gbdt", "width_plus_one", {"error": "InvalidModel", "reason_contains": "tree inputs"}),
    ("model_huge_leaf", "a boosted leaf of 1e308", "gbdt", "huge_leaf", {"error": "InvalidModel", "reason_contains": "log-odds"}),
    ("model_leaf_not_probability", "a single tree's leaf predicting 1.5", "tree", "leaf_1_5", {"error": "InvalidModel", "reason_contains": "not a probability"}),
]:
    cases.append((name, {"kind": "model", "what": what, "base": base, "mutation": mutation, "strict": expected, "lenient": None}, {}))

# ---- churn without subscriptions (a schema.toml with [churn]; no subscriptions.csv)
CANCEL_EVENTS = EVENTS + "B,2024-04-02T08:00:00Z,cancel_subscription,b1\n"
def churn(name, what, strict, lenient=None, schema='[churn]\nchurn_event = "cancel_subscription"\n', events=CANCEL_EVENTS, **files):
    files = {"subscriptions_csv": None, **files}
    tables(name, what, strict, lenient, schema_toml=schema, events_csv=events, **files)
def bad_schema(reason):
    return {"error": "BadSchema", "reason_contains": reason}
# The cancellation events are churn, not usage: they leave the events table (4 read, 3 kept).
churn("churn_event_ok", "churn by a cancellation event: B churns on 2024-04-02, no subscriptions table", ok, skipped({}, {"events": 3, "subscriptions": 3}))
churn("churn_inactivity_ok", "churn by 30 days of inactivity, no subscriptions table", ok, skipped({}, {"events": 3, "subscriptions": 3}), schema="[churn]\ninactive_days = 30\n", events=EVENTS)
churn("churn_cancel_unknown_customer", "a cancellation event for a customer not in customers.csv", bad("UnknownCustomer", "events.csv", 6, "customer_id", "Z"), skipped({"UnknownCustomer": 1}, {"events": 3}), events=CANCEL_EVENTS + "Z,2024-04-02T08:00:00Z,cancel_subscription,z1\n")
churn("churn_event_never_occurs", "churn_event names an event type that never occurs", bad_schema("no event has this type (2 types occur: login, publish_post)"), events=EVENTS)
churn("churn_both_definitions", "churn_event and inactive_days both given", bad_schema("both given: churn is one of them"), schema='[churn]\nchurn_event = "cancel_subscription"\ninactive_days = 30\n')
churn("churn_empty_section", "an empty [churn] section", bad_schema("empty [churn] section"), schema="[churn]\n")
churn("churn_inactive_days_zero", "inactive_days = 0", bad_schema("inactive_days = 0: between 1 and 3650 days"), schema="[churn]\ninactive_days = 0\n")
churn("churn_inactive_days_huge", "inactive_days far beyond any product", bad_schema("inactive_days = 100000: between 1 and 3650 days"), schema="[churn]\ninactive_days = 100000\n")
churn("churn_inactive_days_negative", "inactive_days = -3", bad_schema("s.toml:2"), schema="[churn]\ninactive_days = -3\n")
churn("churn_with_subscriptions", "[churn] and a [subscriptions] section", bad_schema("[churn] and [subscriptions] both given"), schema='[churn]\ninactive_days = 30\n[subscriptions]\nfile = "subscriptions.csv"\n', subscriptions_csv=SUBS)

here = os.path.dirname(os.path.abspath(__file__))
for name, spec, files in cases:
    d = os.path.join(here, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for fname, text in files.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape"))
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(spec, f, indent=1)
print(len(cases), "cases")
