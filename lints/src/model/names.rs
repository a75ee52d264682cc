//! Identifier patterns with `*` wildcards (`Partner*Context`, `authorize_partner*`).

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first)
        || !name[first.len()..].ends_with(last)
        || name.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// A list of wildcard patterns.
#[derive(Clone, Debug, Default)]
pub struct Patterns(Vec<String>);

impl Patterns {
    pub fn new<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Self {
        Patterns(
            patterns
                .into_iter()
                .map(|pattern| pattern.as_ref().to_string())
                .collect(),
        )
    }

    pub fn matches(&self, name: &str) -> bool {
        self.0.iter().any(|pattern| wildcard_match(pattern, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
