//! The security checklist the rules stand on, and the levels a finding can have. A leaf:
//! diagnostics, rules and reporters all speak of these.

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
