//! One module per checklist item. Each reads top to bottom: docs, options,
//! check, tests; adding a rule is one module here and one line in
//! [`crate::registry::all`].

pub mod broad_manages_grant;
pub mod no_break_glass;
pub mod readable_secret;
pub mod unscoped_tenant_query;
