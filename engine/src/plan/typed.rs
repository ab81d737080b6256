//! Typed field writers: the common case of a field's expression, compiled for the types its
//! nodes have and written straight into the segment.
//!
//! The general closures (`code.rs`) pass every intermediate result as a dynamically typed
//! [`Value`] and look at its kind again at each step; a scratch prototype of the mapping bench
//! built from closures that pass typed results (a node of the document, a borrowed text, a
//! decimal, a whole number) ran within 1.1× of the hand-written mapping, where the general
//! closures run at about 2.2×. A writer here is that: closures that return a typed result
//! or `None` when the document is not in the shape they read (a key absent where it
//! matters, a null, a number where text is expected, anything that would be an error). A
//! writer that gets `None` writes nothing and the field takes the general path, which
//! evaluates it from the start (evaluation is pure, and a slot a writer fills holds exactly
//! the value the general path would put there), so a field's bytes and failures are the
//! general path's by construction wherever the writer does not apply. Where it does apply it
//! calls the same conversions the built-ins call (`Value::as_decimal`, `money_of`,
//! `dollars_of`, `upper_into`, ...), and `cli/tests/typed_equivalence.rs` compares the two
//! paths (explain mode always takes the general one) over the fixtures and generated loans.
//!
//! Shapes: document paths (`.key`, cached slots, `first`/`last` of a list, `first(list where
//! it.key == constant)`, `??` between nodes, or with a constant default); text (`after_last`, and `upper`, `alnum`,
//! `digits` written through a scratch buffer); `money`, `dollars`, `int`, `date`; `sum(list
//! where it.key == constant, money(it.key))`; a table indexed by a text; a `match` of a
//! whole number with constant arms; a parameter; an `if` (its condition through the general
//! test, each branch typed where it can be, a constant branch's bytes worked out once).

use std::borrow::Cow;

use rust_decimal::Decimal;
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

use super::calls::{is_scalar, same_scalar};
use super::code::Compiler;
use super::env::Env;
use super::eval::write_field;
use super::ops::{matches_pattern, node_equals};
use super::scan::{grouped, Base};
use super::{BinOp, Node, NodeId, TableDefault};
use crate::builtins::{add_to_sum, after_last_of, dollars_of, upper_into, Type};
use crate::clean::codes::{self, alnum_into, digits_into};
use crate::clean::text::{clean_text_into, TextKind};
use crate::field::{encode, FieldValue};
use crate::json::{self, Doc};
use crate::layout::{Field, FieldType};
use crate::scratch::with_scratch;
use crate::value::{
    date_of_node, decimal_of_node, int_of_node, int_of_text, json_list, Value, ValueError,
};

/// A node of the document: `Some(Some(node))`, `Some(None)` when the path is absent, `None`
/// when the typed reading does not apply.
type Json = Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Option<Option<&'d Doc>> + Send + Sync>;
/// A text borrowed from the document: `Some(Some(text))`, or `Some(None)` when the
/// expression's constant default applies (`x ?? "..."`, given beside the closure).
type Text = Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Option<Option<&'d str>> + Send + Sync>;
/// A value of a plain type (an exact decimal, a whole number).
type Typed<T> = Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Option<T> + Send + Sync>;
/// An exact decimal.
type Dec = Typed<Decimal>;
/// A whole number.
type Int = Typed<i64>;
/// How a typed path reads a decoded node as a `T` (`decimal_of_node`, `int_of_node`): `None`
/// for a kind that is not read so.
type ReadNode<T> = fn(&json::Node<'_>) -> Option<Result<T, ValueError>>;
/// A value computed the typed way, or `None` where the general closure must compute it.
pub(super) type TypedValue =
    Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Option<Value<'d>> + Send + Sync>;
/// Writes a field's bytes; `false` when it did not (the field takes the general path).
pub(super) type Writer = Box<dyn for<'e, 'd> Fn(&mut Env<'e, 'd>, &mut [u8]) -> bool + Send + Sync>;

fn json<F>(f: F) -> Json
where
    F: for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Option<Option<&'d Doc>> + Send + Sync + 'static,
{
    Box::new(f)
}

fn text<F>(f: F) -> Text
where
    F: for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Option<Option<&'d str>> + Send + Sync + 'static,
{
    Box::new(f)
}

fn typed<T, F>(f: F) -> Typed<T>
where
    F: for<'e, 'd> Fn(&mut Env<'e, 'd>) -> Option<T> + Send + Sync + 'static,
{
    Box::new(f)
}

fn writer<F>(f: F) -> Writer
where
    F: for<'e, 'd> Fn(&mut Env<'e, 'd>, &mut [u8]) -> bool + Send + Sync + 'static,
{
    Box::new(f)
}

/// Encodes into `out` the text `build` writes, built in the thread's scratch buffer.
fn encode_built(field: &Field, out: &mut [u8], build: impl FnOnce(&mut String)) -> bool {
    with_scratch(|buf| {
        build(buf);
        encode(field, &FieldValue::Text(buf), out).is_ok()
    })
}

/// A node's kind, asking for a string first: every sonic-rs accessor decodes the node in full,
/// and the values a typed path converts are mostly LoanPro's strings (one decode instead of
/// two). Not in `json::node` itself: the preset's general path reads more numbers and lost 3%.
fn text_first(x: &Doc) -> json::Node<'_> {
    match x.as_str() {
        Some(s) => json::Node::String(s),
        None => json::node(x),
    }
}

