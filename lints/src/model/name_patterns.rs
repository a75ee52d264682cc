//! Identifier patterns with `*` wildcards (`Partner*Context`, `authorize_partner*`).

/// A pattern split at its wildcards once, since rules match every call and type name of
/// the workspace against the same few patterns.
#[derive(Clone, Debug, Default)]
pub struct Pattern {
    parts: Vec<String>,
}

impl Pattern {
    pub fn new(pattern: &str) -> Self {
        Pattern {
            parts: pattern.split('*').map(str::to_string).collect(),
        }
    }

    /// The pattern as written (`Partner*Context`).
    pub fn as_written(&self) -> String {
        self.parts.join("*")
    }

    /// The longest literal piece, the first of equals (`Partner` of `Partner*Context`), which
    /// every name it matches spells; empty for a pattern that is all wildcards.
    pub fn longest_piece(&self) -> &str {
        let mut longest = "";
        for part in &self.parts {
            if part.len() > longest.len() {
                longest = part;
            }
        }
        longest
    }

    /// Whether `name` matches, where `*` matches any run of characters.
    pub fn matches(&self, name: &str) -> bool {
        let [first, middles @ .., last] = self.parts.as_slice() else {
            return self.parts.first().is_some_and(|exact| exact == name);
        };
        if name.len() < first.len() + last.len()
            || !name.starts_with(first.as_str())
            || !name.ends_with(last.as_str())
        {
            return false;
        }
        let mut rest = &name[first.len()..name.len() - last.len()];
        for middle in middles {
            match rest.find(middle.as_str()) {
                Some(at) => rest = &rest[at + middle.len()..],
                None => return false,
            }
        }
        true
    }
}

/// A list of wildcard patterns.
#[derive(Clone, Debug, Default)]
pub struct Patterns(Vec<Pattern>);

impl Patterns {
    pub fn new<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Self {
        Patterns(
            patterns
                .into_iter()
                .map(|pattern| Pattern::new(pattern.as_ref()))
                .collect(),
        )
    }

    pub fn matches(&self, name: &str) -> bool {
        self.0.iter().any(|pattern| pattern.matches(name))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Pattern> {
        self.0.iter()
    }

    /// The longest literal piece of each pattern, the first of equals (`Partner` of
    /// `Partner*Context`), which every name it matches spells; empty for a pattern that is
    /// all wildcards.
    pub fn longest_pieces(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(Pattern::longest_piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wildcard_match(pattern: &str, name: &str) -> bool {
        Pattern::new(pattern).matches(name)
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("Partner*Context", "PartnerContext"));
        assert!(wildcard_match("Partner*Context", "PartnerAdminContext"));
        assert!(!wildcard_match("Partner*Context", "PartnerContextual"));
        assert!(wildcard_match(
            "ensure_*manages*",
            "ensure_partner_manages_tenant"
        ));
        assert!(!wildcard_match("ensure_*manages*", "ensure_manage"));
        assert!(wildcard_match("authorize_partner*", "authorize_partner"));
        assert!(wildcard_match("a*a", "aa"));
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("PartnerUser", "PartnerUser"));
        assert!(!wildcard_match("PartnerUser", "PartnerUsers"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("**", "anything"));
        assert!(!wildcard_match("", "a"));
        assert!(wildcard_match("*_id", "tenant_id"));
        assert!(!wildcard_match("*_id", "_i"));
        let patterns = Patterns::new(["audit_*", "log_event"]);
        assert!(patterns.matches("audit_write") && patterns.matches("log_event"));
        assert!(!patterns.matches("log_events") && !Patterns::default().matches(""));
    }
}
