//! Rule options: declared once per rule (key, type, default, doc) so config
//! validation, `init`, `explain` and the rule itself agree.
//!
//! A rule declares each option as a typed key, and lists the keys' specs for the
//! registry:
//!
//! ```
//! use partner_safety_lints::options::{OptionKey, OptionSpec, OptionValues};
//!
//! const MAX_CACHE_TTL_SECS: OptionKey<u64> = OptionKey::integer(
//!     "max_cache_ttl_secs",
//!     60,
//!     "The longest a cached partner-access check may live, in seconds",
//! );
//! const OPTIONS: &[OptionSpec] = &[MAX_CACHE_TTL_SECS.spec()];
//!
//! let options = OptionValues::defaults(OPTIONS);
//! let max_ttl: u64 = options.get(&MAX_CACHE_TTL_SECS);
//! assert_eq!(max_ttl, 60);
//! ```
//!
//! The key text and the default are written once, in the declaration; the read names the
//! declaration, so a misspelt key does not compile:
//!
//! ```compile_fail
//! use partner_safety_lints::options::{OptionKey, OptionSpec, OptionValues};
//!
//! const MAX_CACHE_TTL_SECS: OptionKey<u64> = OptionKey::integer("max_cache_ttl_secs", 60, "");
//! const OPTIONS: &[OptionSpec] = &[MAX_CACHE_TTL_SECS.spec()];
//!
//! let max_ttl = OptionValues::defaults(OPTIONS).get(&MAX_CACHE_TTL_SEC);
//! ```
//!
//! nor does a read by the key's text:
//!
//! ```compile_fail
//! use partner_safety_lints::options::{OptionKey, OptionSpec, OptionValues};
//!
//! const MAX_CACHE_TTL_SECS: OptionKey<u64> = OptionKey::integer("max_cache_ttl_secs", 60, "");
//! const OPTIONS: &[OptionSpec] = &[MAX_CACHE_TTL_SECS.spec()];
//!
//! let max_ttl = OptionValues::defaults(OPTIONS).get("max_cache_ttl_secs");
//! ```
//!
//! A key left out of its rule's list could not be set by config; the registry's test
//! `every_rule_reads_exactly_its_declared_options` builds every rule and fails on it.

use std::collections::BTreeMap;
use std::marker::PhantomData;

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

/// One option as config validation, `init` and `explain` see it. Made only from an
/// [`OptionKey`], so every spec has a typed read.
#[derive(Clone, Copy, Debug)]
pub struct OptionSpec {
    pub key: &'static str,
    pub default: OptionDefault,
    pub doc: &'static str,
    /// The least integer the key's type holds: config refuses a smaller one rather than
    /// let the read fall back to the default.
    integer_minimum: i64,
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

    /// `Err` with what the option accepts (`"an integer of at least 0"`) when `value` is
    /// out of its type's range.
    pub fn check_integer(&self, value: i64) -> Result<(), String> {
        if value < self.integer_minimum {
            return Err(format!("an integer of at least {}", self.integer_minimum));
        }
        Ok(())
    }
}

/// What an option's value is read as by the rule.
pub trait OptionType {
    type Read<'a>;
    /// `None` when `value` is of another kind or out of range.
    fn read(value: &OptionValue) -> Option<Self::Read<'_>>;
    /// What a read gets when the values lack the option, which only a key left out of
    /// its rule's list does (the registry's tests catch it): the declared default where
    /// the type can lend it.
    fn missing<'a>(default: OptionDefault) -> Self::Read<'a>;
}

/// The type of list-of-strings options, read as `&[String]`.
pub enum StringList {}

impl OptionType for StringList {
    type Read<'a> = &'a [String];
    fn read(value: &OptionValue) -> Option<&[String]> {
        match value {
            OptionValue::StringList(items) => Some(items),
            _ => None,
        }
    }
    fn missing<'a>(_: OptionDefault) -> Self::Read<'a> {
        &[]
    }
}

/// Counts and durations: config refuses a negative value.
impl OptionType for u64 {
    type Read<'a> = u64;
    fn read(value: &OptionValue) -> Option<u64> {
        match value {
            OptionValue::Integer(value) => u64::try_from(*value).ok(),
            _ => None,
        }
    }
    fn missing<'a>(default: OptionDefault) -> Self::Read<'a> {
        match default {
            OptionDefault::Integer(value) => u64::try_from(value).unwrap_or(0),
            _ => 0,
        }
    }
}

impl OptionType for bool {
    type Read<'a> = bool;
    fn read(value: &OptionValue) -> Option<bool> {
        match value {
            OptionValue::Bool(value) => Some(*value),
            _ => None,
        }
    }
    fn missing<'a>(default: OptionDefault) -> Self::Read<'a> {
        matches!(default, OptionDefault::Bool(true))
    }
}

/// An option's declaration: its key, default and doc, and the type the rule reads it as.
/// Declared as a constant beside the rule's option list, and read by naming the constant.
pub struct OptionKey<T: OptionType> {
    spec: OptionSpec,
    read_as: PhantomData<fn() -> T>,
}

impl<T: OptionType> OptionKey<T> {
    /// The spec for the rule's option list.
    pub const fn spec(&self) -> OptionSpec {
        self.spec
    }

