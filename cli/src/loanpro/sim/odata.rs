//! The OData side of the simulator: query options, `$expand` trees, rendering an entity with
//! deferred links, `$filter` and `$orderby` on lists.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::loanpro::dates;

/// Nested objects a LoanPro loan has beyond those in a document: shown `__deferred` like the
/// rest (LoanPro lists about 45).
pub const OTHER_LOAN_NAV: &[&str] = &[
    "Transactions",
    "Notes",
    "Documents",
    "Collateral",
    "Autopays",
    "Portfolios",
    "SubPortfolios",
    "Promises",
    "ScheduleRolls",
    "Insurance",
];

/// The decoded query string.
#[derive(Debug, Default)]
pub struct Query {
    pub params: BTreeMap<String, String>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut params = BTreeMap::new();
        if let Some(raw) = raw {
            if let Ok(url) = reqwest::Url::parse(&format!("http://q/?{raw}")) {
                for (k, v) in url.query_pairs() {
                    params.insert(k.into_owned(), v.into_owned());
                }
            }
        }
        Query { params }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    pub fn usize(&self, key: &str) -> Option<usize> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }

    pub fn has(&self, key: &str) -> bool {
        self.params.contains_key(key)
    }

    /// `$expand` as a tree.
    pub fn expand(&self) -> Expand {
        let mut tree = Expand::default();
        for path in self.get("$expand").unwrap_or("").split(',') {
            let mut node = &mut tree;
            for part in path.trim().split('/').filter(|p| !p.is_empty()) {
                node = node.children.entry(part.to_owned()).or_default();
            }
        }
        tree
    }
}

/// Which nested objects to expand, by name, each with its own sub-tree.
#[derive(Debug, Default, Clone)]
pub struct Expand {
    pub children: BTreeMap<String, Expand>,
}

/// How the simulator renders entities.
pub struct Render<'a> {
    pub base_url: &'a str,
    pub nested_expand: bool,
    pub page_limit: Option<usize>,
}

/// A nested object or list: a capitalised key holding an object (never `__metadata`).
pub fn is_nav(key: &str, value: &Value) -> bool {
    key.starts_with(|c: char| c.is_ascii_uppercase()) && value.is_object()
}

impl<'a> Render<'a> {
    /// Renders `entity` (whose path under `odata.svc/` is `path`) with `expand`; `depth` 0 is
    /// the entity asked for.
    pub fn entity(&self, entity: &Value, path: &str, expand: &Expand, depth: usize) -> Value {
        serde_json::to_value(self.view(entity, path.to_owned(), expand, depth))
            .unwrap_or(Value::Null)
    }

    /// The same rendering as [`Render::entity`], serialised straight from the stored document
    /// without copying it first (the hot path of a sync: one loan per request).
    pub fn view<'v>(
        &'v self,
        value: &'v Value,
        path: String,
        expand: &'v Expand,
        depth: usize,
    ) -> View<'v, 'a> {
        View {
            render: self,
            value,
            path,
            expand,
            depth,
        }
    }

    /// A page of a list endpoint: `$filter`, `$orderby`, `$top`/`$skip`, `nopaging`.
    pub fn list(
        &self,
        name: &str,
        items: &[Value],
        path: &str,
        query: &Query,
    ) -> Result<Value, String> {
        let mut rows: Vec<&Value> = match query.get("$filter") {
            Some(f) => {
                let filter = parse_filter(f)?;
                items
                    .iter()
                    .filter(|i| filter_matches(&filter, i))
                    .collect()
            }
            None => items.iter().collect(),
        };
        if let Some(order) = query.get("$orderby") {
            sort_by(&mut rows, order);
        }
        let total = rows.len();
        let skip = query
            .usize("$skip")
            .or_else(|| query.usize("$start"))
            .unwrap_or(0);
        let nopaging = query.has("nopaging");
        let mut top = query
            .usize("$top")
            .unwrap_or(if nopaging { usize::MAX } else { 50 });
        if let Some(limit) = self.page_limit {
            top = top.min(limit);
        }
        let page: Vec<Value> = rows
            .iter()
            .skip(skip)
            .take(top)
            .map(|item| self.entity(item, &item_path(name, item, path), &query.expand(), 1))
            .collect();
        let mut d = Map::new();
        let shown = page.len();
        d.insert("results".into(), Value::Array(page));
        if self.page_limit.is_some() && skip + shown < total {
            let mut next = format!("{}odata.svc/{path}?$skip={}", self.base_url, skip + shown);
            for key in ["$filter", "$orderby"] {
                if let Some(v) = query.get(key) {
                    let mut s = reqwest::Url::parse("http://q/").expect("static URL");
                    s.query_pairs_mut().append_pair(key, v);
                    next.push('&');
                    next.push_str(s.query().unwrap_or(""));
                }
            }
            d.insert("__next".into(), Value::String(next));
        }
        d.insert(
            "summary".into(),
            json!({ "start": skip, "pageSize": if top == usize::MAX { total } else { top }, "total": total }),
        );
        Ok(Value::Object(d))
    }
}

