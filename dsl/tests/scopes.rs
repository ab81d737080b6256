//! What a bare name means where: the element's key inside `where` filters and per-element
//! arguments, the document's key in a `for each` segment's body (its element has a name).

use metro2_engine::json;
use metro2_engine::plan::{Outcome, Params};
use serde_json::json;

mod common;

/// A base segment of constants plus a J1 per customer whose fields read bare names.
fn mapping() -> String {
    format!(
        "m2map 1\n{}{}",
        common::base_segment(&[]),
        r#"segment j1 for each co in Customers where loanRole == "secondary" {
  surname = text(LoanSettings.code)
  first_name = text(co.LoanSettings.code ?? "NONE")
  middle_name = text(first(co.Phones where kind == "home").number ?? "NOPHONE")
  ecoa_code = "2"
}
"#
    )
}

#[test]
fn bare_names_in_a_for_each_body_are_the_documents() {
    let plan = m2map::compile(&mapping(), "scopes.m2map")
        .unwrap_or_else(|d| panic!("{}", d.render_plain(100)))
        .plan;
    let doc = json::from_serde(&json!({
        "LoanSettings": {"code": "LOAN"},
        "Customers": [
            {"loanRole": "primary", "LoanSettings": {"code": "PRIMARY"}},
            {"loanRole": "secondary", "LoanSettings": {"code": "COBORROWER"},
             "Phones": [{"kind": "work", "number": "1"}, {"kind": "home", "number": "2"}]}
        ]
    }));
    let Outcome::Mapped { record, .. } = plan.eval(&doc, &Params::new()) else {
        panic!("mapped");
    };
    let j1 = String::from_utf8_lossy(record.j1[0].as_bytes()).into_owned();
    // The loan's LoanSettings, not the co-borrower's key of the same name.
    assert_eq!(j1[3..28].trim_end(), "LOAN");
    // `co.` reads the element; a `where` inside the body reads its own element's keys.
    assert_eq!(j1[28..48].trim_end(), "COBORROWER");
    assert_eq!(j1[48..68].trim_end(), "2");
}