/// The text a [`Text`] closure gave, or the expression's constant default where that applies;
/// `None` when the typed reading does not apply.
#[inline(always)]
fn or_default<'a>(text: Option<Option<&'a str>>, default: &'a Option<Box<str>>) -> Option<&'a str> {
    match text? {
        Some(s) => Some(s),
        None => Some(default.as_deref().unwrap_or_default()),
    }
}

/// `money(x)` of a document node that is not null, as the built-in reads it (`money_of`); `None` for null
/// (the general path's `money(none)`) or where that is an error.
fn money_of_node(x: &Doc) -> Option<Decimal> {
    let d = decimal_of_node(&text_first(x))?.ok()?;
    Some(d.trunc_with_scale(2))
}

/// The object a key is read of: straight from its slot when it is a cached object already
/// read (most reads), else through its closure.
#[inline(always)]
fn object_of<'d>(
    env: &mut Env<'_, 'd>,
    cached: Option<usize>,
    compute: &Json,
) -> Option<Option<&'d Doc>> {
    match cached.map(|s| &env.slots[s]) {
        Some(Some(Value::Json(x))) => Some(Some(*x)),
        Some(Some(Value::Missing)) => Some(None),
        _ => compute(env),
    }
}

/// `.key` of node `x`, as `Value::get` reads it; `None` where that is an error.
fn key_of<'d>(x: &'d Doc, key: &str) -> Option<Option<&'d Doc>> {
    match x.get(key) {
        Some(v) => Some(Some(v)),
        None => match json::node(x) {
            json::Node::Object(o) if !o.contains_key(&"__deferred") => Some(None),
            json::Node::Null => Some(None),
            _ => None,
        },
    }
}

/// The constant `c` when node `id` is `it.key == c` for element variable `var`.
fn key_equals(c: &Compiler<'_>, id: NodeId, var: u32) -> Option<(Box<str>, Value<'static>)> {
    let Node::Binary(BinOp::Eq, a, b) = c.node(id) else {
        return None;
    };
    let (Node::Get { base, key }, Node::Const(k)) = (c.node(*a), c.node(*b)) else {
        return None;
    };
    matches!(c.node(*base), Node::Local(v) if *v == var).then(|| (key.clone(), k.clone()))
}

/// The builtin called by node `id` with its arguments, when it is a call.
fn call<'p>(c: &Compiler<'p>, id: NodeId) -> Option<(&'static str, &'p [NodeId])> {
    match c.node(id) {
        Node::Call { builtin, args, .. } => Some((builtin.name, args.as_slice())),
        _ => None,
    }
}

/// A value as a typed path reads a node: the node, `Some(None)` when missing, `None` (the
/// general path's case) for any other value.
#[inline]
fn node_of<'d>(v: &Value<'d>) -> Option<Option<&'d Doc>> {
    match v {
        Value::Json(x) => Some(Some(*x)),
        Value::Missing => Some(None),
        _ => None,
    }
}

