//! The LoanPro preset, compiled into the binary: `connect` clones it as a connection's template
//! version 1, and `templates diff preset` compares against it.

/// The preset's source text (`presets/loanpro.m2map`).
pub const LOANPRO_PRESET: &str = include_str!("../../../presets/loanpro.m2map");

/// Where the preset lives in the repository, for messages.
pub const LOANPRO_PRESET_NAME: &str = "presets/loanpro.m2map";
