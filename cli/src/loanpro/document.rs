//! Assembling the loan document of `derivations.md` §0 from LoanPro's answers.
//!
//! Fast path, two requests sent together: the loan with every nested object the preset reads
//! expanded (`nopaging=true` lifts the page limit of expanded lists), and the loan's newest
//! status-archive row on or before the as-of date (a `$filter`ed, `date desc`-ordered,
//! one-row read of `Loans(id)/StatusArchive`: a loan carries one archive row per day, far too
//! many to expand). Whatever the server did not expand (`__deferred`) or paged (`__next`) is
//! then fetched separately, so the document is complete against any server that follows
//! `api.md`.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::client::{as_usize, malformed, Client};
use super::dates;
use super::error::LoanProError;

/// The nested objects requested with the loan.
pub const LOAN_EXPAND: &[&str] = &[
    "LoanSetup",
    "LoanSettings",
    "LoanSettings/CustomFieldValues",
    "Customers",
    "Customers/PrimaryAddress",
    "Customers/MailAddress",
    "Customers/Phones",
    "Payments",
];

/// The nested objects of a customer the preset reads.
pub const CUSTOMER_EXPAND: &[&str] = &["PrimaryAddress", "MailAddress", "Phones"];

/// Page size when a nested list has to be read on its own.
pub const LIST_PAGE: usize = 500;

/// Pages read from one list at most: a server that keeps answering full pages (or links
/// `__next` in a circle) cannot keep a sync busy forever.
const MAX_PAGES: usize = 10_000;

/// See the module documentation.
pub(crate) async fn assemble(
    client: &Client,
    id: i64,
    as_of: NaiveDate,
) -> Result<Value, LoanProError> {
    let loan_url = client.url(
        &format!("odata.svc/Loans({id})"),
        &[
            ("$expand", LOAN_EXPAND.join(",")),
            ("nopaging", "true".to_owned()),
        ],
    )?;
    let endpoint = format!("GET odata.svc/Loans({id})");
    let (loan, archive) = tokio::join!(client.get_d(loan_url), newest_status(client, id, as_of));
    let Value::Object(mut loan) = loan? else {
        return Err(malformed(&endpoint, "the loan is not a JSON object"));
    };
    let archive = archive?;

    for name in ["LoanSetup", "LoanSettings"] {
        let value = complete(
            client,
            &mut loan,
            name,
            &format!("Loans({id})/{name}"),
            &endpoint,
        )
        .await?;
        if let Value::Object(obj) = value {
            if name == "LoanSettings" && obj.contains_key("CustomFieldValues") {
                let path = format!("Loans({id})/LoanSettings/CustomFieldValues");
                complete(client, obj, "CustomFieldValues", &path, &endpoint).await?;
            }
        }
    }
    complete(
        client,
        &mut loan,
        "Payments",
        &format!("Loans({id})/Payments"),
        &endpoint,
    )
    .await?;
    complete(
        client,
        &mut loan,
        "Customers",
        &format!("Loans({id})/Customers"),
        &endpoint,
    )
    .await?;
    if let Some(Value::Object(list)) = loan.get_mut("Customers") {
        if let Some(Value::Array(customers)) = list.get_mut("results") {
            for customer in customers.iter_mut() {
                complete_customer(client, customer, &endpoint).await?;
            }
        }
    }
    let rows: Vec<Value> = archive.into_iter().collect();
    loan.insert("StatusArchive".to_owned(), list_value(rows));
    Ok(Value::Object(loan))
}

/// The newest `StatusArchive` row dated on or before `as_of` (on a tie, the last in the list).
async fn newest_status(
    client: &Client,
    id: i64,
    as_of: NaiveDate,
) -> Result<Option<Value>, LoanProError> {
    let url = client.url(
        &format!("odata.svc/Loans({id})/StatusArchive"),
        &[
            (
                "$filter",
                format!("date le datetime'{}T23:59:59'", as_of.format("%Y-%m-%d")),
            ),
            ("$orderby", "date desc".to_owned()),
            ("$top", "1".to_owned()),
        ],
    )?;
    let endpoint = format!("GET odata.svc/Loans({id})/StatusArchive");
    let d = client.get_d(url).await?;
    let rows = results(&d).ok_or_else(|| malformed(&endpoint, "no d.results list"))?;
    Ok(newest_on_or_before(rows, as_of).cloned())
}

