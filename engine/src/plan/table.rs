//! Table lookups (`table_name[key]`).

use super::env::{Env, Fail, R};
use super::{NodeId, TableDefault};
use crate::value::Value;
use sonic_rs::JsonValueTrait;

/// A table lookup of key `k`.
#[inline(never)]
pub(super) fn lookup<'d>(env: &mut Env<'_, 'd>, id: NodeId, table: usize, k: Value<'d>) -> R<'d> {
    let plan = env.plan;
    let t = &plan.tables[table];
    // JSON strings are looked up in place: no copy per lookup.
    let k = match k {
        Value::Json(j) if j.is_str() => {
            let s = j.as_str().unwrap_or_default();
            if let Some(i) = t.text.get(s) {
                let (v, line) = &t.values[*i as usize];
                env.note(id, || format!("table {}[{s:?}] (line {line})", t.name));
                return match v {
                    Ok(v) => Ok(v.clone()),
                    Err(m) => Err(Fail::at(id, m.replace("{value}", s))),
                };
            }
            Value::text(s)
        }
        other => other.resolve(),
    };
    let found = match &k {
        Value::Text(s) => t.text.get(&**s).copied().or_else(|| {
            s.trim()
                .parse::<i64>()
                .ok()
                .and_then(|n| t.ints.get(&n).copied())
        }),
        Value::Int(n) => t
            .ints
            .get(n)
            .copied()
            .or_else(|| t.text.get(n.to_string().as_str()).copied()),
        Value::Decimal(d) if d.fract().is_zero() => {
            i64::try_from(*d).ok().and_then(|n| t.ints.get(&n).copied())
        }
        Value::Bool(b) => t.text.get(if *b { "true" } else { "false" }).copied(),
        _ => None,
    };
    if let Some(i) = found {
        let (v, line) = &t.values[i as usize];
        env.note(id, || {
            format!("table {}[{}] (line {line})", t.name, k.brief())
        });
        return match v {
            Ok(v) => Ok(v.clone()),
            Err(m) => Err(Fail::at(id, m.replace("{value}", &k.display()))),
        };
    }
    match &t.default {
        TableDefault::Value(v) => {
            env.note(id, || {
                format!(
                    "table {}[{}] → _ (line {})",
                    t.name,
                    k.brief(),
                    t.default_line
                )
            });
            Ok(v.clone())
        }
        TableDefault::Error(m) => Err(Fail::at(id, m.replace("{value}", &k.display()))),
        TableDefault::None => Err(Fail::at(
            id,
            format!(
                "the table `{}` has no entry for {} and no `_` arm",
                t.name,
                k.display()
            ),
        )),
    }
}
