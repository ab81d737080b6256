//! The `.m2map` mapping language: parse (pest) → AST with spans → check → compile to an
//! `engine` plan, with miette diagnostics and a canonical formatter.
#![forbid(unsafe_code)]
