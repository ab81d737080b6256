//! Cross-crate end-to-end and snapshot tests live in `tests/tests/`; this crate has no code of its own.
