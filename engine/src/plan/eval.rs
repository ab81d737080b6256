//! Running a plan over one document: skips, segments and rules, and explain mode's traces.

use super::env::{Env, Fail};
use super::program::Program;
use super::{
    FieldWrite, Finding, MapError, NodeId, OtherFailure, Outcome, Params, Plan, RuleSeverity,
    SegmentPlan,
};
use crate::field::{encode, parse_date, parse_timestamp, FieldValue};
use crate::json::{self, Doc};
use crate::layout::{Field, FieldType, SegmentKind};
use crate::loan::Loan;
use crate::record::DataRecord;
use crate::segment::Segment;
use crate::value::Value;
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

/// How one field got its value (explain mode).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldTrace {
    /// `base`, `j1[0]`, ...
    pub segment: String,
    /// The field's key.
    pub key: &'static str,
    /// The field's bytes as written.
    pub text: String,
    /// The assignment's `.m2map` line (0 when the mapping does not assign the field).
    pub line: u32,
    /// The expression as written.
    pub source: String,
    /// The branches taken (`if`, `match` arms, table entries, `??` defaults), in order.
    pub branches: Vec<String>,
    /// Whether the value was computed at compile time.
    pub constant: bool,
}

/// The outcome of one document with the story of every field.
#[derive(Debug, Clone)]
pub struct Explained {
    /// What mapping gave.
    pub outcome: Outcome,
    /// Every assigned field of every produced segment, in record order.
    pub fields: Vec<FieldTrace>,
}

/// A plan with its parameters' values looked up once ([`Plan::bind`]), for mapping many
/// documents with the same values: each document then starts without a lookup by name.
pub struct Bound<'p> {
    plan: &'p Plan,
    values: Vec<Value<'static>>,
}

impl Bound<'_> {
    /// [`Plan::eval`] with the bound values.
    pub fn eval(&self, doc: &Doc) -> Outcome {
        self.plan.run(doc, None, &self.values, None)
    }

    /// [`Plan::parse`].
    pub fn parse(&self, text: &str) -> Result<Loan, String> {
        self.plan.parse(text)
    }

    /// [`Plan::eval_loan`] with the bound values.
    pub fn eval_loan(&self, loan: &Loan) -> Outcome {
        self.plan.run_loan(loan, &self.values)
    }

    /// [`Plan::explain`] with the bound values.
    pub fn explain(&self, doc: &Doc) -> Explained {
        let mut fields = Vec::new();
        let outcome = self.plan.run(doc, None, &self.values, Some(&mut fields));
        Explained { outcome, fields }
    }
}

