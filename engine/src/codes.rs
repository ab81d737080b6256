//! The Metro 2 code lists (`reference/metro2/codes.md`): which values a coded field may hold and
//! what each value means, for the validator and for people reading a file.
//!
//! Codes are compared on the field's bytes with trailing blanks removed, so a one-character code
//! in a two-byte field (`"B "` special comment, `"A "` consumer information indicator) matches.

use crate::layout::SegmentKind;

/// One code list: the allowed values of a coded field and their meanings.
#[derive(Debug)]
pub struct CodeList {
    /// What the list is, as an analyst names it ("Account Status").
    pub name: &'static str,
    /// Every allowed code with its meaning.
    pub codes: &'static [(&'static str, &'static str)],
    /// Whether an all-blank field is allowed (the field is optional or blank has a meaning).
    pub blank_allowed: bool,
}

impl CodeList {
    /// Whether the field bytes hold a code of this list (trailing blanks ignored).
    pub fn contains(&self, field: &[u8]) -> bool {
        let code = trim_end(field);
        if code.is_empty() {
            return self.blank_allowed;
        }
        // Codes are one or two bytes: comparing them inline beats a memcmp call per code.
        self.codes.iter().any(|(c, _)| {
            let c = c.as_bytes();
            c.len() == code.len() && c.iter().zip(code).all(|(a, b)| a == b)
        })
    }

    /// The meaning of a code, if it is in the list.
    pub fn describe(&self, code: &str) -> Option<&'static str> {
        let code = code.trim_end();
        self.codes.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
    }
}

/// The bytes with trailing blanks removed.
pub fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|b| *b != b' ').map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Account Status (base 17A).
pub static ACCOUNT_STATUS: CodeList = CodeList {
    name: "Account Status",
    blank_allowed: false,
    codes: &[
        ("DA", "delete entire account (not fraud)"),
        ("DF", "delete entire account due to confirmed fraud"),
        ("05", "account transferred"),
        ("11", "current account (0-29 days past the due date)"),
        ("13", "paid or closed account / zero balance"),
        ("61", "paid in full, was a voluntary surrender"),
        ("62", "paid in full, was a collection account"),
        ("63", "paid in full, was a repossession"),
        ("64", "paid in full, was a charge-off"),
        ("65", "paid in full, a foreclosure was started"),
        ("71", "30-59 days past the due date"),
        ("78", "60-89 days past the due date"),
        ("80", "90-119 days past the due date"),
        ("82", "120-149 days past the due date"),
        ("83", "150-179 days past the due date"),
        ("84", "180 days or more past the due date"),
        (
            "88",
            "claim filed with government for insured portion of balance",
        ),
        ("89", "deed received in lieu of foreclosure"),
        ("93", "assigned to internal or external collections"),
        ("94", "foreclosure completed"),
        ("95", "voluntary surrender"),
        ("96", "merchandise was repossessed"),
        ("97", "unpaid balance reported as a loss (charge-off)"),
    ],
};

/// Payment Rating (base 17B). Blank is handled by the status rule, not the list.
pub static PAYMENT_RATING: CodeList = CodeList {
    name: "Payment Rating",
    blank_allowed: true,
    codes: &[
        ("0", "current (0-29 days past the due date)"),
        ("1", "30-59 days past the due date"),
        ("2", "60-89 days past the due date"),
        ("3", "90-119 days past the due date"),
        ("4", "120-149 days past the due date"),
        ("5", "150-179 days past the due date"),
        ("6", "180 days or more past the due date"),
        ("G", "collection"),
        ("L", "charge-off"),
    ],
};

/// Payment History Profile characters (base 18), one per month.
pub static PAYMENT_HISTORY: CodeList = CodeList {
    name: "Payment History Profile character",
    blank_allowed: false,
    codes: &[
        ("0", "0 payments past due (current)"),
        ("1", "30-59 days past due"),
        ("2", "60-89 days past due"),
        ("3", "90-119 days past due"),
        ("4", "120-149 days past due"),
        ("5", "150-179 days past due"),
        ("6", "180 days or more past due"),
        ("B", "no payment history available prior to this time"),
        ("D", "no payment history available this month"),
        ("E", "zero balance and current account"),
        ("G", "collection"),
        ("H", "foreclosure completed"),
        ("J", "voluntary surrender"),
        ("K", "repossession"),
        ("L", "charge-off"),
    ],
};

