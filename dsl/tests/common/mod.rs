//! Helpers shared by the equivalence tests.

use metro2_engine::plan::Outcome;

/// What an outcome says, comparable between two ways of evaluating one mapping: the record's
/// bytes, the skip's reason, or the failure's field, line and message.
#[allow(dead_code)] // not every test file that shares this module compares outcomes
pub fn summary(o: &Outcome) -> String {
    match o {
        Outcome::Mapped { record, .. } => String::from_utf8_lossy(record.base.as_bytes()).into(),
        Outcome::Skipped { reason, .. } => format!("skipped: {reason}"),
        Outcome::Error(e) => format!("{:?} line {}: {}", e.field, e.line, e.message),
    }
}

/// A base segment of constants, with `fields` (`(key, expression)`) written instead of the
/// constants of the same keys, for tests whose mapping is about something else.
#[allow(dead_code)] // not every test file that shares this module maps a base segment
pub fn base_segment(fields: &[(&str, &str)]) -> String {
    const CONSTANTS: &[(&str, &str)] = &[
        ("processing_indicator", "1"),
        ("time_stamp", "2026-10-31"),
        ("correction_indicator", "0"),
        ("identification_number", "\"FURN\""),
        ("consumer_account_number", "\"A1\""),
        ("portfolio_type", "\"I\""),
        ("account_type", "\"00\""),
        ("date_opened", "2020-01-01"),
        ("credit_limit", "0"),
        ("highest_credit", "0"),
        ("terms_duration", "0"),
        ("terms_frequency", "\"M\""),
        ("scheduled_monthly_payment_amount", "0"),
        ("actual_payment_amount", "0"),
        ("account_status", "\"11\""),
        ("payment_history_profile", "\"BBBBBBBBBBBBBBBBBBBBBBBB\""),
        ("current_balance", "0"),
        ("amount_past_due", "0"),
        ("date_of_account_information", "2026-10-31"),
        ("interest_type_indicator", "\"F\""),
        ("surname", "\"S\""),
        ("first_name", "\"F\""),
        ("social_security_number", "123456789"),
        ("date_of_birth", "1980-01-01"),
        ("ecoa_code", "\"1\""),
        ("country_code", "\"US\""),
        ("first_line_of_address", "\"1 MAIN ST\""),
        ("city", "\"AUSTIN\""),
        ("state", "\"TX\""),
        ("postal_code", "\"78701\""),
    ];
    let mut out = String::from("segment base {\n");
    for (key, constant) in CONSTANTS {
        let value = fields
            .iter()
            .find(|(k, _)| k == key)
            .map_or(*constant, |(_, v)| v);
        out.push_str(&format!("  {key} = {value}\n"));
    }
    out.push_str("}\n");
    out
}

/// Runs `f` in a thread with a 2 MB stack, the smallest a caller is likely to give (a test
/// thread's default), so a pass that recurses too deeply fails here in debug builds too.
#[allow(dead_code)] // only the depth tests use it
pub fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}
