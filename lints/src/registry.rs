//! The rule registry: every code the tool can report, with its name, level,
//! checklist item, docs and options. Reporters, `explain`, `rules`, the
//! README's rule table and the config validator all read this one list.

use crate::diagnostic::Diagnostic;
use crate::index::Workspace;
use crate::model::Model;
use crate::options::{OptionSpec, OptionValues};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// The 14 items of the Partner Feature Safety Checklist, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChecklistItem {
    ScopeEnforcement,
    ContextLeakage,
    PiiMasking,
    SecretProtection,
    RoleMapping,
    BreakGlass,
    LeastPrivilege,
    NoisyNeighbor,
    AuditTrail,
    ErrorHandling,
    Attribution,
    QuotaInheritance,
    ContextIndicator,
    ActionConfirmation,
}

impl ChecklistItem {
    pub const ALL: [ChecklistItem; 14] = [
        ChecklistItem::ScopeEnforcement,
        ChecklistItem::ContextLeakage,
        ChecklistItem::PiiMasking,
        ChecklistItem::SecretProtection,
        ChecklistItem::RoleMapping,
        ChecklistItem::BreakGlass,
        ChecklistItem::LeastPrivilege,
        ChecklistItem::NoisyNeighbor,
        ChecklistItem::AuditTrail,
        ChecklistItem::ErrorHandling,
        ChecklistItem::Attribution,
        ChecklistItem::QuotaInheritance,
        ChecklistItem::ContextIndicator,
        ChecklistItem::ActionConfirmation,
    ];

    /// The checklist section number (1–5).
    pub fn section(self) -> u8 {
        use ChecklistItem::*;
        match self {
            ScopeEnforcement | ContextLeakage | PiiMasking | SecretProtection => 1,
            RoleMapping | BreakGlass | LeastPrivilege => 2,
            NoisyNeighbor | AuditTrail | ErrorHandling => 3,
            Attribution | QuotaInheritance => 4,
            ContextIndicator | ActionConfirmation => 5,
        }
    }

    pub fn section_title(self) -> &'static str {
        match self.section() {
            1 => "Isolation & Data Safety",
            2 => "Authentication & Authorization",
            3 => "Operational Safety",
            4 => "Billing & Resources",
            _ => "UI/UX",
        }
    }

    pub fn title(self) -> &'static str {
        use ChecklistItem::*;
        match self {
            ScopeEnforcement => "Scope Enforcement",
            ContextLeakage => "Context Leakage",
            PiiMasking => "PII Masking",
            SecretProtection => "Secret Protection",
            RoleMapping => "Role Mapping",
            BreakGlass => "Break-Glass",
            LeastPrivilege => "Least Privilege",
            NoisyNeighbor => "Noisy Neighbor",
            AuditTrail => "Audit Trail",
            ErrorHandling => "Error Handling",
            Attribution => "Attribution",
            QuotaInheritance => "Quota Inheritance",
            ContextIndicator => "Context Indicator",
            ActionConfirmation => "Action Confirmation",
        }
    }

    /// The checklist's question for this item, as written in the checklist.
    pub fn question(self) -> &'static str {
        use ChecklistItem::*;
        match self {
            ScopeEnforcement => "Does every database query include a `MATCH (p:Partner)-[:MANAGES]->(t:Tenant)` (or equivalent check) to ensure the Partner actually owns the target Tenant?",
            ContextLeakage => "When switching context, are all caches (Redis, LocalStorage) keyed by the *Target Tenant ID*, not just the User ID?",
            PiiMasking => "Is PII in the Customer Tenant masked for Partner Support users unless explicitly unmasked with an audit reason?",
            SecretProtection => "Are Customer secrets (API Keys, private certs) hidden from Partners? (Partners should only be able to overwrite/reset, not read).",
            RoleMapping => "Are Partner roles (`partner-admin`) correctly mapped to restricted permissions in the Child Tenant? (e.g., A Partner should generally *not* be able to delete the Customer's root admin account).",
            BreakGlass => "Is there a mechanism for the Customer to revoke Partner access instantly?",
            LeastPrivilege => "Does the default `:MANAGES` relationship grant the minimum necessary permissions?",
            NoisyNeighbor => "Are bulk operations (e.g., \"Update All Tenants\") rate-limited to prevent degrading performance for the Tenants?",
            AuditTrail => "Is the `actor_tenant_id` (Partner) distinct from the `target_tenant_id` (Customer) in all audit logs?",
            ErrorHandling => "Do error messages leaked to the Partner avoid revealing sensitive internal state of the Customer Tenant?",
            Attribution => "Are resource costs correctly attributed to the Customer Tenant, even if provisioned by the Partner?",
            QuotaInheritance => "Does the system correctly enforce both Tenant-level and Partner-level quotas?",
            ContextIndicator => "Is there a clear, persistent UI element showing \"Viewing as [Customer Name]\" to prevent accidental changes to the wrong tenant?",
            ActionConfirmation => "Do destructive actions require re-confirmation with the specific Tenant Name typed out?",
        }
    }

    /// The label used in findings and reports, e.g. `1. Secret Protection`.
    pub fn label(self) -> String {
        format!("{}. {}", self.section(), self.title())
    }
}

/// Builds a rule configured with its options.
pub type BuildRule = fn(&OptionValues) -> Box<dyn Rule>;

/// Everything the tool knows about a code, rule or tool diagnostic alike.
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    /// `None` for the tool's own diagnostics (PS0xx).
    pub checklist_item: Option<ChecklistItem>,
    pub default_level: Level,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// Markdown in fixed sections (What it does, Why is this bad?, Example,
    /// Use instead, Options, Checklist item, Fix), shown by `explain`.
    pub docs: &'static str,
    pub options: &'static [OptionSpec],
    /// Builds the configured rule; `None` for tool diagnostics.
    pub build: Option<BuildRule>,
}

impl std::fmt::Debug for RuleMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleMeta")
            .field("code", &self.code)
            .field("name", &self.name)
            .finish()
    }
}

/// What a rule sees: the whole workspace index and the shared model.
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub model: &'a Model,
}

/// A rule's check, run once per file with the whole workspace at hand, so a
/// failure can be pinned to the file it happened on and files run in
/// parallel. Rules query the index and the model; they never see files or
/// syntax trees.
pub trait Rule: Send + Sync {
    fn check_file(
        &self,
        cx: &Context<'_>,
        file: crate::diagnostic::FileId,
        out: &mut Vec<Diagnostic>,
    );
}

pub use crate::engine::tool_codes;

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