/// A clean-up built-in of derivations.md §1 and §8 on one text, as its built-in applies it:
/// a field's typed writer and a let's typed value both clean through it.
#[derive(Clone, Copy)]
enum Cleanup {
    /// `surname`, `given_name` or `address`, cut to a width.
    Text(TextKind, usize),
    /// `state`, `zip`, `generation` or `country`.
    Code(fn(&str) -> Cow<'static, str>),
}

impl Cleanup {
    /// The clean-up the call `name(args)` makes, and the node of its text; `None` for another
    /// call, or a width that is not a positive whole-number constant (`width_arg`'s reading).
    fn of(c: &Compiler<'_>, name: &str, args: &[NodeId]) -> Option<(Cleanup, NodeId)> {
        Some(match (name, args) {
            ("surname" | "given_name" | "address", [a, w]) => {
                let Node::Const(Value::Int(w)) = c.node(*w) else {
                    return None;
                };
                let width = usize::try_from(*w).ok().filter(|w| *w > 0)?;
                let kind = match name {
                    "surname" => TextKind::Surname,
                    "given_name" => TextKind::GivenName,
                    _ => TextKind::Address,
                };
                (Cleanup::Text(kind, width), *a)
            }
            ("state" | "zip" | "generation" | "country", [a]) => {
                let code: fn(&str) -> Cow<'static, str> = match name {
                    "state" => |s| Cow::Owned(codes::state(s)),
                    "zip" => |s| Cow::Owned(codes::zip(s)),
                    "generation" => |s| Cow::Borrowed(codes::generation_code(s)),
                    _ => |s| Cow::Borrowed(codes::country(s)),
                };
                (Cleanup::Code(code), *a)
            }
            _ => return None,
        })
    }

    /// `s` cleaned, appended to `buf`.
    fn write(self, s: &str, buf: &mut String) {
        match self {
            Cleanup::Text(kind, width) => clean_text_into(s, kind, width, buf),
            Cleanup::Code(code) => buf.push_str(&code(s)),
        }
    }
}

