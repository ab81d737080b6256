//! What the checker knows about the input document: the top-level keys of a LoanPro loan as
//! the connector assembles it (reference/loanpro/api.md). A bare name that is not a `let`,
//! `param` or element field must be one of these, so a typo in a path root is caught before
//! any loan is mapped. `doc` names the document itself, for keys outside this list
//! (`doc.someCustomKey`).
//!
//! It also knows the keys of the objects inside a loan ([`Obj`]): LoanSetup, LoanSettings, a
//! customer with its addresses and phones, a payment, a StatusArchive row. A key read of one of
//! them that is not among its keys is a warning (M2M034): LoanPro's reading helpers take a
//! missing key as none, so `loanpro_money(LoanSetup.loanAmmount)` would report every loan with
//! zeros. The lists are LoanPro's fields as reference/loanpro/api.md gives them plus every key
//! the fixtures' loans carry (a test walks fixtures/loanpro/*.json and fails on a key missing
//! here); the loan itself is open, as `doc.someCustomKey` reads any key.

/// The document itself.
pub const DOC: &str = "doc";

/// The loan document's top-level keys.
pub const ROOTS: &[&str] = &[
    "id",
    "displayId",
    "title",
    "active",
    "archived",
    "deleted",
    "created",
    "lastMaintRun",
    "humanActivityDate",
    "loanStatusId",
    "loanSubStatusId",
    "settingsId",
    "setupId",
    "insurancePolicyId",
    "collateralId",
    "LoanSetup",
    "LoanSettings",
    "Customers",
    "Payments",
    "StatusArchive",
    "Transactions",
    "Notes",
    "Collateral",
    "Portfolios",
    "SubPortfolios",
    "Insurance",
    "Promises",
    "Autopays",
    "ChargeOffs",
    "LoanFunding",
    "Advancements",
    "Charges",
    "Credits",
    "DueDateChanges",
    "Documents",
    "RecurrentCharges",
    "ScheduleRolls",
    "StopInterestDates",
    "CustomFieldValues",
    "__metadata",
];

/// An object of a LoanPro loan whose keys the checker knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Obj {
    /// The loan document (open: any key may be read, `doc.someCustomKey`).
    Loan,
    /// `LoanSetup`.
    LoanSetup,
    /// `LoanSettings`.
    LoanSettings,
    /// An element of `Customers`.
    Customer,
    /// A customer's `PrimaryAddress` or `MailAddress`.
    Address,
    /// An element of a customer's `Phones`.
    Phone,
    /// An element of `Payments`.
    Payment,
    /// An element of `StatusArchive`.
    StatusRow,
    /// An entity's `__metadata`.
    Metadata,
}

/// What the checker knows of a document value's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// An object of known keys.
    Object(Obj),
    /// A list of such objects: OData's `{"results":[...]}` envelope as LoanPro sends it
    /// (`envelope`: its keys are `results` and `__` keys), or the list itself.
    List(Obj, bool),
}

impl Shape {
    /// The shape of a list's elements.
    pub fn element(self) -> Option<Shape> {
        match self {
            Shape::List(o, _) => Some(Shape::Object(o)),
            Shape::Object(_) => None,
        }
    }
}

/// The keys of a list envelope besides the `__` ones.
pub const ENVELOPE: &[&str] = &["results"];

