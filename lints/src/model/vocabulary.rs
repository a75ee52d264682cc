//! The graph's words for partner, tenant and the relationship between them (RULES.md R3):
//! `Partner`, `Tenant` and `MANAGES` by default, any set a company uses by configuration
//! (`Agency`, `Account`, `SERVES`). Every rule that reasons about the graph asks here.

use crate::cypher::RelPattern;
use crate::options::OptionValues;

#[derive(Clone, Debug)]
pub struct Vocabulary {
    partner_labels: Vec<String>,
    tenant_labels: Vec<String>,
    manages_relationships: Vec<String>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            partner_labels: vec!["Partner".to_string()],
            tenant_labels: vec!["Tenant".to_string()],
            manages_relationships: vec!["MANAGES".to_string()],
        }
    }
}

impl Vocabulary {
    /// From `[model]` options; an option left empty keeps its default word.
    pub fn from_options(options: &OptionValues) -> Vocabulary {
        let defaults = Vocabulary::default();
        let or_default = |key: &str, default: Vec<String>| {
            let configured = options.strings(key);
            if configured.is_empty() {
                default
            } else {
                configured.to_vec()
            }
        };
        Vocabulary {
            partner_labels: or_default("partner_labels", defaults.partner_labels),
            tenant_labels: or_default("tenant_labels", defaults.tenant_labels),
            manages_relationships: or_default(
                "manages_relationships",
                defaults.manages_relationships,
            ),
        }
    }

    pub fn is_partner_label(&self, label: &str) -> bool {
        self.partner_labels.iter().any(|known| known == label)
    }

    pub fn is_tenant_label(&self, label: &str) -> bool {
        self.tenant_labels.iter().any(|known| known == label)
    }

    pub fn tenant_labels(&self) -> &[String] {
        &self.tenant_labels
    }

    pub fn is_manages_type(&self, relationship_type: &str) -> bool {
        self.manages_relationships
            .iter()
            .any(|known| known == relationship_type)
    }

    /// Whether a relationship pattern may be the manages relationship.
    pub fn is_manages(&self, relationship: &RelPattern) -> bool {
        relationship
            .types
            .iter()
            .any(|kind| self.is_manages_type(kind))
    }
}
