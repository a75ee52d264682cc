//! The workspace index: one pass over each parsed file collects the facts
//! rules need, as plain data. Syntax trees are dropped right after; rules
//! query these facts and never walk files themselves.

mod file_facts;
pub mod functions;
mod guard;
mod indexer;
mod lex_error;
pub mod macros;
pub mod modules;
pub mod roles;
pub mod routers;
pub mod skeleton;
mod types;
pub mod views;
mod workspace;

pub use crate::names::Name;
pub use file_facts::*;
pub use functions::{
    Amount, ArgFact, BlockKind, CallSite, Callee, Comparison, ConstDef, EventFact, EventField,
    FieldInit, FunctionDef, IterFact, IterKind, LetFact, Param, PlaceRead, StructLiteral,
    StructRest, TypeLookup,
};
pub use guard::{MAX_DEPTH, MAX_FILE_TOKENS, MAX_ITEM_TOKENS};
pub(crate) use indexer::visit_if_chain;
pub use indexer::{index_file, index_file_choosing, panic_message};
pub use roles::{Grant, GrantKind, MappingForm, PermissionList, RoleEntry, RoleMapping, RoleName};
pub use types::*;
pub use workspace::*;

#[cfg(test)]
mod tests;