/// The row with the latest `date` on or before `as_of`; on a tie the later one in the list.
pub fn newest_on_or_before(rows: &[Value], as_of: NaiveDate) -> Option<&Value> {
    let limit = dates::day_seconds(as_of) + 86_399;
    let mut best: Option<(i64, &Value)> = None;
    for row in rows {
        let Some(at) = row.get("date").and_then(dates::parse_value) else {
            continue;
        };
        let at = at.timestamp();
        if at <= limit && best.is_none_or(|(b, _)| at >= b) {
            best = Some((at, row));
        }
    }
    best.map(|(_, row)| row)
}

/// Makes `obj[name]` complete: a deferred or missing object or list is fetched (`fallback` is
/// the path under `odata.svc/` used when the server gave no link), a list's `__next` pages are
/// followed. Returns the completed value.
async fn complete<'a>(
    client: &Client,
    obj: &'a mut Map<String, Value>,
    name: &str,
    fallback: &str,
    endpoint: &str,
) -> Result<&'a mut Value, LoanProError> {
    // A missing value is fetched; an explicit `null` is the server's answer and stays.
    // Taken in place (not removed), so the document keeps the server's key order.
    let current = obj.get_mut(name).map(Value::take);
    let value = match current {
        None => fetch_nested(client, fallback, name, endpoint).await?,
        Some(current) => match deferred_uri(&current) {
            Some(uri) => fetch_nested(client, &uri, name, endpoint).await?,
            None => follow_next(client, current, endpoint).await?,
        },
    };
    let slot = obj.entry(name.to_owned()).or_insert(Value::Null);
    *slot = value;
    Ok(slot)
}

/// Makes a customer's address and phone objects complete: one expanded
/// `GET odata.svc/Customers(id)` when any is deferred or missing, then per-object links.
async fn complete_customer(
    client: &Client,
    customer: &mut Value,
    endpoint: &str,
) -> Result<(), LoanProError> {
    let Value::Object(obj) = customer else {
        return Err(malformed(endpoint, "a customer is not a JSON object"));
    };
    let lacking = CUSTOMER_EXPAND
        .iter()
        .any(|n| obj.get(*n).is_none_or(|v| deferred_uri(v).is_some()));
    let id = obj
        .get("id")
        .and_then(|v| v.as_i64().or_else(|| as_usize(v).map(|u| u as i64)));
    if lacking {
        if let Some(cid) = id {
            let url = client.url(
                &format!("odata.svc/Customers({cid})"),
                &[("$expand", CUSTOMER_EXPAND.join(","))],
            )?;
            let full = client.get_d(url).await?;
            for name in CUSTOMER_EXPAND {
                if let Some(v) = full.get(*name) {
                    if obj.get(*name).is_none_or(|cur| deferred_uri(cur).is_some()) {
                        obj.insert((*name).to_owned(), v.clone());
                    }
                }
            }
        }
    }
    for name in CUSTOMER_EXPAND {
        if obj.contains_key(*name) {
            let fallback = match id {
                Some(cid) => format!("Customers({cid})/{name}"),
                None => String::new(),
            };
            complete(client, obj, name, &fallback, endpoint).await?;
        }
    }
    Ok(())
}