/// Portfolio Type (base 8).
pub static PORTFOLIO_TYPE: CodeList = CodeList {
    name: "Portfolio Type",
    blank_allowed: false,
    codes: &[
        ("C", "line of credit"),
        ("I", "installment"),
        ("M", "mortgage"),
        ("O", "open"),
        ("R", "revolving"),
    ],
};

/// Account Type (base 9): the 63 codes of the current list.
pub static ACCOUNT_TYPE: CodeList = CodeList {
    name: "Account Type",
    blank_allowed: false,
    codes: &[
        ("00", "auto"),
        ("01", "unsecured"),
        ("02", "secured"),
        ("03", "partially secured"),
        ("04", "home improvement"),
        ("05", "FHA home improvement"),
        ("06", "installment sales contract"),
        ("07", "charge account"),
        ("08", "real estate, specific type unknown"),
        ("0A", "time share loan"),
        ("0C", "debt purchaser"),
        ("0F", "construction loan"),
        ("0G", "flexible spending credit card"),
        ("10", "business loan, individual personally liable"),
        ("11", "recreational merchandise"),
        ("12", "education loan"),
        ("13", "lease (non-auto)"),
        ("15", "line of credit"),
        ("17", "manufactured housing"),
        ("18", "credit card"),
        ("19", "FHA real estate mortgage"),
        ("20", "note loan"),
        ("25", "VA real estate mortgage"),
        ("26", "conventional real estate mortgage"),
        ("29", "rental agreement"),
        ("2A", "secured credit card"),
        ("2C", "FmHA real estate mortgage"),
        ("37", "combined credit plan"),
        ("3A", "auto lease"),
        ("43", "debit card backed by a line of credit"),
        ("47", "credit line secured"),
        ("48", "collection agency/attorney"),
        ("4D", "telecommunication/cellular"),
        ("50", "family support"),
        (
            "5A",
            "real estate, junior liens and non-purchase-money first",
        ),
        ("5B", "second mortgage"),
        (
            "65",
            "government account type (wording to verify with the CRRG)",
        ),
        (
            "66",
            "government account type (wording to verify with the CRRG)",
        ),
        (
            "67",
            "government account type (wording to verify with the CRRG)",
        ),
        (
            "68",
            "government account type (wording to verify with the CRRG)",
        ),
        (
            "69",
            "government account type (wording to verify with the CRRG)",
        ),
        ("6A", "commercial installment loan"),
        ("6B", "commercial mortgage loan"),
        ("6D", "home equity"),
        (
            "70",
            "government account type (wording to verify with the CRRG)",
        ),
        (
            "71",
            "government account type (wording to verify with the CRRG)",
        ),
        (
            "72",
            "government account type (wording to verify with the CRRG)",
        ),
        ("73", "government employee advance"),
        (
            "74",
            "government account type (wording to verify with the CRRG)",
        ),
        ("75", "government benefit"),
        ("77", "returned check"),
        ("7A", "commercial line of credit"),
        ("7B", "agricultural"),
        ("89", "home equity line of credit"),
        ("8A", "business credit card"),
        ("8B", "deposit related"),
        ("90", "medical debt"),
        ("91", "debt consolidation"),
        ("92", "utility company"),
        ("93", "child support"),
        ("95", "attorney fees"),
        ("9A", "secured home improvement"),
        ("9B", "business line personally guaranteed"),
    ],
};

/// Terms Frequency (base 14).
pub static TERMS_FREQUENCY: CodeList = CodeList {
    name: "Terms Frequency",
    blank_allowed: true,
    codes: &[
        ("D", "deferred"),
        ("P", "single payment"),
        ("W", "weekly"),
        ("B", "biweekly"),
        ("E", "semimonthly"),
        ("M", "monthly"),
        ("L", "bimonthly"),
        ("Q", "quarterly"),
        ("T", "tri-annually"),
        ("S", "semiannually"),
        ("Y", "annually"),
    ],
};

