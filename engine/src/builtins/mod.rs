//! The built-in functions of the mapping language, each with a typed signature the checker
//! reads and an implementation the plan calls.
//!
//! # Adding a built-in
//! One new file and one registry line:
//! 1. Create `engine/src/builtins/<name>.rs` (timeline built-ins `timeline_*.rs`, clean-up
//!    built-ins `clean_*.rs`) with `use super::prelude::*;` and a `pub fn builtin() -> Builtin`
//!    that declares the name, the parameters ([`param`], [`optional`], [`per_element`]), the return
//!    [`Type`], a one-line doc and examples, and points `eval` at a plain function
//!    `fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError>`, with `fold: None`
//!    (a built-in that reads its list's elements or per-element results in order gives a
//!    [`Fold`]).
//! 2. Add `mod <name>;` below and `<name>::builtin,` to [`ALL`].
//!
//! The plan guarantees before `eval` runs: the argument count matches (omitted optional
//! parameters are simply absent from `args`); a `Missing` argument to a non-optional
//! parameter is an error record ("missing value"), and a null one makes the call's result
//! null without calling `eval` (SQL-style propagation; a built-in that wants to see nulls
//! declares the parameter [`optional`] or of type [`Type::Any`]). Arguments of JSON nodes
//! arrive as `Value::Json`: read them with `Value::as_text`, `as_int`, `as_decimal`,
//! `as_date`, `as_list`, which accept LoanPro's shapes (string money, `/Date(N)/`,
//! `{"results":[...]}`).
//!
//! Opaque engine objects (a delinquency timeline) travel as `Value::Opaque` under a type
//! name; the checker knows them as `Type::Opaque("timeline")`. A property written
//! `t.dpd` on a value of opaque type `timeline` calls the built-in registered as
//! `timeline.dpd` with `t` as its only argument, and `t.dpd_at(d)` calls `timeline.dpd_at`
//! with `(t, d)`: register such accessors under the dotted name.
//!
//! Examples are `(expression, result)` pairs in the language's own syntax; the `m2map` crate's
//! tests compile and evaluate every one of them, so they double as tests.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use crate::value::{Value, ValueError};

mod add_days;
mod add_months;
mod after_last;
pub(crate) use after_last::after_last_of;
mod all;
mod alnum;
mod any;
mod clean_account_number;
mod clean_address;
mod clean_consumer_address;
mod clean_country;
mod clean_ecoa;
mod clean_generation;
mod clean_given_name;
mod clean_loanpro_date;
mod clean_loanpro_money;
mod clean_phone;
mod clean_read;
mod clean_ssn;
mod clean_state;
mod clean_status_row;
mod clean_surname;
mod clean_zip;
mod concat;
mod contains;
mod count;
mod date;
mod days_between;
mod digits;
mod dollars;
pub(crate) use dollars::dollars_of;
mod ends_with;
mod first;
mod int;
mod last;
mod len;
mod lower;
mod max;
mod min;
mod money;
mod payment_fields;
mod payment_template;
pub mod payments_text;
pub(crate) use money::money_of;
mod month_end;
mod month_start;
mod round_half_up;
mod starts_with;
mod sum;
pub(crate) use sum::add_to_sum;
mod text;
mod timeline_amount_past_due;
mod timeline_apd_at;
mod timeline_bucket_at;
mod timeline_delinquency;
mod timeline_dofd_led_to;
mod timeline_dofd_open;
mod timeline_dofd_paid;
mod timeline_dpd_at;
mod timeline_history;
mod timeline_history_profile;
mod timeline_history_valid;
mod timeline_last_payment;
mod timeline_monthly_payment;
mod timeline_of;
mod timeline_opened;
mod timeline_paid_between;
mod timeline_rating;
mod timeline_run_start;
mod timeline_terms_duration;
mod trim;
mod upper;
pub(crate) use upper::upper_into;

