//! Every built-in's examples, compiled and evaluated by the language itself: the examples in
//! the registry are documentation that cannot go stale.

use metro2_engine::builtins::registry;

#[test]
fn every_example_evaluates_to_its_result() {
    let mut failures = Vec::new();
    let mut count = 0;
    for b in registry().all() {
        for (call, want) in b.examples {
            count += 1;
            let got = m2map::eval_expr(call);
            let expected = m2map::eval_expr(want);
            match (&got, &expected) {
                (Ok(g), Ok(e)) if g == e => {}
                _ => failures.push(format!(
                    "{}: {call} gave {got:?}, expected {want} = {expected:?}",
                    b.name
                )),
            }
        }
    }
    assert!(count > 50, "only {count} examples");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn constant_expressions_fold_exactly() {
    let v = |s: &str| m2map::eval_expr(s).unwrap();
    assert_eq!(v("1 + 2 * 3"), v("7"));
    assert_eq!(v("(1 + 2) * 3"), v("9"));
    assert_eq!(v("0.1 + 0.2"), v("0.3"));
    assert_eq!(v("10 - 4 - 3"), v("3"));
    assert_eq!(v("if 2 > 1 then \"a\" else \"b\""), v("\"a\""));
    assert_eq!(v("none ?? 5"), v("5"));
    assert_eq!(v("\"x\" in [\"a\", \"x\"]"), v("true"));
    // Text sets and text constants compare texts directly; other values keep `==`'s reading.
    assert_eq!(v("\"13 \" in [\"13\", \"61\"]"), v("false"));
    assert_eq!(v("none in [\"13\", \"61\"]"), v("false"));
    assert_eq!(v("\"13\" != \"13\""), v("false"));
    assert_eq!(v("none == \"\""), v("false"));
    assert_eq!(v("not true or false"), v("false"));
    assert_eq!(v("false implies 1 > 2"), v("true"));
    assert_eq!(
        v("match 45 { 0..=29 => \"11\", 30..=59 => \"71\", _ => \"84\" }"),
        v("\"71\"")
    );
    assert_eq!(v("match 60 { 0..60 => \"a\", _ => \"b\" }"), v("\"b\""));
    assert_eq!(v("2026-05-31 - 2026-03-15"), v("77"));
    assert_eq!(v("[1, 2, 3][1]"), v("2"));
    assert_eq!(v("upper(\"ab\").len()"), v("2"));
    assert_eq!(v("count([1, 2, 3] where it > 1)"), v("2"));
}

#[test]
fn distinct_constants_stay_distinct() {
    // Constant lists of the same length, and constant engine objects, must not be merged by
    // the compiler's sharing of identical nodes.
    let v = |s: &str| m2map::eval_expr(s).unwrap();
    assert_eq!(
        v("concat(first([\"a\", \"b\"]), first([\"c\", \"d\"]))"),
        v("\"ac\"")
    );
    assert_eq!(v("sum([1, 2]) + sum([3, 4])"), v("10"));
}
