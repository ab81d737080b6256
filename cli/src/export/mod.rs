//! The monthly Metro 2 file: header from the connection's settings, every valid record of the
//! period, the trailer, and a side report of the records held back.

pub mod bureau;
pub mod header;