/// Special Comment (base 19).
pub static SPECIAL_COMMENT: CodeList = CodeList {
    name: "Special Comment",
    blank_allowed: true,
    codes: &[
        ("B", "payments managed by financial counseling program"),
        ("C", "paid by co-maker or guarantor"),
        ("H", "loan assumed by another party"),
        ("I", "election of remedy"),
        ("M", "closed at credit grantor's request"),
        ("O", "transferred to another company/servicer"),
        ("S", "special handling"),
        ("V", "adjustment pending"),
        ("AB", "debt being paid through insurance"),
        ("AC", "paying under a partial payment agreement"),
        ("AH", "purchased by another company"),
        ("AI", "recalled to active military duty"),
        ("AM", "payments assured by wage garnishment"),
        ("AN", "acquired by FDIC/NCUA"),
        ("AO", "voluntarily surrendered, then redeemed or reinstated"),
        ("AP", "credit line suspended"),
        ("AS", "closed due to refinance"),
        ("AT", "closed due to transfer"),
        ("AU", "paid in full for less than the full balance"),
        ("AV", "first payment never received"),
        ("AW", "affected by natural or declared disaster"),
        ("AX", "paid from collateral"),
        ("AZ", "redeemed or reinstated repossession"),
        ("BA", "transferred to recovery"),
        ("BB", "full termination, status pending"),
        ("BC", "full termination, obligation satisfied"),
        ("BD", "full termination, balance owing"),
        ("BE", "early termination, status pending"),
        ("BF", "early termination, obligation satisfied"),
        ("BG", "early termination, balance owing"),
        ("BH", "early termination, insurance loss"),
        ("BI", "involuntary repossession"),
        ("BJ", "involuntary repossession, obligation satisfied"),
        ("BK", "involuntary repossession, balance owing"),
        ("BL", "credit card lost or stolen"),
        (
            "BN",
            "paid by company which originally sold the merchandise",
        ),
        ("BO", "foreclosure proceedings started"),
        ("BP", "paid through insurance"),
        ("BS", "prepaid lease"),
        ("BT", "principal deferred / interest payment only"),
        ("CH", "guaranteed / insured"),
        ("CI", "closed due to inactivity"),
        ("CJ", "credit line no longer available, in repayment phase"),
        ("CK", "credit line reduced due to collateral depreciation"),
        ("CL", "credit line suspended due to collateral depreciation"),
        ("CM", "collateral released by creditor, balance owing"),
        ("CN", "loan modified under a federal government plan"),
        ("CO", "loan modified"),
        ("CP", "account in forbearance"),
        ("CS", "special comment CS"),
        ("DE", "debt extinguished under state law"),
    ],
};

/// Compliance Condition Code (base 20).
pub static COMPLIANCE_CONDITION: CodeList = CodeList {
    name: "Compliance Condition Code",
    blank_allowed: true,
    codes: &[
        ("XA", "closed at consumer's request"),
        ("XB", "disputed under FCRA, investigation in progress"),
        ("XC", "FCRA investigation completed, consumer disagrees"),
        (
            "XD",
            "closed at consumer's request and in dispute under FCRA",
        ),
        (
            "XE",
            "closed at consumer's request, dispute completed, consumer disagrees",
        ),
        ("XF", "in dispute under FCBA"),
        ("XG", "FCBA dispute resolved, consumer disagrees"),
        ("XH", "previously in dispute, now resolved"),
        (
            "XJ",
            "closed at consumer's request and in dispute under FCBA",
        ),
        (
            "XR",
            "removes the most recently reported compliance condition",
        ),
    ],
};

/// ECOA Code (base 37, J1/J2 10). The obsolete 0, 4 and 6 are not in the list.
pub static ECOA: CodeList = CodeList {
    name: "ECOA Code",
    blank_allowed: false,
    codes: &[
        ("1", "individual"),
        ("2", "joint contractual liability"),
        ("3", "authorized user"),
        ("5", "co-maker or guarantor"),
        ("7", "maker"),
        ("T", "association terminated"),
        ("W", "business/commercial"),
        ("X", "deceased"),
        ("Z", "delete consumer"),
    ],
};

