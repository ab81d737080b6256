//! What the checker knows about the input document: the top-level keys of a LoanPro loan as
//! the connector assembles it (reference/loanpro/api.md). A bare name that is not a `let`,
//! `param` or element field must be one of these, so a typo in a path root is caught before
//! any loan is mapped. `doc` names the document itself, for keys outside this list
//! (`doc.someCustomKey`).

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
