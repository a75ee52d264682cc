//! The graph's words for partner, tenant and the relationship between them (RULES.md R3):
//! `Partner`, `Tenant` and `MANAGES` by default, any set a company uses by configuration
//! (`Agency`, `Account`, `SERVES`). Every rule that reasons about the graph asks here.

use super::option;
use crate::cypher::RelPattern;
use crate::options::{OptionKey, OptionValues, StringList};

#[derive(Clone, Debug)]
pub struct Vocabulary {
    partner_labels: Vec<String>,
    tenant_labels: Vec<String>,
    manages_relationships: Vec<String>,
    /// The labels as words of identifiers (`Tenant` → `tenant`, `CustomerAccount` →
    /// `customer_account`): what the code calls its ids and fields (`tenant_id`,
    /// `actor_tenant_id`), which R3 renames with the labels.
    partner_words: Vec<String>,
    tenant_words: Vec<String>,
    /// Names of a tenant id (`tenant_id`, `tenant`), of a value that is the target
    /// (`target_tenant…`, `customer_tenant…`) and of one that is the actor (`actor_…`,
    /// `caller_…`, `partner_…`), in the workspace's words.
    tenant_id_names: Vec<String>,
    target_prefixes: Vec<String>,
    actor_prefixes: Vec<String>,
}

impl Default for Vocabulary {
    /// The `[model]` options' defaults.
    fn default() -> Self {
        Vocabulary::new(
            option::PARTNER_LABELS.default_strings(),
            option::TENANT_LABELS.default_strings(),
            option::MANAGES_RELATIONSHIPS.default_strings(),
        )
    }
}

impl Vocabulary {
    fn new(
        partner_labels: Vec<String>,
        tenant_labels: Vec<String>,
        manages_relationships: Vec<String>,
    ) -> Vocabulary {
        let partner_words: Vec<String> = partner_labels
            .iter()
            .map(|label| snake_case(label))
            .collect();
        let tenant_words: Vec<String> = tenant_labels
            .iter()
            .map(|label| snake_case(label))
            .collect();
        let tenant_id_names = tenant_words
            .iter()
            .flat_map(|word| [format!("{word}_id"), word.clone()])
            .collect();
        let target_prefixes = tenant_words
            .iter()
            .flat_map(|word| [format!("target_{word}"), format!("customer_{word}")])
            .collect();
        let actor_prefixes = ["actor_".to_string(), "caller_".to_string()]
            .into_iter()
            .chain(partner_words.iter().map(|word| format!("{word}_")))
            .collect();
        Vocabulary {
            partner_words,
            tenant_words,
            tenant_id_names,
            target_prefixes,
            actor_prefixes,
            partner_labels,
            tenant_labels,
            manages_relationships,
        }
    }

    /// From `[model]` options; an option left empty keeps its default word.
    pub fn from_options(options: &OptionValues) -> Vocabulary {
        let or_default = |key: &OptionKey<StringList>| {
            let configured = options.get(key);
            if configured.is_empty() {
                key.default_strings()
            } else {
                configured.to_vec()
            }
        };
        Vocabulary::new(
            or_default(&option::PARTNER_LABELS),
            or_default(&option::TENANT_LABELS),
            or_default(&option::MANAGES_RELATIONSHIPS),
        )
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

    /// The partner labels as identifier words: `partner` by default.
    pub fn partner_words(&self) -> &[String] {
        &self.partner_words
    }

    /// The tenant labels as identifier words: `tenant` by default.
    pub fn tenant_words(&self) -> &[String] {
        &self.tenant_words
    }

    /// Whether a name is a tenant id's: `tenant_id` or `tenant` by default.
    pub fn is_tenant_id_name(&self, name: &str) -> bool {
        self.tenant_id_names.iter().any(|known| known == name)
    }

    /// Whether a name says it holds the target tenant: `target_tenant…`, `customer_tenant…`.
    pub fn names_target(&self, name: &str) -> bool {
        self.target_prefixes
            .iter()
            .any(|prefix| name.starts_with(prefix.as_str()))
    }

    /// Whether a name says it holds the actor: `actor_…`, `caller_…`, `partner_…`.
    pub fn names_actor(&self, name: &str) -> bool {
        self.actor_prefixes
            .iter()
            .any(|prefix| name.starts_with(prefix.as_str()))
    }

    /// The relationship types from a partner to a tenant it may act on: `MANAGES` by default.
    pub fn manages_relationships(&self) -> &[String] {
        &self.manages_relationships
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

/// `CustomerAccount` → `customer_account`, `Tenant` → `tenant`, `MSPClient` → `msp_client`.
fn snake_case(label: &str) -> String {
    let chars: Vec<char> = label.chars().collect();
    let mut word = String::with_capacity(label.len() + 2);
    for (index, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower = index > 0 && chars[index - 1].is_lowercase();
            let before_lower = index > 0
                && chars[index - 1].is_uppercase()
                && chars.get(index + 1).is_some_and(|next| next.is_lowercase());
            if (after_lower || before_lower) && !word.ends_with('_') {
                word.push('_');
            }
            word.extend(c.to_lowercase());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() && !word.ends_with('_') {
            word.push('_');
        }
    }
    word.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_the_words_identifiers_use() {
        let words: Vec<String> = [
            "Tenant",
            "CustomerAccount",
            "MSPClient",
            "Org2",
            "Sub-Account",
        ]
        .into_iter()
        .map(snake_case)
        .collect();
        assert_eq!(
            words,
            [
                "tenant",
                "customer_account",
                "msp_client",
                "org2",
                "sub_account"
            ]
        );
        let vocabulary = Vocabulary::default();
        assert_eq!(vocabulary.tenant_words(), ["tenant"]);
        assert_eq!(vocabulary.partner_words(), ["partner"]);
        assert!(
            vocabulary.is_tenant_id_name("tenant_id") && vocabulary.is_tenant_id_name("tenant")
        );
        assert!(
            vocabulary.names_target("target_tenant_id") && vocabulary.names_actor("partner_id")
        );
        let agency = Vocabulary::new(
            vec!["Agency".to_string()],
            vec!["CustomerAccount".to_string()],
            vec!["SERVES".to_string()],
        );
        assert!(agency.is_tenant_id_name("customer_account_id"));
        assert!(!agency.is_tenant_id_name("tenant_id"));
        assert!(agency.names_target("target_customer_account_id"));
        assert!(agency.names_actor("agency_id") && agency.names_actor("actor_customer_account_id"));
        assert!(!agency.names_actor("partner_id"));
    }
}
