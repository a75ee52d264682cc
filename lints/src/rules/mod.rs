//! One module per checklist item. Each reads top to bottom: docs, options,
//! check, tests; adding a rule is one module here and one line in
//! [`crate::registry::all`].

pub mod audit_actor_target;
pub mod broad_manages_grant;
pub mod cache_key_missing_tenant;
pub mod cost_to_actor;
pub mod leaky_error;
pub mod no_break_glass;
pub mod no_context_indicator;
pub mod partner_role_overgrant;
pub mod readable_secret;
pub mod single_level_quota;
pub mod unconfirmed_destructive_action;
pub mod unmasked_pii;
pub mod unscoped_tenant_query;
pub mod unthrottled_tenant_fanout;
