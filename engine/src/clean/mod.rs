//! The clean-ups of derivations.md §1 and §8: LoanPro dates and money, letters folded to A–Z,
//! names, addresses, and the identifiers and codes of loans and consumers.
//!
//! Each function is pure and total over text: a value that cannot be cleaned either comes back
//! empty (the field's fill: zeros or blanks, as §8 says for SSNs, phones, states, ...) or as an
//! error that makes the loan an error record (dates and money in a form §1 does not define).

pub mod codes;
pub mod date;
pub mod letters;
pub mod money;
pub mod text;

pub use date::{loanpro_date, loanpro_date_opt, DateError};
pub use money::{parse_money, Cents, MoneyError};
pub use text::{address, given_name, surname, TextKind};
