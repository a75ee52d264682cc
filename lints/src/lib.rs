//! The partner-safety lint pack: pure analysis of Rust sources for
//! tenant-isolation defects in partner (MSP/reseller) features.
//!
//! Architecture invariant: this crate does no I/O. The command-line shell
//! reads files and hands their text in; this crate parses, indexes, runs the
//! rules and returns findings as data.

pub mod checklist;
pub mod cypher;
pub mod diagnostic;
pub mod engine;
pub mod index;
pub mod model;
pub mod names;
pub mod options;
pub mod positions;
pub mod registry;
pub mod report;
pub mod rule;
pub mod rules;
pub mod rust_literal;
pub mod source;
pub mod strings;
pub mod suppression;
#[doc(hidden)]
pub mod testing;
pub mod tool_codes;

pub use checklist::{ChecklistItem, Level};
pub use diagnostic::{FileId, Finding};
pub use engine::{Checked, Engine, Settings};
pub use index::{index_file, index_file_choosing, FileFacts, Workspace};
pub use rule::RuleMeta;
