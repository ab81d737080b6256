//! Writeback: bureau outcomes pushed to LoanPro as notes (and optionally a custom field), only
//! for connections that opted in.

pub mod body;