/// Consumer Information Indicator (base 38, J1/J2 11).
pub static CONSUMER_INFORMATION: CodeList = CodeList {
    name: "Consumer Information Indicator",
    blank_allowed: true,
    codes: &[
        ("A", "petition for Chapter 7 bankruptcy"),
        ("B", "petition for Chapter 11 bankruptcy"),
        ("C", "petition for Chapter 12 bankruptcy"),
        ("D", "petition for Chapter 13 bankruptcy"),
        ("E", "discharged through Chapter 7 bankruptcy"),
        ("F", "discharged through Chapter 11 bankruptcy"),
        ("G", "discharged through Chapter 12 bankruptcy"),
        ("H", "discharged/completed through Chapter 13 bankruptcy"),
        ("I", "Chapter 7 bankruptcy dismissed"),
        ("J", "Chapter 11 bankruptcy dismissed"),
        ("K", "Chapter 12 bankruptcy dismissed"),
        ("L", "Chapter 13 bankruptcy dismissed"),
        ("M", "Chapter 7 bankruptcy withdrawn"),
        ("N", "Chapter 11 bankruptcy withdrawn"),
        ("O", "Chapter 12 bankruptcy withdrawn"),
        ("P", "Chapter 13 bankruptcy withdrawn"),
        ("Q", "removes previously reported bankruptcy indicator"),
        ("R", "reaffirmation of debt"),
        ("S", "removes previously reported reaffirmation of debt"),
        ("T", "credit grantor cannot locate consumer"),
        ("U", "consumer now located"),
        ("V", "Chapter 7 reaffirmation of debt rescinded"),
        ("W", "Chapter 11 reaffirmation of debt rescinded"),
        ("X", "Chapter 12 reaffirmation of debt rescinded"),
        ("Y", "Chapter 13 reaffirmation of debt rescinded"),
        ("Z", "bankruptcy, undesignated chapter"),
        ("1A", "personal receivership"),
        ("2A", "lease assumption"),
    ],
};

/// Generation Code (base 33, J1/J2 6).
pub static GENERATION: CodeList = CodeList {
    name: "Generation Code",
    blank_allowed: true,
    codes: &[
        ("J", "junior"),
        ("S", "senior"),
        ("2", "II"),
        ("3", "III"),
        ("4", "IV"),
        ("5", "V"),
        ("6", "VI"),
        ("7", "VII"),
        ("8", "VIII"),
        ("9", "IX"),
    ],
};

/// Interest Type Indicator (base 28).
pub static INTEREST_TYPE: CodeList = CodeList {
    name: "Interest Type Indicator",
    blank_allowed: true,
    codes: &[("F", "fixed"), ("V", "variable/adjustable")],
};

/// Correction Indicator (base 4, position 20).
pub static CORRECTION: CodeList = CodeList {
    name: "Correction Indicator",
    blank_allowed: true,
    codes: &[
        ("0", "normal update"),
        ("1", "replaces the most recent update for the period"),
    ],
};

/// Processing Indicator (base 2): a constant.
pub static PROCESSING: CodeList = CodeList {
    name: "Processing Indicator",
    blank_allowed: true,
    codes: &[("1", "the constant value")],
};

/// Address Indicator (base 45, J2 18).
pub static ADDRESS_INDICATOR: CodeList = CodeList {
    name: "Address Indicator",
    blank_allowed: true,
    codes: &[
        ("C", "confirmed/verified address"),
        ("Y", "known to be the consumer's address"),
        ("N", "not confirmed"),
        ("M", "military address"),
        ("S", "secondary address"),
        ("B", "business address"),
        ("U", "non-deliverable address/returned mail"),
        ("D", "data reporter's default address"),
        ("P", "bill payer service"),
    ],
};

/// Residence Code (base 46, J2 19).
pub static RESIDENCE: CodeList = CodeList {
    name: "Residence Code",
    blank_allowed: true,
    codes: &[("O", "owns"), ("R", "rents")],
};

/// K1 Creditor Classification.
pub static CREDITOR_CLASSIFICATION: CodeList = CodeList {
    name: "Creditor Classification",
    blank_allowed: false,
    codes: &[
        ("01", "retail"),
        ("02", "medical/health care"),
        ("03", "oil company"),
        ("04", "government"),
        ("05", "personal services"),
        ("06", "insurance"),
        ("07", "educational"),
        ("08", "banking"),
        ("09", "rental/leasing"),
        ("10", "utilities"),
        ("11", "cable/cellular"),
        ("12", "financial"),
        ("13", "credit union"),
        ("14", "automotive"),
        ("15", "check guarantee"),
    ],
};

