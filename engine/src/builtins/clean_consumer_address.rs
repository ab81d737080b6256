//! `consumer_address(customer)`.
use super::clean_read::scalar_text;
use super::prelude::*;

/// The built-in.
pub fn builtin() -> Builtin {
    Builtin {
        name: "consumer_address",
        params: vec![param("customer", Type::Json)],
        ret: Type::Json,
        doc: "The address a consumer is reported at (derivations.md §8): the whole MailAddress when its address1 is non-empty after clean-up, else the whole PrimaryAddress (fields are never mixed from the two).",
        // A customer is a document object; without one the result is none.
        examples: &[("consumer_address(none)", "none")],
        eval,
        fold: None,
    }
}

fn eval<'d>(args: &[Value<'d>]) -> Result<Value<'d>, ValueError> {
    let customer = &args[0];
    // Both addresses in one pass over the customer's keys. Should that fail, each is read on
    // its own, so the result and any failure are what reading them in turn gives.
    let (mail, primary) = match customer.get_many(["MailAddress", "PrimaryAddress"]) {
        Ok([mail, primary]) => (mail, Some(primary)),
        Err(_) => (customer.get("MailAddress")?, None),
    };
    let first_line = mail.get("address1")?;
    let line = scalar_text(&first_line)?.unwrap_or_default();
    if !crate::clean::text::address_is_blank(&line) {
        return Ok(mail);
    }
    match primary {
        Some(p) => Ok(p),
        None => customer.get("PrimaryAddress"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_serde;
    use serde_json::json;

    #[test]
    fn mail_address_wins_only_with_a_real_first_line() {
        let c = from_serde(&json!({
            "PrimaryAddress": {"address1": "1 Home St"},
            "MailAddress": {"address1": " #. ", "city": "Elsewhere"}
        }));
        let home = eval(&[Value::Json(&c)]).unwrap();
        assert_eq!(home.get("address1").unwrap().as_text(), Ok("1 Home St"));
        let c = from_serde(
            &json!({"PrimaryAddress": {"address1": "1 Home St"}, "MailAddress": {"address1": "PO Box 4"}}),
        );
        assert_eq!(
            eval(&[Value::Json(&c)])
                .unwrap()
                .get("address1")
                .unwrap()
                .as_text(),
            Ok("PO Box 4")
        );
        let c = from_serde(&json!({"PrimaryAddress": {"address1": "1 Home St"}}));
        assert_eq!(
            eval(&[Value::Json(&c)])
                .unwrap()
                .get("address1")
                .unwrap()
                .as_text(),
            Ok("1 Home St")
        );
    }
}