/// The path of a list item: `Customers(id=5)`, `Payments(id=7)`.
fn item_path(name: &str, item: &Value, parent: &str) -> String {
    match item.get("id") {
        Some(id) => format!("{name}(id={})", id_text(id)),
        None => parent.to_owned(),
    }
}

fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `{"__deferred":{"uri":…}}` with the path as LoanPro writes it (relative, `Loans(id=5)/…`).
fn deferred(path: &str) -> Value {
    json!({ "__deferred": { "uri": path } })
}

/// One comparison of a `$filter`.
#[derive(Debug)]
pub struct Clause {
    field: String,
    op: String,
    value: Literal,
}

#[derive(Debug)]
enum Literal {
    Date(i64),
    Number(f64),
    Text(String),
}

/// Parses `field op literal (and field op literal)*`.
pub fn parse_filter(text: &str) -> Result<Vec<Clause>, String> {
    let mut clauses = Vec::new();
    for part in split_and(text) {
        let part = part.trim();
        let mut words = part.splitn(3, ' ');
        let (Some(field), Some(op), Some(lit)) = (words.next(), words.next(), words.next()) else {
            return Err(format!("cannot read the $filter clause {part:?}"));
        };
        if !matches!(op, "eq" | "ne" | "gt" | "ge" | "lt" | "le") {
            return Err(format!("unknown $filter operator {op:?}"));
        }
        let lit = lit.trim();
        let value = if let Some(inner) = lit
            .strip_prefix("datetime'")
            .and_then(|s| s.strip_suffix('\''))
        {
            Literal::Date(
                dates::parse_text(inner).ok_or_else(|| format!("bad datetime literal {lit:?}"))?,
            )
        } else if let Some(inner) = lit.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            Literal::Text(inner.to_owned())
        } else {
            Literal::Number(lit.parse().map_err(|_| format!("bad literal {lit:?}"))?)
        };
        clauses.push(Clause {
            field: field.to_owned(),
            op: op.to_owned(),
            value,
        });
    }
    Ok(clauses)
}

fn split_and(text: &str) -> Vec<&str> {
    text.split(" and ").collect()
}

fn filter_matches(clauses: &[Clause], item: &Value) -> bool {
    clauses.iter().all(|c| {
        let Some(v) = item.get(&c.field) else {
            return false;
        };
        let ord = match &c.value {
            Literal::Date(secs) => match v.as_str().and_then(dates::parse_text) {
                Some(x) => x.cmp(secs),
                None => return false,
            },
            Literal::Number(n) => match number(v) {
                Some(x) => x.partial_cmp(n).unwrap_or(Ordering::Equal),
                None => return false,
            },
            Literal::Text(t) => match v.as_str() {
                Some(x) => x.cmp(t.as_str()),
                None => return false,
            },
        };
        match c.op.as_str() {
            "eq" => ord == Ordering::Equal,
            "ne" => ord != Ordering::Equal,
            "gt" => ord == Ordering::Greater,
            "ge" => ord != Ordering::Less,
            "lt" => ord == Ordering::Less,
            _ => ord != Ordering::Greater,
        }
    })
}