/// K2 Purchased From/Sold To Indicator.
pub static PURCHASED_SOLD: CodeList = CodeList {
    name: "Purchased From/Sold To Indicator",
    blank_allowed: false,
    codes: &[
        ("1", "purchased from"),
        ("2", "sold to"),
        ("9", "remove previously reported K2 information"),
    ],
};

/// K3 Agency Identifier.
pub static AGENCY: CodeList = CodeList {
    name: "Agency Identifier",
    blank_allowed: false,
    codes: &[
        ("00", "not applicable (MIN only)"),
        ("01", "Fannie Mae"),
        ("02", "Freddie Mac"),
    ],
};

/// K4 Specialized Payment Indicator.
pub static SPECIALIZED_PAYMENT: CodeList = CodeList {
    name: "Specialized Payment Indicator",
    blank_allowed: false,
    codes: &[("01", "balloon payment"), ("02", "deferred payment")],
};

/// L1 Change Indicator.
pub static CHANGE_INDICATOR: CodeList = CodeList {
    name: "Change Indicator",
    blank_allowed: false,
    codes: &[
        ("1", "consumer account number change only"),
        ("2", "identification number change only"),
        (
            "3",
            "consumer account number and identification number change",
        ),
    ],
};

/// Every coded field with a plain list, and its list (terms duration and the payment history
/// profile have their own rules).
pub static CODED_FIELDS: &[(SegmentKind, &str, &CodeList)] = &[
    (SegmentKind::Base, "processing_indicator", &PROCESSING),
    (SegmentKind::Base, "correction_indicator", &CORRECTION),
    (SegmentKind::Base, "portfolio_type", &PORTFOLIO_TYPE),
    (SegmentKind::Base, "account_type", &ACCOUNT_TYPE),
    (SegmentKind::Base, "terms_frequency", &TERMS_FREQUENCY),
    (SegmentKind::Base, "account_status", &ACCOUNT_STATUS),
    (SegmentKind::Base, "payment_rating", &PAYMENT_RATING),
    (SegmentKind::Base, "special_comment", &SPECIAL_COMMENT),
    (
        SegmentKind::Base,
        "compliance_condition_code",
        &COMPLIANCE_CONDITION,
    ),
    (SegmentKind::Base, "interest_type_indicator", &INTEREST_TYPE),
    (SegmentKind::Base, "generation_code", &GENERATION),
    (SegmentKind::Base, "ecoa_code", &ECOA),
    (
        SegmentKind::Base,
        "consumer_information_indicator",
        &CONSUMER_INFORMATION,
    ),
    (SegmentKind::Base, "address_indicator", &ADDRESS_INDICATOR),
    (SegmentKind::Base, "residence_code", &RESIDENCE),
    (SegmentKind::J1, "generation_code", &GENERATION),
    (SegmentKind::J1, "ecoa_code", &ECOA),
    (
        SegmentKind::J1,
        "consumer_information_indicator",
        &CONSUMER_INFORMATION,
    ),
    (SegmentKind::J2, "generation_code", &GENERATION),
    (SegmentKind::J2, "ecoa_code", &ECOA),
    (
        SegmentKind::J2,
        "consumer_information_indicator",
        &CONSUMER_INFORMATION,
    ),
    (SegmentKind::J2, "address_indicator", &ADDRESS_INDICATOR),
    (SegmentKind::J2, "residence_code", &RESIDENCE),
    (
        SegmentKind::K1,
        "creditor_classification",
        &CREDITOR_CLASSIFICATION,
    ),
    (
        SegmentKind::K2,
        "purchased_from_sold_to_indicator",
        &PURCHASED_SOLD,
    ),
    (SegmentKind::K3, "agency_identifier", &AGENCY),
    (
        SegmentKind::K4,
        "specialized_payment_indicator",
        &SPECIALIZED_PAYMENT,
    ),
    (SegmentKind::L1, "change_indicator", &CHANGE_INDICATOR),
];