/// Every built-in, as the constructor its file exports. Keep it sorted by file name.
pub const ALL: &[fn() -> Builtin] = &[
    add_days::builtin,
    add_months::builtin,
    after_last::builtin,
    all::builtin,
    alnum::builtin,
    any::builtin,
    clean_account_number::builtin,
    clean_address::builtin,
    clean_consumer_address::builtin,
    clean_country::builtin,
    clean_ecoa::builtin,
    clean_generation::builtin,
    clean_given_name::builtin,
    clean_loanpro_date::builtin,
    clean_loanpro_money::builtin,
    clean_phone::builtin,
    clean_ssn::builtin,
    clean_state::builtin,
    clean_status_row::builtin,
    clean_surname::builtin,
    clean_zip::builtin,
    concat::builtin,
    contains::builtin,
    count::builtin,
    date::builtin,
    days_between::builtin,
    digits::builtin,
    dollars::builtin,
    ends_with::builtin,
    first::builtin,
    int::builtin,
    last::builtin,
    len::builtin,
    lower::builtin,
    max::builtin,
    min::builtin,
    money::builtin,
    month_end::builtin,
    month_start::builtin,
    round_half_up::builtin,
    starts_with::builtin,
    sum::builtin,
    text::builtin,
    timeline_amount_past_due::builtin,
    timeline_apd_at::builtin,
    timeline_bucket_at::builtin,
    timeline_delinquency::builtin,
    timeline_dofd_led_to::builtin,
    timeline_dofd_open::builtin,
    timeline_dofd_paid::builtin,
    timeline_dpd_at::builtin,
    timeline_history::builtin,
    timeline_history_profile::builtin,
    timeline_history_valid::builtin,
    timeline_last_payment::builtin,
    timeline_monthly_payment::builtin,
    timeline_of::builtin,
    timeline_opened::builtin,
    timeline_paid_between::builtin,
    timeline_rating::builtin,
    timeline_run_start::builtin,
    timeline_terms_duration::builtin,
    trim::builtin,
    upper::builtin,
];

/// What a built-in file needs.
pub mod prelude {
    pub use super::{optional, param, per_element, Builtin, Example, Fold, Param, Type};
    pub use crate::value::{Opaque, Value, ValueError};
    pub use chrono::{Datelike, NaiveDate};
    pub use rust_decimal::Decimal;
    pub use std::sync::Arc;
}

/// The static types the checker works with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// Anything (checked at run time).
    Any,
    /// The type of `none`.
    None,
    /// Text.
    Text,
    /// A whole number.
    Int,
    /// An exact decimal.
    Decimal,
    /// An amount of money: an exact decimal that a built-in turns into whole dollars.
    Money,
    /// A calendar date.
    Date,
    /// Yes/no.
    Bool,
    /// A node of the input document, whose shape is known only at run time.
    Json,
    /// A list of elements of a type.
    List(Box<Type>),
    /// An engine object (`timeline`).
    Opaque(&'static str),
    /// A value that may be none.
    Optional(Box<Type>),
    /// In a signature only: the element type of the first argument's list.
    Elem,
}