impl Obj {
    /// How a message names one of these objects.
    pub fn describe(self) -> &'static str {
        match self {
            Obj::Loan => "the loan",
            Obj::LoanSetup => "LoanSetup",
            Obj::LoanSettings => "LoanSettings",
            Obj::Customer => "a customer",
            Obj::Address => "an address",
            Obj::Phone => "a phone",
            Obj::Payment => "a payment",
            Obj::StatusRow => "a StatusArchive row",
            Obj::Metadata => "`__metadata`",
        }
    }

    /// How a message names a list of these objects.
    pub fn describe_list(self) -> &'static str {
        match self {
            Obj::Customer => "customers",
            Obj::Address => "addresses",
            Obj::Phone => "phones",
            Obj::Payment => "payments",
            Obj::StatusRow => "StatusArchive rows",
            _ => "objects",
        }
    }

    /// Whether every key may be read without a warning (the loan: `doc.someCustomKey`).
    pub fn is_open(self) -> bool {
        self == Obj::Loan
    }

    /// The keys LoanPro sends in this object (keys starting with `__` are OData's and always
    /// allowed).
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Obj::Loan => ROOTS,
            Obj::LoanSetup => &[
                "id",
                "loanId",
                "loanAmount",
                "loanRate",
                "loanTerm",
                "payment",
                "contractDate",
                "firstPaymentDate",
                "origFinalPaymentDate",
                "paymentFrequency",
                "loanClass",
                "loanType",
                "creditLimit",
                "reportingCreditLimit",
                "apr",
                "graceDays",
            ],
            Obj::LoanSettings => &[
                "id",
                "loanId",
                "loanStatusId",
                "loanSubStatusId",
                "creditStatus",
                "creditBureau",
                "reportingType",
                "ECOACode",
                "coBuyerECOACode",
                "secured",
                "closedDate",
                "repoDate",
                "liquidationDate",
                "CustomFieldValues",
            ],
            Obj::Customer => &[
                "id",
                "firstName",
                "middleName",
                "lastName",
                "ssn",
                "birthDate",
                "generationCode",
                "customerType",
                "email",
                "lastUpdate",
                "loanRole",
                "status",
                "PrimaryAddress",
                "MailAddress",
                "Phones",
            ],
            Obj::Address => &[
                "id", "address1", "address2", "city", "state", "zipcode", "country", "geoLat",
                "geoLon", "verify",
            ],
            Obj::Phone => &["id", "phone", "type", "isPrimary", "isSecondary"],
            Obj::Payment => &[
                "id",
                "entityId",
                "date",
                "amount",
                "active",
                "status",
                "reverseReason",
                "reverseDate",
                "paymentTypeId",
                "paymentMethodId",
                "created",
                "beforePrincipalBalance",
                "afterPrincipalBalance",
                "beforeDaysPastDue",
                "afterDaysPastDue",
                "beforeAmountPastDue",
                "afterAmountPastDue",
                "beforeNextDueDate",
                "afterNextDueDate",
            ],
            Obj::StatusRow => &[
                "id",
                "loanId",
                "date",
                "daysPastDue",
                "amountDue",
                "amountPastDue30",
                "principalBalance",
                "payoff",
                "nextPaymentDate",
                "nextPaymentAmount",
                "lastPaymentDate",
                "lastPaymentAmount",
                "dateLastCurrent",
                "firstDelinquencyDate",
                "netChargeOff",
                "finalPaymentDate",
                "loanStatusText",
                "loanSubStatusText",
                "creditStatus",
            ],
            Obj::Metadata => &["uri", "type"],
        }
    }

    /// The shape of the value under `key`, when known.
    pub fn child(self, key: &str) -> Option<Shape> {
        if key == "__metadata" {
            return Some(Shape::Object(Obj::Metadata));
        }
        Some(match (self, key) {
            (Obj::Loan, "LoanSetup") => Shape::Object(Obj::LoanSetup),
            (Obj::Loan, "LoanSettings") => Shape::Object(Obj::LoanSettings),
            (Obj::Loan, "Customers") => Shape::List(Obj::Customer, true),
            (Obj::Loan, "Payments") => Shape::List(Obj::Payment, true),
            (Obj::Loan, "StatusArchive") => Shape::List(Obj::StatusRow, true),
            (Obj::Customer, "PrimaryAddress" | "MailAddress") => Shape::Object(Obj::Address),
            (Obj::Customer, "Phones") => Shape::List(Obj::Phone, true),
            _ => return None,
        })
    }

    /// Whether `key` is known in this object (always, for an open one and an OData `__` key).
    pub fn knows(self, key: &str) -> bool {
        self.is_open() || key.starts_with("__") || self.keys().contains(&key)
    }
}

/// The shape of what a built-in returns from document values, for the built-ins that return
/// an object of a known kind whatever their arguments.
pub fn builtin_result(name: &str) -> Option<Shape> {
    match name {
        "consumer_address" => Some(Shape::Object(Obj::Address)),
        "status_row" => Some(Shape::Object(Obj::StatusRow)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of `value` (of shape `shape`) that the lists do not know, as `path.key`.
    fn unknown(value: &serde_json::Value, shape: Shape, path: &str, out: &mut Vec<String>) {
        match shape {
            Shape::Object(o) => {
                let Some(map) = value.as_object() else { return };
                if map.contains_key("__deferred") {
                    return;
                }
                for (k, v) in map {
                    if !o.knows(k) {
                        out.push(format!("{path}.{k}"));
                    }
                    if let Some(s) = o.child(k) {
                        unknown(v, s, &format!("{path}.{k}"), out);
                    }
                }
            }
            Shape::List(o, _) => {
                let items = match value {
                    serde_json::Value::Array(a) => a,
                    serde_json::Value::Object(m) => {
                        for k in m.keys() {
                            if !k.starts_with("__") && !ENVELOPE.contains(&k.as_str()) {
                                out.push(format!("{path}.{k}"));
                            }
                        }
                        match m.get("results").and_then(|r| r.as_array()) {
                            Some(a) => a,
                            None => return,
                        }
                    }
                    _ => return,
                };
                for (i, item) in items.iter().enumerate() {
                    unknown(item, Shape::Object(o), &format!("{path}[{i}]"), out);
                }
            }
        }
    }

    #[test]
    fn every_key_of_the_fixture_loans_is_known() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let mut files = Vec::new();
        for dir in ["loanpro", "loanpro/errors", "m2map/docs"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "json") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 40, "{files:?}");
        let mut missing = Vec::new();
        for p in &files {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let name = p.file_name().unwrap().to_string_lossy();
            unknown(&v, Shape::Object(Obj::Loan), &name, &mut missing);
            // Every top-level key is a known root.
            for k in v.as_object().unwrap().keys() {
                if !ROOTS.contains(&k.as_str()) {
                    missing.push(format!("{name}: root {k}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys the lists do not know: {missing:#?}"
        );
    }

    #[test]
    fn no_list_names_a_key_twice() {
        let lists = [
            Obj::LoanSetup,
            Obj::LoanSettings,
            Obj::Customer,
            Obj::Address,
            Obj::Phone,
            Obj::Payment,
            Obj::StatusRow,
            Obj::Metadata,
        ];
        for o in lists {
            let mut keys = o.keys().to_vec();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), o.keys().len(), "{o:?} lists a key twice");
        }
    }
}
