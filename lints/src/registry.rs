//! The rule registry: every code the tool can report, with its name, level,
//! checklist item, docs and options. Reporters, `explain`, `rules`, the
//! README's rule table and the config validator all read this one list.

use crate::rule::RuleMeta;
use crate::tool_codes;

/// Every code, tool diagnostics first, then the rules in checklist order.
pub fn all() -> &'static [&'static RuleMeta] {
    static ALL: &[&RuleMeta] = &[
        &tool_codes::PARSE_ERROR,
        &tool_codes::SUPPRESSION_WITHOUT_REASON,
        &tool_codes::UNUSED_SUPPRESSION,
        &tool_codes::INTERNAL_ERROR,
        &tool_codes::EXPIRED_SUPPRESSION,
        &crate::rules::unscoped_tenant_query::META,
        &crate::rules::cache_key_missing_tenant::META,
        &crate::rules::unmasked_pii::META,
        &crate::rules::readable_secret::META,
        &crate::rules::partner_role_overgrant::META,
        &crate::rules::no_break_glass::META,
        &crate::rules::broad_manages_grant::META,
        &crate::rules::unthrottled_tenant_fanout::META,
        &crate::rules::audit_actor_target::META,
        &crate::rules::leaky_error::META,
        &crate::rules::cost_to_actor::META,
        &crate::rules::single_level_quota::META,
        &crate::rules::no_context_indicator::META,
        &crate::rules::unconfirmed_destructive_action::META,
    ];
    ALL
}

/// The analysis rules only (codes with a checklist item).
pub fn rules() -> impl Iterator<Item = &'static RuleMeta> {
    all().iter().copied().filter(|meta| meta.build.is_some())
}

/// Looks a rule up by code (`PS104`, any case) or name (`readable-secret`).
pub fn lookup(code_or_name: &str) -> Option<&'static RuleMeta> {
    all()
        .iter()
        .copied()
        .find(|meta| meta.code.eq_ignore_ascii_case(code_or_name) || meta.name == code_or_name)
}

/// Every code and name, for "did you mean" suggestions.
pub fn all_identifiers() -> impl Iterator<Item = &'static str> {
    all().iter().flat_map(|meta| [meta.code, meta.name])
}
