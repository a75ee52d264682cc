//! Rule options: declared once per rule (key, type, default, doc) so config
//! validation, `init`, `explain` and the rule itself agree.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    StringList,
    Integer,
    Bool,
}

impl OptionKind {
    pub fn describe(self) -> &'static str {
        match self {
            OptionKind::StringList => "a list of strings",
            OptionKind::Integer => "an integer",
            OptionKind::Bool => "a boolean",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum OptionDefault {
    StringList(&'static [&'static str]),
    Integer(i64),
    Bool(bool),
}

#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    pub key: &'static str,
    pub default: OptionDefault,
    pub doc: &'static str,
}

impl OptionSpec {
    pub fn kind(&self) -> OptionKind {
        match self.default {
            OptionDefault::StringList(_) => OptionKind::StringList,
            OptionDefault::Integer(_) => OptionKind::Integer,
            OptionDefault::Bool(_) => OptionKind::Bool,
        }
    }

    pub fn default_value(&self) -> OptionValue {
        match self.default {
            OptionDefault::StringList(items) => {
                OptionValue::StringList(items.iter().map(|item| item.to_string()).collect())
            }
            OptionDefault::Integer(value) => OptionValue::Integer(value),
            OptionDefault::Bool(value) => OptionValue::Bool(value),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    StringList(Vec<String>),
    Integer(i64),
    Bool(bool),
}

/// A rule's options: its defaults overlaid with what the config sets.
#[derive(Clone, Debug, Default)]
pub struct OptionValues {
    values: BTreeMap<&'static str, OptionValue>,
}

impl OptionValues {
    pub fn defaults(specs: &'static [OptionSpec]) -> Self {
        OptionValues {
            values: specs
                .iter()
                .map(|spec| (spec.key, spec.default_value()))
                .collect(),
        }
    }

    /// Sets a value; the config layer has already checked key and type.
    /// The value of `key`, if the rule declares it.
    pub fn get(&self, key: &str) -> Option<&OptionValue> {
        self.values.get(key)
    }

    pub fn set(&mut self, key: &'static str, value: OptionValue) {
        self.values.insert(key, value);
    }

    /// A key the code reads that no rule declared is a spelling mistake that would read
    /// as "not configured" forever; tests (debug builds) stop at it.
    fn expect_declared(&self, key: &str, kind: OptionKind) {
        let declared = self.values.get(key).map(|value| match value {
            OptionValue::StringList(_) => OptionKind::StringList,
            OptionValue::Integer(_) => OptionKind::Integer,
            OptionValue::Bool(_) => OptionKind::Bool,
        });
        debug_assert!(
            declared == Some(kind),
            "option `{key}` is read as {} but declared as {declared:?}",
            kind.describe()
        );
    }

    pub fn strings(&self, key: &str) -> &[String] {
        self.expect_declared(key, OptionKind::StringList);
        match self.values.get(key) {
            Some(OptionValue::StringList(items)) => items,
            _ => &[],
        }
    }

    pub fn integer(&self, key: &str) -> Option<i64> {
        self.expect_declared(key, OptionKind::Integer);
        match self.values.get(key) {
            Some(OptionValue::Integer(value)) => Some(*value),
            _ => None,
        }
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.expect_declared(key, OptionKind::Bool);
        match self.values.get(key) {
            Some(OptionValue::Bool(value)) => Some(*value),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: &[OptionSpec] = &[OptionSpec {
        key: "max_cache_ttl_secs",
        default: OptionDefault::Integer(60),
        doc: "",
    }];

    #[test]
    fn a_declared_option_reads_its_default() {
        assert_eq!(
            OptionValues::defaults(DECLARED).integer("max_cache_ttl_secs"),
            Some(60)
        );
    }

    #[test]
    #[should_panic(
        expected = "option `max_cache_ttl_sec` is read as an integer but declared as None"
    )]
    fn a_misspelt_key_stops_the_tests() {
        OptionValues::defaults(DECLARED).integer("max_cache_ttl_sec");
    }

    #[test]
    #[should_panic(
        expected = "option `max_cache_ttl_secs` is read as a list of strings but declared as Some(Integer)"
    )]
    fn a_key_read_as_the_wrong_kind_stops_the_tests() {
        OptionValues::defaults(DECLARED).strings("max_cache_ttl_secs");
    }
}