impl Plan {
    /// The plan with `params`' values, in the order its parameters are declared; the message
    /// names the first parameter `params` does not give.
    pub fn bind(&self, params: &Params) -> Result<Bound<'_>, String> {
        let values = self
            .params
            .iter()
            .map(|p| {
                params
                    .get(&p.name)
                    .cloned()
                    .ok_or_else(|| format!("the parameter `{}` was not given", p.name))
            })
            .collect::<Result<_, _>>()?;
        Ok(Bound { plan: self, values })
    }

    /// Maps one document. Never panics on any input: every failure is an
    /// [`Outcome::Error`] naming the document's id, the field and the `.m2map` line. (For many
    /// documents with the same parameters, [`Plan::bind`] looks them up once.)
    pub fn eval(&self, doc: &Doc, params: &Params) -> Outcome {
        match self.bind(params) {
            Ok(bound) => bound.eval(doc),
            Err(message) => self.unbound(doc, message),
        }
    }

    /// Parses a loan document's text as this plan reads it: when the plan reads the
    /// document's `Payments` only to give them to `delinquency` (the LoanPro preset), the
    /// payment rows are read straight into the counted payments and the rest is parsed as a
    /// document ([`Loan`]); otherwise the whole document is parsed. What a document maps to
    /// is the same either way: [`Plan::eval_loan`] of this equals [`Plan::eval`] of
    /// [`crate::json::parse`] of the same text.
    pub fn parse(&self, text: &str) -> Result<Loan, String> {
        if self.counts_payments() {
            Loan::parse_counting_payments(text)
        } else {
            Loan::parse(text)
        }
    }

    /// Whether [`Plan::parse`] reads a document's payments straight from its text.
    pub fn counts_payments(&self) -> bool {
        !self.compiled.get(self).payments.is_empty()
    }

    /// Maps one document parsed by [`Plan::parse`] of this plan.
    pub fn eval_loan(&self, loan: &Loan, params: &Params) -> Outcome {
        match self.bind(params) {
            Ok(bound) => bound.eval_loan(loan),
            Err(message) => self.unbound(&loan.doc, message),
        }
    }

    /// [`Plan::eval_loan`] with bound values.
    fn run_loan(&self, loan: &Loan, params: &[Value<'static>]) -> Outcome {
        if loan.payments.is_some() && !self.counts_payments() {
            // Its payments were counted for a plan that reads nothing else of them; this one
            // would read them from the document, where they are not.
            return Outcome::Error(MapError {
                document_id: document_id(&loan.doc),
                field: None,
                file: self.source_name.clone(),
                line: 0,
                message: "the document was parsed for another mapping (parse it with this one)"
                    .into(),
                others: Vec::new(),
            });
        }
        self.run(&loan.doc, loan.payments.as_ref(), params, None)
    }

    /// Maps one document and records how each field got its value: the line, the expression
    /// and the branches taken (including those taken inside the lets it uses).
    pub fn explain(&self, doc: &Doc, params: &Params) -> Explained {
        match self.bind(params) {
            Ok(bound) => bound.explain(doc),
            Err(message) => Explained {
                outcome: self.unbound(doc, message),
                fields: Vec::new(),
            },
        }
    }

    /// The error record of a document mapped without a parameter's value.
    fn unbound(&self, doc: &Doc, message: String) -> Outcome {
        Outcome::Error(MapError {
            document_id: document_id(doc),
            field: None,
            file: self.source_name.clone(),
            line: 0,
            message,
            others: Vec::new(),
        })
    }

    fn run(
        &self,
        doc: &Doc,
        payments: Option<&Value<'static>>,
        params: &[Value<'static>],
        mut traces: Option<&mut Vec<FieldTrace>>,
    ) -> Outcome {
        let err = |field: Option<String>, line: u32, message: String| {
            Outcome::Error(MapError {
                document_id: document_id(doc),
                field,
                file: self.source_name.clone(),
                line,
                message,
                others: Vec::new(),
            })
        };
        let prog = self.compiled.get(self);
        // A failure inside the expression `root` of a statement on `line`: at the line of the
        // node that failed, or at the statement's line and naming the let it happened in; one
        // computed from an SSN or a date of birth does not quote the value.
        let failed = |what: String, root: NodeId, line: u32, e: Box<Fail>| {
            let (line, message) = self.located(prog, root, line, *e, false);
            (what, line, message)
        };
        let mut f = Env::new(self, prog, doc, payments, params, traces.is_some());
        for (s, test) in self.skips.iter().zip(&prog.skips) {
            match test(&mut f) {
                Ok(true) => {
                    return Outcome::Skipped {
                        reason: s.reason.clone(),
                        line: s.line,
                    }
                }
                Ok(false) => {}
                Err(e) => {
                    let (what, line, message) = failed("skip".into(), s.cond, s.line, e);
                    return err(Some(what), line, message);
                }
            }
        }
        let mut base: Option<Segment> = None;
        let mut appended: Vec<Segment> = Vec::new();
        // Once a segment fails the record will not be sent, but the segments are gone on with,
        // only to find every other field that fails, so the analyst sees them all at once: the
        // first failure is the record's error, the others are listed after it.
        let mut failures: Vec<Failed> = Vec::new();
        // How many segments of each kind have been written or tried (`j1[2]`).
        let mut numbered = [0usize; 16];
        for (sp, code) in self.segments.iter().zip(&prog.segments) {
            if !failures.is_empty() {
                // A failed document has no field story to tell (explain shows the failure).
                f.trace = None;
                traces = None;
            }
            if let Some(when) = &code.when {
                match when(&mut f) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        let when = sp.when.unwrap_or_default();
                        let what = format!("{} (when)", sp.kind);
                        failures.push(failed(what, when, sp.line, e));
                        continue;
                    }
                }
            }
            // A `for each` block's elements; a single segment is written once, with none.
            let mut items = None;
            if let Some((list, _)) = sp.each {
                let listed = match &code.each {
                    Some(each) => each(&mut f),
                    None => Ok(Value::Missing),
                };
                match listed.and_then(|v| v.as_list().map_err(|e| Fail::at(list, e.0))) {
                    Ok(list) => items = Some(list.into_iter()),
                    Err(e) => {
                        let what = format!("{} (for each)", sp.kind);
                        failures.push(failed(what, list, sp.line, e));
                        continue;
                    }
                }
            }
            let times = items.as_ref().map_or(1, ExactSizeIterator::len);
            for _ in 0..times {
                let label = match (sp.each, items.as_mut().and_then(Iterator::next)) {
                    (Some((_, var)), Some(item)) => {
                        f.locals[var as usize] = item;
                        let n = &mut numbered[sp.kind as usize];
                        *n += 1;
                        SegmentLabel(sp.kind, Some(*n - 1))
                    }
                    _ => SegmentLabel(sp.kind, None),
                };
                let tracing = traces.as_deref_mut();
                match segment(&mut f, sp, code, label, tracing, &mut failures) {
                    Some(seg) if sp.kind == SegmentKind::Base => base = Some(seg),
                    Some(seg) => appended.push(seg),
                    None => {}
                }
            }
        }
        let mut failures = failures.into_iter();
        if let Some((field, line, message)) = failures.next() {
            let others = failures
                .map(|(field, line, message)| OtherFailure {
                    field,
                    line,
                    message,
                })
                .collect();
            return Outcome::Error(MapError {
                document_id: document_id(doc),
                field: Some(field),
                file: self.source_name.clone(),
                line,
                message,
                others,
            });
        }
        let mut record = DataRecord::new(base.unwrap_or_else(|| Segment::blank(SegmentKind::Base)));
        for s in appended {
            record.push(s);
        }
        record.set_rdw();
        if let Some(t) = traces {
            // Order the traces as the record's segments are written (J1s, then J2s, ...).
            t.sort_by_key(|ft| {
                let kind = ft.segment.split('[').next().unwrap_or("");
                SegmentKind::from_name(kind).map(|k| {
                    if k == SegmentKind::Base {
                        0
                    } else {
                        1 + SegmentKind::APPENDED
                            .iter()
                            .position(|a| *a == k)
                            .unwrap_or(0)
                    }
                })
            });
        }
        let mut findings = Vec::new();
        if !self.rules.is_empty() {
            // The rules read the produced record through the same state (slots computed while
            // writing fields are not computed again).
            let mut rf = Env {
                record: Some(&record),
                trace: None,
                ..f
            };
            for (r, test) in self.rules.iter().zip(&prog.rules) {
                match test(&mut rf) {
                    Ok(true) => {}
                    Ok(false) => findings.push(Finding {
                        rule: r.id.clone(),
                        severity: r.severity,
                        message: r.message.clone(),
                        line: r.line,
                    }),
                    // A warning rule that cannot be evaluated is worth a look, not a reason to
                    // hold the record back; an error rule that cannot be checked guards nothing,
                    // so the record is not sent.
                    Err(e) if r.severity == RuleSeverity::Warning => {
                        let (line, message) = self.located(prog, r.cond, r.line, *e, false);
                        findings.push(Finding {
                            rule: r.id.clone(),
                            severity: r.severity,
                            message: format!("{} (could not be checked: {message})", r.message),
                            line,
                        })
                    }
                    Err(e) => {
                        let (what, line, message) =
                            failed(format!("rule {}", r.id), r.cond, r.line, e);
                        return err(Some(what), line, message);
                    }
                }
            }
        }
        Outcome::Mapped { record, findings }
    }
}