impl Type {
    /// Parses a type as written in `param NAME: TYPE` (`text`, `date`, `list<int>`, `int?`).
    pub fn parse(s: &str) -> Option<Type> {
        let s = s.trim();
        if let Some(inner) = s.strip_suffix('?') {
            return Type::parse(inner).map(|t| Type::Optional(Box::new(t)));
        }
        if let Some(inner) = s.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
            return Type::parse(inner).map(|t| Type::List(Box::new(t)));
        }
        Some(match s {
            "any" => Type::Any,
            "text" => Type::Text,
            "int" => Type::Int,
            "decimal" => Type::Decimal,
            "money" => Type::Money,
            "date" => Type::Date,
            "bool" => Type::Bool,
            "json" => Type::Json,
            other => {
                return opaque_types()
                    .iter()
                    .find(|t| **t == other)
                    .map(|t| Type::Opaque(t));
            }
        })
    }

    /// The names `Type::parse` accepts without `list<>` or `?` (for "did you mean").
    pub fn names() -> Vec<&'static str> {
        let mut v = vec![
            "any", "text", "int", "decimal", "money", "date", "bool", "json",
        ];
        v.extend(opaque_types());
        v
    }

    /// The type without its optional wrapper.
    pub fn base(&self) -> &Type {
        match self {
            Type::Optional(t) => t.base(),
            t => t,
        }
    }

    /// Whether a value of type `arg` may be passed where `self` is expected. JSON nodes and
    /// `any` pass everywhere (they are read at run time, and a wrong shape is an error record
    /// that names the document); ints widen to decimals; none passes only where optional.
    pub fn accepts(&self, arg: &Type) -> bool {
        use Type::*;
        match (self, arg) {
            (Any, _) | (_, Any) | (_, Elem) | (Elem, _) => true,
            (Optional(_), None) => true,
            (Optional(t), Optional(a)) => t.accepts(a),
            (Optional(t), a) => t.accepts(a),
            (t, Optional(a)) => t.accepts(a),
            (Opaque(a), Opaque(b)) => a == b,
            (Opaque(_), _) => false,
            (_, Json) => true,
            (Text, Text) | (Int, Int) | (Bool, Bool) | (Date, Date) => true,
            (Date, Text) => true,
            (Decimal | Money, Int | Decimal | Money) => true,
            // Money arrives as text from LoanPro ("386.66"); it is parsed exactly at run time.
            (Money, Text) => true,
            // A list built by the program goes where a JSON list is read.
            (Json, List(_)) => true,
            (List(t), List(a)) => t.accepts(a),
            _ => false,
        }
    }

    /// Whether the type is numeric (int, decimal, money).
    pub fn is_numeric(&self) -> bool {
        matches!(self.base(), Type::Int | Type::Decimal | Type::Money)
    }

    /// The element type of a list type (`json` for JSON lists, `any` otherwise).
    pub fn element(&self) -> Type {
        match self.base() {
            Type::List(t) => (**t).clone(),
            Type::Json => Type::Json,
            _ => Type::Any,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::None => f.write_str("none"),
            Type::Text => f.write_str("text"),
            Type::Int => f.write_str("int"),
            Type::Decimal => f.write_str("decimal"),
            Type::Money => f.write_str("money"),
            Type::Date => f.write_str("date"),
            Type::Bool => f.write_str("bool"),
            Type::Json => f.write_str("json"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Opaque(n) => f.write_str(n),
            Type::Optional(t) => write!(f, "{t}?"),
            Type::Elem => f.write_str("T"),
        }
    }
}

/// The opaque type names the registry's signatures mention (`timeline`), so `param` lines and
/// messages can name them.
pub fn opaque_types() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for b in registry().all() {
        for t in b
            .params
            .iter()
            .map(|p| &p.ty)
            .chain(std::iter::once(&b.ret))
        {
            if let Type::Opaque(n) = t.base() {
                if !names.contains(n) {
                    names.push(n);
                }
            }
        }
    }
    names.sort_unstable();
    names
}

/// One parameter of a built-in.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name, for messages and docs.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// May be left out (only trailing parameters).
    pub optional: bool,
    /// Evaluated once per element of the first argument (a list), with the element's fields
    /// as bare names and the element as `it`; the built-in receives the list of results.
    pub per_element: bool,
}

/// A required parameter.
pub fn param(name: &'static str, ty: Type) -> Param {
    Param {
        name,
        ty,
        optional: false,
        per_element: false,
    }
}

/// A parameter that may be left out; it also receives nulls instead of propagating them.
pub fn optional(name: &'static str, ty: Type) -> Param {
    Param {
        name,
        ty,
        optional: true,
        per_element: false,
    }
}

/// A parameter evaluated per element of the first argument (see [`Param::per_element`]); `ty`
/// is the type of one result.
pub fn per_element(name: &'static str, ty: Type, optional: bool) -> Param {
    Param {
        name,
        ty,
        optional,
        per_element: true,
    }
}

/// An example call and its result, both in the language's syntax.
pub type Example = (&'static str, &'static str);

/// The implementation of a built-in.
pub type EvalFn = for<'d> fn(&[Value<'d>]) -> Result<Value<'d>, ValueError>;

/// A built-in function.
#[derive(Clone)]
pub struct Builtin {
    /// The name mapping files call it by.
    pub name: &'static str,
    /// Its parameters, in order.
    pub params: Vec<Param>,
    /// Its result type. [`Type::Elem`] means the element type of the first argument's list.
    pub ret: Type,
    /// One line saying what it does.
    pub doc: &'static str,
    /// Examples: `(call, result)`, checked by the `m2map` tests.
    pub examples: &'static [Example],
    /// The implementation.
    pub eval: EvalFn,
    /// For a built-in that reads its list's elements, or its per-element argument's results,
    /// one by one in order (first, last, count, sum, any, all): how, so the plan can fold a
    /// call over a document's list as it goes instead of building a list of values first.
    /// `eval` must give what folding gives (write it with [`Fold::over`] unless the list's
    /// length or last element is all it needs).
    pub fold: Option<Fold>,
}