    pub const fn key(&self) -> &'static str {
        self.spec.key
    }

    const fn declare(key: &'static str, default: OptionDefault, doc: &'static str) -> Self {
        OptionKey {
            spec: OptionSpec {
                key,
                default,
                doc,
                integer_minimum: i64::MIN,
            },
            read_as: PhantomData,
        }
    }
}

impl OptionKey<StringList> {
    pub const fn strings(
        key: &'static str,
        default: &'static [&'static str],
        doc: &'static str,
    ) -> Self {
        OptionKey::declare(key, OptionDefault::StringList(default), doc)
    }

    /// The declared default, for a rule that falls back to it when config empties the list.
    pub fn default_strings(&self) -> Vec<String> {
        match self.spec.default {
            OptionDefault::StringList(items) => items.iter().map(|item| item.to_string()).collect(),
            _ => Vec::new(),
        }
    }
}

impl OptionKey<u64> {
    pub const fn integer(key: &'static str, default: u64, doc: &'static str) -> Self {
        // Config holds integers as TOML does, in an `i64`.
        assert!(default <= i64::MAX as u64, "the default must fit in an i64");
        let mut declared = OptionKey::declare(key, OptionDefault::Integer(default as i64), doc);
        declared.spec.integer_minimum = 0;
        declared
    }
}

impl OptionKey<bool> {
    pub const fn flag(key: &'static str, default: bool, doc: &'static str) -> Self {
        OptionKey::declare(key, OptionDefault::Bool(default), doc)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    StringList(Vec<String>),
    Integer(i64),
    Bool(bool),
}

/// An option read, with the value it found.
#[cfg(test)]
pub(crate) type Read = (&'static str, Option<OptionValue>);

/// A rule's options: its defaults overlaid with what the config sets.
#[derive(Clone, Debug, Default)]
pub struct OptionValues {
    values: BTreeMap<&'static str, OptionValue>,
    /// Every read with the value it found, so the registry's tests can check that a rule
    /// reads exactly the options it declares, and gets their defaults unconfigured.
    #[cfg(test)]
    reads: std::sync::Arc<std::sync::Mutex<Vec<Read>>>,
}

impl OptionValues {
    pub fn defaults(specs: &'static [OptionSpec]) -> Self {
        OptionValues {
            values: specs
                .iter()
                .map(|spec| (spec.key, spec.default_value()))
                .collect(),
            #[cfg(test)]
            reads: Default::default(),
        }
    }

    /// The value of `key`, as config wrote it (for `init`'s round-trip test).
    pub fn get_value(&self, key: &str) -> Option<&OptionValue> {
        self.values.get(key)
    }

    /// Sets a value; the config layer has already checked key, type and range.
    pub fn set(&mut self, key: &'static str, value: OptionValue) {
        self.values.insert(key, value);
    }

    /// The option's value: the configured one, else the declared default.
    pub fn get<T: OptionType>(&self, key: &OptionKey<T>) -> T::Read<'_> {
        let found = self.values.get(key.key());
        #[cfg(test)]
        self.reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((key.key(), found.cloned()));
        // Config checked the value's kind and range against this same declaration, so
        // only a key left out of its rule's list (or a test setting a value of another
        // kind) lands here; tests stop at it.
        match found.and_then(T::read) {
            Some(value) => value,
            None if cfg!(debug_assertions) => panic!(
                "option `{}` is missing from its rule's option list or holds a value its type cannot read",
                key.key()
            ),
            None => T::missing(key.spec.default),
        }
    }

    /// The options read so far with the values found, in order.
    #[cfg(test)]
    pub(crate) fn reads(&self) -> Vec<Read> {
        self.reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_CACHE_TTL_SECS: OptionKey<u64> = OptionKey::integer(
        "max_cache_ttl_secs",
        60,
        "The longest a check may be cached",
    );
    const DECLARED: &[OptionSpec] = &[MAX_CACHE_TTL_SECS.spec()];

    #[test]
    fn a_declared_option_reads_its_default() {
        assert_eq!(
            OptionValues::defaults(DECLARED).get(&MAX_CACHE_TTL_SECS),
            60
        );
    }

    #[test]
    fn a_configured_option_reads_as_configured() {
        let mut values = OptionValues::defaults(DECLARED);
        values.set("max_cache_ttl_secs", OptionValue::Integer(5));
        assert_eq!(values.get(&MAX_CACHE_TTL_SECS), 5);
    }

    #[test]
    #[should_panic(expected = "option `tenant_names` is missing from its rule's option list")]
    fn a_key_left_out_of_the_list_stops_the_tests() {
        const TENANT_NAMES: OptionKey<StringList> = OptionKey::strings("tenant_names", &[], "");
        OptionValues::defaults(DECLARED).get(&TENANT_NAMES);
    }

    #[test]
    fn an_unsigned_integer_accepts_zero_and_refuses_a_negative() {
        let spec = MAX_CACHE_TTL_SECS.spec();
        assert_eq!(spec.check_integer(0), Ok(()));
        assert_eq!(
            spec.check_integer(-1),
            Err("an integer of at least 0".to_string())
        );
    }
}