static NO_DOCUMENT: Doc = Doc::new();

impl Plan {
    /// The line and message of failure `e` inside the expression `root` of a statement on
    /// `line` (a field, a skip, a rule). Outside a let: the failing node's line (a later line
    /// of a statement written over several), never before the statement's. Inside one: the
    /// statement's line, and the message names the let and its own line, since the let is
    /// where the analyst has to look and the statement is what it failed for. The values it
    /// quotes are masked when it computes from an identity, or when `identity` (the field
    /// written holds one).
    #[cold]
    pub(super) fn located(
        &self,
        prog: &Program,
        root: NodeId,
        line: u32,
        e: Fail,
        identity: bool,
    ) -> (u32, String) {
        let inside = super::place::let_of(self, root, &e).and_then(|l| self.lets.get(l));
        let message = prog.shown(self, e.node, e.message, identity);
        match inside {
            Some(l) => (
                line,
                format!(
                    "let {} ({}:{}): {message}",
                    l.name, self.source_name, l.line
                ),
            ),
            None => (self.line_of(e.node).max(line), message),
        }
    }
}

impl Plan {
    /// Evaluates a node that reads neither the document nor parameters nor element variables
    /// (the compiler's constant folding). Errors are returned as text.
    pub fn eval_constant(&self, id: NodeId) -> Result<Value<'static>, String> {
        let (prog, code) = Program::single(self, id);
        let params = vec![Value::Missing; self.params.len()];
        let mut f = Env::new(self, &prog, &NO_DOCUMENT, None, &params, false);
        code(&mut f).map_err(|e| e.message)
    }
}