/// Reads a nested object or list on its own, from a link or a path under `odata.svc/`.
async fn fetch_nested(
    client: &Client,
    link: &str,
    name: &str,
    endpoint: &str,
) -> Result<Value, LoanProError> {
    if link.is_empty() {
        return Err(malformed(
            endpoint,
            &format!("{name} is missing and has no link"),
        ));
    }
    let url = client.link(link, endpoint)?;
    // A link that already names its page is read as given; otherwise pages of LIST_PAGE.
    let server_paged = has_paging_query(&url);
    let page_at = |skip: usize| {
        let mut u = url.clone();
        if !server_paged {
            u.query_pairs_mut()
                .append_pair("$top", &LIST_PAGE.to_string())
                .append_pair("$skip", &skip.to_string());
        }
        u
    };
    let mut d = client.get_d(page_at(0)).await?;
    let Some(first) = results(&d) else {
        return Ok(d);
    };
    let mut rows = first.to_vec();
    let mut got = rows.len();
    for _ in 0..MAX_PAGES {
        let next = match d.get("__next").and_then(Value::as_str) {
            Some(link) => client.link(link, endpoint)?,
            None => {
                let total = d
                    .get("summary")
                    .and_then(|s| s.get("total").or_else(|| s.get("totalHits")))
                    .and_then(as_usize);
                if server_paged || got < LIST_PAGE || total.is_some_and(|t| rows.len() >= t) {
                    return Ok(list_value(rows));
                }
                page_at(rows.len())
            }
        };
        d = client.get_d(next).await?;
        let batch = results(&d).ok_or_else(|| malformed(endpoint, "no d.results list"))?;
        got = batch.len();
        rows.extend(batch.iter().cloned());
    }
    Err(malformed(
        endpoint,
        &format!("{name} never ended after {MAX_PAGES} pages"),
    ))
}

/// Whether a link already says which page it is (then its first answer is used as is).
fn has_paging_query(url: &reqwest::Url) -> bool {
    url.query_pairs()
        .any(|(k, _)| matches!(k.as_ref(), "$top" | "$skip" | "$start" | "nopaging"))
}

/// Appends the pages a list's `__next` link leads to.
async fn follow_next(client: &Client, value: Value, endpoint: &str) -> Result<Value, LoanProError> {
    let Value::Object(mut obj) = value else {
        return Ok(value);
    };
    let Some(Value::String(first)) = obj.remove("__next") else {
        return Ok(Value::Object(obj));
    };
    let mut rows = match obj.remove("results") {
        Some(Value::Array(rows)) => rows,
        _ => return Err(malformed(endpoint, "a list with __next has no results")),
    };
    let mut link = Some(first);
    let mut pages = 0;
    while let Some(l) = link.take() {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(malformed(endpoint, "a __next chain never ended"));
        }
        let d = client.get_d(client.link(&l, endpoint)?).await?;
        let batch = results(&d).ok_or_else(|| malformed(endpoint, "no d.results list"))?;
        rows.extend(batch.iter().cloned());
        link = d.get("__next").and_then(Value::as_str).map(str::to_owned);
    }
    obj.insert("results".to_owned(), Value::Array(rows));
    Ok(Value::Object(obj))
}

/// The link of a `{"__deferred":{"uri":…}}` placeholder.
fn deferred_uri(value: &Value) -> Option<String> {
    value.get("__deferred").map(|d| {
        d.get("uri")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    })
}

/// The `results` list of a list value.
fn results(value: &Value) -> Option<&[Value]> {
    value
        .get("results")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

/// `{"results": rows}`.
fn list_value(rows: Vec<Value>) -> Value {
    let mut obj = Map::new();
    obj.insert("results".to_owned(), Value::Array(rows));
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn newest_row_on_or_before_the_as_of_day() {
        let rows = vec![
            json!({"n": 1, "date": "/Date(1790812800)/"}), // 2026-10-01
            json!({"n": 2, "date": "/Date(1793491200)/"}), // 2026-11-01
            json!({"n": 3, "date": "/Date(1793491200)/"}),
            json!({"n": 4, "date": "/Date(1793577600)/"}), // 2026-11-02
            json!({"n": 5, "date": null}),
        ];
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(newest_on_or_before(&rows, day(1)).unwrap()["n"], 3);
        assert_eq!(newest_on_or_before(&rows, day(30)).unwrap()["n"], 4);
        let before = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
        assert!(newest_on_or_before(&rows, before).is_none());
    }
}
