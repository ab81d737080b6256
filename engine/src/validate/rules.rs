//! The registry of validator rules. Every finding names one of these by its id.
//!
//! Ids are stable: once published an id keeps its meaning forever and is never reused, even if
//! its rule is withdrawn (then it stays here, marked withdrawn in its summary). The prefix names
//! the family: `M2S` structure, `M2F` fields, `M2C` code lists, `M2X` cross-field rules, `M2T`
//! trailer totals.

use super::Severity;

/// One validator rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `M2X-003`.
    pub id: &'static str,
    /// Whether a finding of this rule makes the file unacceptable.
    pub severity: Severity,
    /// One line an analyst understands.
    pub summary: &'static str,
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $name:ident = $id:literal, $sev:ident, $summary:literal; )*) => {
        $( $(#[$doc])* pub static $name: Rule = Rule { id: $id, severity: Severity::$sev, summary: $summary }; )*
        /// Every rule, in id order.
        pub static ALL: &[&Rule] = &[$(&$name),*];
    };
}

rules! {
    /// The first record is not a header.
    HEADER_NOT_FIRST = "M2S-001", Error, "the file does not start with a header record";
    /// A header after the first record.
    HEADER_REPEATED = "M2S-002", Error, "a header record after the first record";
    /// No trailer at the end.
    TRAILER_MISSING = "M2S-003", Error, "the file does not end with a trailer record";
    /// Records after the trailer.
    AFTER_TRAILER = "M2S-004", Error, "a record after the trailer";
    /// An RDW that is not four digits.
    RDW_UNREADABLE = "M2S-005", Error, "a record descriptor word is not four digits";
    /// The file ends inside a record.
    RECORD_TRUNCATED = "M2S-006", Error, "the file ends before the length its record descriptor word gives";
    /// A record shorter than its fixed part.
    RECORD_TOO_SHORT = "M2S-007", Error, "a record descriptor word shorter than a header, base segment or trailer";
    /// A BDW that is not four digits.
    BDW_UNREADABLE = "M2S-008", Error, "a block descriptor word is not four digits";
    /// Records that do not fill their block exactly.
    BLOCK_MISMATCH = "M2S-009", Error, "a block descriptor word disagrees with the lengths of its records";
    /// Bytes that are neither a segment identifier nor blank padding.
    UNKNOWN_SEGMENT = "M2S-010", Error, "an unknown appended segment identifier";
    /// An appended segment cut short by its record's end.
    SEGMENT_TRUNCATED = "M2S-011", Error, "an appended segment longer than what its record's descriptor word leaves";
    /// Appended segments out of order.
    SEGMENT_ORDER = "M2S-012", Error, "appended segments out of the order J1, J2, K1, K2, K3, K4, L1, N1";
    /// K1..N1 more than once.
    SEGMENT_REPEATED = "M2S-013", Error, "a K1, K2, K3, K4, L1 or N1 segment more than once in a record";
    /// Non-blank padding after a header or trailer.
    PADDING_NOT_BLANK = "M2S-014", Error, "a header or trailer padded with something other than blanks";
    /// No record at all.
    EMPTY_FILE = "M2S-015", Error, "the file holds no record";
    /// In a file with line breaks, a record's line is longer or shorter than its RDW says.
    RDW_LINE_MISMATCH = "M2S-016", Error, "a record descriptor word disagrees with the length of its record's line";

    /// A numeric field with something other than digits.
    NOT_DIGITS = "M2F-001", Error, "a numeric field holds something other than digits";
    /// A date that does not exist.
    NOT_A_DATE = "M2F-002", Error, "a date field holds no real calendar date";
    /// A required field left empty.
    REQUIRED_MISSING = "M2F-003", Error, "a required field is blank or zero-filled";
    /// Lower-case letters in alphanumeric fields.
    LOWER_CASE = "M2F-004", Warning, "alphanumeric fields are upper case";
    /// A byte outside printable ASCII.
    BAD_CHARACTER = "M2F-005", Error, "a character outside printable ASCII";
    /// A numeric field blank-filled.
    NUMERIC_BLANK = "M2F-006", Warning, "a numeric field is blank-filled instead of zero-filled";
    /// Identification number all zeros or nines.
    IDENTIFICATION_PLACEHOLDER = "M2F-007", Error, "the identification number is all zeros or all nines";

    /// Account status code.
    CODE_ACCOUNT_STATUS = "M2C-001", Error, "account status is not a code of the list";
    /// Payment rating code.
    CODE_PAYMENT_RATING = "M2C-002", Error, "payment rating is not a code of the list";
    /// Payment history characters.
    CODE_PAYMENT_HISTORY = "M2C-003", Error, "payment history profile holds a character outside the list";
    /// Portfolio type code.
    CODE_PORTFOLIO_TYPE = "M2C-004", Error, "portfolio type is not a code of the list";
    /// Account type code.
    CODE_ACCOUNT_TYPE = "M2C-005", Error, "account type is not a code of the list";
    /// Terms duration.
    CODE_TERMS_DURATION = "M2C-006", Error, "terms duration is neither LOC, REV nor a number";
    /// Terms frequency code.
    CODE_TERMS_FREQUENCY = "M2C-007", Error, "terms frequency is not a code of the list";
    /// Special comment code.
    CODE_SPECIAL_COMMENT = "M2C-008", Error, "special comment is not a code of the list";
    /// Compliance condition code.
    CODE_COMPLIANCE_CONDITION = "M2C-009", Error, "compliance condition code is not a code of the list";
    /// ECOA code.
    CODE_ECOA = "M2C-010", Error, "ECOA code is not a code of the list";
    /// Consumer information indicator.
    CODE_CONSUMER_INFORMATION = "M2C-011", Error, "consumer information indicator is not a code of the list";
    /// Generation code.
    CODE_GENERATION = "M2C-012", Error, "generation code is not a code of the list";
    /// Interest type indicator.
    CODE_INTEREST_TYPE = "M2C-013", Error, "interest type indicator is not F, V or blank";
    /// Correction indicator.
    CODE_CORRECTION = "M2C-014", Error, "correction indicator is not 0, 1 or blank";
    /// Processing indicator.
    CODE_PROCESSING = "M2C-015", Error, "processing indicator is not 1";
    /// Address indicator.
    CODE_ADDRESS_INDICATOR = "M2C-016", Error, "address indicator is not a code of the list";
    /// Residence code.
    CODE_RESIDENCE = "M2C-017", Error, "residence code is not O, R or blank";
    /// K1 creditor classification.
    CODE_CREDITOR_CLASSIFICATION = "M2C-018", Error, "creditor classification is not a code of the list";
    /// K2 indicator.
    CODE_PURCHASED_SOLD = "M2C-019", Error, "purchased from/sold to indicator is not 1, 2 or 9";
    /// K3 agency identifier.
    CODE_AGENCY = "M2C-020", Error, "agency identifier is not 00, 01 or 02";
    /// K4 specialized payment indicator.
    CODE_SPECIALIZED_PAYMENT = "M2C-021", Error, "specialized payment indicator is not 01 or 02";
    /// L1 change indicator.
    CODE_CHANGE_INDICATOR = "M2C-022", Error, "change indicator is not 1, 2 or 3";

    /// Delinquent status without an amount past due.
    STATUS_WITHOUT_PAST_DUE = "M2X-001", Error, "a delinquent status (71-84, 93, 97) with no amount past due";
    /// Current or paid status with an amount past due.
    STATUS_WITH_PAST_DUE = "M2X-002", Error, "a current or paid status (05, 11, 13, 61-65) with an amount past due";
    /// Paid status with a balance.
    PAID_WITH_BALANCE = "M2X-003", Error, "a paid or closed status (05, 13, 61-65) with a balance";
    /// Delinquent status with zero balance.
    DELINQUENT_WITHOUT_BALANCE = "M2X-004", Error, "a delinquent status (71-84, 93, 97) with a zero balance";
    /// Surrender or repossession with zero balance.
    SURRENDER_WITHOUT_BALANCE = "M2X-005", Error, "status 95 or 96 with a zero balance";
    /// Payment rating missing.
    RATING_MISSING = "M2X-006", Error, "a status that needs a payment rating (05, 13, 65, 88, 89, 94, 95) without one";
    /// Payment rating on a status that forbids it.
    RATING_FORBIDDEN = "M2X-007", Error, "a payment rating with a status that must leave it blank";
    /// DOFD missing.
    DOFD_MISSING = "M2X-008", Error, "the status requires a date of first delinquency";
    /// DOFD on a current account.
    DOFD_FORBIDDEN = "M2X-009", Error, "a date of first delinquency on a current account without a bankruptcy indicator";
    /// B embedded in the payment history.
    HISTORY_B_EMBEDDED = "M2X-010", Error, "B in the payment history profile followed by months with history";
    /// Portfolio C with an account type that is no line of credit.
    LINE_OF_CREDIT_TYPE = "M2X-011", Error, "portfolio type C with an account type outside 15, 43, 47, 89, 7A, 9B";
    /// Account type usually reported under another portfolio type.
    PORTFOLIO_UNUSUAL = "M2X-012", Warning, "an account type reported under a portfolio type it does not belong to";
    /// Neither SSN nor DOB.
    SSN_OR_DOB = "M2X-013", Error, "a consumer with neither a social security number nor a date of birth";
    /// Terms duration against portfolio type.
    TERMS_DURATION_PORTFOLIO = "M2X-014", Error, "terms duration does not fit the portfolio type (C LOC, R REV, O 001, I/M a number)";
    /// A date after the header's activity date.
    DATE_AFTER_ACTIVITY = "M2X-015", Error, "a date later than the header's activity date";
    /// A date before the account was opened.
    DATE_BEFORE_OPENED = "M2X-016", Error, "date of account information or date closed before the date opened";
    /// Deferred terms without K4 deferred date.
    DEFERRED_WITHOUT_K4 = "M2X-017", Error, "terms frequency D (deferred) without a K4 deferred payment start date";
    /// Charge-off amount on a status that is not a charge-off.
    CHARGE_OFF_AMOUNT_STATUS = "M2X-018", Error, "an original charge-off amount with a status other than 64 or 97";
    /// Charge-off status without charge-off amount.
    CHARGE_OFF_AMOUNT_MISSING = "M2X-019", Error, "status 64 or 97 with no original charge-off amount";
    /// K2 name against indicator.
    K2_NAME_INDICATOR = "M2X-020", Error, "K2 name present with indicator 9, or missing with indicator 1 or 2";
    /// K3 account number against agency.
    K3_ACCOUNT_AGENCY = "M2X-021", Error, "K3 account number present with agency 00, or missing with agency 01 or 02";
    /// L1 fields against change indicator.
    L1_CHANGE_FIELDS = "M2X-022", Error, "L1 new account number / identification number do not match the change indicator";
    /// Nine digits the SSA never issues (rules.md §8: valid US SSNs only, no ITIN/CPN).
    SSN_NOT_ISSUED = "M2X-023", Error, "a social security number the SSA does not issue (area 000, 666 or 900-999, group 00 or serial 0000)";
    /// Surrender or repossession of an auto or lease installment with nothing past due (CFPB evaluator Status-APD-3, rules.md §1).
    SURRENDER_WITHOUT_PAST_DUE = "M2X-024", Error, "status 95 or 96 on an installment auto or lease (account type 00, 13, 3A) with no amount past due";
    /// A current account in bankruptcy without the petition date as DOFD (CRRG DOFD hierarchy rule 3, rules.md §4).
    DOFD_MISSING_BANKRUPTCY = "M2X-025", Error, "a current account with a bankruptcy indicator (A-H, Z, 1A, V-Y) and no date of first delinquency (the petition date)";

    /// A trailer counter that disagrees with the records.
    TOTAL_MISMATCH = "M2T-001", Error, "a trailer total differs from the total recomputed from the records";
    /// Block count that disagrees with the file.
    BLOCK_COUNT_MISMATCH = "M2T-002", Error, "the trailer's block count differs from the blocks in the file";
}

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "{} twice", r.id);
            let (fam, num) = r.id.split_once('-').unwrap();
            assert!(
                ["M2S", "M2F", "M2C", "M2X", "M2T"].contains(&fam),
                "{}",
                r.id
            );
            assert_eq!(num.len(), 3);
            assert!(num.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(by_id("M2X-003"), Some(&PAID_WITH_BALANCE));
    }
}