/// The document's `id` as text.
pub(crate) fn document_id(doc: &Doc) -> Option<String> {
    let id = doc.as_object()?.get(&"id")?;
    match json::node(id) {
        json::Node::String(s) => Some(s.to_string()),
        json::Node::Number(n) => json::number_text(n).map(|t| t.into_owned()),
        _ => None,
    }
}

/// How messages and traces name a produced segment: `base`, or `j1[0]` for the first of a
/// repeated kind. Written out only when a message or a trace needs it, not per document.
#[derive(Clone, Copy)]
struct SegmentLabel(SegmentKind, Option<usize>);

impl std::fmt::Display for SegmentLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            None => f.write_str(self.0.name()),
            Some(n) => write!(f, "{}[{n}]", self.0),
        }
    }
}

/// A failure in a field: the field (`base.surname`), the line and the message.
type Failed = (String, u32, String);

/// The failure `e` of field write `w` of the segment `label`. A message about an SSN or a
/// date of birth may quote the value it could not read: an identity field's, or one computed
/// from an identity whatever field it was for.
#[cold]
fn field_failed(
    plan: &Plan,
    prog: &Program,
    label: SegmentLabel,
    w: &FieldWrite,
    e: Fail,
) -> Failed {
    let identity = crate::identity::is_identity(w.field.key);
    let (line, message) = plan.located(prog, w.expr, w.line, e, identity);
    (format!("{label}.{}", w.field.key), line, message)
}

/// The failure of writing `v`, the value of field write `w` of the segment `label`, with the
/// writer's message `m`. Not inside a let, even when the field is one: the value was read, and
/// writing it is what failed.
#[cold]
fn write_failed(
    plan: &Plan,
    prog: &Program,
    label: SegmentLabel,
    w: &FieldWrite,
    v: &Value<'_>,
    m: String,
) -> Failed {
    let m = match (v, plan.text_of(w.expr)) {
        // Named as written, as a built-in's missing argument is.
        (Value::Missing, text) if !text.is_empty() => super::calls::is_missing(plan, w.expr, ""),
        _ => m,
    };
    let message = prog.shown(plan, w.expr, m, crate::identity::is_identity(w.field.key));
    (format!("{label}.{}", w.field.key), w.line, message)
}