/// A fold over per-element results: a start value and a step.
#[derive(Clone, Copy)]
pub struct Fold {
    /// The result for an empty list.
    pub init: fn() -> Value<'static>,
    /// Folds one result into the running value; `Ok(true)` once the answer is decided (the
    /// results after it are not read).
    pub step: for<'d> fn(&mut Value<'d>, &Value<'d>) -> Result<bool, ValueError>,
    /// Whether the fold is `sum`'s: an exact decimal total of the results, absent ones
    /// skipped, each added with `add_to_sum`. The plan then keeps the total as a decimal
    /// and adds `money(...)` results without making values of them (the step stays the rule
    /// for everything else, and `fold_equivalence` checks the two agree).
    pub sum: bool,
}

impl Fold {
    /// Folds a list of results (or of elements, for a built-in without a per-element
    /// argument).
    pub fn over<'d>(&self, results: &Value<'d>) -> Result<Value<'d>, ValueError> {
        let mut acc = (self.init)();
        for v in results.iter_list()? {
            if (self.step)(&mut acc, &v)? {
                break;
            }
        }
        Ok(acc)
    }
}

impl fmt::Debug for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.signature())
    }
}

impl Builtin {
    /// The signature as people read it: `add_months(date: date, months: int) -> date`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                format!(
                    "{}{}: {}{}",
                    if p.per_element { "each " } else { "" },
                    p.name,
                    p.ty,
                    if p.optional { " (optional)" } else { "" }
                )
            })
            .collect();
        format!("{}({}) -> {}", self.name, params.join(", "), self.ret)
    }

    /// The fewest arguments a call needs.
    pub fn min_args(&self) -> usize {
        self.params.iter().filter(|p| !p.optional).count()
    }

    /// Whether the call's result may be computed at compile time when every argument is a
    /// constant (every built-in is pure: the engine has no clock and no I/O).
    pub fn is_pure(&self) -> bool {
        true
    }
}

/// The registry of built-ins, looked up by name.
pub struct Registry {
    by_name: HashMap<&'static str, Builtin>,
    sorted: Vec<&'static str>,
}

impl Registry {
    /// The built-in with this name.
    pub fn get(&self, name: &str) -> Option<&Builtin> {
        self.by_name.get(name)
    }

    /// Every built-in, sorted by name.
    pub fn all(&self) -> impl Iterator<Item = &Builtin> {
        self.sorted.iter().map(|n| &self.by_name[n])
    }

    /// Every name, sorted.
    pub fn names(&self) -> &[&'static str] {
        &self.sorted
    }
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut by_name = HashMap::new();
    for make in ALL {
        let b = make();
        let name = b.name;
        // Two files claiming one name is a build mistake the registry test catches.
        assert!(
            by_name.insert(name, b).is_none(),
            "built-in {name} registered twice"
        );
    }
    let mut sorted: Vec<&'static str> = by_name.keys().copied().collect();
    sorted.sort_unstable();
    Registry { by_name, sorted }
});

/// The registry.
pub fn registry() -> &'static Registry {
    &REGISTRY
}

/// The built-in with this name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    REGISTRY.get(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_is_documented_with_examples() {
        for b in registry().all() {
            assert!(!b.doc.is_empty(), "{} has no doc", b.name);
            assert!(!b.examples.is_empty(), "{} has no example", b.name);
            let mut seen_optional = false;
            for p in &b.params {
                assert!(
                    !seen_optional || p.optional,
                    "{}: a required parameter follows an optional one",
                    b.name
                );
                seen_optional |= p.optional;
            }
        }
    }

    #[test]
    fn types_parse_and_accept() {
        assert_eq!(Type::parse("date"), Some(Type::Date));
        assert_eq!(
            Type::parse("list<int>?"),
            Some(Type::Optional(Box::new(Type::List(Box::new(Type::Int)))))
        );
        assert_eq!(Type::parse("dat"), None);
        assert!(Type::Decimal.accepts(&Type::Int));
        assert!(!Type::Int.accepts(&Type::Decimal));
        assert!(Type::Date.accepts(&Type::Json));
        assert!(!Type::Date.accepts(&Type::None));
        assert!(Type::Optional(Box::new(Type::Date)).accepts(&Type::None));
    }
}
