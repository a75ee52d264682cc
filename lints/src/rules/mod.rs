//! One module per checklist item. Each reads top to bottom: docs, options,
//! check, tests; adding a rule is one module here and one line in
//! [`crate::registry::all`].

pub mod audit_actor_target;
pub mod cost_to_actor;
pub mod readable_secret;
