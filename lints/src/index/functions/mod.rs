//! Functions, call sites, blocks and bindings: what partner context, the call
//! graph and "runs before" checks are computed from.
//!
//! `facts` holds the plain data the index keeps, `syntax` the readings of syn nodes,
//! `events` the grammar of `tracing`/`log` event macros, and `walk` the pass over a
//! function body that puts them together.

mod events;
mod facts;
mod syntax;
mod walk;

pub use facts::*;
pub(crate) use syntax::{
    amount_of, duration_unit, int_literal, macro_key, return_type, strip_transparent,
};
pub use syntax::{arg_fact, place_of};
pub(crate) use walk::MAX_MACRO_NESTING;
pub use walk::{function_def, function_def_and_macros, FnContext, MacroArgs, ParsedMacros};

use crate::names::Name;

/// The module path of a file from its workspace-relative path:
/// `portal/src/partner/mod.rs` → `partner`, `src/store/users.rs` → `store::users`.
pub fn module_path_of_file(path: &str) -> Vec<Name> {
    let parts: Vec<&str> = path.split('/').collect();
    let after_src = parts
        .iter()
        .rposition(|part| *part == "src")
        .map_or(parts.len().saturating_sub(1), |i| i + 1);
    let mut module: Vec<Name> = parts
        .get(after_src..)
        .unwrap_or(&[])
        .iter()
        .map(|part| Name::from(*part))
        .collect();
    if let Some(last) = module.pop() {
        let stem = Name::from(last.strip_suffix(".rs").unwrap_or(&last));
        if !matches!(stem.as_str(), "mod" | "lib" | "main") {
            module.push(stem);
        }
    }
    module
}

#[cfg(test)]
mod tests;
