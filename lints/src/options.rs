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

    pub fn strings(&self, key: &str) -> &[String] {
        match self.values.get(key) {
            Some(OptionValue::StringList(items)) => items,
            _ => &[],
        }
    }

    pub fn integer(&self, key: &str) -> Option<i64> {
        match self.values.get(key) {
            Some(OptionValue::Integer(value)) => Some(*value),
            _ => None,
        }
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.values.get(key) {
            Some(OptionValue::Bool(value)) => Some(*value),
            _ => None,
        }
    }
}