impl Compiler<'_> {
    /// The typed writer of a field, when its expression has a shape this file reads.
    pub(super) fn writer(&mut self, field: &'static Field, id: NodeId) -> Option<Writer> {
        let date_field = matches!(field.ty, FieldType::Date | FieldType::Timestamp);
        match self.node(id) {
            Node::Param(i) => {
                let i = *i as usize;
                return Some(writer(move |env, out| {
                    write_field(field, &env.params[i], out).is_ok()
                }));
            }
            Node::Table { table, key } => {
                let (table, key) = (*table as usize, *key);
                let (k, default) = self.text(key)?;
                return Some(writer(move |env, out| {
                    let Some(s) = or_default(k(env), &default) else {
                        return false;
                    };
                    let t = &env.plan.tables[table];
                    let v = match t.text.get(s) {
                        Some(i) => match &t.values[*i as usize].0 {
                            Ok(v) => v,
                            Err(_) => return false,
                        },
                        None => match &t.default {
                            TableDefault::Value(v) if t.ints.is_empty() => v,
                            _ => return false,
                        },
                    };
                    write_field(field, v, out).is_ok()
                }));
            }
            Node::Match { scrutinee, arms } => {
                let mut constant_arms = Vec::new();
                for arm in arms {
                    let Node::Const(v) = self.node(arm.value) else {
                        return None;
                    };
                    constant_arms.push((arm.patterns.clone(), v.clone()));
                }
                let n = self.int(*scrutinee)?;
                return Some(writer(move |env, out| {
                    let Some(n) = n(env) else { return false };
                    let v = Value::Int(n);
                    for (patterns, value) in &constant_arms {
                        for p in patterns {
                            match matches_pattern(&v, p) {
                                Ok(true) => return write_field(field, value, out).is_ok(),
                                Ok(false) => {}
                                Err(_) => return false,
                            }
                        }
                    }
                    false
                }));
            }
            Node::If(c, t, e) => {
                let (c, t, e) = (*c, *t, *e);
                let test = self.test(c);
                let (then, other) = (self.branch(field, t), self.branch(field, e));
                // A condition that fails leaves the field to the general path, which fails
                // the same way and words it.
                return Some(writer(move |env, out| match test(env) {
                    Ok(true) => then(env, out),
                    Ok(false) => other(env, out),
                    Err(_) => false,
                }));
            }
            _ => {}
        }
        // Texts are never written typed into a date field (the general path reads a text
        // there as a date).
        if !date_field {
            if let Some(w) = self.text_writer(field, id) {
                return Some(w);
            }
            if let Some(w) = self.profile_writer(field, id) {
                return Some(w);
            }
        }
        if let Some(("date", [a])) = call(self, id) {
            let j = self.json(*a)?;
            return Some(writer(move |env, out| {
                let Some(Some(x)) = j(env) else { return false };
                let node = text_first(x);
                if matches!(node, json::Node::Null) {
                    return false;
                }
                match date_of_node(&node) {
                    Some(Ok(Some(d))) => write_field(field, &Value::Date(d), out).is_ok(),
                    Some(Ok(None)) => write_field(field, &Value::Null, out).is_ok(),
                    _ => false,
                }
            }));
        }
        if let Some(n) = self.int(id) {
            return Some(writer(move |env, out| match n(env) {
                Some(n) => write_field(field, &Value::Int(n), out).is_ok(),
                None => false,
            }));
        }
        let j = self.json(id)?;
        Some(writer(move |env, out| match j(env) {
            Some(Some(x)) => write_field(field, &Value::Json(x), out).is_ok(),
            _ => false,
        }))
    }

    /// `history_profile(months, char: expr)` over a list the program built (what
    /// `t.history(as_of)` gives), written as one character a month straight into the field:
    /// each distinct month (a bucket or none) is given to `expr` once, and no list of the
    /// characters, no text of the profile is made. Where a month's character is anything but
    /// a digit `0`-`9` or one ASCII character, or anything fails, the field takes the general
    /// path, which reads every month the same way (`per_element`, whose results for equal
    /// scalar months are shared too) and words the failure.
    fn profile_writer(&mut self, field: &'static Field, id: NodeId) -> Option<Writer> {
        let Node::Call { builtin, args, var } = self.node(id) else {
            return None;
        };
        let (&[months, each], "history_profile") = (args.as_slice(), builtin.name) else {
            return None;
        };
        let var = *var as usize;
        let (months, each) = (self.code(months), self.code(each));
        Some(writer(move |env, out| {
            let Ok(Value::List(list)) = months(env) else {
                return false;
            };
            let mut chars = [0u8; 64];
            if list.len() > chars.len() {
                return false;
            }
            // The months met and their characters, on the stack: a month is a bucket (0-6) or
            // none, so a handful; any past the room are given to `expr` each time.
            let mut seen: [(Option<&Value<'_>>, u8); 8] = [(None, 0); 8];
            let mut met = 0;
            for (i, month) in list.iter().enumerate() {
                let known = seen[..met]
                    .iter()
                    .find(|(m, _)| m.is_some_and(|m| same_scalar(m, month)));
                chars[i] = match known {
                    Some((_, c)) => *c,
                    None => {
                        env.locals[var] = month.clone();
                        // (The checker gives `char` a text; `history_profile` reads a text
                        // of one character as that character.)
                        let c = match each(env).as_ref().map(Value::as_text) {
                            Ok(Ok(t)) if t.len() == 1 && t.is_ascii() => t.as_bytes()[0],
                            _ => return false,
                        };
                        if is_scalar(month) && met < seen.len() {
                            seen[met] = (Some(month), c);
                            met += 1;
                        }
                        c
                    }
                };
            }
            let text = std::str::from_utf8(&chars[..list.len()]).expect("ASCII characters");
            encode(field, &FieldValue::Text(text), out).is_ok()
        }))
    }

    /// A branch of an `if` written into `field`: a constant's bytes worked out once (the
    /// general path writes the same value through the same encoder every time), the typed
    /// writer of a branch that has one, else the branch's general closure, its value written as
    /// the general path writes it.
    fn branch(&mut self, field: &'static Field, id: NodeId) -> Writer {
        if let Node::Const(v) = self.node(id) {
            let mut bytes = vec![b' '; field.len];
            let written = write_field(field, v, &mut bytes).is_ok();
            return writer(move |_, out| {
                if written {
                    out.copy_from_slice(&bytes);
                }
                written
            });
        }
        if let Some(w) = self.writer(field, id) {
            return w;
        }
        let code = self.code(id);
        writer(move |env, out| match code(env) {
            Ok(v) => write_field(field, &v, out).is_ok(),
            Err(_) => false,
        })
    }

    /// The text built-ins on a text of the document, for a field that is not a date:
    /// `upper`, `alnum`, `digits`, `after_last`, and the clean-ups of derivations.md §1 and §8
    /// (names and addresses cut to a constant width, the codes, `int(ssn(...))`,
    /// `int(phone(...))`). Each calls the function its built-in calls, on the same text.
    fn text_writer(&mut self, field: &'static Field, id: NodeId) -> Option<Writer> {
        let (name, args) = call(self, id)?;
        if let Some((cleanup, a)) = Cleanup::of(self, name, args) {
            return self.text_field(a, move |s, out| {
                encode_built(field, out, |buf| cleanup.write(s, buf))
            });
        }
        match (name, args) {
            ("upper" | "alnum" | "account_number" | "digits", [a]) => {
                let build: fn(&str, &mut String) = match name {
                    "upper" => upper_into,
                    // `account_number` is `alnum` (derivations.md §1).
                    "alnum" | "account_number" => alnum_into,
                    _ => digits_into,
                };
                self.text_field(*a, move |s, out| {
                    encode_built(field, out, |buf| build(s, buf))
                })
            }
            ("after_last", _) => self.text_field(id, move |s, out| {
                encode(field, &FieldValue::Text(s), out).is_ok()
            }),
            ("int", [inner]) => {
                let (name, [a]) = call(self, *inner)? else {
                    return None;
                };
                let digits: fn(&str) -> Option<Cow<'_, str>> = match name {
                    "ssn" => |s| codes::ssn(s).map(Cow::Borrowed),
                    "phone" => |s| codes::phone(s).map(Cow::Owned),
                    _ => return None,
                };
                self.text_field(*a, move |s, out| {
                    // The built-in's text read by `int` as the general path reads a text
                    // (without making a value of it); none (not an SSN, not a phone number)
                    // is the field's empty fill.
                    let v = match digits(s).as_deref().map(int_of_text) {
                        Some(Ok(n)) => Value::Int(n),
                        Some(Err(_)) => return false,
                        None => Value::Null,
                    };
                    write_field(field, &v, out).is_ok()
                })
            }
            _ => None,
        }
    }

    /// The value of a clean-up call on a text of the document (`address(home.address1 ?? "",
    /// 32)`, `zip(home.zipcode ?? "")`) where it is not a field's whole expression (a let, an
    /// argument): the text read and cleaned as the field's typed writer does, into the value
    /// the built-in gives for that text. `None` when the call has no such shape; the closure
    /// gives `None` where the text is not there (the general closure then runs).
    pub(super) fn clean_value(&mut self, id: NodeId) -> Option<TypedValue> {
        let (name, args) = call(self, id)?;
        let (cleanup, a) = Cleanup::of(self, name, args)?;
        let (s, default) = self.text(a)?;
        Some(Box::new(move |env| {
            let s = or_default(s(env), &default)?;
            Some(Value::text_with(|buf| cleanup.write(s, buf)))
        }))
    }

    /// A writer of the text `a` reads (a text of the document, or its constant default)
    /// through `write`; the general path writes the field when there is no such text.
    fn text_field(
        &mut self,
        a: NodeId,
        write: impl Fn(&str, &mut [u8]) -> bool + Send + Sync + 'static,
    ) -> Option<Writer> {
        let (s, default) = self.text(a)?;
        Some(writer(move |env, out| match or_default(s(env), &default) {
            Some(s) => write(s, out),
            None => false,
        }))
    }

    /// A node of the document.
    fn json(&mut self, id: NodeId) -> Option<Json> {
        if self.payments.contains(&id) {
            // They may come counted, not as a node.
            return None;
        }
        Some(match self.node(id) {
            Node::Root => json(|env| Some(Some(env.doc))),
            Node::Local(v) => {
                let v = *v as usize;
                json(move |env| match &env.locals[v] {
                    Value::Json(x) => Some(Some(*x)),
                    _ => None,
                })
            }
            Node::Get { base, key } => {
                let object = match self.node(*base) {
                    Node::Root => Some(Base::Root),
                    Node::Cached { slot, .. } => Some(Base::Slot(*slot)),
                    _ => None,
                };
                let group = object.and_then(|b| self.group(b, *base, key));
                let key = key.clone();
                // A cached object already read is taken from its slot without a call.
                let cached = match self.node(*base) {
                    Node::Cached { slot, expr } => Some(self.slot(*slot, *expr)),
                    _ => None,
                };
                let base = self.json(*base)?;
                match group {
                    // Read through the object's scan (`scan.rs`), as the general path does.
                    Some((group, i)) => json(move |env| {
                        let Some(x) = object_of(env, cached, &base)? else {
                            return Some(None);
                        };
                        // The filled slot read in place first: through `grouped`'s
                        // `Result` it cost 1.8% more instructions on the mapping bench.
                        let v = match &env.slots[group.first + i] {
                            Some(v) => v.clone(),
                            None => match grouped(env, &group, i).ok()? {
                                Some(v) => v,
                                None => return key_of(x, &key),
                            },
                        };
                        match v {
                            Value::Json(v) => Some(Some(v)),
                            Value::Missing => Some(None),
                            _ => None,
                        }
                    }),
                    None => json(move |env| match object_of(env, cached, &base)? {
                        Some(x) => key_of(x, &key),
                        None => Some(None),
                    }),
                }
            }
            Node::Cached { slot, expr } => {
                let (slot, expr) = (*slot, *expr);
                let s = self.slot(slot, expr);
                let Some(inner) = self.json(expr) else {
                    // A let no typed path computes (`home = consumer_address(primary)`): its
                    // value from the general closure, once, then read as a node when it is
                    // one. A failure is left to the general path, which fails the same way.
                    return Some(json(move |env| node_of(env.slot(s).ok()?)));
                };
                json(move |env| match &env.slots[s] {
                    Some(v) => node_of(v),
                    None => {
                        let r = inner(env)?;
                        env.slots[s] = Some(r.map_or(Value::Missing, Value::Json));
                        Some(r)
                    }
                })
            }
            Node::Coalesce(a, b) => {
                // A default that is not a node of the document (`x ?? []`) is left to the
                // general path: the typed reading applies when `x` is there.
                let (a, b) = (self.json(*a)?, self.json(*b));
                json(move |env| match a(env)? {
                    Some(x) if !x.is_null() => Some(Some(x)),
                    _ => b.as_ref()?(env),
                })
            }
            Node::Call { args, .. } => match (call(self, id)?, args.as_slice()) {
                (("first" | "last", _), [list]) => {
                    let last = call(self, id)?.0 == "last";
                    if let Node::Where { list, cond, var } = self.node(*list) {
                        let (list, cond, var) = (*list, *cond, *var);
                        if last {
                            return None;
                        }
                        let (key, c) = key_equals(self, cond, var)?;
                        let items = self.json(list)?;
                        return Some(json(move |env| {
                            let mut elements = json_list(items(env)??).ok()?.iter();
                            for e in elements.by_ref() {
                                if node_equals(e.get(&*key)?, &c) {
                                    // The general path filters the whole list before taking
                                    // its first: an element after this one whose key cannot
                                    // be read is its failure.
                                    let rest_read = elements.all(|r| key_of(r, &key).is_some());
                                    return rest_read.then_some(Some(e));
                                }
                            }
                            None
                        }));
                    }
                    let items = self.json(*list)?;
                    json(move |env| {
                        let elements = json_list(items(env)??).ok()?;
                        let e = if last {
                            elements.last()
                        } else {
                            elements.first()
                        };
                        Some(Some(e?))
                    })
                }
                _ => return self.node_call(id),
            },
            _ => return None,
        })
    }

    /// A built-in that takes one node of the document and gives one (`consumer_address(co)`):
    /// its general closure (which keeps the result for the element it was called on, so the
    /// six fields and two filters of J1/J2 that read it compute it once per co-borrower), its
    /// value read as a node, so the fields read of it (`consumer_address(co).city`) get typed
    /// writers. A result that is not a node and a failure are left to the general path, which
    /// gives each its meaning (none, an error).
    fn node_call(&mut self, id: NodeId) -> Option<Json> {
        let Node::Call { builtin, args, .. } = self.node(id) else {
            return None;
        };
        let ([_], [p]) = (args.as_slice(), builtin.params.as_slice()) else {
            return None;
        };
        if builtin.ret != Type::Json || p.ty != Type::Json || p.per_element {
            return None;
        }
        let general = self.code(id);
        Some(json(move |env| node_of(&general(env).ok()?)))
    }

    /// A text of the document, and the constant it defaults to, if any.
    fn text(&mut self, id: NodeId) -> Option<(Text, Option<Box<str>>)> {
        if let Some(("after_last", [a, sep])) = call(self, id) {
            let Node::Const(Value::Text(sep)) = self.node(*sep) else {
                return None;
            };
            let sep = sep.clone();
            let (s, default) = self.text(*a)?;
            let default = default.map(|d| after_last_of(&d, &sep).into());
            return Some((
                text(move |env| Some(s(env)?.map(|s| after_last_of(s, &sep)))),
                default,
            ));
        }
        if let Node::Coalesce(a, b) = self.node(id) {
            if let Node::Const(Value::Text(t)) = self.node(*b) {
                let t: Box<str> = (**t).into();
                let j = self.json(*a)?;
                return Some((
                    text(move |env| match j(env)? {
                        Some(x) if !x.is_null() => Some(Some(x.as_str()?)),
                        _ => Some(None),
                    }),
                    Some(t),
                ));
            }
        }
        let j = self.json(id)?;
        Some((text(move |env| Some(Some(j(env)??.as_str()?))), None))
    }

    /// A node of the document read as a `T` by `read` (as the built-in reads it), or
    /// `x ?? k` with a constant `k` (read by `constant`), which is `k` when `x` is absent or
    /// null.
    fn node_as<T: Copy + Send + Sync + 'static>(
        &mut self,
        id: NodeId,
        read: ReadNode<T>,
        constant: fn(&Value<'static>) -> Result<T, ValueError>,
    ) -> Option<Typed<T>> {
        if let Node::Coalesce(a, b) = self.node(id) {
            if let Node::Const(k) = self.node(*b) {
                let k = constant(k).ok()?;
                let j = self.json(*a)?;
                return Some(typed(move |env| match j(env)?.map(text_first) {
                    None | Some(json::Node::Null) => Some(k),
                    Some(n) => read(&n)?.ok(),
                }));
            }
        }
        let j = self.json(id)?;
        Some(typed(move |env| read(&text_first(j(env)??))?.ok()))
    }

    /// An exact decimal.
    fn dec(&mut self, id: NodeId) -> Option<Dec> {
        match call(self, id) {
            Some(("money", [a])) => {
                let j = self.json(*a)?;
                Some(typed(move |env| money_of_node(j(env)??)))
            }
            Some(("sum", [list, each])) => {
                let Node::Where { list, cond, var } = self.node(*list) else {
                    return None;
                };
                let (list, cond, var) = (*list, *cond, *var);
                let (key, c) = key_equals(self, cond, var)?;
                let Node::Call { var: each_var, .. } = self.node(id) else {
                    return None;
                };
                let each_var = *each_var;
                let Some(("money", [amount])) = call(self, *each) else {
                    return None;
                };
                let Node::Get { base, key: amount } = self.node(*amount) else {
                    return None;
                };
                if !matches!(self.node(*base), Node::Local(v) if *v == each_var) {
                    return None;
                }
                let amount = amount.clone();
                let items = self.json(list)?;
                Some(typed(move |env| {
                    let mut total = Decimal::ZERO;
                    for e in json_list(items(env)??).ok()? {
                        // One pass over the row's keys for both (the first of duplicates).
                        let (mut tested, mut amount_node) = (None, None);
                        for (k, v) in e.as_object()?.iter() {
                            if tested.is_none() && k == &*key {
                                tested = Some(v);
                            }
                            if amount_node.is_none() && k == &*amount {
                                amount_node = Some(v);
                            }
                            if tested.is_some() && amount_node.is_some() {
                                break;
                            }
                        }
                        if !node_equals(tested?, &c) {
                            continue;
                        }
                        let a = amount_node?;
                        if a.is_null() {
                            continue;
                        }
                        total = add_to_sum(total, money_of_node(a)?).ok()?;
                    }
                    Some(total)
                }))
            }
            _ => self.node_as(id, decimal_of_node, Value::as_decimal),
        }
    }

    /// A whole number.
    fn int(&mut self, id: NodeId) -> Option<Int> {
        match call(self, id)? {
            ("dollars", [a]) => {
                let d = self.dec(*a)?;
                Some(typed(move |env| dollars_of(d(env)?).ok()))
            }
            ("int", [a]) => self.node_as(*a, int_of_node, Value::as_int),
            _ => None,
        }
    }
}
