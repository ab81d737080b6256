//! Metro 2 itself: the layouts of every record and segment, segment buffers, and the rules that
//! turn values into fixed-width bytes.
//!
//! The crate is pure and deterministic: it never touches the disk, the network or the clock, so
//! the same inputs always give the same bytes.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod builtins;
pub mod clean;
pub mod codes;
pub mod document;
pub mod field;
pub mod identity;
pub mod json;
pub mod layout;
pub mod loan;
pub mod plan;
pub mod reader;
pub mod record;
mod scratch;
pub mod segment;
pub mod timeline;
pub mod trailer;
pub mod validate;
pub mod value;
pub mod writer;

pub use field::{FieldError, FieldValue};
pub use layout::{Field, FieldType, Layout, Requirement, SegmentKind};
pub use record::DataRecord;
pub use segment::Segment;
pub use value::Value;
