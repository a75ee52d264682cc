//! One module per checklist item. Each reads top to bottom: docs, options,
//! check, tests; adding a rule is one module here and one line in
//! [`crate::registry::all`].

pub mod partner_role_overgrant;
pub mod readable_secret;