/// Writes one segment: its template, then each computed field at its offset. A field that
/// fails is added to `failures` and the other fields are still written (to find what else
/// fails); the segment is given only when none failed.
fn segment(
    env: &mut Env<'_, '_>,
    sp: &SegmentPlan,
    code: &super::program::SegmentCode,
    label: SegmentLabel,
    mut traces: Option<&mut Vec<FieldTrace>>,
    failures: &mut Vec<Failed>,
) -> Option<Segment> {
    let before = failures.len();
    let mut seg = Segment::from_bytes(sp.kind, sp.template.clone())
        .unwrap_or_else(|| Segment::blank(sp.kind));
    let writes = sp.writes.iter().zip(&code.writes).zip(&code.typed);
    for ((w, code), typed) in writes {
        // The typed writer first (not in explain mode, whose traces the general path
        // records); when it does not apply, the general path writes the field.
        if env.trace.is_none() {
            if let Some(typed) = typed {
                if typed(env, &mut seg.as_bytes_mut()[w.field.range()]) {
                    continue;
                }
            }
        }
        if let Some(t) = env.trace.as_mut() {
            t.clear();
        }
        let (plan, prog) = (env.plan, env.prog);
        let v = match code(env) {
            Ok(v) => v,
            Err(e) => {
                failures.push(field_failed(plan, prog, label, w, *e));
                traces = None;
                continue;
            }
        };
        if let Err(m) = write_field(w.field, &v, &mut seg.as_bytes_mut()[w.field.range()]) {
            failures.push(write_failed(plan, prog, label, w, &v, m));
            traces = None;
            continue;
        }
        if let Some(t) = traces.as_deref_mut() {
            t.push(FieldTrace {
                segment: label.to_string(),
                key: w.field.key,
                text: String::from_utf8_lossy(seg.raw(w.field)).into_owned(),
                line: w.line,
                source: w.source.clone(),
                branches: {
                    let mut seen = std::collections::HashSet::new();
                    let mut b = env.trace.as_mut().map(std::mem::take).unwrap_or_default();
                    b.retain(|n| seen.insert(n.clone()));
                    b
                },
                constant: false,
            });
        }
    }
    if let Some(t) = traces {
        for c in &sp.constants {
            t.push(FieldTrace {
                segment: label.to_string(),
                key: c.field.key,
                text: String::from_utf8_lossy(seg.raw(c.field)).into_owned(),
                line: c.line,
                source: c.source.clone(),
                branches: Vec::new(),
                constant: true,
            });
        }
        let n = t.len();
        let start = n - sp.writes.len() - sp.constants.len();
        t[start..].sort_by_key(|ft| sp.kind.layout().field(ft.key).map(|f| f.index).unwrap_or(0));
    }
    (failures.len() == before).then_some(seg)
}

/// A produced field's bytes as a value, for rules: text trimmed (none when blank), numbers as
/// ints, dates as dates (none when zeros).
pub(super) fn decode_field(field: &Field, raw: &[u8]) -> Value<'static> {
    // A field's bytes are nearly always ASCII: checked in one pass, where the lossy reading
    // walks them in chunks (about 400 instructions a record over the preset's rules).
    let text = match std::str::from_utf8(raw) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    };
    match field.ty {
        FieldType::Alphanumeric => {
            let t = text.trim();
            if t.is_empty() {
                Value::Null
            } else {
                Value::text(t)
            }
        }
        FieldType::Numeric => text
            .parse::<i64>()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::text(text.as_ref())),
        FieldType::Date => match parse_date(raw) {
            Ok(Some(d)) => Value::Date(d),
            Ok(None) => Value::Null,
            Err(_) => Value::text(text.as_ref()),
        },
        FieldType::Timestamp => match parse_timestamp(raw) {
            Ok(Some(t)) => Value::Date(t.date()),
            Ok(None) => Value::Null,
            Err(_) => Value::text(text.as_ref()),
        },
    }
}

/// Writes a value into a field's bytes, as the layout says. A missing value is an error (the
/// mapping gave no default); none writes the field's empty fill.
pub(crate) fn write_field(field: &Field, v: &Value<'_>, out: &mut [u8]) -> Result<(), String> {
    let date_field = matches!(field.ty, FieldType::Date | FieldType::Timestamp);
    let fv = match v {
        Value::Missing => {
            return Err("the value is missing from the document (give a default with `??`)".into())
        }
        Value::Null => FieldValue::Empty,
        Value::Json(j) if j.is_null() => FieldValue::Empty,
        Value::Text(_) | Value::Json(_) if date_field && v.as_text().is_ok() => {
            match v.as_date().map_err(|e| e.0)? {
                Some(d) => FieldValue::Date(d),
                None => FieldValue::Empty,
            }
        }
        Value::Text(s) => FieldValue::Text(s),
        Value::Json(j) if j.is_str() => FieldValue::Text(j.as_str().unwrap_or_default()),
        Value::Int(n) => FieldValue::Int(*n),
        Value::Decimal(_) => FieldValue::Int(v.as_int().map_err(|e| e.0)?),
        Value::Json(j) if j.is_number() => FieldValue::Int(v.as_int().map_err(|e| e.0)?),
        Value::Date(d) => FieldValue::Date(*d),
        other => {
            return Err(format!(
                "{} cannot be written into a field",
                match other {
                    Value::Json(j) => format!("a JSON {}", crate::value::json_kind(j)),
                    o => format!("a {}", o.kind()),
                }
            ))
        }
    };
    encode(field, &fv, out).map_err(|e| e.to_string())
}
