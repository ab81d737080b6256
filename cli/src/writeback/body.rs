//! The bodies of writeback requests, in the shapes of LoanPro's `PUT/PATCH odata.svc/Loans(id)`
//! (../shared/reference/loanpro/api.md, "Writing to a loan").

use serde_json::{json, Value};

use crate::responses::Outcome;

/// The note category LoanPro's documentation uses in its example. Category ids are per tenant;
/// 27 is what the documented body carries.
pub const NOTE_CATEGORY_ID: i64 = 27;

/// The longest value a LoanPro text custom field holds, in characters.
pub const CUSTOM_FIELD_MAX_CHARS: usize = 255;

/// What is written back about one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    /// The response's id in the store: written into the note so that a person (or a later
    /// reconciliation) can tie the note to the response.
    pub response_id: i64,
    /// Bureau name.
    pub bureau: &'a str,
    /// Consumer account number.
    pub account_number: &'a str,
    /// Period `YYYY-MM`.
    pub period: &'a str,
    /// The outcome.
    pub outcome: Outcome,
    /// The bureau's code.
    pub code: Option<&'a str>,
    /// The bureau's message.
    pub message: Option<&'a str>,
    /// The date of the response, `YYYY-MM-DD`.
    pub date: &'a str,
}

fn bureau_title(name: &str) -> &str {
    match name {
        "equifax" => "Equifax",
        "experian" => "Experian",
        "transunion" => "TransUnion",
        "innovis" => "Innovis",
        other => other,
    }
}

/// The note subject: short enough to scan in LoanPro's note list.
pub fn note_subject(f: &Facts<'_>) -> String {
    format!(
        "Metro 2: {} {} for {}",
        bureau_title(f.bureau),
        f.outcome,
        f.period
    )
}

/// The note body: every fact of the response, and the response id that makes it traceable.
pub fn note_text(f: &Facts<'_>) -> String {
    let mut text = format!(
        "{} reported the {} Metro 2 record of account {} as {} on {}.",
        bureau_title(f.bureau),
        f.period,
        f.account_number,
        f.outcome,
        f.date
    );
    match (f.code, f.message) {
        (Some(c), Some(m)) => text.push_str(&format!(" Code {c}: {m}")),
        (Some(c), None) => text.push_str(&format!(" Code {c}.")),
        (None, Some(m)) => text.push_str(&format!(" {m}")),
        (None, None) => {}
    }
    text.push_str(&format!(" (metro2 response #{})", f.response_id));
    text
}

/// The body that adds the note.
pub fn note_body(f: &Facts<'_>) -> Value {
    json!({
        "Notes": {
            "results": [{
                "subject": note_subject(f),
                "body": note_text(f),
                "categoryId": NOTE_CATEGORY_ID,
                "type": "STANDARD",
            }]
        }
    })
}

/// The custom field value: the latest outcome in one line, cut to 255 characters.
pub fn custom_field_value(f: &Facts<'_>) -> String {
    let mut v = format!("{} {} {} {}", f.period, f.bureau, f.outcome, f.date);
    if let Some(c) = f.code {
        v.push_str(&format!(" {c}"));
    }
    if let Some(m) = f.message {
        v.push_str(&format!(" {m}"));
    }
    v.chars().take(CUSTOM_FIELD_MAX_CHARS).collect()
}

/// The body that sets a custom field on the loan's settings (`settings_id` is
/// `LoanSettings.id`, which LoanPro requires as the nested item's `__id`).
pub fn custom_field_body(loan_id: i64, settings_id: i64, field_id: i64, value: &str) -> Value {
    json!({
        "LoanSettings": {
            "CustomFieldValues": {
                "results": [{ "customFieldId": field_id, "customFieldValue": value }]
            },
            "__id": settings_id,
            "__update": true,
        },
        "__id": loan_id,
        "__update": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            response_id: 17,
            bureau: "equifax",
            account_number: "LN-0001",
            period: "2026-10",
            outcome: Outcome::Rejected,
            code: Some("E101"),
            message: Some("Date of first delinquency missing"),
            date: "2026-11-05",
        }
    }

    #[test]
    fn note_body_has_the_documented_shape() {
        let body = note_body(&facts());
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"Notes":{"results":[{"subject":"Metro 2: Equifax rejected for 2026-10","body":"Equifax reported the 2026-10 Metro 2 record of account LN-0001 as rejected on 2026-11-05. Code E101: Date of first delinquency missing (metro2 response #17)","categoryId":27,"type":"STANDARD"}]}}"#
        );
    }

    #[test]
    fn custom_field_body_has_the_documented_shape() {
        let body = custom_field_body(5, 9, 16, "x");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"LoanSettings":{"CustomFieldValues":{"results":[{"customFieldId":16,"customFieldValue":"x"}]},"__id":9,"__update":true},"__id":5,"__update":true}"#
        );
    }

    #[test]
    fn custom_field_value_is_cut_to_255_characters() {
        let long = "é".repeat(400);
        let mut f = facts();
        f.message = Some(&long);
        let v = custom_field_value(&f);
        assert_eq!(v.chars().count(), 255);
        assert!(v.starts_with("2026-10 equifax rejected 2026-11-05 E101 é"));
        f.code = None;
        f.message = None;
        assert_eq!(
            custom_field_value(&f),
            "2026-10 equifax rejected 2026-11-05"
        );
    }
}