/// The code list of a field, if it is a coded field with a plain list.
pub fn for_field(kind: SegmentKind, key: &str) -> Option<&'static CodeList> {
    CODED_FIELDS
        .iter()
        .find(|(k, f, _)| *k == kind && *f == key)
        .map(|(_, _, l)| *l)
}

/// Statuses that need a Payment Rating (and only these may carry one).
pub const RATING_STATUSES: &[&[u8]] = &[b"05", b"13", b"65", b"88", b"89", b"94", b"95"];

/// Statuses whose Date of First Delinquency is always required (CRRG rule 1).
pub const DOFD_STATUSES: &[&[u8]] = &[
    b"61", b"62", b"63", b"64", b"65", b"71", b"78", b"80", b"82", b"83", b"84", b"88", b"89",
    b"93", b"94", b"95", b"96", b"97",
];

/// Delinquent statuses: amount past due and balance expected above zero.
pub const DELINQUENT_STATUSES: &[&[u8]] = &[b"71", b"78", b"80", b"82", b"83", b"84", b"93", b"97"];

/// Paid or current statuses: no amount past due.
pub const NOT_PAST_DUE_STATUSES: &[&[u8]] =
    &[b"05", b"11", b"13", b"61", b"62", b"63", b"64", b"65"];

/// Paid or closed statuses: zero balance.
pub const PAID_STATUSES: &[&[u8]] = &[b"05", b"13", b"61", b"62", b"63", b"64", b"65"];

/// Consumer information indicators that require a Date of First Delinquency on a current
/// account (bankruptcy petitions and discharges, undesignated chapter, personal receivership,
/// reaffirmation rescinded).
pub const BANKRUPTCY_CII: &[&[u8]] = &[
    b"A", b"B", b"C", b"D", b"E", b"F", b"G", b"H", b"Z", b"1A", b"V", b"W", b"X", b"Y",
];

/// Account types that belong to one portfolio type only, per codes.md (the usual portfolio in
/// parentheses): a different portfolio type is suspicious.
pub const USUAL_PORTFOLIO: &[(&[u8], u8)] = &[
    (b"18", b'R'),
    (b"19", b'M'),
    (b"25", b'M'),
    (b"26", b'M'),
    (b"2C", b'M'),
    (b"48", b'O'),
    (b"15", b'C'),
    (b"43", b'C'),
    (b"47", b'C'),
    (b"89", b'C'),
    (b"7A", b'C'),
    (b"9B", b'C'),
];

/// Account types allowed with portfolio type C (CFPB evaluator Portfolio-Type-1).
pub const LINE_OF_CREDIT_TYPES: &[&[u8]] = &[b"15", b"43", b"47", b"89", b"7A", b"9B"];

/// Whether the trimmed field bytes are one of `set`.
pub fn is_one_of(field: &[u8], set: &[&[u8]]) -> bool {
    let v = trim_end(field);
    set.contains(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_character_codes_match_in_wider_fields() {
        assert!(SPECIAL_COMMENT.contains(b"B "));
        assert!(SPECIAL_COMMENT.contains(b"  "));
        assert!(!SPECIAL_COMMENT.contains(b"ZZ"));
        assert!(CONSUMER_INFORMATION.contains(b"1A"));
        assert!(!ACCOUNT_STATUS.contains(b"  "));
        assert_eq!(
            ACCOUNT_STATUS.describe("97"),
            Some("unpaid balance reported as a loss (charge-off)")
        );
    }

    #[test]
    fn account_type_list_is_the_63_codes() {
        assert_eq!(ACCOUNT_TYPE.codes.len(), 63);
        let mut seen = std::collections::HashSet::new();
        for (c, _) in ACCOUNT_TYPE.codes {
            assert!(seen.insert(c), "{c} twice");
        }
    }

    #[test]
    fn every_coded_field_exists_in_its_layout() {
        for (kind, key, list) in CODED_FIELDS {
            let f = kind
                .layout()
                .field(key)
                .unwrap_or_else(|| panic!("{kind}.{key}"));
            for (c, _) in list.codes {
                assert!(c.len() <= f.len, "{kind}.{key} code {c}");
            }
        }
    }
}