/// A sortable number from a JSON value: numbers, numeric text, dates as seconds.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s
            .trim()
            .parse()
            .ok()
            .or_else(|| dates::parse_text(s).map(|x| x as f64)),
        _ => None,
    }
}

/// Sorts by `field [asc|desc]` (stable, so ties keep the stored order).
pub fn sort_by(rows: &mut [&Value], order: &str) {
    sort_by_key(rows, |r| *r, order);
}

/// Sorts items by `field [asc|desc]` of the value `value` gives for each (stable).
pub fn sort_by_key<T>(rows: &mut [T], value: impl Fn(&T) -> &Value, order: &str) {
    let mut words = order.split_whitespace();
    let field = words.next().unwrap_or("id").to_owned();
    let desc = words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc"));
    rows.sort_by(|a, b| {
        let (x, y) = (
            value(a).get(&field).and_then(number),
            value(b).get(&field).and_then(number),
        );
        let ord = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
        if desc {
            ord.reverse()
        } else {
            ord
        }
    });
}

/// An entity as served: `__metadata` pointing at the simulator, nested objects expanded or
/// `__deferred`, list items rendered in turn.
pub struct View<'v, 'a> {
    render: &'v Render<'a>,
    value: &'v Value,
    path: String,
    expand: &'v Expand,
    depth: usize,
}

impl serde::Serialize for View<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(obj) = self.value else {
            return self.value.serialize(s);
        };
        let r = self.render;
        let mut map = s.serialize_map(None)?;
        for (k, v) in obj {
            if k == "__metadata" {
                let kind = v.get("type").unwrap_or(&Value::Null);
                let uri = format!("{}odata.svc/{}", r.base_url, self.path);
                map.serialize_entry(k, &json!({ "uri": uri, "type": kind }))?;
            } else if is_nav(k, v) {
                let sub = self
                    .expand
                    .children
                    .get(k)
                    .filter(|_| self.depth == 0 || r.nested_expand);
                let child_path = format!("{}/{k}", self.path);
                match sub {
                    Some(sub) => map.serialize_entry(
                        k,
                        &Nested {
                            render: r,
                            name: k,
                            value: v,
                            path: child_path,
                            expand: sub,
                            depth: self.depth + 1,
                        },
                    )?,
                    None => map.serialize_entry(k, &deferred(&child_path))?,
                }
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        if self.depth == 0 && self.path.starts_with("Loans(") && !self.path.contains('/') {
            for name in OTHER_LOAN_NAV {
                if !obj.contains_key(*name) {
                    map.serialize_entry(name, &deferred(&format!("{}/{name}", self.path)))?;
                }
            }
        }
        map.end()
    }
}

/// An expanded nested value: a list's items rendered (and cut with `__next` past the page
/// limit), or an object rendered.
struct Nested<'v, 'a> {
    render: &'v Render<'a>,
    name: &'v str,
    value: &'v Value,
    path: String,
    expand: &'v Expand,
    depth: usize,
}

impl serde::Serialize for Nested<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let r = self.render;
        let Some(items) = self.value.get("results").and_then(Value::as_array) else {
            return r
                .view(self.value, self.path.clone(), self.expand, self.depth)
                .serialize(s);
        };
        let cut = r.page_limit.filter(|l| items.len() > *l);
        let shown = cut.map_or(items.as_slice(), |l| &items[..l]);
        struct Rows<'x, 'v, 'a>(&'x Nested<'v, 'a>, &'x [Value]);
        impl serde::Serialize for Rows<'_, '_, '_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let n = self.0;
                let mut seq = s.serialize_seq(Some(self.1.len()))?;
                for item in self.1 {
                    let path = item_path(n.name, item, &n.path);
                    seq.serialize_element(&n.render.view(item, path, n.expand, n.depth))?;
                }
                seq.end()
            }
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("results", &Rows(self, shown))?;
        if let Some(l) = cut {
            let next = format!("{}odata.svc/{}?$skip={l}", r.base_url, self.path);
            map.serialize_entry("__next", &next)?;
        }
        map.end()
    }
}
